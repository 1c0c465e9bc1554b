/**
 * The in-memory index of one bulk read of the tenant: users ($select of what a link reads), groups
 * and org contacts (holder properties), soft-deleted users (anchors) and every role assignment and
 * eligibility. Pure: it answers what graph-directory.ts asks Graph per link, with the same matching
 * (case-insensitive directory strings, case-sensitive anchors) and the adapter's own classifier
 * (provider/entra/holders.ts classifyHolder), in the order the per-link `$batch` returns them.
 * Whatever it cannot answer exactly it declines (undefined), and the caller asks Graph.
 */
import type { AnchorHolder, CloudHolder, CloudObjectType, CloudRoles, CloudUser } from "../domain/ports";
import { classifyHolder, distinctValues, FILTER_CLAUSE_LIMIT } from "../entra/holders";
import { isPlainValue } from "./ad-index";

type Raw = Record<string, unknown>;

interface Kind {
  type: CloudObjectType;
  /** Values per request of the per-link look-up (its filter clauses per value within the budget). */
  chunkSize: number;
  records: Raw[];
  byValue: Map<string, Set<number>>;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The lower-case values the per-link filter finds an object by (UPN for users, mail, SMTP proxies). */
function valuesOf(type: CloudObjectType, o: Raw): string[] {
  const out: string[] = [];
  const upn = str(o["userPrincipalName"]);
  if (type === "user" && upn !== undefined) out.push(upn.toLowerCase());
  const mail = str(o["mail"]);
  if (mail !== undefined) out.push(mail.toLowerCase());
  for (const p of (o["proxyAddresses"] as unknown[] | null | undefined) ?? []) {
    if (typeof p === "string" && p.slice(0, 5).toLowerCase() === "smtp:") out.push(p.slice(5).toLowerCase());
  }
  return out;
}

function kindOf(type: CloudObjectType, records: Raw[], clausesPerValue: number): Kind {
  const kind: Kind = {
    type,
    chunkSize: Math.max(1, Math.floor(FILTER_CLAUSE_LIMIT / clausesPerValue)),
    records,
    byValue: new Map(),
  };
  for (const [i, o] of records.entries()) indexValues(kind, o, i);
  return kind;
}

function indexValues(kind: Kind, o: Raw, i: number): void {
  for (const v of valuesOf(kind.type, o)) {
    let set = kind.byValue.get(v);
    if (set === undefined) {
      set = new Set();
      kind.byValue.set(v, set);
    }
    set.add(i);
  }
}

export interface TenantSnapshot {
  /** Users as listUsers returns them (normalized: proxyAddresses always an array). */
  users: CloudUser[];
  groups?: Raw[];
  contacts?: Raw[];
  deletedUsers?: Raw[];
  roles?: Map<string, CloudRoles>;
}

export class EntraIndex {
  private readonly byId = new Map<string, number>();
  private readonly byUpn = new Map<string, number>();
  private readonly anchors = new Map<string, Set<number>>();
  private readonly deletedAnchors = new Map<string, number[]>();
  private readonly kinds: Kind[] | undefined;
  private readonly roles: Map<string, CloudRoles> | undefined;
  private readonly deleted: Raw[] | undefined;
  /** Users written in this process (lower-case ids): read live from now on. */
  private readonly written = new Set<string>();

  constructor(private readonly snapshot: TenantSnapshot) {
    const users = snapshot.users;
    users.forEach((u, i) => {
      this.byId.set(u.id.toLowerCase(), i);
      this.byUpn.set(u.userPrincipalName.toLowerCase(), i);
      this.indexAnchor(u, i);
    });
    this.kinds =
      snapshot.groups !== undefined && snapshot.contacts !== undefined
        ? [
            kindOf("user", users as unknown as Raw[], 4),
            kindOf("group", snapshot.groups, 3),
            kindOf("contact", snapshot.contacts, 3),
          ]
        : undefined;
    this.deleted = snapshot.deletedUsers;
    (snapshot.deletedUsers ?? []).forEach((u, i) => {
      const a = str(u["onPremisesImmutableId"]);
      if (a === undefined) return;
      const list = this.deletedAnchors.get(a);
      if (list === undefined) this.deletedAnchors.set(a, [i]);
      else list.push(i);
    });
    if (snapshot.roles !== undefined) {
      this.roles = new Map();
      for (const [principal, r] of snapshot.roles) this.roles.set(principal.toLowerCase(), r);
    }
  }

