/**
 * Proof that the real Pulumi engine runs a TypeScript program with a dynamic resource here:
 * the CLI and the Node.js language host built from Go modules, the dynamic-provider plugin from
 * @pulumi/pulumi, a file backend, and no network.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT, runPulumiCli } from "../support/pulumi";

const programDir = path.join(REPO_ROOT, "tests", "foundation", "programs", "echo");
let sandbox: PulumiSandbox;
let stateDir: string;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-pulumi-proof-"));
  sandbox = await pulumiSandbox(stateDir);
});

after(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test("the CLI reports the pinned version (>= 3.248.0)", () => {
  const { stdout, code } = runPulumiCli(sandbox, ["version"], programDir);
  console.log(`pulumi version: ${stdout.trim()}`);
  assert.equal(code, 0);
  const [major, minor] = stdout.trim().replace(/^v/, "").split(".").map(Number);
  assert.equal(major, 3);
  assert.ok((minor ?? 0) >= 248, `expected >= 3.248, got ${stdout}`);
});

test("preview, up, a clean second preview, an update and destroy of a dynamic resource", async () => {
  const stack = await openStack(sandbox, {
    workDir: programDir,
    stackName: "proof",
    config: { message: "hello" },
  });

  const preview = await stack.preview();
  assert.equal(preview.changeSummary.create, 2, "stack + one dynamic resource planned");

  const up = await stack.up();
  assert.equal(up.summary.result, "succeeded");
  assert.equal(up.outputs["length"]?.value, 5);

  const state = await stack.exportStack();
  const echo = state.deployment.resources.find(
    (r: { type: string }) => r.type === "pulumi-nodejs:dynamic/foundation:Echo",
  );
  assert.ok(echo, "the resource carries its own type token");
  assert.equal(echo.id, "echo-hello");

  // --expect-no-changes fails the preview if anything would change.
  const again = await stack.preview({ expectNoChanges: true });
  assert.equal(again.changeSummary.same, 2);

  await stack.setConfig("message", { value: "hello, world" });
  const changed = await stack.up();
  assert.equal(changed.summary.resourceChanges?.update, 1);
  assert.equal(changed.outputs["length"]?.value, 12);

  const destroyed = await stack.destroy();
  assert.equal(destroyed.summary.resourceChanges?.delete, 2);
  const empty = await stack.exportStack();
  assert.equal((empty.deployment.resources ?? []).length, 0);
  await stack.workspace.removeStack("proof");
});
