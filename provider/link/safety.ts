/**
 * Safety rules: what makes a link refused at preview (before anything is written), and what only
 * earns a warning. Pure: it judges facts the engine has already read.
 * Rules and their sources are listed in TROUBLESHOOTING.md.
 */
import type { ExportedView } from "../core/exported-view";
import {
  describeImmutableIdMistake,
  diagnoseImmutableIdMistake,
  validateImmutableIdForGraph,
} from "../core/immutable-id";
import type { JoinPrediction } from "../core/join-prediction";
import { upnSuffix } from "../core/upn";
import type { AdHolder, AnchorHolder, CloudHolder, CloudRoles } from "../domain/ports";
import { type AdEntraLinkError, SafetyBlockError } from "../errors";
import type { LinkPlan } from "./plan";
import type { UserLinkDeclaration } from "./types";

export interface SafetyFacts {
  adDn: string;
  cloud: {
    id: string;
    userPrincipalName: string;
    userType?: string | null;
    onPremisesImmutableId?: string | null;
    onPremisesSyncEnabled?: boolean | null;
    onPremisesDistinguishedName?: string | null;
  };
  roles: CloudRoles;
  verifiedDomains: string[];
  /** What Entra Connect will export of the AD user after `up`. */
  exported: ExportedView;
  prediction: JoinPrediction;
  /** Other AD objects holding an exported UPN or address. */
  adHolders: AdHolder[];
  /** Other cloud objects holding an exported UPN or address. */
  cloudHolders: CloudHolder[];
  /** Other cloud users (live or soft-deleted) holding the anchor. */
  anchorHolders: AnchorHolder[];
}

export interface SafetyVerdict {
  errors: AdEntraLinkError[];
  warnings: string[];
}

const HELD_AS: Record<string, string> = {
  userPrincipalName: "userPrincipalName",
  primarySmtp: "primary SMTP: address",
  secondarySmtp: "secondary smtp: address",
  mail: "mail",
};

/**
 * What an ImmutableId found on the cloud user is, when it is not the planned one: the same anchor
 * computed a known wrong way (docs/matching-model.md), a value that is no GUID-based ImmutableId at
 * all, or simply another anchor (possibly another on-premises object's).
 */
function existingImmutableId(existing: string, planned: string): { code: string; note: string } {
  const mistake = diagnoseImmutableIdMistake(planned, existing);
  if (mistake !== undefined) {
    return {
      code: "IMMUTABLE_ID_WRONG_ENCODING",
      note: ` It is this user's own anchor computed the wrong way (${mistake}): ${describeImmutableIdMistake(mistake)}, typically a hand-made value from an earlier hard-match attempt (docs/matching-model.md).`,
    };
  }
  try {
    validateImmutableIdForGraph(existing);
  } catch (err) {
    return {
      code: "IMMUTABLE_ID_MALFORMED",
      note: ` That value is not a valid GUID-based ImmutableId (${(err as { code?: string }).code ?? "malformed"}), so no on-premises object can ever send it.`,
    };
  }
  return { code: "CLOUD_USER_HAS_OTHER_IMMUTABLE_ID", note: "" };
}

/** What every rule needs: the declaration, the plan, the facts, and how to name things. */
interface Judged {
  decl: UserLinkDeclaration;
  plan: LinkPlan;
  facts: SafetyFacts;
  /** "cloud user <upn> (<id>)", for messages. */
  who: string;
  /** The property a user changes to move an exported value (a planned value, an extra address, or the AD user's own). */
  propertyOf: (value: string) => string;
  /** The property that sets the planned UPN (the cloud user's by default). */
  upnProperty: string;
}

function judged(decl: UserLinkDeclaration, plan: LinkPlan, facts: SafetyFacts): Judged {
  const cloud = facts.cloud;
  // Planned values default to the cloud user's; an explicit argument is what to change instead.
  const upnProperty = decl.userPrincipalName !== undefined ? "userPrincipalName" : "cloud";
  const smtpProperty =
    decl.primarySmtpAddress !== undefined ? "primarySmtpAddress" : decl.mail !== undefined ? "mail" : "cloud";
  const planned = (v: string | null | undefined) => (v ?? "").toLowerCase();
  const propertyOf = (value: string) => {
    const v = value.toLowerCase();
    if (v === planned(plan.target.userPrincipalName)) return upnProperty;
    if (v === planned(plan.target.primarySmtp) || v === planned(plan.target.mail)) return smtpProperty;
    if ((decl.additionalProxyAddresses ?? []).some((a) => a.slice(a.indexOf(":") + 1).toLowerCase() === v)) {
      return "additionalProxyAddresses";
    }
    return "onPremises"; // a value the AD user already holds and the link does not manage
  };
  return {
    decl,
    plan,
    facts,
    who: `cloud user ${cloud.userPrincipalName} (${cloud.id})`,
    propertyOf,
    upnProperty,
  };
}

