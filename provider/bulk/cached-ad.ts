/**
 * The caching decorator of the Active Directory port (the rules are in cached.ts): a user or the
 * holders of values are answered from one paged read of the sync scope and of the domain's UPNs.
 */
import { domainRootOf, type ScanOptions } from "../ad/ad-directory";
import { type LdapEntry, REFRESH_ATTRIBUTES } from "../ad/entry";
import { HOLDER_ATTRIBUTES } from "../ad/holders";
import { guidToBytes, normalizeGuid } from "../core/guid";
import { canonicalDn, dnEquals, isDnUnder } from "../core/ldap-escape";
import type { AdHolder, AdModification, AdPort, AdSelector, AdUser, ReadUse } from "../domain/ports";
import { AdIndex, type HolderList, isPlainValue } from "./ad-index";
import { type BulkGate, Once } from "./gate";
import { LazySnapshot, loggedBulkRead } from "./snapshot";

/** What CachedAd needs of the real adapter beyond the port. */
export interface AdBulkSource extends AdPort {
  scanUsers(bases: readonly string[], options?: ScanOptions): Promise<AdUser[]>;
  scanEntries(base: string, filter: string, attributes: string[]): Promise<LdapEntry[]>;
}

export interface AdScope {
  baseDn: string;
  allowedSearchBases: readonly string[];
}

export class CachedAd implements AdPort {
  private readonly snapshot = new LazySnapshot<AdIndex, [string, AdModification]>(
    () => this.load(),
    (index, [dn, m]) => index.applyModify(dn, m),
  );
  /**
   * Refresh asks only for users by objectGUID: a process that asked nothing else reads only the
   * scope's users (one paged search), not the holders a check needs (two more, one domain-wide),
   * and of each user only what refresh uses (REFRESH_ATTRIBUTES).
   */
  private readonly usersOnly = new LazySnapshot<AdIndex, [string, AdModification]>(
    () => this.loadUsers(),
    (index, [dn, m]) => index.applyModify(dn, m),
  );
  private readonly once = new Once();
  /** Settles once a bulk read's user search was sent (or that read ended); see bulkSearchSent. */
  private searchSent: Promise<void> | undefined;
  private markSent: () => void = () => undefined;

  constructor(
    private readonly inner: AdBulkSource,
    private readonly scope: AdScope,
    private readonly gate: BulkGate,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /**
   * Settles once a started bulk read has sent its user search, so the DC is working on it; at once
   * when no bulk read was started. Entra ID's bulk read waits for this before its first request,
   * which loads the Graph SDK (synchronous, about 80 ms): done then, the load overlaps the DC's
   * work instead of holding up the TLS handshake and bind before it.
   */
  bulkSearchSent(): Promise<void> {
    return this.searchSent ?? Promise.resolve();
  }

  /** Runs a bulk read, noting when its user search is sent (or the read ends without sending). */
  private sending<T>(read: (onRequested: () => void) => Promise<T>): Promise<T> {
    this.searchSent ??= new Promise<void>((resolve) => {
      this.markSent = resolve;
    });
    return read(this.markSent).finally(this.markSent);
  }

  private load(): Promise<AdIndex | undefined> {
    const base = this.scope.baseDn;
    return this.sending((onRequested) =>
      loggedBulkRead("Active Directory", this.log, async () => {
        const root = domainRootOf(base);
        const oneBase = dnEquals(root, base);
        const [users, first, second] = await Promise.all([
          this.inner.scanUsers([base], { onRequested }),
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
        const index = this.snapshot.install(new AdIndex(users, lists, base));
        return { index, found: `${index.userCount} users, ${index.holderEntryCount} address holders` };
      }),
    );
  }

  private loadUsers(): Promise<AdIndex | undefined> {
    const base = this.scope.baseDn;
    return this.sending((onRequested) =>
      loggedBulkRead("Active Directory (users only, for refresh)", this.log, async () => {
        const users = await this.inner.scanUsers([base], { attributes: REFRESH_ATTRIBUTES, onRequested });
        const index = this.usersOnly.install(new AdIndex(users, [], base));
        return { index, found: `${index.userCount} users` };
      }),
    );
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
    const index = await this.snapshot.get();
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

  /**
   * Refresh (`report`) reads a link's user by objectGUID once per process: from the snapshot when
   * the gate is open (each refreshed link counts toward it), otherwise, and for any miss, live.
   */
  async readByGuid(objectGuid: string, use: ReadUse = "write"): Promise<AdUser | undefined> {
    const key = `guid ${objectGuid.toLowerCase()}`;
    if (use !== "report" || !this.gate.noteLink(key) || !this.once.first(key)) {
      return this.inner.readByGuid(objectGuid);
    }
    const index = await (this.snapshot.started ? this.snapshot : this.usersOnly).get();
    const users = index?.usersBy("objectGuid", objectGuid.toLowerCase());
    return users?.length === 1 ? users[0] : this.inner.readByGuid(objectGuid);
  }

  async findHolders(values: readonly string[], excludeDn: string): Promise<AdHolder[]> {
    const key = `holders ${JSON.stringify([...values].sort())} ${excludeDn.toLowerCase()}`;
    if (!this.gate.open || !this.once.first(key)) return this.inner.findHolders(values, excludeDn);
    const index = await this.snapshot.get();
    return index?.findHolders(values, excludeDn) ?? this.inner.findHolders(values, excludeDn);
  }

  async modify(dn: string, modification: AdModification): Promise<void> {
    await this.inner.modify(dn, modification);
    this.snapshot.mirror([dn, modification]);
    this.usersOnly.mirror([dn, modification]);
  }
}

function underSafe(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}
