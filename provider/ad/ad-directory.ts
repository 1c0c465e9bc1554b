/**
 * Active Directory over LDAPS (or LDAP + StartTLS): with entry.ts, holders.ts and ldap-errors.ts the
 * only code that talks to ldapts; the raw client never leaves this class. One connection (TLS
 * handshake + bind) per provider process, opened lazily, shared by every link and every method;
 * operations are multiplexed on it by message id, so concurrent calls are safe.
 */
import * as net from "node:net";
import type { ConnectionOptions } from "node:tls";
import {
  AndFilter,
  Attribute,
  Change,
  Client,
  type Entry,
  EqualityFilter,
  type Filter,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
} from "ldapts";
import type { LdapSettings } from "../config/settings";
import { guidToBytes, normalizeGuid } from "../core/guid";
import { canonicalDn, dnEquals, escapeFilterValue, formatDn, isDnUnder, parseDn } from "../core/ldap-escape";
import type { AdHolder, AdModification, AdPort, AdSelector, AdUser } from "../domain/ports";
import {
  type AdEntraLinkError,
  AmbiguousMatchError,
  ConfigurationError,
  DirectoryRequestError,
  DirectoryUnavailableError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  SafetyBlockError,
} from "../errors";
import { BINARY_ATTRIBUTES, mostSpecificClass, toAdUser, USER_ATTRIBUTES } from "./entry";
import { chunk, classifyHolders, HOLDER_ATTRIBUTES, holderFilter, normalizeHolderValues } from "./holders";
import { isRawReset, mapLdapError, mapTlsError, tlsHandshakeReset } from "./ldap-errors";

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

/** A copy of a connect/bind failure that says the write was never sent. */
function notSent(err: AdEntraLinkError): AdEntraLinkError {
  const options = { cause: err, requestSent: false, ...SIDE };
  switch (err.name) {
    case "ConfigurationError":
      return new ConfigurationError(err.code, err.message, options);
    case "PermissionDeniedError":
      return new PermissionDeniedError(err.code, err.message, options);
    case "DirectoryRequestError":
      return new DirectoryRequestError(err.code, err.message, options);
    default:
      return new DirectoryUnavailableError(err.code, err.message, options);
  }
}

export interface ScanOptions {
  /** Entries per LDAP page. Default 500. */
  pageSize?: number;
  /** Called after each page with the running number of distinct users read. */
  onProgress?: (usersRead: number) => void;
}

export class AdDirectory implements AdPort {
  private clientPromise: Promise<Client> | undefined;
  /** Set by close(): no reconnect after that, even from a read that was still in flight. */
  private closed = false;
  /** The client `clientPromise` resolved to, once it has. */
  private connected: Client | undefined;
  /** Count of connections opened and bound (benchmarks and tests assert reuse). */
  connectionsOpened = 0;

  constructor(private readonly settings: LdapSettings) {}

  /** The shared, bound client; reconnects after a failure. Never handed out. */
  private async client(): Promise<Client> {
    if (this.closed) {
      throw new DirectoryUnavailableError(
        "LDAP_CLOSED",
        "ad-entra-link: the LDAP connection was closed by the provider.",
        SIDE,
      );
    }
    const current = this.clientPromise;
    if (current !== undefined) {
      // ldapts reconnects on its own when an operation finds the socket closed (in plain text, for
      // a StartTLS URL) and several operations doing so at once can leave one pending forever. A
      // dead client is therefore replaced here, once, by a fresh bound connection all callers share.
      const client = await current.catch(() => undefined);
      if (client?.isConnected) return client;
      if (this.clientPromise === current) this.clientPromise = undefined;
    }
    if (this.clientPromise === undefined) {
      const attempt = this.connect();
      this.clientPromise = attempt;
      attempt.catch(() => {
        if (this.clientPromise === attempt) this.clientPromise = undefined;
      });
    }
    return this.clientPromise;
  }

