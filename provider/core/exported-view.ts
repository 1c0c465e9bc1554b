/**
 * What Entra Connect exports of an AD user: proxy calculation (docs/matching-model.md §1, K3) applied
 * to the user's values as they will be after `up`. The join prediction runs on this view, not on the
 * values the link writes, because attributes the link does not manage (an old `mail`, a secondary
 * address) take part in matching just the same.
 */

const LEGACY_TYPES = new Set(["X400", "MSMAIL", "CCMAIL", "NOTES", "GWISE"]);
// RFC 5322 atext, dot-separated (no leading, trailing or doubled dots).
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*$`);
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const RESERVED_DOMAINS = ["onmicrosoft.com", "microsoftonline.com"];

/** Why a value never reaches matching. */
export type DiscardReason = "legacyType" | "malformed" | "reservedDomain" | "noPrefix";

export interface DiscardedValue {
  value: string;
  why: DiscardReason;
}

/** P2: a syntactically valid SMTP address (RFC 5322 dot-atom, letters-only TLD of ≥ 2). */
export function isValidSmtpAddress(address: string): boolean {
  if (/\s/.test(address)) return false;
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!LOCAL_PART.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return false;
  return /^[A-Za-z]{2,}$/.test(labels[labels.length - 1] ?? "");
}

/** P3: an address on a domain Entra ID reserves (the initial `*.onmicrosoft.com` and kin). */
export function isReservedDomainAddress(address: string): boolean {
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  return RESERVED_DOMAINS.some((r) => domain === r || domain.endsWith(`.${r}`));
}

/** The AD values proxy calculation reads. */
export interface ExportSource {
  userPrincipalName: string | null;
  mail: string | null;
  proxyAddresses: readonly string[];
}

/** How the primary SMTP address was derived. */
export type PrimarySource =
  /** One kept `SMTP:` value (P4). */
  | "proxy"
  /** `mail`, because no proxy value survived (P5). */
  | "mail"
  /** No primary: no kept proxy and no usable mail. */
  | "none"
  /** P5a [U]: kept proxies exist but none is primary; `mail` may or may not be promoted. */
  | "uncertainMail"
  /** P4a [U]: two or more kept `SMTP:` values. */
  | "twoPrimaries";

export interface ExportedView {
  userPrincipalName: string | null;
  /** The primary SMTP address Entra Connect exports, or null. With `uncertainMail`, the reading without promotion (null). */
  primarySmtp: string | null;
  primarySource: PrimarySource;
  /** With `uncertainMail`: the address that is primary if `mail` is promoted. With `twoPrimaries`: every kept primary. */
  alternativePrimaries: string[];
  /** Kept secondary `smtp:` addresses (without prefix). */
  secondarySmtp: string[];
  /** Every SMTP address the cloud object would carry (primary candidates and secondaries), lower-case, for collision checks. */
  allSmtp: string[];
  discarded: DiscardedValue[];
}

/** Proxy calculation of one AD user (docs/matching-model.md P1–P6). */
export function exportedView(source: ExportSource): ExportedView {
  const discarded: DiscardedValue[] = [];
  const kept: { prefix: string; address: string }[] = [];
  for (const value of source.proxyAddresses) {
    const colon = value.indexOf(":");
    if (colon <= 0) {
      discarded.push({ value, why: "noPrefix" });
      continue;
    }
    const prefix = value.slice(0, colon);
    const address = value.slice(colon + 1);
    const type = prefix.toUpperCase();
    if (LEGACY_TYPES.has(type)) {
      discarded.push({ value, why: "legacyType" });
      continue;
    }
    if (type === "SMTP") {
      if (!isValidSmtpAddress(address)) {
        discarded.push({ value, why: "malformed" });
        continue;
      }
      if (isReservedDomainAddress(address)) {
        discarded.push({ value, why: "reservedDomain" });
        continue;
      }
    } else if (address.length === 0) {
      discarded.push({ value, why: "malformed" });
      continue;
    }
    kept.push({ prefix, address });
  }
  const primaries = kept.filter((p) => p.prefix === "SMTP").map((p) => p.address);
  const secondarySmtp = kept.filter((p) => p.prefix !== "SMTP" && p.prefix.toUpperCase() === "SMTP");
  const mail = source.mail;
  const mailUsable = mail !== null && isValidSmtpAddress(mail) && !isReservedDomainAddress(mail);
  if (mail !== null && !mailUsable) {
    discarded.push({ value: mail, why: isValidSmtpAddress(mail) ? "reservedDomain" : "malformed" });
  }

  let primarySmtp: string | null = null;
  let primarySource: PrimarySource = "none";
  let alternativePrimaries: string[] = [];
  if (primaries.length === 1) {
    primarySmtp = primaries[0]!;
    primarySource = "proxy";
  } else if (primaries.length > 1) {
    primarySource = "twoPrimaries";
    alternativePrimaries = [...primaries];
  } else if (kept.length === 0) {
    if (mailUsable) {
      primarySmtp = mail;
      primarySource = "mail";
    }
  } else if (mailUsable) {
    primarySource = "uncertainMail";
    alternativePrimaries = [mail];
  }
  const all = new Set<string>();
  for (const a of [...primaries, ...secondarySmtp.map((s) => s.address), ...alternativePrimaries]) {
    all.add(a.toLowerCase());
  }
  if (primarySmtp !== null) all.add(primarySmtp.toLowerCase());
  return {
    userPrincipalName: source.userPrincipalName,
    primarySmtp,
    primarySource,
    alternativePrimaries,
    secondarySmtp: secondarySmtp.map((s) => s.address),
    allSmtp: [...all],
    discarded,
  };
}
