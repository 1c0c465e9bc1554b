/**
 * Which stack owns a link's cloud user, recorded where every stack and repository can see it: a
 * Graph open extension named `com.adentralink.ownership` on the cloud user, holding
 * `{ owner, linkName, onPremisesObjectGuid }`.
 *
 * Permissions (Microsoft Graph, application): reading an open extension on a user needs
 * User.Read.All, creating, updating and deleting one needs User.ReadWrite.All (the permission tables
 * of opentypeextension-get / -post-opentypeextension / -update), which the provider already holds.
 *
 * Races: creating answers 409 when the extension exists. Then the record is read: the same owner
 * re-records it (PATCH, which replaces all its properties), another owner is a refusal naming it —
 * two stacks claiming one user at once never both succeed.
 */
import { DirectoryRequestError, SafetyBlockError } from "../errors";
import type { Ownership } from "../domain/ports";
import type { GraphTransport } from "./graph-transport";
import { graphPath } from "./odata-query";

export const OWNERSHIP_EXTENSION = "com.adentralink.ownership";
const OPEN_TYPE = "microsoft.graph.openTypeExtension";
const MAX_FIELD = 512;

/** A field of a record someone else may have written, safe to put into a message. */
export function printable(text: string, max = 200): string {
  const cleaned = [...text]
    .map((c) => {
      const code = c.codePointAt(0) ?? 0;
      return code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029 ? "?" : c;
    })
    .join("");
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}

/**
 * The record as the provider reads it, from `GET …/extensions/{name}` or from a user expanded with
 * its extensions (bulk-ownership.ts): the same checks, the same error for a malformed record.
 */
export function parseOwnershipRecord(userId: string, raw: Record<string, unknown> | undefined): Ownership {
  const field = (name: keyof Ownership): string => {
    const v = raw?.[name];
    if (typeof v !== "string" || v === "" || v.length > MAX_FIELD) {
      throw new DirectoryRequestError(
        "ENTRA_OWNERSHIP_UNREADABLE",
        `ad-entra-link: the ownership record (open extension ${OWNERSHIP_EXTENSION}) on cloud user ${userId} has no valid "${name}". Remove the extension if no stack owns this user.`,
        { side: "cloud" },
      );
    }
    return v;
  };
  return {
    owner: field("owner"),
    linkName: field("linkName"),
    onPremisesObjectGuid: field("onPremisesObjectGuid"),
  };
}

function extensionPath(userId: string) {
  return graphPath`/users/${userId}/extensions/${OWNERSHIP_EXTENSION}`;
}

function body(o: Ownership): Record<string, unknown> {
  return {
    "@odata.type": OPEN_TYPE,
    extensionName: OWNERSHIP_EXTENSION,
    owner: o.owner,
    linkName: o.linkName,
    onPremisesObjectGuid: o.onPremisesObjectGuid,
  };
}

/** The recorded owner; undefined when there is none (or the user is gone). */
export async function readOwnership(graph: GraphTransport, userId: string): Promise<Ownership | undefined> {
  const res = await graph.send<Record<string, unknown>>(extensionPath(userId), {
    operation: `read the ownership record of cloud user ${userId}`,
    permission: "User.Read.All",
    expect: [404],
  });
  if (res.status === 404) return undefined;
  return parseOwnershipRecord(userId, res.body);
}

/** Records `o`; re-records it when the same owner holds it; refuses when another owner does. */
export async function writeOwnership(graph: GraphTransport, userId: string, o: Ownership): Promise<void> {
  for (const [name, v] of Object.entries(o)) {
    if (typeof v !== "string" || v === "" || v.length > MAX_FIELD)
      throw new TypeError(`ownership ${name} must be a non-empty string of at most ${MAX_FIELD} characters`);
  }
  const created = await graph.send(graphPath`/users/${userId}/extensions`, {
    operation: `record the ownership of cloud user ${userId}`,
    permission: "User.ReadWrite.All",
    method: "POST",
    body: body(o),
    expect: [409],
  });
  if (created.status !== 409) return;
  const existing = await readOwnership(graph, userId);
  if (existing !== undefined && existing.owner !== o.owner) throw ownedByOther(userId, existing);
  await graph.send(extensionPath(userId), {
    operation: `record the ownership of cloud user ${userId}`,
    permission: "User.ReadWrite.All",
    method: "PATCH",
    body: body(o),
    idempotent: true,
    expect: undefined,
  });
}

/** Removes the record when `owner` holds it; another owner's (or an unreadable) record is left alone. */
export async function removeOwnership(graph: GraphTransport, userId: string, owner: string): Promise<void> {
  let existing: Ownership | undefined;
  try {
    existing = await readOwnership(graph, userId);
  } catch (err) {
    if ((err as { code?: string }).code === "ENTRA_OWNERSHIP_UNREADABLE") return;
    throw err;
  }
  if (existing === undefined || existing.owner !== owner) return;
  await graph.send(extensionPath(userId), {
    operation: `release the ownership of cloud user ${userId}`,
    permission: "User.ReadWrite.All",
    method: "DELETE",
    idempotent: true,
    expect: [404],
  });
}

export function ownedByOther(userId: string, existing: Ownership): SafetyBlockError {
  return new SafetyBlockError(
    "CLOUD_USER_OWNED_BY_OTHER_STACK",
    `ad-entra-link: cloud user ${userId} is already linked by stack "${printable(existing.owner)}" (link "${printable(existing.linkName)}"). Remove the link there first (its destroy releases the user).`,
    { side: "cloud" },
  );
}
