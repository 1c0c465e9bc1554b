/**
 * The Entra Connect decision table (matching-rules.md §8) as data, and the runner that checks one case
 * against the emulator. How the on-premises object is created is the pluggable OnPremDirectory
 * (on-prem-directories.ts): in-memory records or a real AD DC over LDAPS.
 */
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { EmulatorControl } from "../emulator/control-client";
import type {
  CloudContactInput,
  CloudGroupInput,
  CloudUser,
  DeletedCloudUserInput,
  EmulatorBehavior,
  SyncFeatures,
  TenantSeed,
} from "../emulator/model";
import { contosoTenantSeed, legacyTenantSeed } from "../emulator/seeds";
import { guidToImmutableId } from "../emulator/sync/anchor";
import type { SyncOutcome } from "../emulator/sync/types";
import { CLOUD_USERS, type SeedAdUser } from "../fixtures/seed-scenario";
import { type OnPremDirectory, OUT_OF_SCOPE_OU } from "./on-prem-directories";

/** How the cloud side differs from the Contoso seed before the cycle. Declarative, like the case. */
export interface CloudArrangement {
  seed?: "contoso" | "legacy";
  features?: Partial<SyncFeatures>;
  behavior?: Partial<EmulatorBehavior>;
  /** Seed user whose onPremisesImmutableId is pre-stamped with the on-prem object's anchor. */
  stampAnchorOn?: string;
  /** Raw edits of seed users (by key). */
  patch?: { key: string; set: Partial<CloudUser> }[];
  /** Extra role assignments of seed users (by key). */
  roles?: { key: string; role: string; kind: "active" | "eligible" }[];
  groups?: CloudGroupInput[];
  contacts?: CloudContactInput[];
  /** A soft-deleted user (recycle bin) whose onPremisesImmutableId is stamped with the anchor (row 7). */
  deletedWithAnchor?: DeletedCloudUserInput;
}

export interface Expectation {
  outcome: SyncOutcome;
  /** Seed user (key) that the object joined, or that a refused match pointed at (stays untouched). */
  target?: string;
  /** The object a refusal names (error.conflictsWithId) when it is not a seed user: a group, contact or deleted user id. */
  conflictsWithId?: string;
  error?: string;
  errorCode?: number;
  attributeConflictName?: "OnPremiseSecurityIdentifier" | "ProxyAddresses";
  /** Hard match onto the soft-deleted user `cloud.deletedWithAnchor`, restored from the recycle bin (row 7). */
  restored?: boolean;
  /** Quarantined properties of the new object, in order. */
  quarantined?: ("UserPrincipalName" | "ProxyAddresses")[];
  /** UPN of the resulting cloud object. */
  upn?: RegExp;
}

export interface DecisionCase {
  row: string;
  title: string;
  onPrem: Partial<SeedAdUser> & { key: string };
  cloud?: CloudArrangement;
  expect: Expectation;
}

const TAKEOVER_BLOCK = { blockCloudObjectTakeoverThroughHardMatchEnabled: true };
/** Quarantine flags reading false: resiliency stays on (matching-rules §2.4 correction 2026-11-28). */
const QUARANTINE_FLAGS_FALSE = {
  quarantineUponUpnConflictEnabled: false,
  quarantineUponProxyAddressesConflictEnabled: false,
};
const OTHER_SID = "S-1-5-21-3623811015-3361044348-30300820-4242";
const SALES_GROUP = "5a1e5000-0000-4000-8000-000000000017";
const PARTNER_CONTACT = "c0a7ac70-0000-4000-8000-000000000017";
const DELETED_USER = "de1e7ed0-0000-4000-8000-000000000007";
/** Sam as a cloud-managed user pre-stamped with another ImmutableId (row 13), not a synced one (rows 19/20). */
const SAM_CLOUD_MANAGED = [{ key: "sam", set: { onPremisesSyncEnabled: null } }];

