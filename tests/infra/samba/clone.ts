/**
 * Copies of seed users for tests that want their own OU. AD enforces domain-wide uniqueness of
 * sAMAccountName and userPrincipalName, so copies get a suffix in every identifying value while
 * keeping the shape of the original (UPN suffix, prefix case of proxyAddresses, special characters).
 */
import { createHash } from "node:crypto";
import type { SeedAdUser } from "../../fixtures/seed-scenario";

const SUFFIX_RE = /^[a-z0-9]{1,8}$/;
const MAX_SAM = 20;

/** `alias@domain` → `alias.<suffix>@domain`; a value without "@" gets `-<suffix>` appended. */
export function suffixAddress(value: string, suffix: string): string {
  const at = value.lastIndexOf("@");
  return at < 0 ? `${value}-${suffix}` : `${value.slice(0, at)}.${suffix}${value.slice(at)}`;
}

/** A different, stable GUID per (guid, suffix): same "already set, not objectGUID" situation, no shared anchor. */
function suffixGuid(guid: string, suffix: string): string {
  const h = createHash("sha256").update(`${guid.toLowerCase()}/${suffix}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Returns copies of `users` rewritten with `suffix` (1-8 chars of [a-z0-9]):
 * - key, ou, givenName, sn, displayName, employeeID: unchanged (tests still look users up by seed key
 *   and the cloud side still matches them);
 * - cn: `<cn> (<suffix>)`, so copies in one OU never clash and special characters are kept;
 * - sAMAccountName: `<sam>-<suffix>`, the original cut so the result fits AD's 20 characters;
 * - userPrincipalName, mail: `<local>.<suffix>@<same domain>` (routable/non-routable suffix kept);
 * - proxyAddresses: the prefix (`SMTP:`/`smtp:`/`SIP:`/`X500:` with its case) is kept and the address
 *   rewritten like mail; an X500 value (no "@") gets `-<suffix>` appended;
 * - consistencyGuid: replaced by a GUID derived from (original, suffix), still set and still
 *   different from objectGUID, but not shared with the original object.
 * Throws if two copies would get the same sAMAccountName (only possible after truncation).
 */
export function cloneSeedUsers(users: SeedAdUser[], suffix: string): SeedAdUser[] {
  if (!SUFFIX_RE.test(suffix))
    throw new Error(`cloneSeedUsers: suffix must match ${SUFFIX_RE}, got ${suffix}`);
  const clones = users.map((u): SeedAdUser => {
    const copy: SeedAdUser = {
      ...u,
      cn: `${u.cn} (${suffix})`,
      sAMAccountName: `${u.sAMAccountName.slice(0, MAX_SAM - suffix.length - 1)}-${suffix}`,
      userPrincipalName: suffixAddress(u.userPrincipalName, suffix),
    };
    if (u.mail !== undefined) copy.mail = suffixAddress(u.mail, suffix);
    if (u.proxyAddresses !== undefined) {
      copy.proxyAddresses = u.proxyAddresses.map((p) => {
        const colon = p.indexOf(":");
        return colon < 0
          ? suffixAddress(p, suffix)
          : `${p.slice(0, colon + 1)}${suffixAddress(p.slice(colon + 1), suffix)}`;
      });
    }
    if (u.consistencyGuid !== undefined) copy.consistencyGuid = suffixGuid(u.consistencyGuid, suffix);
    return copy;
  });
  const sams = new Set(clones.map((c) => c.sAMAccountName.toLowerCase()));
  if (sams.size !== clones.length)
    throw new Error(`cloneSeedUsers: suffix ${suffix} makes sAMAccountNames collide`);
  return clones;
}
