/**
 * predictJoin against the decision table of matching-rules §8: one case per row relevant to linking a
 * user (2-16, 18, 19, 21, 24, 25, 26, plus 1, 17 and 20 which the code also covers), the §0 ordering
 * (hard, then SMTP, then UPN, no fallback after a refusal), and the handling of unknown facts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CloudCandidateFacts,
  type JoinCollisions,
  type JoinFacts,
  type JoinPrediction,
  type OnPremisesJoinFacts,
  predictJoin,
  primarySmtpOf,
  type TenantSyncFeatures,
} from "../../provider/core";

const SA = "eFY0Erya8N4SNFZ4mrze8A=="; // vector 1 of matching-rules §1.4
const OTHER_ANCHOR = "Hjx6G02POkyaK15vfYybCg=="; // vector 2
const CLOUD_ID = "0b4a7f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const OTHER_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
const GA = { displayName: "Global Administrator", isPrivileged: true };
const PRA = { displayName: "Privileged Role Administrator", isPrivileged: true };
const READERS = { displayName: "Directory Readers", isPrivileged: false };

interface Overrides {
  onPremises?: Partial<OnPremisesJoinFacts>;
  cloud?: Partial<CloudCandidateFacts>;
  features?: Partial<TenantSyncFeatures>;
  verifiedDomains?: string[];
  collisions?: Partial<JoinCollisions>;
  asOf?: Date;
}

/** Row 9 by default: a cloud-managed user with the same UPN and primary SMTP, tenant defaults known. */
function facts(o: Overrides = {}): JoinFacts {
  const f: JoinFacts = {
    onPremises: {
      sourceAnchor: SA,
      userPrincipalName: "alice@contoso.com",
      primarySmtp: "alice@contoso.com",
      inSyncScope: true,
      securityIdentifier: "S-1-5-21-1004336348-1177238915-682003330-1104",
      objectGuid: "12345678-9abc-def0-1234-56789abcdef0",
      ...o.onPremises,
    },
    cloud: {
      id: CLOUD_ID,
      userPrincipalName: "Alice@contoso.com",
      primarySmtp: "Alice@Contoso.com",
      onPremisesImmutableId: null,
      onPremisesSyncEnabled: null,
      activeRoles: [],
      eligibleRoles: [],
      isFederatedDomainUpn: false,
      ...o.cloud,
    },
    tenant: {
      features: {
        blockSoftMatchEnabled: false,
        blockCloudObjectTakeoverThroughHardMatchEnabled: false,
        softMatchOnUpnEnabled: true,
        ...o.features,
      },
      verifiedDomains: o.verifiedDomains ?? ["contoso.com", "contosolab.onmicrosoft.com"],
    },
    collisions: {
      cloudObjectsWithSourceAnchor: [],
      cloudObjectsWithUpn: [],
      cloudObjectsWithSmtp: [],
      adObjectsWithUpn: [],
      adObjectsWithSmtp: [],
      ...o.collisions,
    },
  };
  if (o.asOf !== undefined) f.asOf = o.asOf;
  return f;
}

const hardMatchable: Overrides["cloud"] = { onPremisesImmutableId: SA };
const AFTER_HARDENING = new Date("2026-11-01T00:00:00Z");

interface Case {
  name: string;
  overrides: Overrides;
  outcome: JoinPrediction["outcome"];
  errorName?: JoinPrediction["errorName"];
  uncertain: boolean;
  /** A ruleRef the prediction must cite. */
  ref: string;
  /** Text the warnings must contain (uncertain cases cite their row there). */
  warning?: RegExp;
  reason?: RegExp;
}

const row = (n: number): string => `matching-rules §8 row ${n}`;

