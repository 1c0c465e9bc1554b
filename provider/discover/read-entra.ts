/**
 * Reads the tenant for discovery through EntraDirectory's bulk operations: every user ($top=999
 * pages, $select only what is compared), the tenant facts the prediction needs, and every directory
 * role assignment and PIM eligibility in list reads (not two calls per user). No Graph client here.
 */
import {
  CLOUD_USER_MATCH_PROPERTIES,
  type CloudRoles,
  type EntraDirectory,
  type TenantFacts,
} from "../entra/graph-directory";
import type { DiscoveryCloudUser } from "./types";

/** Properties discovery reads of each cloud user: what matching needs, nothing more. */
export const DISCOVERY_CLOUD_SELECT = CLOUD_USER_MATCH_PROPERTIES.join(",");

export interface ReadEntraOptions {
  onProgress?: (usersRead: number) => void;
}

/** All users of the tenant. */
export async function readCloudUsers(
  entra: EntraDirectory,
  options: ReadEntraOptions = {},
): Promise<DiscoveryCloudUser[]> {
  const users: DiscoveryCloudUser[] = [];
  await entra.listUsers(CLOUD_USER_MATCH_PROPERTIES, (page) => {
    users.push(...page);
    options.onProgress?.(users.length);
  });
  return users;
}

/** Active and PIM-eligible roles of every principal that has any, by principal id. */
export function readAllRoles(entra: EntraDirectory): Promise<Map<string, CloudRoles>> {
  return entra.readAllRoles();
}

/** Tenant facts (domains, sync features when readable). */
export function readTenant(entra: EntraDirectory): Promise<TenantFacts> {
  return entra.tenantFacts();
}
