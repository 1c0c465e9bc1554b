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

/** Which directory a failure concerns: on-premises Active Directory or Entra ID. */
export type ErrorSide = "onPremises" | "cloud";

/** Options every error kind accepts. All fields are optional and typed: never bolted on later. */
export interface AdEntraLinkErrorOptions {
  /** The underlying error (kept for debugging; never shown by {@link describeForUser}). */
  cause?: unknown;
  /** The resource argument path the error is about, e.g. `onPremises.distinguishedName`. */
  property?: string;
  /** The directory the failure concerns. */
  side?: ErrorSide;
  /**
   * For writes: `false` when the request never left the process (connect or bind failed), so the
   * directory is certainly unchanged; `true` when it was sent; absent when not a write.
   */
  requestSent?: boolean;
}

/** Base class: a stable `name`, a `code` for the specific rule, and typed optional context. */
export abstract class AdEntraLinkError extends Error {
  abstract override readonly name: AdEntraLinkErrorName;
  /** Stable machine-readable code of the specific rule, e.g. `UPN_INVALID_CHARACTER`. */
  readonly code: string;
  // `declare`: no own property is defined unless the option was given (no `key: undefined`).
  declare readonly property?: string;
  declare readonly side?: ErrorSide;
  declare readonly requestSent?: boolean;

  constructor(code: string, message: string, options?: AdEntraLinkErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    const self = this as { property?: string; side?: ErrorSide; requestSent?: boolean };
    if (options?.property !== undefined) self.property = options.property;
    if (options?.side !== undefined) self.side = options.side;
    if (options?.requestSent !== undefined) self.requestSent = options.requestSent;
  }
}

/** One problem found while reading the settings: the key, where it is set, what is wrong. */
export interface ConfigurationProblem {
  /** Full config key, e.g. `ad-entra-link:ldapUrl`. */
  key: string;
  /** The environment variable(s) that can set it instead. */
  env: string[];
  code: string;
  /** One sentence naming the key and what is wrong; never the value. */
  message: string;
}

/**
 * A setting is missing, malformed or contradicts another one. The message names the key. When the
 * settings were read, `problems` lists every problem of that read (all are reported at once).
 */
export class ConfigurationError extends AdEntraLinkError {
  override readonly name = "ConfigurationError" as const;
  readonly problems: readonly ConfigurationProblem[];
  constructor(
    code: string,
    message: string,
    options?: AdEntraLinkErrorOptions & { problems?: readonly ConfigurationProblem[] },
  ) {
    super(code, message, options);
    this.problems = options?.problems ?? [];
  }
}

/** A resource argument is malformed. `property` is the argument path, e.g. `onPremises.objectGuid`. */
export class InvalidInputError extends AdEntraLinkError {
  override readonly name = "InvalidInputError" as const;
  declare readonly property: string;
  constructor(code: string, property: string, message: string, options?: AdEntraLinkErrorOptions) {
    super(code, message, { ...options, property });
  }
}

/** The base of an error kind that adds nothing to AdEntraLinkError but its name (and so its meaning). */
function kind<N extends AdEntraLinkErrorName>(name: N) {
  return class extends AdEntraLinkError {
    override readonly name: N = name;
  };
}

/** A selector matched no object. */
export class NotFoundError extends kind("NotFoundError") {}

/** A selector matched more than one object; the message lists them. */
export class AmbiguousMatchError extends kind("AmbiguousMatchError") {}

/** A safety rule refuses the link (privileged target, foreign anchor, collision, out-of-scope OU, ...). */
export class SafetyBlockError extends kind("SafetyBlockError") {}

/** The directory refused the credentials' rights (Graph 403, LDAP insufficientAccessRights). */
export class PermissionDeniedError extends kind("PermissionDeniedError") {}

/** The directory could not be reached or kept failing after the retries that are safe. */
export class DirectoryUnavailableError extends kind("DirectoryUnavailableError") {}

/** The directory rejected a request for a reason not covered above (the message carries its error). */
export class DirectoryRequestError extends kind("DirectoryRequestError") {}

const ERROR_NAMES: ReadonlySet<string> = new Set<AdEntraLinkErrorName>([
  "ConfigurationError",
  "InvalidInputError",
  "NotFoundError",
  "AmbiguousMatchError",
  "SafetyBlockError",
  "PermissionDeniedError",
  "DirectoryUnavailableError",
  "DirectoryRequestError",
]);

/**
 * True for an ad-entra-link error, also one created by another copy of this module (the Pulumi
 * provider process may load the package twice), recognised by its name and string code.
 */
export function isAdEntraLinkError(err: unknown): err is AdEntraLinkError {
  if (err instanceof AdEntraLinkError) return true;
  return (
    err instanceof Error && ERROR_NAMES.has(err.name) && typeof (err as { code?: unknown }).code === "string"
  );
}

/**
 * The one-line-per-error text shown to a user: `Name [CODE]: message` for ad-entra-link errors.
 * Anything else (a bug, a raw library error) becomes a generic sentence naming only the error's
 * class: its message, stack, file paths and any value it may quote are never shown.
 */
export function describeForUser(err: unknown): string {
  if (isAdEntraLinkError(err)) {
    return `${err.name} [${err.code}]: ${err.message}`;
  }
  const kind = err instanceof Error && /^[A-Z][A-Za-z]{0,40}$/.test(err.name) ? err.name : "unknown error";
  return (
    `InternalError [INTERNAL]: ad-entra-link: an unexpected ${kind} occurred. Its details are not shown ` +
    "because they may contain file paths or secrets. Re-run; if it persists, report it with the steps to reproduce."
  );
}