export const DECISION_CASES: DecisionCase[] = [
  {
    row: "1",
    title: "out of sync scope: nothing is exported, even though the UPN would match",
    onPrem: { key: "oos1", ou: OUT_OF_SCOPE_OU, userPrincipalName: "alva.wood@contoso.com" },
    expect: { outcome: "filtered" },
  },
  {
    row: "2",
    title: "anchor equals a cloud-managed user's ImmutableId: hard match (takeover)",
    onPrem: { key: "hm2" },
    cloud: { stampAnchorOn: "chen" },
    expect: { outcome: "hardMatch", target: "chen" },
  },
  {
    row: "3",
    title: "as 2 with blockCloudObjectTakeoverThroughHardMatchEnabled: InvalidHardMatch",
    onPrem: { key: "hm3" },
    cloud: { stampAnchorOn: "chen", features: TAKEOVER_BLOCK },
    expect: { outcome: "blocked", target: "chen", error: "InvalidHardMatch" },
  },
  {
    row: "4",
    title: "hard-match target holds an active privileged role: blocked (2026 hardening, emulator default)",
    onPrem: { key: "hm4" },
    cloud: { stampAnchorOn: "gina" },
    expect: { outcome: "blocked", target: "gina", error: "InvalidHardMatch", errorCode: 103 },
  },
  {
    row: "4 (before enforcement)",
    title: "same with blockPrivilegedHardMatch off: the admin is taken over (the SyncJacking risk)",
    onPrem: { key: "hm4b" },
    cloud: { stampAnchorOn: "gina", behavior: { blockPrivilegedHardMatch: false } },
    expect: { outcome: "hardMatch", target: "gina" },
  },
  {
    row: "4 [U: any role]",
    title:
      "hard-match target holds only a NON-privileged active role: blocked too (emulator default, the stricter reading)",
    onPrem: { key: "hm4c" },
    cloud: { stampAnchorOn: "chen", roles: [{ key: "chen", role: "Directory Readers", kind: "active" }] },
    expect: { outcome: "blocked", target: "chen", error: "InvalidHardMatch", errorCode: 103 },
  },
  {
    row: "4 [U: privileged only]",
    title: "same with hardMatchBlockedByAnyRole off (E1's wording): a non-privileged role does not block",
    onPrem: { key: "hm4d" },
    cloud: {
      stampAnchorOn: "chen",
      roles: [{ key: "chen", role: "Directory Readers", kind: "active" }],
      behavior: { hardMatchBlockedByAnyRole: false },
    },
    expect: { outcome: "hardMatch", target: "chen" },
  },
  {
    row: "5",
    title: "hard-match target only PIM-eligible for a privileged role: blocked (2026 hardening)",
    onPrem: { key: "hm5" },
    cloud: { stampAnchorOn: "pat" },
    expect: { outcome: "blocked", target: "pat", error: "InvalidHardMatch", errorCode: 103 },
  },
  {
    row: "6",
    title: "target mapped to another on-prem object (onPremisesObjectIdentifier): AttributeUpdateNotAllowed",
    onPrem: { key: "hm6" },
    cloud: {
      stampAnchorOn: "olivia",
      patch: [
        {
          key: "olivia",
          set: {
            onPremisesSyncEnabled: false,
            onPremisesObjectIdentifier: "0f0e0d0c-0b0a-4908-8706-050403020100",
          },
        },
      ],
    },
    expect: { outcome: "blocked", target: "olivia", error: "AttributeUpdateNotAllowed", errorCode: 96 },
  },
  {
    row: "6 (bypass flag)",
    title: "same with allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: hard match",
    onPrem: { key: "hm6b" },
    cloud: {
      stampAnchorOn: "olivia",
      features: { allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: true },
      patch: [
        {
          key: "olivia",
          set: {
            onPremisesSyncEnabled: false,
            onPremisesObjectIdentifier: "0f0e0d0c-0b0a-4908-8706-050403020100",
          },
        },
      ],
    },
    expect: { outcome: "hardMatch", target: "olivia" },
  },
  {
    row: "7",
    title: "a soft-deleted user holds the anchor: it is restored from the recycle bin and hard-matched",
    onPrem: { key: "hm7" },
    cloud: {
      deletedWithAnchor: {
        key: "gone7",
        id: DELETED_USER,
        userPrincipalName: "gone.seven@contoso.com",
        displayName: "Gone Seven",
        givenName: "Gone",
        surname: "Seven",
        mailNickname: "gone.seven",
        onPremisesSyncEnabled: false,
      },
    },
    expect: { outcome: "hardMatch", conflictsWithId: DELETED_USER, restored: true },
  },
  {
    row: "7 (block flag)",
    title: "same with blockCloudObjectTakeoverThroughHardMatchEnabled: InvalidHardMatch, it stays deleted",
    onPrem: { key: "hm7b" },
    cloud: {
      features: TAKEOVER_BLOCK,
      deletedWithAnchor: {
        key: "gone7b",
        id: DELETED_USER,
        userPrincipalName: "gone.seven@contoso.com",
        displayName: "Gone Seven",
        givenName: "Gone",
        surname: "Seven",
        mailNickname: "gone.seven",
        onPremisesSyncEnabled: false,
      },
    },
    expect: { outcome: "blocked", conflictsWithId: DELETED_USER, error: "InvalidHardMatch" },
  },
  {
    row: "8 [U]",
    title:
      "the anchor is held by a user still synced from an AD object with another SID: blocked (SourceAnchorUniquenessViolation, our label)",
    onPrem: { key: "hm8" },
    cloud: {
      stampAnchorOn: "sam",
      patch: [{ key: "sam", set: { onPremisesSecurityIdentifier: OTHER_SID } }],
    },
    expect: { outcome: "blocked", target: "sam", error: "SourceAnchorUniquenessViolation" },
  },
  {
    row: "9",
    title: "primary SMTP equals the candidate's primary SMTP: soft match on SMTP",
    onPrem: {
      key: "sm9",
      mail: "alva.wood@contoso.com",
      proxyAddresses: ["SMTP:alva.wood@contoso.com", "smtp:awood9@contoso.com"],
    },
    expect: { outcome: "softMatchSmtp", target: "alva" },
  },
  {
    row: "10",
    title: "no proxyAddresses, mail equals the candidate's primary SMTP: soft match (mail becomes primary)",
    onPrem: { key: "sm10", mail: "chen.li@contoso.com" },
    expect: { outcome: "softMatchSmtp", target: "chen" },
  },
  {
    row: "10 (P5a [U])",
    title:
      "mail equals a user's primary but kept secondaries exist: mail is not promoted, no soft match; a new object, the secondary quarantined",
    onPrem: {
      key: "p5a",
      mail: "alva.wood@contoso.com",
      proxyAddresses: ["smtp:alva.wood@contoso.com", "X500:/o=Corp/ou=Users/cn=p5a"],
    },
    expect: { outcome: "provisioned", target: "alva", quarantined: ["ProxyAddresses"] },
  },
  {
    row: "9 (P3)",
    title:
      "the only primary is on the initial (reserved) domain: discarded, never soft-matches; UPN does not match → a new object",
    onPrem: { key: "p3", proxyAddresses: ["SMTP:bruno.costa@contosolab.onmicrosoft.com"] },
    cloud: {
      patch: [
        {
          key: "bruno",
          set: {
            mail: "bruno.costa@contosolab.onmicrosoft.com",
            proxyAddresses: ["SMTP:bruno.costa@contosolab.onmicrosoft.com"],
          },
        },
      ],
    },
    expect: { outcome: "provisioned", target: "bruno" },
  },
  {
    row: "9 (P2)",
    title: "an apostrophe is valid RFC 5322 atext: SMTP:s.o'brien@contoso.com soft-matches",
    onPrem: { key: "p2", proxyAddresses: ["SMTP:s.o'brien@contoso.com"] },
    cloud: {
      patch: [
        {
          key: "siobhan",
          set: { mail: "s.o'brien@contoso.com", proxyAddresses: ["SMTP:s.o'brien@contoso.com"] },
        },
      ],
    },
    expect: { outcome: "softMatchSmtp", target: "siobhan" },
  },
  {
    row: "11",
    title: "only the UPN matches and SoftMatchOnUpn is on: soft match on UPN",
    onPrem: { key: "sm11", userPrincipalName: "bruno.costa@contoso.com" },
    expect: { outcome: "softMatchUpn", target: "bruno" },
  },
  {
    row: "12",
    title: "only the UPN matches, SoftMatchOnUpn off (legacy tenant): new object, UPN quarantined",
    onPrem: { key: "sm12", userPrincipalName: "bruno.costa@contoso.com" },
    cloud: { seed: "legacy" },
    expect: {
      outcome: "provisioned",
      target: "bruno",
      quarantined: ["UserPrincipalName"],
      upn: /^bruno\.costa\d{4}@fabrikamlegacy\.onmicrosoft\.com$/,
    },
  },
  {
    row: "13",
    title:
      "SMTP matches a cloud-managed user pre-stamped with another ImmutableId: InvalidSoftMatch, new object, SMTP quarantined",
    onPrem: { key: "sm13", mail: "sam.taylor@contoso.com" },
    cloud: { patch: SAM_CLOUD_MANAGED },
    expect: {
      outcome: "provisioned",
      target: "sam",
      error: "InvalidSoftMatch",
      quarantined: ["ProxyAddresses"],
    },
  },
  {
    row: "13 (quarantine flags false)",
    title:
      "same with both quarantine flags reading false: resiliency is still on (correction 2026-11-28), a new object",
    onPrem: { key: "sm13b", mail: "sam.taylor@contoso.com" },
    cloud: { patch: SAM_CLOUD_MANAGED, features: QUARANTINE_FLAGS_FALSE },
    expect: {
      outcome: "provisioned",
      target: "sam",
      error: "InvalidSoftMatch",
      quarantined: ["ProxyAddresses"],
    },
  },
  {
    row: "14",
    title:
      "SMTP matches a user with an active admin role: Existing Admin Role Conflict, quarantined new object",
    onPrem: { key: "sm14", mail: "gina.marsh@contoso.com" },
    expect: {
      outcome: "provisioned",
      target: "gina",
      error: "ExistingAdminRoleConflict",
      quarantined: ["ProxyAddresses"],
    },
  },
  {
    row: "15 [U]",
    title:
      "SMTP matches a user only PIM-eligible for a role: soft match (Semperis 2022; current behaviour uncertain)",
    onPrem: { key: "sm15", mail: "pat.kowalski@contoso.com" },
    expect: { outcome: "softMatchSmtp", target: "pat" },
  },
  {
    row: "16",
    title: "blockSoftMatchEnabled: no soft match, new object with the duplicate SMTP quarantined",
    onPrem: { key: "sm16", mail: "alva.wood@contoso.com" },
    cloud: { features: { blockSoftMatchEnabled: true } },
    expect: { outcome: "provisioned", target: "alva", quarantined: ["ProxyAddresses"] },
  },
  {
    row: "17",
    title: "the primary SMTP is a mail-enabled group's primary: ObjectTypeMismatch, blocked",
    onPrem: { key: "ot17", mail: "sales@contoso.com" },
    cloud: {
      groups: [
        {
          id: SALES_GROUP,
          displayName: "Sales",
          mail: "sales@contoso.com",
          mailEnabled: true,
          securityEnabled: false,
          proxyAddresses: ["SMTP:sales@contoso.com"],
        },
      ],
    },
    expect: { outcome: "blocked", conflictsWithId: SALES_GROUP, error: "ObjectTypeMismatch" },
  },
  {
    row: "17 (contact)",
    title: "the primary SMTP is an org contact's primary: ObjectTypeMismatch, blocked",
    onPrem: { key: "ot17c", proxyAddresses: ["SMTP:partner@contoso.com"] },
    cloud: {
      contacts: [
        {
          id: PARTNER_CONTACT,
          displayName: "Partner",
          mail: "partner@contoso.com",
          proxyAddresses: ["SMTP:partner@contoso.com"],
        },
      ],
    },
    expect: { outcome: "blocked", conflictsWithId: PARTNER_CONTACT, error: "ObjectTypeMismatch" },
  },
  {
    row: "18",
    title:
      "only a secondary smtp: equals a user's primary: no soft match; a new object, that value quarantined",
    onPrem: { key: "sec18", proxyAddresses: ["SMTP:sec18@contoso.com", "smtp:alva.wood@contoso.com"] },
    expect: { outcome: "provisioned", target: "alva", quarantined: ["ProxyAddresses"] },
  },
  {
    row: "18 (E5 known issue)",
    title: "a secondary smtp: equals a GROUP's primary: proxy conflict error, blocked, nothing created",
    onPrem: { key: "sec18g", proxyAddresses: ["SMTP:sec18g@contoso.com", "smtp:sales@contoso.com"] },
    cloud: {
      groups: [
        {
          id: SALES_GROUP,
          displayName: "Sales",
          mail: "sales@contoso.com",
          mailEnabled: true,
          securityEnabled: false,
          proxyAddresses: ["SMTP:sales@contoso.com"],
        },
      ],
    },
    expect: {
      outcome: "blocked",
      conflictsWithId: SALES_GROUP,
      error: "AttributeValueMustBeUnique",
      attributeConflictName: "ProxyAddresses",
    },
  },
  {
    row: "19",
    title:
      "SMTP matches a user still synced from another anchor and SID: AttributeValueMustBeUnique (ProxyAddresses), no new object",
    onPrem: { key: "sm19", mail: "sam.taylor@contoso.com" },
    expect: {
      outcome: "blocked",
      target: "sam",
      error: "AttributeValueMustBeUnique",
      attributeConflictName: "ProxyAddresses",
    },
  },
  {
    row: "24",
    title: "no match, UPN suffix verified: new object with the on-prem UPN",
    onPrem: { key: "new24", userPrincipalName: "new.person24@contoso.com" },
    expect: { outcome: "provisioned", upn: /^new\.person24@contoso\.com$/ },
  },
  {
    row: "25",
    title: "no match, UPN suffix unverified (.local): new object on the MOERA",
    onPrem: { key: "new25", userPrincipalName: "new25@corp.local" },
    expect: { outcome: "provisioned", upn: /^new25@contosolab\.onmicrosoft\.com$/ },
  },
  {
    row: "25 (added, unverified domain)",
    title: "no match, UPN on contoso.net (added to the tenant, not verified): MOERA",
    onPrem: { key: "new25b", userPrincipalName: "new25b@contoso.net" },
    expect: { outcome: "provisioned", upn: /^new25b@contosolab\.onmicrosoft\.com$/ },
  },
];

