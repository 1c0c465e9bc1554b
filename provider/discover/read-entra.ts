/**
 * Reads the tenant for discovery: every user ($top=999 pages, $select only what is compared), the
 * tenant facts the prediction needs, and every directory role assignment and PIM eligibility in two
 * list calls (not two calls per user).
 */
import type { CloudRoles, EntraDirectory, RoleInfo, TenantFacts } from "../entra/graph-directory";
import { mapGraphError } from "../entra/graph-errors";
import type { DiscoveryCloudUser } from "./types";

/** Properties discovery reads of each cloud user. */
export const DISCOVERY_CLOUD_SELECT = [
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
].join(",");

// Same list as the provider (graph-directory.ts): used when Graph does not say `isPrivileged`.
const PRIVILEGED_TEMPLATE_IDS = new Set([
  "62e90394-69f5-4237-9190-012177145e10",
  "e8611ab8-c189-46e8-94e1-60213ab1f814",
  "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
  "fe930be7-5e62-47db-91af-98c3a49a38b1",
  "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
  "29232cdf-9323-42fd-ade2-1d097af3e4de",
  "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
  "c4e39bd9-1100-46d3-8c65-fb160da0071f",
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
  "158c047a-c907-4556-b7ef-446551a6b5f7",
  "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
  "194ae4cb-b126-40b2-bd5b-6091b380977d",
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
]);

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
      isPrivileged: d.isPrivileged ?? PRIVILEGED_TEMPLATE_IDS.has(d.templateId ?? d.id),
    };
    info.set(d.id, r);
    if (d.templateId !== undefined) info.set(d.templateId, r);
  }
  const roleOf = (id: string): RoleInfo =>
    info.get(id) ?? { roleDefinitionId: id, displayName: id, isPrivileged: PRIVILEGED_TEMPLATE_IDS.has(id) };
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
