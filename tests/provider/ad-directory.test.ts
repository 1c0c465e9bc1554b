/**
 * The provider's AD layer against the real Samba DC over LDAPS: selectors, scoping, escaping,
 * value-level proxyAddresses edits and connection reuse.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AdDirectory } from "../../provider/ad/ad-directory";
import type { LdapSettings } from "../../provider/config/settings";
import { planProxyAddresses } from "../../provider/core/proxy-addresses";
import { AD_BASE_DN, AD_USERS } from "../fixtures/seed-scenario";
import {
  cloneSeedUsers,
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

test("collision search finds another object holding an address, in any of UPN, mail or proxyAddresses", async () => {
  const adam = users["adam"]!;
  const chen = users["chen"]!;
  const holders = await directory.findHolders(chen.seed.mail!, adam.dn);
  assert.deepEqual(
    holders.map((h) => h.dn),
    [chen.dn],
  );
  assert.deepEqual(await directory.findHolders(chen.seed.mail!, chen.dn), []);
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
