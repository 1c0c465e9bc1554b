/**
 * Scoping (OU filtering) and the default cloud-filtering rules of Entra Connect for users
 * (matching-rules §2.2 h; https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-sync-configure-filtering
 * and the exported "In from AD – User Join" / "… Common" rules). Returns why an object is not
 * exported, or undefined when it is.
 */
import type { OnPremUserRecord } from "./types";

function underBase(dn: string, base: string): boolean {
  const d = dn.toLowerCase().replace(/\s*,\s*/g, ",");
  const b = base.toLowerCase().replace(/\s*,\s*/g, ",");
  return d === b || d.endsWith(`,${b}`);
}

export function filterReason(
  rec: OnPremUserRecord,
  scope: readonly string[] | undefined,
): string | undefined {
  if (scope && scope.length > 0 && !scope.some((b) => underBase(rec.dn, b)))
    return "outside the synchronized OUs";
  const classes = (rec.objectClass ?? ["user"]).map((c) => c.toLowerCase());
  if (!classes.includes("user") || classes.includes("computer")) return "not a user object";
  if (rec.isCriticalSystemObject === true) return "isCriticalSystemObject is TRUE";
  const sam = rec.sAMAccountName ?? "";
  if (sam === "") return "no sAMAccountName";
  const samLower = sam.toLowerCase();
  if (samLower.startsWith("support_388945a0")) return "sAMAccountName starts with SUPPORT_388945a0";
  if (samLower.startsWith("msol_")) return "sAMAccountName starts with MSOL_ (sync service account)";
  if (samLower.startsWith("aad_")) return "sAMAccountName starts with AAD_ (sync service account)";
  if (samLower.startsWith("cas_") && sam.includes("}")) return "sAMAccountName is a CAS_{…} system mailbox";
  const cn = (rec.cn ?? "").toLowerCase();
  if (cn.startsWith("systemmailbox{") || cn.startsWith("cas_{")) return "system mailbox";
  if (/\\0acnf:/i.test(rec.dn) || rec.dn.includes("\nCNF:")) return "replication conflict object (CNF)";
  if (sam.endsWith("$")) return "sAMAccountName ends with $";
  return undefined;
}
