/**
 * Safety rules: what makes a link refused at preview (before anything is written), and what only
 * earns a warning. Pure: it judges facts the engine has already read.
 * Rules and their sources are listed in TROUBLESHOOTING.md.
 */
import { diagnoseImmutableIdMistake, validateImmutableIdForGraph } from "../core/immutable-id";
import { upnSuffix } from "../core/upn";
import { type AdEntraLinkError, SafetyBlockError } from "../errors";
import type { LinkPlan } from "./plan";
import type { UserLinkDeclaration } from "./types";

export interface RoleFact {
  displayName: string;
  isPrivileged: boolean;
}

export interface SafetyFacts {
  adDn: string;
  cloud: {
    id: string;
    userPrincipalName: string;
    onPremisesImmutableId?: string | null;
    onPremisesSyncEnabled?: boolean | null;
    onPremisesDistinguishedName?: string | null;
  };
  roles: { active: RoleFact[]; eligible: RoleFact[] };
  verifiedDomains: string[];
  /** Other AD objects holding the planned UPN / primary SMTP. */
  adHolders: { value: string; dn: string; attribute: string }[];
  /** Other cloud objects holding the planned UPN / primary SMTP. */
  cloudHolders: { value: string; id: string; userPrincipalName: string; attribute: string }[];
}

export interface SafetyVerdict {
  errors: AdEntraLinkError[];
  warnings: string[];
}

/**
 * What an ImmutableId found on the cloud user is, when it is not the planned one: the same anchor
 * computed a known wrong way (matching-rules §1.4), a value that is no GUID-based ImmutableId at
 * all, or simply another anchor (possibly another on-premises object's).
 */
