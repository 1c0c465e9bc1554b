/**
 * The emulator's Entra Connect sync-cycle simulator against docs/matching-model.md, in memory (no
 * server): one case per rule of §1 (P1–P6) and §2 (r0, r2, r9, r11, r24), each citing its
 * decision-table row (shared matching-rules §8). Where the sources are uncertain the test name says
 * "[U]" and which reading the simulator takes.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type {
  CloudContact,
  CloudGroup,
  CloudUser,
  CloudUserInput,
  EmulatorBehavior,
  SyncFeatures,
  TenantState,
} from "../../emulator/model";
import { EmulatorStore } from "../../emulator/store";
import { guidToImmutableId } from "../../emulator/sync/anchor";
import { runSyncEngine } from "../../emulator/sync/engine";
import { computeCloudAttributes } from "../../emulator/sync/proxy";
import type { OnPremUserRecord, SyncReportEntry } from "../../emulator/sync/types";

const INITIAL = "contosolab.onmicrosoft.com";

interface Arrange {
  users?: (Partial<CloudUserInput> & { key: string })[];
  roles?: { key: string; role: string; kind: "active" | "eligible" }[];
  deleted?: (Partial<CloudUserInput> & { key: string })[];
  groups?: Partial<CloudGroup>[];
  contacts?: Partial<CloudContact>[];
  features?: Partial<SyncFeatures>;
  behavior?: Partial<EmulatorBehavior>;
}

interface World {
  t: TenantState;
  /** Cloud user id by key. */
  id: (key: string) => string;
}

const idOf = (key: string): string => {
  const hex = Buffer.from(key).toString("hex").padEnd(12, "0").slice(0, 12);
  return `00000000-0000-4000-8000-${hex}`;
};

function cloudInput(u: Partial<CloudUserInput> & { key: string }): CloudUserInput {
  return {
    id: idOf(u.key),
    userPrincipalName: `${u.key}@contoso.com`,
    displayName: u.key,
    givenName: u.key,
    surname: u.key,
    mailNickname: u.key,
    ...u,
  };
}

async function world(a: Arrange = {}): Promise<World> {
  const store = new EmulatorStore();
  const created = await store.createTenant({
    tenantId: randomUUID(),
    displayName: "Rules",
    domains: [
      { id: INITIAL, isVerified: true, isDefault: false, isInitial: true, authenticationType: "Managed" },
      {
        id: "contoso.com",
        isVerified: true,
        isDefault: true,
        isInitial: false,
        authenticationType: "Managed",
      },
    ],
    users: [...(a.users ?? []), ...(a.deleted ?? [])].map(cloudInput),
    apps: [],
    features: { softMatchOnUpnEnabled: true, ...a.features },
    behavior: a.behavior ?? {},
  });
  const t = store.getTenant(created.tenantId);
  for (const r of a.roles ?? []) store.assignRole(t, idOf(r.key), r.role, r.kind);
  // Soft-deleted users: moved from the live users into the recycle bin.
  const deletedUsers = new Map<string, CloudUser & { deletedDateTime: string }>();
  for (const d of a.deleted ?? []) {
    const u = t.users.get(idOf(d.key));
    assert.ok(u);
    t.users.delete(u.id);
    deletedUsers.set(u.id, { ...u, deletedDateTime: "2026-11-01T00:00:00Z" });
  }
  const groups = new Map<string, CloudGroup>();
  for (const g of a.groups ?? []) {
    const full: CloudGroup = {
      id: randomUUID(),
      displayName: "Group",
      mail: null,
      mailEnabled: true,
      securityEnabled: false,
      proxyAddresses: [],
      onPremisesSyncEnabled: null,
      ...g,
    };
    groups.set(full.id, full);
  }
  const contacts = new Map<string, CloudContact>();
  for (const c of a.contacts ?? []) {
    const full: CloudContact = {
      id: randomUUID(),
      displayName: "Contact",
      mail: null,
      proxyAddresses: [],
      onPremisesSyncEnabled: null,
      ...c,
    };
    contacts.set(full.id, full);
  }
  for (const [k, v] of groups) t.groups.set(k, v);
  for (const [k, v] of contacts) t.contacts.set(k, v);
  for (const [k, v] of deletedUsers) t.deletedUsers.set(k, v);
  return { t, id: idOf };
}

