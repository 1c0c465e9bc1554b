/**
 * Confirmation, pure parts: the verdict from Cloud Sync's on-demand answer (read from the answer's
 * JSON-in-strings shape) and from an Entra Connect observation, and when confirmation is on.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JoinSettings } from "../../../provider/config/settings";
import { judgeOnDemand, type LinkToConfirm } from "../../../provider/confirm/cloud-sync";
import { judgeObservation, type LinkToWatch } from "../../../provider/confirm/connect-wait";
import { confirmationEnabled } from "../../../provider/confirm/index";
import { isConfirmed } from "../../../provider/confirm/types";
import type { OnDemandResult, SyncObservation } from "../../../provider/domain/ports";
import { parseOnDemandAnswer } from "../../../provider/entra/cloud-sync-on-demand";

const ALVA = "1c8f5b62-ad2e-4a3f-9b4c-6e7d8f9a0b02";
const OTHER = "5f5f5f5f-0000-4000-8000-000000000005";
const DN = "CN=Alva Wood,OU=Staff,DC=corp,DC=local";
const AT = new Date("2026-03-04T05:06:07Z");
const cs: LinkToConfirm = {
  linkName: "alva-wood",
  distinguishedName: DN,
  cloudUserId: ALVA,
  userPrincipalName: "alva.wood@contoso.com",
};

/** An answer in provisionOnDemand's shape: `key` and `value` are JSON text. */
function answer(key: unknown, value: unknown): OnDemandResult {
  return parseOnDemandAnswer({ key: JSON.stringify(key), value: JSON.stringify(value) });
}

describe("reading provisionOnDemand's answer", () => {
  it("reads the result, the action, the target and the Matching step's details", () => {
    const r = answer(
      { result: "Success", details: {} },
      {
        action: "Update",
        statusInfo: { status: "Success" },
        targetIdentity: { id: ALVA, type: "User" },
        provisioningSteps: [
          { name: "EntryImportAdd", type: "Import", status: "Success", description: "import" },
          {
            name: "EntryMatching",
            type: "Matching",
            status: "Success",
            description: "matched",
            details: { matchedBy: "proxyAddresses", matchedObjectId: ALVA },
          },
        ],
      },
    );
    assert.equal(r.result, "Success");
    assert.equal(r.action, "Update");
    assert.equal(r.targetObjectId, ALVA);
    assert.equal(r.matchedBy, "proxyAddresses");
    assert.equal(r.matchedObjectId, ALVA);
    assert.deepEqual(
      r.steps.map((s) => s.type),
      ["Import", "Matching"],
    );
  });

  it("a failure's code and reason come from the key's details, else from statusInfo", () => {
    const fromKey = answer(
      { result: "Failure", details: { errorCode: "AttributeValueMustBeUnique", errorMessage: "taken" } },
      { statusInfo: { status: "Failure" }, targetIdentity: { id: null } },
    );
    assert.equal(fromKey.errorCode, "AttributeValueMustBeUnique");
    assert.equal(fromKey.errorMessage, "taken");
    assert.equal(fromKey.targetObjectId, undefined);
    const fromStatus = answer(
      {},
      { statusInfo: { status: "Skipped", errorCode: "NotInScope", reason: "r" } },
    );
    assert.equal(fromStatus.result, "Skipped");
    assert.equal(fromStatus.errorCode, "NotInScope");
    assert.equal(fromStatus.errorMessage, "r");
  });

  it("text that is not JSON reads as an unknown result, not a crash", () => {
    const r = parseOnDemandAnswer({ key: "not json", value: 42 });
    assert.equal(r.result, "Unknown");
    assert.deepEqual(r.steps, []);
  });
});

describe("the verdict from Cloud Sync", () => {
  const base: OnDemandResult = { result: "Success", steps: [] };

  it("an update of the declared user is the join (ids compare case-insensitively)", () => {
    const r = judgeOnDemand(
      cs,
      { ...base, action: "Update", targetObjectId: ALVA.toUpperCase(), matchedBy: "proxyAddresses" },
      AT,
    );
    assert.equal(r.outcome, "joined");
    assert.equal(r.engine, "cloudSync");
    assert.equal(r.matchedBy, "proxyAddresses");
    assert.equal(r.checkedAt, "2026-03-04T05:06:07.000Z");
    assert.equal(r.summary, `Cloud Sync joined ${DN} to alva.wood@contoso.com by proxyAddresses.`);
    assert.ok(isConfirmed(r));
  });

  it("a Create is a duplicate, whatever matched", () => {
    const r = judgeOnDemand(cs, { ...base, action: "Create", targetObjectId: OTHER });
    assert.equal(r.outcome, "duplicate");
    assert.equal(r.cloudObjectId, OTHER);
    assert.match(r.summary, /created a NEW cloud user 5f5f5f5f.*Cloud Sync does not soft-match on the UPN/);
    assert.equal(isConfirmed(r), false);
  });

  it("an update of another object is a join to the wrong user", () => {
    const r = judgeOnDemand(cs, {
      ...base,
      action: "Update",
      matchedObjectId: OTHER,
      matchedBy: "sourceAnchor",
    });
    assert.equal(r.outcome, "joinedOther");
    assert.equal(r.cloudObjectId, OTHER);
    assert.match(r.summary, /ANOTHER cloud object .* by sourceAnchor/);
  });

  it("a refused export fails with its code; an out-of-scope user is skipped", () => {
    const failed = judgeOnDemand(cs, {
      result: "Failure",
      steps: [],
      errorCode: "AttributeValueMustBeUnique",
      errorMessage: "the SMTP address is taken",
    });
    assert.equal(failed.outcome, "failed");
    assert.equal(failed.errorCode, "AttributeValueMustBeUnique");
    assert.match(failed.summary, /AttributeValueMustBeUnique — the SMTP address is taken/);
    const skipped = judgeOnDemand(cs, { result: "Skipped", steps: [], errorCode: "NotInScope" });
    assert.equal(skipped.outcome, "skipped");
    assert.match(skipped.summary, /scope/);
  });
});

