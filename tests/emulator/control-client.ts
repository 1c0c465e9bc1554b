/**
 * EmulatorControl: typed client of the emulator's control API (/_emulator/…), over node:https with
 * the test CA (TLS verified). Works against an in-process emulator and a child-process one alike.
 */
import type { JsonWebKey } from "node:crypto";
import * as https from "node:https";
import type { SeedApp, SeedDomain } from "../fixtures/seed-scenario";
import type { ActiveFaultRule, FaultRule, RequestLogEntry } from "./faults";
import type {
  CloudContact,
  CloudContactInput,
  CloudGroup,
  CloudGroupInput,
  CloudUser,
  CloudUserInput,
  DeletedCloudUser,
  DeletedCloudUserInput,
  EmulatorBehavior,
  RoleAssignmentRecord,
  SyncFeatures,
  TenantSeed,
} from "./model";
import type { CreatedApp, TenantCreated } from "./store";
import type { CloudSyncConfigRequest } from "./cloud-sync/state";
import type { SyncScheduleRequest, SyncScheduleStatus } from "./sync/schedule";
import type { SyncCycleReport, SyncCycleRequest } from "./sync/types";

/** What the control API shows of a tenant's Cloud Sync job (no bind password). */
export interface CloudSyncPublicConfig {
  servicePrincipalId: string;
  jobId: string;
  ruleId: string;
  scope: string[];
  upnSoftMatch: boolean;
  onDemandCallsAnswered: number;
  onDemandCallsThrottled: number;
}

export interface EmulatorControlOptions {
  /** Emulator base URL, e.g. "https://127.0.0.1:40123". */
  baseUrl: string;
  /** CA that issued the emulator's certificate. */
  caCertPem: string;
  /** Static key, when the emulator was started with one. */
  controlKey?: string;
}

export class EmulatorControlError extends Error {
  override readonly name = "EmulatorControlError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RoleChange {
  principalId: string;
  /** Display name ("Global Administrator") or template id. */
  role: string;
  kind?: "active" | "eligible";
}

export class EmulatorControl {
  private readonly agent: https.Agent;
  private readonly options: EmulatorControlOptions;

  /** `new EmulatorControl({ baseUrl, caCertPem, controlKey? })` or `new EmulatorControl(baseUrl, caCertPem, controlKey?)`. */
  constructor(options: EmulatorControlOptions | string, caCertPem?: string, controlKey?: string) {
    if (typeof options === "string") {
      if (caCertPem === undefined) throw new Error("EmulatorControl: caCertPem is required");
      this.options = { baseUrl: options, caCertPem, ...(controlKey !== undefined ? { controlKey } : {}) };
    } else {
      this.options = options;
    }
    this.agent = new https.Agent({ ca: this.options.caCertPem, keepAlive: false });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  private request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = new URL(`/_emulator/${path}`, this.options.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    if (this.options.controlKey !== undefined) headers["x-emulator-control-key"] = this.options.controlKey;
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, text } = await this.request(method, path, body);
    if (status >= 400) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        // keep raw text
      }
      throw new EmulatorControlError(status, `${method} /_emulator/${path} → ${status}: ${message}`);
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  health(): Promise<{ ok: boolean; baseUrl: string }> {
    return this.call("GET", "health");
  }

  // ---- tenants --------------------------------------------------------------------------------

  /** Creates a tenant from a seed; the result carries app secrets and generated certificate/key PEMs. */
  createTenant(seed: TenantSeed): Promise<TenantCreated> {
    return this.call("POST", "tenants", seed);
  }

  listTenants(): Promise<{ tenantId: string; displayName: string }[]> {
    return this.call<{ tenants: { tenantId: string; displayName: string }[] }>("GET", "tenants").then(
      (r) => r.tenants,
    );
  }

  getTenant(tenantId: string): Promise<TenantCreated> {
    return this.call("GET", `tenants/${tenantId}`);
  }

  /** Rebuilds the tenant from its seed (same id, same generated certificates); log and faults untouched. */
  resetTenant(tenantId: string): Promise<TenantCreated> {
    return this.call("POST", `tenants/${tenantId}/reset`);
  }

  async deleteTenant(tenantId: string): Promise<void> {
    await this.call("DELETE", `tenants/${tenantId}`);
  }

  /** Canonical JSON of the tenant's directory state (sorted keys; volatile timestamps left out by default). */
  async snapshot(tenantId: string, options: { includeTimestamps?: boolean } = {}): Promise<string> {
    const { status, text } = await this.request(
      "GET",
      `tenants/${tenantId}/snapshot${options.includeTimestamps ? "?includeTimestamps=true" : ""}`,
    );
    if (status !== 200) throw new EmulatorControlError(status, `snapshot ${tenantId} → ${status}: ${text}`);
    return text;
  }

  // ---- users and roles ------------------------------------------------------------------------

  /** Raw stored users (all properties, incl. the beta-only onPremisesObjectIdentifier). */
  listUsers(tenantId: string): Promise<CloudUser[]> {
    return this.call<{ users: CloudUser[] }>("GET", `tenants/${tenantId}/users`).then((r) => r.users);
  }

