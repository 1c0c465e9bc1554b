/**
 * Predicts what Entra Connect (more exactly, the Entra ID sync service) will do with one on-premises
 * user on its next export, given facts read from both directories. Pure: the caller gathers the facts.
 *
 * The order follows matching-rules §0: hard match on the sourceAnchor first, then soft match on the
 * primary SMTP address, then on the UPN, else a new object. Each branch cites its row of the §8
 * decision table. Where the doc marks a rule uncertain the prediction says so (`uncertain: true` and a
 * warning naming the row) and picks the outcome that keeps the provider from doing harm: a takeover is
 * predicted as blocked, a soft match that might not happen as a new object. The one exception is
 * row 15 (PIM-eligible soft-match target), where we predict the match Semperis observed, because
 * predicting "no match" there would hide a takeover.
 */
import { diagnoseImmutableIdMistake } from "./immutable-id";
import { upnProblems } from "./upn";

/** A directory role of the cloud candidate. */
export interface RoleFact {
  displayName: string;
  /** Whether Microsoft flags the role as privileged (Graph `unifiedRoleDefinition.isPrivileged`). */
  isPrivileged: boolean;
}

/** The on-premises side, as it will be after the planned AD changes. */
export interface OnPremisesJoinFacts {
  /** The ImmutableId Entra Connect will send (Base64 of ConsistencyGuid-or-objectGUID bytes). */
  sourceAnchor: string;
  /** The planned AD `userPrincipalName`. */
  userPrincipalName: string;
  /** The planned primary SMTP address as Entra Connect computes it (see `primarySmtpOf`), or null. */
  primarySmtp: string | null;
  /** True when `primarySmtp` comes from `mail` because proxyAddresses is empty (row 10). Default false. */
  primarySmtpFromMail?: boolean;
  /** Planned secondary `smtp:` addresses (without prefix). Default none. */
  secondarySmtp?: readonly string[];
  /** Whether the user is in Entra Connect's sync scope; `undefined` when it could not be determined. */
  inSyncScope: boolean | undefined;
  /** AD `objectSid` (S-1-5-...), to tell this AD object from another one holding the same anchor. */
  securityIdentifier?: string;
  /**
   * AD `objectGUID`, compared with the candidate's `onPremisesObjectIdentifier` as GUID strings
   * (braces and case ignored). [UNCERTAIN] the beta property's value format is not documented; if it
   * is not the objectGUID, a row-6 block is predicted, which is the safe side.
   */
  objectGuid?: string;
}

/** The cloud user the resource links to. */
export interface CloudCandidateFacts {
  id: string;
  userPrincipalName: string;
  /** Primary SMTP address from its `proxyAddresses` (the `SMTP:` value), or null. */
  primarySmtp: string | null;
  /** Secondary `smtp:` addresses (without prefix). Default none. */
  secondarySmtp?: readonly string[];
  onPremisesImmutableId: string | null;
  /** Graph semantics: true = synced now, false = was synced, null = never synced. */
  onPremisesSyncEnabled: boolean | null;
  onPremisesSecurityIdentifier?: string | null;
  /** Beta `onPremisesObjectIdentifier`: the AD object the cloud user is mapped to, if any. */
  onPremisesObjectIdentifier?: string | null;
  /** True when the user is in the recycle bin (soft-deleted). Default false. */
  isSoftDeleted?: boolean;
  activeRoles: readonly RoleFact[];
  eligibleRoles: readonly RoleFact[];
  /** True when the candidate's UPN suffix is a federated domain. */
  isFederatedDomainUpn: boolean;
}

/**
 * Tenant sync features (Graph `onPremisesDirectorySynchronization.features`). `undefined` means they
 * could not be read: the API needs a delegated Global Administrator, so app-only runs never see them.
 */
export interface TenantSyncFeatures {
  blockSoftMatchEnabled: boolean | undefined;
  blockCloudObjectTakeoverThroughHardMatchEnabled: boolean | undefined;
  softMatchOnUpnEnabled: boolean | undefined;
  /** 2026 bypass of the onPremisesObjectIdentifier lock (row 6). Default: unknown. */
  allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled?: boolean | undefined;
}

/** Tenant-wide facts. */
export interface TenantJoinFacts {
  features: TenantSyncFeatures;
  /** Verified domain names of the tenant. */
  verifiedDomains: readonly string[];
}

