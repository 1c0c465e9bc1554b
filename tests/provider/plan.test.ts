/** The pure link planner: exact plans for the seed's situations, and its refusals. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { guidToBytes } from "../../provider/core/guid";
import {
  type AdFacts,
  type CloudFacts,
  describeProxyChange,
  planLink,
  syncStateOf,
} from "../../provider/link/plan";
import type { UserLinkDeclaration } from "../../provider/link/types";

const decl = (over: Partial<UserLinkDeclaration> = {}): UserLinkDeclaration => ({
  onPremises: { samAccountName: "x" },
  cloud: { userPrincipalName: "x@contoso.com" },
  match: "soft",
  sourceAnchor: "auto",
  writeConsistencyGuid: false,
  onDelete: "retain",
  allowPrivilegedCloudUser: false,
  ...over,
});

// objectGUID 12345678-9abc-def0-1234-56789abcdef0 → ImmutableId eFY0Erya8N4SNFZ4mrze8A== (matching-rules §1.4).
const objectGuidBytes = guidToBytes("12345678-9abc-def0-1234-56789abcdef0");

const adam: AdFacts = {
  dn: "CN=Adam,OU=Staff,DC=corp,DC=local",
  objectGuidBytes,
  userPrincipalName: "aanderson@corp.local",
  proxyAddresses: [],
};
const adamCloud: CloudFacts = {
  id: "c1",
  userPrincipalName: "adam.anderson@contoso.com",
  mail: "adam.anderson@contoso.com",
  proxyAddresses: ["SMTP:adam.anderson@contoso.com", "smtp:adam.anderson@contosolab.onmicrosoft.com"],
};

test("soft: UPN, mail and the primary SMTP are aligned; nothing planned in the cloud", () => {
  const plan = planLink(decl(), adam, adamCloud);
  assert.deepEqual(plan.summary, [
    "on-premises userPrincipalName: aanderson@corp.local → adam.anderson@contoso.com",
    "on-premises mail: (not set) → adam.anderson@contoso.com",
    "on-premises proxyAddresses: +SMTP:adam.anderson@contoso.com",
  ]);
  assert.deepEqual(plan.changes.cloud, {});
  assert.equal(plan.immutableId, "eFY0Erya8N4SNFZ4mrze8A==");
  assert.equal(plan.sourceAnchorAttribute, "objectGUID");
});

test("hard: the same alignment plus the ImmutableId in Microsoft byte order", () => {
  const plan = planLink(decl({ match: "hard" }), adam, adamCloud);
  assert.equal(plan.summary.at(-1), "cloud onPremisesImmutableId: (not set) → eFY0Erya8N4SNFZ4mrze8A==");
  assert.deepEqual(plan.changes.cloud.onPremisesImmutableId, {
    current: null,
    planned: "eFY0Erya8N4SNFZ4mrze8A==",
  });
});

test("a lower-case primary is re-cased and X500/SIP/secondary values are not touched", () => {
  const alva: AdFacts = {
    ...adam,
    userPrincipalName: "alva.wood@contoso.com",
    mail: "alva.wood@contoso.com",
    proxyAddresses: [
      "smtp:alva.wood@contoso.com",
      "smtp:awood@contoso.com",
      "X500:/o=Corp/cn=awood",
      "SIP:alva.wood@contoso.com",
    ],
  };
  const cloud: CloudFacts = {
    ...adamCloud,
    userPrincipalName: "alva.wood@contoso.com",
    mail: "alva.wood@contoso.com",
    proxyAddresses: ["SMTP:alva.wood@contoso.com"],
  };
  const plan = planLink(decl(), alva, cloud);
  assert.deepEqual(plan.proxy, {
    add: ["SMTP:alva.wood@contoso.com"],
    remove: ["smtp:alva.wood@contoso.com"],
  });
  assert.deepEqual(plan.summary, [
    "on-premises proxyAddresses: smtp:alva.wood@contoso.com → SMTP:alva.wood@contoso.com (primary)",
  ]);
  for (const kept of ["smtp:awood@contoso.com", "X500:/o=Corp/cn=awood", "SIP:alva.wood@contoso.com"]) {
    assert.ok(plan.target.proxyAddresses.includes(kept), kept);
  }
});

test("an existing mS-DS-ConsistencyGuid is the anchor (auto), as Entra Connect does", () => {
  const chen: AdFacts = { ...adam, consistencyGuid: guidToBytes("6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e") };
  const plan = planLink(decl({ match: "hard" }), chen, adamCloud);
  assert.equal(plan.sourceAnchorAttribute, "mS-DS-ConsistencyGuid");
  assert.equal(plan.immutableId, "bAr/a1Wci02i5Ds/PA8dLg==");
  assert.throws(
    () => planLink(decl({ match: "hard", sourceAnchor: "objectGUID" }), chen, adamCloud),
    (err: Error & { code?: string }) => {
      assert.equal(err.name, "InvalidInputError");
      assert.equal(err.code, "SOURCE_ANCHOR_CONFLICT");
      return true;
    },
  );
});

test("writeConsistencyGuid stamps objectGUID first; asking for a ConsistencyGuid anchor without one is refused", () => {
  const plan = planLink(decl({ match: "hard", writeConsistencyGuid: true }), adam, adamCloud);
  assert.deepEqual(plan.changes.onPremises["mS-DS-ConsistencyGuid"], {
    current: null,
    planned: "12345678-9abc-def0-1234-56789abcdef0",
  });
  assert.equal(plan.immutableId, "eFY0Erya8N4SNFZ4mrze8A==");
  assert.throws(
    () => planLink(decl({ sourceAnchor: "mS-DS-ConsistencyGuid" }), adam, adamCloud),
    /SOURCE_ANCHOR_MISSING|has none/,
  );
});

test("a converged pair plans nothing, and a cloud user without a mailbox leaves mail alone", () => {
  const aligned: AdFacts = {
    ...adam,
    userPrincipalName: "adam.anderson@contoso.com",
    mail: "adam.anderson@contoso.com",
    proxyAddresses: ["SMTP:adam.anderson@contoso.com"],
  };
  assert.equal(planLink(decl(), aligned, adamCloud).hasChanges, false);
  const bruno: CloudFacts = { id: "c2", userPrincipalName: "bruno.costa@contoso.com", proxyAddresses: [] };
  const plan = planLink(decl(), { ...adam, userPrincipalName: "bruno.costa@contoso.com" }, bruno);
  assert.equal(plan.hasChanges, false);
  assert.equal(plan.target.mail, null);
});

test("describeProxyChange names re-cased, demoted, added and removed values", () => {
  assert.equal(
    describeProxyChange({
      remove: ["smtp:a@x.com", "SMTP:old@x.com"],
      add: ["SMTP:a@x.com", "smtp:old@x.com", "smtp:new@x.com"],
    }),
    "smtp:a@x.com → SMTP:a@x.com (primary), SMTP:old@x.com → smtp:old@x.com (secondary), +smtp:new@x.com",
  );
});

test("syncState follows Graph's onPremisesSyncEnabled and the anchor", () => {
  const id = "eFY0Erya8N4SNFZ4mrze8A==";
  assert.equal(syncStateOf(adamCloud, id, false), "cloudOnly");
  assert.equal(syncStateOf(adamCloud, id, true), "pendingSync");
  assert.equal(syncStateOf({ ...adamCloud, onPremisesImmutableId: id }, id, false), "pendingSync");
  assert.equal(
    syncStateOf({ ...adamCloud, onPremisesImmutableId: id, onPremisesSyncEnabled: true }, id, true),
    "synced",
  );
  assert.equal(
    syncStateOf({ ...adamCloud, onPremisesImmutableId: "other", onPremisesSyncEnabled: true }, id, true),
    "syncedElsewhere",
  );
});
