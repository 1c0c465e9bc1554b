/**
 * The domain types and the two directory ports the link engine works through. Below `link/`, above
 * nothing: `provider/ad` and `provider/entra` implement the ports with their clients, tests implement
 * them in memory (the generative agreement test), and the engine never sees a client.
 */

/** What we read of an AD user (a person `user` object, never a computer). */
export interface AdUser {
  dn: string;
  objectGuid: string;
  objectGuidBytes: Buffer;
  /** Raw mS-DS-ConsistencyGuid, when set. */
  consistencyGuid?: Buffer;
  /** `objectSid` in string form (S-1-5-21-…), when read. */
  objectSid?: string;
  sAMAccountName: string;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses: string[];
  displayName?: string;
  givenName?: string;
  sn?: string;
  employeeID?: string;
  mailNickname?: string;
  objectClass: string[];
}

/** Exactly one way to pick the AD user of a link. */
export type AdSelector =
  | { samAccountName: string }
  | { distinguishedName: string }
  | { objectGuid: string }
  | { userPrincipalName: string };

/** One LDAP modify on a user: values to add/delete, attributes to replace (null clears). */
export interface AdModification {
  replace?: Record<string, string | Buffer | null>;
  add?: Record<string, string[] | Buffer[]>;
  delete?: Record<string, string[]>;
}

/**
 * How an object holds an address-like value. `primarySmtp` = an upper-case `SMTP:` proxy,
 * `secondarySmtp` = a lower-case `smtp:` proxy, `mail` = the mail attribute, `userPrincipalName` = UPN.
 * One object can hold one value several ways; each way is one holder record.
 */
export type HeldAs = "userPrincipalName" | "primarySmtp" | "secondarySmtp" | "mail";

/** Another AD object (any object class) holding a value, inside the sync scope (UPN: whole domain). */
export interface AdHolder {
  /** The value looked up, lower-case. */
  value: string;
  dn: string;
  /** Most specific structural class: "user", "computer", "group", "contact", "inetOrgPerson", … */
  objectClass: string;
  heldAs: HeldAs;
  /** True when the object is inside the base DN (Entra Connect's sync scope). */
  inSyncScope: boolean;
}

export type CloudObjectType = "user" | "group" | "contact";

/** Another cloud object holding a value (never the link's own cloud user). */
export interface CloudHolder {
  /** The value looked up, lower-case. */
  value: string;
  id: string;
  objectType: CloudObjectType;
  /** UPN for users, displayName/mail for groups and contacts: for messages. */
  name: string;
  heldAs: HeldAs;
  /** Users only. */
  userType?: "Member" | "Guest" | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesImmutableId?: string | null;
  onPremisesSecurityIdentifier?: string | null;
}

/** A cloud user (live or in the recycle bin) whose onPremisesImmutableId equals an anchor. */
export interface AnchorHolder {
  id: string;
  userPrincipalName: string;
  /** True when found under /directory/deletedItems (soft-deleted). */
  deleted: boolean;
  onPremisesSyncEnabled?: boolean | null;
}

export interface CloudUser {
  id: string;
  userPrincipalName: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  mailNickname?: string | null;
  proxyAddresses: string[];
  employeeId?: string | null;
  userType?: string | null;
  onPremisesImmutableId?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesLastSyncDateTime?: string | null;
  onPremisesSamAccountName?: string | null;
  onPremisesDistinguishedName?: string | null;
  onPremisesUserPrincipalName?: string | null;
  onPremisesSecurityIdentifier?: string | null;
}

export type CloudSelector = { userPrincipalName: string } | { id: string };

/** A directory role of a cloud user. One definition for engine, safety, prediction and discovery. */
export interface RoleFact {
  roleDefinitionId: string;
  displayName: string;
  /** Graph `unifiedRoleDefinition.isPrivileged`, or our list of privileged templates when absent. */
  isPrivileged: boolean;
}

export interface CloudRoles {
  active: RoleFact[];
  eligible: RoleFact[];
}

/** Tenant sync features (Graph `onPremisesDirectorySynchronization.features`); absent = unknown. */
export interface SyncFeatures {
  blockSoftMatchEnabled?: boolean;
  blockCloudObjectTakeoverThroughHardMatchEnabled?: boolean;
  softMatchOnUpnEnabled?: boolean;
  allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled?: boolean;
}

export interface TenantFacts {
  domains: { id: string; isVerified: boolean; isInitial: boolean; authenticationType: string }[];
  initialDomain?: string;
  tenantSyncEnabled?: boolean | null;
  /** Features read from Graph (when the credential may) or stated in config; absent keys are unknown. */
  features?: SyncFeatures;
  featuresUnreadableReason?: string;
}

/** Which stack owns a link's cloud user (recorded where every stack can see it). */
export interface Ownership {
  /** `<organization>/<project>/<stack>` of the owning stack. */
  owner: string;
  /** The link's name in that stack. */
  linkName: string;
  /** AD objectGUID the owner links the user to. */
  onPremisesObjectGuid: string;
}

