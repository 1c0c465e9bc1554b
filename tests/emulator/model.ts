/**
 * The emulator's in-memory directory: tenants with users, domains, role assignments, app
 * registrations, Entra Connect feature flags and the sync connector state. Pure data + helpers.
 */
import type { SeedApp, SeedCloudUser, SeedDomain } from "../fixtures/seed-scenario";

/** `onPremisesDirectorySynchronizationFeature` booleans (G2, matching-rules §3.3). */
export interface SyncFeatures {
  blockCloudObjectTakeoverThroughHardMatchEnabled: boolean;
  blockSoftMatchEnabled: boolean;
  bypassDirSyncOverridesEnabled: boolean;
  cloudPasswordPolicyForPasswordSyncedUsersEnabled: boolean;
  concurrentCredentialUpdateEnabled: boolean;
  concurrentOrgIdProvisioningEnabled: boolean;
  deviceWritebackEnabled: boolean;
  directoryExtensionsEnabled: boolean;
  fopeConflictResolutionEnabled: boolean;
  groupWriteBackEnabled: boolean;
  passwordSyncEnabled: boolean;
  passwordWritebackEnabled: boolean;
  quarantineUponProxyAddressesConflictEnabled: boolean;
  quarantineUponUpnConflictEnabled: boolean;
  softMatchOnUpnEnabled: boolean;
  synchronizeUpnForManagedUsersEnabled: boolean;
  unifiedGroupWritebackEnabled: boolean;
  userForcePasswordChangeOnLogonEnabled: boolean;
  userWritebackEnabled: boolean;
  /** 2026 hardening bypass (E1/E4); appears under AdditionalProperties in PowerShell. */
  allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: boolean;
}

/** Values of the example response of "Get onPremisesDirectorySynchronization" (a tenant created today). */
export const DEFAULT_FEATURES: SyncFeatures = {
  blockCloudObjectTakeoverThroughHardMatchEnabled: false,
  blockSoftMatchEnabled: false,
  bypassDirSyncOverridesEnabled: false,
  cloudPasswordPolicyForPasswordSyncedUsersEnabled: false,
  concurrentCredentialUpdateEnabled: false,
  concurrentOrgIdProvisioningEnabled: false,
  deviceWritebackEnabled: false,
  directoryExtensionsEnabled: false,
  fopeConflictResolutionEnabled: false,
  groupWriteBackEnabled: false,
  passwordSyncEnabled: false,
  passwordWritebackEnabled: false,
  quarantineUponProxyAddressesConflictEnabled: true,
  quarantineUponUpnConflictEnabled: true,
  softMatchOnUpnEnabled: true,
  synchronizeUpnForManagedUsersEnabled: true,
  unifiedGroupWritebackEnabled: false,
  userForcePasswordChangeOnLogonEnabled: false,
  userWritebackEnabled: false,
  allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: false,
};

/**
 * Switches for behaviour Microsoft's sources disagree on (matching-rules marks them [U]). Defaults
 * follow the most recent Microsoft documentation; tests can flip them to cover the other reading.
 */
export interface EmulatorBehavior {
  /** E1/E2 2026 revision: hard match onto a user with an active or PIM-eligible privileged role → InvalidHardMatch. */
  blockPrivilegedHardMatch: boolean;
  /**
   * With `blockPrivilegedHardMatch`: true = ANY active or eligible directory role blocks a hard match
   * (eriteach blog / entra-docs PR 1677, the stricter reading, docs/matching-model.md rows 4/5 [U]);
   * false = only roles whose template is privileged (E1's wording).
   */
  hardMatchBlockedByAnyRole: boolean;
  /** Semperis 2022 showed soft match succeeding onto PIM-eligible admins; no Microsoft source says it changed. */
  blockSoftMatchOnEligibleRoles: boolean;
  /**
   * PATCH mail whose address is another object's proxy: "documented" = G1 (mail updated, no proxy
   * added); "observed" = 400 "Another object with the same value for property proxyAddresses already
   * exists." as reported in microsoft-graph-docs-contrib#8421 (2023).
   */
  mailProxyConflict: "documented" | "observed";
}

export const DEFAULT_BEHAVIOR: EmulatorBehavior = {
  blockPrivilegedHardMatch: true,
  hardMatchBlockedByAnyRole: true,
  blockSoftMatchOnEligibleRoles: false,
  mailProxyConflict: "documented",
};

export interface ProvisioningError {
  category: "PropertyConflict";
  propertyCausingError: "UserPrincipalName" | "ProxyAddresses";
  value: string;
  occurredDateTime: string;
}

