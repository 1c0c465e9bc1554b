/**
 * Microsoft identity platform endpoints, per tenant, for the client credentials grant only:
 * - GET  /{tenant}/v2.0/.well-known/openid-configuration (what MSAL reads to find the token endpoint)
 * - GET  /{tenant}/discovery/v2.0/keys
 * - POST /{tenant}/oauth2/v2.0/token with client_secret, a certificate-signed client_assertion
 *   (ClientCertificateCredential) or a federated client_assertion (WorkloadIdentityCredential).
 *
 * Errors use the AADSTS body (`error`, `error_description` with trace/correlation ids, `error_codes`,
 * `timestamp`, `trace_id`, `correlation_id`, `error_uri`) and status codes seen from Entra ID (e.g.
 * 401 invalid_client for AADSTS7000215, quoted in public reports). Instance discovery
 * (login.microsoftonline.com/common/discovery/instance) is not served: MSAL calls that fixed host,
 * so credentials must set `disableInstanceDiscovery: true` (see README).
 */
import * as crypto from "node:crypto";
import { type EmulatorResponse, json } from "./http-util";
import { decodeJwt, type DecodedJwt, signJwt, verifyJwtSignature } from "./jwt";
import type { AppRecord, TenantState } from "./model";
import type { SigningKey } from "./signing";
import type { EmulatorStore } from "./store";

export const GRAPH_RESOURCE = "https://graph.microsoft.com";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export interface OAuthEnv {
  store: EmulatorStore;
  signingKey: SigningKey;
  baseUrl: string;
  clockSkewSeconds: number;
}

export interface OAuthResult {
  response: EmulatorResponse;
  tenantId?: string;
  appid?: string;
}

function aadTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function aadError(status: number, error: string, code: number, description: string): EmulatorResponse {
  const now = new Date();
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const timestamp = aadTimestamp(now);
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function tenantNotFound(tenant: string, error: string): EmulatorResponse {
  return aadError(
    400,
    error,
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

export function openIdConfiguration(env: OAuthEnv, tenantSegment: string, v2: boolean): OAuthResult {
  const t = env.store.findTenant(tenantSegment);
  // [UNCERTAIN] login.microsoftonline.com answers an unknown tenant's metadata with 400 invalid_tenant / AADSTS90002.
  if (!t) return { response: tenantNotFound(tenantSegment, "invalid_tenant") };
  const base = `${env.baseUrl}/${t.id}`;
  const body = {
    token_endpoint: `${base}/oauth2/${v2 ? "v2.0/" : ""}token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/${v2 ? "v2.0/" : ""}keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${t.id}/`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${env.baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/${v2 ? "v2.0/" : ""}authorize`,
    device_authorization_endpoint: `${base}/oauth2/${v2 ? "v2.0/" : ""}devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/${v2 ? "v2.0/" : ""}logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid", "oid", "roles"],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
  return { response: json(200, body), tenantId: t.id };
}

export function jwks(env: OAuthEnv, tenantSegment: string): OAuthResult {
  const t = env.store.findTenant(tenantSegment);
  if (!t) return { response: tenantNotFound(tenantSegment, "invalid_tenant") };
  return { response: json(200, { keys: [env.signingKey.jwk] }), tenantId: t.id };
}

function numericClaim(p: Record<string, unknown>, name: string): number | undefined {
  const v = p[name];
  return typeof v === "number" ? v : undefined;
}

/**
 * Clock skew tolerated on client assertions: 5 minutes, the Microsoft.IdentityModel default. Needed
 * for real clients too: MSAL rounds `nbf` to the nearest second, so it can be up to 0.5 s ahead.
 */
const ASSERTION_CLOCK_SKEW_SECONDS = 300;

/** exp/nbf of a client assertion (AADSTS700024). */
function checkLifetime(jwt: DecodedJwt, clientId: string): EmulatorResponse | undefined {
  const now = Math.floor(Date.now() / 1000);
  const exp = numericClaim(jwt.payload, "exp");
  const nbf = numericClaim(jwt.payload, "nbf") ?? numericClaim(jwt.payload, "iat") ?? 0;
  const skew = ASSERTION_CLOCK_SKEW_SECONDS;
  if (exp === undefined || exp + skew < now || nbf - skew > now) {
    return aadError(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${new Date(nbf * 1000).toISOString()}, expiry time of assertion ${exp === undefined ? "(none)" : new Date(exp * 1000).toISOString()}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials . (app ${clientId})`,
    );
  }
  return undefined;
}

function audiences(p: Record<string, unknown>): string[] {
  const aud = p["aud"];
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === "string");
  return [];
}

/** ClientCertificateCredential: iss = sub = client id, x5t / x5t#S256 name a registered certificate. */
function verifyCertificateAssertion(
  env: OAuthEnv,
  t: TenantState,
  tenantSegment: string,
  app: AppRecord,
  jwt: DecodedJwt,
): EmulatorResponse | undefined {
  const x5tS256 = jwt.header["x5t#S256"];
  const x5t = jwt.header["x5t"];
  const cert = app.certificates.find(
    (c) =>
      (typeof x5tS256 === "string" && c.thumbprintSha256 === x5tS256) ||
      (typeof x5t === "string" && c.thumbprintSha1 === x5t),
  );
  if (!cert) {
    const presented =
      typeof x5t === "string" ? Buffer.from(x5t, "base64url").toString("hex").toUpperCase() : String(x5tS256);
    return aadError(
      401,
      "invalid_client",
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${presented}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.clientId}']`,
    );
  }
  const publicKey = new crypto.X509Certificate(cert.certificatePem).publicKey;
  if (!verifyJwtSignature(jwt, publicKey)) {
    return aadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
  }
  if (jwt.payload["sub"] !== app.clientId && String(jwt.payload["sub"]).toLowerCase() !== app.clientId) {
    return aadError(401, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion.");
  }
  const validAudiences = [
    `${env.baseUrl}/${t.id}/oauth2/v2.0/token`,
    `${env.baseUrl}/${tenantSegment}/oauth2/v2.0/token`,
    `${env.baseUrl}/${t.id}/v2.0`,
  ].map((a) => a.toLowerCase());
  if (!audiences(jwt.payload).some((a) => validAudiences.includes(a.toLowerCase()))) {
    return aadError(
      401,
      "invalid_client",
      50027,
      "Invalid JWT token. The token audience is not the token endpoint of this tenant.",
    );
  }
  return checkLifetime(jwt, app.clientId);
}

/** WorkloadIdentityCredential: a JWT from an external issuer trusted by a federated identity credential. */
function verifyFederatedAssertion(
  env: OAuthEnv,
  app: AppRecord,
  jwt: DecodedJwt,
): EmulatorResponse | undefined {
  const iss = String(jwt.payload["iss"] ?? "");
  const sub = String(jwt.payload["sub"] ?? "");
  const aud = audiences(jwt.payload);
  const tail =
    "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
  const byIssuer = app.federated.filter((f) => f.issuer === iss);
  if (byIssuer.length === 0) {
    return aadError(
      400,
      "invalid_request",
      700211,
      `No matching federated identity record found for presented assertion issuer '${iss}'. ${tail}`,
    );
  }
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) {
    return aadError(
      400,
      "invalid_request",
      700213,
      `No matching federated identity record found for presented assertion subject '${sub}'. ${tail}`,
    );
  }
  if (!bySubject.some((f) => f.audiences.some((a) => aud.includes(a)))) {
    return aadError(
      400,
      "invalid_request",
      700212,
      `No matching federated identity record found for presented assertion audience '${aud.join(",")}'. ${tail}`,
    );
  }
  const keys = env.store.federatedIssuers.get(iss);
  if (!keys || keys.length === 0) {
    // Entra fetches the issuer's OIDC metadata; the emulator trusts only keys registered via the control API.
    return aadError(
      400,
      "invalid_request",
      50166,
      `Request to External OIDC endpoint failed. (issuer '${iss}' has no keys registered with the emulator)`,
    );
  }
  const kid = jwt.header["kid"];
  const candidates = keys.filter((k) => kid === undefined || (k as { kid?: string }).kid === kid);
  const ok = candidates.some((k) => {
    try {
      return verifyJwtSignature(jwt, crypto.createPublicKey({ key: k, format: "jwk" }));
    } catch {
      return false;
    }
  });
  if (!ok) return aadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
  return checkLifetime(jwt, app.clientId);
}

function formParams(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString("utf8"));
}

export function tokenEndpoint(
  env: OAuthEnv,
  tenantSegment: string,
  headers: Record<string, string>,
  body: Buffer,
): OAuthResult {
  const t = env.store.findTenant(tenantSegment);
  if (!t) return { response: tenantNotFound(tenantSegment, "invalid_request") };
  if (!(headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return {
      response: aadError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      ),
      tenantId: t.id,
    };
  }
  const form = formParams(body);
  for (const required of ["grant_type", "client_id", "scope"]) {
    if (!form.get(required)) {
      return {
        response: aadError(
          400,
          "invalid_request",
          900144,
          `The request body must contain the following parameter: '${required}'.`,
        ),
        tenantId: t.id,
      };
    }
  }
  const grantType = form.get("grant_type") ?? "";
  const clientId = (form.get("client_id") ?? "").toLowerCase();
  const base = { tenantId: t.id, appid: clientId };
  if (grantType !== "client_credentials") {
    return {
      ...base,
      response: aadError(
        400,
        "unsupported_grant_type",
        70003,
        `The app requested an unsupported grant type '${grantType}'. The emulator implements client_credentials only.`,
      ),
    };
  }
  const app = t.apps.get(clientId);
  if (!app) {
    return {
      ...base,
      response: aadError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${t.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      ),
    };
  }
  const scopes = (form.get("scope") ?? "")
    .split(/\s+/)
    .filter((s) => s && !["openid", "profile", "offline_access", "email"].includes(s));
  const resourceScope = scopes.find((s) => s.endsWith("/.default"));
  if (!resourceScope || scopes.length !== 1) {
    return {
      ...base,
      response: aadError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scopes.join(" ")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      ),
    };
  }
  const resource = resourceScope.slice(0, -"/.default".length).replace(/\/$/, "");
  if (resource.toLowerCase() !== GRAPH_RESOURCE && resource.toLowerCase() !== GRAPH_APP_ID) {
    return {
      ...base,
      response: aadError(
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${t.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      ),
    };
  }

  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  let appidacr: "1" | "2";
  if (secret !== null) {
    const ok = app.secrets.some(
      (s) => s.length === secret.length && crypto.timingSafeEqual(Buffer.from(s), Buffer.from(secret)),
    );
    if (!ok) {
      return {
        ...base,
        response: aadError(
          401,
          "invalid_client",
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        ),
      };
    }
    appidacr = "1";
  } else if (assertion !== null) {
    if (form.get("client_assertion_type") !== JWT_BEARER) {
      return {
        ...base,
        response: aadError(
          400,
          "invalid_request",
          900144,
          "The request body must contain the following parameter: 'client_assertion_type'.",
        ),
      };
    }
    const jwt = decodeJwt(assertion);
    if (!jwt)
      return {
        ...base,
        response: aadError(401, "invalid_client", 50027, "JWT token is invalid or malformed."),
      };
    const iss = String(jwt.payload["iss"] ?? "").toLowerCase();
    const problem =
      iss === app.clientId
        ? verifyCertificateAssertion(env, t, tenantSegment, app, jwt)
        : verifyFederatedAssertion(env, app, jwt);
    if (problem) return { ...base, response: problem };
    appidacr = "2";
  } else {
    return {
      ...base,
      response: aadError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      ),
    };
  }

  const now = Math.floor(Date.now() / 1000);
  const lifetime = t.tokenLifetimeSeconds;
  const payload: Record<string, unknown> = {
    aud: GRAPH_RESOURCE,
    iss: `https://sts.windows.net/${t.id}/`,
    iat: now,
    nbf: now,
    exp: now + lifetime,
    aio: crypto.randomBytes(12).toString("base64url"),
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr,
    idp: `https://sts.windows.net/${t.id}/`,
    idtyp: "app",
    oid: app.servicePrincipalId,
    rh: "0.emulator",
    sub: app.servicePrincipalId,
    tenant_region_scope: "EU",
    tid: t.id,
    uti: crypto.randomBytes(16).toString("base64url"),
    ver: "1.0",
  };
  // Entra omits the roles claim when the app holds no application permission.
  if (app.roles.length > 0) payload["roles"] = [...app.roles];
  const accessToken = signJwt(
    { typ: "JWT", alg: "RS256", kid: env.signingKey.kid, x5t: env.signingKey.kid },
    payload,
    env.signingKey.privateKey,
  );
  return {
    ...base,
    response: json(
      200,
      { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
      { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
    ),
  };
}

export interface VerifiedToken {
  tenantId: string;
  appid: string;
  roles: string[];
  appOnly: boolean;
}

/**
 * Validates a Graph bearer token: the emulator's signature, audience Graph, lifetime (with
 * `clockSkewSeconds`), an existing tenant. Returns the reason as Graph words it otherwise.
 */
export function verifyAccessToken(env: OAuthEnv, token: string): VerifiedToken | { error: string } {
  const jwt = decodeJwt(token);
  if (!jwt) return { error: "CompactToken parsing failed with error code: 80049217" };
  if (jwt.header["kid"] !== env.signingKey.kid || !verifyJwtSignature(jwt, env.signingKey.publicKey)) {
    return { error: "Access token validation failure." };
  }
  const aud = jwt.payload["aud"];
  if (aud !== GRAPH_RESOURCE && aud !== `${GRAPH_RESOURCE}/` && aud !== GRAPH_APP_ID) {
    return { error: "Access token validation failure. Invalid audience." };
  }
  const now = Date.now() / 1000;
  const exp = numericClaim(jwt.payload, "exp") ?? 0;
  const nbf = numericClaim(jwt.payload, "nbf") ?? 0;
  if (now >= exp + env.clockSkewSeconds || nbf - env.clockSkewSeconds > now) {
    return { error: "Lifetime validation failed, the token is expired." };
  }
  const tid = String(jwt.payload["tid"] ?? "");
  if (!env.store.tenants.has(tid)) return { error: "Access token validation failure." };
  const roles = Array.isArray(jwt.payload["roles"])
    ? (jwt.payload["roles"] as unknown[]).filter((r): r is string => typeof r === "string")
    : [];
  return {
    tenantId: tid,
    appid: String(jwt.payload["appid"] ?? ""),
    roles,
    appOnly: jwt.payload["idtyp"] === "app",
  };
}

/** `tid` of a bearer token without verifying it (for fault matching and the request log). */
export function peekTenant(authorization: string | undefined): { tenantId?: string; appid?: string } {
  if (!authorization?.startsWith("Bearer ")) return {};
  const jwt = decodeJwt(authorization.slice(7).trim());
  if (!jwt) return {};
  const out: { tenantId?: string; appid?: string } = {};
  if (typeof jwt.payload["tid"] === "string") out.tenantId = jwt.payload["tid"];
  if (typeof jwt.payload["appid"] === "string") out.appid = jwt.payload["appid"];
  return out;
}
