/**
 * Who else in the tenant holds an address or an anchor: users, groups and org contacts holding a
 * value as UPN, mail or SMTP proxy address, and live or soft-deleted users holding an ImmutableId.
 *
 * Look-ups go out as `$batch`es. Each request ORs at most FILTER_CLAUSE_LIMIT comparisons (Graph
 * limits the clauses of one $filter; 15 is the documented limit for `in`, used here as the budget for
 * `or` too), so values are chunked per object type. Both `SMTP:` and `smtp:` spellings are queried
 * (whether Graph's `eq` is case-sensitive on the prefix is not documented), and each returned object
 * is classified from its returned data, the prefix compared case-sensitively: `SMTP:` is the primary,
 * any other spelling of `smtp:` a secondary address.
 */
import type { AnchorHolder, CloudHolder, CloudObjectType, HeldAs } from "../domain/ports";
import type { BatchGet, GraphTransport } from "./graph-transport";
import { graphPath, type ODataFilter, odataFilter, odataOr } from "./odata-query";

export const FILTER_CLAUSE_LIMIT = 15;

const USER_HOLDER_SELECT = [
  "id",
  "userPrincipalName",
  "mail",
  "proxyAddresses",
  "userType",
  "onPremisesSyncEnabled",
  "onPremisesImmutableId",
  "onPremisesSecurityIdentifier",
];
export const OTHER_HOLDER_SELECT = ["id", "displayName", "mail", "proxyAddresses", "onPremisesSyncEnabled"];

interface HolderKind {
  type: CloudObjectType;
  collection: "users" | "groups" | "contacts";
  permission: string;
  select: string[];
  /** The comparisons of one value. */
  clauses(value: string): ODataFilter[];
}

function proxyClauses(value: string): ODataFilter[] {
  return [
    odataFilter`proxyAddresses/any(p:p eq ${`SMTP:${value}`})`,
    odataFilter`proxyAddresses/any(p:p eq ${`smtp:${value}`})`,
  ];
}

const KINDS: HolderKind[] = [
  {
    type: "user",
    collection: "users",
    permission: "User.Read.All",
    select: USER_HOLDER_SELECT,
    clauses: (v) => [odataFilter`userPrincipalName eq ${v}`, odataFilter`mail eq ${v}`, ...proxyClauses(v)],
  },
  {
    type: "group",
    collection: "groups",
    permission: "GroupMember.Read.All",
    select: OTHER_HOLDER_SELECT,
    clauses: (v) => [odataFilter`mail eq ${v}`, ...proxyClauses(v)],
  },
  {
    type: "contact",
    collection: "contacts",
    permission: "OrgContact.Read.All",
    select: OTHER_HOLDER_SELECT,
    clauses: (v) => [odataFilter`mail eq ${v}`, ...proxyClauses(v)],
  },
];

interface RawHolder {
  id: string;
  userPrincipalName?: string | null;
  displayName?: string | null;
  mail?: string | null;
  proxyAddresses?: string[] | null;
  userType?: "Member" | "Guest" | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesImmutableId?: string | null;
  onPremisesSecurityIdentifier?: string | null;
}

/** The distinct non-empty values, lower-cased (directory comparisons are case-insensitive). */
export function distinctValues(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ""))];
}

/** The look-up requests for `values`: per object type, chunks of values within the clause budget. */
export function holderRequests(values: readonly string[]): BatchGet[] {
  const requests: BatchGet[] = [];
  for (const kind of KINDS) {
    const perValue = kind.clauses("x").length;
    const chunkSize = Math.max(1, Math.floor(FILTER_CLAUSE_LIMIT / perValue));
    for (let i = 0; i < values.length; i += chunkSize) {
      const chunk = values.slice(i, i + chunkSize);
      const filter = odataOr(chunk.flatMap((v) => kind.clauses(v)));
      const base =
        kind.collection === "users"
          ? graphPath`/users`
          : kind.collection === "groups"
            ? graphPath`/groups`
            : graphPath`/contacts`;
      requests.push({
        id: `${kind.collection}-${i / chunkSize}`,
        path: base.withQuery({ filter, select: kind.select, top: 999 }),
        permission: kind.permission,
      });
    }
  }
  return requests;
}

