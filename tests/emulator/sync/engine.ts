/**
 * One Entra Connect Sync export cycle against an emulated tenant, for users. It implements the join
 * order of docs/matching-model.md §2 (the rule contract) in the simulator's OWN code — never
 * provider/** — because it is the oracle the predictor is checked against. Rule ids (r0, r2, r9, r11,
 * r24) and decision-table rows (shared matching-rules §8) are cited where each rule is applied.
 *
 *   0. already joined (connector) → update; joined from another AD object → blocked (row 8 [U])
 *   1. hard match on the anchor, live or soft-deleted user (restored, row 7); blocks rows 3–6, 8
 *   2. soft match on the exported primary SMTP across users, groups and contacts (rows 9, 10,
 *      13–15, 17, 19, 20); no fallback to the UPN once a holder is found
 *   3. soft match on the on-prem UPN against users, only with softMatchOnUpnEnabled (rows 11, 12)
 *   4. provision with duplicate attribute resiliency, ALWAYS on (rows 24, 25; E5, correction
 *      2026-11-28: quarantine flags reading false do not turn it off); E5 known issue → blocked.
 *
 * Where the sources are uncertain ([U]) the choice is stated at the rule and, when it matters,
 * switchable through `TenantState.behavior`:
 * - hard match onto a user with ANY active or eligible directory role is blocked (rows 4/5; E1 says
 *   "privileged", a blog says "any role"): `hardMatchBlockedByAnyRole` (default true) narrows it to
 *   privileged roles; `blockPrivilegedHardMatch` false models the time before the 2026 enforcement.
 * - soft match onto a PIM-eligible-only user succeeds (row 15, Semperis 2022) unless
 *   `blockSoftMatchOnEligibleRoles`.
 * - row 8 / row 0: the same anchor exported by two AD objects is blocked; the error name
 *   `SourceAnchorUniquenessViolation` is our label (no Microsoft error name is documented).
 */
import { deterministicDigits, deterministicGuid } from "../ids";
import {
  type CloudUser,
  initialDomain,
  localPart,
  type ProvisioningError,
  proxyAddressPart,
  proxyType,
  rolesOf,
  type TenantState,
} from "../model";
import { findRoleTemplate } from "../store";
import { bytesLeToGuid, sourceAnchorOf } from "./anchor";
import {
  deletedUsersOf,
  groupsOf,
  liveUserByUpn,
  primarySmtpHolder,
  restoreDeletedUser,
  type SmtpHolder,
  smtpOwner,
} from "./directory";
import { filterReason } from "./filtering";
import { type CloudMailAttributes, computeCloudAttributes } from "./proxy";
import type { OnPremUserRecord, QuarantinedValue, SyncError, SyncReportEntry } from "./types";

export interface SyncEngineOptions {
  /** Base DNs in scope; undefined or empty = everything given. */
  scope?: readonly string[];
  /** Write objectGUID into empty mS-DS-ConsistencyGuid (reported; the caller applies it to AD). */
  writeBackConsistencyGuid: boolean;
  now?: Date;
  /**
   * Which sync client exports: Entra Connect Sync (default) or Entra Cloud Sync. Cloud Sync is
   * reported to soft-match on mail/proxyAddresses only, never on the UPN (row 27 [U],
   * azure-docs#74931); `cloudSyncUpnSoftMatch` true models the other reading.
   */
  engine?: SyncClient;
  cloudSyncUpnSoftMatch?: boolean;
}

export type SyncClient = "entraConnect" | "cloudSync";

export interface ConsistencyGuidWriteBack {
  dn: string;
  /** The objectGUID bytes to store. */
  value: Buffer;
}

export interface SyncEngineResult {
  entries: SyncReportEntry[];
  writeBacks: ConsistencyGuidWriteBack[];
}

const ACCOUNTDISABLE = 0x2;

function eqi(a: string | null | undefined, b: string | null | undefined): boolean {
  return (
    a !== null && a !== undefined && b !== null && b !== undefined && a.toLowerCase() === b.toLowerCase()
  );
}