const SID = "S-1-5-21-1004336348-1177238915-682003330-1105";
const OTHER_SID = "S-1-5-21-1004336348-1177238915-682003330-2201";

function rec(sam: string, patch: Partial<OnPremUserRecord> = {}): OnPremUserRecord {
  return {
    dn: `CN=${sam},OU=Staff,DC=corp,DC=local`,
    objectGUID: randomBytes(16).toString("base64"),
    objectClass: ["top", "person", "organizationalPerson", "user"],
    cn: sam,
    sAMAccountName: sam,
    userPrincipalName: `${sam}@corp.local`,
    objectSid: SID,
    userAccountControl: 512,
    ...patch,
  };
}

/** The anchor the engine computes for a record (ConsistencyGuid empty → objectGUID bytes). */
const anchorOf = (r: OnPremUserRecord): string => r.objectGUID;

function sync(w: World, ...records: OnPremUserRecord[]): SyncReportEntry[] {
  return runSyncEngine(w.t, records, { writeBackConsistencyGuid: true }).entries;
}

function one(w: World, r: OnPremUserRecord): SyncReportEntry {
  const [e] = sync(w, r);
  assert.ok(e);
  return e;
}

const mailbox = (addr: string): Partial<CloudUserInput> => ({
  mail: addr,
  proxyAddresses: [`SMTP:${addr}`, `smtp:${addr.split("@")[0]}@${INITIAL}`],
});

describe("proxy calculation (docs/matching-model.md §1)", () => {
  async function attrs(r: Partial<OnPremUserRecord>) {
    const w = await world();
    return computeCloudAttributes(rec("p", r), w.t);
  }

  it("P2: an apostrophe is RFC 5322 atext — SMTP:o'brien@contoso.com survives as the primary", async () => {
    const a = await attrs({ proxyAddresses: ["SMTP:o'brien@contoso.com"] });
    assert.equal(a.primarySmtp, "o'brien@contoso.com");
    assert.equal(a.mail, "o'brien@contoso.com");
    assert.ok(a.proxyAddresses.includes("SMTP:o'brien@contoso.com"));
  });

  it("P2: whitespace anywhere, no @, doubled or edge dots, a bad domain are discarded", async () => {
    const a = await attrs({
      proxyAddresses: [
        "SMTP:a b@contoso.com",
        "smtp: c@contoso.com",
        "smtp:nodomain",
        "smtp:d..e@contoso.com",
        "smtp:.f@contoso.com",
        "smtp:g@contoso",
        "smtp:h@-contoso.com",
        "smtp:i(j)@contoso.com",
      ],
    });
    assert.equal(a.primarySmtp, null);
    assert.deepEqual(a.secondarySmtp, []);
    assert.deepEqual(a.proxyAddresses, []);
  });

  it("P1: legacy types (X400, MSMAIL…) are discarded, X500/SIP kept; a value without a type is discarded", async () => {
    const a = await attrs({
      proxyAddresses: [
        "X400:c=US;a= ;p=Contoso;o=Exchange;s=Doe;",
        "MSMAIL:X/Y/Z",
        "X500:/o=Corp/cn=x",
        "SIP:x@contoso.com",
        "x@contoso.com",
      ],
    });
    assert.deepEqual(a.proxyAddresses, ["X500:/o=Corp/cn=x", "SIP:x@contoso.com"]);
    assert.equal(a.primarySmtp, null);
  });

  it("P3: onmicrosoft.com / microsoftonline.com addresses (and subdomains) are discarded as primary and secondary", async () => {
    const a = await attrs({
      proxyAddresses: [
        `SMTP:x@${INITIAL}`,
        "smtp:x@mail.microsoftonline.com",
        "smtp:x@onmicrosoft.com",
        "smtp:x@contoso.com",
      ],
    });
    assert.equal(
      a.primarySmtp,
      null,
      "the reserved primary is gone; the kept secondary does not become primary",
    );
    assert.deepEqual(a.secondarySmtp, ["x@contoso.com"]);
  });

  it("P3 + P5: a reserved-domain mail is never promoted, even with no proxy values", async () => {
    const a = await attrs({ mail: `x@${INITIAL}`, proxyAddresses: [] });
    assert.equal(a.primarySmtp, null);
    assert.equal(a.mail, null);
  });

  it("P5 (row 10): mail is promoted when no proxy value at all is left after P1–P3", async () => {
    const empty = await attrs({ mail: "m@contoso.com" });
    assert.equal(empty.primarySmtp, "m@contoso.com");
    assert.equal(empty.primaryFromMail, true);
    const allDiscarded = await attrs({
      mail: "m@contoso.com",
      proxyAddresses: [`SMTP:m@${INITIAL}`, "X400:c=US;"],
    });
    assert.equal(allDiscarded.primarySmtp, "m@contoso.com");
  });

  it("P5a [U, simulator reading]: kept proxy values without an SMTP: primary → mail is NOT promoted", async () => {
    const secondaries = await attrs({ mail: "m@contoso.com", proxyAddresses: ["smtp:m@contoso.com"] });
    assert.equal(secondaries.primarySmtp, null);
    assert.equal(secondaries.mail, null);
    const x500only = await attrs({ mail: "m@contoso.com", proxyAddresses: ["X500:/o=Corp/cn=m"] });
    assert.equal(x500only.primarySmtp, null);
  });

  it("P4: the kept SMTP: value is the primary even when mail differs (K3 scenario 3)", async () => {
    const a = await attrs({ mail: "m@contoso.com", proxyAddresses: ["SMTP:p@contoso.com"] });
    assert.equal(a.primarySmtp, "p@contoso.com");
    assert.equal(a.primaryFromMail, false);
  });

  it("P4a [U, chosen for determinism]: two kept SMTP: values → the one sorting first case-insensitively; the other stays a secondary", async () => {
    const a = await attrs({ proxyAddresses: ["SMTP:zed@contoso.com", "SMTP:Bob@contoso.com", "SMTP:bad@x"] });
    assert.equal(a.primarySmtp, "Bob@contoso.com");
    assert.deepEqual(a.secondarySmtp, ["zed@contoso.com"]);
  });

  it("P6 (rows 24/25): a verified-suffix UPN is kept; an unverified one falls back to the MOERA", async () => {
    const ok = await attrs({ userPrincipalName: "p.q@contoso.com" });
    assert.equal(ok.userPrincipalName, "p.q@contoso.com");
    const local = await attrs({ userPrincipalName: "pq@corp.local", mailNickname: "pq" });
    assert.equal(local.userPrincipalName, `pq@${INITIAL}`);
    assert.equal(local.upnIsOnPrem, false);
  });
});

