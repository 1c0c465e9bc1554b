/**
 * Graph faults during `pulumi up`, injected by the emulator per tenant: 429 storms with
 * Retry-After, 503 bursts, dropped connections, tokens expiring mid-run, and the Graph write
 * failing after the AD write succeeded. Each scenario asserts what the run reported, what the
 * request log shows about retries, and the final state of BOTH directories after a re-run: every
 * planned value in place and nothing else changed.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { guidToImmutableId } from "../../provider/core/immutable-id";
import type { RequestLogEntry } from "../emulator/faults";
import { readUser } from "../infra/samba";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output } from "./support/harness";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

let env: TestEnv;
const stacks: LinkStack[] = [];

before(async () => {
  env = await getTestEnv();
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
});

/** Adam (soft: AD only) and Chen (hard: his UPN in AD, then the ImmutableId in Graph). */
function links(s: SafetyScenario): LinkEntry[] {
  return [
    {
      name: "adam",
      args: {
        onPremises: { samAccountName: s.users["adam"]!.seed.sAMAccountName },
        cloud: { userPrincipalName: s.cloud["adam"]!.userPrincipalName },
      },
    },
    {
      name: "chen",
      args: {
        onPremises: { samAccountName: s.users["chen"]!.seed.sAMAccountName },
        cloud: { userPrincipalName: s.cloud["chen"]!.userPrincipalName },
        match: "hard",
      },
    },
  ];
}

async function open(tag: string): Promise<{ s: SafetyScenario; st: LinkStack }> {
  const s = await safetyScenario(env, tag, ["adam", "chen"]);
  const st = await LinkStack.open(env, {
    stackName: tag,
    tenantId: s.tenantId,
    baseDn: s.ou,
    links: links(s),
  });
  stacks.push(st);
  return { s, st };
}

/** Both directories hold exactly the planned values, and nothing else of the users changed. */
async function assertConverged(s: SafetyScenario): Promise<void> {
  const adam = await readUser(s.dc, s.users["adam"]!.dn);
  const adamCloud = s.cloud["adam"]!;
  assert.equal(adam.userPrincipalName, adamCloud.userPrincipalName);
  assert.equal(adam.mail, adamCloud.mail);
  assert.deepEqual(adam.proxyAddresses, [`SMTP:${adamCloud.mail}`]);
  const chen = await readUser(s.dc, s.users["chen"]!.dn);
  const chenSeed = s.users["chen"]!.seed;
  assert.equal(chen.userPrincipalName, s.cloud["chen"]!.userPrincipalName);
  assert.equal(chen.mail, chenSeed.mail, "Chen's mail already matched");
  assert.deepEqual(
    chen.proxyAddresses,
    chenSeed.proxyAddresses,
    "Chen's addresses (X500 included) kept as they were",
  );
  assert.equal(chen.consistencyGuid, chenSeed.consistencyGuid, "ConsistencyGuid kept");
  for (const [key, user] of [
    ["adam", adam],
    ["chen", chen],
  ] as const) {
    const seed = s.users[key]!.seed;
    assert.equal(user.sAMAccountName, seed.sAMAccountName, `${key}: sAMAccountName kept`);
    assert.equal(user.givenName, seed.givenName, `${key}: givenName kept`);
    assert.equal(user.sn, seed.sn, `${key}: sn kept`);
    assert.equal(user.displayName, seed.displayName, `${key}: displayName kept`);
    assert.equal(user.employeeID, seed.employeeID, `${key}: employeeID kept`);
  }
  assert.equal(adam["mS-DS-ConsistencyGuid"], undefined, "adam: no ConsistencyGuid written");
  const chenCloud = await env.control.getUser(s.tenantId, s.cloud["chen"]!.id);
  assert.equal(chenCloud.onPremisesImmutableId, guidToImmutableId(chenSeed.consistencyGuid!));
  const adamCloudNow = await env.control.getUser(s.tenantId, adamCloud.id);
  assert.equal(adamCloudNow.onPremisesImmutableId, null, "soft match writes nothing in the cloud");
  const seedUsers = new Map(s.tenantSeed.users.map((u) => [u.id, u]));
  for (const u of await env.control.listUsers(s.tenantId)) {
    const seed = seedUsers.get(u.id);
    assert.ok(seed, `no cloud user was created (${u.userPrincipalName})`);
    assert.equal(u.userPrincipalName, seed.userPrincipalName, `${u.id}: UPN unchanged`);
    assert.deepEqual(u.proxyAddresses, seed.proxyAddresses ?? [], `${u.id}: proxyAddresses unchanged`);
    if (u.id !== s.cloud["chen"]!.id) {
      assert.equal(
        u.onPremisesImmutableId,
        seed.onPremisesImmutableId ?? null,
        `${u.id}: ImmutableId unchanged`,
      );
    }
  }
}

async function logSince(tenantId: string, seq: number): Promise<RequestLogEntry[]> {
  return env.control.requests({ tenant: tenantId, sinceSeq: seq });
}

async function lastSeq(): Promise<number> {
  const all = await env.control.requests({});
  return all.length > 0 ? all[all.length - 1]!.seq : 0;
}