function dnDomain(dn: string): string | null {
  const dcs = dn
    .split(/,(?=(?:[^\\]|\\.)*$)/)
    .map((p) => p.trim())
    .filter((p) => /^dc=/i.test(p))
    .map((p) => p.slice(3));
  return dcs.length > 0 ? dcs.join(".").toLowerCase() : null;
}

/** The MOERA with 4 digits when another object already has it (K3 scenario 6); digits stable per anchor. */
function uniqueMoera(t: TenantState, moera: string, anchor: string, exceptId?: string): string {
  const addr = proxyAddressPart(moera);
  if (!smtpOwner(t, addr, exceptId)) return moera;
  for (let salt = 0; ; salt++) {
    const domain = addr.slice(addr.lastIndexOf("@") + 1);
    const candidate = `smtp:${localPart(addr)}${deterministicDigits(t.id, anchor, "moera", String(salt))}@${domain}`;
    if (!smtpOwner(t, proxyAddressPart(candidate), exceptId)) return candidate;
  }
}

const UNIQUE_MESSAGE = (what: string): string =>
  `Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [${what}]. Correct or remove the duplicate values in your local directory.`;

/** What the matching steps decided before anything is written. */
type Verdict =
  | { kind: "blocked"; error: SyncError; row: string }
  | {
      kind: "join";
      user: CloudUser;
      outcome: "hardMatch" | "softMatchSmtp" | "softMatchUpn";
      row: string;
      restore?: boolean;
    }
  | { kind: "provision"; refusal?: SyncError; row: string };

class Cycle {
  constructor(
    private readonly t: TenantState,
    private readonly now: string,
    /** False under Cloud Sync unless the [U] reading of row 27 says otherwise. */
    private readonly upnRuleApplies = true,
  ) {}

  /** Writes AD-mastered values onto a joined cloud user; clashing unique values are quarantined (E5). */
  private flow(
    user: CloudUser,
    rec: OnPremUserRecord,
    anchor: string,
    attrs: CloudMailAttributes,
  ): QuarantinedValue[] {
    const t = this.t;
    const quarantined: QuarantinedValue[] = [];
    const next: CloudUser = { ...user };
    next.onPremisesSyncEnabled = true;
    next.onPremisesImmutableId = anchor;
    next.onPremisesObjectIdentifier = bytesLeToGuid(Buffer.from(rec.objectGUID, "base64"));
    next.onPremisesUserPrincipalName = rec.userPrincipalName ?? null;
    next.onPremisesSamAccountName = rec.sAMAccountName ?? null;
    next.onPremisesDistinguishedName = rec.dn;
    next.onPremisesDomainName = dnDomain(rec.dn);
    next.onPremisesSecurityIdentifier = rec.objectSid ?? null;
    next.onPremisesLastSyncDateTime = this.now;
    // AD is authoritative after the join: values AD lacks are cleared (E1: cloud data AD lacks is lost).
    next.displayName = rec.displayName || rec.cn || user.displayName;
    next.givenName = rec.givenName ?? null;
    next.surname = rec.sn ?? null;
    next.employeeId = rec.employeeID ?? null;
    next.mailNickname = attrs.mailNickname;
    if (typeof rec.userAccountControl === "number")
      next.accountEnabled = (rec.userAccountControl & ACCOUNTDISABLE) === 0;

    const upnChanges = attrs.userPrincipalName.toLowerCase() !== user.userPrincipalName.toLowerCase();
    // E4: UPN changes reach managed users only with SynchronizeUpnForManagedUsers (licences not modelled).
    if (upnChanges && t.features.synchronizeUpnForManagedUsersEnabled) {
      const holder = liveUserByUpn(t, attrs.userPrincipalName, user.id);
      if (holder)
        quarantined.push({
          property: "UserPrincipalName",
          value: attrs.userPrincipalName,
          conflictsWithId: holder.id,
        });
      else next.userPrincipalName = attrs.userPrincipalName;
    }

    // Uniqueness across users, groups and contacts (E5); the clashing value is dropped (row 21).
    const proxies: string[] = [];
    for (const raw of attrs.proxyAddresses) {
      const p = raw === attrs.moera ? uniqueMoera(t, raw, anchor, user.id) : raw;
      if (proxyType(p).toLowerCase() === "smtp") {
        const owner = smtpOwner(t, proxyAddressPart(p), user.id);
        if (owner) {
          quarantined.push({ property: "ProxyAddresses", value: p, conflictsWithId: owner.id });
          continue;
        }
      }
      proxies.push(p);
    }
    next.proxyAddresses = proxies;
    // The cloud `mail` is the primary; a quarantined primary leaves the object without one.
    next.mail = attrs.mail !== null && proxies.includes(`SMTP:${attrs.mail}`) ? attrs.mail : null;
    next.onPremisesProvisioningErrors = quarantined.map((q) => this.provisioningError(q));
    t.users.set(user.id, next);
    t.connector.set(anchor, user.id);
    return quarantined;
  }