describe("join order (docs/matching-model.md §2)", () => {
  it("r0 row 0: an already joined object is updated, not re-matched", async () => {
    const w = await world({ users: [{ key: "alice", ...mailbox("alice@contoso.com") }] });
    const r = rec("alice", { proxyAddresses: ["SMTP:alice@contoso.com"] });
    assert.equal(one(w, r).outcome, "softMatchSmtp");
    const again = one(w, r);
    assert.equal(again.outcome, "updated");
    assert.equal(again.cloudUserId, w.id("alice"));
  });

  it("r0 row 8 [U]: a second AD object exporting an anchor already joined from another object is blocked (SourceAnchorUniquenessViolation)", async () => {
    const w = await world();
    const first = rec("one", {
      msDsConsistencyGuid: guidToImmutableId("6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e"),
    });
    const second = rec("two", {
      msDsConsistencyGuid: first.msDsConsistencyGuid ?? null,
      objectSid: OTHER_SID,
    });
    const [e1, e2] = sync(w, first, second);
    assert.equal(e1?.outcome, "provisioned");
    assert.equal(e2?.outcome, "blocked");
    assert.equal(e2?.error?.name, "SourceAnchorUniquenessViolation");
    assert.equal(e2?.error?.conflictsWithId, e1?.cloudUserId);
    assert.equal(
      w.t.users.get(e1?.cloudUserId ?? "")?.onPremisesDistinguishedName,
      first.dn,
      "the joined object is untouched",
    );
  });

  it("r2 row 2: the anchor equals a cloud-managed user's ImmutableId → hard match", async () => {
    const r = rec("chen");
    const w = await world({ users: [{ key: "chen", onPremisesImmutableId: anchorOf(r) }] });
    const e = one(w, r);
    assert.equal(e.outcome, "hardMatch");
    assert.equal(e.cloudUserId, w.id("chen"));
    assert.equal(w.t.users.get(w.id("chen"))?.onPremisesSyncEnabled, true);
  });

  it("r2 row 3: blockCloudObjectTakeoverThroughHardMatchEnabled → InvalidHardMatch", async () => {
    const r = rec("chen");
    const w = await world({
      users: [{ key: "chen", onPremisesImmutableId: anchorOf(r) }],
      features: { blockCloudObjectTakeoverThroughHardMatchEnabled: true },
    });
    const e = one(w, r);
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "InvalidHardMatch");
    assert.equal(w.t.users.get(w.id("chen"))?.onPremisesSyncEnabled, null);
  });

  it("r2 rows 4/5 [U, stricter reading by default]: ANY active role, even non-privileged (Directory Readers), blocks the hard match (103)", async () => {
    const r = rec("rd");
    const w = await world({
      users: [{ key: "rd", onPremisesImmutableId: anchorOf(r) }],
      roles: [{ key: "rd", role: "Directory Readers", kind: "active" }],
    });
    const e = one(w, r);
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "InvalidHardMatch");
    assert.equal(e.error?.code, 103);
  });

  it("r2 rows 4/5 [U, E1's reading]: with hardMatchBlockedByAnyRole false a non-privileged role does not block", async () => {
    const r = rec("rd");
    const w = await world({
      users: [{ key: "rd", onPremisesImmutableId: anchorOf(r) }],
      roles: [{ key: "rd", role: "Directory Readers", kind: "active" }],
      behavior: { hardMatchBlockedByAnyRole: false },
    });
    assert.equal(one(w, r).outcome, "hardMatch");
  });

  it("r2 row 5: a PIM-eligible role blocks the hard match (103)", async () => {
    const r = rec("pat");
    const w = await world({
      users: [{ key: "pat", onPremisesImmutableId: anchorOf(r) }],
      roles: [{ key: "pat", role: "Reports Reader", kind: "eligible" }],
    });
    const e = one(w, r);
    assert.equal(e.error?.code, 103);
    assert.equal(e.outcome, "blocked");
  });

  it("r2 row 6: onPremisesObjectIdentifier mapped to another object → AttributeUpdateNotAllowed (96); the bypass flag allows it", async () => {
    const r = rec("ol");
    const cloud = {
      key: "ol",
      onPremisesImmutableId: anchorOf(r),
      onPremisesObjectIdentifier: "0f0e0d0c-0b0a-4908-8706-050403020100",
    };
    const w = await world({ users: [cloud] });
    const e = one(w, r);
    assert.equal(e.error?.name, "AttributeUpdateNotAllowed");
    assert.equal(e.error?.code, 96);
    const w2 = await world({
      users: [cloud],
      features: { allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: true },
    });
    assert.equal(one(w2, r).outcome, "hardMatch");
  });

  it("r2 row 7: a soft-deleted user holding the anchor is restored and hard-matched", async () => {
    const r = rec("gone");
    const w = await world({
      deleted: [{ key: "gone", onPremisesImmutableId: anchorOf(r), onPremisesSyncEnabled: false }],
    });
    const e = one(w, r);
    assert.equal(e.outcome, "hardMatch");
    assert.equal(e.restored, true);
    assert.equal(e.cloudUserId, w.id("gone"));
    assert.ok(w.t.users.has(w.id("gone")));
    assert.equal(w.t.deletedUsers.has(w.id("gone")), false);
  });

  it("r2 row 7: the same blocks apply to a soft-deleted candidate (block flag) — it stays in the recycle bin", async () => {
    const r = rec("gone");
    const w = await world({
      deleted: [{ key: "gone", onPremisesImmutableId: anchorOf(r), onPremisesSyncEnabled: false }],
      features: { blockCloudObjectTakeoverThroughHardMatchEnabled: true },
    });
    const e = one(w, r);
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "InvalidHardMatch");
    assert.equal(w.t.users.has(w.id("gone")), false);
  });

  it("r2 row 8 [U]: a synced candidate with another SID → blocked (SourceAnchorUniquenessViolation); same SID → re-linked", async () => {
    const r = rec("sam");
    const synced = { key: "sam", onPremisesImmutableId: anchorOf(r), onPremisesSyncEnabled: true };
    const w = await world({ users: [{ ...synced, onPremisesSecurityIdentifier: OTHER_SID }] });
    const e = one(w, r);
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "SourceAnchorUniquenessViolation");
    const w2 = await world({ users: [{ ...synced, onPremisesSecurityIdentifier: SID }] });
    assert.equal(one(w2, r).outcome, "hardMatch");
  });

  it("r9 row 9: the exported primary SMTP equals a cloud-managed user's primary → soft match", async () => {
    const w = await world({ users: [{ key: "alva", ...mailbox("alva@contoso.com") }] });
    const e = one(w, rec("awood", { proxyAddresses: ["SMTP:ALVA@contoso.com"] }));
    assert.equal(e.outcome, "softMatchSmtp");
    assert.equal(e.cloudUserId, w.id("alva"));
  });

  it("r9 row 10: no proxyAddresses, mail equals the primary → soft match through the promoted mail", async () => {
    const w = await world({ users: [{ key: "chen", ...mailbox("chen@contoso.com") }] });
    const e = one(w, rec("cli", { mail: "chen@contoso.com" }));
    assert.equal(e.outcome, "softMatchSmtp");
    assert.equal(e.row, "10");
  });

  it("r9 P5a [U]: mail equals another user's primary but kept secondaries exist → no promotion, no soft match (new object, secondary quarantined)", async () => {
    const w = await world({ users: [{ key: "alva", ...mailbox("alva@contoso.com") }] });
    const e = one(
      w,
      rec("awood", { mail: "alva@contoso.com", proxyAddresses: ["smtp:alva@contoso.com", "X500:/o=C/cn=a"] }),
    );
    assert.equal(e.outcome, "provisioned");
    assert.deepEqual(
      e.quarantined?.map((q) => [q.property, q.conflictsWithId]),
      [["ProxyAddresses", w.id("alva")]],
    );
  });

  it("r9 P3: an address on the initial domain never soft-matches; with UPN soft match off it is a duplicate", async () => {
    const w = await world({
      users: [{ key: "x", mail: `x@${INITIAL}`, proxyAddresses: [`SMTP:x@${INITIAL}`] }],
      features: { softMatchOnUpnEnabled: false },
    });
    const e = one(w, rec("x", { proxyAddresses: [`SMTP:x@${INITIAL}`], mail: `x@${INITIAL}` }));
    assert.equal(e.outcome, "provisioned");
    assert.notEqual(e.cloudUserId, w.id("x"));
  });

  it("r11 row 11: SMTP finds nothing, the on-prem UPN equals a user's UPN and softMatchOnUpnEnabled → soft match on UPN", async () => {
    const w = await world({ users: [{ key: "bruno" }] });
    const e = one(w, rec("bcosta", { userPrincipalName: "bruno@contoso.com" }));
    assert.equal(e.outcome, "softMatchUpn");
    assert.equal(e.cloudUserId, w.id("bruno"));
  });

  it("r11 row 12: softMatchOnUpnEnabled false → no UPN match, a new object with the UPN quarantined", async () => {
    const w = await world({ users: [{ key: "bruno" }], features: { softMatchOnUpnEnabled: false } });
    const e = one(w, rec("bcosta", { userPrincipalName: "bruno@contoso.com" }));
    assert.equal(e.outcome, "provisioned");
    assert.equal(e.row, "12");
    assert.equal(e.quarantined?.[0]?.property, "UserPrincipalName");
    assert.match(e.quarantined?.[0]?.replacement ?? "", /^bruno\d{4}@contosolab\.onmicrosoft\.com$/);
  });

  it("r9 no fallback: once SMTP found a holder (refused), the UPN rule is not tried", async () => {
    const w = await world({
      users: [
        {
          key: "synced",
          ...mailbox("p@contoso.com"),
          onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==",
          onPremisesSyncEnabled: true,
        },
        { key: "upnuser" },
      ],
    });
    const e = one(
      w,
      rec("p", { proxyAddresses: ["SMTP:p@contoso.com"], userPrincipalName: "upnuser@contoso.com" }),
    );
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.conflictsWithId, w.id("synced"));
    assert.equal(w.t.users.get(w.id("upnuser"))?.onPremisesSyncEnabled, null);
  });

  it("r9 row 13: a cloud-managed user pre-stamped with another ImmutableId → InvalidSoftMatch and a new object", async () => {
    const w = await world({
      users: [
        { key: "pre", ...mailbox("pre@contoso.com"), onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==" },
      ],
    });
    const e = one(w, rec("pre", { mail: "pre@contoso.com" }));
    assert.equal(e.outcome, "provisioned");
    assert.equal(e.error?.name, "InvalidSoftMatch");
    assert.equal(e.error?.conflictsWithId, w.id("pre"));
    assert.deepEqual(
      e.quarantined?.map((q) => q.property),
      ["ProxyAddresses"],
    );
  });

  it("r24 resiliency is always on (correction 2026-11-28): quarantine flags reading false still provision with quarantined values", async () => {
    const w = await world({
      users: [
        { key: "pre", ...mailbox("pre@contoso.com"), onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==" },
      ],
      features: {
        quarantineUponProxyAddressesConflictEnabled: false,
        quarantineUponUpnConflictEnabled: false,
      },
    });
    const e = one(w, rec("pre", { mail: "pre@contoso.com", userPrincipalName: "pre@contoso.com" }));
    assert.equal(e.outcome, "provisioned");
    assert.deepEqual(
      e.quarantined?.map((q) => q.property),
      ["UserPrincipalName", "ProxyAddresses"],
    );
  });

  it("r9 row 14: the holder has an active directory role → ExistingAdminRoleConflict and a new object", async () => {
    const w = await world({
      users: [{ key: "gina", ...mailbox("gina@contoso.com") }],
      roles: [{ key: "gina", role: "Global Administrator", kind: "active" }],
    });
    const e = one(w, rec("gmarsh", { mail: "gina@contoso.com" }));
    assert.equal(e.outcome, "provisioned");
    assert.equal(e.error?.name, "ExistingAdminRoleConflict");
    assert.equal(w.t.users.get(w.id("gina"))?.onPremisesSyncEnabled, null);
  });

  it("r9 row 15 [U, Semperis 2022]: a PIM-eligible-only holder is soft-matched", async () => {
    const w = await world({
      users: [{ key: "pat", ...mailbox("pat@contoso.com") }],
      roles: [{ key: "pat", role: "Privileged Role Administrator", kind: "eligible" }],
    });
    const e = one(w, rec("pk", { mail: "pat@contoso.com" }));
    assert.equal(e.outcome, "softMatchSmtp");
    assert.equal(e.row, "15");
  });

  it("r9 row 16: blockSoftMatchEnabled → no soft match, a new object with the duplicate SMTP quarantined", async () => {
    const w = await world({
      users: [{ key: "alva", ...mailbox("alva@contoso.com") }],
      features: { blockSoftMatchEnabled: true },
    });
    const e = one(w, rec("awood", { mail: "alva@contoso.com" }));
    assert.equal(e.outcome, "provisioned");
    assert.equal(e.row, "16");
    assert.deepEqual(
      e.quarantined?.map((q) => q.property),
      ["ProxyAddresses"],
    );
  });

  it("r9 row 17: a group holding the primary → ObjectTypeMismatch, blocked, nothing created", async () => {
    const w = await world({
      groups: [
        { displayName: "Sales", mail: "sales@contoso.com", proxyAddresses: ["SMTP:sales@contoso.com"] },
      ],
    });
    const before = w.t.users.size;
    const e = one(w, rec("s", { proxyAddresses: ["SMTP:sales@contoso.com"] }));
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "ObjectTypeMismatch");
    assert.equal(e.error?.conflictsWithType, "group");
    assert.equal(w.t.users.size, before);
  });

  it("r9 row 17: an org contact holding the primary → ObjectTypeMismatch", async () => {
    const w = await world({
      contacts: [{ displayName: "Ext", mail: "ext@contoso.com", proxyAddresses: ["SMTP:ext@contoso.com"] }],
    });
    const e = one(w, rec("ext", { mail: "ext@contoso.com" }));
    assert.equal(e.error?.name, "ObjectTypeMismatch");
    assert.equal(e.error?.conflictsWithType, "contact");
  });

  it("row 18: a secondary smtp: equal to a user's primary never soft-matches; it is quarantined on the new object", async () => {
    const w = await world({ users: [{ key: "alva", ...mailbox("alva@contoso.com") }] });
    const e = one(w, rec("n", { proxyAddresses: ["SMTP:n@contoso.com", "smtp:alva@contoso.com"] }));
    assert.equal(e.outcome, "provisioned");
    assert.deepEqual(
      e.quarantined?.map((q) => q.value),
      ["smtp:alva@contoso.com"],
    );
  });

  it("r24 E5 known issue (row 18): a secondary smtp: equal to a GROUP's primary → blocked with a proxy conflict", async () => {
    const w = await world({ groups: [{ displayName: "Sales", proxyAddresses: ["SMTP:sales@contoso.com"] }] });
    const before = w.t.users.size;
    const e = one(w, rec("n", { proxyAddresses: ["SMTP:n@contoso.com", "smtp:sales@contoso.com"] }));
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "AttributeValueMustBeUnique");
    assert.equal(e.error?.attributeConflictName, "ProxyAddresses");
    assert.equal(e.error?.conflictsWithType, "group");
    assert.equal(w.t.users.size, before);
  });

  it("r24: uniqueness covers contacts and groups — a secondary held by a contact is quarantined (dropped)", async () => {
    const w = await world({
      contacts: [{ displayName: "Ext", proxyAddresses: ["SMTP:ext@contoso.com", "smtp:alias@contoso.com"] }],
    });
    const e = one(w, rec("n", { proxyAddresses: ["SMTP:n@contoso.com", "smtp:alias@contoso.com"] }));
    assert.equal(e.outcome, "provisioned");
    const contactId = [...w.t.contacts.keys()][0];
    assert.deepEqual(
      e.quarantined?.map((q) => [q.value, q.conflictsWithId]),
      [["smtp:alias@contoso.com", contactId]],
    );
    assert.ok(!w.t.users.get(e.cloudUserId ?? "")?.proxyAddresses.includes("smtp:alias@contoso.com"));
  });

  it("r9 row 19: a synced user with another anchor and another SID holds the primary → AttributeValueMustBeUnique (ProxyAddresses), no new object", async () => {
    const w = await world({
      users: [
        {
          key: "sam",
          ...mailbox("sam@contoso.com"),
          onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==",
          onPremisesSyncEnabled: true,
          onPremisesSecurityIdentifier: OTHER_SID,
        },
      ],
    });
    const before = w.t.users.size;
    const e = one(w, rec("staylor", { mail: "sam@contoso.com" }));
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "AttributeValueMustBeUnique");
    assert.equal(e.error?.attributeConflictName, "ProxyAddresses");
    assert.equal(w.t.users.size, before);
  });

  it("r9 row 20: same, but the holder's SID equals ours → AttributeConflictName OnPremiseSecurityIdentifier", async () => {
    const w = await world({
      users: [
        {
          key: "sam",
          ...mailbox("sam@contoso.com"),
          onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==",
          onPremisesSyncEnabled: true,
          onPremisesSecurityIdentifier: SID,
        },
      ],
    });
    const e = one(w, rec("staylor", { mail: "sam@contoso.com" }));
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.attributeConflictName, "OnPremiseSecurityIdentifier");
  });

  it("r11 [U]: the UPN rule refuses a synced holder like the SMTP rule (rows 19/20 conflict names)", async () => {
    const w = await world({
      users: [
        {
          key: "u",
          onPremisesImmutableId: "Hjx6G02POkyaK15vfYybCg==",
          onPremisesSyncEnabled: true,
          onPremisesSecurityIdentifier: OTHER_SID,
        },
      ],
    });
    const e = one(w, rec("u", { userPrincipalName: "u@contoso.com" }));
    assert.equal(e.outcome, "blocked");
    assert.equal(e.error?.name, "AttributeValueMustBeUnique");
    assert.equal(e.error?.attributeConflictName, "ProxyAddresses");
  });

  it("r24 row 24: no match of any kind → a new object with the on-prem UPN and the MOERA as a secondary", async () => {
    const w = await world();
    const e = one(
      w,
      rec("new", { userPrincipalName: "new@contoso.com", proxyAddresses: ["SMTP:new@contoso.com"] }),
    );
    assert.equal(e.outcome, "provisioned");
    assert.equal(e.row, "24");
    const u = w.t.users.get(e.cloudUserId ?? "");
    assert.equal(u?.userPrincipalName, "new@contoso.com");
    assert.deepEqual(u?.proxyAddresses, ["SMTP:new@contoso.com", `smtp:new@${INITIAL}`]);
    assert.equal(u?.mail, "new@contoso.com");
  });
});
