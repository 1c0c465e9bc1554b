/**
 * Entra connection problems are named for what they are (issue 12): an untrusted certificate is not
 * "check tenantId, clientId", an unreachable network is not a credential problem.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mapGraphError } from "../../../provider/entra/graph-errors";

/** What @azure/identity throws when the token endpoint's certificate is not trusted. */
function identityError(inner: Error & { code?: string }): Error {
  const e = new Error(
    "ClientSecretCredential authentication failed: endpoints_resolution_error: Endpoints cannot be resolved",
  );
  e.name = "AuthenticationError";
  return Object.assign(e, { cause: inner });
}

test("an untrusted TLS certificate behind the credential error is ENTRA_TLS_UNTRUSTED, naming the fix", () => {
  const inner = Object.assign(new Error("self-signed certificate in certificate chain"), {
    code: "SELF_SIGNED_CERT_IN_CHAIN",
  });
  const err = mapGraphError(identityError(inner), "read cloud user");
  assert.equal(err.name, "ConfigurationError");
  assert.equal(err.code, "ENTRA_TLS_UNTRUSTED");
  assert.match(err.message, /NODE_EXTRA_CA_CERTS/);
  assert.doesNotMatch(err.message, /Check ad-entra-link:tenantId/);
});

test("DNS and network failures are DirectoryUnavailableErrors with their own codes", () => {
  const dns = mapGraphError(
    Object.assign(new Error("getaddrinfo ENOTFOUND login.example.invalid"), { code: "ENOTFOUND" }),
    "get token",
  );
  assert.equal(dns.name, "DirectoryUnavailableError");
  assert.equal(dns.code, "ENTRA_DNS");
  assert.doesNotMatch(
    dns.message,
    /login\.example\.invalid/,
    "the host from the library message is not echoed",
  );
  const refused = mapGraphError(
    { errors: [Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" })] },
    "list users",
  );
  assert.equal(refused.code, "ENTRA_UNREACHABLE");
});

test("a proxy refusing the tunnel is ENTRA_PROXY", () => {
  const err = mapGraphError(
    new Error("tunneling socket could not be established, statusCode=407"),
    "get token",
  );
  assert.equal(err.code, "ENTRA_PROXY");
});

test("an HTTP answer is never taken for a connection problem; a plain credential error stays one", () => {
  const forbidden = mapGraphError(
    { statusCode: 403, code: "Authorization_RequestDenied", message: "ECONNRESET in some text" },
    "read users",
    "User.Read.All",
  );
  assert.equal(forbidden.code, "ENTRA_PERMISSION_DENIED");
  const wrongSecret = new Error("AADSTS7000215: Invalid client secret provided.");
  wrongSecret.name = "AuthenticationError";
  assert.equal(mapGraphError(wrongSecret, "get token").code, "ENTRA_AUTHENTICATION_FAILED");
});
