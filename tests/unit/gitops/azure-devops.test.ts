/**
 * The Azure DevOps example (examples/azure-devops), offline: the pipeline's shape (what runs when,
 * with which service connection, in which environment; a token per step; the reviewed-plan check
 * before `up --plan`), and the shared render script run with the arguments the pipeline passes.
 * What cannot be tested without an Azure DevOps organization is listed in the example's README.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
// Imported so the build emits the renderer this test runs as the pipeline does.
import { MARKER } from "../../../examples/github-actions/render-plan";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const PIPELINE = path.join(REPO_ROOT, "examples", "azure-devops", "azure-pipelines.yml");

interface Step {
  task?: string;
  bash?: string;
  name?: string;
  checkout?: string;
  persistCredentials?: boolean;
  condition?: string;
  inputs?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Pipeline {
  trigger: { branches: { include: string[] }; paths: { include: string[] } };
  pr: { branches: { include: string[] }; paths: { include: string[] } };
  stages: {
    stage: string;
    condition: string;
    dependsOn?: unknown;
    jobs: {
      job?: string;
      deployment?: string;
      environment?: string;
      steps?: Step[];
      strategy?: { runOnce: { deploy: { steps: Step[] } } };
    }[];
  }[];
}

const text = fs.readFileSync(PIPELINE, "utf8");
const pipeline = parse(text) as Pipeline;
const stage = (name: string) => pipeline.stages.find((s) => s.stage === name)!;
const stepsOf = (name: string): Step[] => {
  const j = stage(name).jobs[0]!;
  return j.steps ?? j.strategy?.runOnce.deploy.steps ?? [];
};
const azureCli = (name: string) => stepsOf(name).filter((s) => s.task === "AzureCLI@2");

test("triggers: pull requests and pushes to main that change the links file only", () => {
  assert.deepEqual(pipeline.pr.branches.include, ["main"]);
  assert.deepEqual(pipeline.pr.paths.include, ["links.yaml", "links.csv"]);
  assert.deepEqual(pipeline.trigger.branches.include, ["main"]);
  assert.deepEqual(pipeline.trigger.paths.include, ["links.yaml", "links.csv"]);
});

test("Preview: pull requests (or a manual preview), read-only connection, base program, PR links file", () => {
  const p = stage("Preview");
  assert.match(p.condition, /eq\(variables\['Build\.Reason'\], 'PullRequest'\)/);
  assert.ok(!/refs\/heads\/main/.test(p.condition));
  const steps = stepsOf("Preview");
  assert.equal(steps[0]?.checkout, "self");
  assert.equal(steps[0]?.persistCredentials, false);
  const take = steps.find((s) => s.bash?.includes("git show"))!;
  assert.match(take.bash!, /git show "\$SOURCE_COMMIT:\$AEL_LINKS_FILE"/);
  assert.match(take.bash!, /git checkout --quiet --detach "\$\(git rev-parse "\$target"\)"/);
  assert.match(take.bash!, /"\$mode" != "100644"/);
  assert.equal(take.env?.["SOURCE_COMMIT"], "$(System.PullRequest.SourceCommitId)");
  assert.ok(
    steps.indexOf(take) < steps.findIndex((s) => s.bash?.includes("npm ci")),
    "dependencies are installed after the base branch is checked out",
  );
  const cli = azureCli("Preview");
  assert.equal(cli.length, 1);
  assert.ok(cli.every((s) => s.inputs?.["azureSubscription"] === "ad-entra-link-preview"));
  assert.match(String(cli[0]!.inputs?.["inlineScript"]), /--save-plan "\$out\/plan\.json"/);
  assert.ok(
    !text.slice(text.indexOf("\nstages:"), text.indexOf("- stage: Apply")).includes("ad-entra-link-apply"),
  );
});

test("Apply: main only, a deployment job in the protected environment, writing connection, check before up --plan", () => {
  const a = stage("Apply");
  assert.match(a.condition, /eq\(variables\['Build\.SourceBranch'\], 'refs\/heads\/main'\)/);
  assert.ok(!/PullRequest/.test(a.condition));
  assert.equal(a.jobs[0]?.deployment, "up");
  assert.equal(a.jobs[0]?.environment, "ad-entra-link-production");
  const cli = azureCli("Apply");
  assert.deepEqual(
    cli.map((s) => s.name),
    ["checkPlan", "up", "drift"],
  );
  assert.ok(cli.every((s) => s.inputs?.["azureSubscription"] === "ad-entra-link-apply"));
  assert.match(
    String(cli[0]!.inputs?.["inlineScript"]),
    /check-plan\.ts" "\$AGENT_TEMPDIRECTORY\/reviewed\/plan\.json"/,
  );
  assert.match(
    String(cli[1]!.inputs?.["inlineScript"]),
    /pulumi up .*\n.*--plan "\$AGENT_TEMPDIRECTORY\/reviewed\/plan\.json"/,
  );
});

test("every step that reaches Entra ID writes its own token file and deletes it", () => {
  for (const s of [...azureCli("Preview"), ...azureCli("Apply")]) {
    const script = String(s.inputs?.["inlineScript"]);
    assert.equal(s.inputs?.["addSpnToEnvironment"], true, `${s.name}`);
    assert.match(script, /token_file="\$\(mktemp /, `${s.name}`);
    assert.match(script, /trap 'rm -f "\$token_file"' EXIT/, `${s.name}`);
    assert.match(script, /printf '%s' "\$idToken" > "\$token_file"/, `${s.name}`);
    assert.match(script, /export AZURE_FEDERATED_TOKEN_FILE="\$token_file"/, `${s.name}`);
  }
  assert.ok(!/task\.setvariable variable=AZURE_FEDERATED_TOKEN_FILE/.test(text));
});

test("the pipeline's render-plan invocations run the shared script", () => {
  const script = String(azureCli("Preview")[0]!.inputs?.["inlineScript"]);
  const calls = [...script.matchAll(/^\s*render (.*) > /gm)].map((m) => m[1]!);
  assert.deepEqual(calls, [
    '"$events" "$PULUMI_STACK" --full',
    '"$events" "$PULUMI_STACK" --full-plan-url "$RUN_URL"',
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-ado-"));
  try {
    const events = path.join(dir, "events.jsonl");
    fs.writeFileSync(
      events,
      `${JSON.stringify({ summaryEvent: { resourceChanges: { same: 1 }, result: "succeeded" } })}\n`,
    );
    const renderer = path.join(REPO_ROOT, "dist", "examples", "github-actions", "render-plan.js");
    for (const args of [
      [events, "prod", "--full"],
      [events, "prod", "--full-plan-url", "https://dev.azure.com/contoso/identity/_build/results?buildId=9"],
    ]) {
      const r = spawnSync(process.execPath, [renderer, ...args], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`${MARKER}\n### ad-entra-link plan for \`prod\`: ✅ ready`), r.stdout);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