/**
 * The cloud user's current anchor: synchronized from another object (refused), another ImmutableId
 * under a soft match (refused, a soft match cannot change it), or one a hard match replaces (warned).
 */
function anchorRules({ decl, plan, facts, who }: Judged, verdict: SafetyVerdict): void {
  const cloud = facts.cloud;
  // Already synced from a different on-prem object: matching never re-runs for it (E1).
  if (cloud.onPremisesSyncEnabled === true && cloud.onPremisesImmutableId !== plan.immutableId) {
    verdict.errors.push(
      new SafetyBlockError(
        "CLOUD_USER_SYNCED_ELSEWHERE",
        `ad-entra-link: the ${who} is already synchronized from another on-premises object` +
          `${cloud.onPremisesDistinguishedName ? ` (${cloud.onPremisesDistinguishedName})` : ""} with ImmutableId ${cloud.onPremisesImmutableId ?? "(none)"}; ` +
          `${facts.adDn} would send ${plan.immutableId}. Entra Connect would refuse the join (InvalidSoftMatch / AttributeValueMustBeUnique). Link the on-premises object that owns it, or take that object out of sync scope first.`,
        { property: "cloud" },
      ),
    );
    return;
  }
  const existing = cloud.onPremisesImmutableId;
  if (existing == null || existing === "" || existing === plan.immutableId) return;
  const found = existingImmutableId(existing, plan.immutableId);
  if (decl.match === "soft") {
    verdict.errors.push(
      new SafetyBlockError(
        found.code,
        `ad-entra-link: the ${who} carries ImmutableId ${existing}, but ${facts.adDn} would send ${plan.immutableId}; a soft match would fail with InvalidSoftMatch (docs/matching-model.md#r9).${found.note} Use match: "hard" to overwrite it, after checking that no other on-premises object owns that value.`,
        { property: "cloud" },
      ),
    );
  } else if (decl.match === "hard") {
    verdict.warnings.push(
      `The ${who} already carries ImmutableId ${existing}; this link replaces it with ${plan.immutableId}.${found.note || " A wrong byte order or base64url value from an earlier manual attempt looks like this."}`,
    );
  }
}

/** Directory roles: privileged ones refuse the link (unless opted in), others earn a warning. */
function roleRules({ decl, plan, facts, who }: Judged, verdict: SafetyVerdict): void {
  const privileged = [
    ...facts.roles.active.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (active)`),
    ...facts.roles.eligible.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (PIM-eligible)`),
  ];
  const activePrivileged = facts.roles.active.filter((r) => r.isPrivileged).map((r) => r.displayName);
  if (activePrivileged.length > 0 && plan.changes.cloud.onPremisesImmutableId !== undefined) {
    // Even with the opt-in: Graph lets only higher-privileged admins change sensitive properties
    // (onPremisesImmutableId among them) of a user with an active privileged role, so an app's
    // write fails after AD was already changed, and Entra ID refuses the takeover anyway (§1.5).
    verdict.errors.push(
      new SafetyBlockError(
        "PRIVILEGED_HARD_MATCH",
        `ad-entra-link: match "hard" would write the ImmutableId of the ${who}, which holds ${activePrivileged.join(", ")} (active). Microsoft Graph refuses that write to applications (only higher-privileged administrators may change sensitive properties of privileged users), and Entra ID refuses hard-match takeovers of privileged users (InvalidHardMatch, code 103). Nothing was written. Remove the role assignment first, or keep the account cloud-only.`,
        { property: "cloud" },
      ),
    );
  }
  if (privileged.length > 0 && !decl.allowPrivilegedCloudUser) {
    verdict.errors.push(
      new SafetyBlockError(
        "CLOUD_USER_PRIVILEGED",
        `ad-entra-link: the ${who} holds or is eligible for privileged directory roles: ${privileged.join(", ")}. Linking it would let whoever controls ${facts.adDn} take over that account, and Entra ID blocks such takeovers (InvalidHardMatch / Existing Admin Role Conflict). Keep privileged accounts cloud-only; if you really mean it, remove the roles first or set allowPrivilegedCloudUser: true.`,
        { property: "cloud" },
      ),
    );
  } else if (privileged.length > 0) {
    verdict.warnings.push(
      `allowPrivilegedCloudUser is set: the ${who} holds ${privileged.join(", ")}. Whoever controls ${facts.adDn} will control this account once it joins; Entra ID itself may still refuse the join.`,
    );
  }
  const otherRoles = facts.roles.active.filter((r) => !r.isPrivileged).map((r) => r.displayName);
  if (otherRoles.length > 0) {
    verdict.warnings.push(
      `The ${who} holds directory roles (${otherRoles.join(", ")}). Soft match onto users with admin roles fails with "Existing Admin Role Conflict"; whether Microsoft's 2026 hardening blocks any role or only privileged ones is uncertain (docs/matching-model.md#r2).`,
    );
  }
}