function existingImmutableId(existing: string, planned: string): { code: string; note: string } {
  const mistake = diagnoseImmutableIdMistake(planned, existing);
  if (mistake !== undefined) {
    return {
      code: "IMMUTABLE_ID_WRONG_ENCODING",
      note: ` It is this user's own anchor computed the wrong way (${mistake}), typically a hand-made value from an earlier hard-match attempt (matching-rules §1.4).`,
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

/**
 * Tags a refusal with the argument that led to it (the runtime reports `property` as the check
 * failure's path, so preview points at the argument to change).
 */
function at<T extends AdEntraLinkError>(err: T, property: string): T {
  return Object.assign(err, { property });
}

export function assessSafety(decl: UserLinkDeclaration, plan: LinkPlan, facts: SafetyFacts): SafetyVerdict {
  const errors: AdEntraLinkError[] = [];
  const warnings: string[] = [];
  const cloud = facts.cloud;
  const who = `cloud user ${cloud.userPrincipalName} (${cloud.id})`;
  // Planned values default to the cloud user's; an explicit argument is what to change instead.
  const upnProperty = decl.userPrincipalName !== undefined ? "userPrincipalName" : "cloud";
  const smtpProperty =
    decl.primarySmtpAddress !== undefined ? "primarySmtpAddress" : decl.mail !== undefined ? "mail" : "cloud";
  const propertyOf = (value: string) =>
    value.toLowerCase() === plan.target.userPrincipalName.toLowerCase() ? upnProperty : smtpProperty;

  // Already synced from a different on-prem object: matching never re-runs for it (E1).
  if (cloud.onPremisesSyncEnabled === true && cloud.onPremisesImmutableId !== plan.immutableId) {
    errors.push(
      at(
        new SafetyBlockError(
          "CLOUD_USER_SYNCED_ELSEWHERE",
          `ad-entra-link: the ${who} is already synchronized from another on-premises object` +
            `${cloud.onPremisesDistinguishedName ? ` (${cloud.onPremisesDistinguishedName})` : ""} with ImmutableId ${cloud.onPremisesImmutableId ?? "(none)"}; ` +
            `${facts.adDn} would send ${plan.immutableId}. Entra Connect would refuse the join (InvalidSoftMatch / AttributeValueMustBeUnique). Link the on-premises object that owns it, or take that object out of sync scope first.`,
        ),
        "cloud",
      ),
    );
  } else if (
    decl.match === "soft" &&
    cloud.onPremisesImmutableId != null &&
    cloud.onPremisesImmutableId !== "" &&
    cloud.onPremisesImmutableId !== plan.immutableId
  ) {
    const found = existingImmutableId(cloud.onPremisesImmutableId, plan.immutableId);
    errors.push(
      at(
        new SafetyBlockError(
          found.code,
          `ad-entra-link: the ${who} carries ImmutableId ${cloud.onPremisesImmutableId}, but ${facts.adDn} would send ${plan.immutableId}; a soft match would fail with InvalidSoftMatch (matching-rules §2.2 a).${found.note} Use match: "hard" to overwrite it, after checking that no other on-premises object owns that value.`,
        ),
        "cloud",
      ),
    );
  } else if (
    decl.match === "hard" &&
    cloud.onPremisesImmutableId != null &&
    cloud.onPremisesImmutableId !== "" &&
    cloud.onPremisesImmutableId !== plan.immutableId
  ) {
    const found = existingImmutableId(cloud.onPremisesImmutableId, plan.immutableId);
    warnings.push(
      `The ${who} already carries ImmutableId ${cloud.onPremisesImmutableId}; this link replaces it with ${plan.immutableId}.${found.note || " A wrong byte order or base64url value from an earlier manual attempt looks like this."}`,
    );
  }

  const privileged = [
    ...facts.roles.active.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (active)`),
    ...facts.roles.eligible.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (PIM-eligible)`),
  ];
  const activePrivileged = facts.roles.active.filter((r) => r.isPrivileged).map((r) => r.displayName);
  if (activePrivileged.length > 0 && plan.changes.cloud.onPremisesImmutableId !== undefined) {
    // Even with the opt-in: Graph lets only higher-privileged admins change sensitive properties
    // (onPremisesImmutableId among them) of a user with an active privileged role, so an app's
    // write fails after AD was already changed, and Entra ID refuses the takeover anyway (§1.5).
    errors.push(
      at(
        new SafetyBlockError(
          "PRIVILEGED_HARD_MATCH",
          `ad-entra-link: match "hard" would write the ImmutableId of the ${who}, which holds ${activePrivileged.join(", ")} (active). Microsoft Graph refuses that write to applications (only higher-privileged administrators may change sensitive properties of privileged users), and Entra ID refuses hard-match takeovers of privileged users (InvalidHardMatch, code 103). Nothing was written. Remove the role assignment first, or keep the account cloud-only.`,
        ),
        "cloud",
      ),
    );
  }
  if (privileged.length > 0) {
    if (!decl.allowPrivilegedCloudUser) {
      errors.push(
        at(
          new SafetyBlockError(
            "CLOUD_USER_PRIVILEGED",
            `ad-entra-link: the ${who} holds or is eligible for privileged directory roles: ${privileged.join(", ")}. Linking it would let whoever controls ${facts.adDn} take over that account, and Entra ID blocks such takeovers (InvalidHardMatch / Existing Admin Role Conflict). Keep privileged accounts cloud-only; if you really mean it, remove the roles first or set allowPrivilegedCloudUser: true.`,
          ),
          "cloud",
        ),
      );
    } else {
      warnings.push(
        `allowPrivilegedCloudUser is set: the ${who} holds ${privileged.join(", ")}. Whoever controls ${facts.adDn} will control this account once it joins; Entra ID itself may still refuse the join.`,
      );
    }
  }
  const otherRoles = facts.roles.active.filter((r) => !r.isPrivileged).map((r) => r.displayName);
  if (otherRoles.length > 0) {
    warnings.push(
      `The ${who} holds directory roles (${otherRoles.join(", ")}). Soft match onto users with admin roles fails with "Existing Admin Role Conflict"; whether Microsoft's 2026 hardening blocks any role or only privileged ones is uncertain (matching-rules §1.5, decision table rows 4–5).`,
    );
  }

  const suffix = upnSuffix(plan.target.userPrincipalName).toLowerCase();
  if (!facts.verifiedDomains.some((d) => d.toLowerCase() === suffix)) {
    errors.push(
      at(
        new SafetyBlockError(
          "UPN_DOMAIN_NOT_VERIFIED",
          `ad-entra-link: the planned userPrincipalName ${plan.target.userPrincipalName} uses the domain ${suffix}, which is not a verified domain of the tenant. Entra Connect would replace it with <alias>@<tenant>.onmicrosoft.com and soft match by UPN cannot happen. Verify the domain in Entra ID, or choose a UPN on a verified domain.`,
        ),
        upnProperty,
      ),
    );
  }

  for (const holder of facts.adHolders) {
    errors.push(
      at(
        new SafetyBlockError(
          "VALUE_HELD_BY_OTHER_AD_OBJECT",
          `ad-entra-link: ${holder.value} (planned for ${facts.adDn}) already belongs to ${holder.dn} as ${holder.attribute}. ${holder.attribute === "userPrincipalName" ? "Active Directory refuses a second object with the same UPN anywhere in the domain, and Entra Connect would quarantine one of them." : "Entra Connect would quarantine one of them as a duplicate."} Remove it from ${holder.dn} first.`,
        ),
        propertyOf(holder.value),
      ),
    );
  }
  for (const holder of facts.cloudHolders) {
    errors.push(
      at(
        new SafetyBlockError(
          "VALUE_HELD_BY_OTHER_CLOUD_OBJECT",
          `ad-entra-link: ${holder.value} already belongs to another cloud object, ${holder.userPrincipalName} (${holder.id}), as ${holder.attribute}. Soft match would not pick the ${who}, and the synced user would get a quarantined value. Resolve the duplicate in Entra ID first.`,
        ),
        propertyOf(holder.value),
      ),
    );
  }

  return { errors, warnings };
}
