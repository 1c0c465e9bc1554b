/**
 * Active Directory over LDAPS: the only module that talks to ldapts. One connection (TLS handshake
 * + bind) per provider process, opened lazily, shared by every link and every method; operations
 * are multiplexed on it by message id, so concurrent calls are safe.
 */
import { AndFilter, Attribute, Change, Client, type Entry, EqualityFilter, type Filter } from "ldapts";
import type { LdapSettings } from "../config/settings";
import { bytesToGuid, guidToBytes } from "../core/guid";
import { escapeFilterValue, formatDn, isDnUnder, parseDn } from "../core/ldap-escape";
import {
  AmbiguousMatchError,
  DirectoryUnavailableError,
  InvalidInputError,
  NotFoundError,
  SafetyBlockError,
} from "../errors";
import { mapLdapError } from "./ldap-errors";

/** What we read of an AD user. */
export interface AdUser {
  dn: string;
  objectGuid: string;
  objectGuidBytes: Buffer;
  /** Raw mS-DS-ConsistencyGuid, when set. */
  consistencyGuid?: Buffer;
  sAMAccountName: string;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses: string[];
  displayName?: string;
  givenName?: string;
  sn?: string;
  employeeID?: string;
  mailNickname?: string;
  objectClass: string[];
}

/** Exactly one way to pick the AD user of a link. */
export type AdSelector =
  | { samAccountName: string }
  | { distinguishedName: string }
  | { objectGuid: string }
  | { userPrincipalName: string };

/** One LDAP modify on a user: values to add/delete, attributes to replace (empty array clears). */
export interface AdModification {
  replace?: Record<string, string | Buffer | null>;
  add?: Record<string, string[]>;
  delete?: Record<string, string[]>;
}

export const USER_ATTRIBUTES = [
  "objectGUID",
  "mS-DS-ConsistencyGuid",
  "sAMAccountName",
  "userPrincipalName",
  "mail",
  "proxyAddresses",
  "displayName",
  "givenName",
  "sn",
  "employeeID",
  "mailNickname",
  "objectClass",
];
const BINARY_ATTRIBUTES = ["objectGUID", "mS-DS-ConsistencyGuid"];

