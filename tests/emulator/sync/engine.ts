/**
 * One Entra Connect Sync export cycle against an emulated tenant, for users, following
 * matching-rules.md §0 (hard match → soft match on primary SMTP → soft match on UPN when
 * SoftMatchOnUpn is on → provision) and the decision table (§8). Pure: works on in-memory records,
 * whatever produced them (LDAP import or a test), and mutates only the tenant.
 *
 * Choices where the sources disagree (matching-rules [U]) follow the most recent Microsoft text and
 * are switchable per tenant through `TenantState.behavior`:
 * - hard match onto a user holding an active or PIM-eligible *privileged* role is blocked
 *   (InvalidHardMatch, code 103; E1/E2 2026 revision; rows 4/5). Non-privileged roles do not block
 *   (E1 says "privileged"; a blog says "any role").
 * - soft match onto a user that is only PIM-eligible succeeds (row 15, Semperis 2022; no Microsoft
 *   source says it changed), unless `blockSoftMatchOnEligibleRoles`.
 * - "admin role" for the Existing Admin Role Conflict = any active directory role assignment [inferred].
 * - with duplicate-attribute resiliency on (both quarantine features), a refused soft match
 *   (InvalidSoftMatch, Existing Admin Role Conflict) still provisions a new object whose clashing
 *   values are quarantined (rows 13/14, E2/E5); with it off, InvalidSoftMatch blocks the export.
 */
import { deterministicDigits, deterministicGuid } from "../ids";
import {
  type CloudUser,
  initialDomain,
  localPart,
  type ProvisioningError,
  proxyAddressPart,
  proxyOwner,
  proxyType,
  rolesOf,
  type TenantState,
  userByImmutableId,
  userByUpn,
} from "../model";
import { findRoleTemplate } from "../store";
import { bytesLeToGuid, sourceAnchorOf } from "./anchor";
import { filterReason } from "./filtering";
import { type CloudMailAttributes, computeCloudAttributes } from "./proxy";
import type { OnPremUserRecord, QuarantinedValue, SyncError, SyncReportEntry } from "./types";

export interface SyncEngineOptions {
  /** Base DNs in scope; undefined or empty = everything given. */
  scope?: readonly string[];
  /** Write objectGUID into empty mS-DS-ConsistencyGuid (reported; the caller applies it to AD). */
  writeBackConsistencyGuid: boolean;
  now?: Date;
}

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

function resiliencyOn(t: TenantState): boolean {
  return (
    t.features.quarantineUponUpnConflictEnabled && t.features.quarantineUponProxyAddressesConflictEnabled
  );
}

function hasPrivilegedRole(t: TenantState, userId: string): boolean {
  return rolesOf(t, userId).some((r) => findRoleTemplate(r.roleDefinitionId)?.isPrivileged === true);
}

/** The cloud user whose *primary* SMTP (upper-case `SMTP:`) equals `address`. */
function primarySmtpOwner(t: TenantState, address: string): CloudUser | undefined {
  const lower = address.toLowerCase();
  for (const u of t.users.values()) {
    if (u.proxyAddresses.some((p) => proxyType(p) === "SMTP" && proxyAddressPart(p).toLowerCase() === lower))
      return u;
  }
  return undefined;
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
  if (!proxyOwner(t, addr, exceptId)) return moera;
  for (let salt = 0; ; salt++) {
    const domain = addr.slice(addr.lastIndexOf("@") + 1);
    const candidate = `smtp:${localPart(addr)}${deterministicDigits(t.id, anchor, "moera", String(salt))}@${domain}`;
    if (!proxyOwner(t, proxyAddressPart(candidate), exceptId)) return candidate;
  }
}

class Cycle {
  constructor(
    private readonly t: TenantState,
    private readonly now: string,
  ) {}

  private blocked(dn: string, anchor: string, error: SyncError): SyncReportEntry {
    return { dn, sourceAnchor: anchor, outcome: "blocked", error };
  }

