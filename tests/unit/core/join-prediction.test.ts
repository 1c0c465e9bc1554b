/**
 * predictJoin against docs/matching-model.md §2: one case per rule, on the exported view and the
 * neighbourhood of holders. Unknown tenant flags are evaluated both ways (variants).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exportedView } from "../../../provider/core/exported-view";
import { type JoinFacts, predictJoin, variantFor } from "../../../provider/core/join-prediction";
import type { CloudHolder } from "../../../provider/domain/ports";

const ANCHOR = "eFY0Erya8N4SNFZ4mrze8A==";
const C = "11111111-1111-1111-1111-111111111111";
const X = "22222222-2222-2222-2222-222222222222";
const GA = {
  roleDefinitionId: "62e90394-69f5-4237-9190-012177145e10",
  displayName: "Global Administrator",
  isPrivileged: true,
};
const HELPDESK = { roleDefinitionId: "x", displayName: "Helpdesk Administrator", isPrivileged: false };
const ALL_KNOWN = {
  softMatchOnUpnEnabled: true,
  blockSoftMatchEnabled: false,
  blockCloudObjectTakeoverThroughHardMatchEnabled: false,
};

function facts(
  o: {
    mail?: string | null;
    proxies?: string[];
    upn?: string;
    candidate?: Partial<JoinFacts["candidate"]>;
    holders?: CloudHolder[];
    anchorHolders?: JoinFacts["anchorHolders"];
    features?: JoinFacts["features"];
    sid?: string;
  } = {},
): JoinFacts {
  return {
    sourceAnchor: ANCHOR,
    view: exportedView({
      userPrincipalName: o.upn ?? "alice@contoso.com",
      mail: o.mail === undefined ? "alice@contoso.com" : o.mail,
      proxyAddresses: o.proxies ?? ["SMTP:alice@contoso.com"],
    }),
    ...(o.sid !== undefined ? { onPremisesSecurityIdentifier: o.sid } : {}),
    candidate: {
      id: C,
      userPrincipalName: "alice@contoso.com",
      primarySmtp: "alice@contoso.com",
      onPremisesImmutableId: null,
      onPremisesSyncEnabled: null,
      roles: { active: [], eligible: [] },
      ...o.candidate,
    },
    holders: o.holders ?? [],
    anchorHolders: o.anchorHolders ?? [],
    features: o.features ?? ALL_KNOWN,
    verifiedDomains: ["contoso.com"],
  };
}

const holder = (h: Partial<CloudHolder> & Pick<CloudHolder, "value" | "heldAs">): CloudHolder => ({
  id: X,
  objectType: "user",
  name: "xavier@contoso.com",
  onPremisesSyncEnabled: null,
  onPremisesImmutableId: null,
  ...h,
});

describe("predictJoin: join order (docs/matching-model.md §2)", () => {
  test("row 9: soft match on the primary SMTP address of the declared user", () => {
    const p = predictJoin(facts());
    assert.equal(p.outcome, "softMatchSmtp");
    assert.equal(p.targetObjectId, C);
    assert.equal(p.uncertain, false);
  });
  test("row 10 + §2.1: an unmanaged AD mail equal to another user's primary joins THAT user", () => {
    const p = predictJoin(
      facts({
        mail: "al.old@contoso.com",
        proxies: [],
        candidate: { primarySmtp: null },
        holders: [holder({ value: "al.old@contoso.com", heldAs: "primarySmtp" })],
      }),
    );
    assert.equal(p.outcome, "softMatchSmtp");
    assert.equal(p.targetObjectId, X);
  });
  test("§1 P3: a reserved-domain primary cannot soft match; only the UPN rule joins", () => {
    const f = facts({
      mail: "x@contoso.onmicrosoft.com",
      proxies: ["SMTP:x@contoso.onmicrosoft.com"],
      candidate: { primarySmtp: "x@contoso.onmicrosoft.com" },
    });
    assert.equal(predictJoin(f).outcome, "softMatchUpn");
    const off = predictJoin({ ...f, features: { ...ALL_KNOWN, softMatchOnUpnEnabled: false } });
    assert.equal(off.outcome, "newObject");
  });
  test("unknown softMatchOnUpn: both readings are listed when they differ", () => {
    const p = predictJoin(facts({ mail: null, proxies: [], candidate: { primarySmtp: null }, features: {} }));
    assert.equal(p.uncertain, true);
    assert.equal(variantFor(p, { softMatchOnUpnEnabled: true }).outcome, "softMatchUpn");
    assert.equal(variantFor(p, { softMatchOnUpnEnabled: false }).outcome, "newObject");
    assert.match(p.reason, /softMatchOnUpnEnabled=false/);
  });
  test("unknown flags that do not change the outcome leave the prediction certain", () => {
    const p = predictJoin(facts({ features: { blockSoftMatchEnabled: false } }));
    assert.equal(p.outcome, "softMatchSmtp");
    assert.equal(p.uncertain, false);
    assert.equal(p.variants, undefined);
  });
  test("row 16: blockSoftMatch provisions a new object", () => {
    assert.equal(
      predictJoin(facts({ features: { ...ALL_KNOWN, blockSoftMatchEnabled: true } })).outcome,
      "newObject",
    );
  });
  test("row 2: hard match on the declared user's ImmutableId", () => {
    const p = predictJoin(facts({ candidate: { onPremisesImmutableId: ANCHOR } }));
    assert.equal(p.outcome, "hardMatch");
    assert.equal(p.targetObjectId, C);
  });
  test("row 3: the tenant's hard-match block", () => {
    const p = predictJoin(
      facts({
        candidate: { onPremisesImmutableId: ANCHOR },
        features: { ...ALL_KNOWN, blockCloudObjectTakeoverThroughHardMatchEnabled: true },
      }),
    );
    assert.equal(p.outcome, "blocked");
    assert.equal(p.errorName, "InvalidHardMatch");
  });
  test("rows 4/5: any role blocks the hard match; a non-privileged one is flagged uncertain", () => {
    const ga = predictJoin(
      facts({ candidate: { onPremisesImmutableId: ANCHOR, roles: { active: [], eligible: [GA] } } }),
    );
    assert.equal(ga.outcome, "blocked");
    assert.equal(ga.uncertain, false);
    const helpdesk = predictJoin(
      facts({ candidate: { onPremisesImmutableId: ANCHOR, roles: { active: [HELPDESK], eligible: [] } } }),
    );
    assert.equal(helpdesk.outcome, "blocked");
    assert.equal(helpdesk.uncertain, true);
  });
  test("rows 0/8: synced from this anchor is alreadyJoined; from another SID it is a conflict", () => {
    const same = predictJoin(
      facts({ candidate: { onPremisesImmutableId: ANCHOR, onPremisesSyncEnabled: true } }),
    );
    assert.equal(same.outcome, "alreadyJoined");
    const other = predictJoin(
      facts({
        sid: "S-1-5-21-1-2-3-1001",
        candidate: {
          onPremisesImmutableId: ANCHOR,
          onPremisesSyncEnabled: true,
          onPremisesSecurityIdentifier: "S-1-5-21-9-9-9-1001",
        },
      }),
    );
    assert.equal(other.outcome, "blocked");
    assert.equal(other.uncertain, true);
  });
  test("row 7 / §1.6: another (soft-deleted) user holding the anchor is the one hard-matched", () => {
    const p = predictJoin(
      facts({ anchorHolders: [{ id: X, userPrincipalName: "old@contoso.com", deleted: true }] }),
    );
    assert.equal(p.outcome, "hardMatch");
    assert.equal(p.targetObjectId, X);
  });
  test("row 13: a pre-stamped other ImmutableId makes a new object (InvalidSoftMatch)", () => {
    const p = predictJoin(facts({ candidate: { onPremisesImmutableId: "AAAAAAAAAAAAAAAAAAAAAA==" } }));
    assert.equal(p.outcome, "newObject");
    assert.equal(p.errorName, "InvalidSoftMatch");
  });
  test("rows 19/20: a synced candidate found by SMTP is a conflict, no new object", () => {
    const p = predictJoin(
      facts({
        candidate: { onPremisesImmutableId: "AAAAAAAAAAAAAAAAAAAAAA==", onPremisesSyncEnabled: true },
      }),
    );
    assert.equal(p.outcome, "blocked");
    assert.equal(p.errorName, "AttributeValueMustBeUnique");
  });
  test("row 14: an active role makes a new object; row 15 [U]: eligible only still matches", () => {
    assert.equal(
      predictJoin(facts({ candidate: { roles: { active: [GA], eligible: [] } } })).errorName,
      "ExistingAdminRoleConflict",
    );
    const eligible = predictJoin(facts({ candidate: { roles: { active: [], eligible: [GA] } } }));
    assert.equal(eligible.outcome, "softMatchSmtp");
    assert.equal(eligible.uncertain, true);
  });
  test("row 17: a group holding the primary is an ObjectTypeMismatch", () => {
    const p = predictJoin(
      facts({
        candidate: { primarySmtp: null },
        holders: [
          holder({ value: "alice@contoso.com", heldAs: "primarySmtp", objectType: "group", name: "Sales" }),
        ],
      }),
    );
    assert.equal(p.outcome, "blocked");
    assert.equal(p.errorName, "ObjectTypeMismatch");
  });
  test("row 18: only a secondary overlaps → no soft match by it", () => {
    const p = predictJoin(
      facts({
        upn: "alice@corp.local",
        candidate: { primarySmtp: null },
        holders: [holder({ value: "alice@contoso.com", heldAs: "secondarySmtp" })],
      }),
    );
    assert.equal(p.outcome, "newObject");
  });
  test("SMTP decides: no fallback to the UPN after the SMTP rule found an object", () => {
    const p = predictJoin(
      facts({
        candidate: { primarySmtp: null },
        holders: [holder({ value: "alice@contoso.com", heldAs: "primarySmtp" })],
      }),
    );
    assert.equal(p.targetObjectId, X);
  });
  test("P5a: when the mail promotion is undocumented, both readings are evaluated", () => {
    const p = predictJoin(
      facts({
        mail: "al.old@contoso.com",
        proxies: ["X500:/o=a/cn=x"],
        candidate: { primarySmtp: null },
        holders: [holder({ value: "al.old@contoso.com", heldAs: "primarySmtp" })],
      }),
    );
    assert.equal(p.uncertain, true);
    assert.ok(p.variants?.some((v) => v.targetObjectId === X));
    assert.ok(p.variants?.some((v) => v.targetObjectId === C));
  });
  test("E5 known issue: a secondary equal to a group's primary blocks provisioning", () => {
    const p = predictJoin(
      facts({
        upn: "alice@corp.local",
        proxies: ["SMTP:alice@contoso.com", "smtp:sales@contoso.com"],
        candidate: { primarySmtp: null, userPrincipalName: "other@contoso.com" },
        holders: [
          holder({ value: "sales@contoso.com", heldAs: "primarySmtp", objectType: "group", name: "Sales" }),
        ],
      }),
    );
    assert.equal(p.outcome, "blocked");
  });
  test("ruleRefs point at the repository's matching model", () => {
    for (const r of predictJoin(facts()).ruleRefs) assert.match(r, /^docs\/matching-model\.md#/);
  });
});
