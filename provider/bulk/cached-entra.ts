/**
 * The caching decorator of the Entra ID port (the rules are in cached.ts): users, holders, anchor
 * holders, roles and ownership records are answered from one paged read of the tenant.
 */
// One namespace for the port types: this decorator only passes them through.
import type * as Port from "../domain/ports";
import type { UserWithOwnership } from "../entra/bulk-ownership";
import { CLOUD_REFRESH_PROPERTIES, CLOUD_USER_PROPERTIES } from "../entra/graph-directory";
import { parseOwnershipRecord } from "../entra/ownership";
import { EntraIndex, type TenantSnapshot } from "./entra-index";
import { type BulkGate, Once } from "./gate";
import { LazySnapshot, loggedBulkRead } from "./snapshot";

/** What CachedEntra needs of the real adapter beyond the port. */
export interface EntraBulkSource extends Port.EntraPort {
  listUsers(properties: readonly string[], onPage: (users: Port.CloudUser[]) => void): Promise<void>;
  listAddressObjects(collection: "groups" | "contacts"): Promise<Record<string, unknown>[]>;
  listDeletedUsers(): Promise<Record<string, unknown>[]>;
  readAllRoles(): Promise<Map<string, Port.CloudRoles>>;
  /** Users with their ownership records in one list; absent: ownership is read per link. */
  listUsersWithOwnership?(
    properties: readonly string[],
    onPage: (users: UserWithOwnership[]) => void,
  ): Promise<void>;
}

/** Ownership records of the bulk read by lower-case user id (null: the user has none). */
type OwnershipRecords = Map<string, Record<string, unknown> | null>;

export class CachedEntra implements Port.EntraPort {
  private readonly snapshot = new LazySnapshot<EntraIndex, [string, string | null]>(
    () => this.load(),
    (index, [id, value]) => index.applyImmutableId(id, value),
  );
  /**
   * Refresh asks only for users by id: a process that asked nothing else reads only the users, and
   * of each only what refresh uses (CLOUD_REFRESH_PROPERTIES).
   */
  private readonly usersOnly = new LazySnapshot<EntraIndex, [string, string | null]>(
    () => this.loadUsers(),
    (index, [id, value]) => index.applyImmutableId(id, value),
  );
  private readonly once = new Once();
  /** Ownership records of the bulk read; undefined when that list could not carry them. */
  private ownership: OwnershipRecords | undefined;
  /** Users whose ownership record this process wrote or released (lower-case ids): read live. */
  private readonly ownershipWritten = new Set<string>();

  /**
   * @param startAfter awaited before a bulk read's first request: the session passes
   *   CachedAd.bulkSearchSent, so the Graph SDK loads while the DC answers its bulk search.
   */
  constructor(
    private readonly inner: EntraBulkSource,
    private readonly gate: BulkGate,
    private readonly log: (message: string) => void = () => undefined,
    private readonly startAfter: () => Promise<void> = () => Promise.resolve(),
  ) {}

  private async load(): Promise<EntraIndex | undefined> {
    await this.startAfter();
    // Each part may fail on its own (a permission the per-link read would also miss): that part's
    // questions then go to Graph, which words the error exactly as before.
    const optional = <T>(what: string, p: Promise<T>): Promise<T | undefined> =>
      p.catch((err: unknown) => {
        this.log(
          `bulk read of ${what} failed (${(err as { code?: string }).code ?? (err as Error).name}); those reads go to Graph per link`,
        );
        return undefined;
      });
    return loggedBulkRead("Entra ID", this.log, async () => {
      const users: Port.CloudUser[] = [];
      const [records, groups, contacts, deletedUsers, roles] = await Promise.all([
        this.listUsers(users),
        optional("groups", this.inner.listAddressObjects("groups")),
        optional("org contacts", this.inner.listAddressObjects("contacts")),
        optional("deleted users", this.inner.listDeletedUsers()),
        optional("directory roles", this.inner.readAllRoles()),
      ]);
      const tenant: TenantSnapshot = { users };
      if (groups !== undefined) tenant.groups = groups;
      if (contacts !== undefined) tenant.contacts = contacts;
      if (deletedUsers !== undefined) tenant.deletedUsers = deletedUsers;
      if (roles !== undefined) tenant.roles = roles;
      const index = this.snapshot.install(new EntraIndex(tenant));
      this.ownership = records;
      const owned = records === undefined ? "?" : [...records.values()].filter((r) => r !== null).length;
      return {
        index,
        found: `${users.length} users, ${groups?.length ?? "?"} groups, ${contacts?.length ?? "?"} contacts, ${deletedUsers?.length ?? "?"} deleted users, ${owned} ownership records`,
      };
    });
  }