  /** Writes AD-mastered values onto a joined cloud user; clashing unique values are quarantined. */
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
      const holder = userByUpn(t, attrs.userPrincipalName, user.id);
      if (holder)
        quarantined.push({
          property: "UserPrincipalName",
          value: attrs.userPrincipalName,
          conflictsWithId: holder.id,
        });
      else next.userPrincipalName = attrs.userPrincipalName;
    }

    const proxies: string[] = [];
    for (const raw of attrs.proxyAddresses) {
      const p = raw === attrs.moera ? uniqueMoera(t, raw, anchor, user.id) : raw;
      if (proxyType(p).toLowerCase() === "smtp") {
        const owner = proxyOwner(t, proxyAddressPart(p), user.id);
        if (owner) {
          quarantined.push({ property: "ProxyAddresses", value: p, conflictsWithId: owner.id });
          continue;
        }
      }
      proxies.push(p);
    }
    next.proxyAddresses = proxies;
    next.mail = attrs.mail;
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
  ): SyncReportEntry {
    const quarantined = this.flow(user, rec, anchor, attrs);
    const entry: SyncReportEntry = { dn: rec.dn, sourceAnchor: anchor, outcome, cloudUserId: user.id };
    if (quarantined.length > 0) entry.quarantined = quarantined;
    return entry;
  }

  /** New cloud object with duplicate-attribute resiliency (E5): UPN placeholder, clashing proxies dropped. */
  private provision(
    rec: OnPremUserRecord,
    anchor: string,
    attrs: CloudMailAttributes,
    refusal?: SyncError,
  ): SyncReportEntry {
    const t = this.t;
    const f = t.features;
    const quarantined: QuarantinedValue[] = [];
    let upn = attrs.userPrincipalName;
    const upnHolder = userByUpn(t, upn);
    if (upnHolder) {
      if (!f.quarantineUponUpnConflictEnabled) {
        return this.blocked(rec.dn, anchor, {
          name: "AttributeValueMustBeUnique",
          message: `Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [UserPrincipalName ${upn}]. Correct or remove the duplicate values in your local directory.`,
        });
      }
      // E5: "<OriginalPrefix><4 random digits>@<initialDomain>"; digits derived from the anchor so snapshots are stable.
      let placeholder = "";
      for (let salt = 0; placeholder === "" || userByUpn(t, placeholder); salt++) {
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
        const owner = proxyOwner(t, proxyAddressPart(p));
        if (owner) {
          if (!f.quarantineUponProxyAddressesConflictEnabled) {
            return this.blocked(rec.dn, anchor, {
              name: "AttributeValueMustBeUnique",
              message: `Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [ProxyAddresses ${p}]. Correct or remove the duplicate values in your local directory.`,
            });
          }
          quarantined.push({ property: "ProxyAddresses", value: p, conflictsWithId: owner.id });
          continue;
        }
      }
      proxies.push(p);
    }
    let id = deterministicGuid(t.id, "synced-user", anchor);
    for (let salt = 1; t.users.has(id); salt++)
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
    };
    if (quarantined.length > 0) entry.quarantined = quarantined;
    if (refusal) entry.error = refusal;
    return entry;
  }

  private softMatchRefusal(cand: CloudUser, via: string): SyncError | undefined {
    const t = this.t;
    if (cand.onPremisesImmutableId !== null) {
      return {
        name: "InvalidSoftMatch",
        message: `Soft match by ${via} found cloud object ${cand.id} (${cand.userPrincipalName}), but it already has a different sourceAnchor (onPremisesImmutableId ${cand.onPremisesImmutableId}); it belongs to another on-premises object.`,
      };
    }
    const active = rolesOf(t, cand.id, "active");
    const eligible = t.behavior.blockSoftMatchOnEligibleRoles ? rolesOf(t, cand.id, "eligible") : [];
    if (active.length > 0 || eligible.length > 0) {
      return {
        name: "ExistingAdminRoleConflict",
        message: `Existing Admin Role Conflict: soft match by ${via} found cloud user ${cand.userPrincipalName}, which holds an administrative role; the match is not allowed.`,
      };
    }
    return undefined;
  }

  process(rec: OnPremUserRecord, anchor: string): SyncReportEntry {
    const t = this.t;
    const attrs = computeCloudAttributes(rec, t);

    const joinedId = t.connector.get(anchor);
    const joined = joinedId === undefined ? undefined : t.users.get(joinedId);
    if (joined) return this.join(joined, rec, anchor, attrs, "updated");

    // 1. Hard match on ImmutableId (case-sensitive).
    const hard = userByImmutableId(t, anchor);
    if (hard) {
      if (hard.onPremisesSyncEnabled !== true) {
        if (t.features.blockCloudObjectTakeoverThroughHardMatchEnabled) {
          return this.blocked(rec.dn, anchor, {
            name: "InvalidHardMatch",
            message:
              "Another cloud created object with the same source anchor already exists in Microsoft Entra ID.",
          });
        }
        if (t.behavior.blockPrivilegedHardMatch && hasPrivilegedRole(t, hard.id)) {
          return this.blocked(rec.dn, anchor, {
            name: "InvalidHardMatch",
            code: 103,
            message: "The cloud user with privileged roles is not allowed to be taken over.",
          });
        }
        const incoming = bytesLeToGuid(Buffer.from(rec.objectGUID, "base64"));
        const mapped = hard.onPremisesObjectIdentifier;
        if (
          mapped !== null &&
          mapped.toLowerCase() !== incoming &&
          !t.features.allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled
        ) {
          return this.blocked(rec.dn, anchor, {
            name: "AttributeUpdateNotAllowed",
            code: 96,
            message: "OnPremisesObjectIdentifier cannot be changed unless its current value is null.",
          });
        }
      }
      // A synced object with the same anchor is a re-link (e.g. after a sync server rebuild), not a takeover.
      return this.join(hard, rec, anchor, attrs, "hardMatch");
    }

    // 2. Soft match: primary SMTP first, then UPN if SoftMatchOnUpn (K1).
    let refusal: SyncError | undefined;
    if (!t.features.blockSoftMatchEnabled) {
      let candidate: CloudUser | undefined;
      let outcome: "softMatchSmtp" | "softMatchUpn" = "softMatchSmtp";
      if (attrs.mail) candidate = primarySmtpOwner(t, attrs.mail);
      if (!candidate && t.features.softMatchOnUpnEnabled && rec.userPrincipalName) {
        candidate = userByUpn(t, rec.userPrincipalName);
        outcome = "softMatchUpn";
      }
      if (candidate) {
        refusal = this.softMatchRefusal(
          candidate,
          outcome === "softMatchSmtp" ? `SMTP:${attrs.mail}` : `UPN ${rec.userPrincipalName}`,
        );
        if (!refusal) return this.join(candidate, rec, anchor, attrs, outcome);
        if (refusal.name === "InvalidSoftMatch" && !resiliencyOn(t))
          return this.blocked(rec.dn, anchor, refusal);
      }
    }

    // 3. Provision.
    return this.provision(rec, anchor, attrs, refusal);
  }
}

export function runSyncEngine(
  t: TenantState,
  records: readonly OnPremUserRecord[],
  opts: SyncEngineOptions,
): SyncEngineResult {
  const now = (opts.now ?? new Date()).toISOString();
  const cycle = new Cycle(t, now);
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
