/**
 * Active Directory over LDAPS (or LDAP + StartTLS): with the other modules of provider/ad the only
 * code that talks to ldapts; the raw client never leaves this folder. One connection (TLS handshake
 * + bind, see connection.ts) per provider process, opened lazily, shared by every link and every
 * method; operations are multiplexed on it by message id, so concurrent calls are safe.
 */
import {
  AndFilter,
  Attribute,
  Change,
  type Entry,
  EqualityFilter,
  type Filter,
  InvalidDNSyntaxError,
  NoSuchObjectError,
} from "ldapts";
import type { LdapSettings } from "../config/settings";
import { guidToBytes, normalizeGuid } from "../core/guid";
import { canonicalDn, dnEquals, escapeFilterValue, formatDn, isDnUnder, parseDn } from "../core/ldap-escape";
import type { AdHolder, AdModification, AdPort, AdSelector, AdUser } from "../domain/ports";
import {
  type AdEntraLinkError,
  AmbiguousMatchError,
  InvalidInputError,
  NotFoundError,
  SafetyBlockError,
} from "../errors";
import { LdapConnection } from "./connection";
import { BINARY_ATTRIBUTES, mostSpecificClass, toAdUser, USER_ATTRIBUTES } from "./entry";
import { chunk, classifyHolders, HOLDER_ATTRIBUTES, holderFilter, normalizeHolderValues } from "./holders";

export type { AdHolder, AdModification, AdSelector, AdUser } from "../domain/ports";
export { sidToString, toAdUser, USER_ATTRIBUTES } from "./entry";

/**
 * Person user objects only. Excludes computers and managed service accounts (objectClass user, but
 * objectCategory computer / ms-DS-(Group-)Managed-Service-Account), contacts (category person, but
 * not class user) and groups. Includes inetOrgPerson: a subclass of user with category person, a
 * real log-on account that Entra Connect synchronises as a user.
 */
export const PERSON_USER_FILTER = "(&(objectCategory=person)(objectClass=user))";

const SIDE = { side: "onPremises" } as const;

export function describeSelector(selector: AdSelector): string {
  const [k, v] = Object.entries(selector)[0] ?? ["?", "?"];
  // As typed, but cut short and with control characters shown as escapes (never raw in a message).
  const shown = String(v)
    .slice(0, 256)
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `${k} "${shown}"`;
}

/** The domain naming context of a DN: its trailing DC= components. */
export function domainRootOf(dn: string): string {
  const rdns = parseDn(dn);
  let i = rdns.length;
  while (i > 0 && rdns[i - 1]!.length === 1 && rdns[i - 1]![0]!.type.toLowerCase() === "dc") i--;
  return i === rdns.length ? dn : formatDn(rdns.slice(i));
}

/**
 * Filter objects, not strings: ldapts parses string filters into text, which mangles escaped bytes
 * above 0x7F, so a binary objectGUID only matches when passed as a Buffer.
 */
function guidFilter(guidBytes: Buffer, personOnly: boolean): Filter {
  const guid = new EqualityFilter({ attribute: "objectGUID", value: guidBytes });
  if (!personOnly) return guid;
  return new AndFilter({
    filters: [
      new EqualityFilter({ attribute: "objectCategory", value: "person" }),
      new EqualityFilter({ attribute: "objectClass", value: "user" }),
      guid,
    ],
  });
}

/** The filter selecting what `selector` names (not for distinguishedName, which is a base-scope read). */
function selectorFilter(
  selector: AdSelector,
  guidBytes: Buffer | undefined,
  personOnly: boolean,
): Filter | string {
  if (guidBytes !== undefined) return guidFilter(guidBytes, personOnly);
  const clause =
    "samAccountName" in selector
      ? `(sAMAccountName=${escapeFilterValue(selector.samAccountName)})`
      : "userPrincipalName" in selector
        ? `(userPrincipalName=${escapeFilterValue(selector.userPrincipalName)})`
        : "(objectClass=*)";
  return personOnly ? `(&(objectCategory=person)(objectClass=user)${clause})` : clause;
}

