/**
 * Hostile input against the AD adapter, on the real Samba DC: selectors that name non-person
 * objects (computer, managed service accounts, contact, group) are refused and inetOrgPerson is
 * accepted; a DN with an escaped NUL is refused before any search; StartTLS works on port 389 and
 * no setting ever lets the bind password cross an unencrypted connection; secrets are never echoed.
 * Every refusal asserts the error kind, code and message, and that the test's OU is unchanged.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";
import { AdDirectory } from "../../provider/ad/ad-directory";
import { type LdapSettings, readSettings } from "../../provider/config/settings";
import type { AdSelector } from "../../provider/domain/ports";
import { describeForUser } from "../../provider/errors";
import { AD_BASE_DN, AD_USERS } from "../fixtures/seed-scenario";
import {
  type CreatedObject,
  type DirectoryObjectSpec,
  cloneSeedUsers,
  createDirectoryObject,
  createOu,
  type SambaDc,
  type SeededUser,
  seedUsersInto,
  snapshotSubtree,
} from "../infra/samba";
import { getTestEnv, type TestEnv } from "../support/test-env";

const OU = `OU=t-adhostile,${AD_BASE_DN}`;
let env: TestEnv;
let dc: SambaDc;
let users: Record<string, SeededUser>;
let objects: Record<string, CreatedObject>;
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

const plainUrl = (): string => `ldap://${env.samba.ip}:389`;

/** Runs `fn`, asserting it rejects as `name`/`code` with `message`, and that the OU is unchanged. */
async function refusedUnchanged(
  fn: () => Promise<unknown>,
  name: string,
  code: string,
  message: RegExp,
  secrets: string[] = [],
): Promise<Error & { code?: string; property?: string }> {
  const before = await snapshotSubtree(dc, OU);
  let caught: (Error & { code?: string; property?: string }) | undefined;
  await assert.rejects(fn(), (err: Error & { code?: string }) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    for (const s of [...secrets, env.samba.adminPassword]) {
      assert.ok(!err.message.includes(s), `no secret in the message (${s.length} chars)`);
      assert.ok(!describeForUser(err).includes(s));
    }
    caught = err;
    return true;
  });
  assert.equal(await snapshotSubtree(dc, OU), before, "the directory is unchanged");
  return caught!;
}