  private provisioningError(q: QuarantinedValue): ProvisioningError {
    return {
      category: "PropertyConflict",
      propertyCausingError: q.property,
      value: q.value,
      occurredDateTime: this.now,
    };
  }

  private join(
    user: CloudUser,
    rec: OnPremUserRecord,
    anchor: string,
    attrs: CloudMailAttributes,
    outcome: "hardMatch" | "softMatchSmtp" | "softMatchUpn" | "updated",
    row: string,
  ): SyncReportEntry {
    const quarantined = this.flow(user, rec, anchor, attrs);
    const entry: SyncReportEntry = { dn: rec.dn, sourceAnchor: anchor, outcome, cloudUserId: user.id, row };
    if (quarantined.length > 0) entry.quarantined = quarantined;
    return entry;
  }

  /**
   * r24 — a new cloud user. Duplicate attribute resiliency is always on (E5; correction 2026-11-28):
   * a UPN another user holds gets `<prefix><4 digits>@<initial domain>`, a clashing SMTP value is
   * dropped. E5 known issue: a secondary `smtp:` equal to a GROUP's primary `SMTP:` is a classic
   * proxy conflict error instead → blocked, nothing created.
   */
  private provision(
    rec: OnPremUserRecord,
    anchor: string,
    attrs: CloudMailAttributes,
    row: string,
    refusal?: SyncError,
  ): SyncReportEntry {
    const t = this.t;
    for (const secondary of attrs.secondarySmtp) {
      for (const g of groupsOf(t).values()) {
        const groupPrimary = g.proxyAddresses.find(
          (p) => proxyType(p) === "SMTP" && eqi(proxyAddressPart(p), secondary),
        );
        if (groupPrimary === undefined) continue;
        return {
          dn: rec.dn,
          sourceAnchor: anchor,
          outcome: "blocked",
          row: "18",
          error: {
            name: "AttributeValueMustBeUnique",
            attributeConflictName: "ProxyAddresses",
            conflictsWithId: g.id,
            conflictsWithType: "group",
            message: `${UNIQUE_MESSAGE(`ProxyAddresses smtp:${secondary}`)} (The secondary address is the primary address of group ${g.displayName}; duplicate attribute resiliency does not quarantine it.)`,
          },
        };
      }
    }
    const quarantined: QuarantinedValue[] = [];
    let upn = attrs.userPrincipalName;
    const upnHolder = liveUserByUpn(t, upn);
    if (upnHolder) {
      // E5: "<OriginalPrefix><4 random digits>@<initialDomain>"; digits derived from the anchor so snapshots are stable.
      let placeholder = "";
      for (let salt = 0; placeholder === "" || liveUserByUpn(t, placeholder); salt++) {
        placeholder = `${localPart(upn)}${deterministicDigits(t.id, anchor, String(salt))}@${initialDomain(t)}`;
      }
      quarantined.push({
        property: "UserPrincipalName",
        value: upn,
        replacement: placeholder,
        conflictsWithId: upnHolder.id,
      });
      upn = placeholder;
    }
    const proxies: string[] = [];
    for (const raw of attrs.proxyAddresses) {
      const p = raw === attrs.moera ? uniqueMoera(t, raw, anchor) : raw;
      if (proxyType(p).toLowerCase() === "smtp") {
        const owner = smtpOwner(t, proxyAddressPart(p));
        if (owner) {
          quarantined.push({ property: "ProxyAddresses", value: p, conflictsWithId: owner.id });
          continue;
        }
      }
      proxies.push(p);
    }
    let id = deterministicGuid(t.id, "synced-user", anchor);
    for (let salt = 1; t.users.has(id) || deletedUsersOf(t).has(id); salt++)
      id = deterministicGuid(t.id, "synced-user", anchor, String(salt));
    const user: CloudUser = {
      id,
      userPrincipalName: upn,
      displayName: rec.displayName || rec.cn || localPart(upn),
      givenName: null,
      surname: null,
      mail: null,
      mailNickname: null,
      proxyAddresses: [],
      employeeId: null,
      jobTitle: null,
      businessPhones: [],
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      usageLocation: null,
      accountEnabled: true,
      userType: "Member",
      createdDateTime: this.now,
      onPremisesImmutableId: anchor,
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: this.now,
      onPremisesSamAccountName: null,
      onPremisesDistinguishedName: null,
      onPremisesUserPrincipalName: null,
      onPremisesDomainName: null,
      onPremisesSecurityIdentifier: null,
      onPremisesObjectIdentifier: null,
      onPremisesProvisioningErrors: [],
    };
    t.users.set(id, user);
    // flow() fills the AD-mastered values; the new object already holds the (placeholder) UPN and drops nothing twice.
    this.flow(user, rec, anchor, { ...attrs, userPrincipalName: upn, proxyAddresses: proxies });
    const created = t.users.get(id) as CloudUser;
    created.onPremisesProvisioningErrors = quarantined.map((q) => this.provisioningError(q));
    const entry: SyncReportEntry = {
      dn: rec.dn,
      sourceAnchor: anchor,
      outcome: "provisioned",
      cloudUserId: id,
      row,
    };
    if (quarantined.length > 0) entry.quarantined = quarantined;
    if (refusal) entry.error = refusal;
    return entry;
  }

