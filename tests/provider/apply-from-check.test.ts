/**
 * `up` writes from what its check read (issue 15): create and update of a checked declaration send
 * one LDAP modify that deletes the values the check saw (a compare-and-swap the DC enforces) and
 * one Graph write (the ownership record; a hard match also re-reads the cloud user before its
 * PATCH), and read nothing else. When a directory changed between check and create, the writes
 * find it, nothing is written from the old reads, and the link is judged again from live reads.
 * Real Samba DC and emulator, the runtime in-process as the provider process runs it.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { Attribute, Change } from "ldapts";
import type { UserLinkInputs, UserLinkOutputs } from "../../provider/link/types";
import * as runtime from "../../provider/runtime";
import { readUser, withAdminClient } from "../infra/samba";
import { linkStackConfig } from "../support/link-config";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const OWNER = "org/apply-from-check/dev";

let env: TestEnv;
let s: Scenario;
let lookup: (key: string) => string | undefined;

function declaration(key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    link: `${OWNER}/link-${key}`,
    onPremises: { samAccountName: s.users[key]!.seed.sAMAccountName },
    cloud: { userPrincipalName: s.cloudUpn(key) },
    ...extra,
  };
}

async function checked(key: string, extra: Record<string, unknown> = {}): Promise<UserLinkInputs> {
  const r = await runtime.check({}, declaration(key, extra));
  assert.deepEqual(r.failures, [], `${key}: ${JSON.stringify(r.failures)}`);
  return r.inputs as unknown as UserLinkInputs;
}

async function cloudIdOf(key: string): Promise<string> {
  const users = await env.control.listUsers(s.tenantId);
  return users.find((u) => u.userPrincipalName === s.cloudUpn(key))!.id;
}

async function setAd(key: string, type: string, values: string[]): Promise<void> {
  await withAdminClient(s.dc, (c) =>
    c.modify(
      s.users[key]!.dn,
      new Change({ operation: "replace", modification: new Attribute({ type, values }) }),
    ),
  );
}

/** What the provider sent while `fn` ran: Graph requests of the tenant (token requests aside) and LDAP operations. */
async function traffic(
  fn: () => Promise<unknown>,
): Promise<{ graph: string[]; searches: number; modifies: number }> {
  const ops = runtime.getSession().ad.operations;
  const [searches, modifies] = [ops.searches, ops.modifies];
  await env.control.clearRequests(s.tenantId);
  await fn();
  const log = await env.control.requests({ tenant: s.tenantId });
  return {
    graph: log
      .filter((r) => !/\/oauth2\//.test(r.path))
      .map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`),
    searches: ops.searches - searches,
    modifies: ops.modifies - modifies,
  };
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "afc", [], { includeMarketing: true });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  const all: Record<string, string> = { ...config, ...secrets };
  lookup = (key) => all[key];
});

beforeEach(async () => {
  // Each test is one run of its own: a fresh provider process.
  await runtime.shutdown();
  runtime.configure(lookup);
});

after(async () => {
  await runtime.shutdown();
});

test("a checked soft link is created with one LDAP modify and one Graph write, and nothing read again", async () => {
  const inputs = await checked("mkt01");
  let created: { id: string; outs: UserLinkOutputs } | undefined;
  const sent = await traffic(async () => {
    created = await runtime.create(inputs);
  });
  assert.equal(sent.modifies, 1, "one LDAP modify");
  assert.equal(sent.searches, 0, "no LDAP read: the check's read is reused");
  assert.deepEqual(
    sent.graph.map((g) => g.replace(/users\/[^/]+/, "users/{id}")),
    ["POST /v1.0/users/{id}/extensions"],
    "one Graph request: the ownership record",
  );
  const user = await readUser(s.dc, s.users["mkt01"]!.dn);
  assert.equal(user.userPrincipalName, s.cloudUpn("mkt01"));
  // What create recorded is what a read finds: a refresh right after reports the link unchanged.
  const read = await runtime.read(created!.id, created!.outs);
  assert.deepEqual(read.props, created!.outs, "refresh after up finds exactly the recorded state");
});

test("a checked hard link re-reads only the cloud user before its PATCH", async () => {
  const inputs = await checked("mkt02", { match: "hard" });
  let created: { id: string; outs: UserLinkOutputs } | undefined;
  const sent = await traffic(async () => {
    created = await runtime.create(inputs);
  });
  assert.equal(sent.modifies, 1);
  assert.equal(sent.searches, 0);
  assert.deepEqual(
    sent.graph.map((g) => g.replace(/users\/[^/]+/, "users/{id}")),
    ["POST /v1.0/users/{id}/extensions", "GET /v1.0/users/{id}", "PATCH /v1.0/users/{id}"],
  );
  const cloud = await env.control.getUser(s.tenantId, await cloudIdOf("mkt02"));
  assert.equal(cloud.onPremisesImmutableId, created!.outs.immutableId);
  const read = await runtime.read(created!.id, created!.outs);
  assert.deepEqual(read.props, created!.outs, "refresh after up finds exactly the recorded state");
});

test("a UPN changed in AD between check and create: the modify is refused, the link is read again and converges", async () => {
  const inputs = await checked("mkt03");
  const byHand = `mkt03.byhand.${s.suffix}@contoso.local`;
  await setAd("mkt03", "userPrincipalName", [byHand]);
  let created: { id: string; outs: UserLinkOutputs } | undefined;
  const sent = await traffic(async () => {
    created = await runtime.create(inputs);
  });
  assert.equal(sent.modifies, 2, "the refused compare-and-swap, then the write from live reads");
  assert.ok(sent.searches >= 1, "the link was read again");
  const user = await readUser(s.dc, s.users["mkt03"]!.dn);
  assert.equal(user.userPrincipalName, s.cloudUpn("mkt03"), "converged");
  assert.equal(
    created!.outs.before.onPremises.userPrincipalName,
    byHand,
    "the value restore would put back is the one AD held when the link wrote, not the check's",
  );
  const read = await runtime.read(created!.id, created!.outs);
  assert.deepEqual(read.props, created!.outs);
});

test("a proxy address added by hand between check and create survives, and the link converges from the check", async () => {
  const inputs = await checked("mkt04");
  const before = await readUser(s.dc, s.users["mkt04"]!.dn);
  const x500 = `X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=mkt04${s.suffix}`;
  await setAd("mkt04", "proxyAddresses", [...before.proxyAddresses, x500]);
  const created = await runtime.create(inputs);
  const user = await readUser(s.dc, s.users["mkt04"]!.dn);
  assert.ok(user.proxyAddresses.includes(x500), "an address we do not manage is never lost");
  assert.ok(user.proxyAddresses.includes(`SMTP:${s.cloudUpn("mkt04")}`), "the planned primary is there");
  assert.equal(user.userPrincipalName, s.cloudUpn("mkt04"));
  assert.deepEqual(
    created.outs.onPremisesState.proxyAddresses.sort(),
    [...before.proxyAddresses, `SMTP:${s.cloudUpn("mkt04")}`].sort(),
    "the record is of the check's read plus the write (the hand-made value shows at the next refresh)",
  );
});

test("an ImmutableId set on the cloud user between check and create is seen before any write", async () => {
  const inputs = await checked("mkt05", { match: "hard" });
  const cloudId = await cloudIdOf("mkt05");
  const other = Buffer.alloc(16, 7).toString("base64");
  await env.control.patchUser(s.tenantId, cloudId, { onPremisesImmutableId: other });
  const sent = await traffic(async () => {
    const created = await runtime.create(inputs);
    // Judged again from live reads (a hard match overwrites, with a warning): what `restore` puts
    // back is the value the cloud user held when the link wrote, which the check never saw.
    assert.equal(created.outs.before.cloud.onPremisesImmutableId, other);
    assert.equal(
      (await env.control.getUser(s.tenantId, cloudId)).onPremisesImmutableId,
      created.outs.immutableId,
    );
  });
  assert.equal(sent.modifies, 1, "AD was written once, after the live reads, not from the stale check");
  assert.ok(sent.searches >= 1, "the link was read again");
});

test("with bulk reads on, the hard match's re-read still goes to Graph and sees the change", async () => {
  await runtime.shutdown();
  runtime.configure((key) => (key === "ad-entra-link:bulkRead" ? "on" : lookup(key)));
  const inputs = await checked("mkt07", { match: "hard" });
  const cloudId = await cloudIdOf("mkt07");
  const other = Buffer.alloc(16, 9).toString("base64");
  await env.control.patchUser(s.tenantId, cloudId, { onPremisesImmutableId: other });
  const created = await runtime.create(inputs);
  assert.equal(created.outs.before.cloud.onPremisesImmutableId, other, "judged again from a live read");
});

test("an update is never written from a check of another declaration", async () => {
  const first = await runtime.create(await checked("mkt06"));
  await checked("mkt06"); // this run checked the declaration as it was…
  // …and update receives another one (onDelete changed): it is read and judged anew.
  const news = { ...(await checked("mkt06")), onDelete: "restore" } as UserLinkInputs;
  const sent = await traffic(async () => {
    const updated = await runtime.update(first.id, first.outs, news);
    assert.equal(updated.outs.onDelete, "restore");
  });
  assert.ok(sent.searches >= 1, "read again: the check was of another declaration");
});
