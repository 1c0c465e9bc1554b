/**
 * Entra ID through Microsoft Graph v1.0: the only module that uses the Graph client. One client
 * (and one token cache) per provider process, created lazily; tenant-wide facts (domains, sync
 * features, role definitions) are read once per process and shared by every link.
 */
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import type { EntraSettings } from "../config/settings";
import { NotFoundError } from "../errors";
import { createCredential } from "./credential";
import { FreshTokenHandler } from "./fresh-token-handler";
import { mapGraphError } from "./graph-errors";

const MICROSOFT_GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "graph.microsoft.de",
  "microsoftgraph.chinacloudapi.cn",
  "canary.graph.microsoft.com",
]);

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
] as const;

/** Properties we read of a linked cloud user; most are not in Graph's default set, so always $select. */
export const CLOUD_USER_SELECT = [
  ...CLOUD_USER_MATCH_PROPERTIES,
  "onPremisesLastSyncDateTime",
  "onPremisesSamAccountName",
  "onPremisesDistinguishedName",
  "onPremisesUserPrincipalName",
].join(",");

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
}

export type CloudSelector = { userPrincipalName: string } | { id: string };

export interface RoleInfo {
  roleDefinitionId: string;
  displayName: string;
  isPrivileged: boolean;
}

export interface CloudRoles {
  active: RoleInfo[];
  eligible: RoleInfo[];
}

export interface SyncFeatures {
  blockSoftMatchEnabled?: boolean;
  blockCloudObjectTakeoverThroughHardMatchEnabled?: boolean;
  softMatchOnUpnEnabled?: boolean;
}

export interface TenantFacts {
  domains: { id: string; isVerified: boolean; isInitial: boolean; authenticationType: string }[];
  initialDomain?: string;
  tenantSyncEnabled?: boolean | null;
  /** Undefined when they could not be read; `featuresUnreadableReason` says why. */
  features?: SyncFeatures;
  featuresUnreadableReason?: string;
}

/** Role names that count as privileged when Graph does not say (`isPrivileged` is a newer property). */
export const PRIVILEGED_ROLE_TEMPLATE_IDS: ReadonlySet<string> = new Set([
  "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
  "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
  "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", // Privileged Authentication Administrator
  "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
  "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", // Hybrid Identity Administrator
  "29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
  "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", // SharePoint Administrator
  "c4e39bd9-1100-46d3-8c65-fb160da0071f", // Authentication Administrator
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", // Application Administrator
  "158c047a-c907-4556-b7ef-446551a6b5f7", // Cloud Application Administrator
  "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", // Conditional Access Administrator
  "194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
]);

/**
 * The token scope for Graph: the national cloud's own Graph resource, or, for a host that only
 * fronts Graph (a proxy, the test emulator), Microsoft Graph's resource id unless configured.
 */
export function graphScope(settings: EntraSettings): string {
  if (settings.graphScope !== undefined) return settings.graphScope;
  const url = new URL(settings.graphBaseUrl);
  return MICROSOFT_GRAPH_HOSTS.has(url.hostname)
    ? `${url.origin}/.default`
    : "https://graph.microsoft.com/.default";
}

