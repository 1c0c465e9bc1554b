/**
 * The provider's AD layer against the real Samba DC over LDAPS: selectors, scoping, escaping,
 * value-level proxyAddresses edits, connection reuse, batched holder look-ups over every object
 * class, objectSid and the paged scan.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AdDirectory, sidToString } from "../../provider/ad/ad-directory";
import type { LdapSettings } from "../../provider/config/settings";
import { planProxyAddresses } from "../../provider/core/proxy-addresses";
import { AD_BASE_DN, AD_USERS } from "../fixtures/seed-scenario";
import {
  cloneSeedUsers,
  createDirectoryObject,
  createOu,
  readUser,
  type SambaDc,
  type SeededUser,
  seedUsersInto,
} from "../infra/samba";
import { getTestEnv, type TestEnv } from "../support/test-env";

const OU = `OU=t-addir,${AD_BASE_DN}`;
let env: TestEnv;
let dc: SambaDc;
let users: Record<string, SeededUser>;
let directory: AdDirectory;

function settings(overrides: Partial<LdapSettings> = {}): LdapSettings {
  return {
    urls: [env.samba.url],
    startTls: false,
    bindDn: env.samba.adminBindDn,
    bindPassword: env.samba.adminPassword,
    caCertificate: env.sambaCaPem,
    tlsInsecureSkipVerify: false,
    baseDn: OU,
    allowedSearchBases: [OU],
    timeoutInMs: 10_000,
    ...overrides,
  };
}

before(async () => {
  env = await getTestEnv();
  dc = { ...env.samba, caCertPem: env.sambaCaPem } as unknown as SambaDc;
  await createOu(dc, OU);
  const picks = AD_USERS.filter((u) => ["adam", "alva", "siobhan", "chen"].includes(u.key));
  users = await seedUsersInto(dc, OU, cloneSeedUsers(picks, "ad1"));
  directory = new AdDirectory(settings());
});

after(async () => {
  await directory.close();
});

test("every selector finds the same user, and one connection serves concurrent calls", async () => {
  const siobhan = users["siobhan"]!;
  const results = await Promise.all([
    directory.findUser({ samAccountName: siobhan.seed.sAMAccountName }),
    directory.findUser({ distinguishedName: siobhan.dn }),
    directory.findUser({ objectGuid: `{${siobhan.objectGuid.toUpperCase()}}` }),
    directory.findUser({ userPrincipalName: siobhan.seed.userPrincipalName }),
  ]);
  for (const r of results) {
    assert.equal(r.dn, siobhan.dn);
    assert.equal(r.objectGuid, siobhan.objectGuid);
  }
  assert.equal(directory.connectionsOpened, 1);
});

test("filter metacharacters in a selector are escaped and match nothing", async () => {
  for (const hostile of ["*", "*)(objectClass=*", "aanderson*", "x\\2a", "(|(sAMAccountName=*))"]) {
    await assert.rejects(
      directory.findUser({ samAccountName: hostile }),
      (err: Error) => err.name === "NotFoundError" && err.message.includes(hostile),
      hostile,
    );
  }
});

test("a user outside the allowed search bases is refused even when found", async () => {
  const wide = new AdDirectory(settings({ baseDn: AD_BASE_DN, allowedSearchBases: [OU] }));
  try {
    await assert.rejects(
      wide.findUser({ samAccountName: "svc-backup" }),
      (err: Error & { code?: string }) => {
        assert.equal(err.name, "SafetyBlockError");
        assert.equal(err.code, "AD_USER_OUTSIDE_ALLOWED_BASES");
        assert.match(err.message, /OU=Restricted/);
        return true;
      },
    );
  } finally {
    await wide.close();
  }
});

test("value-level proxyAddresses edits re-case the primary and keep X500, SIP and other smtp values", async () => {
  const alva = users["alva"]!;
  const current = await directory.findUser({ distinguishedName: alva.dn });
  const primary = alva.seed.mail!;
  const plan = planProxyAddresses(current.proxyAddresses, { primarySmtp: primary });
  assert.deepEqual(plan.remove, [`smtp:${primary}`]);
  assert.deepEqual(plan.add, [`SMTP:${primary}`]);
  await directory.modify(alva.dn, {
    add: { proxyAddresses: plan.add },
    delete: { proxyAddresses: plan.remove },
  });
  const after = await readUser(dc, alva.dn);
  const expected = alva.seed.proxyAddresses!.map((p) => (p === `smtp:${primary}` ? `SMTP:${primary}` : p));
  assert.deepEqual([...after.proxyAddresses].sort(), [...expected].sort());
  assert.ok(after.proxyAddresses.some((p) => p.startsWith("X500:")));
  assert.ok(after.proxyAddresses.some((p) => p.startsWith("SIP:")));
});

test("holders: one batched search finds every object class holding a value, and how it holds it", async () => {
  const adam = users["adam"]!;
  const chen = users["chen"]!;
  const grp = await createDirectoryObject(dc, OU, {
    kind: "group",
    cn: "grp-ad1",
    sAMAccountName: "grp-ad1",
    mail: "grp-ad1@contoso.com",
    proxyAddresses: ["SMTP:Grp-AD1@Contoso.com", `smtp:${chen.seed.mail!}`],
  });
  const contact = await createDirectoryObject(dc, OU, {
    kind: "contact",
    cn: "ct-ad1",
    mail: "ct-ad1@contoso.com",
    proxyAddresses: ["smtp:ct-alias-ad1@contoso.com"],
  });
  const pc = await createDirectoryObject(dc, OU, {
    kind: "computer",
    cn: "pc-ad1",
    sAMAccountName: "pc-ad1$",
    userPrincipalName: "pc-ad1@corp.local",
  });
  const values = [
    chen.seed.mail!.toUpperCase(),
    "grp-ad1@contoso.com",
    "ct-alias-ad1@contoso.com",
    "PC-AD1@corp.local",
    "nobody-ad1@contoso.com",
  ];
  const holders = await directory.findHolders(values, adam.dn);
  const seen = holders
    .map(
      (h) =>
        `${h.dn === chen.dn ? "chen" : h.dn === grp.dn ? "grp" : h.dn === contact.dn ? "contact" : h.dn === pc.dn ? "pc" : h.dn} ${h.objectClass} ${h.value} ${h.heldAs} ${h.inSyncScope}`,
    )
    .sort();
  const chenMail = chen.seed.mail!.toLowerCase();
  const chenHolds = [`chen user ${chenMail} mail true`];
  for (const p of chen.seed.proxyAddresses ?? []) {
    if (p.slice(5).toLowerCase() === chenMail)
      chenHolds.push(`chen user ${chenMail} ${p.startsWith("SMTP:") ? "primarySmtp" : "secondarySmtp"} true`);
  }
  if (chen.seed.userPrincipalName.toLowerCase() === chenMail)
    chenHolds.push(`chen user ${chenMail} userPrincipalName true`);
  assert.deepEqual(
    seen,
    [
      ...chenHolds,
      "contact contact ct-alias-ad1@contoso.com secondarySmtp true",
      "grp group grp-ad1@contoso.com mail true",
      "grp group grp-ad1@contoso.com primarySmtp true",
      `grp group ${chenMail} secondarySmtp true`,
      "pc computer pc-ad1@corp.local userPrincipalName true",
    ].sort(),
  );
  // The object itself is never its own holder.
  assert.deepEqual(
    (await directory.findHolders([chen.seed.mail!], chen.dn)).map((h) => h.dn),
    [grp.dn],
  );
  assert.deepEqual(await directory.findHolders([], adam.dn), []);
});

test("holders: UPNs count domain-wide (outside the sync scope too), addresses only inside it", async () => {
  const narrow = new AdDirectory(settings({ baseDn: `OU=Staff,${AD_BASE_DN}`, allowedSearchBases: [OU] }));
  try {
    const adam = users["adam"]!;
    const holders = await narrow.findHolders([adam.seed.userPrincipalName, adam.seed.mail ?? "none@x"], "");
    assert.ok(holders.length > 0);
    for (const h of holders) {
      assert.equal(h.dn, adam.dn);
      assert.equal(h.heldAs, "userPrincipalName");
      assert.equal(h.inSyncScope, false);
    }
  } finally {
    await narrow.close();
  }
});

test("holders: 120 values (3 chunks) with filter metacharacters are searched safely", async () => {
  const siobhan = users["siobhan"]!;
  const values = Array.from({ length: 120 }, (_, i) => `x${i}*)(mail=*@contoso.com`);
  values.push(siobhan.seed.userPrincipalName);
  const holders = await directory.findHolders(values, "");
  assert.ok(holders.length > 0);
  assert.ok(
    holders.every((h) => h.dn === siobhan.dn && h.value === siobhan.seed.userPrincipalName.toLowerCase()),
  );
  assert.ok(holders.some((h) => h.heldAs === "userPrincipalName"));
});

test("users carry objectSid; the paged scan reads every person user once, with progress", async () => {
  const adam = await directory.findUser({ distinguishedName: users["adam"]!.dn });
  const raw = await readUser(dc, users["adam"]!.dn);
  assert.match(adam.objectSid ?? "", /^S-1-5-21-\d+-\d+-\d+-\d+$/);
  assert.equal(adam.objectSid, sidToString(raw.objectSid));
  const progress: number[] = [];
  const scanned = await directory.scanUsers([OU, OU], { pageSize: 2, onProgress: (n) => progress.push(n) });
  const persons = Object.values(users)
    .map((u) => u.dn)
    .sort();
  assert.deepEqual(scanned.map((u) => u.dn).sort(), persons, "person users only, each once");
  assert.ok(progress.length >= 2, "one progress call per page");
  assert.equal(progress[progress.length - 1], persons.length);
  await assert.rejects(directory.scanUsers([`OU=x\\00,${OU}`]), (err: Error & { code?: string }) => {
    assert.equal(err.name, "InvalidInputError");
    assert.equal(err.code, "DN_CONTROL_CHARACTER");
    return true;
  });
});

test("a wrong CA is a configuration error that names the cause, not a silent fallback", async () => {
  const other = new AdDirectory(settings({ caCertificate: env.emulatorCaPem }));
  try {
    await assert.rejects(other.findUser({ samAccountName: "x" }), (err: Error & { code?: string }) => {
      assert.equal(err.name, "ConfigurationError");
      assert.equal(err.code, "LDAP_TLS_UNTRUSTED");
      assert.ok(!err.message.includes(env.samba.adminPassword));
      return true;
    });
  } finally {
    await other.close();
  }
});