/** Another cloud object (not the candidate). */
export interface CloudObjectRef {
  id: string;
  objectType: "user" | "group" | "contact" | "other";
}

/** Another cloud object holding the planned primary SMTP address. */
export interface CloudSmtpHolder extends CloudObjectRef {
  /** True when it holds the address as its primary `SMTP:`, false when only as a secondary `smtp:`. */
  asPrimary: boolean;
}

/** Values of the planned on-prem user that other objects already hold. Each list excludes the candidate. */
export interface JoinCollisions {
  /** Cloud objects whose `onPremisesImmutableId` equals the sourceAnchor. */
  cloudObjectsWithSourceAnchor: readonly CloudObjectRef[];
  /** Cloud objects whose UPN equals the planned UPN. */
  cloudObjectsWithUpn: readonly CloudObjectRef[];
  /** Cloud objects holding the planned primary SMTP address in `proxyAddresses`. */
  cloudObjectsWithSmtp: readonly CloudSmtpHolder[];
  /** Distinguished names of other AD objects with the planned UPN. */
  adObjectsWithUpn: readonly string[];
  /** Distinguished names of other AD objects with the planned primary SMTP (proxyAddresses or mail). */
  adObjectsWithSmtp: readonly string[];
}

/** Everything {@link predictJoin} looks at. */
export interface JoinFacts {
  onPremises: OnPremisesJoinFacts;
  cloud: CloudCandidateFacts;
  tenant: TenantJoinFacts;
  collisions: JoinCollisions;
  /**
   * When the sync will run. Used only for the 2026 hardening (rows 4-6), whose dates are uncertain:
   * without it, those blocks are predicted but flagged uncertain. Default: unknown.
   */
  asOf?: Date;
}

/** What happens to the on-prem user on the next export. */
export type JoinOutcome =
  | "hardMatch"
  | "softMatchSmtp"
  | "softMatchUpn"
  | "newObject"
  | "blocked"
  | "alreadyJoined";

/**
 * The sync-service error this situation is documented under (search the sync error report for it).
 * `SourceAnchorUniquenessViolation` is our label for row 8, whose exact code is undocumented; the
 * reported message reads "Uniqueness violation. Property: SourceAnchor".
 */
export type SyncErrorName =
  | "InvalidSoftMatch"
  | "InvalidHardMatch"
  | "ExistingAdminRoleConflict"
  | "AttributeValueMustBeUnique"
  | "AttributeUpdateNotAllowed"
  | "ObjectTypeMismatch"
  | "SourceAnchorUniquenessViolation";

/** The prediction. */
export interface JoinPrediction {
  /**
   * `hardMatch` / `softMatchSmtp` / `softMatchUpn`: the user joins `targetObjectId` (the candidate).
   * `alreadyJoined`: the candidate is already synced from this anchor; no matching happens.
   * `newObject`: a separate cloud user is provisioned beside the candidate (often with quarantined
   * values). `blocked`: nothing is linked to the candidate (refused, export error, out of scope, or the
   * match would go to another object).
   */
  outcome: JoinOutcome;
  /** One or two sentences: what happens and why, naming the values and objects involved. */
  reason: string;
  /** Where the rule comes from, e.g. `matching-rules §8 row 9`. */
  ruleRefs: string[];
  /** Error the sync service reports for the object in that cycle, even when `outcome` is not `blocked`. */
  errorName?: SyncErrorName;
  /** True when the prediction rests on a rule the doc marks uncertain or on facts that could not be read. */
  uncertain: boolean;
  /** Caveats, each citing its rule. */
  warnings: string[];
  /** The cloud object the user ends up joined to, for match and alreadyJoined outcomes. */
  targetObjectId?: string;
}

/** Start of the 2026 block on taking over privileged users (E1/E2: "beginning July 1, 2026"). */
export const PRIVILEGED_TAKEOVER_BLOCK_FROM = new Date("2026-07-01T00:00:00Z");
/** End of the rollout of the onPremisesObjectIdentifier lock (MC1263280: "late September 2026"). */
export const OBJECT_IDENTIFIER_LOCK_COMPLETE_FROM = new Date("2026-10-01T00:00:00Z");

const row = (n: number): string => `matching-rules §8 row ${n}`;

