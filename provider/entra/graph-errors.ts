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

/** Every message and code in an error, its `cause` chain and aggregated `errors` (bounded). */
function texts(err: unknown): string {
  const out: string[] = [];
  const queue: unknown[] = [err];
  for (let i = 0; i < queue.length && i < 20; i++) {
    const e = queue[i] as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown } | null;
    if (e === null || typeof e !== "object") continue;
    if (typeof e.message === "string") out.push(e.message);
    if (typeof e.code === "string") out.push(e.code);
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return out.join("\n");
}

const TLS_TRUST =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|unable to verify the first certificate|self[- ]signed certificate|certificate has expired/i;
const DNS = /\b(ENOTFOUND|EAI_AGAIN)\b|getaddrinfo/;
const NETWORK = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b|socket hang up/;
const PROXY = /\b407\b|Proxy Authentication Required|tunneling socket could not be established/i;

/**
 * Connection problems named for what they are, before they can be mistaken for a credential
 * problem (@azure/identity reports an untrusted certificate as `endpoints_resolution_error`).
 * Only the kind is named, never the library's message (it can carry hosts and paths).
 */
function connectionProblem(err: unknown, operation: string): AdEntraLinkError | undefined {
  const all = texts(err);
  if (TLS_TRUST.test(all)) {
    const what = (TLS_TRUST.exec(all)?.[0] ?? "").replace(/\s+/g, " ");
    return new ConfigurationError(
      "ENTRA_TLS_UNTRUSTED",
      `ad-entra-link: ${operation}: the TLS certificate of the Entra ID endpoint is not trusted (${what}). Behind a TLS-inspecting proxy or with a private endpoint, give Node.js the issuing CA with NODE_EXTRA_CA_CERTS=<pem file>; check ad-entra-link:authorityHost and graphBaseUrl.`,
      { cause: err, side: "cloud" },
    );
  }
  if (PROXY.test(all)) {
    return new ConfigurationError(
      "ENTRA_PROXY",
      `ad-entra-link: ${operation}: the HTTP proxy refused the connection to Entra ID (proxy authentication or tunnelling failed). Check HTTPS_PROXY and the proxy's credentials.`,
      { cause: err, side: "cloud" },
    );
  }
  if (DNS.test(all)) {
    return new DirectoryUnavailableError(
      "ENTRA_DNS",
      `ad-entra-link: ${operation}: the Entra ID host name could not be resolved (DNS). Check ad-entra-link:authorityHost, graphBaseUrl and the runner's DNS.`,
      { cause: err, side: "cloud" },
    );
  }
  if (NETWORK.test(all)) {
    const code = NETWORK.exec(all)?.[0] ?? "network error";
    return new DirectoryUnavailableError(
      "ENTRA_UNREACHABLE",
      `ad-entra-link: ${operation}: Entra ID could not be reached (${code}). Check the network path (firewall, proxy) from this machine to the login and Graph endpoints, then re-run.`,
      { cause: err, side: "cloud" },
    );
  }
  return undefined;
}

export function mapGraphError(err: unknown, operation: string, permissionHint?: string): AdEntraLinkError {
  if (err instanceof AdEntraLinkError) return err;
  const e = (err ?? {}) as GraphLikeError;
  // An HTTP answer is never a connection problem, whatever its text says.
  if (e.statusCode === undefined || e.statusCode <= 0) {
    const connection = connectionProblem(err, operation);
    if (connection !== undefined) return connection;
  }
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