/**
 * Entries per LDAP page: Active Directory's default MaxPageSize (and Samba's), so a scope of up to
 * 1,000 users is one round trip. A DC configured lower answers with smaller pages, which paging
 * follows as it is.
 */
export const PAGE_SIZE = 1000;

export interface ScanOptions {
  /** Entries per LDAP page. Default PAGE_SIZE. */
  pageSize?: number;
  /** The attributes read of each user. Default USER_ATTRIBUTES; REFRESH_ATTRIBUTES for refresh. */
  attributes?: readonly string[];
  /** Called once the first search request is on its way to the DC. */
  onRequested?: () => void;
  /** Called after each page with the running number of distinct users read. */
  onProgress?: (usersRead: number) => void;
}

export class AdDirectory implements AdPort {
  /** The one shared connection; never handed out. */
  private readonly connection: LdapConnection;

  constructor(private readonly settings: LdapSettings) {
    this.connection = new LdapConnection(settings);
  }

  /**
   * LDAP operations sent (benchmarks and tests): a search (all its pages) or a base read counts as
   * one search, each modify as one modify.
   */
  readonly operations = { searches: 0, modifies: 0 };

  /** Count of connections opened and bound (benchmarks and tests assert reuse). */
  get connectionsOpened(): number {
    return this.connection.connectionsOpened;
  }

  /** Entries under `base` (subtree) matching `filter`, all pages. */
  private searchEntries(
    base: string,
    filter: string | Filter,
    attributes: string[],
    binary: string[] = [],
  ): Promise<Entry[]> {
    this.operations.searches++;
    return this.connection.read(`search ${base}`, async (client) => {
      const { searchEntries } = await client.search(base, {
        scope: "sub",
        filter,
        attributes,
        explicitBufferAttributes: binary,
        paged: { pageSize: PAGE_SIZE },
      });
      return searchEntries;
    });
  }

  /** The entry at `dn` if it matches `filter`; undefined when there is no such entry. */
  private async readEntry(dn: string, filter: string | Filter, attributes: string[], binary: string[] = []) {
    this.operations.searches++;
    return this.connection.read(`read ${dn}`, async (client) => {
      try {
        const { searchEntries } = await client.search(dn, {
          scope: "base",
          filter,
          attributes,
          explicitBufferAttributes: binary,
        });
        return searchEntries[0];
      } catch (err) {
        // noSuchObject, or a DN the DC cannot parse: either way there is no such entry.
        if (err instanceof NoSuchObjectError || err instanceof InvalidDNSyntaxError) return undefined;
        throw err;
      }
    });
  }

  /**
   * Reads one person user by DN; undefined when there is no such user (or the entry is not one).
   * @throws InvalidInputError when `dn` is not a strictly valid DN (see canonicalDn).
   */
  async readByDn(dn: string, property = "dn"): Promise<AdUser | undefined> {
    const canonical = canonicalDn(dn, property);
    const entry = await this.readEntry(canonical, PERSON_USER_FILTER, USER_ATTRIBUTES, BINARY_ATTRIBUTES);
    if (entry === undefined) return undefined;
    if (!dnEquals(entry.dn, canonical)) {
      // A base-scope read answered with another entry: refuse rather than act on a neighbour.
      throw new InvalidInputError(
        "DN_NOT_ROUND_TRIP",
        property,
        `ad-entra-link: the directory answered a read of ${JSON.stringify(canonical)} with another entry (${entry.dn}); nothing is done with it. Check the DN's escaping.`,
        SIDE,
      );
    }
    return toAdUser(entry);
  }

  /** Reads one person user by objectGUID under the base DN; undefined when gone. */
  async readByGuid(objectGuid: string): Promise<AdUser | undefined> {
    const entries = await this.searchEntries(
      this.settings.baseDn,
      guidFilter(guidToBytes(objectGuid), true),
      USER_ATTRIBUTES,
      BINARY_ATTRIBUTES,
    );
    return entries[0] === undefined ? undefined : toAdUser(entries[0]);
  }

