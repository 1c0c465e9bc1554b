/**
 * Proxy calculation: the cloud-side attributes the sync service derives from an AD user
 * (docs/matching-model.md §1, rules P1–P6; K3 = KB 3190357, E3/E6 for the UPN). The simulator's own
 * implementation, independent of provider/**.
 *
 * - P1 a proxy value is `type:address`; upper-case `SMTP:` is primary, lower-case `smtp:` secondary;
 *   legacy types X400, MSMAIL, CCMAIL, NOTES, GWISE are discarded; other types (X500, SIP, EUM…) are
 *   kept and never take part in matching. A value without a type is discarded.
 * - P2 malformed SMTP values are discarded: whitespace anywhere, not exactly one `@`, a local part
 *   outside RFC 5322 dot-atom (atext incl. the apostrophe: `o'brien@contoso.com` is valid), a domain
 *   that is not dot-separated labels (letters, digits, inner hyphens) ending in ≥ 2 letters.
 * - P3 reserved domains (onmicrosoft.com, microsoftonline.com and any subdomain) are discarded, for
 *   proxies AND for `mail` (which is then never promoted).
 * - P4 the primary is the kept `SMTP:` value; P4a with two or more the one sorting first
 *   case-insensitively is used (undocumented [U]: chosen only for determinism); the others are kept as
 *   secondary `smtp:` values (also [U]: Microsoft does not say what happens to them).
 * - P5 `mail` becomes the primary only when NO proxy value at all is left after P1–P3 and `mail`
 *   passes P2/P3. P5a kept values without an `SMTP:` primary → no promotion [U], no primary.
 * - P6 the on-prem UPN becomes the cloud UPN when its suffix is a verified domain and it follows
 *   Entra's username rules, else `<mailNickname>@<initial domain>` (MOERA).
 * Also (K3/E6): mailNickname = first present of on-prem mailNickname, primary SMTP prefix, mail
 * prefix, UPN prefix, secondary smtp prefix; the MOERA is added as secondary `smtp:` for mail-enabled
 * users (made unique by the engine, K3 scenario 6); cloud `mail` = the primary. Unverified-domain
 * proxies would be dropped only for Exchange-licensed users, which the emulator does not model.
 */
import {
  domainOf,
  initialDomain,
  isVerifiedDomain,
  localPart,
  proxyAddressPart,
  proxyType,
  type TenantState,
} from "../model";
import type { OnPremUserRecord } from "./types";

