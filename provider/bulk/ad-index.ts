/**
 * The in-memory index of one bulk read of Active Directory: the person users of the sync scope and
 * the objects holding address-like values. Pure (no connection): it answers the questions the
 * per-link searches of ad-directory.ts ask, with the same matching rules, and the same holder
 * records in the same order, by handing the entries those searches would return to the adapter's own
 * classifier (provider/ad/holders.ts). Anything it cannot answer exactly, it declines (undefined),
 * and the caller asks the directory.
 */
import type { LdapEntry as Entry } from "../ad/entry";
import { chunk, classifyHolders, normalizeHolderValues } from "../ad/holders";
import { isDnUnder, parseDn } from "../core/ldap-escape";
import type { AdHolder, AdModification, AdUser } from "../domain/ports";

/** How an entry of a holder list matches a search of the per-link look-up. */
export type HolderListRole = "upn" | "address" | "both";

export interface HolderList {
  /** Entries as the bulk search returned them (its order is the order the per-link search returns). */
  entries: readonly Entry[];
  /** `upn`: the domain-wide UPN search; `address`: the sync-scope mail/proxy search; `both`: one search. */
  role: HolderListRole;
}

/** A holder entry as the index keeps it (text values only). */
interface HolderRecord {
  dn: string;
  objectClass: string[];
  userPrincipalName?: string;
  mail: string[];
  proxyAddresses: string[];
}

/** Values the directory and JavaScript compare alike: printable ASCII, no surrounding space. */
export function isPlainValue(value: string): boolean {
  return value.length > 0 && value.length <= 1024 && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value);
}

/** A key for a DN that equals for every spelling dnEquals calls equal; undefined when unparsable. */
export function dnKey(dn: string): string | undefined {
  try {
    return parseDn(dn, "dn")
      .map((rdn) =>
        rdn
          .map((a) => `${a.type.toLowerCase()}=${a.value.normalize("NFC").toLowerCase()}`)
          .sort()
          .join("+"),
      )
      .join(",");
  } catch {
    return undefined;
  }
}

function firstText(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const v = entry[key];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.map((x) => (typeof x === "string" ? x : x.toString("utf8")));
}

function recordOf(entry: Entry): HolderRecord {
  const upn = firstText(entry, "userPrincipalName")[0];
  return {
    dn: entry.dn,
    objectClass: firstText(entry, "objectClass"),
    ...(upn !== undefined ? { userPrincipalName: upn } : {}),
    mail: firstText(entry, "mail"),
    proxyAddresses: firstText(entry, "proxyAddresses"),
  };
}

/** The entry classifyHolders reads. */
function entryOf(r: HolderRecord): Entry {
  const e: Entry = { dn: r.dn, objectClass: r.objectClass, mail: r.mail, proxyAddresses: r.proxyAddresses };
  if (r.userPrincipalName !== undefined) e["userPrincipalName"] = r.userPrincipalName;
  return e;
}

/** The lower-case values a record matches under a search role (what the per-link LDAP filter finds). */
function matchValues(r: HolderRecord, role: HolderListRole): string[] {
  const out: string[] = [];
  if (role !== "address" && r.userPrincipalName !== undefined) out.push(r.userPrincipalName.toLowerCase());
  if (role !== "upn") {
    for (const m of r.mail) out.push(m.toLowerCase());
    for (const p of r.proxyAddresses) {
      if (p.slice(0, 5).toLowerCase() === "smtp:") out.push(p.slice(5).toLowerCase());
    }
  }
  return out;
}

class IndexedList {
  readonly records: HolderRecord[];
  private readonly byValue = new Map<string, Set<number>>();
  private readonly byDn = new Map<string, number>();

  constructor(
    entries: readonly Entry[],
    readonly role: HolderListRole,
  ) {
    this.records = entries.map(recordOf);
    for (const [i, r] of this.records.entries()) this.indexRecord(r, i);
  }

  private indexRecord(r: HolderRecord, i: number): void {
    const key = dnKey(r.dn);
    if (key !== undefined) this.byDn.set(key, i);
    for (const v of matchValues(r, this.role)) {
      let set = this.byValue.get(v);
      if (set === undefined) {
        set = new Set();
        this.byValue.set(v, set);
      }
      set.add(i);
    }
  }

