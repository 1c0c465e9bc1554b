/**
 * examples/hard-match through the real CLI, Samba and the emulator: the ImmutableId is computed in
 * Microsoft's byte order from the right anchor (objectGUID for Bruno, the pre-set
 * mS-DS-ConsistencyGuid for Chen), `destroy` with `onDelete: restore` puts back what was there
 * before, and after a new `up` Entra Connect hard-matches both users.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { guidToBytes } from "../../provider/core/guid";
import { bytesToImmutableId } from "../../provider/core/immutable-id";
import { readUser, snapshotSubtree } from "../infra/samba";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const workDir = path.join(REPO_ROOT, "examples", "hard-match");
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let stateDir: string;
let brunoId: string;
let chenId: string;

async function cloudUser(upn: string) {
  const user = (await env.control.listUsers(s.tenantId)).find((u) => u.userPrincipalName === upn);
  assert.ok(user, upn);
  return user;
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "ehard", ["bruno", "chen"]);
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-e2e-hard-"));
  sandbox = await pulumiSandbox(stateDir, { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  stack = await openStack(sandbox, {
    workDir,
    stackName: "e2e-hard",
    config: {
      ...config,
      "hard-match:brunoSamAccountName": s.users["bruno"]!.seed.sAMAccountName,
      "hard-match:chenSamAccountName": s.users["chen"]!.seed.sAMAccountName,
      "hard-match:brunoCloudUpn": s.cloudUpn("bruno"),
      "hard-match:chenCloudUpn": s.cloudUpn("chen"),
      "hard-match:onDelete": "restore",
    },
    secrets,
  });
  brunoId = bytesToImmutableId(s.users["bruno"]!.objectGuidBytes);
  chenId = bytesToImmutableId(guidToBytes(s.users["chen"]!.seed.consistencyGuid!));
});

after(async () => {
  await stack?.workspace.removeStack("e2e-hard", { force: true }).catch(() => undefined);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test("preview shows the ImmutableId each cloud user will get, from the anchor Entra Connect will send", async () => {
  const preview = await stack.preview({ diff: true });
  assert.match(
    preview.stdout,
    new RegExp(`cloud onPremisesImmutableId: \\(not set\\) → ${brunoId.replace(/[+/=]/g, "\\$&")}`),
  );
  assert.match(
    preview.stdout,
    new RegExp(`cloud onPremisesImmutableId: \\(not set\\) → ${chenId.replace(/[+/=]/g, "\\$&")}`),
  );
  assert.match(
    preview.stdout,
    new RegExp(`on-premises userPrincipalName: .* → ${s.cloudUpn("chen").replace(/\./g, "\\.")}`),
  );
  assert.match(preview.stdout, /hardMatch/);
});

test("up stamps the ImmutableIds and aligns Chen's UPN; a second preview is clean", async () => {
  const up = await stack.up();
  assert.equal(up.summary.result, "succeeded");
  assert.deepEqual(up.outputs["immutableIds"]?.value, { bruno: brunoId, chen: chenId });
  assert.deepEqual(up.outputs["sourceAnchors"]?.value, {
    bruno: "objectGUID",
    chen: "mS-DS-ConsistencyGuid",
  });
  assert.equal((await cloudUser(s.cloudUpn("bruno"))).onPremisesImmutableId, brunoId);
  assert.equal((await cloudUser(s.cloudUpn("chen"))).onPremisesImmutableId, chenId);
  assert.equal((await readUser(s.dc, s.users["chen"]!.dn)).userPrincipalName, s.cloudUpn("chen"));
  await stack.preview({ expectNoChanges: true });
});

test("destroy with onDelete restore puts back the recorded values on both sides", async () => {
  const destroyed = await stack.destroy();
  assert.equal(destroyed.summary.result, "succeeded");
  assert.equal((await cloudUser(s.cloudUpn("bruno"))).onPremisesImmutableId ?? null, null);
  assert.equal((await cloudUser(s.cloudUpn("chen"))).onPremisesImmutableId ?? null, null);
  const chen = await readUser(s.dc, s.users["chen"]!.dn);
  assert.equal(chen.userPrincipalName, s.users["chen"]!.seed.userPrincipalName);
  assert.deepEqual([...chen.proxyAddresses].sort(), [...s.users["chen"]!.seed.proxyAddresses!].sort());
});

test("after a new up, Entra Connect hard-matches both users and creates no duplicate", async () => {
  await stack.up();
  const before = await env.control.listUsers(s.tenantId);
  const report = await env.control.runSyncCycle(s.tenantId, {
    ldap: {
      url: env.samba.url,
      bindDn: env.samba.adminBindDn,
      bindPassword: env.samba.adminPassword,
      caCertPem: env.sambaCaPem,
    },
    scope: [s.ou],
  });
  const outcome = (key: string) =>
    report.entries.find((e) => e.dn.toLowerCase() === s.users[key]!.dn.toLowerCase())?.outcome;
  assert.equal(outcome("bruno"), "hardMatch");
  assert.equal(outcome("chen"), "hardMatch");
  assert.equal((await env.control.listUsers(s.tenantId)).length, before.length, "no duplicate");
  assert.equal((await cloudUser(s.cloudUpn("bruno"))).onPremisesSyncEnabled, true);
  const adSnapshot = await snapshotSubtree(s.dc, s.ou);
  await stack.preview({ expectNoChanges: true });
  assert.equal(await snapshotSubtree(s.dc, s.ou), adSnapshot);
});