function escapeODataString(value: string): string {
  return value.replace(/'/g, "''");
}

export class EntraDirectory {
  private graph: Client | undefined;
  private tenantFactsPromise: Promise<TenantFacts> | undefined;
  private roleDefinitions = new Map<string, Promise<RoleInfo>>();

  constructor(private readonly settings: EntraSettings) {}

  /** The shared Graph client. The credential caches and renews tokens itself. */
  client(): Client {
    if (this.graph === undefined) {
      const credential = createCredential(this.settings);
      const scope = graphScope(this.settings);
      const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] });
      const auth = new AuthenticationHandler(authProvider);
      // Up to 6 retries of 429/503/504, honouring Retry-After (the handler's own rule).
      const retry = new RetryHandler(new RetryHandlerOptions(1, 6));
      const redirect = new RedirectHandler(new RedirectHandlerOptions());
      const telemetry = new TelemetryHandler();
      const http = new HTTPMessageHandler();
      // Retry before authentication: a retry after a long Retry-After then asks the credential
      // again and carries a fresh token instead of the one that expired meanwhile.
      const fresh = new FreshTokenHandler();
      retry.setNext(fresh);
      fresh.setNext(auth);
      auth.setNext(redirect);
      redirect.setNext(telemetry);
      telemetry.setNext(http);
      const host = new URL(this.settings.graphBaseUrl).hostname;
      this.graph = Client.initWithMiddleware({
        middleware: retry,
        baseUrl: this.settings.graphBaseUrl,
        defaultVersion: "v1.0",
        // The Graph client sends tokens only to hosts it knows; sovereign and test hosts must be listed.
        ...(MICROSOFT_GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
      });
    }
    return this.graph;
  }

  /** GETs are idempotent: retry once more on a dropped connection (429/5xx are retried by the client). */
  private async get<T>(operation: string, permission: string, call: (c: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(this.client());
      } catch (err) {
        const mapped = mapGraphError(err, operation, permission);
        if (mapped.name === "DirectoryUnavailableError" && attempt < 2) {
          await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
          continue;
        }
        throw mapped;
      }
    }
  }

  private normalizeUser(raw: Record<string, unknown>): CloudUser {
    return {
      ...(raw as unknown as CloudUser),
      proxyAddresses: (raw["proxyAddresses"] as string[] | undefined) ?? [],
    };
  }

  /**
   * The single cloud user a selector names.
   * @throws NotFoundError
   */
  async getUser(selector: CloudSelector): Promise<CloudUser> {
    const key = "id" in selector ? selector.id : selector.userPrincipalName;
    try {
      const raw = await this.get(`read cloud user ${key}`, "User.Read.All", (c) =>
        c
          .api(`/users/${encodeURIComponent(key)}`)
          .select(CLOUD_USER_SELECT)
          .get(),
      );
      return this.normalizeUser(raw);
    } catch (err) {
      if ((err as { name?: string }).name === "NotFoundError") {
        throw new NotFoundError(
          "CLOUD_USER_NOT_FOUND",
          `ad-entra-link: no Entra ID user has ${"id" in selector ? "id" : "userPrincipalName"} "${key}" in tenant ${this.settings.tenantId}.`,
          { cause: err },
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

  /** Cloud objects other than `excludeId` holding a UPN or address as UPN, mail or proxy address. */
  async findHolders(
    value: string,
    excludeId: string,
  ): Promise<{ id: string; userPrincipalName: string; attribute: string }[]> {
    const v = escapeODataString(value);
    const filter =
      `userPrincipalName eq '${v}' or mail eq '${v}' or ` +
      `proxyAddresses/any(p:p eq 'SMTP:${v}') or proxyAddresses/any(p:p eq 'smtp:${v}')`;
    const res = (await this.get(`collision search for ${value}`, "User.Read.All", (c) =>
      c.api("/users").filter(filter).select("id,userPrincipalName,mail,proxyAddresses").top(10).get(),
    )) as { value: Record<string, unknown>[] };
    const lower = value.toLowerCase();
    return res.value
      .map((raw) => this.normalizeUser(raw))
      .filter((u) => u.id !== excludeId)
      .map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        attribute:
          u.userPrincipalName.toLowerCase() === lower
            ? "userPrincipalName"
            : (u.mail ?? "").toLowerCase() === lower
              ? "mail"
              : "proxyAddresses",
      }));
  }

  /** Cloud objects other than `excludeId` whose ImmutableId is `immutableId`. */
  async findByImmutableId(
    immutableId: string,
    excludeId: string,
  ): Promise<{ id: string; userPrincipalName: string }[]> {
    const res = (await this.get(`ImmutableId search`, "User.Read.All", (c) =>
      c
        .api("/users")
        .filter(`onPremisesImmutableId eq '${escapeODataString(immutableId)}'`)
        .select("id,userPrincipalName")
        .top(10)
        .get(),
    )) as { value: { id: string; userPrincipalName: string }[] };
    return res.value.filter((u) => u.id !== excludeId);
  }

  /** Active and PIM-eligible directory roles of a user. */
  async getRoles(userId: string): Promise<CloudRoles> {
    const filter = `principalId eq '${escapeODataString(userId)}'`;
    const [assignments, eligibilities] = await Promise.all([
      this.get(`read role assignments of ${userId}`, "RoleManagement.Read.Directory", (c) =>
        c.api("/roleManagement/directory/roleAssignments").filter(filter).get(),
      ) as Promise<{ value: { roleDefinitionId: string }[] }>,
      this.get(`read PIM eligibility of ${userId}`, "RoleEligibilitySchedule.Read.Directory", (c) =>
        c.api("/roleManagement/directory/roleEligibilityScheduleInstances").filter(filter).get(),
      ) as Promise<{ value: { roleDefinitionId: string }[] }>,
    ]);
    const resolve = (items: { roleDefinitionId: string }[]) =>
      Promise.all(items.map((i) => this.roleDefinition(i.roleDefinitionId)));
    return { active: await resolve(assignments.value), eligible: await resolve(eligibilities.value) };
  }

  private roleDefinition(id: string): Promise<RoleInfo> {
    let pending = this.roleDefinitions.get(id);
    if (pending === undefined) {
      pending = this.get(`read role definition ${id}`, "RoleManagement.Read.Directory", (c) =>
        c.api(`/roleManagement/directory/roleDefinitions/${encodeURIComponent(id)}`).get(),
      ).then((d: { displayName?: string; templateId?: string; isPrivileged?: boolean }) => ({
        roleDefinitionId: id,
        displayName: d.displayName ?? id,
        isPrivileged: d.isPrivileged ?? PRIVILEGED_ROLE_TEMPLATE_IDS.has(d.templateId ?? id),
      }));
      pending.catch(() => this.roleDefinitions.delete(id));
      this.roleDefinitions.set(id, pending);
    }
    return pending;
  }

  /** Domains, organization sync flag and (when readable) the tenant's sync features. Once per process. */
  tenantFacts(): Promise<TenantFacts> {
    if (this.tenantFactsPromise === undefined) {
      const pending = this.readTenantFacts();
      this.tenantFactsPromise = pending;
      pending.catch(() => {
        if (this.tenantFactsPromise === pending) this.tenantFactsPromise = undefined;
      });
    }
    return this.tenantFactsPromise;
  }

  private async readTenantFacts(): Promise<TenantFacts> {
    const [domains, organization, features] = await Promise.all([
      this.get("read tenant domains", "Domain.Read.All", (c) => c.api("/domains").get()) as Promise<{
        value: { id: string; isVerified: boolean; isInitial: boolean; authenticationType: string }[];
      }>,
      this.get("read organization", "Organization.Read.All", (c) =>
        c.api("/organization").select("id,onPremisesSyncEnabled").get(),
      ) as Promise<{ value: { onPremisesSyncEnabled?: boolean | null }[] }>,
      this.readSyncFeatures(),
    ]);
    const facts: TenantFacts = {
      domains: domains.value.map((d) => ({
        id: d.id,
        isVerified: d.isVerified,
        isInitial: d.isInitial,
        authenticationType: d.authenticationType,
      })),
      tenantSyncEnabled: organization.value[0]?.onPremisesSyncEnabled ?? null,
    };
    const initial = domains.value.find((d) => d.isInitial)?.id;
    if (initial !== undefined) facts.initialDomain = initial;
    if ("features" in features) facts.features = features.features;
    else facts.featuresUnreadableReason = features.reason;
    return facts;
  }

  /** Microsoft allows this read only with delegated Global Administrator rights; app-only gets 403. */
  private async readSyncFeatures(): Promise<{ features: SyncFeatures } | { reason: string }> {
    try {
      const res = (await this.client().api("/directory/onPremisesSynchronization").get()) as {
        value?: { features?: SyncFeatures }[];
      };
      const f = res.value?.[0]?.features;
      if (f === undefined) return { reason: "the tenant returned no onPremisesSynchronization object" };
      return {
        features: {
          ...(f.blockSoftMatchEnabled !== undefined
            ? { blockSoftMatchEnabled: f.blockSoftMatchEnabled }
            : {}),
          ...(f.blockCloudObjectTakeoverThroughHardMatchEnabled !== undefined
            ? {
                blockCloudObjectTakeoverThroughHardMatchEnabled:
                  f.blockCloudObjectTakeoverThroughHardMatchEnabled,
              }
            : {}),
          ...(f.softMatchOnUpnEnabled !== undefined
            ? { softMatchOnUpnEnabled: f.softMatchOnUpnEnabled }
            : {}),
        },
      };
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 403 || status === 401) {
        return {
          reason:
            "GET /directory/onPremisesSynchronization needs delegated Global Administrator rights (application permissions are not supported), so the tenant's sync features could not be read",
        };
      }
      return { reason: `reading /directory/onPremisesSynchronization failed (${status ?? "no response"})` };
    }
  }

  /** Stamps (or clears, with null) the ImmutableId of a cloud-managed user. Idempotent, so retried. */
  async setImmutableId(userId: string, immutableId: string | null): Promise<void> {
    await this.get(`set onPremisesImmutableId of ${userId}`, "User.ReadWrite.All", (c) =>
      c.api(`/users/${encodeURIComponent(userId)}`).patch({ onPremisesImmutableId: immutableId }),
    );
  }

  /** Lists users page by page ($top=999), for discovery. */
  async listUsers(select: string, onPage: (users: CloudUser[]) => void): Promise<void> {
    let next: string | undefined = `/users?$top=999&$select=${select}`;
    while (next !== undefined) {
      const url: string = next;
      const page = (await this.get("list cloud users", "User.Read.All", (c) => c.api(url).get())) as {
        value: Record<string, unknown>[];
        "@odata.nextLink"?: string;
      };
      onPage(page.value.map((raw) => this.normalizeUser(raw)));
      next = page["@odata.nextLink"];
    }
  }
}