  private unindexRecord(r: HolderRecord, i: number): void {
    for (const v of matchValues(r, this.role)) this.byValue.get(v)?.delete(i);
  }

  /** Entries matching any of `values`, in list order. */
  matching(values: readonly string[]): Entry[] {
    const hits = new Set<number>();
    for (const v of values) for (const i of this.byValue.get(v) ?? []) hits.add(i);
    return [...hits].sort((a, b) => a - b).map((i) => entryOf(this.records[i]!));
  }

  find(key: string): HolderRecord | undefined {
    const i = this.byDn.get(key);
    return i === undefined ? undefined : this.records[i];
  }

  /** Replaces the record of `key` (re-indexed in place) or appends `next`. */
  put(key: string, next: HolderRecord): void {
    const i = this.byDn.get(key);
    if (i !== undefined) {
      this.unindexRecord(this.records[i]!, i);
      this.records[i] = next;
      this.indexRecord(next, i);
    } else {
      this.records.push(next);
      this.indexRecord(next, this.records.length - 1);
    }
  }
}

function under(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}

function textOf(v: string | Buffer | null): string | undefined {
  if (v === null) return undefined;
  return typeof v === "string" ? v : v.toString("utf8");
}

/** `modification` applied to the values of a record (AD compares proxy addresses case-insensitively). */
function applyTo(r: HolderRecord, m: AdModification): HolderRecord {
  const next: HolderRecord = { ...r, mail: [...r.mail], proxyAddresses: [...r.proxyAddresses] };
  // Value-level deletes and adds (proxy addresses; UPN and mail in a compare-and-swap modify).
  for (const [attr, vals] of Object.entries(m.delete ?? {})) {
    const gone = new Set(vals.map((v) => v.toLowerCase()));
    const a = attr.toLowerCase();
    if (a === "proxyaddresses")
      next.proxyAddresses = next.proxyAddresses.filter((p) => !gone.has(p.toLowerCase()));
    else if (a === "mail") next.mail = next.mail.filter((v) => !gone.has(v.toLowerCase()));
    else if (a === "userprincipalname" && gone.has(next.userPrincipalName?.toLowerCase() ?? ""))
      delete next.userPrincipalName;
  }
  for (const [attr, vals] of Object.entries(m.add ?? {})) {
    const a = attr.toLowerCase();
    for (const v of vals) {
      if (typeof v !== "string") continue; // binary values (the consistency GUID) hold no address
      if (a === "proxyaddresses") {
        if (!next.proxyAddresses.some((p) => p.toLowerCase() === v.toLowerCase()))
          next.proxyAddresses.push(v);
      } else if (a === "mail") next.mail = [v];
      else if (a === "userprincipalname") next.userPrincipalName = v;
    }
  }
  for (const [attr, value] of Object.entries(m.replace ?? {})) {
    const a = attr.toLowerCase();
    const text = textOf(value);
    if (a === "userprincipalname") {
      if (text === undefined) delete next.userPrincipalName;
      else next.userPrincipalName = text;
    } else if (a === "mail") next.mail = text === undefined ? [] : [text];
  }
  return next;
}

/** Touches only what holder look-ups read: does `m` change UPN, mail or proxy addresses? */
function touchesHolderValues(m: AdModification): boolean {
  const names = [
    ...Object.keys(m.replace ?? {}),
    ...Object.keys(m.add ?? {}),
    ...Object.keys(m.delete ?? {}),
  ].map((n) => n.toLowerCase());
  return names.some((n) => n === "userprincipalname" || n === "mail" || n === "proxyaddresses");
}

export class AdIndex {
  private readonly users: AdUser[];
  private readonly bySam = new Map<string, AdUser[]>();
  private readonly byUpn = new Map<string, AdUser[]>();
  private readonly byGuid = new Map<string, AdUser[]>();
  /** Built at the first look-up by DN: parsing every DN is most of the index's cost, and refresh never asks. */
  private dnMap: Map<string, AdUser[]> | undefined;
  private readonly lists: IndexedList[];
  /** DNs written in this process: their users are read live from then on. */
  private readonly written = new Set<string>();
  /** Set when a write could not be mirrored: holder look-ups are then asked live. */
  private holdersStale = false;

