/**
 * Apply what was reviewed (issue 13), through the real CLI and the example workflow's own scripts:
 *
 * - the pull request's `preview` job (read-only identities, the base branch's program, only the links
 *   file taken from the pull request) saves an update plan (`pulumi preview --save-plan`);
 * - after a hand-made change in AD (LDAP modify of the user's mail), the `up` job's check refuses
 *   before anything is written, naming the link and the property, and `pulumi up --plan` alone
 *   refuses the link as well (Pulumi 3.248 checks ad-entra-link's checked inputs against the plan);
 * - with a new preview of the unchanged directories, the `up` job applies exactly that plan.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { Attribute, Change } from "ldapts";
import { APPS, PREVIEW_APP_ROLES, PROVIDER_APP_ROLES } from "../fixtures/seed-scenario";
import { createOu, readUser, snapshotSubtree, withAdminClient } from "../infra/samba";
import { createReadOnlyAccount, type ReadOnlyAccount } from "../infra/samba/read-only-account";
import { openStack, type PulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { policySandbox } from "../bulk/root-program";
import {
  type Context,
  EXAMPLE,
  exampleProject,
  FakeGitHubOidc,
  git,
  JobRun,
  linksYaml,
  readWorkflow,
} from "./harness";

const STACK = `gitops-plan-${process.pid}`;
const tag = `sp${Math.random().toString(36).slice(2, 7)}`;
const workflow = readWorkflow();
const oidc = new FakeGitHubOidc();
const previewClientId = "22222222-aaaa-4bbb-8ccc-000000000001";
const productionClientId = "22222222-aaaa-4bbb-8ccc-000000000002";
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let dir: string;
let project: string;
let policyConfig: string;
let readOnly: ReadOnlyAccount;
let baseSha: string;
let prSha: string;
let runs = 0;

const sam = (key: string) => s.users[key]!.seed.sAMAccountName;

function context(identity: "preview" | "production"): Context {
  const common = {
    PULUMI_STACK: STACK,
    PULUMI_BACKEND_URL: sandbox.envVars["PULUMI_BACKEND_URL"]!,
    AEL_POLICY_PACK: path.join(REPO_ROOT, "policy"),
    AEL_POLICY_CONFIG: policyConfig,
    AEL_SCRIPTS: EXAMPLE,
    AZURE_TENANT_ID: s.tenantId,
    AZURE_AUTHORITY_HOST: env.emulator.baseUrl,
    AD_ENTRA_LINK_GRAPH_BASE_URL: env.emulator.baseUrl,
    AD_ENTRA_LINK_LDAP_URL: env.samba.url,
    AD_ENTRA_LINK_LDAP_BASE_DN: s.ou,
    AD_ENTRA_LINK_ALLOWED_SEARCH_BASES: s.ou,
    AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH: env.samba.caCertPath,
  };
  // The same variable and secret names in two GitHub environments, with different identities.
  return identity === "preview"
    ? {
        vars: { ...common, AZURE_CLIENT_ID: previewClientId, AD_ENTRA_LINK_LDAP_BIND_DN: readOnly.dn },
        secrets: {
          AD_ENTRA_LINK_LDAP_BIND_PASSWORD: readOnly.password,
          PULUMI_CONFIG_PASSPHRASE: sandbox.envVars["PULUMI_CONFIG_PASSPHRASE"]!,
        },
        values: {
          "github.event.pull_request.head.sha": prSha,
          "github.event.pull_request.base.sha": baseSha,
          "github.event.pull_request.number": "42",
          "github.server_url": "https://github.com",
          "github.repository": "contoso/identity",
          "github.run_id": "1001",
        },
      }
    : {
        vars: {
          ...common,
          AZURE_CLIENT_ID: productionClientId,
          AD_ENTRA_LINK_LDAP_BIND_DN: env.samba.adminBindDn,
        },
        secrets: {
          AD_ENTRA_LINK_LDAP_BIND_PASSWORD: env.samba.adminPassword,
          PULUMI_CONFIG_PASSPHRASE: sandbox.envVars["PULUMI_CONFIG_PASSPHRASE"]!,
        },
        values: {},
      };
}

function job(name: "preview" | "up"): JobRun {
  oidc.subject = `repo:contoso/identity:environment:${workflow.jobs[name]!.environment}`;
  return new JobRun(workflow, name, project, context(name === "preview" ? "preview" : "production"), {
    sandbox,
    env,
    oidc,
    runnerTemp: path.join(dir, `runner-${++runs}`),
  });
}

/** The pull request's preview job: take the links file, preview, keep the plan directory. */
async function previewJob(): Promise<{ planDir: string; run: JobRun }> {
  // actions/checkout of the pull request into .ael-pull-request (sparse; never executed).
  fs.rmSync(path.join(project, ".ael-pull-request"), { recursive: true, force: true });
  git(dir, ["clone", "-q", "--no-checkout", project, path.join(project, ".ael-pull-request")]);
  const run = job("preview");
  const links = await run.run("links");
  assert.equal(links.status, 0, links.output);
  const issued = oidc.issued;
  const r = await run.run("preview");
  assert.equal(r.status, 0, r.output);
  assert.equal(run.outputs["preview"]!["exit-code"], "0", run.summary());
  assert.equal(oidc.issued, issued + 1, "the preview step fetched its own OIDC token");
  return { planDir: run.outputs["preview"]!["plan-dir"]!, run };
}

