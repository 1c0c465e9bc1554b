/**
 * The one place that turns Graph client and @azure/identity failures into ad-entra-link error
 * kinds. The Graph client has already retried 429/503/504 (honouring Retry-After) by the time an
 * error reaches here.
 */
import {
  AdEntraLinkError,
  ConfigurationError,
  DirectoryRequestError,
  DirectoryUnavailableError,
  NotFoundError,
  PermissionDeniedError,
} from "../errors";

interface GraphLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  body?: unknown;
  name?: string;
}

/** Error names of @azure/identity credentials: the token request failed, Graph was never called. */
const IDENTITY_ERRORS = new Set([
  "AuthenticationError",
  "AuthenticationRequiredError",
  "CredentialUnavailableError",
  "AggregateAuthenticationError",
]);

export function mapGraphError(err: unknown, operation: string, permissionHint?: string): AdEntraLinkError {
  if (err instanceof AdEntraLinkError) return err;
  const e = (err ?? {}) as GraphLikeError;
  // The credential's error arrives as is, or wrapped by the Graph client's auth handler in a
  // GraphError without status whose `code` is the credential error's name.
  const identityError = [e.name, e.code].find((n) => n !== undefined && IDENTITY_ERRORS.has(n));
  if (identityError !== undefined) {
    // @azure/identity messages carry the AADSTS code and description, never the secret itself.
    const text = String(e.message || (typeof e.body === "string" ? e.body : "") || "");
    const firstLine = text
      .replace(/^[A-Za-z]*Error: /, "")
      .split(/\r?\n/)[0]
      ?.trimEnd()
      .slice(0, 300);
    return new ConfigurationError(
      "ENTRA_AUTHENTICATION_FAILED",
      `ad-entra-link: ${operation}: Entra ID did not issue a token (${identityError}: ${firstLine}). Check ad-entra-link:tenantId, clientId and the credential.`,
      { cause: err },
    );
  }
  const status = e.statusCode ?? -1;
  const code = e.code ?? "";
  const message = String(e.message ?? err);
  if (status === 401) {
    return new ConfigurationError(
      "ENTRA_UNAUTHENTICATED",
      `ad-entra-link: ${operation}: Microsoft Graph answered 401 (${code}). The request carried no valid token; check the tenant and, for sovereign clouds, ad-entra-link:graphBaseUrl.`,
      { cause: err },
    );
  }
  if (status === 403) {
    return new PermissionDeniedError(
      "ENTRA_PERMISSION_DENIED",
      `ad-entra-link: ${operation}: Microsoft Graph answered 403 (${code}: ${message}).${permissionHint ? ` Grant the app the application permission ${permissionHint} with admin consent.` : ""}`,
      { cause: err },
    );
  }
  if (status === 404) {
    return new NotFoundError("ENTRA_NOT_FOUND", `ad-entra-link: ${operation}: not found (${message}).`, {
      cause: err,
    });
  }
  if (status === 429 || status === 503 || status === 504 || status === -1 || status === 0 || status >= 500) {
    return new DirectoryUnavailableError(
      "ENTRA_UNAVAILABLE",
      `ad-entra-link: ${operation}: Microsoft Graph is unavailable or throttling after retries (${status > 0 ? status : "no response"}${code ? ` ${code}` : ""}). Re-run later; completed links are kept.`,
      { cause: err },
    );
  }
  return new DirectoryRequestError(
    `ENTRA_${status}`,
    `ad-entra-link: ${operation}: Microsoft Graph refused the request (${status} ${code}: ${message}).`,
    { cause: err },
  );
}
