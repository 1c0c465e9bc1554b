/**
 * The one place that turns ldapts / socket / TLS failures into ad-entra-link error kinds. Nothing
 * raw leaves this module: every input becomes an AdEntraLinkError with a stable code. LDAP result
 * codes are recognised by ldapts's typed error classes; socket and TLS failures by Node's error
 * code. Messages name the operation and the DN or URL, never the bind password, and never quote a
 * Node or TLS message (they can carry certificate details and paths); only the code is quoted.
 */
import {
  AdminLimitExceededError,
  AlreadyExistsError,
  BusyError,
  ConfidentialityRequiredError,
  ConstraintViolationError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  InvalidSyntaxError,
  NamingViolationError,
  NoSuchAttributeError,
  NoSuchObjectError,
  ObjectClassViolationError,
  OperationsError,
  ProtocolError,
  ResultCodeError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  TLSNotSupportedError,
  TypeOrValueExistsError,
  UnavailableError,
  UndefinedTypeError,
  UnknownStatusCodeError,
  UnwillingToPerformError,
} from "ldapts";
import {
  type AdEntraLinkError,
  ConfigurationError,
  DirectoryRequestError,
  DirectoryUnavailableError,
  isAdEntraLinkError,
  PermissionDeniedError,
} from "../errors";

const SIDE = { side: "onPremises" } as const;

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
  "EHOSTDOWN",
  "ENETDOWN",
]);

/** The DC's certificate chain does not lead to a CA we trust. */
const UNTRUSTED_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
]);

/** The certificate is outside its validity period. */
const VALIDITY_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
]);

/** The certificate does not name the host in the URL. */
const NAME_CODES = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

/** Our result codes for the LDAP results a request can get, by ldapts class. */
const REQUEST_RESULTS: [new (...args: never[]) => ResultCodeError, string][] = [
  [NoSuchObjectError, "LDAP_NO_SUCH_OBJECT"],
  [InvalidDNSyntaxError, "LDAP_INVALID_DNSYNTAX"],
  [ConstraintViolationError, "LDAP_CONSTRAINT_VIOLATION"],
  [UnwillingToPerformError, "LDAP_UNWILLING_TO_PERFORM"],
  [TypeOrValueExistsError, "LDAP_TYPE_OR_VALUE_EXISTS"],
  [NoSuchAttributeError, "LDAP_NO_SUCH_ATTRIBUTE"],
  [AlreadyExistsError, "LDAP_ALREADY_EXISTS"],
  [ObjectClassViolationError, "LDAP_OBJECT_CLASS_VIOLATION"],
  [NamingViolationError, "LDAP_NAMING_VIOLATION"],
  [InvalidSyntaxError, "LDAP_INVALID_SYNTAX"],
  [UndefinedTypeError, "LDAP_UNDEFINED_TYPE"],
  [SizeLimitExceededError, "LDAP_SIZE_LIMIT_EXCEEDED"],
  [TimeLimitExceededError, "LDAP_TIME_LIMIT_EXCEEDED"],
  [AdminLimitExceededError, "LDAP_ADMIN_LIMIT_EXCEEDED"],
  [OperationsError, "LDAP_OPERATIONS_ERROR"],
  [ProtocolError, "LDAP_PROTOCOL_ERROR"],
];

const LDAPTS_CONNECTION_FAILURE =
  /^(socket error|socket connection not established|connection closed|connection timeout)|operation timed out/i;

const TLS_HANDSHAKE_RESET = /before secure TLS connection was established/i;

/** LDAP result 80 ("other"): what a DC answers while it shuts down. */
const RESULT_OTHER = 80;

/** The Node / OpenSSL error code of `err` (or of its cause), when it has one. */
function nodeCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTlsCode(code: string): boolean {
  return (
    code === "EPROTO" ||
    code.startsWith("ERR_SSL_") ||
    code.startsWith("ERR_TLS_") ||
    code.startsWith("CERT_") ||
    code.startsWith("UNABLE_TO_") ||
    UNTRUSTED_CODES.has(code) ||
    VALIDITY_CODES.has(code) ||
    NAME_CODES.has(code)
  );
}