/** For each faulted request, the same request's next attempt and the gap before it (ms). */
function retriesOf(
  log: RequestLogEntry[],
  ruleId: string,
): { faulted: RequestLogEntry; next?: RequestLogEntry; gapMs?: number }[] {
  return log
    .filter((e) => e.faultRuleId === ruleId)
    .map((faulted) => {
      const next = log.find(
        (e) =>
          e.seq > faulted.seq &&
          e.method === faulted.method &&
          e.path === faulted.path &&
          e.query === faulted.query,
      );
      return next === undefined
        ? { faulted }
        : {
            faulted,
            next,
            gapMs: Date.parse(next.timestamp) - Date.parse(faulted.timestamp) - faulted.durationMs,
          };
    });
}

test("a 429 storm with Retry-After: every throttled request is retried after the time Graph asked for", async () => {
  const { s, st } = await open("sff4");
  const seq = await lastSeq();
  // Every Graph read of this tenant is throttled for a while, and the ImmutableId write twice.
  const reads = await env.control.addFault({
    match: { tenant: s.tenantId, method: "GET", pathRegex: "^/v1\\.0/" },
    action: { status: 429, retryAfterSeconds: 1 },
    times: 6,
  });
  const write = await env.control.addFault({
    match: { tenant: s.tenantId, method: "PATCH", pathRegex: "^/v1\\.0/users/" },
    action: { status: 429, retryAfterSeconds: 2 },
    times: 2,
  });
  try {
    const up = await st.up();
    assert.equal(up.code, 0, output(up));
  } finally {
    await env.control.clearFaults(s.tenantId);
  }
  const log = await logSince(s.tenantId, seq);
  for (const [rule, seconds] of [
    [reads.id, 1],
    [write.id, 2],
  ] as const) {
    const retries = retriesOf(log, rule);
    assert.equal(retries.length, rule === reads.id ? 6 : 2, "every fault was hit");
    for (const r of retries) {
      assert.equal(r.faulted.status, 429);
      assert.ok(r.next, `${r.faulted.method} ${r.faulted.path} was retried`);
      assert.ok(
        r.gapMs! >= seconds * 1000 - 50,
        `${r.faulted.path}: waited ${r.gapMs} ms for Retry-After ${seconds}s`,
      );
    }
  }
  assert.equal(log.filter((e) => e.status === 401).length, 0, "no request went out unauthenticated");
  await assertConverged(s);
});

test("a 503 burst, longer than one request's retries, is absorbed; dropped connections are retried", async () => {
  const { s, st } = await open("sff5");
  const seq = await lastSeq();
  // 7 answers of 503 in a row on the write: the Graph client retries 6 times, then the provider
  // retries the idempotent write itself.
  const burst = await env.control.addFault({
    match: { tenant: s.tenantId, method: "PATCH", pathRegex: "^/v1\\.0/users/" },
    action: { status: 503, retryAfterSeconds: 0 },
    times: 7,
  });
  const drops = await env.control.addFault({
    match: { tenant: s.tenantId, method: "GET", pathRegex: "^/v1\\.0/users/" },
    action: { drop: true },
    times: 2,
  });
  try {
    const up = await st.up();
    assert.equal(up.code, 0, output(up));
  } finally {
    await env.control.clearFaults(s.tenantId);
  }
  const log = await logSince(s.tenantId, seq);
  const patches = log.filter((e) => e.method === "PATCH");
  assert.equal(patches.filter((e) => e.faultRuleId === burst.id && e.status === 503).length, 7);
  assert.equal(
    patches.filter((e) => e.faultRuleId === undefined && e.status === 204).length,
    1,
    "one write landed",
  );
  const dropped = log.filter((e) => e.faultRuleId === drops.id);
  assert.equal(dropped.length, 2);
  for (const d of dropped) assert.equal(d.outcome, "dropped");
  for (const d of dropped) {
    const succeeded = log.find(
      (e) => e.seq > d.seq && e.path === d.path && e.query === d.query && e.status === 200,
    );
    assert.ok(succeeded, `${d.path}: retried until it succeeded`);
  }
  await assertConverged(s);
});

test("tokens expiring during the run are renewed; no request is sent with an expired token", async () => {
  const { s, st } = await open("sfft");
  const lifetimeMs = 3000;
  await env.control.setTokenLifetime(s.tenantId, lifetimeMs / 1000);
  const seq = await lastSeq();
  // Slow Graph down (less than a token's life per request) so that the run outlives its first token.
  await env.control.addFault({
    match: { tenant: s.tenantId, method: "GET", pathRegex: "^/v1\\.0/users" },
    action: { delayMs: 1200 },
    times: 10,
  });
  try {
    const up = await st.up();
    assert.equal(up.code, 0, output(up));
  } finally {
    await env.control.clearFaults(s.tenantId);
  }
  const log = await logSince(s.tenantId, seq);
  const tokens = log.filter((e) => e.kind === "oauth" && e.status === 200);
  const graph = log.filter((e) => e.kind === "graph");
  assert.ok(tokens.length >= 2, `${tokens.length} tokens issued during the run`);
  const firstToken = Date.parse(tokens[0]!.timestamp);
  const lateGraph = graph.filter((e) => Date.parse(e.timestamp) > firstToken + lifetimeMs);
  assert.ok(lateGraph.length > 0, "Graph requests were made after the first token expired");
  assert.ok(
    tokens.some((t) => Date.parse(t.timestamp) > firstToken + lifetimeMs - 1000),
    "a token was issued around or after the first one's expiry",
  );
  assert.deepEqual(
    graph.filter((e) => e.status === 401).map((e) => `${e.method} ${e.path}`),
    [],
    "no Graph request was rejected for an expired token",
  );
  await assertConverged(s);
});