/** A cloud user as stored. Property names are Graph's; null means "not set". */
export interface CloudUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string | null;
  proxyAddresses: string[];
  employeeId: string | null;
  jobTitle: string | null;
  businessPhones: string[];
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  usageLocation: string | null;
  accountEnabled: boolean;
  userType: "Member" | "Guest";
  createdDateTime: string;
  onPremisesImmutableId: string | null;
  onPremisesSyncEnabled: boolean | null;
  onPremisesLastSyncDateTime: string | null;
  onPremisesSamAccountName: string | null;
  onPremisesDistinguishedName: string | null;
  onPremisesUserPrincipalName: string | null;
  onPremisesDomainName: string | null;
  onPremisesSecurityIdentifier: string | null;
  /** beta-only in Graph (2026 hardening); kept so the sync simulator can apply its rule. Not served by v1.0. */
  onPremisesObjectIdentifier: string | null;
  onPremisesProvisioningErrors: ProvisioningError[];
}

/** Input accepted by seeds and the control API: the seed shape plus a few optional extras. */
export interface CloudUserInput extends SeedCloudUser {
  accountEnabled?: boolean;
  /** Default "Member". */
  userType?: "Member" | "Guest";
  jobTitle?: string;
  usageLocation?: string;
  onPremisesObjectIdentifier?: string;
  onPremisesDomainName?: string;
  onPremisesSecurityIdentifier?: string;
  onPremisesLastSyncDateTime?: string;
}

export type DomainRecord = SeedDomain;

/** A cloud group as stored (Graph `group`; only the properties matching and holders need). */
export interface CloudGroup {
  id: string;
  displayName: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  proxyAddresses: string[];
  onPremisesSyncEnabled: boolean | null;
}

/** An organizational contact as stored (Graph `orgContact`, served at /contacts). */
export interface CloudContact {
  id: string;
  displayName: string;
  mail: string | null;
  proxyAddresses: string[];
  onPremisesSyncEnabled: boolean | null;
}

/** A soft-deleted user (Graph `/directory/deletedItems/microsoft.graph.user`). */
export type DeletedCloudUser = CloudUser & { deletedDateTime: string };

/** Seed/control input for a group: the stored shape with optional extras. */
export interface CloudGroupInput {
  id: string;
  displayName: string;
  mail?: string | null;
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  proxyAddresses?: string[];
  onPremisesSyncEnabled?: boolean | null;
}

/** Seed/control input for an org contact. */
export interface CloudContactInput {
  id: string;
  displayName: string;
  mail?: string | null;
  proxyAddresses?: string[];
  onPremisesSyncEnabled?: boolean | null;
}

/** Seed/control input for a soft-deleted user: a user input plus when it was deleted (default: now). */
export interface DeletedCloudUserInput extends CloudUserInput {
  deletedDateTime?: string;
}

export interface RoleTemplate {
  id: string;
  displayName: string;
  isPrivileged: boolean;
}

export interface RoleAssignmentRecord {
  id: string;
  principalId: string;
  /** Built-in roles: the role definition id is the template id. */
  roleDefinitionId: string;
  kind: "active" | "eligible";
  directoryScopeId: string;
}

export interface AppCertificateRecord {
  thumbprintSha1: string; // base64url (x5t)
  thumbprintSha256: string; // base64url (x5t#S256)
  sha1Hex: string;
  certificatePem: string;
}

export interface FederatedCredentialRecord {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface AppRecord {
  clientId: string;
  displayName: string;
  /** Object id of the app's service principal in this tenant (token `oid`/`sub`). */
  servicePrincipalId: string;
  secrets: string[];
  certificates: AppCertificateRecord[];
  federated: FederatedCredentialRecord[];
  /** Granted application permissions (token `roles`). */
  roles: string[];
}

/** What a tenant is created from: pure data, shared with seeds in seeds.ts. */
export interface TenantSeed {
  /** Tenant id (GUID). Default: a random one. */
  tenantId?: string;
  displayName: string;
  domains: SeedDomain[];
  users: CloudUserInput[];
  apps: SeedApp[];
  features?: Partial<SyncFeatures>;
  behavior?: Partial<EmulatorBehavior>;
  /** Access token lifetime in seconds. Default 3599 (what Entra returns for client credentials). */
  tokenLifetimeSeconds?: number;
  /** organization.onPremisesSyncEnabled before any sync cycle. Default null (never synced). */
  organizationOnPremisesSyncEnabled?: boolean | null;
  groups?: CloudGroupInput[];
  contacts?: CloudContactInput[];
  deletedUsers?: DeletedCloudUserInput[];
}

export interface TenantState {
  id: string;
  displayName: string;
  domains: DomainRecord[];
  users: Map<string, CloudUser>;
  /** Groups by id (lower-case GUID). */
  groups: Map<string, CloudGroup>;
  /** Org contacts by id (lower-case GUID). */
  contacts: Map<string, CloudContact>;
  /** The recycle bin: soft-deleted users by id (restorable for 30 days in Entra). */
  deletedUsers: Map<string, CloudUser & { deletedDateTime: string }>;
  /** Open extensions on users: userId → extensionName → extension properties (incl. `extensionName`). */
  openExtensions: Map<string /*userId*/, Map<string /*extensionName*/, Record<string, unknown>>>;
  roleAssignments: RoleAssignmentRecord[];
  apps: Map<string, AppRecord>;
  features: SyncFeatures;
  behavior: EmulatorBehavior;
  tokenLifetimeSeconds: number;
  organizationOnPremisesSyncEnabled: boolean | null;
  organizationOnPremisesLastSyncDateTime: string | null;
  /** Entra Connect connector space: sourceAnchor → cloud object id of objects joined by a sync cycle. */
  connector: Map<string, string>;
  /** Activated directoryRole object ids (per tenant), by template id. */
  directoryRoleIds: Map<string, string>;
  seed: TenantSeed;
}

export function initialDomain(t: TenantState): string {
  const d = t.domains.find((x) => x.isInitial);
  if (!d) throw new Error(`tenant ${t.id} has no initial domain`);
  return d.id;
}

export function isVerifiedDomain(t: TenantState, domain: string): boolean {
  const lower = domain.toLowerCase();
  return t.domains.some((d) => d.isVerified && d.id.toLowerCase() === lower);
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1);
}