export function adUser(spec: Partial<SeedAdUser> & { key: string }): SeedAdUser {
  return {
    ou: "OU=Staff",
    cn: `Case ${spec.key}`,
    sAMAccountName: spec.key,
    userPrincipalName: `${spec.key}@corp.local`,
    givenName: "Case",
    sn: spec.key,
    displayName: `Case ${spec.key}`,
    ...spec,
  };
}

function seedUser(key: string): (typeof CLOUD_USERS)[number] {
  const u = CLOUD_USERS.find((x) => x.key === key);
  if (!u) throw new Error(`no seed user ${key}`);
  return u;
}

/**
 * Runs one case: a fresh tenant from the case's seed, the on-prem user created through `dir`, one sync
 * cycle through the control API, then assertions on the report and on the tenant.
 */
export async function runDecisionCase(
  control: EmulatorControl,
  dir: OnPremDirectory,
  c: DecisionCase,
): Promise<void> {
  const seed: TenantSeed =
    c.cloud?.seed === "legacy"
      ? legacyTenantSeed({ tenantId: randomUUID() })
      : contosoTenantSeed({ tenantId: randomUUID() });
  if (c.cloud?.features) seed.features = { ...seed.features, ...c.cloud.features };
  if (c.cloud?.behavior) seed.behavior = { ...c.cloud.behavior };
  if (c.cloud?.groups) seed.groups = structuredClone(c.cloud.groups);
  if (c.cloud?.contacts) seed.contacts = structuredClone(c.cloud.contacts);
  const tenant = await control.createTenant(seed);
  const tid = tenant.tenantId;
  const caseId = `Case${c.row.replace(/[^A-Za-z0-9]/g, "")}${randomUUID().slice(0, 4)}`;
  await dir.beginCase(caseId);
  try {
    const created = await dir.createUser(adUser(c.onPrem));
    const anchor = guidToImmutableId(created.objectGuid);
    for (const p of c.cloud?.patch ?? []) await control.patchUser(tid, seedUser(p.key).id, p.set);
    if (c.cloud?.stampAnchorOn)
      await control.patchUser(tid, seedUser(c.cloud.stampAnchorOn).id, {
        onPremisesImmutableId: anchor,
      });
    for (const r of c.cloud?.roles ?? [])
      await control.assignRole(tid, { principalId: seedUser(r.key).id, role: r.role, kind: r.kind });
    if (c.cloud?.deletedWithAnchor)
      await control.addDeletedUsers(tid, [{ ...c.cloud.deletedWithAnchor, onPremisesImmutableId: anchor }]);
    const before = await control.listUsers(tid);
    const snapshotBefore = await control.snapshot(tid);

    const report = await control.runSyncCycle(tid, dir.syncRequest());

    const entry = report.entries.find((e) => e.dn.toLowerCase() === created.dn.toLowerCase());
    const after = await control.listUsers(tid);
    const target = c.expect.target === undefined ? undefined : seedUser(c.expect.target);
    const targetBefore = target && before.find((u) => u.id === target.id);
    const targetAfter = target && after.find((u) => u.id === target.id);

    if (c.expect.outcome === "filtered") {
      // The LDAP import reads only the scope (Connect's OU filtering); in-memory records are filtered by the engine.
      assert.ok(
        entry === undefined || entry.outcome === "filtered",
        `not exported: ${JSON.stringify(entry)}`,
      );
      assert.equal(await control.snapshot(tid), snapshotBefore, "the directory is unchanged");
      return;
    }
    assert.ok(entry, `report has an entry for ${created.dn}: ${JSON.stringify(report.entries)}`);
    assert.equal(entry.outcome, c.expect.outcome, JSON.stringify(entry));
    assert.equal(entry.sourceAnchor, anchor, "anchor = Base64 of objectGUID bytes (ConsistencyGuid empty)");
    assert.equal(entry.error?.name, c.expect.error);
    if (c.expect.errorCode !== undefined) assert.equal(entry.error?.code, c.expect.errorCode);
    assert.equal(entry.error?.attributeConflictName, c.expect.attributeConflictName);
    // A refusal names the object it is about: the seed user, or the group/contact/deleted user.
    if (c.expect.error !== undefined)
      assert.equal(entry.error?.conflictsWithId, c.expect.conflictsWithId ?? target?.id, "the refusal names");
    assert.equal(entry.restored, c.expect.restored);
    assert.deepEqual(
      (entry.quarantined ?? []).map((q) => q.property),
      c.expect.quarantined ?? [],
    );

    if (
      c.expect.outcome === "hardMatch" ||
      c.expect.outcome === "softMatchSmtp" ||
      c.expect.outcome === "softMatchUpn"
    ) {
      if (c.expect.restored === true) {
        // Row 7: the soft-deleted user left the recycle bin and is the joined object.
        const restored = after.find((u) => u.id === c.expect.conflictsWithId);
        assert.ok(restored, "restored into the live users");
        assert.equal(entry.cloudUserId, restored.id);
        assert.equal(after.length, before.length + 1, "restored, not created");
        assert.ok(!(await control.listDeletedUsers(tid)).some((u) => u.id === restored.id));
        assert.equal(restored.onPremisesSyncEnabled, true);
        assert.equal(restored.onPremisesImmutableId, anchor);
        assert.equal((await control.getConnector(tid))[anchor], restored.id);
        return;
      }
      assert.ok(target && targetAfter);
      assert.equal(entry.cloudUserId, target.id);
      assert.equal(after.length, before.length, "no new object");
      assert.equal(targetAfter.onPremisesSyncEnabled, true);
      assert.equal(
        targetAfter.onPremisesImmutableId,
        anchor,
        "stamped with the anchor: later joins are hard matches",
      );
      assert.equal(targetAfter.onPremisesDistinguishedName?.toLowerCase(), created.dn.toLowerCase());
      assert.equal((await control.getConnector(tid))[anchor], target.id);
    } else if (c.expect.outcome === "blocked") {
      assert.equal(entry.cloudUserId, undefined);
      assert.equal(after.length, before.length, "no new object");
      assert.deepEqual(targetAfter, targetBefore, "the candidate is untouched");
      assert.equal((await control.getConnector(tid))[anchor], undefined);
      if (c.cloud?.deletedWithAnchor) {
        const bin = await control.listDeletedUsers(tid);
        assert.ok(
          bin.some((u) => u.id === c.cloud?.deletedWithAnchor?.id),
          "a refused deleted candidate stays in the recycle bin",
        );
      }
    } else {
      assert.equal(c.expect.outcome, "provisioned");
      assert.equal(after.length, before.length + 1);
      const created2 = after.find((u) => u.id === entry.cloudUserId);
      assert.ok(created2 && !before.some((u) => u.id === created2.id), "a new cloud object");
      assert.equal(created2.onPremisesSyncEnabled, true);
      assert.equal(created2.onPremisesImmutableId, anchor);
      if (c.expect.upn) assert.match(created2.userPrincipalName, c.expect.upn);
      assert.deepEqual(
        created2.onPremisesProvisioningErrors.map((e) => e.propertyCausingError),
        c.expect.quarantined ?? [],
      );
      if (targetBefore) assert.deepEqual(targetAfter, targetBefore, "the refused candidate is untouched");
    }
  } finally {
    await dir.endCase();
    await control.deleteTenant(tid);
  }
}