  private async usersFor(selector: AdSelector, property: string): Promise<AdUser[]> {
    if ("distinguishedName" in selector) {
      const user = await this.readByDn(selector.distinguishedName, `${property}.distinguishedName`);
      return user === undefined ? [] : [user];
    }
    const guidBytes =
      "objectGuid" in selector
        ? guidToBytes(normalizeGuid(selector.objectGuid, `${property}.objectGuid`))
        : undefined;
    if (guidBytes === undefined && !("samAccountName" in selector) && !("userPrincipalName" in selector)) {
      throw new InvalidInputError(
        "SELECTOR_MISSING",
        property,
        "ad-entra-link: no on-premises selector given.",
      );
    }
    const entries = await this.searchEntries(
      this.settings.baseDn,
      selectorFilter(selector, guidBytes, true),
      USER_ATTRIBUTES,
      BINARY_ATTRIBUTES,
    );
    return entries.map(toAdUser);
  }

  /**
   * Why a selector found no person user: a SafetyBlockError naming the object when it names a
   * computer, managed service account, contact, group or other object, else NotFoundError.
   */
  private async notFound(selector: AdSelector, property: string): Promise<AdEntraLinkError> {
    let others: Entry[];
    if ("distinguishedName" in selector) {
      const dn = canonicalDn(selector.distinguishedName, `${property}.distinguishedName`);
      const entry = await this.readEntry(dn, "(objectClass=*)", ["objectClass"]);
      others = entry === undefined ? [] : [entry];
    } else {
      const guidBytes =
        "objectGuid" in selector ? guidToBytes(normalizeGuid(selector.objectGuid)) : undefined;
      others = await this.searchEntries(this.settings.baseDn, selectorFilter(selector, guidBytes, false), [
        "objectClass",
      ]);
    }
    const other = others[0];
    if (other !== undefined) {
      const kind = mostSpecificClass(other);
      return new SafetyBlockError(
        "AD_OBJECT_NOT_A_PERSON_USER",
        `ad-entra-link: ${describeSelector(selector)} names ${other.dn}, an object of class ${kind}, not a person user account. ad-entra-link links only user objects of category person (never computers, managed service accounts, contacts or groups); select the person's own user account.`,
        { property, ...SIDE },
      );
    }
    return new NotFoundError(
      "AD_USER_NOT_FOUND",
      `ad-entra-link: no Active Directory user matches ${describeSelector(selector)} under ${this.settings.baseDn}. Check the value and the LDAP base DN.`,
      { property, ...SIDE },
    );
  }

  /**
   * Finds the single person user a selector names, inside the allowed search bases.
   * @throws NotFoundError, AmbiguousMatchError, SafetyBlockError (not a person user, outside the
   *   allowed bases), InvalidInputError (malformed DN or GUID)
   */
  async findUser(selector: AdSelector, property = "onPremises"): Promise<AdUser> {
    const users = await this.usersFor(selector, property);
    if (users.length === 0) throw await this.notFound(selector, property);
    if (users.length > 1) {
      throw new AmbiguousMatchError(
        "AD_USER_AMBIGUOUS",
        `ad-entra-link: ${users.length} Active Directory users match ${describeSelector(selector)}: ${users
          .map((u) => u.dn)
          .join("; ")}. Select the user by objectGuid or distinguishedName instead.`,
        { property, ...SIDE },
      );
    }
    const user = users[0]!;
    if (!this.settings.allowedSearchBases.some((base) => isDnUnder(user.dn, base))) {
      throw new SafetyBlockError(
        "AD_USER_OUTSIDE_ALLOWED_BASES",
        `ad-entra-link: the Active Directory user ${user.dn} is outside the allowed search bases (${this.settings.allowedSearchBases.join("; ")}). Move it, or have an administrator add its OU to ad-entra-link:allowedSearchBases.`,
        { property, ...SIDE },
      );
    }
    return user;
  }