const LEGACY_TYPES = new Set(["x400", "msmail", "ccmail", "notes", "gwise"]);
/** RFC 5322 atext. */
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const LOCAL_RE = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)+[A-Za-z]{2,}$`);
/** Entra username rules (§4.1): allowed characters, ≤ 64 before `@`, ≤ 48 after, no `.` before `@`. */
const UPN_OK_RE = /^[A-Za-z0-9'._!#^~-]{1,64}@[A-Za-z0-9.-]{1,48}$/;

/** P2: a well-formed SMTP address (no type prefix). */
export function isValidSmtpAddress(addr: string): boolean {
  if (/\s/.test(addr)) return false;
  const at = addr.indexOf("@");
  if (at <= 0 || at !== addr.lastIndexOf("@")) return false;
  return LOCAL_RE.test(addr.slice(0, at)) && DOMAIN_RE.test(addr.slice(at + 1));
}

/** P3: onmicrosoft.com, microsoftonline.com, or any subdomain of them. */
export function isReservedDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return (
    d === "onmicrosoft.com" ||
    d.endsWith(".onmicrosoft.com") ||
    d === "microsoftonline.com" ||
    d.endsWith(".microsoftonline.com")
  );
}

/** P2 + P3 for one address. */
export function isMatchableSmtpAddress(addr: string): boolean {
  return isValidSmtpAddress(addr) && !isReservedDomain(domainOf(addr));
}

/** P1–P3 for one proxy value: true when it survives proxy calculation. */
export function keepProxy(p: string): boolean {
  const colon = p.indexOf(":");
  if (colon <= 0) return false; // P1: no type (e.g. a bare address: "missing SMTP: prefix", K3)
  const type = p.slice(0, colon);
  const addr = p.slice(colon + 1);
  if (addr === "" || /\s/.test(type)) return false;
  if (LEGACY_TYPES.has(type.toLowerCase())) return false; // P1
  if (type.toLowerCase() === "smtp") return isMatchableSmtpAddress(addr); // P2, P3
  // X500 addresses legitimately contain inner spaces; a value padded with whitespace is malformed.
  return p.trim() === p;
}

export interface CloudMailAttributes {
  mail: string | null;
  /** The exported primary SMTP address (P4/P5), or null when there is none. */
  primarySmtp: string | null;
  /** True when the primary is the promoted `mail` (P5, decision row 10). */
  primaryFromMail: boolean;
  /** Exported secondary SMTP addresses (without the MOERA), after P1–P4. */
  secondarySmtp: string[];
  /** Cloud proxyAddresses before uniqueness checks (primary first, MOERA last). */
  proxyAddresses: string[];
  mailNickname: string;
  /** The UPN the cloud object should get, and whether it is the on-prem UPN (else MOERA). */
  userPrincipalName: string;
  upnIsOnPrem: boolean;
  /** The service-generated MOERA proxy (`smtp:<mailNickname>@<initial>`), when one was added. */
  moera?: string;
}

function isSmtpType(p: string): boolean {
  return proxyType(p).toLowerCase() === "smtp";
}

export function computeCloudAttributes(rec: OnPremUserRecord, t: TenantState): CloudMailAttributes {
  const kept = (rec.proxyAddresses ?? []).filter(keepProxy);
  // P4 / P4a: the primary is the kept `SMTP:` value; several → the first case-insensitively [U].
  const primaries = kept
    .filter((p) => proxyType(p) === "SMTP")
    .map(proxyAddressPart)
    .sort((a, b) => {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
  let primary: string | undefined = primaries[0];
  const mailAddr = rec.mail ?? undefined;
  const mailUsable = mailAddr !== undefined && mailAddr !== "" && isMatchableSmtpAddress(mailAddr);
  // P5: `mail` is promoted only when nothing at all is left of proxyAddresses. P5a: kept values
  // without a primary → not promoted (undocumented [U]; the simulator's reading).
  const primaryFromMail = primary === undefined && kept.length === 0 && mailUsable;
  if (primaryFromMail) primary = mailAddr;

  const proxies: string[] = [];
  const seen = new Set<string>();
  const secondarySmtp: string[] = [];
  if (primary !== undefined) {
    proxies.push(`SMTP:${primary}`);
    seen.add(primary.toLowerCase());
  }
  for (const p of kept) {
    if (isSmtpType(p)) {
      const addr = proxyAddressPart(p);
      if (seen.has(addr.toLowerCase())) continue; // the primary, or a duplicate
      seen.add(addr.toLowerCase());
      // P4a [U]: a second `SMTP:` value is kept as a secondary.
      proxies.push(`smtp:${addr}`);
      secondarySmtp.push(addr);
    } else {
      const lower = p.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      proxies.push(p);
    }
  }

  const onPremUpn = rec.userPrincipalName ?? "";
  const mailNickname =
    rec.mailNickname ||
    (primary && localPart(primary)) ||
    (mailAddr && localPart(mailAddr)) ||
    (onPremUpn && localPart(onPremUpn)) ||
    (secondarySmtp[0] && localPart(secondarySmtp[0])) ||
    rec.sAMAccountName ||
    "user";
  const initial = initialDomain(t);
  let moera: string | undefined;
  if (primary !== undefined) {
    const lower = `${mailNickname}@${initial}`.toLowerCase();
    if (!seen.has(lower)) {
      moera = `smtp:${mailNickname}@${initial}`;
      proxies.push(moera);
    }
  }
  // P6 (E3, E6, §4.1 username rules).
  const upnUsable =
    onPremUpn !== "" &&
    UPN_OK_RE.test(onPremUpn) &&
    !/\.@/.test(onPremUpn) &&
    isVerifiedDomain(t, domainOf(onPremUpn));
  return {
    ...(moera !== undefined ? { moera } : {}),
    mail: primary ?? null,
    primarySmtp: primary ?? null,
    primaryFromMail,
    secondarySmtp,
    proxyAddresses: proxies,
    mailNickname,
    userPrincipalName: upnUsable ? onPremUpn : `${mailNickname}@${initial}`,
    upnIsOnPrem: upnUsable,
  };
}
