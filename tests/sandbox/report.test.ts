/**
 * The sandbox's confirmed-outcome lines (pure): each link says what its `up` confirmed, and only a
 * join to the declared user counts toward the main job's success.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JoinResult } from "../../provider/confirm/types";
import { confirmedLine, printConfirmed } from "./report";

const result = (outcome: JoinResult["outcome"], summary: string): JoinResult => ({
  engine: "cloudSync",
  outcome,
  expectedObjectId: "id",
  summary,
  checkedAt: "2026-01-01T00:00:00.000Z",
});

test("one line per link: name, example, outcome and what it means", () => {
  assert.equal(
    confirmedLine({
      example: "soft-match",
      linkName: "alva-wood",
      result: result("joined", "Cloud Sync joined it."),
    }),
    "  alva-wood      (soft-match) → joined: Cloud Sync joined it.",
  );
  assert.match(
    confirmedLine({ example: "hard-match", linkName: "chen-li", result: undefined }),
    /chen-li .* → not confirmed: its `up` failed/,
  );
});

test("only joins count toward the main job's success", () => {
  const log = console.log;
  const lines: string[] = [];
  console.log = (line: string) => lines.push(line);
  try {
    const joined = printConfirmed("Engine:", [
      { example: "soft-match", linkName: "a", result: result("joined", "ok") },
      { example: "soft-match", linkName: "b", result: result("duplicate", "dup") },
      { example: "hard-match", linkName: "c", result: result("timedOut", "late") },
      { example: "hard-match", linkName: "d", result: undefined },
    ]);
    assert.equal(joined, 1);
  } finally {
    console.log = log;
  }
  assert.equal(lines[0], "Engine:");
  assert.equal(lines.length, 5);
});
