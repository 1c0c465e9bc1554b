/**
 * The control API under /_emulator/… (no Graph semantics, optional static key in the
 * `x-emulator-control-key` header): tenants from seeds, raw directory edits, feature flags, apps,
 * federated issuers, token lifetime, request log, fault rules, snapshots and sync cycles.
 * Every route is listed in README.md and wrapped by EmulatorControl (control-client.ts).
 */
import type { JsonWebKey } from "node:crypto";
import type { SeedApp, SeedDomain } from "../fixtures/seed-scenario";
import {
  type CloudSyncConfigRequest,
  cloudSyncConfig,
  configureCloudSync,
  publicConfig,
  removeCloudSync,
} from "./cloud-sync/state";
import type { FaultInjector, FaultRule, RequestLog } from "./faults";
import { type EmulatorResponse, json, noContent } from "./http-util";
import { canonicalJson } from "./ids";
import { isRecord } from "./jwt";
import {
  type CloudContactInput,
  type CloudGroupInput,
  type CloudUser,
  type CloudUserInput,
  type DeletedCloudUserInput,
  DEFAULT_FEATURES,
  type EmulatorBehavior,
  type SyncFeatures,
  type TenantSeed,
  type TenantState,
} from "./model";
import { type EmulatorStore, StoreError } from "./store";
import { runSyncCycle, SyncRequestError } from "./sync/cycle";
import {
  type SyncScheduleRequest,
  startSyncSchedule,
  stopSyncSchedule,
  syncScheduleStatus,
} from "./sync/schedule";
import type { SyncCycleRequest } from "./sync/types";

export interface ControlEnv {
  store: EmulatorStore;
  faults: FaultInjector;
  log: RequestLog;
  baseUrl: string;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function bad(message: string): never {
  throw new ControlError(400, message);
}

function obj(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) bad("request body must be a JSON object");
  return body;
}

const VOLATILE_USER_FIELDS = ["createdDateTime", "onPremisesLastSyncDateTime"];

