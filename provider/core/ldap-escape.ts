/**
 * LDAP escaping and DN handling without an LDAP library: filter values (RFC 4515), DN attribute values
 * (RFC 4514), and a strict DN parser used to enforce "allowed search bases". A DN is compared
 * component by component, never as a string, so `CN=x\,OU=Staff,DC=corp,DC=local` (one CN whose value
 * contains ",OU=Staff") is not mistaken for an entry under `OU=Staff,DC=corp,DC=local`.
 */
import { InvalidInputError } from "../errors";

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

/**
 * Escapes a value for use inside an LDAP search filter (RFC 4515 §3).
 *
 * - A string keeps its characters except the five that the grammar reserves: `*` `(` `)` `\` and NUL,
 *   which become `\2a` `\28` `\29` `\5c` `\00`. Non-ASCII characters stay raw UTF-8, which RFC 4515 allows.
 * - Bytes (e.g. an objectGUID) become `\xx` for every byte, which is the only safe form for binary values.
 */
export function escapeFilterValue(value: string | Uint8Array): string {
  if (typeof value !== "string") {
    let out = "";
    for (const byte of value) {
      out += `\\${hex2(byte)}`;
    }
    return out;
  }
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${hex2(c.charCodeAt(0))}`);
}

// RFC 4514 §2.4 specials, plus "=" which RFC 4514 permits raw but AD and many parsers escape.
const DN_SPECIALS = new Set([",", "+", '"', "\\", "<", ">", ";", "="]);

/**
 * Escapes one attribute value for use in a DN (RFC 4514 §2.4): `, + " \ < > ; =` get a backslash, a
 * leading space or `#` and a trailing space are escaped, and control characters (NUL, CR, LF, ...)
 * become `\xx` hex pairs.
 */
export function escapeDnValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((c, i) => {
      const code = c.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) {
        return `\\${hex2(code)}`;
      }
      if (DN_SPECIALS.has(c)) {
        return `\\${c}`;
      }
      if ((i === 0 && (c === " " || c === "#")) || (i === chars.length - 1 && c === " ")) {
        return `\\${c}`;
      }
      return c;
    })
    .join("");
}

/** One `type=value` pair of an RDN, with the value unescaped. */
export interface DnAttribute {
  type: string;
  value: string;
}

/** A relative distinguished name: usually one attribute, several for a multi-valued RDN (`a=1+b=2`). */
export type Rdn = DnAttribute[];

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$/;
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const ESCAPABLE = new Set([" ", '"', "#", "+", ",", ";", "<", "=", ">", "\\"]);
const FORBIDDEN_RAW = new Set(['"', ";", "<", ">", "\u0000"]);
// C0 controls and DEL, in a value whether written raw or as an escape.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

// Numeric OIDs of the naming attributes AD uses, so `2.5.4.11=Staff` compares equal to `OU=Staff`.
const TYPE_ALIASES: Record<string, string> = {
  "2.5.4.3": "cn",
  "2.5.4.11": "ou",
  "2.5.4.10": "o",
  "2.5.4.6": "c",
  "2.5.4.7": "l",
  "2.5.4.8": "st",
  "2.5.4.9": "street",
  "0.9.2342.19200300.100.1.25": "dc",
  "0.9.2342.19200300.100.1.1": "uid",
};

function malformed(
  dn: string,
  property: string,
  code: string,
  detail: string,
  cause?: unknown,
): InvalidInputError {
  // JSON.stringify shows control characters as escapes; a huge value is cut (it is user input).
  const shown = dn.length > 256 ? `${dn.slice(0, 256)}…` : dn;
  return new InvalidInputError(
    code,
    property,
    `dn: ${JSON.stringify(shown)} is not a valid distinguished name: ${detail}. ` +
      `Write it as RFC 4514, e.g. OU=Staff,DC=corp,DC=local, escaping , + " \\ < > ; with a backslash.`,
    { cause },
  );
}