  /**
   * r0/r2 row 8 [U]: the candidate was synced from an AD object with another SID (set on the cloud
   * side and different from ours, or ours unknown) → the same anchor exported by two AD objects.
   */
  private otherSid(c: CloudUser, incomingSid: string | null): boolean {
    return c.onPremisesSecurityIdentifier !== null && !eqi(c.onPremisesSecurityIdentifier, incomingSid);
  }

  private anchorViolation(c: CloudUser, anchor: string, why: string): SyncError {
    return {
      name: "SourceAnchorUniquenessViolation",
      conflictsWithId: c.id,
      conflictsWithType: "user",
      message: `The sourceAnchor ${anchor} is already used by cloud object ${c.id} (${c.userPrincipalName}), ${why}; two on-premises objects cannot export the same sourceAnchor.`,
    };
  }

  /** r2: hard match verdict for the user holding the anchor (live or soft-deleted). */
  private hardMatch(c: CloudUser, rec: OnPremUserRecord, anchor: string, deleted: boolean): Verdict {
    const t = this.t;
    const incomingSid = rec.objectSid ?? null;
    if (c.onPremisesSyncEnabled === true) {
      // Row 8 [U]: synced from another SID → blocked; same or no SID → re-linked (E3: a rebuilt
      // sync server re-links existing objects by their anchor), without the cloud-managed blocks.
      if (this.otherSid(c, incomingSid))
        return {
          kind: "blocked",
          row: "8",
          error: this.anchorViolation(
            c,
            anchor,
            `which is synced from another on-premises object (${c.onPremisesSecurityIdentifier})`,
          ),
        };
      return { kind: "join", user: c, outcome: "hardMatch", row: deleted ? "7" : "2", restore: deleted };
    }
    // Blocks on a cloud-managed candidate, in the order of docs/matching-model.md §2 step 1.
    const rowOf = (r: string): string => (deleted ? `7 (${r})` : r);
    if (t.features.blockCloudObjectTakeoverThroughHardMatchEnabled) {
      // Row 3 (row 7 when soft-deleted): tenant BlockCloudObjectTakeoverThroughHardMatch.
      return {
        kind: "blocked",
        row: rowOf("3"),
        error: {
          name: "InvalidHardMatch",
          conflictsWithId: c.id,
          conflictsWithType: "user",
          message:
            "Another cloud created object with the same source anchor already exists in Microsoft Entra ID.",
        },
      };
    }
    if (t.behavior.blockPrivilegedHardMatch) {
      // Rows 4/5 [U]: ANY active or PIM-eligible directory role blocks (the stricter reading, default),
      // or only privileged role templates with hardMatchBlockedByAnyRole false.
      const roles = rolesOf(t, c.id).filter(
        (r) =>
          t.behavior.hardMatchBlockedByAnyRole || findRoleTemplate(r.roleDefinitionId)?.isPrivileged === true,
      );
      if (roles.length > 0) {
        const active = roles.some((r) => r.kind === "active");
        return {
          kind: "blocked",
          row: rowOf(active ? "4" : "5"),
          error: {
            name: "InvalidHardMatch",
            code: 103,
            conflictsWithId: c.id,
            conflictsWithType: "user",
            message: "The cloud user with privileged roles is not allowed to be taken over.",
          },
        };
      }
    }
    // Row 6: onPremisesObjectIdentifier mapped to another on-prem object, bypass flag off.
    const incoming = bytesLeToGuid(Buffer.from(rec.objectGUID, "base64"));
    const mapped = c.onPremisesObjectIdentifier;
    if (
      mapped !== null &&
      mapped.toLowerCase() !== incoming &&
      !t.features.allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled
    ) {
      return {
        kind: "blocked",
        row: rowOf("6"),
        error: {
          name: "AttributeUpdateNotAllowed",
          code: 96,
          conflictsWithId: c.id,
          conflictsWithType: "user",
          message: "OnPremisesObjectIdentifier cannot be changed unless its current value is null.",
        },
      };
    }
    return { kind: "join", user: c, outcome: "hardMatch", row: deleted ? "7" : "2", restore: deleted };
  }

