/** The LDAP settings: domain controller URLs, bind account, CA, base DN, allowed bases, timeout. */
import * as fs from "node:fs";
import { configKey, KEYS } from "./keys";
import type { Reader } from "./reader";
import type { LdapSettings } from "./types";
import { checkLdapUrl } from "./urls";

function readCaCertificate(r: Reader): string | undefined {
  let caCertificate = r.get(KEYS.ldapCaCertificate);
  const caPath = r.get(KEYS.ldapCaCertificatePath);
  if (caCertificate !== undefined && caPath !== undefined) {
    return r.problem(
      KEYS.ldapCaCertificate,
      "CONFIG_CONTRADICTORY",
      `both ${configKey(KEYS.ldapCaCertificate)} and ${configKey(KEYS.ldapCaCertificatePath)} are set; keep one.`,
    );
  }
  if (caPath !== undefined) {
    try {
      caCertificate = fs.readFileSync(caPath, "utf8");
    } catch (cause) {
      return r.problem(
        KEYS.ldapCaCertificatePath,
        "CONFIG_INVALID",
        `${configKey(KEYS.ldapCaCertificatePath)} points at a file that cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"}).`,
      );
    }
  }
  if (caCertificate !== undefined && !caCertificate.includes("-----BEGIN CERTIFICATE-----")) {
    return r.problem(
      caPath !== undefined ? KEYS.ldapCaCertificatePath : KEYS.ldapCaCertificate,
      "CONFIG_INVALID",
      `the LDAP CA certificate (${r.sources["ldapCaCertificate"] ?? "file"}) is not PEM text with a "BEGIN CERTIFICATE" block.`,
    );
  }
  return caCertificate;
}

function readTimeout(r: Reader): number {
  const text = r.get(KEYS.ldapTimeoutInMs);
  const timeoutInMs = text === undefined ? 30_000 : Number(text);
  if (!Number.isInteger(timeoutInMs) || timeoutInMs < 1000 || timeoutInMs > 600_000) {
    r.problem(
      KEYS.ldapTimeoutInMs,
      "CONFIG_INVALID",
      `${configKey(KEYS.ldapTimeoutInMs)} must be an integer number of milliseconds between 1000 and 600000.`,
    );
    return 30_000;
  }
  return timeoutInMs;
}

export function readLdapSettings(r: Reader): Partial<LdapSettings> {
  const startTls = r.bool(KEYS.ldapStartTls, false);
  const insecure = r.bool(KEYS.ldapTlsInsecureSkipVerify, false);
  const urls = r.list(KEYS.ldapUrl);
  if (urls === undefined || urls.length === 0) r.require(KEYS.ldapUrl, "the domain controller URL");
  (urls ?? []).forEach((url, i, all) => {
    checkLdapUrl(r, url, all.length > 1 ? ` (entry ${i + 1})` : "", startTls, insecure);
  });
  const bindDn = r.require(KEYS.ldapBindDn, "the LDAP bind DN (a service account)");
  const bindPassword = r.require(KEYS.ldapBindPassword, "the LDAP bind password");
  const baseDn = r.require(KEYS.ldapBaseDn, "the LDAP base DN (e.g. DC=corp,DC=example,DC=com)");
  const caCertificate = readCaCertificate(r);
  const allowedSearchBases = r.list(KEYS.allowedSearchBases) ?? (baseDn !== undefined ? [baseDn] : []);
  const timeoutInMs = readTimeout(r);
  return {
    urls: urls ?? [],
    startTls,
    ...(bindDn !== undefined ? { bindDn } : {}),
    ...(bindPassword !== undefined ? { bindPassword } : {}),
    ...(caCertificate !== undefined ? { caCertificate } : {}),
    tlsInsecureSkipVerify: insecure,
    ...(baseDn !== undefined ? { baseDn } : {}),
    allowedSearchBases,
    timeoutInMs,
  };
}