/** The planned UPN must be on a verified domain, or Entra Connect rewrites it and UPN soft match cannot happen. */
function upnDomainRule({ plan, facts, upnProperty }: Judged, verdict: SafetyVerdict): void {
  const suffix = upnSuffix(plan.target.userPrincipalName).toLowerCase();
  if (facts.verifiedDomains.some((d) => d.toLowerCase() === suffix)) return;
  verdict.errors.push(
    new SafetyBlockError(
      "UPN_DOMAIN_NOT_VERIFIED",
      `ad-entra-link: the planned userPrincipalName ${plan.target.userPrincipalName} uses the domain ${suffix}, which is not a verified domain of the tenant. Entra Connect would replace it with <alias>@<tenant>.onmicrosoft.com and soft match by UPN cannot happen. Verify the domain in Entra ID, or choose a UPN on a verified domain.`,
      { property: upnProperty },
    ),
  );
}

/** Judges a planned link on facts already read: what refuses it at preview, and what only warns. */
export function assessSafety(decl: UserLinkDeclaration, plan: LinkPlan, facts: SafetyFacts): SafetyVerdict {
  const verdict: SafetyVerdict = { errors: [], warnings: [] };
  const j = judged(decl, plan, facts);
  anchorRules(j, verdict);
  roleRules(j, verdict);
  upnDomainRule(j, verdict);
  verdict.errors.push(...exportRefusals(j));
  verdict.warnings.push(...facts.prediction.warnings);
  return verdict;
}

/** A Guest target, and cloud users (live or soft-deleted) that already hold the anchor. */
function targetRefusals({ plan, facts, who }: Judged): AdEntraLinkError[] {
  const errors: AdEntraLinkError[] = [];
  if ((facts.cloud.userType ?? "Member") === "Guest") {
    errors.push(
      new SafetyBlockError(
        "CLOUD_USER_IS_GUEST",
        `ad-entra-link: the ${who} is a Guest (an external identity invited into the tenant). Linking it would hand an outside account to whoever controls ${facts.adDn}. Link a member account instead.`,
        { property: "cloud" },
      ),
    );
  }
  for (const h of facts.anchorHolders) {
    errors.push(
      new SafetyBlockError(
        "ANCHOR_HELD_BY_OTHER_CLOUD_OBJECT",
        `ad-entra-link: ${h.deleted ? "the soft-deleted" : "the"} cloud user ${h.userPrincipalName} (${h.id}) already holds the anchor ${plan.immutableId} of ${facts.adDn} as its onPremisesImmutableId, so Entra Connect would hard-match ${h.deleted ? "(and restore) " : ""}that object instead of the ${who}, and Graph refuses a second user with the same ImmutableId. Nothing was written. ${h.deleted ? "Purge it from the recycle bin" : "Clear its ImmutableId or delete it"} first.`,
        { property: "onPremises" },
      ),
    );
  }
  return errors;
}

/**
 * The join going to another object under any reading of the tenant's features (an anchor holder is
 * refused on its own already): the refusal and the object it goes to, or undefined.
 */