  getUser(tenantId: string, userId: string): Promise<CloudUser> {
    return this.call("GET", `tenants/${tenantId}/users/${encodeURIComponent(userId)}`);
  }

  addUsers(tenantId: string, users: CloudUserInput[]): Promise<{ added: number; ids: string[] }> {
    return this.call("POST", `tenants/${tenantId}/users`, { users });
  }

  /** Sets stored fields directly, bypassing Graph's rules (to arrange a scenario). */
  patchUser(tenantId: string, userId: string, patch: Partial<CloudUser>): Promise<CloudUser> {
    return this.call("PATCH", `tenants/${tenantId}/users/${encodeURIComponent(userId)}`, patch);
  }

  async deleteUser(tenantId: string, userId: string): Promise<void> {
    await this.call("DELETE", `tenants/${tenantId}/users/${encodeURIComponent(userId)}`);
  }

  // ---- groups, contacts, recycle bin, open extensions ------------------------------------------

  listGroups(tenantId: string): Promise<CloudGroup[]> {
    return this.call<{ groups: CloudGroup[] }>("GET", `tenants/${tenantId}/groups`).then((r) => r.groups);
  }

  addGroups(tenantId: string, groups: CloudGroupInput[]): Promise<{ added: number; ids: string[] }> {
    return this.call("POST", `tenants/${tenantId}/groups`, { groups });
  }

  async deleteGroup(tenantId: string, groupId: string): Promise<void> {
    await this.call("DELETE", `tenants/${tenantId}/groups/${encodeURIComponent(groupId)}`);
  }

  listContacts(tenantId: string): Promise<CloudContact[]> {
    return this.call<{ contacts: CloudContact[] }>("GET", `tenants/${tenantId}/contacts`).then(
      (r) => r.contacts,
    );
  }

  addContacts(tenantId: string, contacts: CloudContactInput[]): Promise<{ added: number; ids: string[] }> {
    return this.call("POST", `tenants/${tenantId}/contacts`, { contacts });
  }

  async deleteContact(tenantId: string, contactId: string): Promise<void> {
    await this.call("DELETE", `tenants/${tenantId}/contacts/${encodeURIComponent(contactId)}`);
  }

  /** The recycle bin (soft-deleted users). */
  listDeletedUsers(tenantId: string): Promise<DeletedCloudUser[]> {
    return this.call<{ users: DeletedCloudUser[] }>("GET", `tenants/${tenantId}/deleted-users`).then(
      (r) => r.users,
    );
  }

  /** Puts users straight into the recycle bin (as if deleted earlier). */
  addDeletedUsers(
    tenantId: string,
    users: DeletedCloudUserInput[],
  ): Promise<{ added: number; ids: string[] }> {
    return this.call("POST", `tenants/${tenantId}/deleted-users`, { users });
  }

  /** Purges a soft-deleted user (hard delete). */
  async purgeDeletedUser(tenantId: string, userId: string): Promise<void> {
    await this.call("DELETE", `tenants/${tenantId}/deleted-users/${encodeURIComponent(userId)}`);
  }

  /** Raw open extensions of a user, by extension name. */
  getExtensions(tenantId: string, userId: string): Promise<Record<string, Record<string, unknown>>> {
    return this.call<{ extensions: Record<string, Record<string, unknown>> }>(
      "GET",
      `tenants/${tenantId}/extensions/${encodeURIComponent(userId)}`,
    ).then((r) => r.extensions);
  }

  /** Replaces a user's open extensions, bypassing Graph's rules (to arrange a scenario). */
  async setExtensions(
    tenantId: string,
    userId: string,
    extensions: Record<string, Record<string, unknown>>,
  ): Promise<void> {
    await this.call("PUT", `tenants/${tenantId}/extensions/${encodeURIComponent(userId)}`, { extensions });
  }

  listRoleAssignments(tenantId: string): Promise<RoleAssignmentRecord[]> {
    return this.call<{ assignments: RoleAssignmentRecord[] }>("GET", `tenants/${tenantId}/roles`).then(
      (r) => r.assignments,
    );
  }

  /** Active assignment or PIM eligibility (`kind: "eligible"`). */
  assignRole(tenantId: string, change: RoleChange): Promise<RoleAssignmentRecord> {
    return this.call("POST", `tenants/${tenantId}/roles`, { kind: "active", ...change });
  }

  removeRole(tenantId: string, change: RoleChange): Promise<{ removed: boolean }> {
    return this.call("POST", `tenants/${tenantId}/roles/remove`, { kind: "active", ...change });
  }

  // ---- tenant configuration -------------------------------------------------------------------

  setDomains(tenantId: string, domains: SeedDomain[]): Promise<{ domains: SeedDomain[] }> {
    return this.call("PUT", `tenants/${tenantId}/domains`, { domains });
  }

  getFeatures(tenantId: string): Promise<SyncFeatures> {
    return this.call("GET", `tenants/${tenantId}/features`);
  }

