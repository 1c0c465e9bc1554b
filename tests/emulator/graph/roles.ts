/**
 * Directory roles: unifiedRoleAssignment (active), unifiedRoleEligibilityScheduleInstance (PIM
 * eligible), unifiedRoleDefinition, and the legacy /users/{id}/memberOf/microsoft.graph.directoryRole.
 */
import { ROLE_TEMPLATES } from "../../fixtures/seed-scenario";
import { type EmulatorResponse, json } from "../http-util";
import type { RoleAssignmentRecord } from "../model";
import { type GraphContext, hasAny, metadataUrl, PERMISSIONS, requirePermission } from "./context";
import { fail, insufficientPrivileges, resourceNotFound } from "./errors";
import { evaluate, type FilterExpr, FilterSyntaxError, parseFilter } from "./odata";
import { findUser } from "./users";

function headers(ctx: GraphContext): Record<string, string> {
  return { "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId };
}

/** $filter on principalId / roleDefinitionId / directoryScopeId with eq, in, and, or. */
function parseRoleFilter(ctx: GraphContext, allowed: string[]): FilterExpr | undefined {
  const raw = ctx.query.get("$filter");
  if (raw === null || raw.trim() === "") return undefined;
  let expr: FilterExpr;
  try {
    expr = parseFilter(raw);
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      fail(ctx.ids, 400, "BadRequest", `Invalid filter clause: ${error.message}`);
    throw error;
  }
  const check = (e: FilterExpr): void => {
    if (e.kind === "and" || e.kind === "or") {
      check(e.left);
      check(e.right);
      return;
    }
    if ((e.kind === "cmp" && e.op === "eq") || e.kind === "in") {
      const prop = e.path.join("/");
      if (!allowed.includes(prop)) {
        fail(
          ctx.ids,
          400,
          "BadRequest",
          `The filter on property '${prop}' is not supported for this request.`,
        );
      }
      return;
    }
    fail(ctx.ids, 400, "BadRequest", "Invalid filter clause: only eq and in are supported for this request.");
  };
  check(expr);
  return expr;
}

function filterRecords<T extends object>(records: T[], filter: FilterExpr | undefined): T[] {
  if (!filter) return records;
  return records.filter((r) =>
    evaluate(filter, {
      get: (path) => (r as Record<string, unknown>)[path.join("/")],
      caseSensitive: () => false,
    }),
  );
}

function assignmentJson(r: RoleAssignmentRecord): Record<string, unknown> {
  return {
    id: r.id,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    directoryScopeId: r.directoryScopeId,
    appScopeId: null,
  };
}

export function listRoleAssignments(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.roleManagementRead);
  const filter = parseRoleFilter(ctx, ["principalId", "roleDefinitionId", "directoryScopeId"]);
  const active = ctx.tenant.roleAssignments.filter((r) => r.kind === "active").map(assignmentJson);
  return json(
    200,
    {
      "@odata.context": metadataUrl(ctx, "roleManagement/directory/roleAssignments"),
      value: filterRecords(active, filter),
    },
    headers(ctx),
  );
}

export function listRoleEligibilityScheduleInstances(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.roleEligibilityRead);
  const filter = parseRoleFilter(ctx, ["principalId", "roleDefinitionId", "directoryScopeId"]);
  const eligible = ctx.tenant.roleAssignments
    .filter((r) => r.kind === "eligible")
    .map((r) => ({
      id: r.id,
      principalId: r.principalId,
      roleDefinitionId: r.roleDefinitionId,
      directoryScopeId: r.directoryScopeId,
      appScopeId: null,
      startDateTime: "2025-01-01T00:00:00Z",
      endDateTime: null,
      memberType: "Direct",
      roleEligibilityScheduleId: r.id,
    }));
  return json(
    200,
    {
      "@odata.context": metadataUrl(ctx, "roleManagement/directory/roleEligibilityScheduleInstances"),
      value: filterRecords(eligible, filter),
    },
    headers(ctx),
  );
}

function definitionJson(t: (typeof ROLE_TEMPLATES)[number]): Record<string, unknown> {
  return {
    id: t.id,
    description: `${t.displayName} (emulated built-in role)`,
    displayName: t.displayName,
    isBuiltIn: true,
    isEnabled: true,
    isPrivileged: t.isPrivileged,
    resourceScopes: ["/"],
    templateId: t.id,
    version: "1",
    rolePermissions: [],
  };
}

export function listRoleDefinitions(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.roleManagementRead);
  return json(
    200,
    {
      "@odata.context": metadataUrl(ctx, "roleManagement/directory/roleDefinitions"),
      value: ROLE_TEMPLATES.map(definitionJson),
    },
    headers(ctx),
  );
}

export function getRoleDefinition(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.roleManagementRead);
  const t = ROLE_TEMPLATES.find((r) => r.id === id.toLowerCase());
  if (!t) return resourceNotFound(ctx.ids, id);
  return json(
    200,
    {
      "@odata.context": metadataUrl(ctx, "roleManagement/directory/roleDefinitions/$entity"),
      ...definitionJson(t),
    },
    headers(ctx),
  );
}

/**
 * GET /users/{id}/memberOf[/microsoft.graph.directoryRole]: direct memberships; only directory roles
 * exist in the emulator (no groups/administrative units). Active assignments only: PIM eligibility
 * is not membership. With only User.Read.All the caller gets "limited information" (@odata.type and
 * id) for object types it cannot read (limited-info include of the Graph docs).
 */
export function listMemberOf(ctx: GraphContext, idOrUpn: string, cast: string | undefined): EmulatorResponse {
  const full = hasAny(ctx.caller, PERMISSIONS.memberOfFull);
  if (!full && !hasAny(ctx.caller, PERMISSIONS.memberOfLimited)) insufficientPrivileges(ctx.ids);
  if (cast !== undefined && cast !== "microsoft.graph.directoryRole" && cast !== "microsoft.graph.group") {
    fail(ctx.ids, 400, "BadRequest", `Resource not found for the segment '${cast}'.`);
  }
  const user = findUser(ctx, idOrUpn);
  const roles =
    cast === "microsoft.graph.group"
      ? []
      : ctx.tenant.roleAssignments
          .filter((r) => r.kind === "active" && r.principalId === user.id)
          .map((r) => ROLE_TEMPLATES.find((t) => t.id === r.roleDefinitionId))
          .filter((t): t is (typeof ROLE_TEMPLATES)[number] => t !== undefined);
  const value = roles.map((t) => {
    const id = ctx.tenant.directoryRoleIds.get(t.id) ?? t.id;
    if (!full) return { "@odata.type": "#microsoft.graph.directoryRole", id };
    return {
      "@odata.type": "#microsoft.graph.directoryRole",
      id,
      deletedDateTime: null,
      description: `${t.displayName} (emulated built-in role)`,
      displayName: t.displayName,
      roleTemplateId: t.id,
    };
  });
  const context =
    cast === undefined ? "directoryObjects" : cast === "microsoft.graph.group" ? "groups" : "directoryRoles";
  return json(200, { "@odata.context": metadataUrl(ctx, context), value }, headers(ctx));
}
