/**
 * The shape of a links file, shared by the YAML and CSV readers: which keys an entry and the
 * file-level defaults may have, and how a link's Pulumi resource name is derived.
 */
import { DECLARATION_KEYS } from "../link/types";

/** Keys of one entry (YAML `entries[i]`). `name` is the resource name; the rest are UserLink args. */
export const ENTRY_KEYS = ["name", ...DECLARATION_KEYS] as const;

/**
 * Keys the file-level `defaults` may set. `allowPrivilegedCloudUser` and `reason` are deliberately
 * absent: an exception to a safety rule must be written on the link it applies to.
 */
export const DEFAULT_KEYS = ["match", "sourceAnchor", "onDelete", "writeConsistencyGuid"] as const;

export type EntryKey = (typeof ENTRY_KEYS)[number];
export type DefaultKey = (typeof DEFAULT_KEYS)[number];

/** Top-level keys of a YAML links file. */
export const FILE_KEYS = ["version", "defaults", "entries"] as const;

/** The only links file format version so far. */
export const LINKS_FILE_VERSION = 1;

/** Keys whose values are strings (a plain YAML number there is read as the text written). */
export function isStringPath(segments: readonly (string | number)[]): boolean {
  const [first] = segments;
  return (
    first === "name" ||
    first === "onPremises" ||
    first === "cloud" ||
    first === "userPrincipalName" ||
    first === "mail" ||
    first === "primarySmtpAddress" ||
    first === "additionalProxyAddresses" ||
    first === "reason"
  );
}

/** A Pulumi resource name a user may write: letters, digits, `.`, `_`, `-`; 1-100 characters. */
export const LINK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Lower-case, runs of anything but [a-z0-9] become "-", trimmed; accents are dropped. */
export function slug(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
}

/**
 * The resource name of a link without an explicit `name`: derived from its on-premises selector
 * only, so it stays the same while the entry's other fields change. `aanderson` for a
 * sAMAccountName, `cn-adam-anderson-ou-staff-dc-corp-dc-local` for a DN, `guid-<guid>` for an
 * objectGuid, `upn-<slug>` for an on-premises UPN. Changing the selector changes the name (and so
 * replaces the link); pin it with `name` first.
 */
export function deriveLinkName(onPremises: {
  samAccountName?: string;
  distinguishedName?: string;
  objectGuid?: string;
  userPrincipalName?: string;
}): string {
  if (onPremises.samAccountName !== undefined) return slug(onPremises.samAccountName) || "link";
  if (onPremises.objectGuid !== undefined) return `guid-${onPremises.objectGuid.toLowerCase()}`;
  if (onPremises.distinguishedName !== undefined) return slug(onPremises.distinguishedName) || "link";
  if (onPremises.userPrincipalName !== undefined) return `upn-${slug(onPremises.userPrincipalName)}`;
  return "link";
}
