/**
 * The GitOps example (examples/github-actions): actionlint accepts the workflow (and rejects a broken
 * copy, so it really lints); render-plan.ts type-checks; and the workflow's own `run` scripts for the
 * OIDC token and `pulumi preview` run verbatim against the shared DC and an emulator tenant, with a
 * GitHub-like OIDC token endpoint, workload identity federation (no client secret) and the policy
 * pack, producing the PR comment.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { signJwt } from "../emulator/jwt";
import { PROVIDER_APP_ROLES } from "../fixtures/seed-scenario";
import { openStack, type PulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { policySandbox, removeRootStack } from "./root-program";

const EXAMPLE = path.join(REPO_ROOT, "examples", "github-actions");
const WORKFLOW = path.join(EXAMPLE, "workflows", "ad-entra-link.yml");
const ACTIONLINT_CONFIG = path.join(EXAMPLE, "actionlint.yaml");

interface WorkflowStep {
  id?: string;
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { steps: WorkflowStep[] }>;
}

function actionlint(): string {
  return execFileSync("bash", [path.join(REPO_ROOT, "tools", "actionlint", "ensure-actionlint.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

test("actionlint accepts the workflow, and rejects a broken copy", () => {
  const bin = actionlint();
  const ok = spawnSync(bin, ["-no-color", "-config-file", ACTIONLINT_CONFIG, WORKFLOW], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.equal(ok.stdout, "");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-actionlint-"));
  try {
    const broken = fs
      .readFileSync(WORKFLOW, "utf8")
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

test("render-plan.ts type-checks on its own (strict)", () => {
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
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
      path.join(EXAMPLE, "render-plan.ts"),
    ],
    { encoding: "utf8", cwd: REPO_ROOT },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

// ---- the preview job against the DC and the emulator ---------------------------------------------

const STACK = `bulk-gitops-${process.pid}`;
const ISSUER = `https://token.actions.githubusercontent.com/ael-test-${randomUUID()}`;
const SUBJECT = "repo:contoso/identity:pull_request";
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let dir: string;
let tokenServer: http.Server;
let tokenUrl: string;
let tokensIssued = 0;
const requestToken = randomUUID();
const appClientId = randomUUID();
const workflow = parse(fs.readFileSync(WORKFLOW, "utf8")) as Workflow;
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "bgitops", ["adam", "bruno"]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bulk-gitops-"));
  sandbox = await policySandbox(path.join(dir, "pulumi"), env);
  stack = await openStack(sandbox, {
    workDir: REPO_ROOT,
    stackName: STACK,
    // Only the links file: every connection setting comes from the workflow's environment.
    config: { "ad-entra-link:linksFile": path.join(dir, "links.yaml") },
  });

  // GitHub's OIDC token endpoint, as ACTIONS_ID_TOKEN_REQUEST_URL serves it to a job.
  tokenServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (
      req.headers.authorization !== `Bearer ${requestToken}` ||
      url.searchParams.get("api-version") !== "2.0"
    ) {
      res.writeHead(401).end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const jwt = signJwt(
      { alg: "RS256", typ: "JWT", kid: "gh-test" },
      {
        iss: ISSUER,
        sub: SUBJECT,
        aud: url.searchParams.get("audience"),
        repository: "contoso/identity",
        event_name: "pull_request",
        iat: now,
        nbf: now,
        exp: now + 300,
      },
      privateKey,
    );
    tokensIssued++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: 1, value: jwt }));
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/_apis/oidc/token?api-version=2.0`;

  // The app registration with a federated credential for pull requests, and the issuer's keys.
  await env.control.registerFederatedIssuer(ISSUER, [
    { ...publicKey.export({ format: "jwk" }), kid: "gh-test", alg: "RS256", use: "sig" },
  ]);
  await env.control.addApp(s.tenantId, {
    clientId: appClientId,
    displayName: "ad-entra-link (GitHub Actions, pull requests)",
    federated: { issuer: ISSUER, subject: SUBJECT, audience: "api://AzureADTokenExchange" },
    roles: PROVIDER_APP_ROLES,
  });
});

after(async () => {
  await removeRootStack(stack, STACK);
  await env?.control.removeFederatedIssuer(ISSUER).catch(() => undefined);
  await new Promise((r) => tokenServer?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `${{ vars.X || 'default' }}` / `${{ secrets.X }}` / literals, as GitHub evaluates them for env. */
