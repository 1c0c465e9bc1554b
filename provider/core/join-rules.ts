/**
 * The join order of docs/matching-model.md §2 for one reading of the unknowns: hard match, soft
 * match on the primary SMTP address, then on the UPN, else provisioning. An unknown fact stops the
 * evaluation with `NeedsAssumption`; `predictJoin` (join-prediction.ts) then tries each value.
 */
import type { CloudHolder } from "../domain/ports";
import type { JoinFacts, JoinOutcome, SyncErrorName, UnknownFlag } from "./join-types";
import { upnProblems } from "./upn";

export const DOC = "docs/matching-model.md";
export const ref = (anchor: string) => `${DOC}#${anchor}`;

export type Flag = UnknownFlag;
/** Microsoft's defaults, used only to choose which variant is shown first. */
export const DEFAULTS: Record<Flag, boolean> = {
  softMatchOnUpnEnabled: true,
  blockSoftMatchEnabled: false,
  blockCloudObjectTakeoverThroughHardMatchEnabled: false,
};

/** Thrown inside one evaluation when it needs a fact that is not known yet. */
export class NeedsAssumption {
  constructor(readonly key: Flag | "mailPromoted" | "cloudSyncUpnSoftMatch") {}
}

export interface Assumptions {
  flags: Partial<Record<Flag, boolean>>;
  mailPromoted?: boolean;
  /** Cloud Sync: the [U] reading of row 27 (docs/matching-model.md#cloud-sync). */
  cloudSyncUpnSoftMatch?: boolean;
}

export interface Verdict {
  outcome: JoinOutcome;
  reason: string;
  refs: string[];
  target?: string;
  errorName?: SyncErrorName;
  /** Rests on a rule the sources disagree on. */
  uncertainRule?: string;
}

const eqi = (a: string | null | undefined, b: string | null | undefined): boolean =>
  a != null && b != null && a.toLowerCase() === b.toLowerCase();

export class Evaluation {
  constructor(
    private readonly facts: JoinFacts,
    private readonly assumed: Assumptions,
  ) {}

  flag(name: Flag): boolean {
    const known = this.facts.features[name];
    if (known !== undefined) return known;
    const assumed = this.assumed.flags[name];
    if (assumed !== undefined) return assumed;
    throw new NeedsAssumption(name);
  }

  /** The primary SMTP address exported under the current reading of P5a. */
  primary(): string | null {
    const v = this.facts.view;
    if (v.primarySource !== "uncertainMail") return v.primarySmtp;
    if (this.assumed.mailPromoted === undefined) throw new NeedsAssumption("mailPromoted");
    return this.assumed.mailPromoted ? (v.alternativePrimaries[0] ?? null) : null;
  }

  run(): Verdict {
    const f = this.facts;
    const c = f.candidate;
    // Row 0 / hard match on the declared user.
    if (c.onPremisesImmutableId !== null && c.onPremisesImmutableId === f.sourceAnchor) {
      return this.hardMatchCandidate();
    }
    const live = f.anchorHolders.filter((h) => !h.deleted);
    const holder = live[0] ?? f.anchorHolders[0];
    if (holder !== undefined) {
      return {
        outcome: holder.onPremisesSyncEnabled === true ? "alreadyJoined" : "hardMatch",
        target: holder.id,
        reason:
          `${holder.deleted ? "Soft-deleted" : "Cloud"} user ${holder.userPrincipalName} (${holder.id}) already holds ` +
          `the anchor ${f.sourceAnchor}, so Entra Connect hard-matches ${holder.deleted ? "(and restores) " : ""}that ` +
          `object, not ${c.userPrincipalName}.`,
        refs: [ref("r2")],
      };
    }
    return this.softMatch();
  }