function eqi(a: string | null | undefined, b: string | null | undefined): boolean {
  return (
    a !== null && a !== undefined && b !== null && b !== undefined && a.toLowerCase() === b.toLowerCase()
  );
}

function guidKey(value: string): string {
  return value.replace(/[{}]/g, "").toLowerCase();
}

function names(roles: readonly RoleFact[]): string {
  return roles.map((r) => r.displayName).join(", ");
}

type FeatureName = keyof TenantSyncFeatures;

// Microsoft's current defaults (matching-rules §2.1, §1.5, §3.3).
const FEATURE_DEFAULTS: Record<FeatureName, { value: boolean; why: string }> = {
  softMatchOnUpnEnabled: { value: true, why: "the default for tenants created or synced since 30 Mar 2016" },
  blockSoftMatchEnabled: { value: false, why: "the default" },
  blockCloudObjectTakeoverThroughHardMatchEnabled: { value: false, why: "the default" },
  allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: { value: false, why: "the default" },
};

/** Collects warnings and references while the decision is made. */
class Evaluation {
  readonly warnings: string[] = [];
  uncertain = false;
  private readonly assumed = new Set<FeatureName>();

  constructor(private readonly facts: JoinFacts) {}

  /** Warns, and marks the prediction uncertain. */
  doubt(message: string): void {
    this.uncertain = true;
    this.warn(message);
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) {
      this.warnings.push(message);
    }
  }

  feature(name: FeatureName): boolean {
    const value = this.facts.tenant.features[name];
    if (value !== undefined) {
      return value;
    }
    const fallback = FEATURE_DEFAULTS[name];
    if (!this.assumed.has(name)) {
      this.assumed.add(name);
      this.doubt(
        `Tenant feature ${name} could not be read (reading it needs a delegated Global Administrator); ` +
          `assumed ${fallback.value}, ${fallback.why} (matching-rules §3.3).`,
      );
    }
    return fallback.value;
  }

  /** True when the sync is known to run on or after `date`. */
  after(date: Date): boolean {
    return this.facts.asOf !== undefined && this.facts.asOf.getTime() >= date.getTime();
  }

  done(
    outcome: JoinOutcome,
    reason: string,
    ruleRefs: string[],
    extra: { errorName?: SyncErrorName; targetObjectId?: string } = {},
  ): JoinPrediction {
    const prediction: JoinPrediction = {
      outcome,
      reason,
      ruleRefs,
      uncertain: this.uncertain,
      warnings: [...this.warnings],
    };
    if (extra.errorName !== undefined) prediction.errorName = extra.errorName;
    if (extra.targetObjectId !== undefined) prediction.targetObjectId = extra.targetObjectId;
    return prediction;
  }
}

/**
 * Predicts the next-cycle result for one on-prem user and the cloud user it should be linked to.
 * Never throws: facts it cannot interpret make the prediction uncertain instead.
 */
export function predictJoin(facts: JoinFacts): JoinPrediction {
  const ev = new Evaluation(facts);
  const op = facts.onPremises;
  const cloud = facts.cloud;

  if (op.inSyncScope === false) {
    return ev.done(
      "blocked",
      `The on-prem user ${op.userPrincipalName} is outside Entra Connect's sync scope, so nothing is ` +
        `exported: no match and no new object.`,
      [row(1), "matching-rules §2.2 h"],
    );
  }
  if (op.inSyncScope === undefined) {
    ev.doubt(
      `Whether ${op.userPrincipalName} is in Entra Connect's sync scope is unknown; the prediction ` +
        `assumes it is exported (${row(1)}).`,
    );
  }

  // §0 step 1: hard match. ImmutableIds are compared as case-sensitive strings (§1.1).
  if (cloud.onPremisesImmutableId !== null && cloud.onPremisesImmutableId === op.sourceAnchor) {
    return hardMatchPath(ev, facts);
  }
  if (cloud.onPremisesImmutableId !== null) {
    warnAboutNearMiss(ev, facts, cloud.onPremisesImmutableId);
  }
  const anchorHolder = facts.collisions.cloudObjectsWithSourceAnchor[0];
  if (anchorHolder !== undefined) {
    return ev.done(
      "blocked",
      `Cloud ${anchorHolder.objectType} ${anchorHolder.id} already holds the sourceAnchor ` +
        `${op.sourceAnchor}, so the hard match goes to it, not to ${cloud.id}. Delete and purge that ` +
        `object (often a duplicate from an earlier failed soft match) first.`,
      ["matching-rules §0", "matching-rules §1.6", "matching-rules §6"],
      { targetObjectId: anchorHolder.id },
    );
  }
  return softMatchPath(ev, facts);
}

