/**
 * How one object holds an address-like value: as its UPN, its `mail`, a primary `SMTP:` or a
 * secondary `smtp:` proxy address. Values compare case-insensitively; the SMTP prefix case does not.
 */
import type { HeldAs } from "../domain/ports";

export interface AddressCarrier {
  userPrincipalName?: string | null;
  mail?: string | null;
  proxyAddresses?: readonly string[] | null;
}

/** Every way `carrier` holds `value` (empty when it does not). */
export function heldAsOf(value: string, carrier: AddressCarrier): HeldAs[] {
  const v = value.toLowerCase();
  const ways: HeldAs[] = [];
  if ((carrier.userPrincipalName ?? "").toLowerCase() === v) ways.push("userPrincipalName");
  if ((carrier.mail ?? "").toLowerCase() === v) ways.push("mail");
  for (const p of carrier.proxyAddresses ?? []) {
    if (!/^smtp:/i.test(p) || p.slice(5).toLowerCase() !== v) continue;
    const way: HeldAs = p.startsWith("SMTP:") ? "primarySmtp" : "secondarySmtp";
    if (!ways.includes(way)) ways.push(way);
  }
  return ways;
}
