/**
 * Every user of the tenant with its ownership record, in the pages of one list: `GET /users?$select=
 * …&$expand=extensions&$top=999`. Microsoft documents `$expand=extensions` on users (the user
 * resource's `extensions` relationship "Supports $expand"; extensibility-open-users.md reads
 * `/me?$select=id,…&$expand=extensions`; the Learn module on open extensions lists every user's with
 * `GET /users?$expand=extensions`), and `$select` must name `id` when a user is expanded
 * (opentypeextension-get.md). Open extensions support no other query options, so every extension of
 * a user comes back and ours is picked here by name.
 *
 * The bulk-read cache (provider/bulk) answers a link's first ownership question from these pages;
 * the claim before a write asks Graph again (see provider/bulk/cached.ts).
 */
import type { CloudUser } from "../domain/ports";
import type { GraphTransport } from "./graph-transport";
import { graphPath } from "./odata-query";
import { OWNERSHIP_EXTENSION } from "./ownership";

/** A user of the list and the raw ownership extension it carries (undefined: none). */
export interface UserWithOwnership {
  user: CloudUser;
  ownership: Record<string, unknown> | undefined;
}

const QUALIFIED = `microsoft.graph.openTypeExtension.${OWNERSHIP_EXTENSION}`.toLowerCase();

/** Our record among a user's expanded extensions (by id or extensionName, case-insensitive). */
export function ownershipExtensionOf(extensions: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(extensions)) return undefined;
  for (const e of extensions) {
    if (typeof e !== "object" || e === null) continue;
    const r = e as Record<string, unknown>;
    for (const key of [r["id"], r["extensionName"]]) {
      if (typeof key !== "string") continue;
      const k = key.toLowerCase();
      if (k === OWNERSHIP_EXTENSION.toLowerCase() || k === QUALIFIED) return r;
    }
  }
  return undefined;
}

/** Lists users (only `properties`, which must include `id`) with their ownership records, page by page. */
export async function listUsersWithOwnership(
  graph: GraphTransport,
  properties: readonly string[],
  onPage: (users: UserWithOwnership[]) => void,
): Promise<void> {
  const select = properties.includes("id") ? properties : ["id", ...properties];
  await graph.list<Record<string, unknown>>(
    graphPath`/users`.withQuery({ select, expand: ["extensions"], top: 999 }),
    { operation: "list cloud users with their ownership records", permission: "User.Read.All" },
    (page) =>
      onPage(
        page.map((raw) => {
          const { extensions, "extensions@odata.context": _context, ...rest } = raw;
          return {
            user: {
              ...(rest as unknown as CloudUser),
              proxyAddresses: (rest["proxyAddresses"] as string[] | null | undefined) ?? [],
            },
            ownership: ownershipExtensionOf(extensions),
          };
        }),
      ),
  );
}