function warnAboutNearMiss(ev: Evaluation, facts: JoinFacts, actual: string): void {
  let mistake: ReturnType<typeof diagnoseImmutableIdMistake>;
  try {
    mistake = diagnoseImmutableIdMistake(facts.onPremises.sourceAnchor, actual);
  } catch {
    return; // a custom (non-GUID) anchor: no known mistakes to recognise
  }
  if (mistake !== undefined) {
    ev.warn(
      `The cloud user's onPremisesImmutableId ${actual} is the sourceAnchor ${facts.onPremises.sourceAnchor} ` +
        `computed the wrong way (${mistake}); it will not hard match (matching-rules §1.4, §6).`,
    );
  }
}

function hardMatchPath(ev: Evaluation, facts: JoinFacts): JoinPrediction {
  const op = facts.onPremises;
  const cloud = facts.cloud;

  if (cloud.onPremisesSyncEnabled === true) {
    const sid = op.securityIdentifier;
    const cloudSid = cloud.onPremisesSecurityIdentifier;
    if (sid !== undefined && cloudSid !== undefined && cloudSid !== null && !eqi(sid, cloudSid)) {
      ev.doubt(
        `The error code for a sourceAnchor held by another synced AD object is not documented (${row(8)} [U]).`,
      );
      return ev.done(
        "blocked",
        `Cloud user ${cloud.id} is already synced from another AD object (SID ${cloudSid}, not ${sid}) ` +
          `with the same sourceAnchor ${op.sourceAnchor}; that is a uniqueness conflict, not a takeover. ` +
          `Two AD objects carry the same ConsistencyGuid: fix the duplicate on-prem.`,
        [row(8)],
        { errorName: "SourceAnchorUniquenessViolation" },
      );
    }
    const clash = updateClashes(facts);
    if (clash !== undefined) {
      ev.warn(`${clash} (${row(21)}).`);
      return ev.done(
        "alreadyJoined",
        `Cloud user ${cloud.id} is already synced from this anchor, so no matching happens; the planned ` +
          `change collides with another object: ${clash}. The export fails or the value is quarantined.`,
        [row(21), "matching-rules §0", "matching-rules §2.2 d"],
        { errorName: "AttributeValueMustBeUnique", targetObjectId: cloud.id },
      );
    }
    return ev.done(
      "alreadyJoined",
      `Cloud user ${cloud.id} is already synced from sourceAnchor ${op.sourceAnchor}; matching is only ` +
        `evaluated for objects new to the cloud, so the next cycle just updates it.`,
      ["matching-rules §0", "matching-rules §2.2 d"],
      { targetObjectId: cloud.id },
    );
  }

  const deletedRefs = cloud.isSoftDeleted === true ? [row(7)] : [];
  if (ev.feature("blockCloudObjectTakeoverThroughHardMatchEnabled")) {
    return ev.done(
      "blocked",
      `The tenant blocks cloud object takeover through hard match, so ${cloud.id} (ImmutableId ` +
        `${op.sourceAnchor}) is not taken over ("Another cloud created object with the same source ` +
        `anchor already exists"). Turn blockCloudObjectTakeoverThroughHardMatchEnabled off for the ` +
        `migration window.`,
      [row(3), ...deletedRefs, "matching-rules §1.5"],
      { errorName: "InvalidHardMatch" },
    );
  }

  const mappedTo = cloud.onPremisesObjectIdentifier;
  if (
    mappedTo !== undefined &&
    mappedTo !== null &&
    (op.objectGuid === undefined || guidKey(mappedTo) !== guidKey(op.objectGuid)) &&
    !ev.feature("allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled")
  ) {
    if (!ev.after(OBJECT_IDENTIFIER_LOCK_COMPLETE_FROM)) {
      ev.doubt(
        `The onPremisesObjectIdentifier lock rolls out from July to late September 2026; before it ` +
          `reaches the tenant this hard match would succeed (${row(6)} [U]).`,
      );
    }
    if (op.objectGuid === undefined) {
      ev.doubt(`The AD objectGUID was not given, so it could not be compared with ${mappedTo} (${row(6)}).`);
    }
    return ev.done(
      "blocked",
      `Cloud user ${cloud.id} is already mapped to another on-prem object (onPremisesObjectIdentifier ` +
        `${mappedTo}); the hard match is refused until that value is cleared to null.`,
      [row(6), "matching-rules §1.5"],
      { errorName: "AttributeUpdateNotAllowed" },
    );
  }

  const roles = [...cloud.activeRoles, ...cloud.eligibleRoles];
  if (roles.length > 0) {
    // Row 4 for active roles, row 5 when the only privileged roles are PIM eligibilities.
    const privilegedActive = cloud.activeRoles.some((r) => r.isPrivileged);
    const privilegedEligible = cloud.eligibleRoles.some((r) => r.isPrivileged);
    const roleRow = !privilegedActive && privilegedEligible ? 5 : 4;
    if (!privilegedActive && !privilegedEligible) {
      ev.doubt(
        `${cloud.id} holds only non-privileged roles (${names(roles)}); Microsoft documents the block for ` +
          `privileged roles, a blog reports any role from June 2026 (${row(4)} [U]). Predicted blocked.`,
      );
    } else if (!ev.after(PRIVILEGED_TAKEOVER_BLOCK_FROM)) {
      ev.doubt(
        `The block on taking over users with privileged roles is enforced from June or July 2026; before ` +
          `that this hard match would succeed and take over a privileged account (${row(roleRow)} [U]). ` +
          `Predicted blocked.`,
      );
    }
    const held = [
      cloud.activeRoles.length > 0 ? `holds ${names(cloud.activeRoles)}` : "",
      cloud.eligibleRoles.length > 0 ? `is PIM-eligible for ${names(cloud.eligibleRoles)}` : "",
    ].filter((x) => x.length > 0);
    return ev.done(
      "blocked",
      `Cloud user ${cloud.id} ${held.join(" and ")}; taking it over by hard match is refused ("The cloud ` +
        `user with privileged roles is not allowed to be taken over"). Remove the role assignments and ` +
        `eligibilities, sync, then add them back.`,
      [row(roleRow), ...deletedRefs, "matching-rules §1.5"],
      { errorName: "InvalidHardMatch" },
    );
  }

  return matched(
    ev,
    facts,
    "hardMatch",
    `The sourceAnchor ${op.sourceAnchor} equals the ImmutableId of cloud-managed user ${cloud.id}` +
      (cloud.isSoftDeleted === true ? " (in the recycle bin: it is restored)" : "") +
      `, so Entra Connect takes it over: source of authority moves to AD and every attribute with an AD ` +
      `value (and, with password hash sync, the password) overwrites the cloud value.`,
    [row(2), ...deletedRefs],
  );
}

