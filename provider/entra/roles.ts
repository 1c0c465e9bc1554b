/**
 * Directory roles of cloud users: the one privileged-role rule and the reads that use it (one user's
 * roles for a link; every assignment and eligibility of the tenant for discovery).
 */
import type { CloudRoles, RoleFact } from "../domain/ports";
import type { GraphTransport } from "./graph-transport";
import { graphPath, odataFilter } from "./odata-query";

/** Role templates that count as privileged when Graph does not say (`isPrivileged` is a newer property). */
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

/** What Graph returns for a unifiedRoleDefinition (the properties we use). */
export interface RoleDefinitionRecord {
  id: string;
  templateId?: string | null;
  displayName?: string | null;
  isPrivileged?: boolean | null;
}

/**
 * The privileged-role rule, the only one: Graph's `isPrivileged` when it says, else whether the
 * role's template (or, for built-in roles, its id, which is the template id) is on our list.
 */
export function roleFact(definitionId: string, definition: RoleDefinitionRecord | undefined): RoleFact {
  const template = definition?.templateId ?? definition?.id ?? definitionId;
  return {
    roleDefinitionId: definitionId,
    displayName: definition?.displayName ?? definitionId,
    isPrivileged:
      definition?.isPrivileged ??
      (PRIVILEGED_ROLE_TEMPLATE_IDS.has(template) || PRIVILEGED_ROLE_TEMPLATE_IDS.has(definitionId)),
  };
}

interface Assignment {
  principalId: string;
  roleDefinitionId: string;
}

const ASSIGNMENTS = "RoleManagement.Read.Directory";
const ELIGIBILITY = "RoleEligibilitySchedule.Read.Directory";

/** Reads role definitions once per process (by id), shared by every link. */
export class RoleDirectory {
  private readonly definitions = new Map<string, Promise<RoleDefinitionRecord | undefined>>();

  constructor(private readonly graph: GraphTransport) {}

  private definition(id: string): Promise<RoleDefinitionRecord | undefined> {
    let pending = this.definitions.get(id);
    if (pending === undefined) {
      pending = this.graph.send<RoleDefinitionRecord>(
        graphPath`/roleManagement/directory/roleDefinitions/${id}`,
        {
          operation: `read role definition ${id}`,
          permission: ASSIGNMENTS,
        },
      );
      pending.catch(() => this.definitions.delete(id));
      this.definitions.set(id, pending);
    }
    return pending;
  }

  /** Active and PIM-eligible directory roles of one user. */
  async rolesOf(userId: string): Promise<CloudRoles> {
    const filter = odataFilter`principalId eq ${userId}`;
    const [active, eligible] = await Promise.all([
      this.graph.list<Assignment>(
        graphPath`/roleManagement/directory/roleAssignments`.withQuery({ filter }),
        {
          operation: `read role assignments of ${userId}`,
          permission: ASSIGNMENTS,
        },
      ),
      this.graph.list<Assignment>(
        graphPath`/roleManagement/directory/roleEligibilityScheduleInstances`.withQuery({ filter }),
        { operation: `read PIM eligibility of ${userId}`, permission: ELIGIBILITY },
      ),
    ]);
    const resolve = (items: Assignment[]): Promise<RoleFact[]> =>
      Promise.all(
        items.map(async (i) => roleFact(i.roleDefinitionId, await this.definition(i.roleDefinitionId))),
      );
    return { active: await resolve(active), eligible: await resolve(eligible) };
  }

  /** Active and PIM-eligible roles of every principal that has any, by principal id (three list reads). */
  async allRoles(): Promise<Map<string, CloudRoles>> {
    const [definitions, active, eligible] = await Promise.all([
      this.graph.list<RoleDefinitionRecord>(graphPath`/roleManagement/directory/roleDefinitions`, {
        operation: "list role definitions",
        permission: ASSIGNMENTS,
      }),
      this.graph.list<Assignment>(graphPath`/roleManagement/directory/roleAssignments`, {
        operation: "list role assignments",
        permission: ASSIGNMENTS,
      }),
      this.graph.list<Assignment>(graphPath`/roleManagement/directory/roleEligibilityScheduleInstances`, {
        operation: "list PIM eligibilities",
        permission: ELIGIBILITY,
      }),
    ]);
    const byId = new Map<string, RoleDefinitionRecord>();
    for (const d of definitions) {
      byId.set(d.id, d);
      if (d.templateId) byId.set(d.templateId, d);
    }
    const roles = new Map<string, CloudRoles>();
    const entry = (principal: string): CloudRoles => {
      let r = roles.get(principal);
      if (r === undefined) {
        r = { active: [], eligible: [] };
        roles.set(principal, r);
      }
      return r;
    };
    for (const a of active)
      entry(a.principalId).active.push(roleFact(a.roleDefinitionId, byId.get(a.roleDefinitionId)));
    for (const e of eligible)
      entry(e.principalId).eligible.push(roleFact(e.roleDefinitionId, byId.get(e.roleDefinitionId)));
    return roles;
  }
}
