/**
 * Issue 9's reproductions against the real Samba DC and the emulator: each one now either predicts
 * what the sync cycle really does, or is refused at preview with nothing written in either
 * directory. The refused ones go once more through the real CLI's `up`, which must stop before
 * writing; the joinable ones through `up` and a sync cycle, whose outcome must equal the preview.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { guidToImmutableId } from "../../provider/core/immutable-id";
import type { CheckFailure } from "../../provider/runtime";
import type { SeedAdUser } from "../fixtures/seed-scenario";
import { seedUsersInto } from "../infra/samba";
import { parseJoinLine } from "../../provider/link/review";
import { recordedMatchesPreview } from "../support/join-view";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output, previewInputs, snapshotBoth, syncCycle } from "./support/harness";
import { type CheckOutcome, checkLinks, clearSettingEnvironment, configLookup } from "./support/in-process";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

const TAG = "tpv";
const KNOWN_FEATURES = JSON.stringify({
  softMatchOnUpnEnabled: true,
  blockSoftMatchEnabled: false,
  blockCloudObjectTakeoverThroughHardMatchEnabled: false,
});
let env: TestEnv;
let s: SafetyScenario;
let initialDomain: string;
const stacks: LinkStack[] = [];
const ids: Record<string, string> = {};

function adUser(key: string, extra: Partial<SeedAdUser> = {}): SeedAdUser {
  return {
    key,
    ou: "",
    cn: `${key} (${TAG})`,
    sAMAccountName: `${key}-${TAG}`,
    userPrincipalName: `${key}.${TAG}@contoso.local`,
    givenName: key,
    sn: TAG,
    displayName: `${key} ${TAG}`,
    ...extra,
  };
}

function cloudUser(key: string, extra: Record<string, unknown> = {}) {
  const id = `7a9e0000-0000-4000-8000-${(Object.keys(ids).length + 1).toString().padStart(12, "0")}`;
  ids[key] = id;
  return {
    key,
    id,
    userPrincipalName: `${key}.${TAG}@contoso.com`,
    displayName: `${key} ${TAG}`,
    givenName: key,
    surname: TAG,
    mailNickname: `${key}.${TAG}`,
    ...extra,
  };
}

/** A link of a seed person (AD copy and cloud user of the scenario). */
const seedLink = (name: string, key: string, extra: Record<string, unknown> = {}): LinkEntry => ({
  name,
  args: {
    onPremises: { samAccountName: s.users[key]!.seed.sAMAccountName },
    cloud: { userPrincipalName: s.cloud[key]!.userPrincipalName },
    ...extra,
  },
});

const link = (name: string, key: string, extra: Record<string, unknown> = {}): LinkEntry => ({
  name,
  args: {
    onPremises: { samAccountName: `${key}-${TAG}` },
    cloud: { userPrincipalName: `${key}.${TAG}@contoso.com` },
    ...extra,
  },
});

async function check(
  links: LinkEntry[],
  overrides: Record<string, string | undefined> = {},
): Promise<CheckOutcome[]> {
  const beforeSnap = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const out = await checkLinks(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, overrides),
    links,
    "shared",
  );
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), beforeSnap, "check wrote nothing");
  for (const o of out) assert.equal(o.thrown, undefined, `${o.name}: ${o.thrown?.stack}`);
  return out;
}

function codes(o: CheckOutcome): string[] {
  return o.failures.map((f: CheckFailure) => /\[([A-Z_0-9]+)\]/.exec(f.reason)?.[1] ?? "?");
}