type Target = { kind: "candidate" } | { kind: "other"; ref: CloudObjectRef };

function softMatchPath(ev: Evaluation, facts: JoinFacts): JoinPrediction {
  const op = facts.onPremises;
  const cloud = facts.cloud;
  const col = facts.collisions;
  // Soft match looks at live cloud objects; a user in the recycle bin is only reachable by hard match.
  const candidateLive = cloud.isSoftDeleted !== true;
  if (!candidateLive) {
    ev.doubt(
      `${cloud.id} is in the recycle bin; soft match is assumed not to consider deleted users (inferred ` +
        `from ${row(7)}, which restores only by hard match).`,
    );
  }

  let smtpTarget: Target | undefined;
  if (op.primarySmtp !== null) {
    const other = col.cloudObjectsWithSmtp.find((h) => h.asPrimary);
    if (candidateLive && eqi(cloud.primarySmtp, op.primarySmtp)) {
      smtpTarget = { kind: "candidate" };
    } else if (other !== undefined) {
      smtpTarget = { kind: "other", ref: other };
    }
  }
  let upnTarget: Target | undefined;
  const otherUpn = col.cloudObjectsWithUpn[0];
  if (candidateLive && eqi(cloud.userPrincipalName, op.userPrincipalName)) {
    upnTarget = { kind: "candidate" };
  } else if (otherUpn !== undefined) {
    upnTarget = { kind: "other", ref: otherUpn };
  }

  if (smtpTarget === undefined && upnTarget === undefined) {
    return newObjectPath(ev, facts);
  }

  if (ev.feature("blockSoftMatchEnabled")) {
    ev.doubt(`The error reported to users when soft match is blocked is not documented (${row(16)} [U]).`);
    return ev.done(
      "newObject",
      `The tenant blocks soft match (blockSoftMatchEnabled), so ${op.userPrincipalName} is provisioned ` +
        `as a new cloud user beside ${cloud.id}, with its duplicate UPN / SMTP values quarantined. Turn ` +
        `blockSoftMatchEnabled off for the migration window, or hard match by ImmutableId.`,
      [row(16), "matching-rules §2.2 c"],
    );
  }

  if (smtpTarget !== undefined) {
    // §0: SMTP first; whatever it finds decides, there is no fallback to UPN after a refusal.
    if (smtpTarget.kind === "other") {
      return otherTarget(ev, facts, smtpTarget.ref, "primary SMTP address", op.primarySmtp ?? "");
    }
    return candidateSoftMatch(ev, facts, "softMatchSmtp");
  }
  if (upnTarget === undefined) {
    return newObjectPath(ev, facts); // unreachable: at least one target exists
  }
  if (!ev.feature("softMatchOnUpnEnabled")) {
    return ev.done(
      "newObject",
      `Only the UPN ${op.userPrincipalName} matches, and the tenant has SoftMatchOnUpn off, so a new ` +
        `cloud user is created and its UPN quarantined as <prefix>####@<tenant>.onmicrosoft.com. Enable ` +
        `SoftMatchOnUpn (irreversible), give both users the same primary SMTP, or hard match.`,
      [row(12), "matching-rules §2.2 g", "matching-rules §2.4"],
    );
  }
  if (upnTarget.kind === "other") {
    return otherTarget(ev, facts, upnTarget.ref, "UPN", op.userPrincipalName);
  }
  return candidateSoftMatch(ev, facts, "softMatchUpn");
}

