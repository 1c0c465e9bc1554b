/**
 * Reading the directory back for assertions: one user as plain values, or a whole subtree as a
 * deterministic text dump to prove that nothing changed.
 */
import type { Client, Entry } from "ldapts";
import { bytesToGuid } from "./guid";
import { withAdminClient } from "./ldap";
import type { SambaDc } from "./types";

/** Binary attributes a user read returns as Buffers. */
export const BINARY_USER_ATTRIBUTES = ["objectGUID", "objectSid", "mS-DS-ConsistencyGuid"];

export const USER_ATTRIBUTES = [
  "cn",
  "sAMAccountName",
  "userPrincipalName",
  "givenName",
  "sn",
  "displayName",
  "mail",
  "proxyAddresses",
  "employeeID",
  "description",
  "userAccountControl",
  ...BINARY_USER_ATTRIBUTES,
];

export interface AdUser {
  dn: string;
  /** objectGUID as ADUC shows it. */
  objectGuid: string;
  objectGUID: Buffer;
  objectSid: Buffer;
  cn: string;
  sAMAccountName: string;
  userPrincipalName?: string;
  givenName?: string;
  sn?: string;
  displayName?: string;
  mail?: string;
  /** Always an array (empty when unset), in the order the server returns it. */
  proxyAddresses: string[];
  employeeID?: string;
  description?: string;
  userAccountControl: number;
  "mS-DS-ConsistencyGuid"?: Buffer;
  /** mS-DS-ConsistencyGuid as a GUID string, when it is 16 bytes. */
  consistencyGuid?: string;
}

type Value = Entry[string];

/** Entry attributes by lower-case name (servers may echo names in another case than requested). */
function byLowerName(entry: Entry): Map<string, Value> {
  const m = new Map<string, Value>();
  for (const [k, v] of Object.entries(entry)) if (k !== "dn") m.set(k.toLowerCase(), v);
  return m;
}

export function asStrings(v: Value | undefined): string[] {
  if (v === undefined) return [];
  const list: (string | Buffer)[] = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : x));
}

export function asBuffers(v: Value | undefined): Buffer[] {
  if (v === undefined) return [];
  const list: (string | Buffer)[] = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(x, "utf8")));
}

function single(attrs: Map<string, Value>, name: string): string | undefined {
  return asStrings(attrs.get(name.toLowerCase()))[0];
}

export function toAdUser(entry: Entry): AdUser {
  const a = byLowerName(entry);
  const guid = asBuffers(a.get("objectguid"))[0];
  if (!guid) throw new Error(`${entry.dn}: no objectGUID returned`);
  const consistency = asBuffers(a.get("ms-ds-consistencyguid"))[0];
  const user: AdUser = {
    dn: entry.dn,
    objectGuid: bytesToGuid(guid),
    objectGUID: guid,
    objectSid: asBuffers(a.get("objectsid"))[0] ?? Buffer.alloc(0),
    cn: single(a, "cn") ?? "",
    sAMAccountName: single(a, "sAMAccountName") ?? "",
    proxyAddresses: asStrings(a.get("proxyaddresses")),
    userAccountControl: Number(single(a, "userAccountControl") ?? "0"),
  };
  for (const name of [
    "userPrincipalName",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeID",
    "description",
  ]) {
    const v = single(a, name);
    if (v !== undefined) (user as unknown as Record<string, string>)[name] = v;
  }
  if (consistency) {
    user["mS-DS-ConsistencyGuid"] = consistency;
    if (consistency.length === 16) user.consistencyGuid = bytesToGuid(consistency);
  }
  return user;
}

/** Reads one user (base search on `dn`). Throws NoSuchObjectError when it does not exist. */
export function readUser(dc: SambaDc, dn: string, client?: Client): Promise<AdUser> {
  return withAdminClient(
    dc,
    async (c) => {
      const { searchEntries } = await c.search(dn, {
        scope: "base",
        filter: "(objectClass=user)",
        attributes: USER_ATTRIBUTES,
        explicitBufferAttributes: BINARY_USER_ATTRIBUTES,
      });
      const entry = searchEntries[0];
      if (!entry) throw new Error(`${dn}: not a user`);
      return toAdUser(entry);
    },
    client,
  );
}

