/**
 * Refusals at preview. Each rule of issue 5 is exercised against the real DC and the emulator
 * through the provider runtime's `check` (exactly what the provider process runs during preview),
 * and a handful again through the real CLI's `up`, which must stop before writing. Every case
 * proves that neither directory changed (Samba subtree and emulator tenant snapshots are equal).
 * Where the rules are uncertain the link is not refused, but the preview warns and the prediction
 * says it is uncertain.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AdDirectory } from "../../provider/ad/ad-directory";
import { guidToImmutableId, wrongImmutableIdEncodings } from "../../provider/core/immutable-id";
import type { PredictedJoin } from "../../provider/link/types";
import type { CheckFailure } from "../../provider/runtime";
import { AD_BASE_DN, AD_USERS } from "../fixtures/seed-scenario";
import { createOu, seedUsersInto } from "../infra/samba";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output, snapshotBoth } from "./support/harness";
import {
  type CheckOutcome,
  checkLinks,
  clearSettingEnvironment,
  closeLeakedLdapSockets,
  configLookup,
  settingsFor,
} from "./support/in-process";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

/** Slice tag; chosen so that Chen's anchor (his ConsistencyGuid copy) contains "+" and "/". */
const TAG = "sfra";
let env: TestEnv;
let s: SafetyScenario;
/** A user outside the scenario OU (but in the same domain) holding a routable UPN. */
let outsider: { dn: string; upn: string };
let innerOu: string;
const stacks: LinkStack[] = [];

interface Expected {
  property: string;
  name: string;
  code: string;
  message: RegExp;
}

function sam(key: string): string {
  return s.users[key]!.seed.sAMAccountName;
}

function link(name: string, key: string, extra: Record<string, unknown> = {}): LinkEntry {
  return {
    name,
    args: {
      onPremises: { samAccountName: sam(key) },
      cloud: { userPrincipalName: s.cloud[key]!.userPrincipalName },
      ...extra,
    },
  };
}

function assertFailures(outcome: CheckOutcome, expected: Expected[]): void {
  assert.equal(outcome.thrown, undefined, `${outcome.name}: check threw ${outcome.thrown?.stack}`);
  const got = outcome.failures.map((f: CheckFailure) => `${f.property} | ${f.reason}`);
  assert.equal(
    outcome.failures.length,
    expected.length,
    `${outcome.name}: failures ${JSON.stringify(got, null, 2)}`,
  );
  expected.forEach((e, i) => {
    const f = outcome.failures[i]!;
    assert.equal(f.property, e.property, `${outcome.name}[${i}] property`);
    assert.ok(
      f.reason.startsWith(`${e.name} [${e.code}]: `),
      `${outcome.name}[${i}]: expected ${e.name} [${e.code}], got ${f.reason}`,
    );
    assert.match(f.reason, e.message, `${outcome.name}[${i}] message`);
  });
}

/** Runs check for `links` (one session) and proves both directories are unchanged afterwards. */
async function checkWritesNothing(
  links: LinkEntry[],
  overrides: Record<string, string | undefined> = {},
  session: "each" | "shared" = "each",
): Promise<CheckOutcome[]> {
  const before = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const outcomes = await checkLinks(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, overrides),
    links,
    session,
  );
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), before, "check wrote nothing");
  return outcomes;
}

function prediction(o: CheckOutcome): PredictedJoin {
  return o.prediction!;
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, ["adam", "alva", "bruno", "chen", "gina", "pat", "sam", "fiona"]);
  innerOu = await createOu(s.dc, `OU=inner,${s.ou}`);
  const outsideOu = await createOu(s.dc, `OU=t-sfrax,${AD_BASE_DN}`);
  const template = AD_USERS.find((u) => u.key === "dana")!;
  const held = await seedUsersInto(s.dc, outsideOu, [
    {
      ...template,
      key: "held",
      cn: "Held Upn (sfrax)",
      sAMAccountName: "held-sfrax",
      userPrincipalName: "held.sfrax@contoso.com",
    },
  ]);
  outsider = { dn: held["held"]!.dn, upn: "held.sfrax@contoso.com" };
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
  closeLeakedLdapSockets();
});