function otherTarget(
  ev: Evaluation,
  facts: JoinFacts,
  other: CloudObjectRef,
  what: string,
  value: string,
): JoinPrediction {
  if (other.objectType !== "user") {
    return ev.done(
      "blocked",
      `The ${what} ${value} belongs to cloud ${other.objectType} ${other.id}; a user cannot match it, ` +
        `so the export fails. Free the address or choose another one.`,
      [row(17), "matching-rules §2.2 e"],
      { errorName: "ObjectTypeMismatch" },
    );
  }
  return ev.done(
    "blocked",
    `The ${what} ${value} is held by cloud user ${other.id}, not by ${facts.cloud.id}; the soft match ` +
      `would consider ${other.id} (and could take it over) instead of the linked user. Free the value or ` +
      `hard match by ImmutableId.`,
    ["matching-rules §0", "matching-rules §2.1"],
  );
}

function candidateSoftMatch(
  ev: Evaluation,
  facts: JoinFacts,
  outcome: "softMatchSmtp" | "softMatchUpn",
): JoinPrediction {
  const op = facts.onPremises;
  const cloud = facts.cloud;
  const viaSmtp = outcome === "softMatchSmtp";
  const value = viaSmtp ? (op.primarySmtp ?? "") : op.userPrincipalName;
  const what = viaSmtp ? "primary SMTP address" : "UPN";
  const matchRow = viaSmtp ? (op.primarySmtpFromMail === true ? 10 : 9) : 11;

  const adDuplicates = viaSmtp ? facts.collisions.adObjectsWithSmtp : facts.collisions.adObjectsWithUpn;
  if (adDuplicates.length > 0) {
    ev.doubt(
      `Other AD objects carry the same ${what} ${value} (${adDuplicates.join("; ")}); which one Entra ` +
        `Connect exports first, and so which one soft-matches ${cloud.id}, is not predictable.`,
    );
    return ev.done(
      "blocked",
      `The ${what} ${value} is not unique on-prem (${adDuplicates.join("; ")}); another AD object may ` +
        `soft-match ${cloud.id} first, the other gets a uniqueness conflict. Remove the duplicate in AD.`,
      [row(matchRow), "matching-rules §2.3"],
      { errorName: "AttributeValueMustBeUnique" },
    );
  }

  if (cloud.onPremisesSyncEnabled === true && viaSmtp) {
    const sameSid = eqi(op.securityIdentifier, cloud.onPremisesSecurityIdentifier);
    return ev.done(
      "blocked",
      `Cloud user ${cloud.id} is synced from another anchor (${cloud.onPremisesImmutableId ?? "none"}); ` +
        `${op.userPrincipalName} with sourceAnchor ${op.sourceAnchor} conflicts with it ` +
        `(AttributeConflictName=${sameSid ? "OnPremiseSecurityIdentifier" : "ProxyAddresses"}). If this is ` +
        `the same person, set the AD user's mS-DS-ConsistencyGuid to the cloud ImmutableId.`,
      [row(sameSid ? 20 : 19), "matching-rules §2.3"],
      { errorName: "AttributeValueMustBeUnique" },
    );
  }
  if (cloud.onPremisesSyncEnabled === true || cloud.onPremisesImmutableId !== null) {
    return ev.done(
      "newObject",
      `The ${what} ${value} matches ${cloud.id}, but it already carries ImmutableId ` +
        `${cloud.onPremisesImmutableId ?? "(synced, unknown)"} instead of ${op.sourceAnchor}, so it is ` +
        `not a soft-match candidate; duplicate attribute resiliency provisions a new user with the ` +
        `clashing values quarantined. Stamp the right ImmutableId (hard match) or align the AD anchor.`,
      [row(13), "matching-rules §2.2 a", "matching-rules §2.4"],
      { errorName: "InvalidSoftMatch" },
    );
  }
  if (cloud.activeRoles.length > 0) {
    if (!cloud.activeRoles.some((r) => r.isPrivileged)) {
      ev.doubt(
        `${cloud.id} holds only non-privileged roles (${names(cloud.activeRoles)}); the doc says soft match ` +
          `is refused for "admin roles" without listing them (${row(14)}). Predicted refused.`,
      );
    }
    return ev.done(
      "newObject",
      `The ${what} ${value} matches ${cloud.id}, but it holds the role(s) ${names(cloud.activeRoles)}; ` +
        `soft match onto admins is refused and a quarantined new user appears. Remove the roles, ` +
        `hard-delete the quarantined user, sync, then restore the roles.`,
      [row(14), "matching-rules §2.2 b"],
      { errorName: "ExistingAdminRoleConflict" },
    );
  }
  if (cloud.isFederatedDomainUpn) {
    ev.doubt(
      `${cloud.id} has a UPN on a federated domain; a 2018 report says such users are quarantined ` +
        `instead of soft-matched (${row(26)} [U]). Predicted new object; move the UPN to a managed ` +
        `domain first or hard match.`,
    );
    return ev.done(
      "newObject",
      `The ${what} ${value} matches ${cloud.id}, whose UPN is on a federated domain; soft match is ` +
        `reported to fail there and a new user to be provisioned instead.`,
      [row(26), "matching-rules §2.2 j"],
    );
  }
  if (cloud.eligibleRoles.length > 0) {
    ev.doubt(
      `${cloud.id} is PIM-eligible for ${names(cloud.eligibleRoles)}; Semperis (2022) observed soft match ` +
        `still succeeding, which lets the AD side take over an account that can activate those roles. ` +
        `Current behaviour is not documented (${row(15)} [U]).`,
    );
  }
  return matched(
    ev,
    facts,
    outcome,
    `No object holds the sourceAnchor; the ${what} ${value} equals that of cloud-managed user ` +
      `${cloud.id}, so it is soft-matched: it gets ImmutableId ${op.sourceAnchor}, source of authority ` +
      `moves to AD and AD values overwrite the cloud ones.`,
    [row(matchRow), ...(cloud.eligibleRoles.length > 0 ? [row(15)] : [])],
  );
}