  /** Every operation settles within the configured timeout, whatever the socket does. */
  private withDeadline<T>(what: string, op: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = Object.assign(new Error(`${what}: no answer within ${this.settings.timeoutInMs} ms`), {
          code: "ETIMEDOUT",
        });
        reject(err);
      }, this.settings.timeoutInMs);
    });
    return Promise.race([op, deadline]).finally(() => clearTimeout(timer)) as Promise<T>;
  }

  private tlsOptions(): ConnectionOptions {
    return {
      ...(this.settings.caCertificate !== undefined ? { ca: [this.settings.caCertificate] } : {}),
      // Only ever false after the user set ldapTlsInsecureSkipVerify, which is warned about loudly.
      rejectUnauthorized: !this.settings.tlsInsecureSkipVerify,
      minVersion: "TLSv1.2",
    };
  }

  /**
   * One bound client for `url`. `ldaps://` does TLS on connect; `ldap://` gets a client WITHOUT
   * tlsOptions (ldapts would otherwise send a TLS ClientHello to the plain port), then StartTLS, and
   * only then the bind. A plain connection is never bound, whatever the settings say.
   */
  private async open(url: string): Promise<Client> {
    const parsed = new URL(url);
    const plain = parsed.protocol === "ldap:";
    if (plain && !this.settings.startTls) {
      throw new ConfigurationError(
        "CONFIG_PLAINTEXT_LDAP",
        "ad-entra-link: an ldap:// URL is configured without ad-entra-link:ldapStartTls; the bind password would cross the network in clear text, so no connection is made. Use ldaps://, or set ad-entra-link:ldapStartTls to true.",
        SIDE,
      );
    }
    const tls = this.tlsOptions();
    const client = new Client({
      url,
      timeout: this.settings.timeoutInMs,
      connectTimeout: Math.min(this.settings.timeoutInMs, 10_000),
      ...(plain ? {} : { tlsOptions: tls }),
    });
    try {
      if (plain) {
        // The certificate is checked against the URL's host (a bare socket would default to "localhost").
        const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
        const identity = net.isIP(host) === 0 ? { host, servername: host } : { host };
        await this.withDeadline(`StartTLS on ${url}`, client.startTLS({ ...tls, ...identity })).catch(
          (err: unknown) => {
            throw this.startTlsFailure(err, url);
          },
        );
      }
      const operation = `bind to ${url} as ${this.settings.bindDn}`;
      await this.withDeadline(operation, client.bind(this.settings.bindDn, this.settings.bindPassword)).catch(
        (err: unknown) => {
          // A raw reset before the TLS session exists: the peer hung up on the ClientHello.
          throw !plain && isRawReset(err) ? tlsHandshakeReset(operation, err) : err;
        },
      );
      return client;
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw err;
    }
  }

  private startTlsFailure(err: unknown, url: string): AdEntraLinkError {
    const operation = `StartTLS on ${url}`;
    if (err instanceof ResultCodeError) {
      return new ConfigurationError(
        "LDAP_TLS_STARTTLS_REFUSED",
        `ad-entra-link: ${operation}: the domain controller refused StartTLS (${err.name}); nothing was sent in clear text. This is a TLS problem: give the DC a certificate, or use an ldaps:// URL in ad-entra-link:ldapUrl.`,
        { cause: err, ...SIDE },
      );
    }
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code !== "ETIMEDOUT" && !code.startsWith("ECONN")) {
      return mapTlsError(code, operation, err);
    }
    return mapLdapError(err, operation);
  }

  private async connect(): Promise<Client> {
    let lastError: AdEntraLinkError | undefined;
    for (const url of this.settings.urls) {
      try {
        const client = await this.open(url);
        this.connectionsOpened++;
        this.connected = client;
        return client;
      } catch (err) {
        lastError = mapLdapError(err, `bind to ${url} as ${this.settings.bindDn}`);
      }
    }
    throw (
      lastError ??
      new ConfigurationError(
        "CONFIG_MISSING",
        "ad-entra-link: no LDAP URL is configured (ad-entra-link:ldapUrl).",
        SIDE,
      )
    );
  }

  /** Runs `op` on the shared client, reconnecting once if the connection dropped. For reads only. */
  private async retrying<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.client();
      try {
        return await op(client);
      } catch (err) {
        const mapped = mapLdapError(err, what);
        if (mapped.name === "DirectoryUnavailableError" && attempt === 0) {
          this.dropClient(client);
          continue;
        }
        if (mapped.name === "DirectoryUnavailableError") this.dropClient(client);
        throw mapped;
      }
    }
  }

  /** A read within the deadline, retried once on a fresh connection. Reads are always safe to retry. */
  private read<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    return this.retrying(what, (client) => this.withDeadline(what, op(client)));
  }

  private dropClient(client: Client): void {
    // Only forget the shared client if it is still this one (a concurrent caller may have replaced it).
    if (this.connected === client) {
      this.clientPromise = undefined;
      this.connected = undefined;
    }
    client.unbind().catch(() => undefined);
  }

  /** Entries under `base` (subtree) matching `filter`, all pages. */
  private searchEntries(
    base: string,
    filter: string | Filter,
    attributes: string[],
    binary: string[] = [],
  ): Promise<Entry[]> {
    return this.read(`search ${base}`, async (client) => {
      const { searchEntries } = await client.search(base, {
        scope: "sub",
        filter,
        attributes,
        explicitBufferAttributes: binary,
        paged: { pageSize: 500 },
      });
      return searchEntries;
    });
  }

  /** The entry at `dn` if it matches `filter`; undefined when there is no such entry. */
  private async readEntry(dn: string, filter: string | Filter, attributes: string[], binary: string[] = []) {
    return this.read(`read ${dn}`, async (client) => {
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
      await this.retrying(what, async (client) => {
        const pages = client.searchPaginated(canonicalDn(base, "searchBase"), {
          scope: "sub",
          filter: PERSON_USER_FILTER,
          attributes: USER_ATTRIBUTES,
          explicitBufferAttributes: BINARY_ATTRIBUTES,
          paged: { pageSize: options.pageSize ?? 500 },
        });
        for (;;) {
          const page = await this.withDeadline(what, pages.next());
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
    const client = await this.client().catch((err: unknown) => {
      throw notSent(mapLdapError(err, `modify ${dn}`));
    });
    try {
      await this.withDeadline(`modify ${dn}`, client.modify(target, changes));
    } catch (err) {
      const mapped = mapLdapError(err, `modify ${dn}`);
      if (mapped.name === "DirectoryUnavailableError") this.dropClient(client);
      throw mapped;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    if (pending) await (await pending.catch(() => undefined))?.unbind().catch(() => undefined);
  }
}