  /**
   * r9/r11: the verdict once a soft-match rule found a holder. The same refusals apply to both rules
   * (docs/matching-model.md §2 steps 2 and 3).
   */
  private softMatch(
    holder: SmtpHolder,
    rec: OnPremUserRecord,
    outcome: "softMatchSmtp" | "softMatchUpn",
    via: string,
    matchRow: string,
  ): Verdict {
    const t = this.t;
    const u = holder.user;
    if (holder.kind !== "user" || u === undefined) {
      // Row 17: a group or contact holds the address → ObjectTypeMismatch, blocked.
      return {
        kind: "blocked",
        row: "17",
        error: {
          name: "ObjectTypeMismatch",
          conflictsWithId: holder.id,
          conflictsWithType: holder.kind,
          message: `The ${via} is held by cloud ${holder.kind} ${holder.name} (${holder.id}); an on-premises user cannot be matched to an object of another type.`,
        },
      };
    }
    if (u.onPremisesImmutableId !== null) {
      if (u.onPremisesSyncEnabled === true) {
        // Rows 19/20: a synced user with another ImmutableId → AttributeValueMustBeUnique, blocked,
        // no new object. Conflict name OnPremiseSecurityIdentifier when its SID equals ours (row 20),
        // else ProxyAddresses (row 19) — also on the UPN rule, as the contract says "the same refusals"
        // ([U]: Microsoft documents these names for the primary SMTP case only).
        const sameSid = eqi(u.onPremisesSecurityIdentifier, rec.objectSid);
        return {
          kind: "blocked",
          row: sameSid ? "20" : "19",
          error: {
            name: "AttributeValueMustBeUnique",
            attributeConflictName: sameSid ? "OnPremiseSecurityIdentifier" : "ProxyAddresses",
            conflictsWithId: u.id,
            conflictsWithType: "user",
            message: `${UNIQUE_MESSAGE(`${sameSid ? "OnPremiseSecurityIdentifier" : "ProxyAddresses"} ${via}`)} (Cloud user ${u.userPrincipalName} is synced from sourceAnchor ${u.onPremisesImmutableId}.)`,
          },
        };
      }
      // Row 13: cloud-managed but pre-stamped with another ImmutableId → InvalidSoftMatch, and with
      // resiliency (always on) a new object is provisioned with the clashing values quarantined.
      return {
        kind: "provision",
        row: "13",
        refusal: {
          name: "InvalidSoftMatch",
          conflictsWithId: u.id,
          conflictsWithType: "user",
          message: `Soft match by ${via} found cloud object ${u.id} (${u.userPrincipalName}), but it already has a different sourceAnchor (onPremisesImmutableId ${u.onPremisesImmutableId}).`,
        },
      };
    }
    const active = rolesOf(t, u.id, "active");
    const eligible = rolesOf(t, u.id, "eligible");
    // Row 14: an active directory role → Existing Admin Role Conflict, new object. Row 15 [U]:
    // PIM-eligible only → matched (Semperis 2022), unless blockSoftMatchOnEligibleRoles.
    if (active.length > 0 || (eligible.length > 0 && t.behavior.blockSoftMatchOnEligibleRoles)) {
      return {
        kind: "provision",
        row: active.length > 0 ? "14" : "15",
        refusal: {
          name: "ExistingAdminRoleConflict",
          conflictsWithId: u.id,
          conflictsWithType: "user",
          message: `Existing Admin Role Conflict: soft match by ${via} found cloud user ${u.userPrincipalName}, which holds an administrative role; the match is not allowed.`,
        },
      };
    }
    return { kind: "join", user: u, outcome, row: eligible.length > 0 ? "15" : matchRow };
  }

