/**
 * Per-tenant Entra Cloud Sync configuration: the provisioning agent's service principal, its
 * AD2AAD synchronization job and rule, where the "agent" reads AD, and the provisionOnDemand rate
 * limit window. Kept beside the tenant (not in TenantState) so snapshots of tenants without Cloud
 * Sync are unchanged.
 */
import { deterministicGuid } from "../ids";
import type { TenantState } from "../model";
import type { LdapSourceOptions } from "../sync/types";

export interface CloudSyncConfigRequest {
  /** Where the provisioning agent reads AD (ldaps://, CA verified). */
  ldap: LdapSourceOptions;
  /** OUs in the configuration's scope. */
  scope: string[];
  /** The [U] reading of row 27: true = Cloud Sync also soft-matches on the UPN. Default false. */
  upnSoftMatch?: boolean;
}

export interface CloudSyncConfig extends CloudSyncConfigRequest {
  servicePrincipalId: string;
  jobId: string;
  ruleId: string;
  /** Start times (ms) of provisionOnDemand calls inside the rate-limit window. */
  calls: number[];
  /** How many provisionOnDemand calls were answered (any status), for tests. */
  answered: number;
  throttled: number;
}

/** "The rate limit for this API is 5 requests per 10 seconds" (synchronization-synchronizationjob-provisionondemand.md). */
export const ON_DEMAND_LIMIT = 5;
export const ON_DEMAND_WINDOW_MS = 10_000;

const configs = new Map<string, CloudSyncConfig>();

export function configureCloudSync(t: TenantState, req: CloudSyncConfigRequest): CloudSyncConfig {
  const config: CloudSyncConfig = {
    ...req,
    scope: [...req.scope],
    servicePrincipalId: deterministicGuid(t.id, "cloud-sync", "servicePrincipal"),
    // Real job ids look like "AD2AADProvisioning.<hex>.<hex>" (templateId-prefixed).
    jobId: `AD2AADProvisioning.${deterministicGuid(t.id, "cloud-sync", "job").replace(/-/g, "")}.${deterministicGuid(t.id, "cloud-sync", "job2").replace(/-/g, "")}`,
    ruleId: deterministicGuid(t.id, "cloud-sync", "rule"),
    calls: [],
    answered: 0,
    throttled: 0,
  };
  configs.set(t.id, config);
  return config;
}

export function cloudSyncConfig(t: TenantState): CloudSyncConfig | undefined {
  return configs.get(t.id);
}

export function removeCloudSync(t: TenantState): void {
  configs.delete(t.id);
}

/** What the control API shows (no bind password). */
export function publicConfig(c: CloudSyncConfig): Record<string, unknown> {
  return {
    servicePrincipalId: c.servicePrincipalId,
    jobId: c.jobId,
    ruleId: c.ruleId,
    scope: c.scope,
    upnSoftMatch: c.upnSoftMatch === true,
    onDemandCallsAnswered: c.answered,
    onDemandCallsThrottled: c.throttled,
  };
}

/**
 * Sliding-window limiter: undefined when the call may run (and it is counted), else the seconds
 * until the oldest call in the window leaves it (the Retry-After).
 */
export function admitOnDemandCall(c: CloudSyncConfig, now = Date.now()): number | undefined {
  c.calls = c.calls.filter((at) => now - at < ON_DEMAND_WINDOW_MS);
  if (c.calls.length >= ON_DEMAND_LIMIT) {
    c.throttled++;
    const oldest = c.calls[0] ?? now;
    return Math.max(1, Math.ceil((oldest + ON_DEMAND_WINDOW_MS - now) / 1000));
  }
  c.calls.push(now);
  return undefined;
}
