/**
 * The GitOps example (examples/github-actions): actionlint accepts the workflow (and rejects a broken
 * copy, so it really lints); the scripts type-check; the workflow has the shape a security review
 * asks for (no pull_request_target, no secrets for forks, the base branch's program, two identities
 * in two environments, an OIDC token per step); and the preview job's own scripts run against the
 * shared DC and an emulator tenant, with workload identity federation and the policy pack, producing
 * the PR comment. The saved-plan flow is tests/gitops/saved-plan.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { PREVIEW_APP_ROLES } from "../fixtures/seed-scenario";
import {
  EXAMPLE,
  exampleProject,
  FakeGitHubOidc,
  git,
  JobRun,
  linksYaml,
  readWorkflow,
  WORKFLOW_FILE,
} from "../gitops/harness";
import { openStack, type PulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { policySandbox } from "./root-program";

const ACTIONLINT_CONFIG = path.join(EXAMPLE, "actionlint.yaml");
const workflow = readWorkflow();
/** A GitHub expression as the workflow spells it: `${{ <e> }}`. */
const ghExpr = (e: string): string => `\${{ ${e} }}`;

function actionlint(): string {
  return execFileSync("bash", [path.join(REPO_ROOT, "tools", "actionlint", "ensure-actionlint.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

test("actionlint accepts the workflow, and rejects a broken copy", () => {
  const bin = actionlint();
  const ok = spawnSync(bin, ["-no-color", "-config-file", ACTIONLINT_CONFIG, WORKFLOW_FILE], {
    encoding: "utf8",
  });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.equal(ok.stdout, "");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-actionlint-"));
  try {
    const broken = fs
      .readFileSync(WORKFLOW_FILE, "utf8")
      .replace("steps.preview.outputs.exit-code != '0'", "steps.previw.outputs.exit-code != '0'")
      .replace("pulumi-version: 3.248.0", "pulumi-versoin: 3.248.0");
    const file = path.join(dir, "broken.yml");
    fs.writeFileSync(file, broken);
    const bad = spawnSync(bin, ["-no-color", "-config-file", ACTIONLINT_CONFIG, file], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /property "previw" is not defined/);
    assert.match(bad.stdout, /input "pulumi-versoin" is not defined in action "pulumi\/actions@v6"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the example's scripts type-check on their own (strict)", () => {
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  for (const script of ["render-plan.ts", "check-plan.ts"]) {
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        "--noEmit",
        "--strict",
        "--noUncheckedIndexedAccess",
        "--target",
        "es2022",
        "--module",
        "commonjs",
        "--types",
        "node",
        path.join(EXAMPLE, script),
      ],
      { encoding: "utf8", cwd: REPO_ROOT },
    );
    assert.equal(r.status, 0, `${script}: ${r.stdout}${r.stderr}`);
  }
});

test("the workflow's security shape: pull_request only, no secrets for forks, two environments, a token per step", () => {
  const text = fs.readFileSync(WORKFLOW_FILE, "utf8");
  assert.ok(!/pull_request_target/.test(text.replace(/^\s*#.*$/gm, "")), "never pull_request_target");
  assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push", "workflow_dispatch"]);
  assert.deepEqual(workflow.permissions, {}, "nothing granted by default");
  assert.ok(
    Object.values(workflow.env).every((v) => !String(v).includes("secrets.")),
    "no secret at workflow level",
  );
  const { fork, preview, up } = workflow.jobs;
  assert.match(String(fork?.if), /head\.repo\.full_name != github\.repository/);
  assert.deepEqual(fork?.permissions, {});
  assert.ok(!JSON.stringify(fork).includes("secrets."), "the fork job sees no secret");
  assert.match(String(preview?.if), /head\.repo\.full_name == github\.repository/);
  assert.equal(preview?.environment, "ad-entra-link-preview");
  assert.equal(up?.environment, "ad-entra-link-production");
  assert.match(String(up?.if), /github\.ref == 'refs\/heads\/main'/);
  // The preview checks out the base branch; the pull request's checkout is sparse, only the links file.
  const checkouts = preview!.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
  assert.equal(checkouts[0]?.with?.["ref"], ghExpr("github.event.pull_request.base.sha || github.sha"));
  assert.equal(checkouts[1]?.with?.["sparse-checkout"], ghExpr("env.AEL_LINKS_FILE"));
  assert.ok(checkouts.every((c) => String(c.with?.["persist-credentials"]) === "false"));
  // Every step that can reach Entra ID fetches its own OIDC token and removes it; none passes one on.
  for (const [name, job] of Object.entries(workflow.jobs)) {
    for (const st of job.steps.filter((x) =>
      /^\s*(PULUMI_\w+=\S+ )*pulumi (preview|up)\b/m.test(x.run ?? ""),
    )) {
      assert.match(st.run!, /oidc-token\.sh/, `${name}/${st.id}: fetches a token`);
      assert.match(st.run!, /trap 'rm -f "\$token_file"' EXIT/, `${name}/${st.id}: removes it`);
    }
  }
  assert.ok(!/AZURE_FEDERATED_TOKEN_FILE=.*GITHUB_ENV/.test(text), "no token handed to later steps");
  // The apply is constrained to the reviewed plan, after the check that refuses a changed directory.
  const upIds = up!.steps.map((s) => s.id);
  assert.ok(upIds.indexOf("check-plan") < upIds.indexOf("up"));
  assert.match(up!.steps.find((s) => s.id === "up")!.run!, /--plan "\$REVIEWED_PLAN"/);
});

// ---- the preview job against the DC and the emulator ---------------------------------------------

const STACK = `bulk-gitops-${process.pid}`;
const oidc = new FakeGitHubOidc();
const appClientId = "22222222-aaaa-4bbb-8ccc-0000000000a1";
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let dir: string;
let project: string;
let baseSha: string;
let runs = 0;

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, `bg${Math.random().toString(36).slice(2, 7)}`, ["adam", "bruno"]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bulk-gitops-"));
  sandbox = await policySandbox(path.join(dir, "pulumi"), env);
  await oidc.start(env);
  oidc.subject = "repo:contoso/identity:environment:ad-entra-link-preview";
  await env.control.addApp(s.tenantId, {
    clientId: appClientId,
    displayName: "ad-entra-link (GitHub Actions, previews)",
    federated: { issuer: oidc.issuer, subject: oidc.subject, audience: "api://AzureADTokenExchange" },
    roles: [...PREVIEW_APP_ROLES],
  });
  project = exampleProject(path.join(dir, "identity"));
  fs.writeFileSync(path.join(project, ".gitignore"), "node_modules\n.ael-pull-request\nPulumi.*.yaml\n");
  fs.writeFileSync(path.join(project, "links.yaml"), "version: 1\nentries: []\n");
  git(project, ["init", "-q", "-b", "main"]);
  git(project, ["add", "-A"]);
  git(project, ["commit", "-q", "-m", "base"]);
  baseSha = git(project, ["rev-parse", "HEAD"]);
  stack = await openStack(sandbox, { workDir: project, stackName: STACK, config: {} });
});

after(async () => {
  await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  await oidc.stop(env);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A pull request with `lines` as its links file; runs the preview job's links and preview steps. */
async function previewPullRequest(
  lines: string[],
  policyConfig: unknown,
): Promise<{ run: JobRun; comment: string }> {
  git(project, ["checkout", "-q", "-B", `pr-${++runs}`, baseSha]);
  fs.writeFileSync(path.join(project, "links.yaml"), linksYaml(lines));
  git(project, ["commit", "-q", "-am", `pull request ${runs}`]);
  const prSha = git(project, ["rev-parse", "HEAD"]);
  git(project, ["checkout", "-q", baseSha]);
  fs.rmSync(path.join(project, ".ael-pull-request"), { recursive: true, force: true });
  git(dir, ["clone", "-q", "--no-checkout", project, path.join(project, ".ael-pull-request")]);
  const configFile = path.join(dir, `policy-${runs}.json`);
  fs.writeFileSync(configFile, JSON.stringify(policyConfig));
  const run = new JobRun(
    workflow,
    "preview",
    project,
    {
      vars: {
        PULUMI_STACK: STACK,
        PULUMI_BACKEND_URL: sandbox.envVars["PULUMI_BACKEND_URL"]!,
        AEL_POLICY_PACK: path.join(REPO_ROOT, "policy"),
        AEL_POLICY_CONFIG: configFile,
        AEL_SCRIPTS: EXAMPLE,
        AZURE_TENANT_ID: s.tenantId,
        AZURE_CLIENT_ID: appClientId,
        AZURE_AUTHORITY_HOST: env.emulator.baseUrl,
        AD_ENTRA_LINK_GRAPH_BASE_URL: env.emulator.baseUrl,
        AD_ENTRA_LINK_LDAP_URL: env.samba.url,
        AD_ENTRA_LINK_LDAP_BIND_DN: env.samba.adminBindDn,
        AD_ENTRA_LINK_LDAP_BASE_DN: s.ou,
        AD_ENTRA_LINK_ALLOWED_SEARCH_BASES: s.ou,
        AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH: env.samba.caCertPath,
      },
      secrets: {
        AD_ENTRA_LINK_LDAP_BIND_PASSWORD: env.samba.adminPassword,
        PULUMI_CONFIG_PASSPHRASE: sandbox.envVars["PULUMI_CONFIG_PASSPHRASE"]!,
      },
      values: {
        "github.event.pull_request.head.sha": prSha,
        "github.event.pull_request.base.sha": baseSha,
        "github.event.pull_request.number": String(runs),
        "github.server_url": "https://github.com",
        "github.repository": "contoso/identity",
        "github.run_id": "77",
      },
    },
    { sandbox, env, oidc, runnerTemp: path.join(dir, `runner-${runs}`) },
  );
  for (const id of ["links", "preview"]) {
    const r = await run.run(id);
    assert.equal(r.status, 0, `step ${id}: ${r.output}`);
  }
  const comment = fs.readFileSync(run.outputs["preview"]!["comment-file"]!, "utf8");
  assert.equal(
    run.summary(),
    fs.readFileSync(path.join(run.outputs["preview"]!["plan-dir"]!, "plan.md"), "utf8"),
  );
  return { run, comment };
}

const sam = (key: string) => s.users[key]!.seed.sAMAccountName;
const re = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("a pull request's preview: OIDC token, workload identity, policy pack, plan comment", async () => {
  const issued = oidc.issued;
  const { run, comment } = await previewPullRequest(
    [
      "  - name: adam-anderson",
      `    onPremises: { samAccountName: ${sam("adam")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("adam")} }`,
      "  - name: bruno-costa",
      `    onPremises: { samAccountName: ${sam("bruno")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
      "    match: hard",
      '    reason: "CHG-1042: no mailbox"',
    ],
    { "ad-entra-link-allowed-ous": { allowedOus: [s.ou] } },
  );
  assert.equal(oidc.issued, issued + 1, "the preview step asked GitHub's endpoint for one token");
  assert.equal(run.githubEnv(), "", "nothing (no token file) is handed to later steps");
  assert.equal(run.outputs["preview"]!["exit-code"], "0", comment);

  assert.ok(comment.startsWith("<!-- ad-entra-link-plan -->\n"));
  assert.match(comment, new RegExp(`### ad-entra-link plan for \`${STACK}\`: ✅ ready`));
  assert.match(comment, /2 links: 2 with changes, 0 unchanged, 0 refused\./);
  assert.match(comment, /\| predicted join: hardMatch \| 1 \|\n/);
  assert.match(comment, /\| predicted join: softMatchSmtp \| 1 \|\n/);
  assert.match(
    comment,
    new RegExp(
      `\\| adam-anderson \\| create \\| softMatchSmtp \\| (un)?certain \\| ${re(s.users["adam"]!.dn)} \\| userPrincipalName=${re(s.cloudUpn("adam"))} \\| 3 \\|`,
    ),
  );
  assert.match(comment, /\| bruno-costa \| create \| hardMatch \(hard match\) \| (un)?certain \| /);
  assert.match(
    comment,
    new RegExp(`- on-premises mail: \\(not set\\) → ${re(s.cloudUpn("adam"))}\n`),
    "the details list current → planned",
  );
  assert.match(comment, /- cloud onPremisesImmutableId: \(not set\) → [A-Za-z0-9+/]{22}==\n/);
  assert.ok(!comment.includes("#### Refused"));
  assert.ok(!comment.includes("Truncated"));
});

test("a pull request that breaks a policy fails, and the comment says why, refusals first", async () => {
  const { run, comment } = await previewPullRequest(
    [
      "  - name: bruno-costa",
      `    onPremises: { samAccountName: ${sam("bruno")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
      "    match: hard",
    ],
    { "ad-entra-link-allowed-ous": { allowedOus: [s.ou] } },
  );
  assert.notEqual(run.outputs["preview"]!["exit-code"], "0");
  assert.match(comment, /: ❌ blocked/);
  const refused = comment.indexOf("#### Refused (1)");
  assert.ok(refused > 0 && refused < comment.indexOf("#### Links with changes"), "refusals come first");
  assert.match(
    comment,
    /- \*\*bruno-costa\*\*: mandatory policy `ad-entra-link-hard-match-needs-reason` \(ad-entra-link\): .*without a reason/,
  );
});
