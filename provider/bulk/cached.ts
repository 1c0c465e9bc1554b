/**
 * Caching decorators of the directory ports. Once the gate opens, the reads a link's check needs
 * (user, holders of its addresses and anchor, roles) are answered from ONE paged bulk read of the
 * sync scope and of the tenant, started at the first such read and shared by every link; before
 * that, and for anything the index cannot answer exactly (a miss, an error case, a value the
 * directory may compare differently, an object written in this process), the call goes to the real
 * adapter, so results and errors are the adapter's own.
 *
 * Freshness: every question is answered from the snapshot at most once. The same question asked
 * again in this process (the re-resolve of `up` before its writes, a second check) goes to the
 * directory, so writes always rest on live reads. Writes pass through and are mirrored into the
 * index; readByDn/readByGuid and tenant facts always read live.
 *
 * Ownership records (`com.adentralink.ownership`) come with the users of the tenant's bulk read
 * (`$expand=extensions`) when Graph answers that list; a link's first ownership question (preview's
 * check) is answered from it, the second (the claim `up` makes before writing) reads Graph, and a
 * user whose record this process wrote or released is read live from then on.
 */
import { domainRootOf } from "../ad/ad-directory";
import { HOLDER_ATTRIBUTES } from "../ad/holders";
import { dnEquals } from "../core/ldap-escape";
import { guidToBytes, normalizeGuid } from "../core/guid";
import type {
  AdHolder,
  AdModification,
  AdPort,
  AdSelector,
  AdUser,
  AnchorHolder,
  CloudHolder,
  CloudRoles,
  CloudSelector,
  CloudUser,
  EntraPort,
  Ownership,
  TenantFacts,
} from "../domain/ports";
import { canonicalDn, isDnUnder } from "../core/ldap-escape";
import type { UserWithOwnership } from "../entra/bulk-ownership";
import { CLOUD_USER_PROPERTIES } from "../entra/graph-directory";
import { parseOwnershipRecord } from "../entra/ownership";
import { AdIndex, type HolderList, isPlainValue } from "./ad-index";
import { EntraIndex, type TenantSnapshot } from "./entra-index";

import type { BulkReadMode } from "../config/settings";

export type { BulkReadMode } from "../config/settings";

/** `auto`: links checked in one process before the cache is used (small stacks never bulk read). */
export const AUTO_BULK_READ_AFTER = 200;

/**
 * Decides when the cache answers: `on` from the first link, `auto` once more than `threshold`
 * distinct links were resolved in this process, `off` never.
 */
export class BulkGate {
  private readonly links = new Set<string>();
  private opened = false;

  constructor(
    readonly mode: BulkReadMode,
    private readonly threshold = AUTO_BULK_READ_AFTER,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Records the link resolving `selectorKey`; true when the cache may answer it. */
  noteLink(selectorKey: string): boolean {
    if (this.mode === "off") return false;
    if (!this.opened) {
      this.links.add(selectorKey);
      if (this.mode === "on" || this.links.size > this.threshold) {
        this.opened = true;
        this.links.clear();
        this.log(
          this.mode === "on"
            ? "bulkRead on: reading the sync scope and the tenant in bulk; links are checked from that read"
            : `bulkRead auto: more than ${this.threshold} links in this run; reading the sync scope and the tenant in bulk for the rest`,
        );
      }
    }
    return this.opened;
  }

  get open(): boolean {
    return this.opened;
  }
}

/** A question answered from the snapshot at most once (see the module comment). */
class Once {
  private readonly asked = new Set<string>();
  first(key: string): boolean {
    if (this.asked.has(key)) return false;
    this.asked.add(key);
    return true;
  }
}

/** What CachedAd needs of the real adapter beyond the port. */
export interface AdBulkSource extends AdPort {
  scanUsers(bases: readonly string[], options?: { pageSize?: number }): Promise<AdUser[]>;
  scanEntries(base: string, filter: string, attributes: string[]): Promise<import("ldapts").Entry[]>;
}

export interface AdScope {
  baseDn: string;
  allowedSearchBases: readonly string[];
}

export class CachedAd implements AdPort {
  private loading: Promise<AdIndex | undefined> | undefined;
  private index: AdIndex | undefined;
  private readonly once = new Once();
  /** Writes made while the bulk read was running, mirrored once it lands. */
  private readonly pendingWrites: [string, AdModification][] = [];

