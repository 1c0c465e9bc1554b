/**
 * The provider runtime in-process against the real DC and the emulator: one LDAPS connection and
 * one Graph client serve many concurrent links; a converged link is adopted without writes; two
 * links cannot claim one user; a Graph failure after the AD write leaves partial state that the
 * next update completes.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as runtime from "../../provider/runtime";
import type { UserLinkInputs, UserLinkOutputs } from "../../provider/link/types";
import { readUser, snapshotSubtree } from "../infra/samba";
import { linkStackConfig } from "../support/link-config";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

let env: TestEnv;
let s: Scenario;
let lookup: (key: string) => string | undefined;
const MARKETING = Array.from({ length: 12 }, (_, i) => `mkt${String(i + 1).padStart(2, "0")}`);

function declaration(key: string, extra: Partial<UserLinkInputs> = {}): Record<string, unknown> {
  return {
    linkName: `link-${key}`,
    onPremises: { samAccountName: s.users[key]!.seed.sAMAccountName },
    cloud: { userPrincipalName: s.cloudUpn(key) },
    match: "soft",
    sourceAnchor: "auto",
    writeConsistencyGuid: false,
    onDelete: "retain",
    allowPrivilegedCloudUser: false,
    ...extra,
  };
}

async function checked(key: string, extra: Partial<UserLinkInputs> = {}): Promise<UserLinkInputs> {
  const r = await runtime.check({}, declaration(key, extra));
  assert.deepEqual(r.failures, [], `${key}: ${JSON.stringify(r.failures)}`);
  return r.inputs as unknown as UserLinkInputs;
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "rt", ["adam", "chen"], { includeMarketing: true });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  const all: Record<string, string> = { ...config, ...secrets };
  lookup = (key) => all[key];
  runtime.configure(lookup);
});

after(async () => {
  await runtime.shutdown();
});

test("twelve links checked and created concurrently share one LDAPS connection", async () => {
  const inputs = await Promise.all(MARKETING.map((k) => checked(k)));
  const created = await Promise.all(inputs.map((i) => runtime.create(i)));
  assert.equal(runtime.sessionStats()?.ldapConnections, 1);
  for (const [i, k] of MARKETING.entries()) {
    const user = await readUser(s.dc, s.users[k]!.dn);
    assert.equal(user.userPrincipalName, s.cloudUpn(k));
    assert.equal(created[i]!.outs.syncState, "pendingSync");
  }
  // Re-checking a converged link plans nothing and diff reports no change.
  const again = await checked(MARKETING[0]!);
  assert.deepEqual(again.plan, []);
  const d = await runtime.diff(created[0]!.id, created[0]!.outs, again);
  assert.equal(d.changes, false);
});

test("declaring a link whose directories already match adopts it without writing", async () => {
  const first = await runtime.create(await checked("adam"));
  const adBefore = await snapshotSubtree(s.dc, s.ou);
  const cloudBefore = await env.control.snapshot(s.tenantId);
  // Another stack (another provider process) that lost its state declares the same link: nothing to do.
  await runtime.shutdown();
  runtime.configure(lookup);
  const adopted = await runtime.create(
    await checked("adam", { linkName: "adopter" } as Partial<UserLinkInputs>),
  );
  assert.equal(adopted.id, first.id);
  assert.deepEqual(adopted.outs.plan, []);
  assert.equal(await snapshotSubtree(s.dc, s.ou), adBefore);
  assert.equal(await env.control.snapshot(s.tenantId), cloudBefore);
});

test("two links claiming the same AD user are refused at check", async () => {
  await checked("chen", { linkName: "chen-one" } as Partial<UserLinkInputs>);
  const second = await runtime.check(
    {},
    declaration("chen", { linkName: "chen-two" } as Partial<UserLinkInputs>),
  );
  assert.equal(second.failures.length >= 1, true);
  assert.match(
    second.failures[0]!.reason,
    /^SafetyBlockError \[DUPLICATE_CLAIM\]: .*"chen-one" and "chen-two" both claim/,
  );
});

test("a Graph failure after the AD write leaves partial state, and the update converges", async () => {
  const key = "mkt13";
  const cloudId = (await env.control.listUsers(s.tenantId)).find(
    (u) => u.userPrincipalName === s.cloudUpn(key),
  )!.id;
  const fault = await env.control.addFault({
    match: { method: "PATCH", pathRegex: `/v1\\.0/users/${cloudId}`, tenant: s.tenantId },
    action: { status: 400, body: { error: { code: "Request_BadRequest", message: "Injected failure" } } },
    times: 1,
  });
  const inputs = await checked(key, { match: "hard" });
  let partial: { id?: string; properties?: UserLinkOutputs; message: string } | undefined;
  try {
    await runtime.create({ ...inputs, __provider: "serialized-provider-text" } as UserLinkInputs);
  } catch (err) {
    partial = err as typeof partial;
  } finally {
    await env.control.removeFault(fault.id).catch(() => undefined);
  }
  assert.ok(partial, "create must fail");
  assert.match(
    partial.message,
    /Active Directory was updated, but setting the ImmutableId in Entra ID failed/,
  );
  assert.equal(partial.id, `${s.users[key]!.objectGuid}/${cloudId}`);
  assert.equal(partial.properties?.progress?.cloudWritten, false);
  assert.equal(
    (partial.properties as unknown as Record<string, unknown>)["__provider"],
    "serialized-provider-text",
  );
  assert.equal(
    (await readUser(s.dc, s.users[key]!.dn)).userPrincipalName,
    s.cloudUpn(key),
    "AD side was written",
  );

  const retry = await checked(key, { match: "hard" });
  assert.ok(
    retry.plan!.some((l) => l.startsWith("cloud onPremisesImmutableId")),
    "only the cloud step is left",
  );
  assert.ok(!retry.plan!.some((l) => l.startsWith("on-premises")), "the AD step is not repeated");
  const d = await runtime.diff(partial.id!, partial.properties!, retry);
  assert.equal(d.changes, true);
  const done = await runtime.update(partial.id!, partial.properties!, retry);
  assert.equal(done.outs.cloudState.onPremisesImmutableId, done.outs.immutableId);
  assert.ok(done.outs.immutableId);
  assert.deepEqual(done.outs.before, partial.properties!.before, "values before the first change are kept");
});

test("the owner recorded on the cloud user comes from `link`, never from an argument beside it", async () => {
  const key = "mkt12";
  const inputs = await checked(key, {
    linkName: "forged",
    stackOwner: "evil/other/stack",
    link: "org/project/real-stack/link-mkt12",
  } as Partial<UserLinkInputs>);
  assert.equal((inputs as unknown as Record<string, unknown>)["stackOwner"], undefined, "not echoed");
  const created = await runtime.create(inputs);
  assert.equal(created.outs.link, "org/project/real-stack/link-mkt12");
  const cloudId = created.outs.resolved!.cloudUserId;
  const record = (await env.control.getExtensions(s.tenantId, cloudId))["com.adentralink.ownership"];
  assert.equal(record?.["owner"], "org/project/real-stack");
  assert.equal(record?.["linkName"], "link-mkt12");
});
