/**
 * Entra ID through Microsoft Graph v1.0: `EntraDirectory` implements the engine's `EntraPort` (and
 * the bulk reads discovery needs). The Graph client lives in graph-transport.ts and is reached only
 * through encoded `GraphPath`s (odata-query.ts); holders, roles and ownership have their own modules.
 * Tenant-wide facts (domains, sync features, role definitions) are read once per process.
 */
import type { EntraSettings } from "../config/settings";
import type {
  AnchorHolder,
  CloudHolder,
  CloudRoles,
  CloudSelector,
  CloudUser,
  EntraPort,
  Ownership,
  SyncFeatures,
  TenantFacts,
} from "../domain/ports";
import { NotFoundError } from "../errors";
import { SharedAttempt } from "../shared-attempt";
import { GraphTransport } from "./graph-transport";
import { findCloudAnchorHolders, findCloudHolders, OTHER_HOLDER_SELECT } from "./holders";
import { listUsersWithOwnership, type UserWithOwnership } from "./bulk-ownership";
import { graphPath } from "./odata-query";
import { readOwnership, removeOwnership, writeOwnership } from "./ownership";
import { RoleDirectory } from "./roles";

export type {
  AnchorHolder,
  CloudHolder,
  CloudRoles,
  CloudSelector,
  CloudUser,
  Ownership,
  RoleFact,
  SyncFeatures,
  TenantFacts,
} from "../domain/ports";
export { graphScope, MICROSOFT_GRAPH_HOSTS } from "./graph-hosts";
export { PRIVILEGED_ROLE_TEMPLATE_IDS } from "./roles";

/** What matching needs to know of a cloud user (discovery reads only these, for 10k-user tenants). */
export const CLOUD_USER_MATCH_PROPERTIES = [
  "id",
  "userPrincipalName",
  "displayName",
  "givenName",
  "surname",
  "mail",
  "mailNickname",
  "proxyAddresses",
  "employeeId",
  "userType",
  "onPremisesImmutableId",
  "onPremisesSyncEnabled",
  "onPremisesSecurityIdentifier",
] as const;

/** Properties we read of a linked cloud user; most are not in Graph's default set, so always $select. */
export const CLOUD_USER_PROPERTIES: readonly string[] = [
  ...CLOUD_USER_MATCH_PROPERTIES,
  "onPremisesLastSyncDateTime",
  "onPremisesSamAccountName",
  "onPremisesDistinguishedName",
  "onPremisesUserPrincipalName",
];

/**
 * What a refresh reads of each user: the fields its state records and its drift check plans from
 * (recorded.ts cloudState, plan.ts CloudFacts). Users read with these answer refresh's reads only.
 */
export const CLOUD_REFRESH_PROPERTIES: readonly string[] = [
  "id",
  "userPrincipalName",
  "mail",
  "proxyAddresses",
  "onPremisesImmutableId",
  "onPremisesSyncEnabled",
];

/** The same, as the comma-separated `$select` text. */
export const CLOUD_USER_SELECT = CLOUD_USER_PROPERTIES.join(",");

const SYNC_FEATURE_KEYS = [
  "blockSoftMatchEnabled",
  "blockCloudObjectTakeoverThroughHardMatchEnabled",
  "softMatchOnUpnEnabled",
  "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
] as const satisfies readonly (keyof SyncFeatures)[];

function normalizeUser(raw: Record<string, unknown>): CloudUser {
  return {
    ...(raw as unknown as CloudUser),
    proxyAddresses: (raw["proxyAddresses"] as string[] | null | undefined) ?? [],
  };
}

export class EntraDirectory implements EntraPort {
  private readonly graph: GraphTransport;
  private readonly roles: RoleDirectory;
  /** Tenant facts, read once per process (a failed read is tried again by the next caller). */
  private readonly facts = new SharedAttempt<TenantFacts>(() => this.readTenantFacts());

  constructor(private readonly settings: EntraSettings) {
    this.graph = new GraphTransport(settings);
    this.roles = new RoleDirectory(this.graph);
  }

  /**
   * The single cloud user a selector names.
   * @throws NotFoundError
   */
  async getUser(selector: CloudSelector): Promise<CloudUser> {
    const key = "id" in selector ? selector.id : selector.userPrincipalName;
    try {
      const raw = await this.graph.send<Record<string, unknown>>(
        graphPath`/users/${key}`.withQuery({ select: CLOUD_USER_PROPERTIES }),
        { operation: `read cloud user ${key}`, permission: "User.Read.All" },
      );
      return normalizeUser(raw);
    } catch (err) {
      if ((err as { name?: string }).name === "NotFoundError") {
        throw new NotFoundError(
          "CLOUD_USER_NOT_FOUND",
          `ad-entra-link: no Entra ID user has ${"id" in selector ? "id" : "userPrincipalName"} "${key}" in tenant ${this.settings.tenantId}.`,
          { cause: err, side: "cloud" },
        );
      }
      throw err;
    }
  }

  /** Reads a cloud user by id; undefined when it no longer exists. */
  async findUserById(id: string): Promise<CloudUser | undefined> {
    try {
      return await this.getUser({ id });
    } catch (err) {
      if ((err as { name?: string }).name === "NotFoundError") return undefined;
      throw err;
    }
  }

  findHolders(values: readonly string[], excludeId: string): Promise<CloudHolder[]> {
    return findCloudHolders(this.graph, values, excludeId);
  }

  findAnchorHolders(immutableId: string, excludeId: string): Promise<AnchorHolder[]> {
    return findCloudAnchorHolders(this.graph, immutableId, excludeId);
  }

  /** Active and PIM-eligible directory roles of a user. */
  getRoles(userId: string): Promise<CloudRoles> {
    return this.roles.rolesOf(userId);
  }