describe("the verdict from an Entra Connect observation", () => {
  const ANCHOR = "bAr/a1Wci02i5Ds/PA8dLg==";
  const watched: LinkToWatch = {
    linkName: "alva-wood",
    cloudUserId: ALVA,
    immutableId: ANCHOR,
    userPrincipalName: "alva.wood@contoso.com",
  };
  const obs = (patch: Partial<SyncObservation> = {}): SyncObservation => ({
    id: ALVA,
    userPrincipalName: "alva.wood@contoso.com",
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
    onPremisesLastSyncDateTime: null,
    provisioningErrors: [],
    ...patch,
  });

  it("synced with the link's anchor: joined", () => {
    const joined = obs({ onPremisesImmutableId: ANCHOR, onPremisesSyncEnabled: true });
    const r = judgeObservation(watched, joined, [joined], false, AT);
    assert.equal(r?.outcome, "joined");
    assert.equal(r?.cloudObjectId, ALVA);
    assert.equal(r?.engine, "entraConnect");
  });

  it("a synced holder of the anchor other than the declared user: duplicate, with its quarantine", () => {
    const dup = obs({
      id: OTHER,
      userPrincipalName: "alva.wood4821@contoso.onmicrosoft.com",
      onPremisesImmutableId: ANCHOR,
      onPremisesSyncEnabled: true,
      provisioningErrors: [
        {
          category: "PropertyConflict",
          propertyCausingError: "UserPrincipalName",
          value: "alva.wood@contoso.com",
          occurredDateTime: "2026-01-01T00:00:00Z",
        },
      ],
    });
    const r = judgeObservation(watched, obs(), [dup], false);
    assert.equal(r?.outcome, "duplicate");
    assert.equal(r?.cloudObjectId, OTHER);
    assert.deepEqual(r?.provisioningErrors, ["UserPrincipalName alva.wood@contoso.com (PropertyConflict)"]);
    assert.match(r?.summary ?? "", /NEW cloud user alva\.wood4821@contoso\.onmicrosoft\.com .*quarantined/);
  });

  it("still waiting: no verdict before the timeout, timedOut (with the pending hint) at it", () => {
    const stamped = obs({ onPremisesImmutableId: ANCHOR });
    assert.equal(judgeObservation(watched, stamped, [stamped], false), undefined);
    const r = judgeObservation(watched, stamped, [stamped], true);
    assert.equal(r?.outcome, "timedOut");
    assert.match(r?.summary ?? "", /still cloud-only \(ImmutableId already stamped/);
    const soft = judgeObservation(watched, obs(), [], true);
    assert.doesNotMatch(soft?.summary ?? "", /already stamped/);
  });

  it("synced from another AD object: joinedOther; the user gone: failed", () => {
    const other = judgeObservation(
      watched,
      obs({ onPremisesImmutableId: "x==", onPremisesSyncEnabled: true }),
      [],
      false,
    );
    assert.equal(other?.outcome, "joinedOther");
    assert.equal(judgeObservation(watched, undefined, [], false)?.outcome, "failed");
  });
});

describe("when up confirms", () => {
  const join = (patch: Partial<JoinSettings>): JoinSettings => ({
    syncEngine: "entraConnect",
    confirmJoin: false,
    waitForJoin: false,
    waitForJoinTimeoutSeconds: 600,
    waitForJoinPollSeconds: 30,
    ...patch,
  });

  it("each engine by its own switch only", () => {
    assert.equal(confirmationEnabled(undefined), false);
    assert.equal(confirmationEnabled(join({})), false);
    assert.equal(confirmationEnabled(join({ waitForJoin: true })), true);
    assert.equal(confirmationEnabled(join({ confirmJoin: true })), false);
    assert.equal(confirmationEnabled(join({ syncEngine: "cloudSync", confirmJoin: true })), true);
    assert.equal(confirmationEnabled(join({ syncEngine: "cloudSync", waitForJoin: true })), false);
  });
});
