/**
 * Issue 14, Cloud Sync: `up` with syncEngine cloudSync and confirmJoin provisions each link on
 * demand through the emulator's Cloud Sync job (the real Samba DC, the real Pulumi CLI running
 * examples/soft-match) and reads the per-step result. Alva (primary SMTP aligned) is confirmed
 * joined; Bruno (no mailbox: only the UPN matches, row 27 [U]) gets a duplicate, and his link fails
 * with the duplicate named and what to do, keeping its state with `joinResult`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import type { JoinResult } from "../../provider/confirm/types";
import { APPS } from "../fixtures/seed-scenario";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const workDir = path.join(REPO_ROOT, "examples", "soft-match");
const STACK = "e2e-confirm-cs";
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let stateDir: string;

async function joinResults(): Promise<Record<string, JoinResult | undefined>> {
  const state = await stack.exportStack();
  const out: Record<string, JoinResult | undefined> = {};
  for (const r of (state.deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] })
    .resources ?? []) {
    const name = r.urn.split("::").pop() ?? "";
    if (r.urn.includes("UserLink")) out[name] = r.outputs?.["joinResult"] as JoinResult | undefined;
  }
  return out;
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "ecsync", ["alva", "bruno"]);
  const app = APPS.find((a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"))!;
  await env.control.updateApp(s.tenantId, app.clientId, {
    roles: [...app.roles, "Synchronization.ReadWrite.All"],
  });
  const job = await env.control.configureCloudSync(s.tenantId, {
    ldap: {
      url: env.samba.url,
      bindDn: env.samba.adminBindDn,
      bindPassword: env.samba.adminPassword,
      caCertPem: env.sambaCaPem,
    },
    scope: [s.ou],
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-e2e-cs-"));
  sandbox = await pulumiSandbox(stateDir, { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  stack = await openStack(sandbox, {
    workDir,
    stackName: STACK,
    config: {
      ...config,
      "ad-entra-link:syncEngine": "cloudSync",
      "ad-entra-link:confirmJoin": "true",
      "ad-entra-link:cloudSyncServicePrincipalId": job.servicePrincipalId,
      "ad-entra-link:cloudSyncJobId": job.jobId,
      // The program's "adam" link points at Bruno: a soft link that can only match by UPN.
      "soft-match:adamSamAccountName": s.users["bruno"]!.seed.sAMAccountName,
      "soft-match:adamCloudUpn": s.cloudUpn("bruno"),
      "soft-match:alvaSamAccountName": s.users["alva"]!.seed.sAMAccountName,
      "soft-match:alvaCloudUpn": s.cloudUpn("alva"),
    },
    secrets,
  });
});

after(async () => {
  await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test("preview follows Cloud Sync's rules: Bruno's UPN-only match is a duplicate under the reported reading (row 27 [U])", async () => {
  const preview = await stack.preview({ diff: true });
  // Under Entra Connect (UPN soft match on by default) Bruno would be predicted softMatchUpn.
  assert.match(preview.stdout, /adam: "newObject/);
  assert.match(preview.stdout, /alva: "softMatchSmtp/);
});

test("up confirms Alva's join and fails Bruno's link on the duplicate Cloud Sync created", async () => {
  const usersBefore = (await env.control.listUsers(s.tenantId)).length;
  let failure = "";
  try {
    await stack.up();
  } catch (err) {
    failure = String((err as Error).message);
  }
  assert.match(failure, /join was not confirmed \(duplicate\)/);
  assert.match(failure, /Cloud Sync created a NEW cloud user/);
  assert.match(failure, /Delete it and purge it/);

  const results = await joinResults();
  const alva = results["alva-wood"];
  assert.equal(alva?.outcome, "joined", JSON.stringify(alva));
  assert.equal(alva?.engine, "cloudSync");
  assert.equal(alva?.matchedBy, "proxyAddresses");
  const alvaCloud = (await env.control.listUsers(s.tenantId)).find(
    (u) => u.userPrincipalName === s.cloudUpn("alva"),
  );
  assert.equal(alva?.cloudObjectId, alvaCloud?.id);
  assert.equal(alvaCloud?.onPremisesSyncEnabled, true, "the join really happened in the tenant");

  const bruno = results["adam-anderson"];
  assert.equal(bruno?.outcome, "duplicate", JSON.stringify(bruno));
  const users = await env.control.listUsers(s.tenantId);
  assert.equal(users.length, usersBefore + 1, "exactly one new cloud user: the duplicate");
  const duplicate = users.find((u) => u.id === bruno?.cloudObjectId);
  assert.ok(duplicate, "the reported duplicate exists");
  assert.match(duplicate.userPrincipalName, /^bruno\.costa.*\d{4}@/);

  // Every call went through the rate-limited endpoint and none was throttled (the pacer kept to 5/10 s).
  const job = await env.control.cloudSync(s.tenantId);
  assert.equal(job.onDemandCallsAnswered, 2);
  assert.equal(job.onDemandCallsThrottled, 0);
});