  private hardMatchCandidate(): Verdict {
    const f = this.facts;
    const c = f.candidate;
    if (c.onPremisesSyncEnabled === true) {
      const theirs = c.onPremisesSecurityIdentifier;
      const ours = f.onPremisesSecurityIdentifier;
      if (theirs != null && ours !== undefined && !eqi(theirs, ours)) {
        return {
          outcome: "blocked",
          reason: `${c.userPrincipalName} is already synced from another AD object (SID ${theirs}) with the same anchor ${f.sourceAnchor}; two AD objects export one anchor, which is a conflict, not a re-link.`,
          refs: [ref("r0")],
          errorName: "SourceAnchorUniquenessViolation",
          uncertainRule: "the error for two AD objects exporting one anchor is undocumented (row 8 [U])",
        };
      }
      return {
        outcome: "alreadyJoined",
        target: c.id,
        reason: `${c.userPrincipalName} is already synced from anchor ${f.sourceAnchor}; matching runs only for new objects, so the next cycle just updates it.`,
        refs: [ref("r0")],
      };
    }
    if (this.flag("blockCloudObjectTakeoverThroughHardMatchEnabled")) {
      return {
        outcome: "blocked",
        reason: `The tenant blocks cloud object takeover through hard match (blockCloudObjectTakeoverThroughHardMatchEnabled), so ${c.userPrincipalName} is not taken over (InvalidHardMatch).`,
        refs: [ref("r2")],
        errorName: "InvalidHardMatch",
      };
    }
    const roles = [...c.roles.active, ...c.roles.eligible];
    if (roles.length > 0) {
      const onlyOrdinary = !roles.some((r) => r.isPrivileged);
      return {
        outcome: "blocked",
        reason: `${c.userPrincipalName} holds or is eligible for directory roles (${roles.map((r) => r.displayName).join(", ")}); Entra ID refuses to take it over by hard match (InvalidHardMatch 103). Remove the roles, sync, then add them back.`,
        refs: [ref("r2")],
        errorName: "InvalidHardMatch",
        ...(onlyOrdinary
          ? {
              uncertainRule:
                'Microsoft documents the hard-match block for "privileged roles", a blog reports any role; the stricter reading is used (rows 4/5 [U])',
            }
          : {}),
      };
    }
    return {
      outcome: "hardMatch",
      target: c.id,
      reason: `The anchor ${f.sourceAnchor} equals the ImmutableId of cloud-managed user ${c.userPrincipalName}, so Entra Connect takes it over: AD becomes its source of authority.`,
      refs: [ref("r2")],
    };
  }

  /** The object holding `value` as primary SMTP: the candidate or another live object. */
  private smtpHolder(
    value: string,
  ): { kind: "candidate" } | { kind: "other"; holder: CloudHolder } | undefined {
    if (eqi(this.facts.candidate.primarySmtp, value)) return { kind: "candidate" };
    const h = this.facts.holders.find((x) => x.heldAs === "primarySmtp" && eqi(x.value, value));
    return h === undefined ? undefined : { kind: "other", holder: h };
  }

  private upnHolder(
    value: string,
  ): { kind: "candidate" } | { kind: "other"; holder: CloudHolder } | undefined {
    if (eqi(this.facts.candidate.userPrincipalName, value)) return { kind: "candidate" };
    const h = this.facts.holders.find(
      (x) => x.objectType === "user" && x.heldAs === "userPrincipalName" && eqi(x.value, value),
    );
    return h === undefined ? undefined : { kind: "other", holder: h };
  }

