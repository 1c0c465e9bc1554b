/**
 * The one place that turns ldapts / socket / TLS failures into ad-entra-link error kinds.
 * Messages name the operation and the DN or URL, never the bind password.
 */
import {
  type AdEntraLinkError,
  ConfigurationError,
  DirectoryRequestError,
  DirectoryUnavailableError,
  PermissionDeniedError,
} from "../errors";

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** LDAP result codes (RFC 4511) that mean "try again later". */
const BUSY_RESULT_CODES = new Set([51, 52, 80]); // busy, unavailable, other (DC shutting down)

export function mapLdapError(err: unknown, operation: string): AdEntraLinkError {
  if (err instanceof Error && "code" in err && typeof (err as { code: unknown }).code === "string") {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (TLS_CODES.has(code)) {
      return new ConfigurationError(
        "LDAP_TLS_UNTRUSTED",
        `ad-entra-link: ${operation}: the domain controller's TLS certificate was not accepted (${code}). Set ad-entra-link:ldapCaCertificate to the CA that issued it, and connect by a name the certificate carries.`,
        { cause: err },
      );
    }
    if (UNAVAILABLE_CODES.has(code)) {
      return new DirectoryUnavailableError(
        "LDAP_UNAVAILABLE",
        `ad-entra-link: ${operation}: the domain controller cannot be reached (${code}). Check the URL, DNS and firewall, then re-run; completed links are kept.`,
        { cause: err },
      );
    }
  }
  if (err instanceof Error && "code" in err && typeof (err as { code: unknown }).code === "number") {
    const code = (err as { code: number }).code;
    const name = err.constructor.name.replace(/Error$/, "");
    if (code === 49) {
      return new ConfigurationError(
        "LDAP_INVALID_CREDENTIALS",
        `ad-entra-link: ${operation}: the domain controller rejected the bind credentials. Check ad-entra-link:ldapBindDn and ad-entra-link:ldapBindPassword.`,
        { cause: err },
      );
    }
    if (code === 8 || code === 13) {
      return new ConfigurationError(
        "LDAP_STRONG_AUTH_REQUIRED",
        `ad-entra-link: ${operation}: the domain controller requires an encrypted connection (${name}). Use ldaps:// or StartTLS.`,
        { cause: err },
      );
    }
    if (code === 50) {
      return new PermissionDeniedError(
        "LDAP_INSUFFICIENT_ACCESS",
        `ad-entra-link: ${operation}: the service account lacks the right (insufficientAccessRights). Grant it write access to userPrincipalName, mail, proxyAddresses and mS-DS-ConsistencyGuid on the linked users' OU (see README, Permissions).`,
        { cause: err },
      );
    }
    if (BUSY_RESULT_CODES.has(code)) {
      return new DirectoryUnavailableError(
        "LDAP_BUSY",
        `ad-entra-link: ${operation}: the domain controller is busy or unavailable (${name}). Re-run; completed links are kept.`,
        { cause: err },
      );
    }
    return new DirectoryRequestError(
      `LDAP_${name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`,
      `ad-entra-link: ${operation}: the domain controller refused the request (${name}, result code ${code}): ${err.message.replace(/\s*\n\s*/g, ": ")}`,
      { cause: err },
    );
  }
  // ldapts puts line breaks in some messages ("Socket error. …\nread ECONNRESET"): keep ours on one line.
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ": ");
  if (/socket|connection|closed|timeout|timed out/i.test(message)) {
    return new DirectoryUnavailableError(
      "LDAP_UNAVAILABLE",
      `ad-entra-link: ${operation}: the connection to the domain controller failed (${message}). Re-run; completed links are kept.`,
      { cause: err },
    );
  }
  if (err instanceof Error && "name" in err && /AdEntraLink|Error$/.test(err.name) && "code" in err) {
    return err as AdEntraLinkError;
  }
  return new DirectoryRequestError("LDAP_FAILED", `ad-entra-link: ${operation} failed: ${message}`, {
    cause: err,
  });
}