/** Values the planned user would write that other cloud objects already hold, or undefined. */
function updateClashes(facts: JoinFacts): string | undefined {
  const op = facts.onPremises;
  const col = facts.collisions;
  const parts = [
    ...col.cloudObjectsWithUpn.map((o) => `UPN ${op.userPrincipalName} is held by ${o.objectType} ${o.id}`),
    ...col.cloudObjectsWithSmtp.map(
      (o) => `SMTP address ${op.primarySmtp ?? ""} is held by ${o.objectType} ${o.id}`,
    ),
  ];
  return parts.length > 0 ? parts.join("; ") : undefined;
}

function matched(
  ev: Evaluation,
  facts: JoinFacts,
  outcome: "hardMatch" | "softMatchSmtp" | "softMatchUpn",
  reason: string,
  ruleRefs: string[],
): JoinPrediction {
  const cloud = facts.cloud;
  const col = facts.collisions;
  let errorName: SyncErrorName | undefined;
  const clash = updateClashes(facts);
  if (clash !== undefined) {
    errorName = "AttributeValueMustBeUnique";
    ev.warn(
      `After the match, ${cloud.id} takes the AD values, but ${clash}; that value is quarantined or the ` +
        `export fails (matching-rules §2.4, ${row(21)}).`,
    );
  }
  const adDuplicates = [...col.adObjectsWithUpn, ...col.adObjectsWithSmtp];
  if (adDuplicates.length > 0) {
    errorName = "AttributeValueMustBeUnique";
    ev.warn(
      `Other AD objects carry the planned UPN or SMTP address (${adDuplicates.join("; ")}); one of the two ` +
        `objects gets a uniqueness conflict (matching-rules §2.3).`,
    );
  }
  const extra: { errorName?: SyncErrorName; targetObjectId: string } = { targetObjectId: cloud.id };
  if (errorName !== undefined) extra.errorName = errorName;
  return ev.done(outcome, reason, ruleRefs, extra);
}

