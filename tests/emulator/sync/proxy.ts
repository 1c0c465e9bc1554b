/**
 * The cloud-side attribute calculation for a synced user (matching-rules §4.1/4.2):
 * - UPN: the on-prem UPN if its suffix is a verified domain and it has no invalid characters, else
 *   MOERA `<mailNickname>@<initial domain>` (E3, E6);
 * - mailNickname: first present of on-prem mailNickname, primary SMTP prefix, mail prefix, UPN prefix,
 *   secondary smtp prefix (E6);
 * - proxyAddresses (K3): reserved-domain addresses (*.onmicrosoft.com, *.microsoftonline.com), legacy
 *   types (X400, MSMAIL, CCMAIL, NOTES, GWISE) and malformed values are discarded; the upper-case
 *   `SMTP:` entry is primary; without one, `mail` becomes the primary (K3 scenario 2; when proxies exist
 *   but none is primary this is [inferred]); the MOERA is added as secondary `smtp:` for mail-enabled
 *   users (a MOERA already taken by another object gets 4 digits, K3 scenario 6); `mail` = primary SMTP. Unverified-domain proxies would be dropped only for Exchange-licensed
 *   users, which the emulator does not model.
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
const RESERVED = [/\.onmicrosoft\.com$/i, /\.microsoftonline\.com$/i];
const SMTP_ADDR_RE = /^[^\s@<>()[\];,"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const UPN_OK_RE = /^[A-Za-z0-9'._!#^~-]{1,64}@[A-Za-z0-9.-]{1,48}$/;

export interface CloudMailAttributes {
  mail: string | null;
  /** Cloud proxyAddresses before uniqueness checks (primary first). */
  proxyAddresses: string[];
  mailNickname: string;
  /** The UPN the cloud object should get, and whether it is the on-prem UPN (else MOERA). */
  userPrincipalName: string;
  upnIsOnPrem: boolean;
  /** The service-generated MOERA proxy (`smtp:<mailNickname>@<initial>`), when one was added. */
  moera?: string;
}

function keepProxy(p: string): boolean {
  const type = proxyType(p);
  const addr = proxyAddressPart(p);
  // Whitespace is malformed in SMTP addresses only; X500 addresses legitimately contain spaces.
  if (type === "" || addr === "" || p.trim() !== p) return false;
  if (LEGACY_TYPES.has(type.toLowerCase())) return false;
  if (type.toLowerCase() === "smtp") {
    if (!SMTP_ADDR_RE.test(addr)) return false;
    if (RESERVED.some((r) => r.test(domainOf(addr)))) return false;
  }
  return true;
}

export function computeCloudAttributes(rec: OnPremUserRecord, t: TenantState): CloudMailAttributes {
  const kept = (rec.proxyAddresses ?? []).filter(keepProxy);
  const smtp = kept.filter((p) => proxyType(p).toLowerCase() === "smtp");
  let primary = smtp.find((p) => proxyType(p) === "SMTP");
  const mail = rec.mail && SMTP_ADDR_RE.test(rec.mail) ? rec.mail : undefined;
  let proxies = [...kept];
  if (!primary && mail) {
    primary = `SMTP:${mail}`;
    const lower = mail.toLowerCase();
    proxies = proxies.filter(
      (p) => !(proxyType(p).toLowerCase() === "smtp" && proxyAddressPart(p).toLowerCase() === lower),
    );
    proxies.unshift(primary);
  } else if (primary) {
    proxies = [primary, ...proxies.filter((p) => p !== primary)];
  }
  const primaryAddr = primary ? proxyAddressPart(primary) : undefined;
  const secondary = smtp.find((p) => proxyType(p) === "smtp");
  const onPremUpn = rec.userPrincipalName ?? "";
  const mailNickname =
    rec.mailNickname ||
    (primaryAddr && localPart(primaryAddr)) ||
    (mail && localPart(mail)) ||
    (onPremUpn && localPart(onPremUpn)) ||
    (secondary && localPart(proxyAddressPart(secondary))) ||
    rec.sAMAccountName ||
    "user";
  const initial = initialDomain(t);
  let moera: string | undefined;
  if (primaryAddr) {
    const lower = `${mailNickname}@${initial}`.toLowerCase();
    if (!proxies.some((p) => proxyAddressPart(p).toLowerCase() === lower)) {
      moera = `smtp:${mailNickname}@${initial}`;
      proxies.push(moera);
    }
  }
  const upnUsable =
    onPremUpn !== "" &&
    UPN_OK_RE.test(onPremUpn) &&
    !/\.@/.test(onPremUpn) &&
    isVerifiedDomain(t, domainOf(onPremUpn));
  return {
    ...(moera !== undefined ? { moera } : {}),
    mail: primaryAddr ?? null,
    proxyAddresses: proxies,
    mailNickname,
    userPrincipalName: upnUsable ? onPremUpn : `${mailNickname}@${initial}`,
    upnIsOnPrem: upnUsable,
  };
}