/** Deterministic, canonical view of a tenant's directory state (no request log, no secrets). */
export function snapshotTenant(t: TenantState, includeTimestamps: boolean): string {
  const users = [...t.users.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((u) => {
      const copy: Record<string, unknown> = { ...u };
      if (!includeTimestamps) {
        for (const f of VOLATILE_USER_FIELDS) delete copy[f];
        copy["onPremisesProvisioningErrors"] = u.onPremisesProvisioningErrors.map(
          ({ occurredDateTime: _, ...rest }) => rest,
        );
      }
      return copy;
    });
  const snapshot = {
    tenantId: t.id,
    displayName: t.displayName,
    organization: {
      onPremisesSyncEnabled: t.organizationOnPremisesSyncEnabled,
      ...(includeTimestamps ? { onPremisesLastSyncDateTime: t.organizationOnPremisesLastSyncDateTime } : {}),
    },
    domains: [...t.domains].sort((a, b) => (a.id < b.id ? -1 : 1)),
    features: t.features,
    behavior: t.behavior,
    users,
    groups: [...t.groups.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    contacts: [...t.contacts.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    deletedUsers: [...t.deletedUsers.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((u) => {
        const copy: Record<string, unknown> = { ...u };
        if (!includeTimestamps) for (const f of [...VOLATILE_USER_FIELDS, "deletedDateTime"]) delete copy[f];
        return copy;
      }),
    openExtensions: Object.fromEntries(
      [...t.openExtensions.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([userId, exts]) => [
          userId,
          Object.fromEntries([...exts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
        ]),
    ),
    roleAssignments: [...t.roleAssignments].sort((a, b) => (a.id < b.id ? -1 : 1)),
    apps: [...t.apps.values()]
      .map((a) => ({ clientId: a.clientId, displayName: a.displayName, roles: [...a.roles].sort() }))
      .sort((a, b) => (a.clientId < b.clientId ? -1 : 1)),
    connector: Object.fromEntries([...t.connector.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return canonicalJson(snapshot);
}

function applyRawUserPatch(user: CloudUser, patch: Record<string, unknown>): CloudUser {
  const next: Record<string, unknown> = { ...user };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "id") bad("id cannot be changed");
    if (!(k in user)) bad(`unknown user field ${k}`);
    next[k] = v;
  }
  return next as unknown as CloudUser;
}

export async function handleControl(
  env: ControlEnv,
  method: string,
  segments: string[],
  query: URLSearchParams,
  body: unknown,
): Promise<EmulatorResponse> {
  const { store, faults, log } = env;
  const [area, id, sub, subId] = segments;
  try {
    if (area === "health" && method === "GET") return json(200, { ok: true, baseUrl: env.baseUrl });

    if (area === "requests") {
      const tenant = query.get("tenant") ?? undefined;
      if (method === "GET") {
        const since = query.get("sinceSeq");
        const filter: { tenant?: string; sinceSeq?: number } = {};
        if (tenant !== undefined) filter.tenant = tenant;
        if (since !== null) filter.sinceSeq = Number(since);
        return json(200, { requests: log.list(filter) });
      }
      if (method === "DELETE") {
        log.clear(tenant);
        return noContent();
      }
    }

    if (area === "faults") {
      if (method === "GET" && id === undefined) return json(200, { faults: faults.list() });
      if (method === "POST" && id === undefined) {
        try {
          return json(201, faults.add(obj(body) as unknown as FaultRule));
        } catch (error) {
          bad(error instanceof Error ? error.message : String(error));
        }
      }
      if (method === "DELETE" && id === undefined) {
        faults.clear(query.get("tenant") ?? undefined);
        return noContent();
      }
      if (method === "DELETE" && id !== undefined) {
        if (!faults.remove(id)) throw new ControlError(404, `no fault rule ${id}`);
        return noContent();
      }
    }

    if (area === "federated-issuers") {
      if (method === "PUT") {
        const b = obj(body);
        if (typeof b["issuer"] !== "string" || !Array.isArray(b["keys"]))
          bad("body: { issuer: string, keys: JsonWebKey[] }");
        store.federatedIssuers.set(b["issuer"], b["keys"] as JsonWebKey[]);
        return noContent();
      }
      if (method === "DELETE") {
        const issuer = query.get("issuer");
        if (issuer === null) store.federatedIssuers.clear();
        else store.federatedIssuers.delete(issuer);
        return noContent();
      }
    }

    if (area === "tenants") {
      if (id === undefined) {
        if (method === "GET") {
          return json(200, {
            tenants: [...store.tenants.values()].map((t) => ({ tenantId: t.id, displayName: t.displayName })),
          });
        }
        if (method === "POST") return json(201, await store.createTenant(obj(body) as unknown as TenantSeed));
      } else {
        const t = store.getTenant(id);
        switch (sub) {
          case undefined:
            if (method === "GET") return json(200, store.describe(t));
            if (method === "DELETE") {
              store.deleteTenant(t.id);
              return noContent();
            }
            break;
          case "reset":
            if (method === "POST") return json(200, await store.resetTenant(t.id));
            break;
          case "snapshot":
            if (method === "GET") {
              return {
                status: 200,
                headers: { "Content-Type": "application/json; charset=utf-8" },
                body: snapshotTenant(t, query.get("includeTimestamps") === "true"),
                rawBody: true,
              };
            }
            break;
          case "users":
            if (subId === undefined) {
              if (method === "GET") return json(200, { users: [...t.users.values()] });
              if (method === "POST") {
                const b = obj(body);
                if (!Array.isArray(b["users"])) bad("body: { users: CloudUserInput[] }");
                const added = store.addUsers(t, b["users"] as CloudUserInput[]);
                return json(201, { added: added.length, ids: added.map((u) => u.id) });
              }
            } else {
              const user = t.users.get(subId.toLowerCase());
              if (!user) throw new ControlError(404, `no user ${subId}`);
              if (method === "GET") return json(200, user);
              if (method === "PATCH") {
                const next = applyRawUserPatch(user, obj(body));
                t.users.set(user.id, next);
                return json(200, next);
              }
              if (method === "DELETE") {
                t.users.delete(user.id);
                t.openExtensions.delete(user.id);
                t.roleAssignments = t.roleAssignments.filter((r) => r.principalId !== user.id);
                for (const [anchor, uid] of t.connector) if (uid === user.id) t.connector.delete(anchor);
                return noContent();
              }
            }
            break;
          case "groups":
            if (method === "GET" && subId === undefined) return json(200, { groups: [...t.groups.values()] });
            if (method === "POST" && subId === undefined) {
              const b = obj(body);
              if (!Array.isArray(b["groups"])) bad("body: { groups: CloudGroupInput[] }");
              const added = store.addGroups(t, b["groups"] as CloudGroupInput[]);
              return json(201, { added: added.length, ids: added.map((g) => g.id) });
            }
            if (method === "DELETE" && subId !== undefined) {
              if (!t.groups.delete(subId.toLowerCase())) throw new ControlError(404, `no group ${subId}`);
              return noContent();
            }
            break;
          case "contacts":
            if (method === "GET" && subId === undefined)
              return json(200, { contacts: [...t.contacts.values()] });
            if (method === "POST" && subId === undefined) {
              const b = obj(body);
              if (!Array.isArray(b["contacts"])) bad("body: { contacts: CloudContactInput[] }");
              const added = store.addContacts(t, b["contacts"] as CloudContactInput[]);
              return json(201, { added: added.length, ids: added.map((c) => c.id) });
            }
            if (method === "DELETE" && subId !== undefined) {
              if (!t.contacts.delete(subId.toLowerCase())) throw new ControlError(404, `no contact ${subId}`);
              return noContent();
            }
            break;
          case "deleted-users":
            if (method === "GET" && subId === undefined)
              return json(200, { users: [...t.deletedUsers.values()] });
            if (method === "POST" && subId === undefined) {
              const b = obj(body);
              if (!Array.isArray(b["users"])) bad("body: { users: DeletedCloudUserInput[] }");
              const added = store.addDeletedUsers(t, b["users"] as DeletedCloudUserInput[]);
              return json(201, { added: added.length, ids: added.map((u) => u.id) });
            }
            if (method === "DELETE" && subId !== undefined) {
              if (!t.deletedUsers.delete(subId.toLowerCase()))
                throw new ControlError(404, `no deleted user ${subId}`);
              t.openExtensions.delete(subId.toLowerCase());
              return noContent();
            }
            break;
          case "extensions":
            // Raw open extensions of one user: GET reads them, PUT replaces them (test setup).
            if (subId === undefined) {
              if (method === "GET")
                return json(200, {
                  extensions: Object.fromEntries(
                    [...t.openExtensions.entries()].map(([u, m]) => [u, Object.fromEntries(m)]),
                  ),
                });
              break;
            }
            if (method === "GET")
              return json(200, {
                extensions: Object.fromEntries(t.openExtensions.get(subId.toLowerCase()) ?? []),
              });
            if (method === "PUT") {
              const b = obj(body);
              const exts = b["extensions"];
              if (!isRecord(exts)) bad("body: { extensions: { [extensionName]: object } }");
              const map = new Map<string, Record<string, unknown>>();
              for (const [name, data] of Object.entries(exts)) {
                if (!isRecord(data)) bad(`extension ${name} must be an object`);
                map.set(name, { ...data });
              }
              if (map.size === 0) t.openExtensions.delete(subId.toLowerCase());
              else t.openExtensions.set(subId.toLowerCase(), map);
              return json(200, { extensions: Object.fromEntries(map) });
            }
            break;
          case "roles": {
            if (method === "GET" && subId === undefined) return json(200, { assignments: t.roleAssignments });
            const b = obj(body);
            const kind = b["kind"] === "eligible" ? "eligible" : "active";
            if (typeof b["principalId"] !== "string" || typeof b["role"] !== "string") {
              bad("body: { principalId, role (display name or template id), kind: active|eligible }");
            }
            if (method === "POST" && subId === undefined)
              return json(201, store.assignRole(t, b["principalId"], b["role"], kind));
            if (method === "POST" && subId === "remove") {
              return json(200, { removed: store.removeRole(t, b["principalId"], b["role"], kind) });
            }
            break;
          }
          case "domains":
            if (method === "GET") return json(200, { domains: t.domains });
            if (method === "PUT") {
              const b = obj(body);
              if (!Array.isArray(b["domains"])) bad("body: { domains: SeedDomain[] }");
              const domains = b["domains"] as SeedDomain[];
              if (
                domains.filter((d) => d.isInitial).length !== 1 ||
                domains.filter((d) => d.isDefault).length !== 1
              ) {
                bad("exactly one initial and one default domain are required");
              }
              t.domains = domains.map((d) => ({ ...d }));
              return json(200, { domains: t.domains });
            }
            break;
          case "features":
            if (method === "GET") return json(200, t.features);
            if (method === "PATCH") {
              const b = obj(body);
              for (const [k, v] of Object.entries(b)) {
                if (!(k in DEFAULT_FEATURES)) bad(`unknown feature ${k}`);
                if (typeof v !== "boolean") bad(`feature ${k} must be a boolean`);
              }
              t.features = { ...t.features, ...(b as Partial<SyncFeatures>) };
              return json(200, t.features);
            }
            break;
          case "behavior":
            if (method === "GET") return json(200, t.behavior);
            if (method === "PATCH") {
              const b = obj(body);
              for (const k of Object.keys(b)) if (!(k in t.behavior)) bad(`unknown behavior switch ${k}`);
              t.behavior = { ...t.behavior, ...(b as Partial<EmulatorBehavior>) };
              return json(200, t.behavior);
            }
            break;
          case "apps":
            if (method === "POST" && subId === undefined)
              return json(201, await store.addApp(t, obj(body) as unknown as SeedApp));
            if (method === "PATCH" && subId !== undefined) {
              const app = t.apps.get(subId.toLowerCase());
              if (!app) throw new ControlError(404, `no app ${subId}`);
              const b = obj(body);
              if (b["roles"] !== undefined) {
                if (!Array.isArray(b["roles"])) bad("roles must be a string array");
                app.roles = (b["roles"] as unknown[]).map(String);
              }
              if (b["secrets"] !== undefined) {
                if (!Array.isArray(b["secrets"])) bad("secrets must be a string array");
                app.secrets = (b["secrets"] as unknown[]).map(String);
              }
              return json(200, { clientId: app.clientId, roles: app.roles });
            }
            break;
          case "token-lifetime":
            if (method === "PUT") {
              const seconds = obj(body)["seconds"];
              if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1)
                bad("seconds must be a positive integer");
              t.tokenLifetimeSeconds = seconds;
              return json(200, { seconds });
            }
            break;
          case "organization":
            if (method === "PATCH") {
              const b = obj(body);
              if ("onPremisesSyncEnabled" in b)
                t.organizationOnPremisesSyncEnabled = b["onPremisesSyncEnabled"] as boolean | null;
              return json(200, { onPremisesSyncEnabled: t.organizationOnPremisesSyncEnabled });
            }
            break;
          case "connector":
            if (method === "GET") return json(200, { anchors: Object.fromEntries(t.connector) });
            break;
          case "sync-schedule":
            // The Entra Connect scheduler (a background cycle on a timer).
            try {
              if (method === "PUT")
                return json(200, startSyncSchedule(t, obj(body) as unknown as SyncScheduleRequest));
              if (method === "GET") return json(200, syncScheduleStatus(t));
              if (method === "DELETE") return json(200, stopSyncSchedule(t));
            } catch (error) {
              if (error instanceof SyncRequestError) bad(error.message);
              throw error;
            }
            break;
          case "cloud-sync":
            // Entra Cloud Sync: the provisioning job provisionOnDemand runs against.
            if (method === "PUT") {
              const b = obj(body);
              if (!isRecord(b["ldap"]) || !Array.isArray(b["scope"]))
                bad(
                  "body: { ldap: { url, bindDn, bindPassword, caCertPem }, scope: [baseDn], upnSoftMatch? }",
                );
              return json(200, publicConfig(configureCloudSync(t, b as unknown as CloudSyncConfigRequest)));
            }
            if (method === "GET") {
              const c = cloudSyncConfig(t);
              if (c === undefined)
                throw new ControlError(404, "Cloud Sync is not configured for this tenant");
              return json(200, publicConfig(c));
            }
            if (method === "DELETE") {
              removeCloudSync(t);
              return json(200, {});
            }
            break;
          case "sync-cycle":
            if (method === "POST") {
              try {
                return json(200, await runSyncCycle(t, obj(body) as SyncCycleRequest));
              } catch (error) {
                if (error instanceof SyncRequestError) bad(error.message);
                throw new ControlError(
                  502,
                  `sync cycle failed: ${error instanceof Error ? error.message : String(error)}`,
                );
              }
            }
            break;
        }
      }
    }
    throw new ControlError(404, `no control route ${method} /_emulator/${segments.join("/")}`);
  } catch (error) {
    if (error instanceof ControlError || error instanceof StoreError) {
      return json(error.status, { error: { code: "EmulatorControlError", message: error.message } });
    }
    throw error;
  }
}