/**
 * Parses a DN into its RDNs, most specific first, with values unescaped.
 *
 * Tolerates spaces around `,`, `+` and `=` (as AD tools print them); rejects everything ambiguous:
 * an empty DN or value, unknown escapes, raw `" ; < >`, control characters raw or escaped (`\00`,
 * `\0a`: a server may cut the value there and name the entry before it), quoted values (RFC 2253)
 * and `#`-hex BER values (AD never produces them, and accepting them would widen what a search base
 * matches).
 *
 * @throws InvalidInputError with code `DN_EMPTY`, `DN_MALFORMED`, `DN_EMPTY_VALUE`, `DN_INVALID_ESCAPE`,
 *   `DN_CONTROL_CHARACTER` or `DN_UNSUPPORTED_VALUE`.
 */
export function parseDn(dn: string, property = "dn"): Rdn[] {
  if (dn.trim().length === 0) {
    throw malformed(dn, property, "DN_EMPTY", "it is empty");
  }
  if (LONE_SURROGATE.test(dn)) {
    // UTF-8 encoding would silently turn it into U+FFFD: the server would see another DN.
    throw malformed(dn, property, "DN_MALFORMED", "it is not valid Unicode (a lone surrogate)");
  }
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  const at: DnCursor = { dn, property, i: 0 };
  for (;;) {
    const type = readAttributeType(at);
    const value = decodeAttributeValue(at, type, readValueBytes(at));
    rdn.push({ type, value });
    if (at.i >= dn.length) {
      rdns.push(rdn);
      return rdns;
    }
    if (dn[at.i] === ",") {
      rdns.push(rdn);
      rdn = [];
    }
    at.i++; // "," or "+"
  }
}

/** Where {@link parseDn} is in the DN, and what to name in its errors. */
interface DnCursor {
  readonly dn: string;
  readonly property: string;
  i: number;
}

function skipSpaces(at: DnCursor): void {
  while (at.i < at.dn.length && at.dn[at.i] === " ") at.i++;
}

/** `type=` (spaces allowed around it); leaves the cursor at the value's first character. */
function readAttributeType(at: DnCursor): string {
  const { dn, property } = at;
  skipSpaces(at);
  const typeStart = at.i;
  while (at.i < dn.length && dn[at.i] !== "=" && dn[at.i] !== "," && dn[at.i] !== "+") at.i++;
  const type = dn.slice(typeStart, at.i).trimEnd();
  if (dn[at.i] !== "=" || !ATTRIBUTE_TYPE.test(type)) {
    throw malformed(dn, property, "DN_MALFORMED", `expected "type=value" at position ${typeStart}`);
  }
  at.i++; // "="
  skipSpaces(at);
  if (dn[at.i] === "#" || dn[at.i] === '"') {
    throw malformed(
      dn,
      property,
      "DN_UNSUPPORTED_VALUE",
      `the value of ${type} starts with a raw ${dn[at.i]}; escape it as \\${dn[at.i]}`,
    );
  }
  return type;
}

/**
 * The value's UTF-8 bytes up to the next unescaped `,` or `+` (so that `\c3\a9` decodes to "é"),
 * with escapes resolved and unescaped trailing spaces dropped.
 */
function readValueBytes(at: DnCursor): number[] {
  const { dn, property } = at;
  const n = dn.length;
  const bytes: number[] = [];
  let pendingSpaces = 0; // unescaped spaces, dropped if they turn out to be trailing
  const push = (b: number): void => {
    for (; pendingSpaces > 0; pendingSpaces--) bytes.push(0x20);
    bytes.push(b);
  };
  while (at.i < n && dn[at.i] !== "," && dn[at.i] !== "+") {
    const c = dn[at.i] as string;
    if (c === "\\") {
      const pair = dn.slice(at.i + 1, at.i + 3);
      const next = dn[at.i + 1];
      if (HEX_PAIR.test(pair)) {
        push(Number.parseInt(pair, 16));
        at.i += 3;
      } else if (next !== undefined && ESCAPABLE.has(next)) {
        push(next.charCodeAt(0)); // every escapable character is ASCII
        at.i += 2;
      } else {
        throw malformed(dn, property, "DN_INVALID_ESCAPE", `invalid escape at position ${at.i}`);
      }
      continue;
    }
    if (FORBIDDEN_RAW.has(c)) {
      throw malformed(
        dn,
        property,
        "DN_MALFORMED",
        `raw ${JSON.stringify(c)} at position ${at.i} must be escaped`,
      );
    }
    const code = dn.codePointAt(at.i) as number;
    if (c === " ") pendingSpaces++;
    else if (code < 0x80) push(code);
    // By code point, not UTF-16 unit: a character beyond U+FFFF (a surrogate pair) is one character.
    else for (const b of Buffer.from(String.fromCodePoint(code), "utf8")) push(b);
    at.i += code > 0xffff ? 2 : 1;
  }
  return bytes;
}