test("a selector that matches no object is refused, naming the selector and where it looked", async () => {
  const [ad, cloud, guid] = await checkWritesNothing([
    {
      name: "no-ad",
      args: {
        onPremises: { samAccountName: "nobody-sfra" },
        cloud: { userPrincipalName: s.cloud["adam"]!.userPrincipalName },
      },
    },
    {
      name: "no-cloud",
      args: {
        onPremises: { samAccountName: sam("adam") },
        cloud: { userPrincipalName: "nobody.sfra@contoso.com" },
      },
    },
    {
      name: "no-guid",
      args: {
        onPremises: { objectGuid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a" },
        cloud: { id: "00000000-0000-4000-8000-000000000000" },
      },
    },
  ]);
  assertFailures(ad!, [
    {
      property: "onPremises",
      name: "NotFoundError",
      code: "AD_USER_NOT_FOUND",
      message: new RegExp(`no Active Directory user matches samAccountName "nobody-sfra" under ${s.ou}`),
    },
  ]);
  assertFailures(cloud!, [
    {
      property: "cloud",
      name: "NotFoundError",
      code: "CLOUD_USER_NOT_FOUND",
      message: new RegExp(
        `no Entra ID user has userPrincipalName "nobody\\.sfra@contoso\\.com" in tenant ${s.tenantId}`,
      ),
    },
  ]);
  assert.equal(guid!.failures.length, 1);
  assert.match(guid!.failures[0]!.reason, /^NotFoundError \[(AD|CLOUD)_USER_NOT_FOUND\]/);
});

test("a selector that matches several objects is refused, listing every match", async () => {
  // sAMAccountName, UPN (Samba enforces its uniqueness, like AD), objectGUID and DN are unique in a
  // domain, so a real DC never returns two users for one selector; the search is stubbed to return
  // both real Dana Scott objects, as a directory with duplicate values would.
  const dana = await safetyScenario(env, "sfrad", ["dana", "dana-2"]);
  const settings = settingsFor(env, { tenantId: dana.tenantId, baseDn: dana.ou });
  const ad = new AdDirectory(settings.ldap);
  try {
    const both = await Promise.all([
      ad.readByDn(dana.users["dana"]!.dn),
      ad.readByDn(dana.users["dana-2"]!.dn),
    ]);
    // The adapter's one search point for selectors (private: reached through a cast, tests only).
    const stub = ad as unknown as { usersFor: (selector: unknown, property: string) => Promise<unknown[]> };
    const real = stub.usersFor.bind(ad);
    stub.usersFor = async (selector, property) =>
      (await real(selector, property)).length === 1 ? both.map((u) => u!) : [];
    await assert.rejects(
      ad.findUser({ samAccountName: dana.users["dana"]!.seed.sAMAccountName }),
      (err: Error & { code?: string }) => {
        assert.equal(err.name, "AmbiguousMatchError");
        assert.equal(err.code, "AD_USER_AMBIGUOUS");
        assert.match(err.message, /2 Active Directory users match samAccountName/);
        for (const u of both) assert.ok(err.message.includes(u!.dn), `names ${u!.dn}`);
        assert.match(err.message, /Select the user by objectGuid or distinguishedName instead\./);
        return true;
      },
    );
  } finally {
    await ad.close();
  }
});

test("two links claiming the same AD user or the same cloud user are refused", async () => {
  const adam = s.users["adam"]!;
  const [first, secondAd, secondCloud] = await checkWritesNothing(
    [
      link("adam-by-sam", "adam"),
      {
        name: "adam-by-guid",
        args: {
          onPremises: { objectGuid: adam.objectGuid },
          cloud: { userPrincipalName: s.cloud["olivia"]!.userPrincipalName },
        },
      },
      {
        name: "bruno-onto-adam",
        args: { onPremises: { samAccountName: sam("bruno") }, cloud: { id: s.cloud["adam"]!.id } },
      },
    ],
    {},
    "shared",
  );
  assertFailures(first!, []);
  assertFailures(secondAd!, [
    {
      property: "onPremises",
      name: "SafetyBlockError",
      code: "DUPLICATE_CLAIM",
      message: new RegExp(
        `links "adam-by-sam" and "adam-by-guid" both claim the Active Directory user ${adam.objectGuid}`,
      ),
    },
  ]);
  assertFailures(secondCloud!, [
    {
      property: "cloud",
      name: "SafetyBlockError",
      code: "DUPLICATE_CLAIM",
      message: new RegExp(
        `links "adam-by-sam" and "bruno-onto-adam" both claim the cloud user ${s.cloud["adam"]!.id}`,
      ),
    },
  ]);
});

test("a cloud user synced from another object, or carrying another ImmutableId, is refused for soft match", async () => {
  // Chen's anchor is his mS-DS-ConsistencyGuid (fixed per tag), so every wrong encoding differs from it.
  const chen = s.users["chen"]!;
  const chenCloud = s.cloud["chen"]!.id;
  const anchorGuid = chen.seed.consistencyGuid!;
  const right = guidToImmutableId(anchorGuid);
  assert.match(right, /\+.*\/|\/.*\+/, "precondition: the anchor has + and / (else base64url equals it)");
  const wrong = wrongImmutableIdEncodings(anchorGuid);
  const other = guidToImmutableId("6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e");
  const cases: { value: string; code: string; message: RegExp }[] = [
    {
      value: other,
      code: "CLOUD_USER_HAS_OTHER_IMMUTABLE_ID",
      message: /a soft match would fail with InvalidSoftMatch/,
    },
    {
      value: wrong.rfc4122ByteOrder,
      code: "IMMUTABLE_ID_WRONG_ENCODING",
      message: /own anchor computed the wrong way \(rfc4122ByteOrder\)/,
    },
    {
      value: wrong.base64url,
      code: "IMMUTABLE_ID_WRONG_ENCODING",
      message: /computed the wrong way \(base64url\)/,
    },
    {
      value: wrong.base64OfGuidText,
      code: "IMMUTABLE_ID_WRONG_ENCODING",
      message: /computed the wrong way \(base64OfGuidText\)/,
    },
    {
      value: "not$an$immutable$id",
      code: "IMMUTABLE_ID_MALFORMED",
      message: /not a valid GUID-based ImmutableId \(IMMUTABLE_ID_FORBIDDEN_CHARACTER\)/,
    },
  ];
  try {
    for (const c of cases) {
      await env.control.patchUser(s.tenantId, chenCloud, { onPremisesImmutableId: c.value });
      const [soft, hard] = await checkWritesNothing([
        link("chen-soft", "chen"),
        link("chen-hard", "chen", { match: "hard" }),
      ]);
      assertFailures(soft!, [
        {
          property: "cloud",
          name: "SafetyBlockError",
          code: c.code,
          message: new RegExp(
            `carries ImmutableId ${c.value.replace(/[+/$]/g, "\\$&")}, but ${chen.dn.replace(/[()]/g, "\\$&")} would send ${right.replace(/[+/]/g, "\\$&")}`,
          ),
        },
      ]);
      assert.match(soft!.failures[0]!.reason, c.message);
      // Hard match repairs it (the value is replaced), so it is only warned about.
      assertFailures(hard!, []);
      assert.ok(
        prediction(hard!).warnings.some((w) =>
          w.includes(`already carries ImmutableId ${c.value}; this link replaces it with ${right}`),
        ),
        JSON.stringify(prediction(hard!).warnings),
      );
    }
  } finally {
    await env.control.patchUser(s.tenantId, chenCloud, { onPremisesImmutableId: null });
  }
  const [samLink] = await checkWritesNothing([link("sam", "sam", { match: "hard" })]);
  assertFailures(samLink!, [
    {
      property: "cloud",
      name: "SafetyBlockError",
      code: "CLOUD_USER_SYNCED_ELSEWHERE",
      message:
        /already synchronized from another on-premises object \(CN=Sam Taylor,OU=Old,DC=otherforest,DC=local\) with ImmutableId Hjx6G02POkyaK15vfYybCg==/,
    },
  ]);
});

test("privileged cloud users are refused without allowPrivilegedCloudUser, and warned about with it", async () => {
  const [gina, pat, patAllowed, ginaHard] = await checkWritesNothing([
    link("gina", "gina"),
    link("pat", "pat"),
    link("pat-allowed", "pat", { allowPrivilegedCloudUser: true }),
    link("gina-hard", "gina", { match: "hard", allowPrivilegedCloudUser: true, reason: "CHG-1" }),
  ]);
  assertFailures(gina!, [
    {
      property: "cloud",
      name: "SafetyBlockError",
      code: "CLOUD_USER_PRIVILEGED",
      message:
        /holds or is eligible for privileged directory roles: Global Administrator \(active\)\. Linking it would let whoever controls CN=Gina Marsh \(sfra\),OU=t-sfra,DC=corp,DC=local take over that account/,
    },
  ]);
  assertFailures(pat!, [
    {
      property: "cloud",
      name: "SafetyBlockError",
      code: "CLOUD_USER_PRIVILEGED",
      message: /Privileged Role Administrator \(PIM-eligible\).*set allowPrivilegedCloudUser: true/,
    },
  ]);
  assertFailures(patAllowed!, []);
  assert.match(
    patAllowed!.log,
    /warning: link "pat-allowed": allowPrivilegedCloudUser is set: the cloud user pat\.kowalski\.sfra@contoso\.com .* holds Privileged Role Administrator \(PIM-eligible\)/,
  );
  const p = prediction(patAllowed!);
  assert.equal(p.uncertain, true);
  assert.ok(
    p.warnings.some((w) => /Semperis \(2022\).*row 15 \[U\]/.test(w)),
    JSON.stringify(p.warnings),
  );
  assertFailures(ginaHard!, [
    {
      property: "cloud",
      name: "SafetyBlockError",
      code: "PRIVILEGED_HARD_MATCH",
      message:
        /Microsoft Graph refuses that write to applications .*\(InvalidHardMatch, code 103\)\. Nothing was written\./,
    },
  ]);
});

test("AD users outside allowedSearchBases are refused, also when selected by a DN outside the base", async () => {
  const [inside] = await checkWritesNothing([link("adam", "adam")], {
    "ad-entra-link:allowedSearchBases": JSON.stringify([innerOu]),
  });
  assertFailures(inside!, [
    {
      property: "onPremises",
      name: "SafetyBlockError",
      code: "AD_USER_OUTSIDE_ALLOWED_BASES",
      message: new RegExp(
        `the Active Directory user ${s.users["adam"]!.dn.replace(/[()]/g, "\\$&")} is outside the allowed search bases \\(${innerOu}\\)`,
      ),
    },
  ]);
  const [admin] = await checkWritesNothing([
    {
      name: "administrator",
      args: {
        onPremises: { distinguishedName: `CN=Administrator,CN=Users,${AD_BASE_DN}` },
        cloud: { userPrincipalName: s.cloud["olivia"]!.userPrincipalName },
      },
    },
  ]);
  assertFailures(admin!, [
    {
      property: "onPremises",
      name: "SafetyBlockError",
      code: "AD_USER_OUTSIDE_ALLOWED_BASES",
      message:
        /the Active Directory user CN=Administrator,CN=Users,DC=corp,DC=local is outside the allowed search bases/,
    },
  ]);
});

test("a planned UPN on an unverified domain (.local, contoso.net) or breaking Entra's rules is refused", async () => {
  const [local, net, space] = await checkWritesNothing([
    link("local", "adam", { userPrincipalName: "adam.anderson@corp.local" }),
    link("net", "adam", { userPrincipalName: "adam.anderson@contoso.net" }),
    link("space", "adam", { userPrincipalName: "adam anderson@contoso.com" }),
  ]);
  assertFailures(local!, [
    {
      property: "userPrincipalName",
      name: "SafetyBlockError",
      code: "UPN_DOMAIN_NOT_VERIFIED",
      message:
        /the planned userPrincipalName adam\.anderson@corp\.local uses the domain corp\.local, which is not a verified domain of the tenant\. Entra Connect would replace it with <alias>@<tenant>\.onmicrosoft\.com/,
    },
  ]);
  assertFailures(net!, [
    {
      property: "userPrincipalName",
      name: "SafetyBlockError",
      code: "UPN_DOMAIN_NOT_VERIFIED",
      message: /adam\.anderson@contoso\.net uses the domain contoso\.net, which is not a verified domain/,
    },
  ]);
  assertFailures(space!, [
    {
      property: "userPrincipalName",
      name: "InvalidInputError",
      code: "UPN_WHITESPACE",
      message: /userPrincipalName: "adam anderson@contoso\.com" contains whitespace/,
    },
  ]);
});

test("a planned UPN or primary SMTP another AD or cloud object holds is refused, naming the holder", async () => {
  const alvaMail = s.cloud["alva"]!.mail!;
  const [upnOutside, smtp, cloudUpn] = await checkWritesNothing([
    link("upn-outside", "adam", { userPrincipalName: outsider.upn }),
    link("smtp", "adam", { primarySmtpAddress: alvaMail }),
    link("cloud-upn", "adam", { userPrincipalName: s.cloud["olivia"]!.userPrincipalName }),
  ]);
  // AD refuses a UPN held anywhere in the domain, even outside the base DN (sync scope).
  assertFailures(upnOutside!, [
    {
      property: "userPrincipalName",
      name: "SafetyBlockError",
      code: "VALUE_HELD_BY_OTHER_AD_OBJECT",
      message: new RegExp(
        `${outsider.upn.replace(/\./g, "\\.")} \\(exported by .*\\) already belongs to user ${outsider.dn.replace(/[()]/g, "\\$&")} as its userPrincipalName\\. Active Directory refuses a second object with the same UPN in the domain`,
      ),
    },
  ]);
  const alvaDn = s.users["alva"]!.dn.replace(/[()]/g, "\\$&");
  // Alva's cloud user holds the address as its primary: Entra Connect would join Adam to HER (a
  // takeover), which is the first refusal; Alva's AD user holding it is the second.
  assertFailures(smtp!, [
    {
      property: "primarySmtpAddress",
      name: "SafetyBlockError",
      code: "PREDICTED_JOIN_TO_OTHER_OBJECT",
      message: new RegExp(
        `would join .* to user ${s.cloud["alva"]!.userPrincipalName.replace(/\./g, "\\.")} \\(${s.cloud["alva"]!.id}\\) through its primary SMTP: address ${alvaMail.replace(/\./g, "\\.")}, not to the cloud user adam.*an account takeover`,
      ),
    },
    {
      property: "primarySmtpAddress",
      name: "SafetyBlockError",
      code: "VALUE_HELD_BY_OTHER_AD_OBJECT",
      message: new RegExp(
        `${alvaMail.replace(/\./g, "\\.")} \\(exported by .*\\) already belongs to user ${alvaDn} as its (mail|primary SMTP: address)`,
      ),
    },
  ]);

  assertFailures(cloudUpn!, [
    {
      property: "userPrincipalName",
      name: "SafetyBlockError",
      code: "VALUE_HELD_BY_OTHER_CLOUD_OBJECT",
      message: new RegExp(
        `${s.cloud["olivia"]!.userPrincipalName.replace(/\./g, "\\.")} \\(exported by .*\\) already belongs to cloud user .* as its userPrincipalName`,
      ),
    },
  ]);
});

test("uncertain rules warn instead of refusing: federated domain, non-privileged role", async () => {
  await env.control.assignRole(s.tenantId, { principalId: s.cloud["chen"]!.id, role: "Directory Readers" });
  try {
    const [fiona, chen] = await checkWritesNothing([link("fiona", "fiona"), link("chen", "chen")]);
    assertFailures(fiona!, []);
    const pf = prediction(fiona!);
    assert.equal(pf.uncertain, true);
    assert.ok(
      pf.warnings.some((w) => /UPN on a federated domain; a 2018 report .*row 26 \[U\]/.test(w)),
      JSON.stringify(pf.warnings),
    );
    assertFailures(chen!, []);
    assert.match(
      chen!.log,
      /warning: link "chen": The cloud user chen\.li\.sfra@contoso\.com .* holds directory roles \(Directory Readers\)\. Soft match onto users with admin roles fails/,
    );
    const pc = prediction(chen!);
    assert.equal(pc.outcome, "newObject");
    assert.equal(pc.errorName, "ExistingAdminRoleConflict");
    assert.equal(pc.uncertain, true);
  } finally {
    await env.control.removeRole(s.tenantId, { principalId: s.cloud["chen"]!.id, role: "Directory Readers" });
  }
});

test("through the real CLI, up stops at the refusal and writes nothing", async () => {
  const adam = s.users["adam"]!;
  const runs: { name: string; links: LinkEntry[]; expect: RegExp }[] = [
    {
      name: "sfrac0",
      links: [
        {
          name: "ghost",
          args: {
            onPremises: { samAccountName: "nobody-sfra" },
            cloud: { userPrincipalName: s.cloud["adam"]!.userPrincipalName },
          },
        },
      ],
      expect:
        /NotFoundError \[AD_USER_NOT_FOUND\]: ad-entra-link: no Active Directory user matches samAccountName "nobody-sfra"/,
    },
    {
      name: "sfrac1",
      links: [
        link("adam-by-sam", "adam"),
        {
          name: "adam-by-guid",
          args: {
            onPremises: { objectGuid: adam.objectGuid },
            cloud: { userPrincipalName: s.cloud["olivia"]!.userPrincipalName },
          },
        },
      ],
      expect:
        /SafetyBlockError \[DUPLICATE_CLAIM\]: ad-entra-link: links "adam-by-(sam|guid)" and "adam-by-(sam|guid)" both claim the Active Directory user/,
    },
    {
      // The same selector written twice is caught by the program before the engine sees it.
      name: "sfrac2",
      links: [
        link("adam-1", "adam"),
        link("adam-2", "adam", { cloud: { userPrincipalName: s.cloud["bruno"]!.userPrincipalName } }),
      ],
      expect:
        /links "adam-1" and "adam-2" both select onPremises samAccountName "aanderson-sfra"\. One user can be linked only once\./,
    },
    {
      name: "sfrac3",
      links: [link("cloud-upn", "adam", { userPrincipalName: s.cloud["olivia"]!.userPrincipalName })],
      expect:
        /SafetyBlockError \[VALUE_HELD_BY_OTHER_CLOUD_OBJECT\]: ad-entra-link: olivia\.cloud\.sfra@contoso\.com \(exported by .*\) already belongs to cloud user/,
    },
  ];
  const before = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const opened = await Promise.all(
    runs.map((r) =>
      LinkStack.open(env, { stackName: r.name, tenantId: s.tenantId, baseDn: s.ou, links: r.links }),
    ),
  );
  stacks.push(...opened);
  const results = await Promise.all(opened.map((st) => st.upWithPreview()));
  for (const [i, r] of runs.entries()) {
    assert.notEqual(results[i]!.code, 0, `${r.name} must fail`);
    assert.match(output(results[i]!), r.expect, `${r.name}: ${output(results[i]!)}`);
    assert.equal((await opened[i]!.links()).size, 0, `${r.name}: no link in state`);
  }
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), before, "nothing written on either side");
});