test("a Retry-After longer than the token's remaining life: the retried request carries a valid token", async () => {
  const { s, st } = await open("sffr");
  await env.control.setTokenLifetime(s.tenantId, 2);
  const seq = await lastSeq();
  const throttle = await env.control.addFault({
    match: { tenant: s.tenantId, method: "GET", pathRegex: "^/v1\\.0/users/" },
    action: { status: 429, retryAfterSeconds: 3 },
    times: 1,
  });
  let up: Awaited<ReturnType<LinkStack["up"]>>;
  try {
    up = await st.up();
  } finally {
    await env.control.clearFaults(s.tenantId);
  }
  const log = await logSince(s.tenantId, seq);
  const [retry] = retriesOf(log, throttle.id);
  assert.ok(retry?.next, "the throttled request was retried");
  assert.ok(retry.gapMs! >= 2950, `after the 3 s Graph asked for (${retry.gapMs} ms)`);
  assert.equal(retry.next.status, 200, `the retry succeeded (got ${retry.next.status}):\n${output(up)}`);
  assert.equal(up.code, 0, output(up));
  await assertConverged(s);
});

test("AD written, Graph write failing: the run says so, state keeps the partial progress, a re-run converges", async () => {
  const { s, st } = await open("sffp");
  const fault = await env.control.addFault({
    match: { tenant: s.tenantId, method: "PATCH", pathRegex: "^/v1\\.0/users/" },
    action: { status: 500 },
    times: 100,
  });
  let first: Awaited<ReturnType<LinkStack["up"]>>;
  try {
    first = await st.up();
  } finally {
    await env.control.removeFault(fault.id).catch(() => undefined);
  }
  assert.notEqual(first.code, 0, "the first run fails");
  const text = output(first);
  assert.match(
    text,
    /ad-entra-link: link chen: Active Directory was updated, but setting the ImmutableId in Entra ID failed: ad-entra-link: set onPremisesImmutableId of 3eab7d84-cf4a-4c5b-9d6e-8a9fab1c2d04: Microsoft Graph is unavailable or throttling after retries \(500/,
  );
  assert.match(text, /Run `pulumi up` again to finish; nothing will be lost\./);
  // Partial state: the link is recorded, with what was done and what was not.
  const state = await st.links();
  const chen = state.get("chen");
  assert.ok(chen, "the half-done link is in state");
  assert.deepEqual(chen.outputs?.["progress"], { onPremisesWritten: true, cloudWritten: false });
  assert.ok(
    (chen.initErrors ?? []).some((e) => e.includes("Active Directory was updated")),
    "init error recorded",
  );
  assert.equal(
    typeof chen.outputs?.["__provider"],
    "string",
    "the partial state can still be refreshed and deleted",
  );
  assert.ok(state.get("adam"), "the soft link completed");
  // AD holds the planned values; the cloud is untouched.
  assert.equal(
    (await readUser(s.dc, s.users["chen"]!.dn)).userPrincipalName,
    s.cloud["chen"]!.userPrincipalName,
  );
  assert.equal((await env.control.getUser(s.tenantId, s.cloud["chen"]!.id)).onPremisesImmutableId, null);

  // The next preview shows the missing step; the re-run performs only that.
  const preview = await st.preview();
  assert.equal(preview.code, 0, output(preview));
  assert.match(output(preview), /cloud onPremisesImmutableId: \(not set\) → /);
  const seq = await lastSeq();
  const second = await st.up();
  assert.equal(second.code, 0, output(second));
  const writes = (await logSince(s.tenantId, seq)).filter((e) => e.method === "PATCH");
  assert.equal(writes.length, 1, "only the missing Graph write was made");
  const after = await st.links();
  assert.deepEqual(after.get("chen")?.outputs?.["progress"], { onPremisesWritten: true, cloudWritten: true });
  assert.deepEqual(after.get("chen")?.initErrors ?? [], []);
  await assertConverged(s);
  // Before-values survive the partial run, so `onDelete: restore` would still put back the originals.
  assert.equal(
    (after.get("chen")?.outputs?.["before"] as { onPremises: { userPrincipalName: string } }).onPremises
      .userPrincipalName,
    s.users["chen"]!.seed.userPrincipalName,
  );
  const clean = await st.run("preview", "--expect-no-changes");
  assert.equal(clean.code, 0, output(clean));
});