  setFeatures(tenantId: string, features: Partial<SyncFeatures>): Promise<SyncFeatures> {
    return this.call("PATCH", `tenants/${tenantId}/features`, features);
  }

  setBehavior(tenantId: string, behavior: Partial<EmulatorBehavior>): Promise<EmulatorBehavior> {
    return this.call("PATCH", `tenants/${tenantId}/behavior`, behavior);
  }

  addApp(tenantId: string, app: SeedApp): Promise<CreatedApp> {
    return this.call("POST", `tenants/${tenantId}/apps`, app);
  }

  /** Changes granted application permissions (new tokens carry them) or secrets. */
  updateApp(
    tenantId: string,
    clientId: string,
    change: { roles?: string[]; secrets?: string[] },
  ): Promise<unknown> {
    return this.call("PATCH", `tenants/${tenantId}/apps/${clientId}`, change);
  }

  setTokenLifetime(tenantId: string, seconds: number): Promise<{ seconds: number }> {
    return this.call("PUT", `tenants/${tenantId}/token-lifetime`, { seconds });
  }

  setOrganization(tenantId: string, org: { onPremisesSyncEnabled: boolean | null }): Promise<unknown> {
    return this.call("PATCH", `tenants/${tenantId}/organization`, org);
  }

  /** Entra Connect connector state: sourceAnchor → cloud user id. */
  getConnector(tenantId: string): Promise<Record<string, string>> {
    return this.call<{ anchors: Record<string, string> }>("GET", `tenants/${tenantId}/connector`).then(
      (r) => r.anchors,
    );
  }

  /** Runs one Entra Connect sync cycle (LDAPS import or in-memory records) and returns its report. */
  runSyncCycle(tenantId: string, request: SyncCycleRequest): Promise<SyncCycleReport> {
    return this.call("POST", `tenants/${tenantId}/sync-cycle`, request);
  }

  /** Starts (or replaces) the background Entra Connect cycle of a tenant: one cycle every `intervalMs`. */
  startSyncSchedule(tenantId: string, request: SyncScheduleRequest): Promise<SyncScheduleStatus> {
    return this.call("PUT", `tenants/${tenantId}/sync-schedule`, request);
  }

  syncSchedule(tenantId: string): Promise<SyncScheduleStatus> {
    return this.call("GET", `tenants/${tenantId}/sync-schedule`);
  }

  stopSyncSchedule(tenantId: string): Promise<SyncScheduleStatus> {
    return this.call("DELETE", `tenants/${tenantId}/sync-schedule`);
  }

  /** Configures Entra Cloud Sync's provisioning job (provisionOnDemand reads AD through `ldap`). */
  configureCloudSync(tenantId: string, request: CloudSyncConfigRequest): Promise<CloudSyncPublicConfig> {
    return this.call("PUT", `tenants/${tenantId}/cloud-sync`, request);
  }

  cloudSync(tenantId: string): Promise<CloudSyncPublicConfig> {
    return this.call("GET", `tenants/${tenantId}/cloud-sync`);
  }

  // ---- federation, log, faults ------------------------------------------------------------------

  /** Trusts `issuer`'s signing keys (JWKs) for federated client assertions. */
  async registerFederatedIssuer(issuer: string, keys: JsonWebKey[]): Promise<void> {
    await this.call("PUT", "federated-issuers", { issuer, keys });
  }

  async removeFederatedIssuer(issuer?: string): Promise<void> {
    await this.call(
      "DELETE",
      `federated-issuers${issuer === undefined ? "" : `?issuer=${encodeURIComponent(issuer)}`}`,
    );
  }

  requests(filter: { tenant?: string; sinceSeq?: number } = {}): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.tenant !== undefined) q.set("tenant", filter.tenant);
    if (filter.sinceSeq !== undefined) q.set("sinceSeq", String(filter.sinceSeq));
    const qs = q.toString();
    return this.call<{ requests: RequestLogEntry[] }>("GET", `requests${qs ? `?${qs}` : ""}`).then(
      (r) => r.requests,
    );
  }

  async clearRequests(tenant?: string): Promise<void> {
    await this.call(
      "DELETE",
      `requests${tenant === undefined ? "" : `?tenant=${encodeURIComponent(tenant)}`}`,
    );
  }

  addFault(rule: FaultRule): Promise<ActiveFaultRule> {
    return this.call("POST", "faults", rule);
  }

  listFaults(): Promise<ActiveFaultRule[]> {
    return this.call<{ faults: ActiveFaultRule[] }>("GET", "faults").then((r) => r.faults);
  }

  async removeFault(id: string): Promise<void> {
    await this.call("DELETE", `faults/${encodeURIComponent(id)}`);
  }

  async clearFaults(tenant?: string): Promise<void> {
    await this.call("DELETE", `faults${tenant === undefined ? "" : `?tenant=${encodeURIComponent(tenant)}`}`);
  }

  close(): void {
    this.agent.destroy();
  }
}
