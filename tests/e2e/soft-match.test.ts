/**
 * examples/soft-match through the real Pulumi CLI, the real Samba DC and the Entra ID emulator:
 * the preview shows the plan on both sides, `up` writes exactly that, Entra Connect's next cycle
 * soft-matches both users without creating a duplicate, a second preview is clean, drift made by
 * hand shows on refresh and is repaired by `up`, and destroy (retain) leaves both directories as
 * they are. Unmanaged proxy addresses survive every step.
 */
import { REFRESH_DIGEST_KEY, unpackOutputs } from "../../provider/link/packed";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { Attribute, Change } from "ldapts";
import { parseJoinLine } from "../../provider/link/review";
import { adminClient, readUser, snapshotSubtree } from "../infra/samba";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const workDir = path.join(REPO_ROOT, "examples", "soft-match");
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let stateDir: string;

let adamUpn: string; // the cloud users' UPNs (and primary addresses) in this test's tenant
let alvaUpn: string;
let unmanagedAlva: string[];
const re = (v: string) => v.replace(/[.+*?()[\]/\\^$|]/g, "\\$&");

async function alvaKeepsUnmanagedAddresses(step: string): Promise<void> {
  const alva = await readUser(s.dc, s.users["alva"]!.dn);
  for (const value of unmanagedAlva)
    assert.ok(alva.proxyAddresses.includes(value), `${step}: ${value} survives`);
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "esoft", ["adam", "alva"]);
  adamUpn = s.cloudUpn("adam");
  alvaUpn = s.cloudUpn("alva");
  // Alva's primary is spelled smtp: (lower case) on-premises; everything else is not ours to touch.
  unmanagedAlva = s.users["alva"]!.seed.proxyAddresses!.filter((p) => p !== `smtp:${alvaUpn}`);
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-e2e-soft-"));
  sandbox = await pulumiSandbox(stateDir, { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  stack = await openStack(sandbox, {
    workDir,
    stackName: "e2e-soft",
    config: {
      ...config,
      "soft-match:adamSamAccountName": s.users["adam"]!.seed.sAMAccountName,
      "soft-match:alvaSamAccountName": s.users["alva"]!.seed.sAMAccountName,
      "soft-match:adamCloudUpn": adamUpn,
      "soft-match:alvaCloudUpn": alvaUpn,
    },
    secrets,
  });
});