/** The merge's up job from the downloaded artifact on: every step until one fails. */
async function upJob(planDir: string): Promise<{ run: JobRun; failedAt?: string; output: string }> {
  const run = job("up");
  fs.cpSync(planDir, path.join(run.runnerTemp, "reviewed"), { recursive: true });
  let output = "";
  for (const id of ["links-reviewed", "check-plan", "up", "drift"]) {
    const r = await run.run(id);
    output += r.output;
    if (r.status !== 0) return { run, failedAt: id, output };
  }
  return { run, output };
}

async function snapshots(): Promise<{ ad: string; cloud: string }> {
  return { ad: await snapshotSubtree(s.dc, s.ou), cloud: await env.control.snapshot(s.tenantId) };
}

async function setMail(value: string): Promise<void> {
  await withAdminClient(s.dc, (c) =>
    c.modify(s.users["adam"]!.dn, [
      new Change({ operation: "replace", modification: new Attribute({ type: "mail", values: [value] }) }),
    ]),
  );
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, tag, ["adam"]);
  const container = await createOu(s.dc, `OU=svc-${tag},${env.samba.baseDn}`);
  readOnly = await createReadOnlyAccount(s.dc, { containerDn: container, name: `svc-${tag}` });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-gitops-plan-"));
  policyConfig = path.join(dir, "policy-config.json");
  fs.writeFileSync(policyConfig, JSON.stringify({ "ad-entra-link-allowed-ous": { allowedOus: [s.ou] } }));
  sandbox = await policySandbox(path.join(dir, "pulumi"), env);
  await oidc.start(env);
  for (const [clientId, environment, roles] of [
    [previewClientId, "ad-entra-link-preview", PREVIEW_APP_ROLES],
    [productionClientId, "ad-entra-link-production", PROVIDER_APP_ROLES],
  ] as const) {
    await env.control.addApp(s.tenantId, {
      clientId,
      displayName: `ad-entra-link (${environment})`,
      federated: {
        issuer: oidc.issuer,
        subject: `repo:contoso/identity:environment:${environment}`,
        audience: "api://AzureADTokenExchange",
      },
      roles: [...roles],
    });
  }
  assert.ok(!APPS.some((a) => a.clientId === previewClientId));

  // The identity repository: main with an empty links file, and a pull request that adds a link
  // and also changes the program (which the preview must not run).
  project = exampleProject(path.join(dir, "identity"));
  fs.writeFileSync(path.join(project, ".gitignore"), "node_modules\n.ael-pull-request\nPulumi.*.yaml\n");
  fs.writeFileSync(path.join(project, "links.yaml"), linksYaml([]).replace("entries:\n", "entries: []\n"));
  git(project, ["init", "-q", "-b", "main"]);
  git(project, ["add", "-A"]);
  git(project, ["commit", "-q", "-m", "base"]);
  baseSha = git(project, ["rev-parse", "HEAD"]);
  fs.writeFileSync(
    path.join(project, "links.yaml"),
    linksYaml([
      "  - name: adam-anderson",
      `    onPremises: { samAccountName: ${sam("adam")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("adam")} }`,
    ]),
  );
  fs.appendFileSync(
    path.join(project, "index.ts"),
    `\nrequire("node:fs").writeFileSync(${JSON.stringify(path.join(dir, "pr-code-ran"))}, "x");\n`,
  );
  git(project, ["commit", "-q", "-am", "pull request"]);
  prSha = git(project, ["rev-parse", "HEAD"]);
  git(project, ["checkout", "-q", baseSha]); // the preview job checks out the base branch
  stack = await openStack(sandbox, { workDir: project, stackName: STACK, config: {} });
});