  /**
   * Lists the users into `users`, with their ownership records when the adapter can expand them.
   * A refused expansion (a Graph that rejects `$expand=extensions` on the list) costs one request:
   * the users are listed again without it and ownership is read per link.
   */
  private async listUsers(users: Port.CloudUser[]): Promise<OwnershipRecords | undefined> {
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

  private async loadUsers(): Promise<EntraIndex | undefined> {
    await this.startAfter();
    return loggedBulkRead("Entra ID (users only, for refresh)", this.log, async () => {
      const users: Port.CloudUser[] = [];
      await this.inner.listUsers(CLOUD_REFRESH_PROPERTIES, (page) => users.push(...page));
      return { index: this.usersOnly.install(new EntraIndex({ users })), found: `${users.length} users` };
    });
  }

  /** Opens the snapshot for one question, or undefined when Graph must answer it. */
  private async answerer(key: string): Promise<EntraIndex | undefined> {
    if (!this.gate.open || !this.once.first(key)) return undefined;
    return this.snapshot.get();
  }

  async getUser(selector: Port.CloudSelector): Promise<Port.CloudUser> {
    const index = await this.answerer(`user ${JSON.stringify(selector)}`);
    return index?.user(selector) ?? this.inner.getUser(selector);
  }

  /**
   * `report` (refresh): its link's first question here, answered from the bulk read as a check's
   * reads are. Any other read precedes or verifies a write (apply's check of a hard match, restore)
   * and goes to Graph, as CachedAd.readByGuid does.
   */
  async findUserById(id: string, use: Port.ReadUse = "write"): Promise<Port.CloudUser | undefined> {
    if (use !== "report") return this.inner.findUserById(id);
    if (!this.gate.open || !this.once.first(`byId ${id.toLowerCase()}`)) return this.inner.findUserById(id);
    const index = await (this.snapshot.started ? this.snapshot : this.usersOnly).get();
    return index?.user({ id }) ?? this.inner.findUserById(id);
  }

  async findHolders(values: readonly string[], excludeId: string): Promise<Port.CloudHolder[]> {
    const index = await this.answerer(
      `holders ${JSON.stringify([...values].sort())} ${excludeId.toLowerCase()}`,
    );
    return index?.findHolders(values, excludeId) ?? this.inner.findHolders(values, excludeId);
  }

  async findAnchorHolders(immutableId: string, excludeId: string): Promise<Port.AnchorHolder[]> {
    const index = await this.answerer(`anchor ${immutableId} ${excludeId.toLowerCase()}`);
    return (
      index?.findAnchorHolders(immutableId, excludeId) ?? this.inner.findAnchorHolders(immutableId, excludeId)
    );
  }

  async getRoles(userId: string): Promise<Port.CloudRoles> {
    const index = await this.answerer(`roles ${userId.toLowerCase()}`);
    return index?.rolesOf(userId) ?? this.inner.getRoles(userId);
  }

  tenantFacts(): Promise<Port.TenantFacts> {
    return this.inner.tenantFacts();
  }

  async setImmutableId(userId: string, immutableId: string | null): Promise<void> {
    await this.inner.setImmutableId(userId, immutableId);
    this.snapshot.mirror([userId, immutableId]);
    this.usersOnly.mirror([userId, immutableId]);
  }

  /**
   * The recorded owner: from the bulk read for a link's first question (the check), else from Graph.
   * A malformed record fails exactly as the per-link read fails it (the same parser).
   */
  async getOwnership(userId: string): Promise<Port.Ownership | undefined> {
    const key = userId.toLowerCase();
    if (!this.ownershipWritten.has(key) && (await this.answerer(`ownership ${key}`)) !== undefined) {
      const raw = this.ownership?.get(key);
      if (raw === null) return undefined;
      if (raw !== undefined && !this.ownershipWritten.has(key)) return parseOwnershipRecord(userId, raw);
    }
    return this.inner.getOwnership(userId);
  }

  async setOwnership(userId: string, ownership: Port.Ownership): Promise<void> {
    this.ownershipWritten.add(userId.toLowerCase());
    await this.inner.setOwnership(userId, ownership);
  }

  async releaseOwnership(userId: string, owner: string): Promise<void> {
    this.ownershipWritten.add(userId.toLowerCase());
    await this.inner.releaseOwnership(userId, owner);
  }
}