  private indexAnchor(u: CloudUser, i: number): void {
    const a = u.onPremisesImmutableId;
    if (typeof a !== "string") return;
    let set = this.anchors.get(a);
    if (set === undefined) {
      set = new Set();
      this.anchors.set(a, set);
    }
    set.add(i);
  }

  get userCount(): number {
    return this.snapshot.users.length;
  }

  /** The user `/users/{key}` returns, or undefined when the index cannot say (then ask Graph). */
  user(selector: { id: string } | { userPrincipalName: string }): CloudUser | undefined {
    const key = "id" in selector ? selector.id : selector.userPrincipalName;
    if (!isPlainValue(key)) return undefined;
    const i = ("id" in selector ? this.byId : this.byUpn).get(key.toLowerCase());
    if (i === undefined) return undefined;
    const u = this.snapshot.users[i]!;
    if (this.written.has(u.id.toLowerCase())) return undefined;
    return { ...u, proxyAddresses: [...u.proxyAddresses] };
  }

  /** What findCloudHolders returns for `values`, or undefined when the index cannot answer. */
  findHolders(values: readonly string[], excludeId: string): CloudHolder[] | undefined {
    if (this.kinds === undefined) return undefined;
    const wanted = distinctValues(values);
    if (!wanted.every(isPlainValue)) return undefined;
    const exclude = excludeId.toLowerCase();
    const seen = new Set<string>();
    const out: CloudHolder[] = [];
    for (const kind of this.kinds) {
      for (let c = 0; c < wanted.length; c += kind.chunkSize) {
        const hits = new Set<number>();
        for (const v of wanted.slice(c, c + kind.chunkSize))
          for (const i of kind.byValue.get(v) ?? []) hits.add(i);
        for (const i of [...hits].sort((a, b) => a - b)) {
          const o = kind.records[i]!;
          if (String(o["id"]).toLowerCase() === exclude) continue;
          for (const h of classifyHolder(
            kind.type,
            o as unknown as Parameters<typeof classifyHolder>[1],
            wanted,
          )) {
            const key = `${h.objectType}|${h.id}|${h.value}|${h.heldAs}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(h);
          }
        }
      }
    }
    return out;
  }

  /** What findCloudAnchorHolders returns, or undefined when the index cannot answer. */
  findAnchorHolders(immutableId: string, excludeId: string): AnchorHolder[] | undefined {
    if (this.deleted === undefined || immutableId === "") return undefined;
    const exclude = excludeId.toLowerCase();
    const out: AnchorHolder[] = [];
    const live = [...(this.anchors.get(immutableId) ?? [])].sort((a, b) => a - b);
    for (const i of live) {
      const u = this.snapshot.users[i]!;
      if (u.id.toLowerCase() === exclude || u.onPremisesImmutableId !== immutableId) continue;
      out.push({
        id: u.id,
        userPrincipalName: u.userPrincipalName ?? u.id,
        deleted: false,
        onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
      });
    }
    for (const i of this.deletedAnchors.get(immutableId) ?? []) {
      const u = this.deleted[i]!;
      const id = String(u["id"]);
      if (id.toLowerCase() === exclude) continue;
      out.push({
        id,
        userPrincipalName: str(u["userPrincipalName"]) ?? id,
        deleted: true,
        onPremisesSyncEnabled: (u["onPremisesSyncEnabled"] as boolean | null | undefined) ?? null,
      });
    }
    return out;
  }

  /**
   * Roles of a user, or undefined when the index cannot answer: roles not read, or a role whose
   * definition the list did not name (the per-link read would fetch it by id).
   */
  rolesOf(userId: string): CloudRoles | undefined {
    if (this.roles === undefined) return undefined;
    const r = this.roles.get(userId.toLowerCase()) ?? { active: [], eligible: [] };
    if ([...r.active, ...r.eligible].some((f) => f.displayName === f.roleDefinitionId)) return undefined;
    return { active: r.active.map((f) => ({ ...f })), eligible: r.eligible.map((f) => ({ ...f })) };
  }

  /** Mirrors a successful ImmutableId write; the user is read live from now on. */
  applyImmutableId(userId: string, immutableId: string | null): void {
    this.written.add(userId.toLowerCase());
    const i = this.byId.get(userId.toLowerCase());
    if (i === undefined) return;
    const u = this.snapshot.users[i]!;
    const old = u.onPremisesImmutableId;
    if (typeof old === "string") this.anchors.get(old)?.delete(i);
    u.onPremisesImmutableId = immutableId;
    this.indexAnchor(u, i);
  }

  /** Mirrors a write this index cannot follow: the user is read live from now on. */
  markWritten(userId: string): void {
    this.written.add(userId.toLowerCase());
  }
}