  /** Active and PIM-eligible roles of every principal that has any (discovery: three list reads). */
  readAllRoles(): Promise<Map<string, CloudRoles>> {
    return this.roles.allRoles();
  }

  getOwnership(userId: string): Promise<Ownership | undefined> {
    return readOwnership(this.graph, userId);
  }

  setOwnership(userId: string, ownership: Ownership): Promise<void> {
    return writeOwnership(this.graph, userId, ownership);
  }

  releaseOwnership(userId: string, owner: string): Promise<void> {
    return removeOwnership(this.graph, userId, owner);
  }

  /** Domains, organization sync flag and (when readable) the tenant's sync features. Once per process. */
  tenantFacts(): Promise<TenantFacts> {
    return this.facts.get();
  }

  private async readTenantFacts(): Promise<TenantFacts> {
    type Domain = { id: string; isVerified: boolean; isInitial: boolean; authenticationType: string };
    const [domains, organization, features] = await Promise.all([
      this.graph.list<Domain>(graphPath`/domains`, {
        operation: "read tenant domains",
        permission: "Domain.Read.All",
      }),
      this.graph.list<{ onPremisesSyncEnabled?: boolean | null }>(
        graphPath`/organization`.withQuery({ select: ["id", "onPremisesSyncEnabled"] }),
        { operation: "read organization", permission: "Organization.Read.All" },
      ),
      this.readSyncFeatures(),
    ]);
    const facts: TenantFacts = {
      domains: domains.map((d) => ({
        id: d.id,
        isVerified: d.isVerified,
        isInitial: d.isInitial,
        authenticationType: d.authenticationType,
      })),
      tenantSyncEnabled: organization[0]?.onPremisesSyncEnabled ?? null,
    };
    const initial = domains.find((d) => d.isInitial)?.id;
    if (initial !== undefined) facts.initialDomain = initial;
    if ("features" in features) facts.features = features.features;
    else facts.featuresUnreadableReason = features.reason;
    return facts;
  }

  /** Microsoft allows this read only with delegated Global Administrator rights; app-only gets 403. */
  private async readSyncFeatures(): Promise<{ features: SyncFeatures } | { reason: string }> {
    let res: { status: number; body: { value?: { features?: Record<string, unknown> }[] } | undefined };
    try {
      res = await this.graph.send(graphPath`/directory/onPremisesSynchronization`, {
        operation: "read tenant sync features",
        permission: "OnPremDirectorySynchronization.Read.All",
        expect: [401, 403],
      });
    } catch (err) {
      const status = (err as { cause?: { statusCode?: number } }).cause?.statusCode;
      return { reason: `reading /directory/onPremisesSynchronization failed (${status ?? "no response"})` };
    }
    if (res.status === 401 || res.status === 403) {
      return {
        reason:
          "GET /directory/onPremisesSynchronization needs delegated Global Administrator rights (application permissions are not supported), so the tenant's sync features could not be read",
      };
    }
    const f = res.body?.value?.[0]?.features;
    if (f === undefined) return { reason: "the tenant returned no onPremisesSynchronization object" };
    const features: SyncFeatures = {};
    for (const key of SYNC_FEATURE_KEYS) {
      const v = f[key];
      if (typeof v === "boolean") features[key] = v;
    }
    return { features };
  }

  /** Stamps (or clears, with null) the ImmutableId of a cloud-managed user. Idempotent, so retried. */
  async setImmutableId(userId: string, immutableId: string | null): Promise<void> {
    await this.graph.send(graphPath`/users/${userId}`, {
      operation: `set onPremisesImmutableId of ${userId}`,
      permission: "User.ReadWrite.All",
      method: "PATCH",
      body: { onPremisesImmutableId: immutableId },
      idempotent: true,
    });
  }

  /** Lists every user, page by page ($top=999, only `properties`), for discovery. */
  async listUsers(properties: readonly string[], onPage: (users: CloudUser[]) => void): Promise<void> {
    await this.graph.list<Record<string, unknown>>(
      graphPath`/users`.withQuery({ select: properties, top: 999 }),
      { operation: "list cloud users", permission: "User.Read.All" },
      (page) => onPage(page.map(normalizeUser)),
    );
  }

  /** Lists every user with its ownership record ($expand=extensions), for the bulk-read cache. */
  listUsersWithOwnership(
    properties: readonly string[],
    onPage: (users: UserWithOwnership[]) => void,
  ): Promise<void> {
    return listUsersWithOwnership(this.graph, properties, onPage);
  }

  /**
   * Every group or org contact with the properties holder look-ups read (the bulk-read cache in
   * provider/bulk answers holder look-ups from these pages).
   */
  listAddressObjects(collection: "groups" | "contacts"): Promise<Record<string, unknown>[]> {
    const path = collection === "groups" ? graphPath`/groups` : graphPath`/contacts`;
    return this.graph.list<Record<string, unknown>>(
      path.withQuery({ select: OTHER_HOLDER_SELECT, top: 999 }),
      collection === "groups"
        ? { operation: "list groups", permission: "GroupMember.Read.All" }
        : { operation: "list org contacts", permission: "OrgContact.Read.All" },
    );
  }

  /** Every soft-deleted user with its ImmutableId (the bulk-read cache's anchor holders). */
  listDeletedUsers(): Promise<Record<string, unknown>[]> {
    return this.graph.list<Record<string, unknown>>(
      graphPath`/directory/deletedItems/microsoft.graph.user`.withQuery({
        select: ["id", "userPrincipalName", "onPremisesImmutableId", "onPremisesSyncEnabled"],
        top: 999,
      }),
      { operation: "list deleted users", permission: "User.Read.All" },
    );
  }
}
