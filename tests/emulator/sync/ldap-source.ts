/**
 * The AD connector side of the simulator: imports users over LDAPS (TLS verified against the given
 * CA; binary attributes through explicitBufferAttributes) and exports mS-DS-ConsistencyGuid
 * write-backs, as Entra Connect does when ConsistencyGuid is the source anchor.
 */
import { Attribute, Change, Client, type Entry } from "ldapts";
import { sidToString } from "./anchor";
import type { ConsistencyGuidWriteBack } from "./engine";
import type { LdapSourceOptions, OnPremUserRecord } from "./types";

const BINARY = ["objectGUID", "mS-DS-ConsistencyGuid", "objectSid"];
const ATTRIBUTES = [
  ...BINARY,
  "objectClass",
  "cn",
  "sAMAccountName",
  "userPrincipalName",
  "givenName",
  "sn",
  "displayName",
  "mail",
  "mailNickname",
  "proxyAddresses",
  "employeeID",
  "isCriticalSystemObject",
  "userAccountControl",
];
const USER_FILTER = "(&(objectClass=user)(!(objectClass=computer)))";

function pick(entry: Entry, name: string): unknown {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (entry as Record<string, unknown>)[key];
}

function strings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : String(x)));
}

function firstString(entry: Entry, name: string): string | null {
  return strings(pick(entry, name))[0] ?? null;
}

function firstBuffer(entry: Entry, name: string): Buffer | undefined {
  const v = pick(entry, name);
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const b = arr[0];
  return Buffer.isBuffer(b) && b.length > 0 ? b : undefined;
}

export function entryToRecord(entry: Entry): OnPremUserRecord | undefined {
  const guid = firstBuffer(entry, "objectGUID");
  if (!guid) return undefined;
  const cg = firstBuffer(entry, "mS-DS-ConsistencyGuid");
  const sid = firstBuffer(entry, "objectSid");
  const uac = firstString(entry, "userAccountControl");
  const critical = firstString(entry, "isCriticalSystemObject");
  return {
    dn: entry.dn,
    objectGUID: guid.toString("base64"),
    msDsConsistencyGuid: cg ? cg.toString("base64") : null,
    objectClass: strings(pick(entry, "objectClass")),
    cn: firstString(entry, "cn"),
    sAMAccountName: firstString(entry, "sAMAccountName"),
    userPrincipalName: firstString(entry, "userPrincipalName"),
    givenName: firstString(entry, "givenName"),
    sn: firstString(entry, "sn"),
    displayName: firstString(entry, "displayName"),
    mail: firstString(entry, "mail"),
    mailNickname: firstString(entry, "mailNickname"),
    proxyAddresses: strings(pick(entry, "proxyAddresses")),
    employeeID: firstString(entry, "employeeID"),
    isCriticalSystemObject: critical?.toUpperCase() === "TRUE",
    objectSid: sid ? sidToString(sid) : null,
    userAccountControl: uac === null ? null : Number(uac),
  };
}

export async function withLdap<T>(o: LdapSourceOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  if (!o.url.toLowerCase().startsWith("ldaps://"))
    throw new Error(`sync-cycle: ldap.url must be ldaps:// (got ${o.url})`);
  const client = new Client({
    url: o.url,
    timeout: 30_000,
    connectTimeout: 10_000,
    tlsOptions: { ca: [o.caCertPem], minVersion: "TLSv1.2" },
  });
  try {
    await client.bind(o.bindDn, o.bindPassword);
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** All user objects under the scope bases (deduplicated by DN). */
export async function importUsers(client: Client, scope: readonly string[]): Promise<OnPremUserRecord[]> {
  const byDn = new Map<string, OnPremUserRecord>();
  for (const base of scope) {
    const { searchEntries } = await client.search(base, {
      scope: "sub",
      filter: USER_FILTER,
      attributes: ATTRIBUTES,
      explicitBufferAttributes: BINARY,
      paged: { pageSize: 500 },
    });
    for (const entry of searchEntries) {
      const rec = entryToRecord(entry);
      if (rec) byDn.set(rec.dn.toLowerCase(), rec);
    }
  }
  return [...byDn.values()];
}

export async function applyWriteBacks(
  client: Client,
  writeBacks: readonly ConsistencyGuidWriteBack[],
): Promise<void> {
  for (const wb of writeBacks) {
    await client.modify(
      wb.dn,
      new Change({
        operation: "replace",
        modification: new Attribute({ type: "mS-DS-ConsistencyGuid", values: [wb.value] }),
      }),
    );
  }
}

/** One object by DN (base search), as the Cloud Sync agent imports a provision-on-demand subject; undefined when absent. */
export async function importUserByDn(client: Client, dn: string): Promise<OnPremUserRecord | undefined> {
  try {
    const { searchEntries } = await client.search(dn, {
      scope: "base",
      filter: USER_FILTER,
      attributes: ATTRIBUTES,
      explicitBufferAttributes: BINARY,
    });
    const entry = searchEntries[0];
    return entry === undefined ? undefined : entryToRecord(entry);
  } catch (error) {
    // noSuchObject (32) and a malformed DN (34) both mean "no such user" to the caller.
    const code = (error as { code?: number }).code;
    if (code === 32 || code === 34) return undefined;
    throw error;
  }
}
