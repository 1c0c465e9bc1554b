/**
 * Reads every person user under one or more search bases, page by page (LDAP paged results, 500
 * per page), through the provider's AdDirectory: the same settings, verified TLS, deadlines and
 * reconnect as every other read. Discovery never sees the LDAP client.
 */
import { type AdDirectory, PERSON_USER_FILTER, USER_ATTRIBUTES } from "../ad/ad-directory";
import type { DiscoveryAdUser } from "./types";

/** Attributes discovery reads: the provider's own list (objectGUID and the ConsistencyGuid as bytes). */
export const DISCOVERY_AD_ATTRIBUTES = USER_ATTRIBUTES;

/** People only: user objects of category person (no computers, no contacts). */
export const DISCOVERY_AD_FILTER = PERSON_USER_FILTER;

export interface ReadAdOptions {
  /** Entries per LDAP page. Default 500. */
  pageSize?: number;
  /** Called after each page with the running total. */
  onProgress?: (usersRead: number) => void;
}

/**
 * Reads the users under `searchBases` (subtree), each user once even if bases overlap.
 * @throws the provider's directory errors (DirectoryUnavailableError, PermissionDeniedError, ...)
 */
export async function readAdUsers(
  ad: AdDirectory,
  searchBases: readonly string[],
  options: ReadAdOptions = {},
): Promise<DiscoveryAdUser[]> {
  const users = await ad.scanUsers(searchBases, options);
  return users.map(({ objectClass: _objectClass, objectSid: _objectSid, ...rest }) => rest);
}
