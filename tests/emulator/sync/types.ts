/** Shapes of the Entra Connect sync-cycle simulator: on-prem records in, a per-object report out. */

/**
 * An on-premises user as the AD connector imports it. Binary attributes are Base64 of the bytes as
 * stored in AD (objectGUID / mS-DS-ConsistencyGuid use the little-endian GUID layout).
 */
export interface OnPremUserRecord {
  dn: string;
  objectGUID: string;
  msDsConsistencyGuid?: string | null;
  objectClass?: string[];
  cn?: string | null;
  sAMAccountName?: string | null;
  userPrincipalName?: string | null;
  givenName?: string | null;
  sn?: string | null;
  displayName?: string | null;
  mail?: string | null;
  mailNickname?: string | null;
  proxyAddresses?: string[];
  employeeID?: string | null;
  isCriticalSystemObject?: boolean;
  /** "S-1-5-21-…" */
  objectSid?: string | null;
  userAccountControl?: number | null;
}

export type SyncOutcome =
  | "hardMatch"
  | "softMatchSmtp"
  | "softMatchUpn"
  | "provisioned"
  | "updated"
  | "blocked"
  | "filtered";

export interface QuarantinedValue {
  property: "UserPrincipalName" | "ProxyAddresses";
  value: string;
  /** Placeholder used instead (UPN); absent when the value was simply dropped (proxy). */
  replacement?: string;
  /** Cloud object already holding the value. */
  conflictsWithId?: string;
}

export interface SyncError {
  /** Entra Connect error type, e.g. InvalidHardMatch, InvalidSoftMatch, ExistingAdminRoleConflict. */
  name: string;
  message: string;
  /** Numeric error code where documented (103 = privileged hard-match block). */
  code?: number;
  /** AttributeValueMustBeUnique: `AttributeConflictName` (OnPremiseSecurityIdentifier or ProxyAddresses, rows 19/20). */
  attributeConflictName?: "OnPremiseSecurityIdentifier" | "ProxyAddresses";
  /** The cloud object the refusal is about (hard/soft-match candidate, holder of a value). */
  conflictsWithId?: string;
  conflictsWithType?: "user" | "group" | "contact";
}

export interface SyncReportEntry {
  dn: string;
  /** Base64 sourceAnchor (= cloud onPremisesImmutableId); absent for filtered objects without GUID. */
  sourceAnchor?: string;
  outcome: SyncOutcome;
  cloudUserId?: string;
  /** Why the object was blocked, or (with resiliency) why a match was refused before provisioning. */
  error?: SyncError;
  quarantined?: QuarantinedValue[];
  /** For "filtered": the scoping/filtering rule that excluded the object. */
  filterReason?: string;
  /** True when the cycle wrote objectGUID into an empty mS-DS-ConsistencyGuid. */
  consistencyGuidWrittenBack?: boolean;
  /** True when the hard match restored a soft-deleted user from the recycle bin (row 7). */
  restored?: boolean;
  /**
   * The decision-table row (docs/matching-model.md, shared matching-rules §8) that decided the
   * outcome, e.g. "0", "2", "8", "9", "13", "24"; "21" for an update of a joined object.
   */
  row?: string;
}

export interface LdapSourceOptions {
  /** ldaps:// URL of a domain controller. */
  url: string;
  bindDn: string;
  bindPassword: string;
  /** CA that issued the DC's certificate; TLS is verified against it. */
  caCertPem: string;
}

/** Body of POST /_emulator/tenants/{id}/sync-cycle. Give `ldap` + `scope`, or in-memory `records`. */
export interface SyncCycleRequest {
  ldap?: LdapSourceOptions;
  /** Base DNs in sync scope (OU filtering). Required with `ldap`; optional with `records` (default: all). */
  scope?: string[];
  /** Write objectGUID into empty mS-DS-ConsistencyGuid, as Connect does with ConsistencyGuid as anchor. Default true. */
  writeBackConsistencyGuid?: boolean;
  records?: OnPremUserRecord[];
  /** Entra Connect Sync (default) or Cloud Sync's matching (no UPN soft match, row 27 [U]; no write-back by default). */
  engine?: "entraConnect" | "cloudSync";
}

export interface SyncCycleReport {
  tenantId: string;
  startedAt: string;
  finishedAt: string;
  entries: SyncReportEntry[];
}