/** A TCP listener that records every connection and byte, to prove what (if anything) was sent. */
async function recordingServer(onConnection: (socket: net.Socket) => void = (s) => s.destroy()) {
  const received: Buffer[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on("data", (d) => received.push(d));
    socket.on("error", () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, env.samba.ip, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldap://${env.samba.ip}:${port}`,
    get connections() {
      return connections;
    },
    bytes: () => Buffer.concat(received),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  env = await getTestEnv();
  dc = { ...env.samba, caCertPem: env.sambaCaPem } as unknown as SambaDc;
  await createOu(dc, OU);
  const picks = AD_USERS.filter((u) => ["adam", "alva"].includes(u.key));
  users = await seedUsersInto(dc, OU, cloneSeedUsers(picks, "hos"));
  const specs: DirectoryObjectSpec[] = [
    {
      kind: "computer",
      cn: "ws-hos01",
      sAMAccountName: "ws-hos01$",
      userPrincipalName: "ws-hos01@corp.local",
      mail: "ws-hos01@contoso.com",
      proxyAddresses: ["SMTP:ws-hos01@contoso.com"],
    },
    { kind: "managedServiceAccount", cn: "msa-hos01", sAMAccountName: "msa-hos01$" },
    { kind: "groupManagedServiceAccount", cn: "gmsa-hos01", sAMAccountName: "gmsa-hos01$" },
    {
      kind: "contact",
      cn: "ct-hos01",
      mail: "ct-hos01@contoso.com",
      proxyAddresses: ["smtp:ct-hos01@contoso.com"],
    },
    { kind: "group", cn: "grp-hos01", sAMAccountName: "grp-hos01", mail: "grp-hos01@contoso.com" },
    {
      kind: "inetOrgPerson",
      cn: "iop-hos01",
      sAMAccountName: "iop-hos01",
      userPrincipalName: "iop-hos01@corp.local",
    },
  ];
  objects = {};
  for (const spec of specs) objects[spec.kind] = await createDirectoryObject(dc, OU, spec);
  directory = new AdDirectory(settings());
});

after(async () => {
  await directory?.close();
});

describe("selectors resolve only person user objects", () => {
  const NOT_A_PERSON = "AD_OBJECT_NOT_A_PERSON_USER";
  const cases: [string, string, (o: CreatedObject) => AdSelector][] = [
    ["computer", "computer", (o) => ({ distinguishedName: o.dn })],
    ["computer", "computer", (o) => ({ objectGuid: o.objectGuid })],
    ["computer", "computer", (o) => ({ samAccountName: o.spec.sAMAccountName! })],
    ["computer", "computer", (o) => ({ userPrincipalName: o.spec.userPrincipalName! })],
    ["managedServiceAccount", "msDS-ManagedServiceAccount", (o) => ({ distinguishedName: o.dn })],
    ["managedServiceAccount", "msDS-ManagedServiceAccount", (o) => ({ objectGuid: o.objectGuid })],
    [
      "managedServiceAccount",
      "msDS-ManagedServiceAccount",
      (o) => ({ samAccountName: o.spec.sAMAccountName! }),
    ],
    ["groupManagedServiceAccount", "msDS-GroupManagedServiceAccount", (o) => ({ distinguishedName: o.dn })],
    [
      "groupManagedServiceAccount",
      "msDS-GroupManagedServiceAccount",
      (o) => ({ objectGuid: `{${o.objectGuid.toUpperCase()}}` }),
    ],
    [
      "groupManagedServiceAccount",
      "msDS-GroupManagedServiceAccount",
      (o) => ({ samAccountName: o.spec.sAMAccountName! }),
    ],
    ["contact", "contact", (o) => ({ distinguishedName: o.dn })],
    ["contact", "contact", (o) => ({ objectGuid: o.objectGuid })],
    ["group", "group", (o) => ({ distinguishedName: o.dn })],
    ["group", "group", (o) => ({ objectGuid: o.objectGuid })],
    ["group", "group", (o) => ({ samAccountName: o.spec.sAMAccountName! })],
  ];
  for (const [kind, objectClass, select] of cases) {
    test(`${kind} by ${Object.keys(select({ dn: "x", objectGuid: "x", spec: { kind: "group", cn: "x" } }))[0]} is refused`, async () => {
      const o = objects[kind]!;
      const err = await refusedUnchanged(
        () => directory.findUser(select(o)),
        "SafetyBlockError",
        NOT_A_PERSON,
        new RegExp(
          `names ${o.dn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, an object of class ${objectClass}, not a person user account\\. ad-entra-link links only user objects of category person`,
        ),
      );
      assert.equal(err.property, "onPremises");
    });
  }

  test("reads by DN or GUID never return a non-person object either", async () => {
    for (const kind of ["computer", "managedServiceAccount", "contact", "group"]) {
      assert.equal(await directory.readByDn(objects[kind]!.dn), undefined, kind);
      assert.equal(await directory.readByGuid(objects[kind]!.objectGuid), undefined, kind);
    }
  });

  test("inetOrgPerson is a person user (category person, subclass of user) and is found by every selector", async () => {
    const o = objects["inetOrgPerson"]!;
    for (const selector of [
      { distinguishedName: o.dn },
      { objectGuid: o.objectGuid },
      { samAccountName: o.spec.sAMAccountName! },
      { userPrincipalName: o.spec.userPrincipalName! },
    ]) {
      const user = await directory.findUser(selector);
      assert.equal(user.dn, o.dn);
      assert.equal(user.objectClass[user.objectClass.length - 1], "inetOrgPerson");
      assert.match(user.objectSid ?? "", /^S-1-5-21-\d+-\d+-\d+-\d+$/);
    }
  });

  test("a selector matching nothing at all is NotFoundError", async () => {
    await refusedUnchanged(
      () => directory.findUser({ samAccountName: "no-such-hos" }),
      "NotFoundError",
      "AD_USER_NOT_FOUND",
      /no Active Directory user matches samAccountName "no-such-hos" under OU=t-adhostile/,
    );
  });
});

describe("DNs are parsed strictly", () => {
  for (const [escaped, shown] of [
    ["\\00", "U+0000"],
    ["\\0a", "U+000A"],
    ["\\0D", "U+000D"],
  ] as const) {
    test(`an escaped ${shown} in a DN never selects the entry before it`, async () => {
      const adam = users["adam"]!;
      const [first, ...rest] = adam.dn.split(",OU=");
      const hostile = `${first}${escaped}x,OU=${rest.join(",OU=")}`;
      const err = await refusedUnchanged(
        () => directory.findUser({ distinguishedName: hostile }),
        "InvalidInputError",
        "DN_CONTROL_CHARACTER",
        new RegExp(`the value of CN contains the control character ${shown.replace("+", "\\+")}`),
      );
      assert.equal(err.property, "onPremises.distinguishedName");
      await refusedUnchanged(
        () => directory.readByDn(hostile),
        "InvalidInputError",
        "DN_CONTROL_CHARACTER",
        /control character/,
      );
      await refusedUnchanged(
        () => directory.modify(hostile, { replace: { mail: "hijack@contoso.com" } }),
        "InvalidInputError",
        "DN_CONTROL_CHARACTER",
        /control character/,
      );
    });
  }

  test("a DN with a lone surrogate is refused", async () => {
    await refusedUnchanged(
      () => directory.findUser({ distinguishedName: `CN=\uD800,${OU}` }),
      "InvalidInputError",
      "DN_MALFORMED",
      /lone surrogate/,
    );
  });

  test("an escaped comma is one CN, not a path into another OU", async () => {
    const alva = users["alva"]!;
    await refusedUnchanged(
      () => directory.findUser({ distinguishedName: `CN=x\\,${alva.dn}` }),
      "NotFoundError",
      "AD_USER_NOT_FOUND",
      /no Active Directory user matches distinguishedName/,
    );
  });
});

describe("TLS: StartTLS works, nothing is ever sent in clear text", () => {
  test("ldap:// on port 389 with StartTLS binds, verifies the DC certificate and reads", async () => {
    const startTls = new AdDirectory(settings({ urls: [plainUrl()], startTls: true }));
    try {
      const adam = users["adam"]!;
      const user = await startTls.findUser({ samAccountName: adam.seed.sAMAccountName });
      assert.equal(user.dn, adam.dn);
      assert.equal(startTls.connectionsOpened, 1);
    } finally {
      await startTls.close();
    }
  });

  test("StartTLS with a CA that did not issue the DC certificate is a TLS trust error, and no bind is sent", async () => {
    const wrongCa = new AdDirectory(
      settings({ urls: [plainUrl()], startTls: true, caCertificate: env.emulatorCaPem }),
    );
    try {
      await refusedUnchanged(
        () => wrongCa.findUser({ samAccountName: "x" }),
        "ConfigurationError",
        "LDAP_TLS_UNTRUSTED",
        /StartTLS on ldap:\/\/127\.[0-9.]+:389: the domain controller's TLS certificate was not accepted \([A-Z_]+\)\. Set ad-entra-link:ldapCaCertificate/,
      );
      assert.equal(wrongCa.connectionsOpened, 0);
    } finally {
      await wrongCa.close();
    }
  });

  test("ldapTlsInsecureSkipVerify with plain ldap:// and no StartTLS: refused by settings and by the adapter, no connection made", async () => {
    const server = await recordingServer();
    try {
      await refusedUnchanged(
        async () =>
          readSettings(
            (k) =>
              ({
                "ad-entra-link:ldapUrl": server.url,
                "ad-entra-link:ldapTlsInsecureSkipVerify": "true",
                "ad-entra-link:ldapBindDn": env.samba.adminBindDn,
                "ad-entra-link:ldapBindPassword": env.samba.adminPassword,
                "ad-entra-link:ldapBaseDn": OU,
                "ad-entra-link:tenantId": "contoso.onmicrosoft.com",
                "ad-entra-link:credential": "azureCli",
              })[k],
            {},
          ),
        "ConfigurationError",
        "CONFIG_PLAINTEXT_LDAP",
        /ldapTlsInsecureSkipVerify does not change that: it never allows an unencrypted bind/,
      );
      const insecure = new AdDirectory(
        settings({ urls: [server.url], startTls: false, tlsInsecureSkipVerify: true }),
      );
      try {
        await refusedUnchanged(
          () => insecure.findUser({ samAccountName: "x" }),
          "ConfigurationError",
          "CONFIG_PLAINTEXT_LDAP",
          /the bind password would cross the network in clear text, so no connection is made/,
        );
        const writeErr = await refusedUnchanged(
          () => insecure.modify(users["adam"]!.dn, { replace: { mail: "x@contoso.com" } }),
          "ConfigurationError",
          "CONFIG_PLAINTEXT_LDAP",
          /no connection is made/,
        );
        assert.equal((writeErr as { requestSent?: boolean }).requestSent, false);
      } finally {
        await insecure.close();
      }
      assert.equal(server.connections, 0, "no connection was opened");
    } finally {
      await server.close();
    }
  });

  test("a server that drops StartTLS never receives the bind password", async () => {
    // Reads the StartTLS request, then hangs up: the client must give up without binding.
    const server = await recordingServer((socket) => socket.once("data", () => socket.destroy()));
    const password = "Never-In-Clear-Text-42";
    const ad = new AdDirectory(
      settings({ urls: [server.url], startTls: true, bindPassword: password, timeoutInMs: 3_000 }),
    );
    try {
      await refusedUnchanged(
        () => ad.findUser({ samAccountName: "x" }),
        "DirectoryUnavailableError",
        "LDAP_UNAVAILABLE",
        /StartTLS on ldap:\/\/127\.[0-9.]+:\d+/,
        [password],
      );
      assert.ok(server.connections >= 1);
      const sent = server.bytes();
      assert.ok(sent.includes(Buffer.from("1.3.6.1.4.1.1466.20037")), "the StartTLS request was sent");
      assert.ok(!sent.includes(Buffer.from(password)), "the password never left in clear text");
      assert.ok(!sent.includes(Buffer.from(env.samba.adminBindDn)), "no bind request at all");
    } finally {
      await ad.close();
      await server.close();
    }
  });

  test("ldaps:// to the plain port is a TLS handshake error that says so", async () => {
    const wrongPort = new AdDirectory(
      settings({ urls: [`ldaps://${env.samba.ip}:389`], timeoutInMs: 5_000 }),
    );
    try {
      await refusedUnchanged(
        () => wrongPort.findUser({ samAccountName: "x" }),
        "DirectoryUnavailableError",
        "LDAP_TLS_HANDSHAKE_FAILED",
        /the domain controller closed the connection during the TLS handshake \(ECONNRESET\)\. This is most likely a TLS problem, not a network outage: ad-entra-link:ldapUrl must be ldaps:\/\/ on the LDAPS port \(636\), or ldap:\/\/ on port 389 with ad-entra-link:ldapStartTls/,
      );
    } finally {
      await wrongPort.close();
    }
  });
});

describe("secrets are never echoed", () => {
  test("a wrong bind password is named by key, never quoted", async () => {
    const wrong = "Wr0ng-Pass#Secret";
    const ad = new AdDirectory(settings({ bindPassword: wrong }));
    try {
      await refusedUnchanged(
        () => ad.findUser({ samAccountName: "x" }),
        "ConfigurationError",
        "LDAP_INVALID_CREDENTIALS",
        /rejected the bind credentials\. Check ad-entra-link:ldapBindDn and ad-entra-link:ldapBindPassword\./,
        [wrong],
      );
      const writeErr = await refusedUnchanged(
        () => ad.modify(users["alva"]!.dn, { replace: { mail: "x@contoso.com" } }),
        "ConfigurationError",
        "LDAP_INVALID_CREDENTIALS",
        /rejected the bind credentials/,
        [wrong],
      );
      assert.equal(
        (writeErr as { requestSent?: boolean }).requestSent,
        false,
        "a failed bind means the write was never sent",
      );
    } finally {
      await ad.close();
    }
  });

  test("an unparseable ldapUrl carrying a password is named, not quoted", async () => {
    await refusedUnchanged(
      async () =>
        readSettings((k) => (k === "ad-entra-link:ldapUrl" ? "ldaps://svc:S3cr#t@dc:636" : undefined), {
          AD_ENTRA_LINK_LDAP_BIND_DN: "CN=svc",
          AD_ENTRA_LINK_LDAP_BIND_PASSWORD: "p",
          AD_ENTRA_LINK_LDAP_BASE_DN: OU,
          AZURE_TENANT_ID: "contoso.onmicrosoft.com",
          AD_ENTRA_LINK_CREDENTIAL: "azureCli",
        }),
      "ConfigurationError",
      "CONFIG_INVALID",
      /^ad-entra-link: ad-entra-link:ldapUrl is not a URL\. Write it as ldaps:\/\/dc\.example\.com:636\. \(environment variable AD_ENTRA_LINK_LDAP_URL\)$/,
      ["S3cr", "svc:"],
    );
  });
});