function evaluate(
  values: Record<string, string>,
  vars: Record<string, string>,
  secrets: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const m = /^\$\{\{\s*(vars|secrets)\.(\w+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}$/.exec(String(v));
    if (m === null) {
      assert.ok(!String(v).includes("${{"), `env ${k} uses an expression this test cannot evaluate: ${v}`);
      out[k] = String(v);
    } else {
      const source = m[1] === "vars" ? vars : secrets;
      out[k] = source[m[2]!] || m[3] || "";
    }
  }
  return out;
}

function step(id: string, match: (s: WorkflowStep) => boolean = (st) => st.id === id): WorkflowStep {
  const found = workflow.jobs["preview"]!.steps.find(match);
  assert.ok(found?.run, `the preview job has a run step ${id}`);
  return found;
}

/** Runs a step's script with bash (asynchronously: the OIDC endpoint lives in this process). */
function bash(
  script: string,
  stepEnv: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-c", script], {
      cwd: REPO_ROOT,
      env: stepEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/** Runs the preview job's OIDC and preview steps like a runner: same scripts, GITHUB_ENV/OUTPUT files. */
async function runPreviewJob(
  name: string,
  policyConfig: unknown,
): Promise<{ outputs: Record<string, string>; plan: string; githubEnv: string }> {
  const runnerTemp = fs.mkdtempSync(path.join(dir, `${name}-runner-`));
  const files = { env: "github-env", output: "github-output", summary: "step-summary" };
  for (const f of Object.values(files)) fs.writeFileSync(path.join(runnerTemp, f), "");
  const configFile = path.join(runnerTemp, "policy-config.json");
  fs.writeFileSync(configFile, JSON.stringify(policyConfig));
  const vars: Record<string, string> = {
    PULUMI_STACK: STACK,
    PULUMI_BACKEND_URL: sandbox.envVars["PULUMI_BACKEND_URL"]!,
    AEL_POLICY_CONFIG: configFile,
    AEL_RENDER_PLAN: path.join(EXAMPLE, "render-plan.ts"),
    AZURE_TENANT_ID: s.tenantId,
    AZURE_CLIENT_ID: appClientId,
    AZURE_AUTHORITY_HOST: env.emulator.baseUrl,
    AD_ENTRA_LINK_GRAPH_BASE_URL: env.emulator.baseUrl,
    AD_ENTRA_LINK_LDAP_URL: env.samba.url,
    AD_ENTRA_LINK_LDAP_BIND_DN: env.samba.adminBindDn,
    AD_ENTRA_LINK_LDAP_BASE_DN: s.ou,
    AD_ENTRA_LINK_ALLOWED_SEARCH_BASES: s.ou,
    AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH: env.samba.caCertPath,
  };
  const secrets: Record<string, string> = {
    AD_ENTRA_LINK_LDAP_BIND_PASSWORD: env.samba.adminPassword,
    PULUMI_CONFIG_PASSPHRASE: sandbox.envVars["PULUMI_CONFIG_PASSPHRASE"]!,
  };
  // The runner's own environment: tools on PATH, the job's temp folder and command files.
  let jobEnv: Record<string, string> = {
    PATH: sandbox.envVars["PATH"]!,
    HOME: process.env["HOME"] ?? os.homedir(),
    PULUMI_HOME: sandbox.envVars["PULUMI_HOME"]!,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    AEL_REAL_PULUMI_LANGUAGE_NODEJS: sandbox.envVars["AEL_REAL_PULUMI_LANGUAGE_NODEJS"]!,
    NODE_EXTRA_CA_CERTS: env.caBundlePath,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ENV: path.join(runnerTemp, files.env),
    GITHUB_OUTPUT: path.join(runnerTemp, files.output),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, files.summary),
    ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    ...evaluate(workflow.env, vars, secrets),
  };
  for (const st of [step("oidc"), step("preview")]) {
    const r = await bash(st.run!, { ...jobEnv, ...evaluate(st.env ?? {}, vars, secrets) });
    assert.equal(r.status, 0, `step ${st.id}: ${r.output}`);
    // GITHUB_ENV lines become environment variables of the following steps.
    for (const line of fs.readFileSync(jobEnv["GITHUB_ENV"]!, "utf8").split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) jobEnv = { ...jobEnv, [line.slice(0, eq)]: line.slice(eq + 1) };
    }
  }
  const outputs: Record<string, string> = {};
  for (const line of fs.readFileSync(jobEnv["GITHUB_OUTPUT"]!, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const plan = fs.readFileSync(outputs["plan-file"]!, "utf8");
  assert.equal(
    fs.readFileSync(jobEnv["GITHUB_STEP_SUMMARY"]!, "utf8"),
    plan,
    "the plan is also the job summary",
  );
  return { outputs, plan, githubEnv: fs.readFileSync(jobEnv["GITHUB_ENV"]!, "utf8") };
}

const sam = (key: string) => s.users[key]!.seed.sAMAccountName;
const re = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function writeLinks(lines: string[]): void {
  fs.writeFileSync(path.join(dir, "links.yaml"), ["version: 1", "entries:", ...lines, ""].join("\n"));
}

test("a pull request's preview: OIDC token, workload identity, policy pack, plan comment", async () => {
  writeLinks([
    "  - name: adam-anderson",
    `    onPremises: { samAccountName: ${sam("adam")} }`,
    `    cloud: { userPrincipalName: ${s.cloudUpn("adam")} }`,
    "  - name: bruno-costa",
    `    onPremises: { samAccountName: ${sam("bruno")} }`,
    `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
    "    match: hard",
    '    reason: "CHG-1042: no mailbox"',
  ]);
  const before = tokensIssued;
  const { outputs, plan, githubEnv } = await runPreviewJob("ok", {
    "ad-entra-link-allowed-ous": { allowedOus: [s.ou] },
  });
  assert.equal(tokensIssued, before + 1, "the OIDC step asked GitHub's endpoint for one token");
  const tokenFile = /^AZURE_FEDERATED_TOKEN_FILE=(.+)$/m.exec(githubEnv)?.[1];
  assert.ok(
    tokenFile !== undefined && fs.readFileSync(tokenFile, "utf8").split(".").length === 3,
    "a JWT was written",
  );
  assert.equal(outputs["exit-code"], "0", plan);

  assert.ok(plan.startsWith("<!-- ad-entra-link-plan -->\n"));
  assert.match(plan, new RegExp(`### ad-entra-link plan for \`${STACK}\`: ✅ ready`));
  assert.match(plan, /2 links; 2 with changes; 0 unchanged\. Resources: 3 create\./);
  const rows = plan
    .split("\n")
    .filter((l) => l.startsWith("| adam-anderson") || l.startsWith("| bruno-costa"));
  assert.equal(rows.length, 2);
  assert.match(
    rows[0]!,
    new RegExp(
      `\\| adam-anderson \\| create \\| ${re(s.users["adam"]!.dn)} \\| userPrincipalName=${re(s.cloudUpn("adam"))} \\|`,
    ),
  );
  assert.match(
    rows[0]!,
    new RegExp(
      `on-premises userPrincipalName: \\S+ → ${re(s.cloudUpn("adam"))}<br>on-premises mail: \\(not set\\) → ${re(s.cloudUpn("adam"))}`,
    ),
  );
  assert.match(rows[0]!, /\| softMatchSmtp( \(uncertain\))? \|$/);
  assert.match(rows[1]!, /cloud onPremisesImmutableId: \(not set\) → [A-Za-z0-9+/]{22}==/);
  assert.match(rows[1]!, /hardMatch( \(uncertain\))?, hard match \|$/);
  assert.ok(!plan.includes("#### Policy violations"));
});

test("a pull request that breaks a policy fails, and the comment says why", async () => {
  writeLinks([
    "  - name: bruno-costa",
    `    onPremises: { samAccountName: ${sam("bruno")} }`,
    `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
    "    match: hard",
  ]);
  const { outputs, plan } = await runPreviewJob("violation", {
    "ad-entra-link-allowed-ous": { allowedOus: [s.ou] },
  });
  assert.notEqual(outputs["exit-code"], "0");
  assert.match(plan, /: ❌ blocked/);
  assert.match(plan, /#### Policy violations/);
  assert.match(
    plan,
    /- \*\*mandatory\*\* `ad-entra-link-hard-match-needs-reason` \(ad-entra-link\) on `bruno-costa`: .*without a reason/,
  );
});
