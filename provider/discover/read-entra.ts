/**
 * Reads the tenant for discovery: every user ($top=999 pages, $select only what is compared), the
 * tenant facts the prediction needs, and every directory role assignment and PIM eligibility in two
 * list calls (not two calls per user).
 */
import {
  CLOUD_USER_MATCH_PROPERTIES,
  type CloudRoles,
  type EntraDirectory,
  PRIVILEGED_ROLE_TEMPLATE_IDS,
  type RoleInfo,
  type TenantFacts,
} from "../entra/graph-directory";
import { mapGraphError } from "../entra/graph-errors";
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
  await entra.listUsers(DISCOVERY_CLOUD_SELECT, (page) => {
    users.push(...page);
    options.onProgress?.(users.length);
  });
  return users;
}

async function listAll<T>(
  entra: EntraDirectory,
  url: string,
  operation: string,
  permission: string,
): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const current: string = next;
    let page: { value: T[]; "@odata.nextLink"?: string };
    try {
      page = (await entra.client().api(current).get()) as typeof page;
    } catch (err) {
      throw mapGraphError(err, operation, permission);
    }
    out.push(...page.value);
    next = page["@odata.nextLink"];
  }
  return out;
}

/** Active and PIM-eligible roles of every principal that has any, by principal id. */
export async function readAllRoles(entra: EntraDirectory): Promise<Map<string, CloudRoles>> {
  type Assignment = { principalId: string; roleDefinitionId: string };
  const [definitions, active, eligible] = await Promise.all([
    listAll<{ id: string; templateId?: string; displayName?: string; isPrivileged?: boolean }>(
      entra,
      "/roleManagement/directory/roleDefinitions",
      "discover: list role definitions",
      "RoleManagement.Read.Directory",
    ),
    listAll<Assignment>(
      entra,
      "/roleManagement/directory/roleAssignments",
      "discover: list role assignments",
      "RoleManagement.Read.Directory",
    ),
    listAll<Assignment>(
      entra,
      "/roleManagement/directory/roleEligibilityScheduleInstances",
      "discover: list PIM eligibilities",
      "RoleEligibilitySchedule.Read.Directory",
    ),
  ]);
  const info = new Map<string, RoleInfo>();
  for (const d of definitions) {
    const r: RoleInfo = {
      roleDefinitionId: d.id,
      displayName: d.displayName ?? d.id,
      isPrivileged: d.isPrivileged ?? PRIVILEGED_ROLE_TEMPLATE_IDS.has(d.templateId ?? d.id),
    };
    info.set(d.id, r);
    if (d.templateId !== undefined) info.set(d.templateId, r);
  }
  const roleOf = (id: string): RoleInfo =>
    info.get(id) ?? {
      roleDefinitionId: id,
      displayName: id,
      isPrivileged: PRIVILEGED_ROLE_TEMPLATE_IDS.has(id),
    };
  const roles = new Map<string, CloudRoles>();
  const entry = (principal: string): CloudRoles => {
    let r = roles.get(principal);
    if (r === undefined) {
      r = { active: [], eligible: [] };
      roles.set(principal, r);
    }
    return r;
  };
  for (const a of active) entry(a.principalId).active.push(roleOf(a.roleDefinitionId));
  for (const e of eligible) entry(e.principalId).eligible.push(roleOf(e.roleDefinitionId));
  return roles;
}

/** Tenant facts (domains, sync features when readable). */
export function readTenant(entra: EntraDirectory): Promise<TenantFacts> {
  return entra.tenantFacts();
}
