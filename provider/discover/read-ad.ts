/**
 * Reads every user under one or more search bases, page by page (LDAP paged results, 500 per page),
 * asking only for the attributes discovery compares. Uses the provider's AdDirectory connection
 * (same settings, same verified LDAPS) and its entry decoder.
 */
import { type AdDirectory, toAdUser, USER_ATTRIBUTES } from "../ad/ad-directory";
import { mapLdapError } from "../ad/ldap-errors";
import type { DiscoveryAdUser } from "./types";

/** Attributes discovery needs: the provider's own list (objectGUID and the ConsistencyGuid as bytes). */
export const DISCOVERY_AD_ATTRIBUTES = USER_ATTRIBUTES;

/** People only: user objects of category person (no computers, no contacts). */
export const DISCOVERY_AD_FILTER = "(&(objectCategory=person)(objectClass=user))";

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
  const client = await ad.client();
  const seen = new Set<string>();
  const users: DiscoveryAdUser[] = [];
  for (const base of searchBases) {
    try {
      const pages = client.searchPaginated(base, {
        scope: "sub",
        filter: DISCOVERY_AD_FILTER,
        attributes: DISCOVERY_AD_ATTRIBUTES,
        explicitBufferAttributes: ["objectGUID", "mS-DS-ConsistencyGuid"],
        paged: { pageSize: options.pageSize ?? 500 },
      });
      for await (const page of pages) {
        for (const entry of page.searchEntries) {
          const user = toAdUser(entry);
          if (seen.has(user.objectGuid)) continue;
          seen.add(user.objectGuid);
          const { objectClass: _objectClass, ...rest } = user;
          users.push(rest);
        }
        options.onProgress?.(users.length);
      }
    } catch (err) {
      throw mapLdapError(err, `discover: read users under ${base}`);
    }
  }
  return users;
}