function failure(o: CheckOutcome, code: string): CheckFailure {
  const f = o.failures.find((x) => x.reason.includes(`[${code}]`));
  assert.ok(f, `${o.name}: expected ${code}, got ${JSON.stringify(o.failures, null, 2)}`);
  return f;
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, ["adam", "alva"]);
  initialDomain = s.tenantSeed.domains.find((d) => d.isInitial)!.id;
  await seedUsersInto(s.dc, s.ou, [
    adUser("alice", { mail: `alold.${TAG}@contoso.com` }),
    adUser("rita"),
    adUser("gus"),
    adUser("olga"),
    adUser("twina"),
    adUser("twinb"),
    adUser("gina", { mail: `sales.${TAG}@contoso.com` }),
    adUser("cora", { proxyAddresses: [`SMTP:cora.${TAG}@contoso.com`, `smtp:desk.${TAG}@contoso.com`] }),
  ]);
  await env.control.addGroups(s.tenantId, [
    {
      id: "7a9e0000-0000-4000-8000-00000000aaa1",
      displayName: `Sales ${TAG}`,
      mail: `sales.${TAG}@contoso.com`,
      mailEnabled: true,
      securityEnabled: false,
      proxyAddresses: [`SMTP:sales.${TAG}@contoso.com`],
    },
  ]);
  await env.control.addContacts(s.tenantId, [
    {
      id: "7a9e0000-0000-4000-8000-00000000aaa2",
      displayName: `Help desk ${TAG}`,
      mail: `desk.${TAG}@contoso.com`,
      proxyAddresses: [`SMTP:desk.${TAG}@contoso.com`],
    },
  ]);
  await env.control.addUsers(s.tenantId, [
    cloudUser("alice"),
    cloudUser("xavier", {
      mail: `alold.${TAG}@contoso.com`,
      proxyAddresses: [`SMTP:alold.${TAG}@contoso.com`],
    }),
    cloudUser("rita", {
      mail: `rita.${TAG}@${initialDomain}`,
      proxyAddresses: [`SMTP:rita.${TAG}@${initialDomain}`],
    }),
    cloudUser("gus", { userType: "Guest" }),
    cloudUser("olga"),
    cloudUser("peter", {
      mail: `peter.${TAG}@contoso.com`,
      proxyAddresses: [`SMTP:peter.${TAG}@contoso.com`],
    }),
    cloudUser("twina"),
    cloudUser("twinb"),
    cloudUser("olivia", { onPremisesImmutableId: guidToImmutableId(s.users["adam"]!.objectGuid) }),
    cloudUser("gina"),
    cloudUser("cora"),
  ]);
  // A soft-deleted user still holding Alva's anchor: a hard match would restore it, not join hers.
  await env.control.addDeletedUsers(s.tenantId, [
    {
      ...cloudUser("ghost"),
      onPremisesImmutableId: guidToImmutableId(s.users["alva"]!.objectGuid),
    },
  ]);
  // Alva's cloud user carries her objectGUID's text where the Base64 ImmutableId belongs.
  await env.control.patchUser(s.tenantId, s.cloud["alva"]!.id, {
    onPremisesImmutableId: s.users["alva"]!.objectGuid,
  });
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("an unmanaged AD mail equal to another user's primary is a takeover: refused, naming that user", async () => {
  const [o] = await check([link("alice", "alice")]);
  const f = failure(o!, "PREDICTED_JOIN_TO_OTHER_OBJECT");
  assert.match(f.reason, new RegExp(`xavier\\.${TAG}@contoso\\.com`));
  assert.match(f.reason, new RegExp(`alold\\.${TAG}@contoso\\.com`));
  assert.equal(f.property, "onPremises");
  // Letting the link manage mail removes the old address from the export: no takeover left.
  const [managed] = await check([link("alice2", "alice", { mail: `alice.${TAG}@contoso.com` })]);
  assert.deepEqual(codes(managed!), []);
  assert.equal(managed!.prediction!.targetObjectId, ids["alice"]);
});

test("a primary on the initial domain never soft matches: the UPN rule decides, per the tenant's setting", async () => {
  const [unknown] = await check([link("rita", "rita")]);
  const p = unknown!.prediction!;
  assert.deepEqual(codes(unknown!), []);
  assert.equal(p.uncertain, true);
  assert.ok(p.variants?.some((v) => v.outcome === "softMatchUpn" && v.targetObjectId === ids["rita"]));
  assert.ok(p.variants?.some((v) => v.outcome === "newObject"));
  assert.match(p.reason, /softMatchOnUpnEnabled=false/);
  const [off] = await check([link("rita", "rita")], {
    "ad-entra-link:tenantSyncFeatures": JSON.stringify({
      ...JSON.parse(KNOWN_FEATURES),
      softMatchOnUpnEnabled: false,
    }),
  });
  const offPrediction = off!.prediction!;
  assert.equal(offPrediction.outcome, "newObject");
  assert.equal(offPrediction.uncertain, false);
  assert.match(offPrediction.reason, /NEW cloud user/);
});

test("another cloud object holding the anchor: refused before anything is written", async () => {
  const [o] = await check([seedLink("adam-hard", "adam", { match: "hard" })]);
  const f = failure(o!, "ANCHOR_HELD_BY_OTHER_CLOUD_OBJECT");
  assert.match(f.reason, new RegExp(`olivia\\.${TAG}@contoso\\.com`));
});

test("a group holding the exported mail: ObjectTypeMismatch predicted, refused, holder classified", async () => {
  const [o] = await check([link("gina", "gina")]);
  const f = failure(o!, "VALUE_HELD_BY_OTHER_CLOUD_OBJECT");
  assert.match(f.reason, new RegExp(`group Sales ${TAG}`));
  assert.match(f.reason, /primary SMTP: address/);
  const p = o!.prediction!;
  assert.equal(p.outcome, "blocked");
  assert.equal(p.errorName, "ObjectTypeMismatch");
});

test("a contact holding a secondary the AD user exports is a collision", async () => {
  const [o] = await check([link("cora", "cora")]);
  const f = failure(o!, "VALUE_HELD_BY_OTHER_CLOUD_OBJECT");
  assert.match(f.reason, new RegExp(`contact Help desk ${TAG}`));
  assert.equal(f.property, "onPremises");
});