export function localPart(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? address : address.slice(0, at);
}

/** The address part of a proxy value ("SMTP:a@b" → "a@b"). */
export function proxyAddressPart(proxy: string): string {
  const colon = proxy.indexOf(":");
  return colon < 0 ? proxy : proxy.slice(colon + 1);
}

export function proxyType(proxy: string): string {
  const colon = proxy.indexOf(":");
  return colon < 0 ? "" : proxy.slice(0, colon);
}

/** The primary SMTP address of a proxy list (the upper-case `SMTP:` entry), if any. */
export function primarySmtp(proxies: readonly string[]): string | undefined {
  const p = proxies.find((x) => proxyType(x) === "SMTP");
  return p === undefined ? undefined : proxyAddressPart(p);
}

/** Every cloud object kind that can hold an address: users, groups and org contacts. */
export type AddressHolder =
  | { kind: "user"; object: CloudUser }
  | { kind: "group"; object: CloudGroup }
  | { kind: "contact"; object: CloudContact };

/**
 * Live objects of every kind (users, groups, contacts; not `exceptId`) with an SMTP proxy equal
 * (case-insensitively) to `address`. proxyAddresses are unique across these kinds (G1). Unlike
 * `proxyOwner`, which looks at users only, this sees groups and contacts too.
 */
export function proxyHolders(t: TenantState, address: string, exceptId?: string): AddressHolder[] {
  const lower = address.toLowerCase();
  const holds = (proxies: readonly string[]): boolean =>
    proxies.some((p) => proxyType(p).toLowerCase() === "smtp" && proxyAddressPart(p).toLowerCase() === lower);
  const out: AddressHolder[] = [];
  for (const u of t.users.values())
    if (u.id !== exceptId && holds(u.proxyAddresses)) out.push({ kind: "user", object: u });
  for (const g of t.groups.values())
    if (g.id !== exceptId && holds(g.proxyAddresses)) out.push({ kind: "group", object: g });
  for (const c of t.contacts.values())
    if (c.id !== exceptId && holds(c.proxyAddresses)) out.push({ kind: "contact", object: c });
  return out;
}

/** Soft-deleted users whose onPremisesImmutableId equals `immutableId` (case-sensitive, E3). */
export function deletedUsersByImmutableId(t: TenantState, immutableId: string): DeletedCloudUser[] {
  return [...t.deletedUsers.values()].filter((u) => u.onPremisesImmutableId === immutableId);
}

/**
 * Other objects' SMTP proxies equal (case-insensitively) to `address`: proxyAddresses are unique
 * across users, groups and contacts (G1); the emulator has users only.
 */
export function proxyOwner(t: TenantState, address: string, exceptId?: string): CloudUser | undefined {
  const lower = address.toLowerCase();
  for (const u of t.users.values()) {
    if (u.id === exceptId) continue;
    if (
      u.proxyAddresses.some(
        (p) => proxyType(p).toLowerCase() === "smtp" && proxyAddressPart(p).toLowerCase() === lower,
      )
    ) {
      return u;
    }
  }
  return undefined;
}

export function userByUpn(t: TenantState, upn: string, exceptId?: string): CloudUser | undefined {
  const lower = upn.toLowerCase();
  for (const u of t.users.values())
    if (u.id !== exceptId && u.userPrincipalName.toLowerCase() === lower) return u;
  return undefined;
}

/** ImmutableId comparisons are case-sensitive: Base64 anchors differ by case (E3). */
export function userByImmutableId(
  t: TenantState,
  immutableId: string,
  exceptId?: string,
): CloudUser | undefined {
  for (const u of t.users.values())
    if (u.id !== exceptId && u.onPremisesImmutableId === immutableId) return u;
  return undefined;
}

export function rolesOf(
  t: TenantState,
  principalId: string,
  kind?: "active" | "eligible",
): RoleAssignmentRecord[] {
  return t.roleAssignments.filter(
    (r) => r.principalId === principalId && (kind === undefined || r.kind === kind),
  );
}
