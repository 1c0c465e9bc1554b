/** What a Graph handler gets: the caller (from its token), the tenant, the parsed request. */
import type { TenantState } from "../model";
import type { EmulatorStore } from "../store";
import { insufficientPrivileges, type RequestIds } from "./errors";

export interface GraphCaller {
  tenantId: string;
  appid: string;
  /** Application permissions in the token's `roles` claim. */
  roles: string[];
  /** App-only token (client credentials). The emulator issues no delegated tokens. */
  appOnly: boolean;
}

export interface GraphContext {
  store: EmulatorStore;
  tenant: TenantState;
  caller: GraphCaller;
  ids: RequestIds;
  /** "https://127.0.0.1:port" — what @odata.context / nextLink are built on. */
  baseUrl: string;
  method: string;
  /** Path after /v1.0, split on "/", URL-decoded, without empty segments. */
  segments: string[];
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Application permissions accepted per operation (least privileged first), from the Graph API
 * reference pages' permission tables; see README.md for the sources.
 */
export const PERMISSIONS = {
  /** List users / Get user. */
  usersRead: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  /** Update user: User.ReadWrite.All, Directory.ReadWrite.All; matching-rules §3.2 adds User.ReadUpdate.All as least privileged. */
  usersUpdate: ["User.ReadUpdate.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  /** Delete user (user-delete.md): soft-deletes into /directory/deletedItems. */
  usersDelete: ["User.DeleteRestore.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  /** List/get groups (group-list.md). */
  groupsRead: [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  /** List/get organizational contacts (orgcontact-list.md). */
  contactsRead: ["OrgContact.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  /** Get open extension on a user (opentypeextension-get.md: least privileged User.Read.All). */
  userExtensionsRead: [
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  /**
   * Create/update/delete open extension on a user (opentypeextension-post/-update: least privileged
   * User.ReadWrite.All; Directory.ReadWrite.All as the broader directory write [UNCERTAIN: not listed]).
   */
  userExtensionsWrite: ["User.ReadWrite.All", "Directory.ReadWrite.All"],
  domainsRead: ["Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  organizationRead: [
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  roleManagementRead: [
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  roleEligibilityRead: [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
  ],
  /** memberOf returns full objects with these... */
  memberOfFull: ["Directory.Read.All", "Directory.ReadWrite.All"],
  /** ...and only @odata.type + id of directory roles with these ("limited information", limited-info include). */
  memberOfLimited: ["User.Read.All", "User.ReadWrite.All", "GroupMember.Read.All"],
} as const;

export function hasAny(caller: GraphCaller, allowed: readonly string[]): boolean {
  return caller.roles.some((r) => allowed.includes(r));
}

export function requirePermission(ctx: GraphContext, allowed: readonly string[]): void {
  if (!hasAny(ctx.caller, allowed)) insufficientPrivileges(ctx.ids);
}

export function metadataUrl(ctx: GraphContext, fragment: string): string {
  return `${ctx.baseUrl}/v1.0/$metadata#${fragment}`;
}