  /** The matching steps r0–r24 for an object without a live connector join. */
  private decide(rec: OnPremUserRecord, anchor: string, attrs: CloudMailAttributes): Verdict {
    const t = this.t;
    // r2 — hard match: a live user, else a soft-deleted one (row 7), holding the anchor (case-sensitive, E3).
    const live = [...t.users.values()].find((u) => u.onPremisesImmutableId === anchor);
    if (live) return this.hardMatch(live, rec, anchor, false);
    const deleted = [...deletedUsersOf(t).values()].find((u) => u.onPremisesImmutableId === anchor);
    if (deleted) return this.hardMatch(deleted, rec, anchor, true);

    const f = t.features;
    if (!f.blockSoftMatchEnabled) {
      // r9 — soft match on the exported primary SMTP (rows 9/10): the live object whose primary
      // `SMTP:` equals it, users, groups and contacts alike. Secondary values never match (row 18).
      if (attrs.primarySmtp !== null) {
        const holder = primarySmtpHolder(t, attrs.primarySmtp);
        // Once found, its verdict stands: no fallback to the UPN rule.
        if (holder) {
          return this.softMatch(
            holder,
            rec,
            "softMatchSmtp",
            `SMTP:${attrs.primarySmtp}`,
            attrs.primaryFromMail ? "10" : "9",
          );
        }
      }
      // r11 — soft match on the on-prem UPN (row 11), users only, only with softMatchOnUpnEnabled
      // (row 12: off → nothing matches by UPN).
      const upn = rec.userPrincipalName ?? "";
      if (f.softMatchOnUpnEnabled && this.upnRuleApplies && upn !== "") {
        const u = liveUserByUpn(t, upn);
        if (u) {
          const holder: SmtpHolder = {
            kind: "user",
            id: u.id,
            name: u.userPrincipalName,
            heldAs: "primary",
            user: u,
          };
          return this.softMatch(holder, rec, "softMatchUpn", `UserPrincipalName ${upn}`, "11");
        }
      }
    }
    // r24 — provision (rows 24/25; row 16 when BlockSoftMatch stopped a match, row 12 when only the
    // UPN matched and SoftMatchOnUpn is off).
    let row = attrs.upnIsOnPrem ? "24" : "25";
    const upnHolder = rec.userPrincipalName ? liveUserByUpn(t, rec.userPrincipalName) : undefined;
    const smtpHolder = attrs.primarySmtp !== null ? primarySmtpHolder(t, attrs.primarySmtp) : undefined;
    if (
      f.blockSoftMatchEnabled &&
      (smtpHolder || (upnHolder && f.softMatchOnUpnEnabled && this.upnRuleApplies))
    )
      row = "16";
    else if (upnHolder && !f.softMatchOnUpnEnabled) row = "12";
    // Row 27 [U]: Cloud Sync does not soft-match on the UPN; a UPN-only match provisions a duplicate.
    else if (upnHolder && !this.upnRuleApplies) row = "27";
    return { kind: "provision", row };
  }

