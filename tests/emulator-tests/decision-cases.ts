/**
 * The Entra Connect decision table (matching-rules.md §8) as data, and the runner that checks one case
 * against the emulator. How the on-premises object is created is the pluggable OnPremDirectory
 * (on-prem-directories.ts): in-memory records or a real AD DC over LDAPS.
 */
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { EmulatorControl } from "../emulator/control-client";
import type { CloudUser, EmulatorBehavior, SyncFeatures, TenantSeed } from "../emulator/model";
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
}

export interface Expectation {
  outcome: SyncOutcome;
  /** Seed user (key) that the object joined, or that a refused match pointed at (stays untouched). */
  target?: string;
  error?: string;
  errorCode?: number;
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
const NO_RESILIENCY = {
  quarantineUponUpnConflictEnabled: false,
  quarantineUponProxyAddressesConflictEnabled: false,
};

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
    title: "SMTP matches a user with another ImmutableId, resiliency on: new object, SMTP quarantined",
    onPrem: { key: "sm13", mail: "sam.taylor@contoso.com" },
    expect: {
      outcome: "provisioned",
      target: "sam",
      error: "InvalidSoftMatch",
      quarantined: ["ProxyAddresses"],
    },
  },
  {
    row: "13 (no resiliency)",
    title: "same without duplicate-attribute resiliency: InvalidSoftMatch blocks the export",
    onPrem: { key: "sm13b", mail: "sam.taylor@contoso.com" },
    cloud: { features: NO_RESILIENCY },
    expect: { outcome: "blocked", target: "sam", error: "InvalidSoftMatch" },
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
    row: "16",
    title: "blockSoftMatchEnabled: no soft match, new object with the duplicate SMTP quarantined",
    onPrem: { key: "sm16", mail: "alva.wood@contoso.com" },
    cloud: { features: { blockSoftMatchEnabled: true } },
    expect: { outcome: "provisioned", target: "alva", quarantined: ["ProxyAddresses"] },
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
    assert.deepEqual(
      (entry.quarantined ?? []).map((q) => q.property),
      c.expect.quarantined ?? [],
    );

    if (
      c.expect.outcome === "hardMatch" ||
      c.expect.outcome === "softMatchSmtp" ||
      c.expect.outcome === "softMatchUpn"
    ) {
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