/** One decoder for every value: `fatal` refuses bytes that are not UTF-8 (a decode keeps no state). */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The value as text: valid UTF-8, not empty, no control character. */
function decodeAttributeValue(at: DnCursor, type: string, bytes: readonly number[]): string {
  const { dn, property } = at;
  let value: string;
  try {
    value = UTF8.decode(Uint8Array.from(bytes));
  } catch (cause) {
    throw malformed(dn, property, "DN_INVALID_ESCAPE", `the escaped bytes of ${type} are not UTF-8`, cause);
  }
  if (value.length === 0) {
    throw malformed(dn, property, "DN_EMPTY_VALUE", `the value of ${type} is empty`);
  }
  // Raw or escaped (`\00`, `\0a`): a directory may cut the value at a NUL and so name another entry.
  const control = CONTROL_CHARACTER.exec(value);
  if (control !== null) {
    throw malformed(
      dn,
      property,
      "DN_CONTROL_CHARACTER",
      `the value of ${type} contains the control character U+${hex2(control[0].charCodeAt(0)).toUpperCase().padStart(4, "0")}`,
    );
  }
  return value;
}

/**
 * The DN to send to a directory for `dn`: parsed strictly, formatted back in one canonical escaping,
 * and checked to parse back to exactly the same components, so the server is asked for precisely the
 * entry the parser saw (never a differently-escaped neighbour).
 *
 * @throws InvalidInputError (see {@link parseDn}), or `DN_NOT_ROUND_TRIP` when formatting loses information.
 */
export function canonicalDn(dn: string, property = "dn"): string {
  const rdns = parseDn(dn, property);
  const formatted = formatDn(rdns);
  const again = parseDn(formatted, property);
  const same =
    again.length === rdns.length &&
    again.every(
      (rdn, k) =>
        rdn.length === rdns[k]!.length &&
        rdn.every((a, j) => a.type === rdns[k]![j]!.type && a.value === rdns[k]![j]!.value),
    );
  if (!same) {
    throw malformed(
      dn,
      property,
      "DN_NOT_ROUND_TRIP",
      "it does not survive parsing and formatting unchanged",
    );
  }
  return formatted;
}

/** Formats RDNs back into an RFC 4514 string (types and value case as given). */
export function formatDn(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => rdn.map((a) => `${a.type}=${escapeDnValue(a.value)}`).join("+")).join(",");
}

// AD matches DN components case-insensitively; NFC so that composed and decomposed accents agree.
function rdnKey(rdn: Rdn): string {
  const pairs = rdn.map((a) => {
    const type = a.type.toLowerCase();
    return [TYPE_ALIASES[type] ?? type, a.value.normalize("NFC").toLowerCase()];
  });
  pairs.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  return JSON.stringify(pairs);
}

/**
 * True when `dn` is `baseDn` itself or an entry below it (LDAP subtree scope), comparing RDNs
 * component-wise and case-insensitively.
 *
 * @throws InvalidInputError (see {@link parseDn}) when either DN is malformed; callers enforcing an
 *   allow-list must treat that as "not allowed", which throwing guarantees.
 */
export function isDnUnder(dn: string, baseDn: string): boolean {
  const entry = parseDn(dn, "dn");
  const base = parseDn(baseDn, "baseDn");
  if (base.length > entry.length) {
    return false;
  }
  const offset = entry.length - base.length;
  return base.every((rdn, k) => rdnKey(rdn) === rdnKey(entry[offset + k] as Rdn));
}

/**
 * True when both DNs name the same entry (component-wise, case-insensitive).
 *
 * @throws InvalidInputError when either DN is malformed.
 */
export function dnEquals(a: string, b: string): boolean {
  const x = parseDn(a, "dn");
  const y = parseDn(b, "dn");
  return x.length === y.length && x.every((rdn, k) => rdnKey(rdn) === rdnKey(y[k] as Rdn));
}
