/**
 * Preview shows a link's prediction as one `join` line; the full prediction is the `predictedJoin`
 * output recorded at `up`. Tests that compare predictions with the sync simulator read the line at
 * preview, the full prediction from state, and hold them to each other with this check.
 */
import { unpackOutputs } from "../../provider/link/packed";
import assert from "node:assert/strict";
import { joinLine } from "../../provider/link/review";
import type { PredictedJoin } from "../../provider/link/types";

/** Asserts the preview's join line is the line of the prediction `up` recorded, and returns that prediction. */
export function recordedMatchesPreview(
  name: string,
  previewLine: unknown,
  outputs: Record<string, unknown> | undefined,
): PredictedJoin {
  const unpacked = outputs === undefined ? undefined : unpackOutputs(outputs);
  const p = unpacked?.predictedJoin as PredictedJoin | undefined;
  const cloudId = unpacked?.resolved?.cloudUserId;
  assert.ok(p !== undefined && cloudId !== undefined, `${name}: state records predictedJoin and resolved`);
  assert.equal(typeof previewLine, "string", `${name}: preview shows a join line`);
  assert.equal(
    joinLine(p, cloudId),
    previewLine,
    `${name}: preview's join line is the recorded prediction's`,
  );
  return p;
}