function values(entry: Entry, name: string): (string | Buffer)[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const v = entry[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function text(entry: Entry, name: string): string | undefined {
  const v = values(entry, name)[0];
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : v.toString("utf8");
}

function buffer(entry: Entry, name: string): Buffer | undefined {
  const v = values(entry, name)[0];
  if (v === undefined) return undefined;
  return typeof v === "string" ? Buffer.from(v, "binary") : v;
}

export function toAdUser(entry: Entry): AdUser {
  const guidBytes = buffer(entry, "objectGUID");
  if (guidBytes === undefined || guidBytes.length !== 16) {
    throw new Error(`ad: ${entry.dn} has no 16-byte objectGUID`);
  }
  const user: AdUser = {
    dn: entry.dn,
    objectGuid: bytesToGuid(guidBytes),
    objectGuidBytes: guidBytes,
    sAMAccountName: text(entry, "sAMAccountName") ?? "",
    proxyAddresses: values(entry, "proxyAddresses").map((v) =>
      typeof v === "string" ? v : v.toString("utf8"),
    ),
    objectClass: values(entry, "objectClass").map((v) => (typeof v === "string" ? v : v.toString("utf8"))),
  };
  const consistency = buffer(entry, "mS-DS-ConsistencyGuid");
  if (consistency !== undefined && consistency.length > 0) user.consistencyGuid = consistency;
  for (const [attr, field] of [
    ["userPrincipalName", "userPrincipalName"],
    ["mail", "mail"],
    ["displayName", "displayName"],
    ["givenName", "givenName"],
    ["sn", "sn"],
    ["employeeID", "employeeID"],
    ["mailNickname", "mailNickname"],
  ] as const) {
    const v = text(entry, attr);
    if (v !== undefined) user[field] = v;
  }
  return user;
}

export function describeSelector(selector: AdSelector): string {
  const [k, v] = Object.entries(selector)[0] ?? ["?", "?"];
  return `${k} "${v}"`;
}

/** The domain naming context of a DN: its trailing DC= components. */
export function domainRootOf(dn: string): string {
  const rdns = parseDn(dn);
  let i = rdns.length;
  while (i > 0 && rdns[i - 1]!.length === 1 && rdns[i - 1]![0]!.type.toLowerCase() === "dc") i--;
  return i === rdns.length ? dn : formatDn(rdns.slice(i));
}

/**
 * A filter object, not a string: ldapts parses string filters into text, which mangles escaped
 * bytes above 0x7F, so a binary objectGUID only matches when passed as a Buffer.
 */
function userWithGuid(objectGuid: string): Filter {
  return new AndFilter({
    filters: [
      new EqualityFilter({ attribute: "objectClass", value: "user" }),
      new EqualityFilter({ attribute: "objectGUID", value: guidToBytes(objectGuid) }),
    ],
  });
}

export class AdDirectory {
  private clientPromise: Promise<Client> | undefined;
  /** Set by close(): no reconnect after that, even from a read that was still in flight. */
  private closed = false;
  /** The client `clientPromise` resolved to, once it has. */
  private connected: Client | undefined;
  /** Count of LDAPS connections opened (benchmarks and tests assert reuse). */
  connectionsOpened = 0;

  constructor(private readonly settings: LdapSettings) {}

  /** The shared, bound client; reconnects after a failure. */
  async client(): Promise<Client> {
    if (this.closed) {
      throw new DirectoryUnavailableError(
        "LDAP_CLOSED",
        "ad-entra-link: the LDAP connection was closed by the provider.",
      );
    }
    const current = this.clientPromise;
    if (current !== undefined) {
      // ldapts reconnects on its own when an operation finds the socket closed, and several
      // operations doing so at once can leave one pending forever. A dead client is therefore
      // replaced here, once, by a fresh bound connection that all waiting callers share.
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

  private async connect(): Promise<Client> {
    const tlsOptions = {
      ...(this.settings.caCertificate !== undefined ? { ca: [this.settings.caCertificate] } : {}),
      // Only ever false after the user set ldapTlsInsecureSkipVerify, which is warned about loudly.
      rejectUnauthorized: !this.settings.tlsInsecureSkipVerify,
      minVersion: "TLSv1.2" as const,
    };
    let lastError: unknown;
    for (const url of this.settings.urls) {
      const client = new Client({
        url,
        timeout: this.settings.timeoutInMs,
        connectTimeout: Math.min(this.settings.timeoutInMs, 10_000),
        tlsOptions,
      });
      try {
        if (this.settings.startTls && url.startsWith("ldap:")) await client.startTLS(tlsOptions);
        await this.withDeadline(
          `bind to ${url}`,
          client.bind(this.settings.bindDn, this.settings.bindPassword),
        );
        this.connectionsOpened++;
        this.connected = client;
        return client;
      } catch (err) {
        lastError = mapLdapError(err, `bind to ${url} as ${this.settings.bindDn}`);
        await client.unbind().catch(() => undefined);
      }
    }
    throw lastError;
  }

  /** Runs a read, reconnecting once if the shared connection dropped. Reads are always safe to retry. */
  private async read<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.client();
      try {
        return await this.withDeadline(what, op(client));
      } catch (err) {
        const mapped = mapLdapError(err, what);
        if (mapped.name === "DirectoryUnavailableError" && attempt === 0) {
          this.dropClient(client);
          continue;
        }
        throw mapped;
      }
    }
  }

  private dropClient(client: Client): void {
    // Only forget the shared client if it is still this one (a concurrent caller may have replaced it).
    if (this.connected === client) {
      this.clientPromise = undefined;
      this.connected = undefined;
    }
    client.unbind().catch(() => undefined);
  }

  /** Searches the whole base DN; callers decide what to do with 0 or many. */
  async search(filter: string | Filter, base = this.settings.baseDn): Promise<AdUser[]> {
    return this.read(`search ${base}`, async (client) => {
      const { searchEntries } = await client.search(base, {
        scope: "sub",
        filter,
        attributes: USER_ATTRIBUTES,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        paged: { pageSize: 500 },
      });
      return searchEntries.map(toAdUser);
    });
  }

  /** Reads one object by DN; undefined when it does not exist. */
  async readByDn(dn: string): Promise<AdUser | undefined> {
    return this.read(`read ${dn}`, async (client) => {
      try {
        const { searchEntries } = await client.search(dn, {
          scope: "base",
          filter: "(objectClass=user)",
          attributes: USER_ATTRIBUTES,
          explicitBufferAttributes: BINARY_ATTRIBUTES,
        });
        const first = searchEntries[0];
        return first === undefined ? undefined : toAdUser(first);
      } catch (err) {
        // noSuchObject, or a DN the DC cannot even parse: either way there is no such user.
        const code = (err as { code?: number }).code;
        if (code === 32 || code === 34) return undefined;
        throw err;
      }
    });
  }

  /** Reads one object by objectGUID; undefined when gone. */
  async readByGuid(objectGuid: string): Promise<AdUser | undefined> {
    const users = await this.search(userWithGuid(objectGuid));
    return users[0];
  }

  /**
   * Finds the single user a selector names, inside the allowed search bases.
   * @throws NotFoundError, AmbiguousMatchError, SafetyBlockError (outside allowed bases)
   */
  async findUser(selector: AdSelector, property = "onPremises"): Promise<AdUser> {
    let users: AdUser[];
    if ("distinguishedName" in selector) {
      const user = await this.readByDn(selector.distinguishedName);
      users = user === undefined ? [] : [user];
    } else if ("objectGuid" in selector) {
      users = await this.search(userWithGuid(selector.objectGuid));
    } else if ("samAccountName" in selector) {
      users = await this.search(
        `(&(objectCategory=person)(objectClass=user)(sAMAccountName=${escapeFilterValue(selector.samAccountName)}))`,
      );
    } else if ("userPrincipalName" in selector) {
      users = await this.search(
        `(&(objectCategory=person)(objectClass=user)(userPrincipalName=${escapeFilterValue(selector.userPrincipalName)}))`,
      );
    } else {
      throw new InvalidInputError(
        "SELECTOR_MISSING",
        property,
        "ad-entra-link: no on-premises selector given.",
      );
    }
    if (users.length === 0) {
      throw new NotFoundError(
        "AD_USER_NOT_FOUND",
        `ad-entra-link: no Active Directory user matches ${describeSelector(selector)} under ${this.settings.baseDn}. Check the value and the LDAP base DN.`,
      );
    }
    if (users.length > 1) {
      throw new AmbiguousMatchError(
        "AD_USER_AMBIGUOUS",
        `ad-entra-link: ${users.length} Active Directory users match ${describeSelector(selector)}: ${users
          .map((u) => u.dn)
          .join("; ")}. Select the user by objectGuid or distinguishedName instead.`,
      );
    }
    const user = users[0]!;
    if (!this.settings.allowedSearchBases.some((base) => isDnUnder(user.dn, base))) {
      throw new SafetyBlockError(
        "AD_USER_OUTSIDE_ALLOWED_BASES",
        `ad-entra-link: the Active Directory user ${user.dn} is outside the allowed search bases (${this.settings.allowedSearchBases.join("; ")}). Move it, or have an administrator add its OU to ad-entra-link:allowedSearchBases.`,
      );
    }
    return user;
  }

  /**
   * Other AD objects that already hold a UPN or an address (as userPrincipalName, mail or any
   * proxy address): Entra Connect would quarantine the value if two objects exported it.
   */
  async findHolders(value: string, excludeDn: string): Promise<{ dn: string; attribute: string }[]> {
    const v = escapeFilterValue(value);
    const search = (base: string, filter: string) =>
      this.read(`collision search for ${value}`, async (client) => {
        const { searchEntries } = await client.search(base, {
          scope: "sub",
          filter,
          attributes: ["userPrincipalName", "mail", "proxyAddresses"],
          paged: { pageSize: 100 },
        });
        return searchEntries;
      });
    // AD itself refuses a UPN another object of the domain holds, wherever it sits; addresses only
    // collide for Entra Connect inside its sync scope (the base DN).
    const [upnHolders, addressHolders] = await Promise.all([
      search(domainRootOf(this.settings.baseDn), `(userPrincipalName=${v})`),
      search(this.settings.baseDn, `(|(mail=${v})(proxyAddresses=smtp:${v}))`),
    ]);
    const lower = value.toLowerCase();
    const seen = new Set<string>();
    return [...upnHolders, ...addressHolders]
      .filter((e) => e.dn.toLowerCase() !== excludeDn.toLowerCase())
      .filter((e) => !seen.has(e.dn.toLowerCase()) && seen.add(e.dn.toLowerCase()) !== undefined)
      .map((e) => {
        const upn = text(e, "userPrincipalName")?.toLowerCase();
        const mail = text(e, "mail")?.toLowerCase();
        const attribute = upn === lower ? "userPrincipalName" : mail === lower ? "mail" : "proxyAddresses";
        return { dn: e.dn, attribute };
      });
  }

  /**
   * Applies one LDAP modify (atomic on the DC). Not retried on a dropped connection: the caller
   * re-reads and re-plans instead, so a write is never applied twice on stale data.
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
      const vals = value === null ? [] : typeof value === "string" ? [value] : [value];
      changes.push(
        new Change({
          operation: "replace",
          modification: new Attribute({ type, values: vals as string[] | Buffer[] }),
        }),
      );
    }
    if (changes.length === 0) return;
    // A failure to connect or bind means the modify was never sent: callers know nothing changed.
    const client = await this.client().catch((err: unknown) => {
      throw Object.assign(err as object, { requestSent: false });
    });
    try {
      await this.withDeadline(`modify ${dn}`, client.modify(dn, changes));
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
