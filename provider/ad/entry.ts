/**
 * Decoding LDAP entries into the domain's AdUser: attribute look-up by case-insensitive name, text
 * and binary values, objectGUID and objectSid. Pure (no connection), so it is unit-tested directly.
 */
import type { Entry } from "ldapts";

/** An LDAP entry as the adapter reads it (ldapts's shape), for code that indexes adapter reads. */
export type LdapEntry = Entry;
import { bytesToGuid } from "../core/guid";
import type { AdUser } from "../domain/ports";
import { DirectoryRequestError } from "../errors";

/** Every attribute the provider reads of a user. */
export const USER_ATTRIBUTES = [
  "objectGUID",
  "objectSid",
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

/**
 * What a refresh reads of each user: the fields its state records and its drift check plans from
 * (recorded.ts onPremisesState, plan.ts AdFacts), about half of USER_ATTRIBUTES. A user read with
 * these leaves the others unset (`objectClass` empty); such users answer refresh's reads only.
 */
export const REFRESH_ATTRIBUTES = [
  "objectGUID",
  "mS-DS-ConsistencyGuid",
  "sAMAccountName",
  "userPrincipalName",
  "mail",
  "proxyAddresses",
];

/** Attributes that must arrive as bytes (ldapts decodes everything else as UTF-8 text). */
export const BINARY_ATTRIBUTES = ["objectGUID", "objectSid", "mS-DS-ConsistencyGuid"];

/** All values of an attribute (names compared case-insensitively, as LDAP does). */
export function attributeValues(entry: Entry, name: string): (string | Buffer)[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const v = entry[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** All values of an attribute as text. */
export function textValues(entry: Entry, name: string): string[] {
  return attributeValues(entry, name).map((v) => (typeof v === "string" ? v : v.toString("utf8")));
}

/** The first value of an attribute as text. */
export function textValue(entry: Entry, name: string): string | undefined {
  return textValues(entry, name)[0];
}

function bufferValue(entry: Entry, name: string): Buffer | undefined {
  const v = attributeValues(entry, name)[0];
  if (v === undefined) return undefined;
  return typeof v === "string" ? Buffer.from(v, "binary") : v;
}

/**
 * A binary SID (MS-DTYP §2.4.2) in its string form `S-1-5-21-…`; undefined when the bytes are not
 * a well-formed SID. The identifier authority is printed in decimal below 2^32, else in hex, as
 * Windows does.
 */
export function sidToString(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const revision = bytes[0]!;
  const count = bytes[1]!;
  if (revision !== 1 || count > 15 || bytes.length !== 8 + 4 * count) return undefined;
  let authority = 0n;
  for (let i = 2; i < 8; i++) authority = authority * 256n + BigInt(bytes[i]!);
  const shownAuthority =
    authority < 2n ** 32n
      ? authority.toString()
      : `0x${authority.toString(16).toUpperCase().padStart(12, "0")}`;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [`S-${revision}`, shownAuthority];
  for (let k = 0; k < count; k++) parts.push(String(view.readUInt32LE(8 + 4 * k)));
  return parts.join("-");
}

/** The most specific structural class of an entry: AD lists objectClass from `top` down, so the last. */
export function mostSpecificClass(entry: Entry): string {
  const classes = textValues(entry, "objectClass");
  return classes[classes.length - 1] ?? "unknown";
}

/**
 * Decodes a user entry.
 * @throws DirectoryRequestError (`LDAP_ENTRY_WITHOUT_GUID`) when the entry has no 16-byte objectGUID.
 */
export function toAdUser(entry: Entry): AdUser {
  const guidBytes = bufferValue(entry, "objectGUID");
  if (guidBytes === undefined || guidBytes.length !== 16) {
    throw new DirectoryRequestError(
      "LDAP_ENTRY_WITHOUT_GUID",
      `ad-entra-link: the directory returned ${entry.dn} without a 16-byte objectGUID; the service account may lack read access to it.`,
      { side: "onPremises" },
    );
  }
  const user: AdUser = {
    dn: entry.dn,
    objectGuid: bytesToGuid(guidBytes),
    objectGuidBytes: guidBytes,
    sAMAccountName: textValue(entry, "sAMAccountName") ?? "",
    proxyAddresses: textValues(entry, "proxyAddresses"),
    objectClass: textValues(entry, "objectClass"),
  };
  const consistency = bufferValue(entry, "mS-DS-ConsistencyGuid");
  if (consistency !== undefined && consistency.length > 0) user.consistencyGuid = consistency;
  const sid = bufferValue(entry, "objectSid");
  const sidText = sid === undefined ? undefined : sidToString(sid);
  if (sidText !== undefined) user.objectSid = sidText;
  for (const field of [
    "userPrincipalName",
    "mail",
    "displayName",
    "givenName",
    "sn",
    "employeeID",
    "mailNickname",
  ] as const) {
    const v = textValue(entry, field);
    if (v !== undefined) user[field] = v;
  }
  return user;
}
