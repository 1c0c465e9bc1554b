/**
 * DELETE /users/{id} (soft delete) and /directory/deletedItems for users.
 *
 * Sources: user-delete.md ("deleted items are moved to deletedItems … can be restored within 30
 * days"), directory-deleteditems-list.md (the OData cast is required; the cast resource's query
 * parameters are supported, so $filter=onPremisesImmutableId eq '…' works as on /users) and
 * directory-deleteditems-get.md.
 * [UNCERTAIN] A soft-deleted user's userPrincipalName is shown prefixed with its object id without
 * hyphens (observed in the portal and in public reports, not stated on the API pages); its UPN,
 * mail and proxy addresses are then free for other objects. Its directory role assignments are
 * removed with it.
 */
import { type EmulatorResponse, json, noContent } from "../http-util";
import { rolesOf } from "../model";
import { findRoleTemplate } from "../store";
import { type GraphContext, PERMISSIONS, requirePermission } from "./context";
import { insufficientPrivileges, resourceNotFound } from "./errors";
import { parseSelectFor, responseHeaders } from "./query";
import { findUser, listUserCollection, serializeUser, USER_RESOURCE } from "./users";

export const DELETED_USERS_PATH = "directory/deletedItems/microsoft.graph.user";

export function deleteUser(ctx: GraphContext, idOrUpn: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.usersDelete);
  const user = findUser(ctx, idOrUpn);
  // user-delete.md: deleting users with privileged admin roles needs a higher-privileged caller;
  // app-only callers hold no directory role in the emulator.
  const privileged = rolesOf(ctx.tenant, user.id, "active").some(
    (r) => findRoleTemplate(r.roleDefinitionId)?.isPrivileged,
  );
  if (privileged) insufficientPrivileges(ctx.ids);
  const t = ctx.tenant;
  t.users.delete(user.id);
  t.roleAssignments = t.roleAssignments.filter((r) => r.principalId !== user.id);
  t.deletedUsers.set(user.id, {
    ...user,
    proxyAddresses: [...user.proxyAddresses],
    businessPhones: [...user.businessPhones],
    userPrincipalName: `${user.id.replace(/-/g, "")}${user.userPrincipalName}`,
    deletedDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  return noContent(responseHeaders(ctx));
}

export function listDeletedUsers(ctx: GraphContext): EmulatorResponse {
  return listUserCollection(ctx, [...ctx.tenant.deletedUsers.values()], DELETED_USERS_PATH, "users");
}

/** GET /directory/deletedItems/{id}: only users are kept in the emulator's recycle bin. */
export function getDeletedItem(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.usersRead);
  const select = parseSelectFor(ctx, USER_RESOURCE);
  const user = ctx.tenant.deletedUsers.get(id.toLowerCase());
  if (!user) return resourceNotFound(ctx.ids, id);
  return json(
    200,
    {
      "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#directoryObjects/$entity`,
      "@odata.type": "#microsoft.graph.user",
      ...serializeUser(user, select),
    },
    responseHeaders(ctx),
  );
}