  private softMatch(): Verdict {
    const f = this.facts;
    if (this.flag("blockSoftMatchEnabled")) {
      return this.provision("The tenant blocks soft match (blockSoftMatchEnabled)", [ref("r9")]);
    }
    const primary = this.primary();
    if (primary !== null) {
      const found = this.smtpHolder(primary);
      if (found !== undefined) return this.judge(found, "softMatchSmtp", `primary SMTP address ${primary}`);
    }
    const upn = f.view.userPrincipalName;
    if (upn !== null && this.upnRuleApplies() && this.flag("softMatchOnUpnEnabled")) {
      const found = this.upnHolder(upn);
      if (found !== undefined) return this.judge(found, "softMatchUpn", `UPN ${upn}`);
    }
    const upnOnly = upn !== null && this.upnHolder(upn) !== undefined;
    const why =
      upnOnly && f.syncEngine === "cloudSync" && this.assumed.cloudSyncUpnSoftMatch === false
        ? `Only the UPN ${upn} matches and Cloud Sync is reported to soft-match on mail/proxyAddresses only (row 27 [U], ${ref("cloud-sync")})`
        : upnOnly && this.facts.features.softMatchOnUpnEnabled === false
          ? `Only the UPN ${upn} matches and the tenant has softMatchOnUpnEnabled off`
          : "No object holds the anchor, the exported primary SMTP address or (where UPN soft match applies) the UPN";
    return this.provision(why, [ref("r11"), ref("r24")]);
  }

  /**
   * Entra Connect always has the UPN rule; Cloud Sync is reported to soft-match on mail and
   * proxyAddresses only (row 27 [U], azure-docs#74931), so it is asked only when a UPN holder exists
   * and evaluated both ways (docs/matching-model.md#cloud-sync).
   */
  private upnRuleApplies(): boolean {
    if (this.facts.syncEngine !== "cloudSync") return true;
    const upn = this.facts.view.userPrincipalName;
    if (upn === null || this.upnHolder(upn) === undefined) return false;
    if (this.assumed.cloudSyncUpnSoftMatch === undefined) throw new NeedsAssumption("cloudSyncUpnSoftMatch");
    return this.assumed.cloudSyncUpnSoftMatch;
  }

  /** Rows 13, 14, 15, 17, 19, 20 for the object a soft-match rule found. */
  private judge(
    found: { kind: "candidate" } | { kind: "other"; holder: CloudHolder },
    outcome: "softMatchSmtp" | "softMatchUpn",
    what: string,
  ): Verdict {
    const refs = [ref(outcome === "softMatchSmtp" ? "r9" : "r11")];
    return found.kind === "other"
      ? this.judgeOther(found.holder, outcome, what, refs)
      : this.judgeCandidate(outcome, what, refs);
  }

  /** Rows 17, 19, 20: the value belongs to another cloud object than the declared user. */
  private judgeOther(
    h: CloudHolder,
    outcome: "softMatchSmtp" | "softMatchUpn",
    what: string,
    refs: string[],
  ): Verdict {
    const f = this.facts;
    if (h.objectType !== "user") {
      return {
        outcome: "blocked",
        reason: `The ${what} belongs to cloud ${h.objectType} ${h.name} (${h.id}); a user cannot match it (ObjectTypeMismatch).`,
        refs,
        errorName: "ObjectTypeMismatch",
      };
    }
    if (h.onPremisesSyncEnabled === true) {
      return {
        outcome: "blocked",
        reason: `The ${what} belongs to ${h.name} (${h.id}), which is synced from another AD object; the export conflicts (AttributeValueMustBeUnique).`,
        refs,
        errorName: "AttributeValueMustBeUnique",
      };
    }
    if (h.onPremisesImmutableId != null) {
      return this.provision(
        `The ${what} belongs to ${h.name} (${h.id}), which carries another ImmutableId (InvalidSoftMatch)`,
        refs,
        "InvalidSoftMatch",
      );
    }
    // Its roles were not read: it is matched unless it holds an active role (then a new object).
    return {
      outcome,
      target: h.id,
      reason: `The ${what} belongs to ${h.name} (${h.id}), not to ${f.candidate.userPrincipalName}: Entra Connect soft-matches that user (a takeover of the wrong account) unless it holds an admin role.`,
      refs,
    };
  }