after(async () => {
  await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  await oidc.stop(env);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the preview saves the plan, with the base branch's program and only the pull request's links file", async () => {
  const { planDir, run } = await previewJob();
  assert.ok(!fs.existsSync(path.join(dir, "pr-code-ran")), "the pull request's index.ts never ran");
  assert.equal(git(project, ["status", "--porcelain", "--", "index.ts"]), "", "index.ts is the base one");
  const plan = JSON.parse(fs.readFileSync(path.join(planDir, "plan.json"), "utf8")) as {
    resourcePlans: Record<string, { steps: string[] }>;
  };
  const link = Object.entries(plan.resourcePlans).find(([urn]) => urn.endsWith("::adam-anderson"));
  assert.deepEqual(link?.[1].steps, ["create"]);
  const manifest = JSON.parse(fs.readFileSync(path.join(planDir, "manifest.json"), "utf8")) as Record<
    string,
    unknown
  >;
  assert.equal(manifest["headSha"], prSha);
  assert.equal(manifest["baseSha"], baseSha);
  assert.match(
    fs.readFileSync(path.join(planDir, "plan.md"), "utf8"),
    /\| adam-anderson \| create \| softMatchSmtp/,
  );
  assert.equal(run.githubEnv(), "", "no token (or anything else) is handed to later steps");
  assert.deepEqual(
    fs.readdirSync(run.runnerTemp).filter((f) => f.startsWith("azure-federated-token")),
    [],
    "the step removed its token file",
  );
});

test("AD changed by hand after the review: up refuses before writing, naming the link and what changed", async () => {
  const { planDir } = await previewJob();
  // main after the merge: the pull request's links file (the links step put it there), the base program.
  await setMail(`changed.${tag}@contoso.com`);
  const before = await snapshots();

  const { run, failedAt, output } = await upJob(planDir);
  assert.equal(failedAt, "check-plan", output);
  const summary = run.summary();
  assert.match(summary, /❌ refused, 1 link differs from the reviewed plan/);
  assert.match(
    summary,
    new RegExp(
      `\\| adam-anderson \\| \`plan.1\` \\| "on-premises mail: \\(not set\\) → [^"]+" \\| "on-premises mail: changed.${tag}@contoso.com → [^"]+" \\|`,
    ),
  );
  assert.match(output, /refused: link adam-anderson changed since the review \(.*plan\.1\)/);
  assert.deepEqual(await snapshots(), before, "nothing written");

  // Pulumi's own guard, without the check: `up --plan` refuses the link whose checked inputs moved.
  const direct = await run.run("up");
  assert.notEqual(direct.status, 0);
  assert.match(
    direct.output,
    /adam-anderson violates plan: properties changed: .*plan.*on-premises mail: changed/,
  );
  assert.deepEqual(await snapshots(), before, "nothing written");
});

test("directories unchanged since the review: up applies exactly the reviewed plan", async () => {
  const { planDir } = await previewJob();
  const { failedAt, output, run } = await upJob(planDir);
  assert.equal(failedAt, undefined, output);
  assert.match(run.summary(), /the directories are as reviewed/);
  assert.match(run.summary(), /ad-entra-link: applied to/);
  const adam = await readUser(s.dc, s.users["adam"]!.dn);
  assert.equal(adam.mail, s.cloudUpn("adam"));
  assert.equal(adam.userPrincipalName, s.cloudUpn("adam"));
});
