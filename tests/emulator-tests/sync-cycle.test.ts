/**
 * Sync-cycle behaviour beyond the decision table, on in-memory records: connector state (joined
 * objects are updated, never re-matched), sourceAnchor from ConsistencyGuid, attribute flow and proxy
 * calculation, default filtering, what Graph shows afterwards, and deterministic results.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { contosoTenantSeed } from "../emulator/seeds";
import { guidToImmutableId } from "../emulator/sync/anchor";
import type { OnPremUserRecord } from "../emulator/sync/types";
import { AD_USERS, CLOUD_USERS } from "../fixtures/seed-scenario";
import { graphClient, graphFailure, secretCredential, startTestEmulator, type TestEmulator } from "./helpers";

let emu: TestEmulator;

before(async () => {
  emu = await startTestEmulator();
});

after(async () => {
  await emu.close();
});

const STAFF = "OU=Staff,DC=corp,DC=local";

function record(key: string, patch: Partial<OnPremUserRecord> = {}): OnPremUserRecord {
  const ad = AD_USERS.find((u) => u.key === key);
  if (!ad) throw new Error(`no AD seed user ${key}`);
  return {
    dn: `CN=${ad.cn.replace(/,/g, "\\,")},${ad.ou},DC=corp,DC=local`,
    objectGUID: randomBytes(16).toString("base64"),
    msDsConsistencyGuid: ad.consistencyGuid
      ? Buffer.from(guidToImmutableId(ad.consistencyGuid), "base64").toString("base64")
      : null,
    objectClass: ["top", "person", "organizationalPerson", "user"],
    cn: ad.cn,
    sAMAccountName: ad.sAMAccountName,
    userPrincipalName: ad.userPrincipalName,
    givenName: ad.givenName,
    sn: ad.sn,
    displayName: ad.displayName,
    mail: ad.mail ?? null,
    proxyAddresses: ad.proxyAddresses ?? [],
    employeeID: ad.employeeID ?? null,
    userAccountControl: 512,
    ...patch,
  };
}

const cloud = (key: string) => CLOUD_USERS.find((u) => u.key === key)!;

async function newTenant(): Promise<string> {
  return (await emu.control.createTenant(contosoTenantSeed({ tenantId: randomUUID() }))).tenantId;
}

describe("sync cycle", () => {
  test("a joined object is updated on the next cycle, never re-matched, even when it now matches someone else", async () => {
    const tid = await newTenant();
    const chen = record("chen");
    const first = await emu.control.runSyncCycle(tid, { records: [chen], scope: [STAFF] });
    assert.equal(first.entries[0]?.outcome, "softMatchSmtp");
    assert.equal(first.entries[0]?.cloudUserId, cloud("chen").id);

    // The admin now gives the AD object Alva's address: no merge (row 0 / 21), the value is quarantined.
    const edited = { ...chen, mail: "alva.wood@contoso.com", proxyAddresses: ["SMTP:alva.wood@contoso.com"] };
    const second = await emu.control.runSyncCycle(tid, { records: [edited], scope: [STAFF] });
    assert.equal(second.entries[0]?.outcome, "updated");
    assert.equal(second.entries[0]?.cloudUserId, cloud("chen").id);
    assert.deepEqual(
      second.entries[0]?.quarantined?.map((q) => [q.property, q.value, q.conflictsWithId]),
      [["ProxyAddresses", "SMTP:alva.wood@contoso.com", cloud("alva").id]],
    );
    const alva = await emu.control.getUser(tid, cloud("alva").id);
    assert.equal(alva.onPremisesSyncEnabled, null, "Alva stays cloud-managed");
    const chenAfter = await emu.control.getUser(tid, cloud("chen").id);
    assert.equal(chenAfter.mail, null, "the quarantined primary is not the cloud mail");
    await emu.control.deleteTenant(tid);
  });

  test("row 0 / 8 [U]: a second AD object exporting an anchor another AD object already joined is blocked", async () => {
    const tid = await newTenant();
    const chen = record("chen", { objectSid: "S-1-5-21-1-2-3-1104" });
    // Same mS-DS-ConsistencyGuid copied onto another AD object (e.g. a botched migration).
    const copy = record("bruno", {
      msDsConsistencyGuid: chen.msDsConsistencyGuid ?? null,
      objectSid: "S-1-5-21-1-2-3-1105",
    });
    const first = await emu.control.runSyncCycle(tid, { records: [chen], scope: [STAFF] });
    assert.equal(first.entries[0]?.outcome, "softMatchSmtp");
    const second = await emu.control.runSyncCycle(tid, { records: [chen, copy], scope: [STAFF] });
    const byDn = new Map(second.entries.map((e) => [e.dn, e]));
    assert.equal(byDn.get(chen.dn)?.outcome, "updated");
    assert.equal(byDn.get(copy.dn)?.outcome, "blocked");
    assert.equal(byDn.get(copy.dn)?.error?.name, "SourceAnchorUniquenessViolation");
    assert.equal(byDn.get(copy.dn)?.error?.conflictsWithId, cloud("chen").id);
    const chenAfter = await emu.control.getUser(tid, cloud("chen").id);
    assert.equal(chenAfter.onPremisesDistinguishedName, chen.dn, "still joined to the first object");
    await emu.control.deleteTenant(tid);
  });

  test("row 7: a hard match restores a soft-deleted user; Graph no longer lists it under deletedItems", async () => {
    const tid = await newTenant();
    const rec = record("bruno");
    const deletedId = "de1e7ed0-0000-4000-8000-0000000000b7";
    await emu.control.addDeletedUsers(tid, [
      {
        key: "bruno-old",
        id: deletedId,
        userPrincipalName: "bruno.old@contoso.com",
        displayName: "Bruno (old)",
        givenName: "Bruno",
        surname: "Costa",
        mailNickname: "bruno.old",
        onPremisesImmutableId: rec.objectGUID,
        onPremisesSyncEnabled: false,
      },
    ]);
    const graph = graphClient(emu, secretCredential(emu, await emu.control.getTenant(tid)));
    const listed = async (): Promise<string[]> =>
      (
        (await graph.api("/directory/deletedItems/microsoft.graph.user").get()) as { value: { id: string }[] }
      ).value.map((u) => u.id);
    assert.ok((await listed()).includes(deletedId));
    const report = await emu.control.runSyncCycle(tid, { records: [rec], scope: [STAFF] });
    assert.equal(report.entries[0]?.outcome, "hardMatch");
    assert.equal(report.entries[0]?.restored, true);
    assert.equal(report.entries[0]?.cloudUserId, deletedId);
    assert.ok(!(await listed()).includes(deletedId));
    const u = (await graph
      .api(`/users/${deletedId}`)
      .select(["id", "onPremisesSyncEnabled", "onPremisesImmutableId"])
      .get()) as {
      onPremisesSyncEnabled: boolean;
      onPremisesImmutableId: string;
    };
    assert.equal(u.onPremisesSyncEnabled, true);
    assert.equal(u.onPremisesImmutableId, rec.objectGUID);
    await emu.control.deleteTenant(tid);
  });

  test("the anchor is mS-DS-ConsistencyGuid when set (no write-back), else objectGUID (written back)", async () => {
    const tid = await newTenant();
    const chen = record("chen");
    const bruno = record("bruno");
    const report = await emu.control.runSyncCycle(tid, { records: [chen, bruno], scope: [STAFF] });
    const byDn = new Map(report.entries.map((e) => [e.dn, e]));
    assert.equal(byDn.get(chen.dn)?.sourceAnchor, "bAr/a1Wci02i5Ds/PA8dLg==", "matching-rules §1.4 vector 3");
    assert.equal(byDn.get(chen.dn)?.consistencyGuidWrittenBack, undefined);
    assert.equal(byDn.get(bruno.dn)?.sourceAnchor, bruno.objectGUID);
    assert.equal(byDn.get(bruno.dn)?.consistencyGuidWrittenBack, true);
    const other = await newTenant();
    const off = await emu.control.runSyncCycle(other, {
      records: [record("bruno")],
      scope: [STAFF],
      writeBackConsistencyGuid: false,
    });
    assert.equal(off.entries[0]?.consistencyGuidWrittenBack, undefined);
    await emu.control.deleteTenant(other);
    await emu.control.deleteTenant(tid);
  });

  test("P5a [U]: the seed's Alva (mail set, only lower-case smtp:/X500/SIP proxies) exports no primary: no soft match, a new object", async () => {
    const tid = await newTenant();
    const report = await emu.control.runSyncCycle(tid, { records: [record("alva")], scope: [STAFF] });
    const e = report.entries[0];
    assert.equal(e?.outcome, "provisioned", "mail is not promoted while other proxy values are kept");
    assert.notEqual(e?.cloudUserId, cloud("alva").id);
    // The secondary equal to cloud Alva's primary is quarantined (row 18); X500 and SIP flow.
    assert.deepEqual(
      e?.quarantined?.map((q) => [q.property, q.value, q.conflictsWithId]),
      [["ProxyAddresses", "smtp:alva.wood@contoso.com", cloud("alva").id]],
    );
    const created = await emu.control.getUser(tid, e?.cloudUserId ?? "");
    assert.deepEqual(created.proxyAddresses, [
      "smtp:awood@contoso.com",
      "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=awood",
      "SIP:alva.wood@contoso.com",
    ]);
    assert.equal(created.mail, null, "no primary, no cloud mail");
    const alva = await emu.control.getUser(tid, cloud("alva").id);
    assert.equal(alva.onPremisesSyncEnabled, null, "cloud Alva is untouched");
    await emu.control.deleteTenant(tid);
  });

  test("after a soft match AD is authoritative: proxy calculation, mail, and the UPN moves to the MOERA (unverified suffix)", async () => {
    const tid = await newTenant();
    // Alva's AD object with a real primary (as the link writes it): soft match by SMTP (row 9).
    const alvaRecord = record("alva", {
      proxyAddresses: [
        "SMTP:alva.wood@contoso.com",
        "smtp:awood@contoso.com",
        "X400:c=US;a= ;p=Contoso;o=Exchange;s=Wood;",
        "smtp:awood@contosolab.onmicrosoft.com",
        "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=awood",
        "SIP:alva.wood@contoso.com",
      ],
    });
    const report = await emu.control.runSyncCycle(tid, { records: [alvaRecord], scope: [STAFF] });
    assert.equal(report.entries[0]?.outcome, "softMatchSmtp");
    const u = await emu.control.getUser(tid, cloud("alva").id);
    // X400 (legacy) and the reserved-domain secondary are discarded (P1, P3); the MOERA is added.
    assert.deepEqual(u.proxyAddresses, [
      "SMTP:alva.wood@contoso.com",
      "smtp:awood@contoso.com",
      "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=awood",
      "SIP:alva.wood@contoso.com",
      "smtp:alva.wood@contosolab.onmicrosoft.com",
    ]);
    assert.equal(u.mail, "alva.wood@contoso.com");
    assert.equal(
      u.userPrincipalName,
      "alva.wood@contosolab.onmicrosoft.com",
      "corp.local is not verified: MOERA",
    );
    assert.equal(u.onPremisesUserPrincipalName, "alva.wood@corp.local");
    assert.equal(u.onPremisesSamAccountName, "awood");
    assert.equal(u.onPremisesDomainName, "corp.local");
    assert.equal(u.employeeId, "E1002");

    const graph = graphClient(emu, secretCredential(emu, await emu.control.getTenant(tid)));
    const org = (await graph.api("/organization").get()) as { value: { onPremisesSyncEnabled: boolean }[] };
    assert.equal(org.value[0]?.onPremisesSyncEnabled, true);
    const synced = (await graph
      .api("/users")
      .filter("onPremisesSyncEnabled eq true")
      .select(["id"])
      .get()) as { value: { id: string }[] };
    assert.ok(synced.value.some((x) => x.id === cloud("alva").id));
    const e = await graphFailure(graph.api(`/users/${cloud("alva").id}`).patch({ displayName: "Alva W." }));
    assert.equal(e.statusCode, 400);
    await emu.control.deleteTenant(tid);
  });

  test("default filtering: critical system objects, no sAMAccountName, sync service accounts, computers", async () => {
    const tid = await newTenant();
    const base = record("bruno");
    const records: OnPremUserRecord[] = [
      {
        ...base,
        dn: `CN=krbtgt,${STAFF}`,
        sAMAccountName: "krbtgt",
        isCriticalSystemObject: true,
        objectGUID: randomBytes(16).toString("base64"),
      },
      {
        ...base,
        dn: `CN=nosam,${STAFF}`,
        sAMAccountName: null,
        objectGUID: randomBytes(16).toString("base64"),
      },
      {
        ...base,
        dn: `CN=MSOL_1234,${STAFF}`,
        sAMAccountName: "MSOL_1234abcd",
        objectGUID: randomBytes(16).toString("base64"),
      },
      {
        ...base,
        dn: `CN=WS01,${STAFF}`,
        sAMAccountName: "WS01$",
        objectClass: ["top", "user", "computer"],
        objectGUID: randomBytes(16).toString("base64"),
      },
    ];
    const snapshot = await emu.control.snapshot(tid);
    const report = await emu.control.runSyncCycle(tid, { records, scope: [STAFF] });
    assert.deepEqual(
      report.entries.map((e) => e.outcome),
      ["filtered", "filtered", "filtered", "filtered"],
    );
    assert.ok(report.entries.every((e) => typeof e.filterReason === "string" && e.filterReason.length > 0));
    assert.equal(await emu.control.snapshot(tid), snapshot);
    await emu.control.deleteTenant(tid);
  });

  test("identical cycles on identical tenants give byte-identical snapshots (stable ids and quarantine digits)", async () => {
    const tenantId = randomUUID();
    // gina: UPN equals an admin's → Existing Admin Role Conflict, UPN quarantined with 4 digits; sam: MOERA taken → digits.
    const records = [
      record("gina", { userPrincipalName: "gina.marsh@contoso.com" }),
      record("sam", { mail: "sam.t@contoso.com" }),
      record("adam"),
      record("dana"),
      record("dana-2"),
    ];
    const run = async (): Promise<string> => {
      await emu.control.createTenant(contosoTenantSeed({ tenantId }));
      await emu.control.runSyncCycle(tenantId, { records, scope: ["DC=corp,DC=local"] });
      const s = await emu.control.snapshot(tenantId);
      await emu.control.deleteTenant(tenantId);
      return s;
    };
    const a = await run();
    const b = await run();
    assert.equal(a, b);
    const parsed = JSON.parse(a) as {
      connector: Record<string, string>;
      users: {
        userPrincipalName: string;
        proxyAddresses: string[];
        onPremisesProvisioningErrors: { propertyCausingError: string }[];
      }[];
    };
    assert.equal(Object.keys(parsed.connector).length, 5);
    assert.ok(
      parsed.users.some((u) => /^gina\.marsh\d{4}@contosolab\.onmicrosoft\.com$/.test(u.userPrincipalName)),
    );
    assert.ok(
      parsed.users.some(
        (u) =>
          u.proxyAddresses.some((p) => /^smtp:sam\.t\d{4}@contosolab\.onmicrosoft\.com$/.test(p)) ||
          u.proxyAddresses.includes("smtp:sam.t@contosolab.onmicrosoft.com"),
      ),
    );
  });
});