  /** Rows 13, 14, 15: the value belongs to the declared cloud user. */
  private judgeCandidate(outcome: "softMatchSmtp" | "softMatchUpn", what: string, refs: string[]): Verdict {
    const f = this.facts;
    const c = f.candidate;
    if (c.onPremisesSyncEnabled === true) {
      const sameSid = eqi(c.onPremisesSecurityIdentifier, f.onPremisesSecurityIdentifier);
      return {
        outcome: "blocked",
        reason: `${c.userPrincipalName} is synced from another anchor (${c.onPremisesImmutableId ?? "unknown"}); the ${what} conflicts (AttributeValueMustBeUnique, ${sameSid ? "OnPremiseSecurityIdentifier" : "ProxyAddresses"}).`,
        refs,
        errorName: "AttributeValueMustBeUnique",
      };
    }
    if (c.onPremisesImmutableId !== null) {
      return this.provision(
        `The ${what} matches ${c.userPrincipalName}, but it carries ImmutableId ${c.onPremisesImmutableId} instead of ${f.sourceAnchor} (InvalidSoftMatch)`,
        refs,
        "InvalidSoftMatch",
      );
    }
    if (c.roles.active.length > 0) {
      const verdict = this.provision(
        `The ${what} matches ${c.userPrincipalName}, which holds ${c.roles.active.map((r) => r.displayName).join(", ")} (Existing Admin Role Conflict)`,
        refs,
        "ExistingAdminRoleConflict",
      );
      if (!c.roles.active.some((r) => r.isPrivileged)) {
        verdict.uncertainRule = `${c.userPrincipalName} holds only non-privileged roles; Microsoft refuses soft match onto "admin roles" without listing them, so a refusal is predicted (row 14 [U])`;
      }
      return verdict;
    }
    return {
      outcome,
      target: c.id,
      reason: `No object holds the anchor; the ${what} equals that of cloud-managed user ${c.userPrincipalName}, so it is soft-matched and AD becomes its source of authority.`,
      refs,
      ...(c.roles.eligible.length > 0
        ? {
            uncertainRule: `Semperis (2022) observed soft match onto a PIM-eligible user succeeding, which lets the AD side take over an account that can activate ${c.roles.eligible.map((r) => r.displayName).join(", ")}; whether it still does is undocumented (row 15 [U])`,
          }
        : {}),
      ...(c.isFederatedDomainUpn === true
        ? {
            uncertainRule: `${c.userPrincipalName} has a UPN on a federated domain; a 2018 report says soft match fails there and a new object is provisioned, Microsoft's documentation says nothing of it (row 26 [U])`,
          }
        : {}),
    };
  }

  private provision(why: string, refs: string[], errorName?: SyncErrorName): Verdict {
    const f = this.facts;
    // E5 known issue: a secondary equal to a group's primary is a proxy conflict error every cycle.
    const groupClash = f.holders.find(
      (h) =>
        h.objectType === "group" &&
        h.heldAs === "primarySmtp" &&
        f.view.secondarySmtp.some((s) => eqi(s, h.value)),
    );
    if (groupClash !== undefined) {
      return {
        outcome: "blocked",
        reason: `${why}; provisioning a new object fails because its secondary address ${groupClash.value} is the primary of group ${groupClash.name} (a known gap of duplicate attribute resiliency).`,
        refs: [...refs, ref("r24")],
        errorName: "AttributeValueMustBeUnique",
      };
    }
    const upn = f.view.userPrincipalName ?? "";
    const suffix = upn.slice(upn.lastIndexOf("@") + 1).toLowerCase();
    const usable = f.verifiedDomains.some((d) => d.toLowerCase() === suffix) && upnProblems(upn).length === 0;
    return {
      outcome: "newObject",
      reason: `${why}, so Entra Connect provisions a NEW cloud user beside ${f.candidate.userPrincipalName} (a duplicate account${usable ? "" : " with a <mailNickname>@<tenant>.onmicrosoft.com UPN"}); clashing values are quarantined.`,
      refs: [...refs, ref("r24")],
      ...(errorName !== undefined ? { errorName } : {}),
    };
  }
}
