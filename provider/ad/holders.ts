/**
 * Finding the other AD objects that hold an address-like value: the search filters (batched, one
 * OR-filter per search base and chunk) and the classification of what comes back. Pure, so the
 * rules are unit-tested without a directory; ad-directory.ts runs the searches.
 */
import type { Entry } from "ldapts";
import { dnEquals, escapeFilterValue, isDnUnder } from "../core/ldap-escape";
import type { AdHolder, HeldAs } from "../domain/ports";
import { mostSpecificClass, textValue, textValues } from "./entry";

/** Values per search: keeps filters well under AD's default MaxQueryDuration and filter size limits. */
export const HOLDER_CHUNK_SIZE = 50;

/** Attributes read of a holder. */
export const HOLDER_ATTRIBUTES = ["userPrincipalName", "mail", "proxyAddresses", "objectClass"];

/** The values to look up: trimmed, lower-case, unique, non-empty, in first-seen order. */
export function normalizeHolderValues(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const lower = v.trim().toLowerCase();
    if (lower !== "" && !out.includes(lower)) out.push(lower);
  }
  return out;
}

/** Splits `values` into chunks of at most `size`. */
export function chunk<T>(values: readonly T[], size = HOLDER_CHUNK_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/**
 * One OR-filter over `values` for the given ways of holding them. Every value is escaped
 * (RFC 4515); `proxyAddresses` is matched case-insensitively by AD, so `smtp:` finds `SMTP:` too.
 */
export function holderFilter(values: readonly string[], upn: boolean, addresses: boolean): string {
  const terms: string[] = [];
  for (const value of values) {
    const v = escapeFilterValue(value);
    if (upn) terms.push(`(userPrincipalName=${v})`);
    if (addresses) terms.push(`(mail=${v})(proxyAddresses=smtp:${v})`);
  }
  return `(|${terms.join("")})`;
}

function sameDn(a: string, b: string): boolean {
  try {
    return dnEquals(a, b);
  } catch {
    return a.toLowerCase() === b.toLowerCase();
  }
}

function under(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}

/**
 * The holder records of `entries` for `values` (lower-case): one per (object, value, way held).
 * UPNs count domain-wide; `mail` and `SMTP:`/`smtp:` proxies only inside the sync scope `baseDn`
 * (Entra Connect never exports the others). A proxy is primary only with the exact prefix `SMTP:`.
 */
export function classifyHolders(
  entries: readonly Entry[],
  values: readonly string[],
  baseDn: string,
  excludeDn: string,
): AdHolder[] {
  const wanted = new Set(values);
  const seen = new Set<string>();
  const holders: AdHolder[] = [];
  for (const entry of entries) {
    if (excludeDn !== "" && sameDn(entry.dn, excludeDn)) continue;
    const inSyncScope = under(entry.dn, baseDn);
    const objectClass = mostSpecificClass(entry);
    const add = (value: string, heldAs: HeldAs): void => {
      if (!wanted.has(value)) return;
      const key = `${entry.dn.toLowerCase()}\u0000${value}\u0000${heldAs}`;
      if (seen.has(key)) return;
      seen.add(key);
      holders.push({ value, dn: entry.dn, objectClass, heldAs, inSyncScope });
    };
    const upn = textValue(entry, "userPrincipalName");
    if (upn !== undefined) add(upn.toLowerCase(), "userPrincipalName");
    if (!inSyncScope) continue;
    for (const mail of textValues(entry, "mail")) add(mail.toLowerCase(), "mail");
    for (const proxy of textValues(entry, "proxyAddresses")) {
      const prefix = proxy.slice(0, 5);
      if (prefix.toLowerCase() !== "smtp:") continue;
      add(proxy.slice(5).toLowerCase(), prefix === "SMTP:" ? "primarySmtp" : "secondarySmtp");
    }
  }
  return holders;
}
