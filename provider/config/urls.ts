/**
 * URL settings: LDAP URLs (ldaps://, or ldap:// only with StartTLS) and the https URLs of Graph and
 * the authority. Problems name the key and what is wrong; the URL itself is never quoted.
 */
import { configKey, KEYS, type KeySpec } from "./keys";
import { type Reader, shownScheme } from "./reader";

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Checks one ldapUrl entry; `which` is "" for a single URL, else " (entry N)". */
export function checkLdapUrl(
  r: Reader,
  url: string,
  which: string,
  startTls: boolean,
  insecure: boolean,
): void {
  const key = configKey(KEYS.ldapUrl);
  const parsed = parseUrl(url);
  if (parsed === undefined) {
    r.problem(
      KEYS.ldapUrl,
      "CONFIG_INVALID",
      `${key}${which} is not a URL. Write it as ldaps://dc.example.com:636.`,
    );
    return;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    r.problem(
      KEYS.ldapUrl,
      "CONFIG_INVALID",
      `${key}${which} must not carry credentials; use ${configKey(KEYS.ldapBindDn)} and ${configKey(KEYS.ldapBindPassword)}.`,
    );
    return;
  }
  if (parsed.search !== "" || parsed.hash !== "" || /[?#]/.test(url)) {
    r.problem(KEYS.ldapUrl, "CONFIG_INVALID", `${key}${which} must not have a query (?…) or fragment (#…).`);
    return;
  }
  if (parsed.protocol === "ldaps:") return;
  if (parsed.protocol !== "ldap:") {
    r.problem(
      KEYS.ldapUrl,
      "CONFIG_INVALID",
      `${key}${which} must start with ldaps:// (or ldap:// with StartTLS), got ${shownScheme(parsed)}.`,
    );
    return;
  }
  if (startTls) return;
  r.problem(
    KEYS.ldapUrl,
    "CONFIG_PLAINTEXT_LDAP",
    `${key}${which} uses plain ldap:// without StartTLS; the bind password would cross the network in clear text and hardened DCs refuse it.` +
      (insecure
        ? ` ${configKey(KEYS.ldapTlsInsecureSkipVerify)} does not change that: it never allows an unencrypted bind.`
        : "") +
      ` Use ldaps://<dc>:636, or set ${configKey(KEYS.ldapStartTls)} to true.`,
  );
}

/** An https URL without credentials, query or fragment; returned without trailing slashes. */
export function httpsUrl(r: Reader, spec: KeySpec, value: string): string | undefined {
  const key = configKey(spec);
  const parsed = parseUrl(value);
  if (parsed === undefined) return r.problem(spec, "CONFIG_INVALID", `${key} is not a URL.`);
  if (parsed.protocol !== "https:") {
    return r.problem(spec, "CONFIG_INVALID", `${key} must be an https:// URL (got ${shownScheme(parsed)}).`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return r.problem(
      spec,
      "CONFIG_INVALID",
      `${key} must not carry credentials (user:password@); the app's credential is configured separately.`,
    );
  }
  if (parsed.search !== "" || parsed.hash !== "" || /[?#]/.test(value)) {
    return r.problem(spec, "CONFIG_INVALID", `${key} must not have a query (?…) or fragment (#…).`);
  }
  return value.trim().replace(/\/+$/, "");
}
