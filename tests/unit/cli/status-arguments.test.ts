/**
 * `ad-entra-link status` arguments are hostile input too: a stack "name" that is a pulumi flag must
 * not reach the pulumi command line (it would turn `stack export` into `stack export --show-secrets`),
 * and a state "file" that is a FIFO must be refused rather than block forever.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { statusCommand } from "../../../provider/cli/status";

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await statusCommand.run(args, {
    stdout: () => undefined,
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stderr };
}

test("a stack name that is a flag is refused before any pulumi command runs", async () => {
  for (const stack of ["--show-secrets", "-s", "a b", "../x"]) {
    const r = await run(["--stack", stack]);
    assert.equal(r.code, 1, stack);
    assert.match(r.stderr, /--stack needs a Pulumi stack name/, stack);
  }
});

test("a state file that is a FIFO or a directory is refused without reading it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-status-"));
  const fifo = path.join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  for (const file of [fifo, dir]) {
    const r = await run(["--state", file]);
    assert.equal(r.code, 1, file);
    assert.match(r.stderr, /is not a regular file of at most 512 MiB/, file);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