/** Users under `baseDn` matching an (already escaped) filter, sorted by DN. */
export function findUsers(dc: SambaDc, baseDn: string, filter: string, client?: Client): Promise<AdUser[]> {
  return withAdminClient(
    dc,
    async (c) => {
      const { searchEntries } = await c.search(baseDn, {
        scope: "sub",
        filter: `(&(objectCategory=person)(objectClass=user)${filter})`,
        attributes: USER_ATTRIBUTES,
        explicitBufferAttributes: BINARY_USER_ATTRIBUTES,
        paged: true,
      });
      return searchEntries.map(toAdUser).sort((x, y) => compare(x.dn, y.dn));
    },
    client,
  );
}

/**
 * Attributes that change without anyone editing the object (replication bookkeeping, logon
 * statistics), so a before/after comparison must ignore them. Everything else is kept.
 */
export const VOLATILE_ATTRIBUTES = new Set(
  [
    "uSNChanged",
    "whenChanged",
    "dSCorePropagationData",
    "replPropertyMetaData",
    "replUpToDateVector",
    "repsFrom",
    "repsTo",
    "lastLogon",
    "lastLogonTimestamp",
    "lastLogoff",
    "logonCount",
    "badPwdCount",
    "badPasswordTime",
    "lockoutTime",
    "msDS-LastSuccessfulInteractiveLogonTime",
    "msDS-LastFailedInteractiveLogonTime",
    "msDS-FailedInteractiveLogonCount",
    "msDS-FailedInteractiveLogonCountAtLastSuccessfulLogon",
  ].map((a) => a.toLowerCase()),
);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Printable UTF-8 as-is (JSON-quoted if it has control characters); anything else as hex. */
function renderValue(v: Buffer): string {
  try {
    const s = utf8.decode(v);
    return /[\u0000-\u001f\u007f]/.test(s) ? JSON.stringify(s) : s;
  } catch {
    return `hex:${v.toString("hex")}`;
  }
}

/**
 * A deterministic dump of every object under (and including) `baseDn`: objects sorted by DN,
 * attributes by lower-case name, values in server order (so a reordering of proxyAddresses shows
 * up as a change), binary values as hex, VOLATILE_ATTRIBUTES left out. Equal dumps before and after
 * an operation mean the subtree's user-managed data is byte-for-byte unchanged.
 */
export function snapshotSubtree(dc: SambaDc, baseDn: string, client?: Client): Promise<string> {
  return withAdminClient(
    dc,
    async (c) => {
      // Pass 1 learns the attribute names present; pass 2 asks for all of them as raw bytes, so
      // binary values (GUIDs, SIDs, security descriptors) are not mangled by UTF-8 decoding.
      // nTSecurityDescriptor is not part of "*" but is admin-managed data worth guarding too.
      const attributes = ["*", "nTSecurityDescriptor"];
      const names = new Set<string>();
      const first = await c.search(baseDn, {
        scope: "sub",
        filter: "(objectClass=*)",
        attributes,
        paged: true,
      });
      for (const e of first.searchEntries) for (const k of Object.keys(e)) if (k !== "dn") names.add(k);
      const { searchEntries } = await c.search(baseDn, {
        scope: "sub",
        filter: "(objectClass=*)",
        attributes,
        explicitBufferAttributes: [...names],
        paged: true,
      });
      const lines: string[] = [];
      for (const entry of [...searchEntries].sort((x, y) =>
        compare(x.dn.toLowerCase(), y.dn.toLowerCase()),
      )) {
        lines.push(`dn: ${entry.dn}`);
        const attrs = Object.keys(entry)
          .filter((k) => k !== "dn" && !VOLATILE_ATTRIBUTES.has(k.toLowerCase()))
          .sort((x, y) => compare(x.toLowerCase(), y.toLowerCase()));
        for (const name of attrs) {
          for (const v of asBuffers(entry[name])) lines.push(`  ${name}: ${renderValue(v)}`);
        }
        lines.push("");
      }
      return lines.join("\n");
    },
    client,
  );
}