  constructor(
    users: readonly AdUser[],
    holderLists: readonly HolderList[],
    private readonly baseDn: string,
  ) {
    this.users = [...users];
    for (const u of this.users) {
      push(this.bySam, u.sAMAccountName.toLowerCase(), u);
      if (u.userPrincipalName !== undefined) push(this.byUpn, u.userPrincipalName.toLowerCase(), u);
      push(this.byGuid, u.objectGuid.toLowerCase(), u);
    }
    this.lists = holderLists.map((l) => new IndexedList(l.entries, l.role));
  }

  private get byDn(): Map<string, AdUser[]> {
    if (this.dnMap === undefined) {
      this.dnMap = new Map();
      for (const u of this.users) {
        const key = dnKey(u.dn);
        if (key !== undefined) push(this.dnMap, key, u);
      }
    }
    return this.dnMap;
  }

  get userCount(): number {
    return this.users.length;
  }

  get holderEntryCount(): number {
    return this.lists.reduce((n, l) => n + l.records.length, 0);
  }

  /**
   * The person users a per-link search would find for a selector value, or undefined when the
   * index cannot say (a user written in this process).
   */
  usersBy(
    kind: "samAccountName" | "userPrincipalName" | "objectGuid" | "dn",
    value: string,
  ): AdUser[] | undefined {
    let found: AdUser[];
    if (kind === "dn") {
      const key = dnKey(value);
      if (key === undefined) return undefined;
      found = this.byDn.get(key) ?? [];
    } else {
      const map =
        kind === "samAccountName" ? this.bySam : kind === "userPrincipalName" ? this.byUpn : this.byGuid;
      found = map.get(value.toLowerCase()) ?? [];
    }
    if (this.written.size > 0 && found.some((u) => this.written.has(dnKey(u.dn) ?? ""))) return undefined;
    return found.map(copyUser);
  }

  /**
   * The holder records the per-link findHolders returns for `values`, or undefined when the index
   * cannot answer exactly (a value the directory may compare differently, or a write it missed).
   */
  findHolders(values: readonly string[], excludeDn: string): AdHolder[] | undefined {
    if (this.holdersStale) return undefined;
    const wanted = normalizeHolderValues(values);
    if (!wanted.every(isPlainValue)) return undefined;
    const entries: Entry[] = [];
    for (const part of chunk(wanted)) for (const list of this.lists) entries.push(...list.matching(part));
    return classifyHolders(entries, wanted, this.baseDn, excludeDn);
  }

  /** Mirrors a successful LDAP modify of `dn`; its user is read live from now on. */
  applyModify(dn: string, modification: AdModification): void {
    const key = dnKey(dn);
    if (key === undefined) {
      this.holdersStale = true;
      return;
    }
    this.written.add(key);
    if (!touchesHolderValues(modification)) return;
    const user = this.byDn.get(key)?.[0];
    for (const list of this.lists) {
      const current = list.find(key);
      const base: HolderRecord | undefined =
        current ??
        (user !== undefined
          ? {
              dn: user.dn,
              objectClass: [...user.objectClass],
              ...(user.userPrincipalName !== undefined ? { userPrincipalName: user.userPrincipalName } : {}),
              mail: user.mail !== undefined ? [user.mail] : [],
              proxyAddresses: [...user.proxyAddresses],
            }
          : undefined);
      if (base === undefined) {
        // An object the bulk read did not see (outside the sync scope, no UPN then): ask live.
        this.holdersStale = true;
        return;
      }
      const next = applyTo(base, modification);
      const inList = list.role === "upn" || under(next.dn, this.baseDn);
      if (current !== undefined || (inList && matchValues(next, list.role).length > 0)) list.put(key, next);
    }
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function copyUser(u: AdUser): AdUser {
  return { ...u, proxyAddresses: [...u.proxyAddresses], objectClass: [...u.objectClass] };
}