/**
 * Why a read is made: `report` reads only describe (refresh), so they may come from the run's bulk
 * read like a check's; `write` reads precede or verify a write and stay as they were.
 */
export type ReadUse = "report" | "write";

/** The Active Directory operations the link engine needs. */
export interface AdPort {
  /** @throws NotFoundError, AmbiguousMatchError, SafetyBlockError (outside allowed bases), InvalidInputError */
  findUser(selector: AdSelector, property?: string): Promise<AdUser>;
  readByDn(dn: string): Promise<AdUser | undefined>;
  /**
   * `use: "report"` (refresh): the run's bulk read may answer, with the fields refresh uses
   * (REFRESH_ATTRIBUTES; others may be unset); otherwise (the default) a live read of every field.
   */
  readByGuid(objectGuid: string, use?: ReadUse): Promise<AdUser | undefined>;
  /**
   * Every other object (not `excludeDn`) holding any of `values` (compared case-insensitively) as
   * UPN (searched domain-wide), mail or proxy address (searched in the sync scope). One holder
   * record per (object, value, way held). Values are looked up in as few searches as possible.
   */
  findHolders(values: readonly string[], excludeDn: string): Promise<AdHolder[]>;
  modify(dn: string, modification: AdModification): Promise<void>;
}

/** The Entra ID operations the link engine needs. */
export interface EntraPort {
  /** @throws NotFoundError */
  getUser(selector: CloudSelector): Promise<CloudUser>;
  /**
   * `use: "report"` (refresh): the run's bulk read may answer, with the fields refresh uses
   * (CLOUD_REFRESH_PROPERTIES; others may be unset); otherwise (the default) a live read.
   */
  findUserById(id: string, use?: ReadUse): Promise<CloudUser | undefined>;
  /**
   * Every other cloud object (users, groups, org contacts; not `excludeId`) holding any of `values`
   * as UPN, mail, or `SMTP:`/`smtp:` proxy address, compared case-insensitively. Batched.
   */
  findHolders(values: readonly string[], excludeId: string): Promise<CloudHolder[]>;
  /** Live and soft-deleted users other than `excludeId` whose onPremisesImmutableId equals `immutableId` (case-sensitive). */
  findAnchorHolders(immutableId: string, excludeId: string): Promise<AnchorHolder[]>;
  getRoles(userId: string): Promise<CloudRoles>;
  tenantFacts(): Promise<TenantFacts>;
  setImmutableId(userId: string, immutableId: string | null): Promise<void>;
  /** The recorded owner of a cloud user, if any. */
  getOwnership(userId: string): Promise<Ownership | undefined>;
  /** Records (or re-records) the owner. */
  setOwnership(userId: string, ownership: Ownership): Promise<void>;
  /** Removes the record when `owner` holds it; a record of another owner is left alone. */
  releaseOwnership(userId: string, owner: string): Promise<void>;
}

/** What the sync service left on a cloud user, as `up` confirmation and `status` read it. */
export interface SyncObservation {
  id: string;
  userPrincipalName: string;
  onPremisesImmutableId: string | null;
  onPremisesSyncEnabled: boolean | null;
  onPremisesLastSyncDateTime: string | null;
  /** Graph `onPremisesProvisioningErrors` (quarantined UPN / proxy values). */
  provisioningErrors: {
    category: string;
    propertyCausingError: string;
    value: string;
    occurredDateTime: string;
  }[];
}

/** One linked pair to observe: the cloud user it links and the anchor Entra should stamp on it. */
export interface ObservedLink {
  cloudUserId: string;
  immutableId: string;
}

/** Batched, read-only observation of linked users (User.Read.All is enough). */
export interface JoinObservationPort {
  /**
   * For every link: the linked user (undefined when gone) and every user holding its anchor (a
   * duplicate shows up as a synced user with the anchor and another id). Reads in batches.
   */
  observe(links: readonly ObservedLink[]): Promise<{
    users: Map<string, SyncObservation | undefined>;
    byAnchor: Map<string, SyncObservation[]>;
  }>;
}

/** The per-step result of Cloud Sync's provisionOnDemand for one AD user. */
export interface OnDemandResult {
  /** `Success`, `Failure` or `Skipped` (the answer's `key.result`). */
  result: string;
  /** `Create`, `Update`, `Other`, … */
  action?: string;
  errorCode?: string;
  errorMessage?: string;
  /** The cloud object the export went to (targetIdentity.id). */
  targetObjectId?: string;
  /** From the Matching step, when it names the matched object and attribute. */
  matchedObjectId?: string;
  matchedBy?: string;
  steps: { name: string; type: string; status: string; description: string }[];
}

/** Entra Cloud Sync's provision on demand (Synchronization.ReadWrite.All or Application.ReadWrite.OwnedBy). */
export interface OnDemandProvisioningPort {
  provisionOnDemand(distinguishedName: string): Promise<OnDemandResult>;
}