after(async () => {
  await stack?.workspace.removeStack("e2e-soft", { force: true }).catch(() => undefined);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test("preview --diff shows every planned change, current → planned, on both sides, and writes nothing", async () => {
  const adBefore = await snapshotSubtree(s.dc, s.ou);
  const cloudBefore = await env.control.snapshot(s.tenantId);
  const preview = await stack.preview({ diff: true });
  const out = preview.stdout;
  const adamOnPrem = s.users["adam"]!.seed.userPrincipalName;
  const alvaOnPrem = s.users["alva"]!.seed.userPrincipalName;
  assert.match(out, new RegExp(`on-premises userPrincipalName: ${re(adamOnPrem)} → ${re(adamUpn)}`));
  assert.match(out, new RegExp(`on-premises mail: \\(not set\\) → ${re(adamUpn)}`));
  assert.match(out, new RegExp(`on-premises proxyAddresses: \\+SMTP:${re(adamUpn)}`));
  assert.match(out, new RegExp(`on-premises userPrincipalName: ${re(alvaOnPrem)} → ${re(alvaUpn)}`));
  assert.match(
    out,
    new RegExp(`on-premises proxyAddresses: smtp:${re(alvaUpn)} → SMTP:${re(alvaUpn)} \\(primary\\)`),
  );
  assert.match(out, /softMatchSmtp/);
  assert.ok(!out.includes("onPremisesImmutableId: (not set) →"), "soft match writes nothing to the cloud");
  assert.equal(preview.changeSummary.create, 3);
  assert.equal(await snapshotSubtree(s.dc, s.ou), adBefore, "preview wrote nothing to AD");
  assert.equal(await env.control.snapshot(s.tenantId), cloudBefore, "preview wrote nothing to Entra ID");
});

test("preview --json carries the same plan for machines", async () => {
  const { runPulumiCli } = await import("../support/pulumi");
  const res = runPulumiCli(
    sandbox,
    ["preview", "--json", "--stack", "e2e-soft", "--non-interactive"],
    workDir,
  );
  assert.equal(res.code, 0, res.stderr);
  const digest = JSON.parse(res.stdout) as {
    steps: { urn: string; newState?: { inputs?: Record<string, unknown> } }[];
  };
  const adam = digest.steps.find((st) => st.urn.endsWith("::adam-anderson"));
  const plan = adam?.newState?.inputs?.["plan"] as string[];
  assert.ok(
    plan.some((l) => l.startsWith("on-premises userPrincipalName: ") && l.endsWith(` → ${adamUpn}`)),
    JSON.stringify(plan),
  );
  assert.equal(parseJoinLine(adam?.newState?.inputs?.["join"])?.outcome, "softMatchSmtp");
});

test("up writes exactly the planned values on-premises and nothing in the cloud", async () => {
  const cloudBefore = await env.control.snapshot(s.tenantId);
  const up = await stack.up();
  assert.equal(up.summary.result, "succeeded");
  const adam = await readUser(s.dc, s.users["adam"]!.dn);
  assert.equal(adam.userPrincipalName, adamUpn);
  assert.equal(adam.mail, adamUpn);
  assert.deepEqual(adam.proxyAddresses, [`SMTP:${adamUpn}`]);
  const alva = await readUser(s.dc, s.users["alva"]!.dn);
  assert.equal(alva.userPrincipalName, alvaUpn);
  assert.equal(alva.mail, alvaUpn);
  assert.deepEqual([...alva.proxyAddresses].sort(), [`SMTP:${alvaUpn}`, ...unmanagedAlva].sort());
  const cloudAfter = await env.control.snapshot(s.tenantId);
  assert.equal(
    withoutOwnership(cloudAfter),
    withoutOwnership(cloudBefore),
    "soft match leaves the cloud untouched",
  );
  // …except the stack's ownership record on each linked cloud user (so no other stack claims it).
  assert.equal(ownersOf(cloudAfter).length, 2);
  assert.deepEqual(up.outputs["syncState"]?.value, { adam: "pendingSync", alva: "pendingSync" });
});

test("Entra Connect's next cycle soft-matches both users and creates no duplicate", async () => {
  const usersBefore = (await env.control.listUsers(s.tenantId)).length;
  const report = await env.control.runSyncCycle(s.tenantId, {
    ldap: {
      url: env.samba.url,
      bindDn: env.samba.adminBindDn,
      bindPassword: env.samba.adminPassword,
      caCertPem: env.sambaCaPem,
    },
    scope: [s.ou],
  });
  const byDn = new Map(report.entries.map((e) => [e.dn.toLowerCase(), e]));
  assert.equal(byDn.get(s.users["adam"]!.dn.toLowerCase())?.outcome, "softMatchSmtp");
  assert.equal(byDn.get(s.users["alva"]!.dn.toLowerCase())?.outcome, "softMatchSmtp");
  assert.equal(report.entries.filter((e) => e.outcome === "provisioned").length, 0);
  assert.equal((await env.control.listUsers(s.tenantId)).length, usersBefore, "no duplicate cloud user");
  const adamCloud = (await env.control.listUsers(s.tenantId)).find((u) => u.userPrincipalName === adamUpn);
  assert.equal(adamCloud?.onPremisesSyncEnabled, true);
  await alvaKeepsUnmanagedAddresses("after sync");
});

test("a second preview shows no changes (--expect-no-changes)", async () => {
  const preview = await stack.preview({ expectNoChanges: true });
  assert.equal(preview.changeSummary.same, 3);
});

test("refresh records the sync cycle's join in state, and reports no link as changed: nothing drifted from it", async () => {
  const first = await stack.refresh();
  assert.equal(first.summary.result, "succeeded");
  assert.equal(first.summary.resourceChanges?.update ?? 0, 0, JSON.stringify(first.summary.resourceChanges));
  const state = await stack.exportStack();
  const links = state.deployment.resources.filter((r: { type: string }) => r.type.endsWith(":UserLink"));
  assert.deepEqual(
    links.map((r: { outputs: Record<string, unknown> }) => unpackOutputs(r.outputs).syncState),
    ["synced", "synced"],
    "the joins are recorded",
  );
  // Nothing changed since: a second refresh reports every link the same (issue 15).
  const second = await stack.refresh();
  assert.equal(
    second.summary.resourceChanges?.update ?? 0,
    0,
    JSON.stringify(second.summary.resourceChanges),
  );
  // ...and certifies them (refresh digest): the drift test below runs against certified links, so
  // it shows that a digest does not hide a change.
  const certified = (await stack.exportStack()).deployment.resources.filter((r: { type: string }) =>
    r.type.endsWith(":UserLink"),
  );
  for (const r of certified as { urn: string; outputs: Record<string, unknown> }[]) {
    assert.match(String(r.outputs[REFRESH_DIGEST_KEY]), /^[\w-]{43}\.[\w-]{43}$/, r.urn);
  }
});

test("a hand-made change in AD shows on refresh and the next up repairs it", async () => {
  const client = await adminClient(s.dc);
  try {
    await client.modify(
      s.users["adam"]!.dn,
      new Change({
        operation: "replace",
        modification: new Attribute({
          type: "userPrincipalName",
          values: [s.users["adam"]!.seed.userPrincipalName],
        }),
      }),
    );
  } finally {
    await client.unbind();
  }
  const refresh = await stack.refresh();
  assert.equal(refresh.summary.result, "succeeded");
  assert.equal(refresh.summary.resourceChanges?.update, 1, "the drifted link, and only it, is updated");
  const state = await stack.exportStack();
  const adamLink = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::adam-anderson"));
  assert.equal(
    unpackOutputs(adamLink.outputs).onPremisesState.userPrincipalName,
    s.users["adam"]!.seed.userPrincipalName,
    "drift is visible in state",
  );
  const preview = await stack.preview({ diff: true });
  assert.equal(preview.changeSummary.update, 1);
  assert.match(preview.stdout, new RegExp(`on-premises userPrincipalName: .* → ${re(adamUpn)}`));
  const up = await stack.up();
  assert.equal(up.summary.resourceChanges?.update, 1);
  assert.equal((await readUser(s.dc, s.users["adam"]!.dn)).userPrincipalName, adamUpn);
  await alvaKeepsUnmanagedAddresses("after repair");
});

test("destroy with onDelete retain leaves both directories untouched", async () => {
  const adBefore = await snapshotSubtree(s.dc, s.ou);
  const cloudBefore = await env.control.snapshot(s.tenantId);
  const destroyed = await stack.destroy();
  assert.equal(destroyed.summary.result, "succeeded");
  assert.equal(await snapshotSubtree(s.dc, s.ou), adBefore);
  const cloudAfter = await env.control.snapshot(s.tenantId);
  assert.equal(withoutOwnership(cloudAfter), withoutOwnership(cloudBefore));
  // Destroy releases the stack's claim on the users, and nothing else.
  assert.ok(ownersOf(cloudBefore).length > 0);
  assert.deepEqual(ownersOf(cloudAfter), []);
});

/** The tenant snapshot without the ownership records (compared separately). */
function withoutOwnership(snapshot: string): string {
  const parsed = JSON.parse(snapshot) as Record<string, unknown>;
  delete parsed["openExtensions"];
  return JSON.stringify(parsed, null, 2);
}

/** The stacks recorded as owners on the tenant's users. */
function ownersOf(snapshot: string): string[] {
  const ext = (
    JSON.parse(snapshot) as { openExtensions?: Record<string, Record<string, { owner?: string }>> }
  ).openExtensions;
  return Object.values(ext ?? {}).flatMap((m) => {
    const owner = m["com.adentralink.ownership"]?.owner;
    return owner === undefined ? [] : [owner];
  });
}