  constructor(
    private readonly inner: AdBulkSource,
    private readonly scope: AdScope,
    private readonly gate: BulkGate,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The index, reading the directory in bulk the first time; undefined when that read failed. */
  private snapshot(): Promise<AdIndex | undefined> {
    if (this.loading === undefined) this.loading = this.load();
    return this.loading;
  }

  private async load(): Promise<AdIndex | undefined> {
    const started = Date.now();
    const base = this.scope.baseDn;
    try {
      const root = domainRootOf(base);
      const oneBase = dnEquals(root, base);
      const [users, first, second] = await Promise.all([
        this.inner.scanUsers([base]),
        oneBase
          ? this.inner.scanEntries(
              base,
              "(|(userPrincipalName=*)(mail=*)(proxyAddresses=*))",
              HOLDER_ATTRIBUTES,
            )
          : this.inner.scanEntries(root, "(userPrincipalName=*)", HOLDER_ATTRIBUTES),
        oneBase
          ? Promise.resolve([])
          : this.inner.scanEntries(base, "(|(mail=*)(proxyAddresses=*))", HOLDER_ATTRIBUTES),
      ]);
      const lists: HolderList[] = oneBase
        ? [{ entries: first, role: "both" }]
        : [
            { entries: first, role: "upn" },
            { entries: second, role: "address" },
          ];
      const index = new AdIndex(users, lists, base);
      for (const [dn, m] of this.pendingWrites) index.applyModify(dn, m);
      this.pendingWrites.length = 0;
      this.index = index;
      this.log(
        `bulk read of Active Directory: ${index.userCount} users, ${index.holderEntryCount} address holders in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return index;
    } catch (err) {
      this.log(
        `bulk read of Active Directory failed (${(err as { code?: string }).code ?? (err as Error).name}); every link reads it directly instead`,
      );
      return undefined;
    }
  }

  /** The value of a selector, when the index can answer for it. */
  private static plainSelector(selector: AdSelector): boolean {
    const v = Object.values(selector)[0];
    return typeof v === "string" && isPlainValue(v);
  }

  async findUser(selector: AdSelector, property = "onPremises"): Promise<AdUser> {
    const key = JSON.stringify(selector);
    if (!this.gate.noteLink(key) || !CachedAd.plainSelector(selector) || !this.once.first(`user ${key}`)) {
      return this.inner.findUser(selector, property);
    }
    // Malformed selectors fail exactly as the adapter fails them (same helpers, same property).
    let lookup: Parameters<AdIndex["usersBy"]>;
    if ("distinguishedName" in selector) {
      lookup = ["dn", canonicalDn(selector.distinguishedName, `${property}.distinguishedName`)];
    } else if ("objectGuid" in selector) {
      const guid = normalizeGuid(selector.objectGuid, `${property}.objectGuid`);
      guidToBytes(guid);
      lookup = ["objectGuid", guid];
    } else if ("samAccountName" in selector) lookup = ["samAccountName", selector.samAccountName];
    else if ("userPrincipalName" in selector) lookup = ["userPrincipalName", selector.userPrincipalName];
    else return this.inner.findUser(selector, property);
    const index = await this.snapshot();
    const users = index?.usersBy(...lookup);
    // Not found, ambiguous, outside the allowed bases, or unknown: the adapter words the answer.
    if (users === undefined || users.length !== 1) return this.inner.findUser(selector, property);
    const user = users[0]!;
    if (!this.scope.allowedSearchBases.some((b) => underSafe(user.dn, b))) {
      return this.inner.findUser(selector, property);
    }
    return user;
  }

  readByDn(dn: string): Promise<AdUser | undefined> {
    return this.inner.readByDn(dn);
  }

  readByGuid(objectGuid: string): Promise<AdUser | undefined> {
    return this.inner.readByGuid(objectGuid);
  }

  async findHolders(values: readonly string[], excludeDn: string): Promise<AdHolder[]> {
    const key = `holders ${JSON.stringify([...values].sort())} ${excludeDn.toLowerCase()}`;
    if (!this.gate.open || !this.once.first(key)) return this.inner.findHolders(values, excludeDn);
    const index = await this.snapshot();
    return index?.findHolders(values, excludeDn) ?? this.inner.findHolders(values, excludeDn);
  }

  async modify(dn: string, modification: AdModification): Promise<void> {
    await this.inner.modify(dn, modification);
    if (this.index !== undefined) this.index.applyModify(dn, modification);
    else if (this.loading !== undefined) this.pendingWrites.push([dn, modification]);
  }
}

function underSafe(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}

/** What CachedEntra needs of the real adapter beyond the port. */
export interface EntraBulkSource extends EntraPort {
  listUsers(properties: readonly string[], onPage: (users: CloudUser[]) => void): Promise<void>;
  listAddressObjects(collection: "groups" | "contacts"): Promise<Record<string, unknown>[]>;
  listDeletedUsers(): Promise<Record<string, unknown>[]>;
  readAllRoles(): Promise<Map<string, CloudRoles>>;
  /** Users with their ownership records in one list; absent: ownership is read per link. */
  listUsersWithOwnership?(
    properties: readonly string[],
    onPage: (users: UserWithOwnership[]) => void,
  ): Promise<void>;
}

/** Ownership records of the bulk read by lower-case user id (null: the user has none). */
type OwnershipRecords = Map<string, Record<string, unknown> | null>;

export class CachedEntra implements EntraPort {
  private loading: Promise<EntraIndex | undefined> | undefined;
  private index: EntraIndex | undefined;
  private readonly once = new Once();
  private readonly pendingWrites: [string, string | null][] = [];
  /** Ownership records of the bulk read; undefined when that list could not carry them. */
  private ownership: OwnershipRecords | undefined;
  /** Users whose ownership record this process wrote or released (lower-case ids): read live. */
  private readonly ownershipWritten = new Set<string>();

  constructor(
    private readonly inner: EntraBulkSource,
    private readonly gate: BulkGate,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  private snapshot(): Promise<EntraIndex | undefined> {
    if (this.loading === undefined) this.loading = this.load();
    return this.loading;
  }

  private async load(): Promise<EntraIndex | undefined> {
    const started = Date.now();
    const users: CloudUser[] = [];
    // Each part may fail on its own (a permission the per-link read would also miss): that part's
    // questions then go to Graph, which words the error exactly as before.
    const optional = <T>(what: string, p: Promise<T>): Promise<T | undefined> =>
      p.catch((err: unknown) => {
        this.log(
          `bulk read of ${what} failed (${(err as { code?: string }).code ?? (err as Error).name}); those reads go to Graph per link`,
        );
        return undefined;
      });
    try {
      const [records, groups, contacts, deletedUsers, roles] = await Promise.all([
        this.listUsers(users),
        optional("groups", this.inner.listAddressObjects("groups")),
        optional("org contacts", this.inner.listAddressObjects("contacts")),
        optional("deleted users", this.inner.listDeletedUsers()),
        optional("directory roles", this.inner.readAllRoles()),
      ]);
      const snapshot: TenantSnapshot = { users };
      if (groups !== undefined) snapshot.groups = groups;
      if (contacts !== undefined) snapshot.contacts = contacts;
      if (deletedUsers !== undefined) snapshot.deletedUsers = deletedUsers;
      if (roles !== undefined) snapshot.roles = roles;
      const index = new EntraIndex(snapshot);
      for (const [id, v] of this.pendingWrites) index.applyImmutableId(id, v);
      this.pendingWrites.length = 0;
      this.index = index;
      this.ownership = records;
      const owned = records === undefined ? "?" : [...records.values()].filter((r) => r !== null).length;
      this.log(
        `bulk read of Entra ID: ${users.length} users, ${groups?.length ?? "?"} groups, ${contacts?.length ?? "?"} contacts, ${deletedUsers?.length ?? "?"} deleted users, ${owned} ownership records in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return index;
    } catch (err) {
      this.log(
        `bulk read of Entra ID failed (${(err as { code?: string }).code ?? (err as Error).name}); every link reads it directly instead`,
      );
      return undefined;
    }
  }

  /**
   * Lists the users into `users`, with their ownership records when the adapter can expand them.
   * A refused expansion (a Graph that rejects `$expand=extensions` on the list) costs one request:
   * the users are listed again without it and ownership is read per link.
   */
  private async listUsers(users: CloudUser[]): Promise<OwnershipRecords | undefined> {
    if (this.inner.listUsersWithOwnership !== undefined) {
      const records: OwnershipRecords = new Map();
      try {
        await this.inner.listUsersWithOwnership(CLOUD_USER_PROPERTIES, (page) => {
          for (const { user, ownership } of page) {
            users.push(user);
            records.set(user.id.toLowerCase(), ownership ?? null);
          }
        });
        return records;
      } catch (err) {
        const status = (err as { cause?: { statusCode?: number } }).cause?.statusCode;
        if (status !== 400 && status !== 501) throw err;
        users.length = 0;
        this.log(
          `bulk read of ownership records refused (${status}: $expand=extensions on /users); ownership is read per link`,
        );
      }
    }
    await this.inner.listUsers(CLOUD_USER_PROPERTIES, (page) => users.push(...page));
    return undefined;
  }

  /** Opens the snapshot for one question, or undefined when Graph must answer it. */
  private async answerer(key: string): Promise<EntraIndex | undefined> {
    if (!this.gate.open || !this.once.first(key)) return undefined;
    return this.snapshot();
  }

  async getUser(selector: CloudSelector): Promise<CloudUser> {
    const index = await this.answerer(`user ${JSON.stringify(selector)}`);
    return index?.user(selector) ?? this.inner.getUser(selector);
  }

  async findUserById(id: string): Promise<CloudUser | undefined> {
    const index = await this.answerer(`byId ${id.toLowerCase()}`);
    return index?.user({ id }) ?? this.inner.findUserById(id);
  }

  async findHolders(values: readonly string[], excludeId: string): Promise<CloudHolder[]> {
    const index = await this.answerer(
      `holders ${JSON.stringify([...values].sort())} ${excludeId.toLowerCase()}`,
    );
    return index?.findHolders(values, excludeId) ?? this.inner.findHolders(values, excludeId);
  }

  async findAnchorHolders(immutableId: string, excludeId: string): Promise<AnchorHolder[]> {
    const index = await this.answerer(`anchor ${immutableId} ${excludeId.toLowerCase()}`);
    return (
      index?.findAnchorHolders(immutableId, excludeId) ?? this.inner.findAnchorHolders(immutableId, excludeId)
    );
  }

  async getRoles(userId: string): Promise<CloudRoles> {
    const index = await this.answerer(`roles ${userId.toLowerCase()}`);
    return index?.rolesOf(userId) ?? this.inner.getRoles(userId);
  }

  tenantFacts(): Promise<TenantFacts> {
    return this.inner.tenantFacts();
  }

  async setImmutableId(userId: string, immutableId: string | null): Promise<void> {
    await this.inner.setImmutableId(userId, immutableId);
    if (this.index !== undefined) this.index.applyImmutableId(userId, immutableId);
    else if (this.loading !== undefined) this.pendingWrites.push([userId, immutableId]);
  }

  /**
   * The recorded owner: from the bulk read for a link's first question (the check), else from Graph.
   * A malformed record fails exactly as the per-link read fails it (the same parser).
   */
  async getOwnership(userId: string): Promise<Ownership | undefined> {
    const key = userId.toLowerCase();
    if (!this.ownershipWritten.has(key) && (await this.answerer(`ownership ${key}`)) !== undefined) {
      const raw = this.ownership?.get(key);
      if (raw === null) return undefined;
      if (raw !== undefined && !this.ownershipWritten.has(key)) return parseOwnershipRecord(userId, raw);
    }
    return this.inner.getOwnership(userId);
  }

  async setOwnership(userId: string, ownership: Ownership): Promise<void> {
    this.ownershipWritten.add(userId.toLowerCase());
    await this.inner.setOwnership(userId, ownership);
  }

  async releaseOwnership(userId: string, owner: string): Promise<void> {
    this.ownershipWritten.add(userId.toLowerCase());
    await this.inner.releaseOwnership(userId, owner);
  }
}
