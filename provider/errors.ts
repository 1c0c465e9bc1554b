/**
 * The error kinds of ad-entra-link. Callers (and tests) compare `name`; the message follows the
 * Azure SDK pattern "<component>: <what failed, with the identifier>. <what to do>".
 * Every name is listed in TROUBLESHOOTING.md with its cause and fix.
 */

export type AdEntraLinkErrorName =
  | "ConfigurationError"
  | "InvalidInputError"
  | "NotFoundError"
  | "AmbiguousMatchError"
  | "SafetyBlockError"
  | "PermissionDeniedError"
  | "DirectoryUnavailableError"
  | "DirectoryRequestError";

/** Base class: a stable `name`, a `code` for the specific rule, and an optional `cause`. */
export abstract class AdEntraLinkError extends Error {
  abstract override readonly name: AdEntraLinkErrorName;
  /** Stable machine-readable code of the specific rule, e.g. `UPN_INVALID_CHARACTER`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A setting is missing, malformed or contradicts another one. The message names the key. */
export class ConfigurationError extends AdEntraLinkError {
  override readonly name = "ConfigurationError" as const;
}

/** A resource argument is malformed. `property` is the argument path, e.g. `onPremises.objectGuid`. */
export class InvalidInputError extends AdEntraLinkError {
  override readonly name = "InvalidInputError" as const;
  readonly property: string;
  constructor(code: string, property: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.property = property;
  }
}

/** A selector matched no object. */
export class NotFoundError extends AdEntraLinkError {
  override readonly name = "NotFoundError" as const;
}

/** A selector matched more than one object; the message lists them. */
export class AmbiguousMatchError extends AdEntraLinkError {
  override readonly name = "AmbiguousMatchError" as const;
}

/** A safety rule refuses the link (privileged target, foreign anchor, collision, out-of-scope OU, ...). */
export class SafetyBlockError extends AdEntraLinkError {
  override readonly name = "SafetyBlockError" as const;
}

/** The directory refused the credentials' rights (Graph 403, LDAP insufficientAccessRights). */
export class PermissionDeniedError extends AdEntraLinkError {
  override readonly name = "PermissionDeniedError" as const;
}

/** The directory could not be reached or kept failing after the retries that are safe. */
export class DirectoryUnavailableError extends AdEntraLinkError {
  override readonly name = "DirectoryUnavailableError" as const;
}

/** The directory rejected a request for a reason not covered above (the message carries its error). */
export class DirectoryRequestError extends AdEntraLinkError {
  override readonly name = "DirectoryRequestError" as const;
}
