/**
 * Proof that the Samba fixture is a real AD DC over verified LDAPS: certificate verification is on,
 * plain-LDAP simple binds are refused, binary and multi-valued attributes round-trip, special
 * characters in DNs and filters are handled, the provider's service account is least-privilege,
 * and stop() really stops the daemon.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import * as tls from "node:tls";
import { Attribute, Change, Client, InsufficientAccessError, StrongAuthRequiredError } from "ldapts";
import { AD_OUS, AD_USERS, marketingUsers, type SeedAdUser } from "../fixtures/seed-scenario";
import { ensureTestCa } from "../infra/certs";
import {
  adminClient,
  bindClient,
  bytesToGuid,
  cloneSeedUsers,
  createOu,
  eq,
  escapeDnValue,
  escapeFilterValue,
  findUsers,
  guidToBytes,
  readUser,
  type SambaDc,
  type SeedResult,
  seedScenario,
  seedUsersInto,
  snapshotSubtree,
  startSambaDc,
} from "../infra/samba";

const IP = "127.0.0.9";
let dc: SambaDc;
let seed: SeedResult;
let admin: Client;
let scratch: string;

function seedUser(key: string): SeedAdUser {
  const u = AD_USERS.find((x) => x.key === key);
  assert.ok(u, `seed user ${key}`);
  return u;
}

function replace(type: string, values: string[] | Buffer[]): Change {
  return new Change({ operation: "replace", modification: new Attribute({ type, values }) });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ael-ldaps-test-"));
  const t0 = Date.now();
  dc = await startSambaDc({ ip: IP });
  seed = await seedScenario(dc);
  console.log(
    `samba start ${JSON.stringify(dc.timings)}; seed ${JSON.stringify(seed.timings)}; start+seed ${Date.now() - t0} ms`,
  );
  admin = await adminClient(dc);
});

after(async () => {
  await admin?.unbind().catch(() => undefined);
  await dc?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("GUID byte layout matches Microsoft's (python uuid.bytes_le) and round-trips", () => {
  const bytes = guidToBytes("12345678-9abc-def0-1234-56789abcdef0");
  assert.equal(bytes.toString("hex"), "78563412bc9af0de123456789abcdef0");
  assert.equal(bytesToGuid(bytes), "12345678-9abc-def0-1234-56789abcdef0");
});

test("RFC 4514 / RFC 4515 escaping", () => {
  assert.equal(escapeDnValue("O'Brien, Siobhán (Finance)"), "O'Brien\\, Siobhán (Finance)");
  assert.equal(escapeDnValue('#a+b;c<d>e"f\\g=h '), '\\#a\\+b\\;c\\<d\\>e\\"f\\\\g\\=h\\ ');
  assert.equal(escapeFilterValue("*)(objectClass=*"), "\\2a\\29\\28objectClass=\\2a");
  assert.equal(escapeFilterValue("a\\b\0"), "a\\5cb\\00");
});

test("LDAPS bind as Administrator with the DC's CA; the certificate names the IP and the FQDN", async () => {
  const client = await bindClient({
    url: dc.url,
    caPem: dc.caCertPem,
    bindDn: dc.adminBindDn,
    password: dc.adminPassword,
  });
  try {
    const { searchEntries } = await client.search(dc.baseDn, {
      scope: "base",
      attributes: ["distinguishedName"],
    });
    assert.equal(searchEntries[0]?.dn, dc.baseDn);
  } finally {
    await client.unbind();
  }
  // The same check at the TLS layer, without ldapts in between.
  const peer = await new Promise<{ authorized: boolean; san: string }>((resolve, reject) => {
    const socket = tls.connect({ host: dc.ip, port: 636, ca: [dc.caCertPem] }, () => {
      const result = { authorized: socket.authorized, san: socket.getPeerCertificate().subjectaltname ?? "" };
      socket.destroy();
      resolve(result);
    });
    socket.once("error", reject);
  });
  assert.equal(peer.authorized, true);
  assert.match(peer.san, new RegExp(`IP Address:${dc.ip.replace(/\./g, "\\.")}`));
  assert.match(peer.san, new RegExp(`DNS:${dc.hostname.replace(/\./g, "\\.")}`));
});

test("a client trusting another CA refuses the DC's certificate", async () => {
  const otherCa = ensureTestCa(path.join(scratch, "other-ca"), "some other CA");
  await assert.rejects(
    bindClient({ url: dc.url, caPem: otherCa.certPem, bindDn: dc.adminBindDn, password: dc.adminPassword }),
    (error: NodeJS.ErrnoException) => {
      assert.match(
        String(error.code),
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED|CERT_/,
      );
      return true;
    },
  );
  // And one trusting nothing extra (Node's public roots only) too.
  await assert.rejects(
    (async () => {
      const c = new Client({ url: dc.url, connectTimeout: 5_000 });
      await c.bind(dc.adminBindDn, dc.adminPassword);
    })(),
    (error: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY|SELF_SIGNED|CERT_/.test(String(error.code)),
  );
});

test("a simple bind over plain ldap:// is refused: strong authentication required", async () => {
  const client = new Client({ url: dc.plainUrl, connectTimeout: 5_000 });
  try {
    await assert.rejects(client.bind(dc.adminBindDn, dc.adminPassword), (error: unknown) => {
      assert.ok(
        error instanceof StrongAuthRequiredError,
        `expected StrongAuthRequiredError, got ${String(error)}`,
      );
      assert.equal(error.code, 8); // strongerAuthRequired
      // Samba words it "BindSimple: Transport encryption required", Windows "Strong(er) authentication required".
      assert.match(error.message, /transport encryption required|strong(er)? auth/i);
      return true;
    });
  } finally {
    await client.unbind().catch(() => undefined);
  }
});

test("every seed OU and user exists; objectGUID is a 16-byte Buffer matching the seed result", async () => {
  const all = [...AD_USERS, ...marketingUsers().ad];
  assert.equal(Object.keys(seed.users).length, all.length);
  assert.deepEqual(Object.keys(seed.ous).sort(), AD_OUS.map((o) => o.rdn).sort());
  const found = await findUsers(dc, dc.baseDn, "(employeeID=M20*)", admin);
  assert.equal(found.length, 47);
  for (const u of all) {
    const seeded = seed.users[u.key]!;
    const back = await readUser(dc, seeded.dn, admin);
    assert.ok(Buffer.isBuffer(back.objectGUID));
    assert.equal(back.objectGUID.length, 16);
    assert.deepEqual(back.objectGUID, seeded.objectGuidBytes);
    assert.equal(back.objectGuid, bytesToGuid(back.objectGUID));
    assert.equal(back.sAMAccountName, u.sAMAccountName);
    assert.equal(back.userPrincipalName, u.userPrincipalName);
    assert.equal(back.mail, u.mail);
    assert.equal(back.employeeID, u.employeeID);
    assert.equal(back.userAccountControl & 0x2, 0x2, "password-less seed users are disabled");
  }
});

test("proxyAddresses come back as an array with the seed's X500/SIP values and prefix case", async () => {
  for (const key of ["alva", "chen", "siobhan"]) {
    const back = await readUser(dc, seed.users[key]!.dn, admin);
    assert.deepEqual(back.proxyAddresses, seedUser(key).proxyAddresses);
  }
  const adam = await readUser(dc, seed.users["adam"]!.dn, admin);
  assert.deepEqual(adam.proxyAddresses, []);
  assert.equal(adam.mail, undefined);
});

test("chen's mS-DS-ConsistencyGuid reads back in Microsoft byte layout, distinct from objectGUID", async () => {
  const chen = seedUser("chen");
  const back = await readUser(dc, seed.users["chen"]!.dn, admin);
  const raw = back["mS-DS-ConsistencyGuid"];
  assert.ok(Buffer.isBuffer(raw));
  assert.deepEqual(raw, guidToBytes(chen.consistencyGuid!));
  assert.equal(back.consistencyGuid, chen.consistencyGuid);
  assert.notDeepEqual(raw, back.objectGUID);
  const adam = await readUser(dc, seed.users["adam"]!.dn, admin);
  assert.equal(adam["mS-DS-ConsistencyGuid"], undefined);
});

test("the DN with a comma, apostrophe, parentheses and an accent round-trips", async () => {
  const siobhan = seedUser("siobhan");
  const dn = seed.users["siobhan"]!.dn;
  assert.equal(dn, `CN=${escapeDnValue(siobhan.cn)},OU=Staff,${dc.baseDn}`);
  const byCn = await findUsers(dc, dc.baseDn, eq("cn", siobhan.cn), admin);
  assert.deepEqual(
    byCn.map((u) => u.dn),
    [dn],
  );
  assert.equal(byCn[0]!.cn, siobhan.cn);
  assert.equal(byCn[0]!.givenName, "Siobhán");
  assert.deepEqual(
    (await findUsers(dc, dc.baseDn, eq("sAMAccountName", "sobrien"), admin)).map((u) => u.dn),
    [dn],
  );
  // A base read through the escaped DN reaches the same object.
  assert.equal((await readUser(dc, dn, admin)).objectGuid, seed.users["siobhan"]!.objectGuid);
});

test("a filter-injection string used as a value matches nothing once escaped", async () => {
  assert.deepEqual(await findUsers(dc, dc.baseDn, eq("sAMAccountName", "*)(objectClass=*"), admin), []);
  assert.deepEqual(await findUsers(dc, dc.baseDn, eq("sAMAccountName", "*"), admin), []);
  // The unescaped wildcard would have matched every user: escaping is what makes the difference.
  assert.ok((await findUsers(dc, dc.baseDn, "(sAMAccountName=*)", admin)).length >= 59);
});

test("clones in an isolated OU get unique names and keep their shape", async () => {
  const ouDn = `OU=t-clone,${dc.baseDn}`;
  await createOu(dc, ouDn, { client: admin });
  const clones = cloneSeedUsers(AD_USERS, "cl1");
  const seeded = await seedUsersInto(dc, ouDn, clones, { client: admin });
  assert.equal(Object.keys(seeded).length, AD_USERS.length);
  for (const c of clones) {
    assert.ok(c.sAMAccountName.length <= 20);
    const back = await readUser(dc, seeded[c.key]!.dn, admin);
    assert.equal(back.sAMAccountName, c.sAMAccountName);
    assert.deepEqual(back.proxyAddresses, c.proxyAddresses ?? []);
  }
  const alva = clones.find((c) => c.key === "alva")!;
  assert.equal(alva.sAMAccountName, "awood-cl1");
  assert.equal(alva.userPrincipalName, "alva.wood.cl1@corp.local");
  assert.deepEqual(alva.proxyAddresses, [
    "smtp:alva.wood.cl1@contoso.com",
    "smtp:awood.cl1@contoso.com",
    "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=awood-cl1",
    "SIP:alva.wood.cl1@contoso.com",
  ]);
  assert.equal(seeded["siobhan"]!.dn, `CN=O'Brien\\, Siobhán (Finance) (cl1),${ouDn}`);
  // A second set with another suffix fits in the same OU.
  const again = await seedUsersInto(dc, ouDn, cloneSeedUsers(AD_USERS, "cl2"), { client: admin });
  assert.equal(Object.keys(again).length, AD_USERS.length);
});

test("snapshotSubtree is deterministic and sees a changed value, including order", async () => {
  const ouDn = `OU=t-snapshot,${dc.baseDn}`;
  await createOu(dc, ouDn, { client: admin });
  const users = await seedUsersInto(dc, ouDn, cloneSeedUsers([seedUser("alva"), seedUser("chen")], "snap"), {
    client: admin,
  });
  const before = await snapshotSubtree(dc, ouDn, admin);
  assert.equal(await snapshotSubtree(dc, ouDn, admin), before);
  assert.doesNotMatch(before, /whenChanged|uSNChanged/);
  assert.match(before, /mS-DS-ConsistencyGuid: hex:[0-9a-f]{32}/);
  assert.match(before, /nTSecurityDescriptor: hex:/);

  const alvaDn = users["alva"]!.dn;
  const original = (await readUser(dc, alvaDn, admin)).proxyAddresses;
  await admin.modify(alvaDn, [replace("proxyAddresses", [...original].reverse())]);
  const reordered = await snapshotSubtree(dc, ouDn, admin);
  assert.notEqual(reordered, before);
  await admin.modify(alvaDn, [replace("proxyAddresses", original)]);
  assert.equal(await snapshotSubtree(dc, ouDn, admin), before, "restoring the values restores the snapshot");
});

test("the service account writes the provider's attributes on Staff/Marketing users only", async () => {
  const svcAccount = seed.serviceAccount;
  assert.ok(svcAccount, "seedScenario creates the service account");
  // Fresh copies inside the real OUs, so the ACLs inherited from OU=Staff / OU=Restricted apply.
  const [staffCopy] = cloneSeedUsers([seedUser("adam")], "acl");
  const [restrictedCopy] = cloneSeedUsers([seedUser("svc-backup")], "acl");
  const staff = await seedUsersInto(dc, seed.ous["OU=Staff"]!, [staffCopy!], { client: admin });
  const restricted = await seedUsersInto(dc, seed.ous["OU=Restricted"]!, [restrictedCopy!], {
    client: admin,
  });
  const staffDn = staff["adam"]!.dn;
  const restrictedDn = restricted["svc-backup"]!.dn;

  const svc = await bindClient({
    url: dc.url,
    caPem: dc.caCertPem,
    bindDn: svcAccount.dn,
    password: svcAccount.password,
  });
  try {
    const anchor = guidToBytes("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
    await svc.modify(staffDn, [
      replace("userPrincipalName", ["adam.anderson.acl@contoso.com"]),
      replace("mail", ["adam.anderson.acl@contoso.com"]),
      replace("proxyAddresses", ["SMTP:adam.anderson.acl@contoso.com"]),
      replace("mS-DS-ConsistencyGuid", [anchor]),
    ]);
    const written = await readUser(dc, staffDn, admin);
    assert.equal(written.userPrincipalName, "adam.anderson.acl@contoso.com");
    assert.equal(written.mail, "adam.anderson.acl@contoso.com");
    assert.deepEqual(written.proxyAddresses, ["SMTP:adam.anderson.acl@contoso.com"]);
    assert.deepEqual(written["mS-DS-ConsistencyGuid"], anchor);

    // Marketing is writable too.
    await svc.modify(seed.users["mkt01"]!.dn, [replace("mail", ["ava.hart01.acl@contoso.com"])]);
    await admin.modify(seed.users["mkt01"]!.dn, [
      new Change({ operation: "delete", modification: new Attribute({ type: "mail", values: [] }) }),
    ]);

    // Anything else on a Staff user is denied...
    await assert.rejects(
      svc.modify(staffDn, [replace("displayName", ["Not Allowed"])]),
      InsufficientAccessError,
    );
    // ...and so are the provider's attributes outside the allowed OUs, although they are readable.
    const visible = await svc.search(restrictedDn, { scope: "base", attributes: ["sAMAccountName"] });
    assert.equal(visible.searchEntries.length, 1);
    await assert.rejects(
      svc.modify(restrictedDn, [replace("mail", ["x@contoso.com"])]),
      InsufficientAccessError,
    );
    await assert.rejects(
      svc.modify(restrictedDn, [replace("userPrincipalName", ["x@contoso.com"])]),
      InsufficientAccessError,
    );
    assert.equal((await readUser(dc, restrictedDn, admin)).mail, undefined);
  } finally {
    await svc.unbind();
  }
});

test("two DCs run side by side on different loopback addresses", async () => {
  const other = await startSambaDc({ ip: "127.0.0.10" });
  try {
    const c = await adminClient(other);
    try {
      // The fresh domain has none of the seed OUs of the first DC.
      const { searchEntries } = await c.search(other.baseDn, { scope: "one", filter: "(ou=Staff)" });
      assert.equal(searchEntries.length, 0);
    } finally {
      await c.unbind();
    }
    assert.notEqual(other.pid, dc.pid);
    assert.ok(await tcpAnswers(dc.ip, 636));
  } finally {
    await other.stop();
  }
  assert.equal(processAlive(other.pid), false);
  assert.ok(await tcpAnswers(dc.ip, 636), "stopping one DC leaves the other running");
});

test("stop() ends samba (pid gone, ports closed) and removes its work dir", async () => {
  const { pid, ip, workDir } = dc;
  assert.equal(processAlive(pid), true);
  assert.ok(await tcpAnswers(ip, 636));
  await admin.unbind();
  await dc.stop();
  assert.equal(processAlive(pid), false);
  assert.equal(await tcpAnswers(ip, 636), false);
  assert.equal(await tcpAnswers(ip, 389), false);
  assert.equal(fs.existsSync(workDir), false);
  await dc.stop(); // idempotent
});