/** TLS failures: a trust problem, named as such, with the setting that fixes it. */
export function mapTlsError(code: string, operation: string, cause: unknown): AdEntraLinkError {
  if (UNTRUSTED_CODES.has(code) || code.startsWith("UNABLE_TO_")) {
    return new ConfigurationError(
      "LDAP_TLS_UNTRUSTED",
      `ad-entra-link: ${operation}: the domain controller's TLS certificate was not accepted (${code}). Set ad-entra-link:ldapCaCertificate to the CA that issued it, and connect by a name the certificate carries. This is a TLS trust problem, not a network outage.`,
      { cause, ...SIDE },
    );
  }
  if (VALIDITY_CODES.has(code)) {
    return new ConfigurationError(
      "LDAP_TLS_CERT_NOT_VALID_NOW",
      `ad-entra-link: ${operation}: the domain controller's TLS certificate is outside its validity period (${code}). This is a TLS trust problem: renew the DC's certificate, or correct this machine's clock; ad-entra-link:ldapCaCertificate cannot fix it.`,
      { cause, ...SIDE },
    );
  }
  if (NAME_CODES.has(code)) {
    return new ConfigurationError(
      "LDAP_TLS_NAME_MISMATCH",
      `ad-entra-link: ${operation}: the domain controller's TLS certificate does not carry the host name of the URL (${code}). This is a TLS trust problem: set ad-entra-link:ldapUrl to a name (or IP) the certificate lists.`,
      { cause, ...SIDE },
    );
  }
  if (code.startsWith("CERT_") || code.startsWith("ERR_TLS_CERT")) {
    return new ConfigurationError(
      "LDAP_TLS_UNTRUSTED",
      `ad-entra-link: ${operation}: the domain controller's TLS certificate was not accepted (${code}). Set ad-entra-link:ldapCaCertificate to the CA that issued it, and connect by a name the certificate carries. This is a TLS trust problem, not a network outage.`,
      { cause, ...SIDE },
    );
  }
  // EPROTO, ERR_SSL_WRONG_VERSION_NUMBER, ...: TLS spoken to a port that does not speak it, or no
  // protocol version / cipher in common. Retried once like an outage, but named for what it is.
  return new DirectoryUnavailableError(
    "LDAP_TLS_HANDSHAKE_FAILED",
    `ad-entra-link: ${operation}: the TLS handshake with the domain controller failed (${code}). This is a TLS problem, not a network outage: ad-entra-link:ldapUrl must be ldaps:// on the LDAPS port (636), or ldap:// on port 389 with ad-entra-link:ldapStartTls set to true, and the DC must have a certificate and support TLS 1.2 or later.`,
    { cause, ...SIDE },
  );
}

/**
 * A raw Node socket reset (not ldapts's "Socket error" wrapper, which it uses once connected):
 * before the TLS session of an ldaps:// connection exists, it can only be the handshake.
 */
export function isRawReset(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as NodeJS.ErrnoException).code === "ECONNRESET" &&
    (typeof (err as NodeJS.ErrnoException).syscall === "string" || TLS_HANDSHAKE_RESET.test(err.message))
  );
}

/** The peer closed the connection during the TLS handshake. */
export function tlsHandshakeReset(operation: string, cause: unknown): AdEntraLinkError {
  return new DirectoryUnavailableError(
    "LDAP_TLS_HANDSHAKE_FAILED",
    `ad-entra-link: ${operation}: the domain controller closed the connection during the TLS handshake (ECONNRESET). This is most likely a TLS problem, not a network outage: ad-entra-link:ldapUrl must be ldaps:// on the LDAPS port (636), or ldap:// on port 389 with ad-entra-link:ldapStartTls set to true.`,
    { cause, ...SIDE },
  );
}