function proxyWays(proxies: readonly string[], value: string): HeldAs[] {
  const ways: HeldAs[] = [];
  for (const p of proxies) {
    const colon = p.indexOf(":");
    if (colon < 0) continue;
    const prefix = p.slice(0, colon);
    if (prefix.toLowerCase() !== "smtp" || p.slice(colon + 1).toLowerCase() !== value) continue;
    ways.push(prefix === "SMTP" ? "primarySmtp" : "secondarySmtp");
  }
  return ways;
}

/** Every way `o` holds each of `values` (lower-case), one record per (object, value, way). */
export function classifyHolder(
  type: CloudObjectType,
  o: RawHolder,
  values: readonly string[],
): CloudHolder[] {
  const out: CloudHolder[] = [];
  for (const value of values) {
    const ways = new Set<HeldAs>();
    if (type === "user" && (o.userPrincipalName ?? "").toLowerCase() === value) ways.add("userPrincipalName");
    if ((o.mail ?? "").toLowerCase() === value) ways.add("mail");
    for (const w of proxyWays(o.proxyAddresses ?? [], value)) ways.add(w);
    for (const heldAs of ways) {
      const holder: CloudHolder = {
        value,
        id: o.id,
        objectType: type,
        name:
          type === "user"
            ? (o.userPrincipalName ?? o.id)
            : `${o.displayName ?? ""}${o.mail ? ` <${o.mail}>` : ""}`.trim() || o.id,
        heldAs,
        onPremisesSyncEnabled: o.onPremisesSyncEnabled ?? null,
      };
      if (type === "user") {
        holder.userType = o.userType ?? null;
        holder.onPremisesImmutableId = o.onPremisesImmutableId ?? null;
        holder.onPremisesSecurityIdentifier = o.onPremisesSecurityIdentifier ?? null;
      }
      out.push(holder);
    }
  }
  return out;
}

/** Every other cloud object holding any of `values` (see EntraPort.findHolders). */
export async function findCloudHolders(
  graph: GraphTransport,
  values: readonly string[],
  excludeId: string,
): Promise<CloudHolder[]> {
  const wanted = distinctValues(values);
  if (wanted.length === 0) return [];
  const requests = holderRequests(wanted);
  const results = await graph.batchGet<RawHolder>("look up holders of planned addresses", requests);
  const exclude = excludeId.toLowerCase();
  const seen = new Set<string>();
  const out: CloudHolder[] = [];
  for (const req of requests) {
    const kind = KINDS.find((k) => req.id.startsWith(`${k.collection}-`)) as HolderKind;
    for (const o of results.get(req.id) ?? []) {
      if (o.id.toLowerCase() === exclude) continue;
      for (const h of classifyHolder(kind.type, o, wanted)) {
        const key = `${h.objectType}|${h.id}|${h.value}|${h.heldAs}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(h);
      }
    }
  }
  return out;
}

interface RawAnchorUser {
  id: string;
  userPrincipalName?: string | null;
  onPremisesImmutableId?: string | null;
  onPremisesSyncEnabled?: boolean | null;
}

/** Live and soft-deleted users other than `excludeId` holding `immutableId` (case-sensitive). */
export async function findCloudAnchorHolders(
  graph: GraphTransport,
  immutableId: string,
  excludeId: string,
): Promise<AnchorHolder[]> {
  const query = {
    filter: odataFilter`onPremisesImmutableId eq ${immutableId}`,
    select: ["id", "userPrincipalName", "onPremisesImmutableId", "onPremisesSyncEnabled"],
    top: 999,
  };
  const results = await graph.batchGet<RawAnchorUser>("look up holders of the planned ImmutableId", [
    { id: "live", path: graphPath`/users`.withQuery(query), permission: "User.Read.All" },
    {
      id: "deleted",
      path: graphPath`/directory/deletedItems/microsoft.graph.user`.withQuery(query),
      permission: "User.Read.All",
    },
  ]);
  const exclude = excludeId.toLowerCase();
  const out: AnchorHolder[] = [];
  for (const [id, deleted] of [
    ["live", false],
    ["deleted", true],
  ] as const) {
    for (const u of results.get(id) ?? []) {
      // Anchors are case-sensitive (Base64); a service that compared case-insensitively must not
      // make us report a user that does not hold this exact value.
      if (u.id.toLowerCase() === exclude || u.onPremisesImmutableId !== immutableId) continue;
      out.push({
        id: u.id,
        userPrincipalName: u.userPrincipalName ?? u.id,
        deleted,
        onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
      });
    }
  }
  return out;
}