function joinElsewhere({
  facts,
  who,
  propertyOf,
}: Judged): { error: AdEntraLinkError; targetObjectId: string } | undefined {
  const elsewhere = [
    { outcome: facts.prediction.outcome, targetObjectId: facts.prediction.targetObjectId, assumption: "" },
    ...(facts.prediction.variants ?? []),
  ].find(
    (v) =>
      v.targetObjectId !== undefined &&
      v.targetObjectId !== facts.cloud.id &&
      !facts.anchorHolders.some((h) => h.id === v.targetObjectId),
  );
  if (elsewhere?.targetObjectId === undefined) return undefined;
  // The record that explains the join: the primary SMTP for an SMTP match, the UPN for a UPN match.
  const records = facts.cloudHolders.filter((h) => h.id === elsewhere.targetObjectId);
  const explains = elsewhere.outcome === "softMatchUpn" ? "userPrincipalName" : "primarySmtp";
  const holder = records.find((h) => h.heldAs === explains) ?? records[0];
  const how = holder !== undefined ? ` through its ${HELD_AS[holder.heldAs]} ${holder.value}` : "";
  const error = new SafetyBlockError(
    "PREDICTED_JOIN_TO_OTHER_OBJECT",
    `ad-entra-link: Entra Connect would join ${facts.adDn} to ${holder ? `${holder.objectType} ${holder.name}` : "cloud object"} (${elsewhere.targetObjectId})${how}${elsewhere.assumption ? ` (with ${elsewhere.assumption})` : ""}, not to the ${who}: an account takeover. Nothing was written. Change or remove that value on the AD user (or let the link manage mail/primarySmtpAddress), or free it in Entra ID.`,
    { property: holder ? propertyOf(holder.value) : "onPremises" },
  );
  return { error, targetObjectId: elsewhere.targetObjectId };
}

/** One refusal per (object, value), naming every way the object holds it. */
function byObjectAndValue<H extends { value: string; heldAs: string }>(
  list: readonly H[],
  key: (h: H) => string,
): { holder: H; as: string[] }[] {
  const grouped = new Map<string, { holder: H; as: string[] }>();
  for (const h of list) {
    const k = `${key(h)}|${h.value}`;
    const g = grouped.get(k) ?? { holder: h, as: [] };
    if (!g.as.includes(HELD_AS[h.heldAs]!)) g.as.push(HELD_AS[h.heldAs]!);
    grouped.set(k, g);
  }
  return [...grouped.values()];
}

/** Exported values other objects hold: AD objects (AD and Entra Connect refuse them), cloud objects. */
function valueHolderRefusals(
  { plan, facts, propertyOf }: Judged,
  joinTarget: string | undefined,
): AdEntraLinkError[] {
  const errors: AdEntraLinkError[] = [];
  for (const { holder, as } of byObjectAndValue(facts.adHolders, (h) => h.dn.toLowerCase())) {
    const upn =
      holder.heldAs === "userPrincipalName" && holder.value === plan.target.userPrincipalName.toLowerCase();
    errors.push(
      new SafetyBlockError(
        "VALUE_HELD_BY_OTHER_AD_OBJECT",
        `ad-entra-link: ${holder.value} (exported by ${facts.adDn}) already belongs to ${holder.objectClass} ${holder.dn} as its ${as.join(" and ")}. ${upn ? "Active Directory refuses a second object with the same UPN in the domain, and Entra Connect would quarantine one of them." : "Entra Connect would quarantine the value on one of them."} Remove it from ${holder.dn} first.`,
        { property: propertyOf(holder.value) },
      ),
    );
  }
  for (const { holder, as } of byObjectAndValue(facts.cloudHolders, (h) => h.id)) {
    if (holder.id === joinTarget) continue;
    errors.push(
      new SafetyBlockError(
        "VALUE_HELD_BY_OTHER_CLOUD_OBJECT",
        `ad-entra-link: ${holder.value} (exported by ${facts.adDn}) already belongs to cloud ${holder.objectType} ${holder.name} (${holder.id}) as its ${as.join(" and ")}. Entra ID keeps such values unique: the synced user would get it quarantined or the export would fail. Resolve the duplicate in Entra ID first.`,
        { property: propertyOf(holder.value) },
      ),
    );
  }
  return errors;
}

/**
 * Refusals that come from what Entra Connect will export (docs/matching-model.md §3): the join going
 * to another object under any reading, the anchor held elsewhere, exported values held by other
 * objects on either side, two primaries, a Guest target.
 */
function exportRefusals(j: Judged): AdEntraLinkError[] {
  const { facts } = j;
  const errors = targetRefusals(j);
  const elsewhere = joinElsewhere(j);
  if (elsewhere !== undefined) errors.push(elsewhere.error);
  if (facts.exported.primarySource === "twoPrimaries") {
    errors.push(
      new SafetyBlockError(
        "PROXY_TWO_PRIMARIES",
        `ad-entra-link: ${facts.adDn} would export ${facts.exported.alternativePrimaries.length} primary SMTP: addresses (${facts.exported.alternativePrimaries.join(", ")}); which one Entra Connect uses is undocumented. Set primarySmtpAddress so the link keeps exactly one.`,
        { property: "primarySmtpAddress" },
      ),
    );
  }
  errors.push(...valueHolderRefusals(j, elsewhere?.targetObjectId));
  return errors;
}