test("a soft-deleted user holding the anchor is found in the recycle bin", async () => {
  const [o] = await check([seedLink("alva-hard", "alva", { match: "hard" })]);
  const f = failure(o!, "ANCHOR_HELD_BY_OTHER_CLOUD_OBJECT");
  assert.match(f.reason, /soft-deleted/);
  assert.match(f.reason, new RegExp(`ghost.${TAG}@contoso.com`));
});

test("additionalProxyAddresses are checked for collisions too", async () => {
  const [o] = await check([
    link("olga", "olga", { additionalProxyAddresses: [`smtp:peter.${TAG}@contoso.com`] }),
  ]);
  const f = failure(o!, "VALUE_HELD_BY_OTHER_CLOUD_OBJECT");
  assert.equal(f.property, "additionalProxyAddresses");
  assert.match(f.reason, /primary SMTP: address/);
});

test("two links of one run planning the same address are refused", async () => {
  const shared = `shared.${TAG}@contoso.com`;
  const out = await check([
    link("twina", "twina", { mail: shared }),
    link("twinb", "twinb", { mail: shared }),
  ]);
  assert.deepEqual(codes(out[0]!), []);
  const f = failure(out[1]!, "DUPLICATE_CLAIM");
  assert.match(f.reason, /"twina" and "twinb" both claim/);
});

test("a Guest target is refused", async () => {
  const [o] = await check([link("gus", "gus")]);
  assert.match(failure(o!, "CLOUD_USER_IS_GUEST").reason, /Guest/);
});

test("an ImmutableId holding the objectGUID's text is named as the GUID form", async () => {
  const [o] = await check([seedLink("alva", "alva")]);
  const f = failure(o!, "IMMUTABLE_ID_WRONG_ENCODING");
  assert.match(f.reason, /GUID form of this user's objectGUID/);
});

test("through the CLI: refused links write nothing, with or without --skip-preview", async () => {
  const refused: [LinkEntry, string][] = [
    [link("alice", "alice"), "PREDICTED_JOIN_TO_OTHER_OBJECT"],
    [seedLink("adam-hard", "adam", { match: "hard" }), "ANCHOR_HELD_BY_OTHER_CLOUD_OBJECT"],
    [link("gus", "gus"), "CLOUD_USER_IS_GUEST"],
  ];
  const st = await LinkStack.open(env, {
    stackName: `${TAG}-refused`,
    tenantId: s.tenantId,
    baseDn: s.ou,
    links: [refused[0]![0]],
  });
  stacks.push(st);
  const beforeSnap = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  // The engine stops at the first failing resource, so each refusal gets its own runs.
  for (const [entry, code] of refused) {
    await st.setLinks([entry]);
    for (const run of [() => st.upWithPreview(), () => st.up()]) {
      const r = await run();
      assert.notEqual(r.code, 0, output(r));
      assert.match(output(r), new RegExp(`SafetyBlockError \\[${code}\\]`), entry.name);
      assert.doesNotMatch(output(r), /\n\s+at .*\.js:\d+/, `${entry.name}: no stack trace`);
      assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), beforeSnap, "nothing written");
    }
  }
  assert.equal((await st.links()).size, 0, "nothing recorded in state");
});

test("through the CLI: the preview's prediction is what the sync cycle does", async () => {
  const links = [link("rita", "rita"), link("alice", "alice", { mail: `alice.${TAG}@contoso.com` })];
  const st = await LinkStack.open(env, {
    stackName: `${TAG}-joins`,
    tenantId: s.tenantId,
    baseDn: s.ou,
    links,
    config: { "ad-entra-link:tenantSyncFeatures": KNOWN_FEATURES },
  });
  stacks.push(st);
  const { json, result } = await st.previewJson();
  assert.equal(result.code, 0, output(result));
  const lines = new Map(links.map((l) => [l.name, previewInputs(json, l.name)?.["join"]]));
  assert.deepEqual(parseJoinLine(lines.get("rita")), { outcome: "softMatchUpn", uncertain: false });
  // Alice's cloud user has no mailbox: with her old mail replaced, only the UPN can join her.
  assert.deepEqual(parseJoinLine(lines.get("alice")), { outcome: "softMatchUpn", uncertain: false });
  const up = await st.up();
  assert.equal(up.code, 0, output(up));
  const state = await st.links();
  const predicted = new Map(
    links.map((l) => [l.name, recordedMatchesPreview(l.name, lines.get(l.name), state.get(l.name)?.outputs)]),
  );
  const report = await syncCycle(env, s.dc, s.tenantId, [s.ou]);
  for (const l of links) {
    const key = l.name;
    const entry = report.entries.find((e) =>
      e.dn.toLowerCase().startsWith(`cn=${key} (${TAG})`.toLowerCase()),
    );
    assert.ok(entry, `sync entry for ${key}`);
    assert.equal(entry.outcome, predicted.get(key)!.outcome, `${key}: ${JSON.stringify(entry)}`);
    assert.equal(entry.cloudUserId, predicted.get(key)!.targetObjectId);
  }
});
