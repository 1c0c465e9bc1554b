/** Dispatches an authenticated Graph v1.0 request (top-level or a $batch item) to its handler. */
import { type EmulatorResponse, HttpError, json } from "../http-util";
import type { GraphContext } from "./context";
import {
  getDomain,
  getOnPremisesSynchronization,
  getOrganization,
  listDomains,
  listOrganization,
  methodNotAllowed,
} from "./directory";
import { DELETED_USERS_PATH, deleteUser, getDeletedItem, listDeletedUsers } from "./deleted-items";
import { fail, GraphFault } from "./errors";
import {
  createExtension,
  deleteExtension,
  getExtension,
  listExtensions,
  updateExtension,
} from "./extensions";
import { getContact, getGroup, listContacts, listGroups } from "./groups-contacts";
import {
  getRoleDefinition,
  listMemberOf,
  listRoleAssignments,
  listRoleDefinitions,
  listRoleEligibilityScheduleInstances,
} from "./roles";
import { getUser, listUsers, updateUser } from "./users";

function notEmulated(ctx: GraphContext): never {
  return fail(
    ctx.ids,
    501,
    "Emulator_NotEmulated",
    `The emulator does not implement ${ctx.method} /${ctx.segments.join("/")}.`,
  );
}

function segmentNotFound(ctx: GraphContext, segment: string): never {
  // What Graph answers for an unknown path segment.
  return fail(ctx.ids, 400, "BadRequest", `Resource not found for the segment '${segment}'.`);
}

function only(ctx: GraphContext, ...methods: string[]): void {
  if (!methods.includes(ctx.method)) methodNotAllowed(ctx);
}

function dispatch(ctx: GraphContext): EmulatorResponse {
  const s = ctx.segments;
  const [a, b, c, d] = s;
  switch (a) {
    case "users":
      if (s.length === 1) {
        if (ctx.method === "POST") notEmulated(ctx);
        only(ctx, "GET");
        return listUsers(ctx);
      }
      if (s.length === 2 && b !== undefined) {
        if (ctx.method === "PATCH") return updateUser(ctx, b);
        if (ctx.method === "DELETE") return deleteUser(ctx, b);
        only(ctx, "GET");
        return getUser(ctx, b);
      }
      if (b !== undefined && c === "extensions" && s.length === 3) {
        if (ctx.method === "POST") return createExtension(ctx, b);
        only(ctx, "GET");
        return listExtensions(ctx, b);
      }
      if (b !== undefined && c === "extensions" && d !== undefined && s.length === 4) {
        if (ctx.method === "PATCH") return updateExtension(ctx, b, d);
        if (ctx.method === "DELETE") return deleteExtension(ctx, b, d);
        only(ctx, "GET");
        return getExtension(ctx, b, d);
      }
      if (b !== undefined && c === "memberOf" && s.length <= 4) {
        only(ctx, "GET");
        return listMemberOf(ctx, b, d);
      }
      if (c !== undefined) return notEmulated(ctx);
      break;
    case "groups":
      if (s.length === 1 && ctx.method === "POST") return notEmulated(ctx);
      only(ctx, "GET");
      if (s.length === 1) return listGroups(ctx);
      if (s.length === 2 && b !== undefined) return getGroup(ctx, b);
      return notEmulated(ctx);
    case "contacts":
      only(ctx, "GET");
      if (s.length === 1) return listContacts(ctx);
      if (s.length === 2 && b !== undefined) return getContact(ctx, b);
      return notEmulated(ctx);
    case "domains":
      only(ctx, "GET");
      if (s.length === 1) return listDomains(ctx);
      if (s.length === 2 && b !== undefined) return getDomain(ctx, b);
      return notEmulated(ctx);
    case "organization":
      only(ctx, "GET");
      if (s.length === 1) return listOrganization(ctx);
      if (s.length === 2 && b !== undefined) return getOrganization(ctx, b);
      return notEmulated(ctx);
    case "roleManagement":
      if (b !== "directory") return b === undefined ? notEmulated(ctx) : segmentNotFound(ctx, b);
      only(ctx, "GET");
      if (c === "roleAssignments" && s.length === 3) return listRoleAssignments(ctx);
      if (c === "roleEligibilityScheduleInstances" && s.length === 3)
        return listRoleEligibilityScheduleInstances(ctx);
      if (c === "roleDefinitions" && s.length === 3) return listRoleDefinitions(ctx);
      if (c === "roleDefinitions" && s.length === 4 && d !== undefined) return getRoleDefinition(ctx, d);
      return notEmulated(ctx);
    case "directory":
      if (b === "onPremisesSynchronization") {
        if (ctx.method === "PATCH") notEmulated(ctx);
        only(ctx, "GET");
        if (s.length === 2) return getOnPremisesSynchronization(ctx);
        if (s.length === 3 && c !== undefined) return getOnPremisesSynchronization(ctx, c);
      }
      if (b === "deletedItems" || b === "deleteditems") {
        only(ctx, "GET");
        if (
          s.length === 3 &&
          `directory/deletedItems/${c}`.toLowerCase() === DELETED_USERS_PATH.toLowerCase()
        )
          return listDeletedUsers(ctx);
        // directory-deleteditems-list.md: the OData cast is required.
        if (s.length === 2) return segmentNotFound(ctx, "deletedItems");
        if (s.length === 3 && c !== undefined && !c.startsWith("microsoft.graph."))
          return getDeletedItem(ctx, c);
      }
      return notEmulated(ctx);
    case undefined:
      return segmentNotFound(ctx, "");
    default:
      return segmentNotFound(ctx, a);
  }
  return notEmulated(ctx);
}

export function routeGraph(ctx: GraphContext): EmulatorResponse {
  try {
    return dispatch(ctx);
  } catch (error) {
    if (error instanceof GraphFault || error instanceof HttpError) return error.response;
    const message = error instanceof Error ? error.message : String(error);
    return json(500, {
      error: {
        code: "InternalServerError",
        message: `Emulator bug: ${message}`,
        innerError: { "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId },
      },
    });
  }
}