  /**
   * Every other object (any class, not `excludeDn`) holding one of `values` as UPN (domain-wide:
   * AD itself refuses a duplicate UPN anywhere in the domain), `mail` or `SMTP:`/`smtp:` proxy (in
   * the sync scope = base DN). One OR-filter search per base and chunk of 50 values; one search in
   * all when the base DN is the domain root.
   */
  async findHolders(values: readonly string[], excludeDn: string): Promise<AdHolder[]> {
    const wanted = normalizeHolderValues(values);
    const baseDn = this.settings.baseDn;
    const root = domainRootOf(baseDn);
    const oneBase = dnEquals(root, baseDn);
    const searches: Promise<Entry[]>[] = [];
    for (const part of chunk(wanted)) {
      if (oneBase) {
        searches.push(this.searchEntries(baseDn, holderFilter(part, true, true), HOLDER_ATTRIBUTES));
      } else {
        searches.push(this.searchEntries(root, holderFilter(part, true, false), HOLDER_ATTRIBUTES));
        searches.push(this.searchEntries(baseDn, holderFilter(part, false, true), HOLDER_ATTRIBUTES));
      }
    }
    const entries = (await Promise.all(searches)).flat();
    return classifyHolders(entries, wanted, baseDn, excludeDn);
  }

  /**
   * Every person user under `searchBases` (subtree), page by page, each user once even if bases
   * overlap. Each page has the operation deadline; a dropped connection is reopened once per base
   * and that base read again (duplicates are skipped).
   */
  async scanUsers(searchBases: readonly string[], options: ScanOptions = {}): Promise<AdUser[]> {
    const seen = new Set<string>();
    const users: AdUser[] = [];
    for (const base of searchBases) {
      const what = `read users under ${base}`;
      await this.connection.retrying(what, async (client) => {
        this.operations.searches++;
        const pages = client.searchPaginated(canonicalDn(base, "searchBase"), {
          scope: "sub",
          filter: PERSON_USER_FILTER,
          attributes: [...(options.attributes ?? USER_ATTRIBUTES)],
          explicitBufferAttributes: BINARY_ATTRIBUTES,
          paged: { pageSize: options.pageSize ?? PAGE_SIZE },
        });
        for (;;) {
          const next = pages.next();
          options.onRequested?.();
          const page = await this.connection.withDeadline(what, next);
          if (page.done === true) break;
          for (const entry of page.value.searchEntries) {
            const user = toAdUser(entry);
            if (seen.has(user.objectGuid)) continue;
            seen.add(user.objectGuid);
            users.push(user);
          }
          options.onProgress?.(users.length);
        }
      });
    }
    return users;
  }

  /**
   * Every entry under `base` (subtree) matching `filter`, all pages, with `attributes` as text: the
   * bulk-read cache (provider/bulk) reads the holders of addresses this way.
   */
  scanEntries(base: string, filter: string, attributes: string[]): Promise<Entry[]> {
    return this.searchEntries(canonicalDn(base, "searchBase"), filter, attributes);
  }

  /**
   * Applies one LDAP modify (atomic on the DC). Not retried on a dropped connection: the caller
   * re-reads and re-plans instead, so a write is never applied twice on stale data.
   * @throws an AdEntraLinkError with `requestSent: false` when connect or bind failed (nothing was sent)
   */
  async modify(dn: string, modification: AdModification): Promise<void> {
    const changes: Change[] = [];
    for (const [type, vals] of Object.entries(modification.delete ?? {})) {
      if (vals.length > 0) {
        changes.push(
          new Change({ operation: "delete", modification: new Attribute({ type, values: vals }) }),
        );
      }
    }
    for (const [type, vals] of Object.entries(modification.add ?? {})) {
      if (vals.length > 0) {
        changes.push(new Change({ operation: "add", modification: new Attribute({ type, values: vals }) }));
      }
    }
    for (const [type, value] of Object.entries(modification.replace ?? {})) {
      const vals = value === null ? [] : [value];
      changes.push(
        new Change({
          operation: "replace",
          modification: new Attribute({ type, values: vals as string[] | Buffer[] }),
        }),
      );
    }
    if (changes.length === 0) return;
    const target = canonicalDn(dn);
    this.operations.modifies++;
    await this.connection.write(`modify ${dn}`, (client) => client.modify(target, changes));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