const ROWS: Case[] = [
  {
    name: "row 1: out of sync scope -> nothing exported",
    overrides: { onPremises: { inSyncScope: false } },
    outcome: "blocked",
    uncertain: false,
    ref: row(1),
  },
  {
    name: "row 2: sourceAnchor equals the cloud-managed user's ImmutableId -> hard match",
    overrides: { cloud: hardMatchable },
    outcome: "hardMatch",
    uncertain: false,
    ref: row(2),
    reason: /takes it over/,
  },
  {
    name: "row 3: blockCloudObjectTakeoverThroughHardMatchEnabled -> InvalidHardMatch",
    overrides: { cloud: hardMatchable, features: { blockCloudObjectTakeoverThroughHardMatchEnabled: true } },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: false,
    ref: row(3),
  },
  {
    name: "row 4: active privileged role, date unknown -> blocked (safe), uncertain",
    overrides: { cloud: { ...hardMatchable, activeRoles: [GA] } },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: true,
    ref: row(4),
    warning: /row 4 \[U\]/,
  },
  {
    name: "row 4: active privileged role after July 2026 -> blocked, certain",
    overrides: { cloud: { ...hardMatchable, activeRoles: [GA] }, asOf: AFTER_HARDENING },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: false,
    ref: row(4),
  },
  {
    name: "row 4: only a non-privileged role -> blocked (privileged vs any role [U]), uncertain even after 2026",
    overrides: { cloud: { ...hardMatchable, activeRoles: [READERS] }, asOf: AFTER_HARDENING },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: true,
    ref: row(4),
    warning: /row 4 \[U\]/,
  },
  {
    name: "row 5: only PIM-eligible for a privileged role -> hard match blocked (safe), uncertain",
    overrides: { cloud: { ...hardMatchable, eligibleRoles: [PRA] } },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: true,
    ref: row(5),
    warning: /row 5 \[U\]/,
  },
  {
    name: "row 6: candidate mapped to another on-prem object -> AttributeUpdateNotAllowed, uncertain before rollout",
    overrides: {
      cloud: { ...hardMatchable, onPremisesObjectIdentifier: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" },
    },
    outcome: "blocked",
    errorName: "AttributeUpdateNotAllowed",
    uncertain: true,
    ref: row(6),
    warning: /row 6 \[U\]/,
  },
  {
    name: "row 6: after the rollout, bypass flag known off -> blocked, certain",
    overrides: {
      cloud: { ...hardMatchable, onPremisesObjectIdentifier: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" },
      features: { allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: false },
      asOf: AFTER_HARDENING,
    },
    outcome: "blocked",
    errorName: "AttributeUpdateNotAllowed",
    uncertain: false,
    ref: row(6),
  },
  {
    name: "row 7: soft-deleted, previously synced candidate -> restored by hard match",
    overrides: { cloud: { ...hardMatchable, onPremisesSyncEnabled: false, isSoftDeleted: true } },
    outcome: "hardMatch",
    uncertain: false,
    ref: row(7),
    reason: /recycle bin/,
  },
  {
    name: "row 7: soft-deleted candidate with the block flag on -> InvalidHardMatch",
    overrides: {
      cloud: { ...hardMatchable, onPremisesSyncEnabled: false, isSoftDeleted: true },
      features: { blockCloudObjectTakeoverThroughHardMatchEnabled: true },
    },
    outcome: "blocked",
    errorName: "InvalidHardMatch",
    uncertain: false,
    ref: row(7),
  },
  {
    name: "row 8: anchor held by a user synced from another AD object -> uniqueness conflict, code [U]",
    overrides: {
      cloud: {
        ...hardMatchable,
        onPremisesSyncEnabled: true,
        onPremisesSecurityIdentifier: "S-1-5-21-9-9-9-2001",
      },
    },
    outcome: "blocked",
    errorName: "SourceAnchorUniquenessViolation",
    uncertain: true,
    ref: row(8),
    warning: /row 8 \[U\]/,
  },
  {
    name: "row 9: primary SMTP equals the candidate's primary SMTP -> soft match on SMTP",
    overrides: {},
    outcome: "softMatchSmtp",
    uncertain: false,
    ref: row(9),
  },
  {
    name: "row 10: proxyAddresses empty, mail equals the candidate's primary SMTP -> soft match",
    overrides: {
      onPremises: {
        userPrincipalName: "asmith@contoso.com",
        primarySmtp: primarySmtpOf([], "alice@contoso.com"),
        primarySmtpFromMail: true,
      },
    },
    outcome: "softMatchSmtp",
    uncertain: false,
    ref: row(10),
  },
  {
    name: "row 11: no SMTP, UPN equal, SoftMatchOnUpn on -> soft match on UPN",
    overrides: { onPremises: { primarySmtp: null }, cloud: { primarySmtp: null } },
    outcome: "softMatchUpn",
    uncertain: false,
    ref: row(11),
  },
  {
    name: "row 12: only the UPN matches and SoftMatchOnUpn is off -> new object, UPN quarantined",
    overrides: {
      onPremises: { primarySmtp: null },
      cloud: { primarySmtp: null },
      features: { softMatchOnUpnEnabled: false },
    },
    outcome: "newObject",
    uncertain: false,
    ref: row(12),
    reason: /quarantined/,
  },
  {
    name: "row 13: candidate carries a different ImmutableId -> not matched (InvalidSoftMatch), new object",
    overrides: { cloud: { onPremisesImmutableId: OTHER_ANCHOR, onPremisesSyncEnabled: false } },
    outcome: "newObject",
    errorName: "InvalidSoftMatch",
    uncertain: false,
    ref: row(13),
  },
  {
    name: "row 14: candidate holds an active admin role -> Existing Admin Role Conflict",
    overrides: { cloud: { activeRoles: [GA] } },
    outcome: "newObject",
    errorName: "ExistingAdminRoleConflict",
    uncertain: false,
    ref: row(14),
  },
  {
    name: "row 15: candidate only PIM-eligible -> soft match as Semperis observed, uncertain",
    overrides: { cloud: { eligibleRoles: [GA] } },
    outcome: "softMatchSmtp",
    uncertain: true,
    ref: row(15),
    warning: /row 15 \[U\]/,
  },
  {
    name: "row 16: blockSoftMatchEnabled -> new object, exact error [U]",
    overrides: { features: { blockSoftMatchEnabled: true } },
    outcome: "newObject",
    uncertain: true,
    ref: row(16),
    warning: /row 16 \[U\]/,
  },
  {
    name: "row 17: the planned SMTP belongs to a cloud group -> ObjectTypeMismatch",
    overrides: {
      cloud: { primarySmtp: null, userPrincipalName: "alice.smith@contoso.com" },
      collisions: { cloudObjectsWithSmtp: [{ id: OTHER_ID, objectType: "group", asPrimary: true }] },
    },
    outcome: "blocked",
    errorName: "ObjectTypeMismatch",
    uncertain: false,
    ref: row(17),
  },
  {
    name: "row 18: only a secondary smtp: overlaps -> no soft match, new object, uncertain",
    overrides: {
      cloud: {
        userPrincipalName: "alice.smith@contoso.com",
        primarySmtp: "alice.smith@contoso.com",
        secondarySmtp: ["alice@contoso.com"],
      },
    },
    outcome: "newObject",
    errorName: "AttributeValueMustBeUnique",
    uncertain: true,
    ref: row(18),
    warning: /row 18 \[U\]/,
  },
  {
    name: "row 19: same UPN and SMTP as a user synced with another anchor and SID -> AttributeValueMustBeUnique",
    overrides: {
      cloud: {
        onPremisesImmutableId: OTHER_ANCHOR,
        onPremisesSyncEnabled: true,
        onPremisesSecurityIdentifier: "S-1-5-21-9-9-9-2001",
      },
    },
    outcome: "blocked",
    errorName: "AttributeValueMustBeUnique",
    uncertain: false,
    ref: row(19),
    reason: /AttributeConflictName=ProxyAddresses/,
  },
  {
    name: "row 20: as 19 but the same SID (re-provisioned AD object) -> conflict on OnPremiseSecurityIdentifier",
    overrides: {
      cloud: {
        onPremisesImmutableId: OTHER_ANCHOR,
        onPremisesSyncEnabled: true,
        onPremisesSecurityIdentifier: "S-1-5-21-1004336348-1177238915-682003330-1104",
      },
    },
    outcome: "blocked",
    errorName: "AttributeValueMustBeUnique",
    uncertain: false,
    ref: row(20),
    reason: /AttributeConflictName=OnPremiseSecurityIdentifier/,
  },
  {
    name: "row 21: already joined; the planned UPN is held by another cloud user -> AttributeValueMustBeUnique",
    overrides: {
      cloud: {
        ...hardMatchable,
        onPremisesSyncEnabled: true,
        onPremisesSecurityIdentifier: "S-1-5-21-1004336348-1177238915-682003330-1104",
      },
      collisions: { cloudObjectsWithUpn: [{ id: OTHER_ID, objectType: "user" }] },
    },
    outcome: "alreadyJoined",
    errorName: "AttributeValueMustBeUnique",
    uncertain: false,
    ref: row(21),
  },
  {
    name: "row 24: nothing matches, UPN suffix verified -> new object with the on-prem UPN",
    overrides: {
      cloud: { userPrincipalName: "alice.old@contoso.com", primarySmtp: null },
      onPremises: { primarySmtp: null },
    },
    outcome: "newObject",
    uncertain: false,
    ref: row(24),
    reason: /new cloud user alice@contoso\.com/,
  },
  {
    name: "row 25: nothing matches, UPN suffix unverified (.local) -> new object with an onmicrosoft.com UPN",
    overrides: {
      cloud: { primarySmtp: null },
      onPremises: { userPrincipalName: "alice@corp.local", primarySmtp: null },
    },
    outcome: "newObject",
    uncertain: false,
    ref: row(25),
    reason: /corp\.local is not a verified domain/,
  },
  {
    name: "row 25: nothing matches, UPN with invalid characters -> new object with an onmicrosoft.com UPN",
    overrides: {
      cloud: { primarySmtp: null },
      onPremises: { userPrincipalName: "alice smith@contoso.com", primarySmtp: null },
    },
    outcome: "newObject",
    uncertain: false,
    ref: row(25),
    reason: /UPN_WHITESPACE/,
  },
  {
    name: "row 26: candidate UPN on a federated domain -> new object (safe), uncertain",
    overrides: { cloud: { isFederatedDomainUpn: true } },
    outcome: "newObject",
    uncertain: true,
    ref: row(26),
    warning: /row 26 \[U\]/,
  },
];

const ORDERING: Case[] = [
  {
    name: "hard match wins over SMTP and UPN matches",
    overrides: { cloud: hardMatchable },
    outcome: "hardMatch",
    uncertain: false,
    ref: row(2),
  },
  {
    name: "SMTP is tried before UPN (both match the candidate)",
    overrides: {},
    outcome: "softMatchSmtp",
    uncertain: false,
    ref: row(9),
  },
  {
    name: "SMTP decides even when it finds another user; no fallback to the candidate's UPN match",
    overrides: {
      cloud: { primarySmtp: null },
      collisions: { cloudObjectsWithSmtp: [{ id: OTHER_ID, objectType: "user", asPrimary: true }] },
    },
    outcome: "blocked",
    uncertain: false,
    ref: "matching-rules §0",
    reason: new RegExp(`would consider ${OTHER_ID}`),
  },
  {
    name: "an SMTP match refused for an ImmutableId does not fall back to UPN",
    overrides: { cloud: { onPremisesImmutableId: OTHER_ANCHOR } },
    outcome: "newObject",
    errorName: "InvalidSoftMatch",
    uncertain: false,
    ref: row(13),
  },
  {
    name: "the UPN step finds another cloud user -> blocked, it would be taken over instead",
    overrides: {
      onPremises: { primarySmtp: null },
      cloud: { userPrincipalName: "alice.smith@contoso.com", primarySmtp: null },
      collisions: { cloudObjectsWithUpn: [{ id: OTHER_ID, objectType: "user" }] },
    },
    outcome: "blocked",
    uncertain: false,
    ref: "matching-rules §0",
  },
  {
    name: "another cloud object already holds the sourceAnchor -> hard match goes there",
    overrides: { collisions: { cloudObjectsWithSourceAnchor: [{ id: OTHER_ID, objectType: "user" }] } },
    outcome: "blocked",
    uncertain: false,
    ref: "matching-rules §1.6",
  },
];

function check(c: Case): JoinPrediction {
  const p = predictJoin(facts(c.overrides));
  assert.equal(p.outcome, c.outcome, p.reason);
  assert.equal(p.errorName, c.errorName, p.reason);
  assert.equal(p.uncertain, c.uncertain, p.warnings.join(" | "));
  assert.ok(p.ruleRefs.includes(c.ref), `ruleRefs ${JSON.stringify(p.ruleRefs)} lack ${c.ref}`);
  if (c.warning !== undefined) {
    assert.ok(
      p.warnings.some((w) => c.warning?.test(w)),
      `no warning matches ${c.warning}: ${p.warnings.join(" | ")}`,
    );
  }
  if (c.reason !== undefined) assert.match(p.reason, c.reason);
  // An uncertain prediction always says why; a certain, error-free one has nothing to warn about.
  if (c.uncertain) assert.ok(p.warnings.length > 0);
  if (!c.uncertain && c.errorName === undefined) assert.deepEqual(p.warnings, []);
  return p;
}

describe("predictJoin: decision table rows (matching-rules §8)", () => {
  for (const c of ROWS) {
    it(c.name, () => {
      check(c);
    });
  }
});

describe("predictJoin: order hard -> SMTP -> UPN (matching-rules §0)", () => {
  for (const c of ORDERING) {
    it(c.name, () => {
      check(c);
    });
  }
});

describe("predictJoin: targets and details", () => {
  it("a match names the candidate as target; a new object names none", () => {
    assert.equal(predictJoin(facts({ cloud: hardMatchable })).targetObjectId, CLOUD_ID);
    assert.equal(predictJoin(facts()).targetObjectId, CLOUD_ID);
    assert.equal(predictJoin(facts({ cloud: { activeRoles: [GA] } })).targetObjectId, undefined);
  });
  it("already joined from the same anchor and SID -> alreadyJoined, nothing to warn about", () => {
    const p = predictJoin(
      facts({
        cloud: {
          ...hardMatchable,
          onPremisesSyncEnabled: true,
          onPremisesSecurityIdentifier: "S-1-5-21-1004336348-1177238915-682003330-1104",
        },
      }),
    );
    assert.deepEqual(
      {
        outcome: p.outcome,
        errorName: p.errorName,
        uncertain: p.uncertain,
        warnings: p.warnings,
        target: p.targetObjectId,
      },
      { outcome: "alreadyJoined", errorName: undefined, uncertain: false, warnings: [], target: CLOUD_ID },
    );
  });
  it("the onPremisesObjectIdentifier of this very AD object does not block", () => {
    const p = predictJoin(
      facts({
        cloud: { ...hardMatchable, onPremisesObjectIdentifier: "{12345678-9ABC-DEF0-1234-56789ABCDEF0}" },
      }),
    );
    assert.equal(p.outcome, "hardMatch");
  });
  it("the 2026 bypass flag lifts the onPremisesObjectIdentifier block", () => {
    const p = predictJoin(
      facts({
        cloud: { ...hardMatchable, onPremisesObjectIdentifier: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" },
        features: { allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: true },
      }),
    );
    assert.equal(p.outcome, "hardMatch");
  });
  it("a cloud ImmutableId computed with the wrong byte order is called out", () => {
    const p = predictJoin(facts({ cloud: { onPremisesImmutableId: "EjRWeJq83vASNFZ4mrze8A==" } }));
    assert.equal(p.outcome, "newObject");
    assert.equal(p.errorName, "InvalidSoftMatch");
    assert.ok(
      p.warnings.some((w) => w.includes("rfc4122ByteOrder")),
      p.warnings.join(" | "),
    );
  });
  it("a duplicate on-prem SMTP makes the SMTP soft match a race -> blocked, uncertain", () => {
    const c: Case = {
      name: "",
      overrides: { collisions: { adObjectsWithSmtp: ["CN=Alice Old,OU=Staff,DC=corp,DC=local"] } },
      outcome: "blocked",
      errorName: "AttributeValueMustBeUnique",
      uncertain: true,
      ref: row(9),
    };
    check(c);
  });
  it("a hard match with a duplicate value elsewhere still matches, with the uniqueness error", () => {
    const p = check({
      name: "",
      overrides: {
        cloud: hardMatchable,
        collisions: { cloudObjectsWithSmtp: [{ id: OTHER_ID, objectType: "user", asPrimary: false }] },
      },
      outcome: "hardMatch",
      errorName: "AttributeValueMustBeUnique",
      uncertain: false,
      ref: row(2),
    });
    assert.ok(p.warnings.some((w) => w.includes(OTHER_ID)));
  });
});

describe("predictJoin: facts that could not be read", () => {
  const unknown = {
    blockSoftMatchEnabled: undefined,
    blockCloudObjectTakeoverThroughHardMatchEnabled: undefined,
    softMatchOnUpnEnabled: undefined,
  };
  it("unknown features on the hard-match path: default (no block) assumed, flagged", () => {
    const p = predictJoin(facts({ cloud: hardMatchable, features: unknown }));
    assert.equal(p.outcome, "hardMatch");
    assert.equal(p.uncertain, true);
    assert.ok(
      p.warnings.some((w) => w.includes("blockCloudObjectTakeoverThroughHardMatchEnabled could not be read")),
    );
    assert.ok(
      !p.warnings.some((w) => w.includes("softMatchOnUpnEnabled")),
      "only consulted features are reported",
    );
  });
  it("unknown features on the UPN path: SoftMatchOnUpn assumed on, both soft-match flags flagged", () => {
    const p = predictJoin(
      facts({ onPremises: { primarySmtp: null }, cloud: { primarySmtp: null }, features: unknown }),
    );
    assert.equal(p.outcome, "softMatchUpn");
    assert.equal(p.uncertain, true);
    assert.ok(p.warnings.some((w) => /blockSoftMatchEnabled could not be read .*assumed false/.test(w)));
    assert.ok(p.warnings.some((w) => /softMatchOnUpnEnabled could not be read .*assumed true/.test(w)));
  });
  it("unknown features that are never consulted leave the prediction certain", () => {
    const p = predictJoin(
      facts({
        cloud: { userPrincipalName: "other@contoso.com", primarySmtp: null },
        onPremises: { primarySmtp: null },
        features: unknown,
      }),
    );
    assert.equal(p.outcome, "newObject");
    assert.equal(p.uncertain, false);
    assert.deepEqual(p.warnings, []);
  });
  it("unknown sync scope: predicted as if exported, flagged", () => {
    const p = predictJoin(facts({ onPremises: { inSyncScope: undefined } }));
    assert.equal(p.outcome, "softMatchSmtp");
    assert.equal(p.uncertain, true);
    assert.ok(p.warnings.some((w) => w.includes(row(1))));
  });
});