function secondaryOverlap(facts: JoinFacts): string | undefined {
  const op = facts.onPremises;
  const cloud = facts.cloud;
  if (op.primarySmtp !== null && (cloud.secondarySmtp ?? []).some((s) => eqi(s, op.primarySmtp))) {
    return `the planned primary SMTP ${op.primarySmtp} is only a secondary smtp: address of ${cloud.id}`;
  }
  const fromOnPrem = (op.secondarySmtp ?? []).find((s) => eqi(s, cloud.primarySmtp));
  if (fromOnPrem !== undefined) {
    return `${cloud.id}'s primary SMTP ${fromOnPrem} is only a secondary smtp: address on-prem`;
  }
  const holder = facts.collisions.cloudObjectsWithSmtp.find((h) => !h.asPrimary);
  if (holder !== undefined) {
    return `the planned primary SMTP ${op.primarySmtp ?? ""} is a secondary smtp: address of ${holder.objectType} ${holder.id}`;
  }
  return undefined;
}

function newObjectPath(ev: Evaluation, facts: JoinFacts): JoinPrediction {
  const op = facts.onPremises;
  const cloud = facts.cloud;
  const overlap = secondaryOverlap(facts);
  if (overlap !== undefined) {
    ev.doubt(
      `Only a secondary address overlaps: ${overlap}. Secondary smtp: values do not soft match; whether ` +
        `the value is quarantined or raises a proxy conflict error is not certain (${row(18)} [U]).`,
    );
    return ev.done(
      "newObject",
      `Nothing matches ${cloud.id} (${overlap}, and secondary addresses are not used for matching), ` +
        `so a new cloud user is provisioned and the overlapping address is quarantined. Make the ` +
        `address primary on both sides, or hard match.`,
      [row(18), "matching-rules §2.2 f"],
      { errorName: "AttributeValueMustBeUnique" },
    );
  }
  const upn = op.userPrincipalName;
  const at = upn.lastIndexOf("@");
  const suffix = at >= 0 ? upn.slice(at + 1).toLowerCase() : "";
  const verified = facts.tenant.verifiedDomains.some((d) => d.toLowerCase() === suffix);
  const invalid = upnProblems(upn);
  if (!verified || invalid.length > 0) {
    const why =
      invalid.length > 0
        ? `the UPN ${upn} breaks Entra's username rules (${invalid.map((p) => p.code).join(", ")})`
        : `the UPN suffix ${suffix || "(none)"} is not a verified domain of the tenant`;
    return ev.done(
      "newObject",
      `Nothing matches ${cloud.id} (no sourceAnchor, SMTP or UPN match), so a new cloud user is ` +
        `provisioned; because ${why}, its UPN becomes <mailNickname>@<tenant>.onmicrosoft.com.`,
      [row(25), "matching-rules §4.1"],
    );
  }
  return ev.done(
    "newObject",
    `Nothing matches ${cloud.id} (no sourceAnchor, SMTP or UPN match), so a new cloud user ${upn} is ` +
      `provisioned beside it.`,
    [row(24)],
  );
}