function mapResult(err: ResultCodeError, operation: string): AdEntraLinkError {
  const options = { cause: err, ...SIDE };
  if (err instanceof InvalidCredentialsError) {
    return new ConfigurationError(
      "LDAP_INVALID_CREDENTIALS",
      `ad-entra-link: ${operation}: the domain controller rejected the bind credentials. Check ad-entra-link:ldapBindDn and ad-entra-link:ldapBindPassword.`,
      options,
    );
  }
  if (err instanceof StrongAuthRequiredError || err instanceof ConfidentialityRequiredError) {
    return new ConfigurationError(
      "LDAP_STRONG_AUTH_REQUIRED",
      `ad-entra-link: ${operation}: the domain controller requires an encrypted connection (${err.name}). Use ldaps:// or StartTLS.`,
      options,
    );
  }
  if (err instanceof TLSNotSupportedError) {
    return new ConfigurationError(
      "LDAP_TLS_STARTTLS_REFUSED",
      `ad-entra-link: ${operation}: the domain controller does not offer StartTLS. Use an ldaps:// URL in ad-entra-link:ldapUrl instead.`,
      options,
    );
  }
  if (err instanceof InsufficientAccessError || err instanceof InappropriateAuthError) {
    return new PermissionDeniedError(
      "LDAP_INSUFFICIENT_ACCESS",
      `ad-entra-link: ${operation}: the service account lacks the right (insufficientAccessRights). Grant it write access to userPrincipalName, mail, proxyAddresses and mS-DS-ConsistencyGuid on the linked users' OU (see README, Permissions).`,
      options,
    );
  }
  if (
    err instanceof BusyError ||
    err instanceof UnavailableError ||
    (err instanceof UnknownStatusCodeError && err.code === RESULT_OTHER)
  ) {
    return new DirectoryUnavailableError(
      "LDAP_BUSY",
      `ad-entra-link: ${operation}: the domain controller is busy or unavailable (${err.name}). Re-run; completed links are kept.`,
      options,
    );
  }
  const code = REQUEST_RESULTS.find(([kind]) => err instanceof kind)?.[1] ?? "LDAP_REQUEST_FAILED";
  // The DC's own diagnostic (e.g. "00000057: … userPrincipalName … already in use") is what the user acts on.
  const diagnostic = err.message.replace(/\s*\n\s*/g, ": ").slice(0, 500);
  return new DirectoryRequestError(
    code,
    `ad-entra-link: ${operation}: the domain controller refused the request (${err.name}, result code ${err.code}): ${diagnostic}`,
    options,
  );
}

/**
 * Maps any failure of an LDAP operation to an ad-entra-link error. ad-entra-link errors pass
 * through unchanged; nothing else does.
 */
export function mapLdapError(err: unknown, operation: string): AdEntraLinkError {
  if (isAdEntraLinkError(err)) return err;
  if (err instanceof ResultCodeError) return mapResult(err, operation);
  const code = nodeCode(err);
  if (code !== undefined && isTlsCode(code)) return mapTlsError(code, operation, err);
  if (code === "ECONNRESET" && err instanceof Error && TLS_HANDSHAKE_RESET.test(err.message)) {
    // Node's text for a peer that hung up on the ClientHello: typically ldaps:// to the plain port.
    return tlsHandshakeReset(operation, err);
  }
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new DirectoryUnavailableError(
      "LDAP_UNAVAILABLE",
      `ad-entra-link: ${operation}: the domain controller cannot be reached (${code}). Check the URL, DNS and firewall, then re-run; completed links are kept.`,
      { cause: err, ...SIDE },
    );
  }
  // ldapts reports a dropped socket or a timeout as a plain Error ("Socket error. …", "Connection
  // closed before message response was received", "Connection timeout", "Socket connection not
  // established", "SearchRequest: Operation timed out").
  const message = err instanceof Error ? err.message : "";
  if (LDAPTS_CONNECTION_FAILURE.test(message)) {
    return new DirectoryUnavailableError(
      "LDAP_UNAVAILABLE",
      `ad-entra-link: ${operation}: the connection to the domain controller failed (the connection was closed or timed out). Re-run; completed links are kept.`,
      { cause: err, ...SIDE },
    );
  }
  const kind = err instanceof Error && /^[A-Z][A-Za-z]{0,40}$/.test(err.name) ? err.name : "error";
  return new DirectoryRequestError(
    "LDAP_FAILED",
    `ad-entra-link: ${operation} failed with an unexpected ${kind}${code !== undefined && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : ""}. Re-run; if it persists, report it.`,
    { cause: err, ...SIDE },
  );
}