  process(rec: OnPremUserRecord, anchor: string): SyncReportEntry {
    const t = this.t;
    const attrs = computeCloudAttributes(rec, t);

    // r0 — already joined: update, no matching. Joined from a different AD object (another
    // objectGUID, or another SID) → blocked (row 8 [U]).
    const joinedId = t.connector.get(anchor);
    const joined = joinedId === undefined ? undefined : t.users.get(joinedId);
    if (joined) {
      const incomingGuid = bytesLeToGuid(Buffer.from(rec.objectGUID, "base64"));
      const otherGuid =
        joined.onPremisesObjectIdentifier !== null &&
        joined.onPremisesObjectIdentifier.toLowerCase() !== incomingGuid;
      if (otherGuid || this.otherSid(joined, rec.objectSid ?? null)) {
        return {
          dn: rec.dn,
          sourceAnchor: anchor,
          outcome: "blocked",
          row: "0 (8)",
          error: this.anchorViolation(
            joined,
            anchor,
            `joined from another on-premises object (${joined.onPremisesDistinguishedName ?? joined.onPremisesObjectIdentifier})`,
          ),
        };
      }
      return this.join(joined, rec, anchor, attrs, "updated", "0");
    }

    const v = this.decide(rec, anchor, attrs);
    if (v.kind === "blocked")
      return { dn: rec.dn, sourceAnchor: anchor, outcome: "blocked", row: v.row, error: v.error };
    if (v.kind === "join") {
      const user = v.restore === true ? restoreDeletedUser(t, v.user.id) : v.user;
      const entry = this.join(user, rec, anchor, attrs, v.outcome, v.row);
      if (v.restore === true) entry.restored = true;
      return entry;
    }
    return this.provision(rec, anchor, attrs, v.row, v.refusal);
  }
}

export function runSyncEngine(
  t: TenantState,
  records: readonly OnPremUserRecord[],
  opts: SyncEngineOptions,
): SyncEngineResult {
  const now = (opts.now ?? new Date()).toISOString();
  const upnRuleApplies = opts.engine !== "cloudSync" || opts.cloudSyncUpnSoftMatch === true;
  const cycle = new Cycle(t, now, upnRuleApplies);
  const entries: SyncReportEntry[] = [];
  const writeBacks: ConsistencyGuidWriteBack[] = [];
  const sorted = [...records].sort((a, b) => (a.dn.toLowerCase() < b.dn.toLowerCase() ? -1 : 1));
  let exported = 0;
  for (const rec of sorted) {
    const reason = filterReason(rec, opts.scope);
    if (reason !== undefined) {
      entries.push({ dn: rec.dn, outcome: "filtered", filterReason: reason });
      continue;
    }
    const anchor = sourceAnchorOf(rec);
    const cg = rec.msDsConsistencyGuid;
    const writeBack = opts.writeBackConsistencyGuid && (cg === undefined || cg === null || cg === "");
    if (writeBack) writeBacks.push({ dn: rec.dn, value: Buffer.from(rec.objectGUID, "base64") });
    const entry = cycle.process(rec, anchor);
    if (writeBack) entry.consistencyGuidWrittenBack = true;
    entries.push(entry);
    exported++;
  }
  if (exported > 0) {
    t.organizationOnPremisesSyncEnabled = true;
    t.organizationOnPremisesLastSyncDateTime = now;
  }
  return { entries, writeBacks };
}
