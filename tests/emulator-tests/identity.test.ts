/**
 * Token acquisition through the real @azure/identity credentials against the emulator's token
 * endpoints: client secret, certificate (client assertion), workload identity (federated assertion),
 * renewal with short lifetimes, and the AADSTS errors the library surfaces.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import { signJwt } from "../emulator/jwt";
import { generateAppCertificate } from "../emulator/pki";
import {
  app,
  CERT_APP,
  createContosoTenant,
  GRAPH_SCOPE,
  graphClient,
  identityOptions,
  jwtClaims,
  OIDC_APP,
  PROVIDER_ROLES,
  rawRequest,
  SECRET_APP,
  secretCredential,
  useContosoTenant,
} from "./helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-identity-"));

const fx = useContosoTenant();

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tokenRequests(entries: { path: string; method: string }[]): number {
  return entries.filter((e) => e.method === "POST" && e.path.endsWith("/oauth2/v2.0/token")).length;
}

describe("client secret", () => {
  test("ClientSecretCredential gets a Graph token carrying the app's granted permissions", async () => {
    await fx.emu.control.clearRequests(fx.tenant.tenantId);
    const token = await secretCredential(fx.emu, fx.tenant).getToken(GRAPH_SCOPE);
    const claims = jwtClaims(token.token);
    assert.equal(claims["aud"], "https://graph.microsoft.com");
    assert.equal(claims["tid"], fx.tenant.tenantId);
    assert.equal(claims["appid"], app(fx.tenant, SECRET_APP).clientId);
    assert.deepEqual(claims["roles"], PROVIDER_ROLES);
    assert.ok(token.expiresOnTimestamp > Date.now() + 3000 * 1000, "default lifetime is about an hour");
    const log = await fx.emu.control.requests({ tenant: fx.tenant.tenantId });
    assert.deepEqual(
      log.map((e) => `${e.method} ${e.path.replace(fx.tenant.tenantId, "{tenant}")} ${e.status}`),
      ["GET /{tenant}/v2.0/.well-known/openid-configuration 200", "POST /{tenant}/oauth2/v2.0/token 200"],
    );
  });

  test("a wrong secret fails with AADSTS7000215 (401 invalid_client) as @azure/identity reports it", async () => {
    await fx.emu.control.clearRequests(fx.tenant.tenantId);
    const a = app(fx.tenant, SECRET_APP);
    const credential = new ClientSecretCredential(
      fx.tenant.tenantId,
      a.clientId,
      "not-the-secret",
      identityOptions(fx.emu),
    );
    await assert.rejects(credential.getToken(GRAPH_SCOPE), (error: Error) => {
      // @azure/identity 4.13 maps MSAL's ServerError to AuthenticationRequiredError (msal/utils.js handleMsalError).
      assert.equal(error.name, "AuthenticationRequiredError");
      assert.match(error.message, /invalid_client/);
      assert.match(error.message, /AADSTS7000215: Invalid client secret provided/);
      return true;
    });
    const log = await fx.emu.control.requests({ tenant: fx.tenant.tenantId });
    assert.deepEqual(
      log.filter((e) => e.path.endsWith("/token")).map((e) => e.status),
      [401],
    );
  });

  test("an unknown client id fails with AADSTS700016", async () => {
    const credential = new ClientSecretCredential(
      fx.tenant.tenantId,
      crypto.randomUUID(),
      "x",
      identityOptions(fx.emu),
    );
    await assert.rejects(
      credential.getToken(GRAPH_SCOPE),
      /AADSTS700016: Application with identifier '[0-9a-f-]+' was not found/,
    );
  });

  test("an unknown tenant fails at metadata discovery (AADSTS90002)", async () => {
    const a = app(fx.tenant, SECRET_APP);
    const unknown = crypto.randomUUID();
    await fx.emu.control.clearRequests(unknown);
    const credential = new ClientSecretCredential(
      unknown,
      a.clientId,
      a.secret ?? "",
      identityOptions(fx.emu),
    );
    await assert.rejects(credential.getToken(GRAPH_SCOPE), (error: Error) => {
      assert.equal(error.name, "CredentialUnavailableError");
      assert.match(error.message, /endpoints_resolution_error|openid/i);
      return true;
    });
    const log = await fx.emu.control.requests({ tenant: unknown });
    assert.ok(
      log.length >= 1 && log.every((e) => e.status === 400 && e.path.endsWith("/openid-configuration")),
    );
  });

  test("tokens are cached until near expiry: one token request for several Graph calls", async () => {
    const t = await createContosoTenant(fx.emu);
    try {
      const client = graphClient(fx.emu, secretCredential(fx.emu, t));
      await client.api("/organization").get();
      await client.api("/domains").get();
      const log = await fx.emu.control.requests({ tenant: t.tenantId });
      assert.equal(tokenRequests(log), 1);
      assert.equal(log.filter((e) => e.kind === "graph" && e.status === 200).length, 2);
    } finally {
      await fx.emu.control.deleteTenant(t.tenantId);
    }
  });

  test("with a short token lifetime the credential renews: a second token request, both Graph calls succeed", async () => {
    const t = await createContosoTenant(fx.emu, { tokenLifetimeSeconds: 2 });
    try {
      const client = graphClient(fx.emu, secretCredential(fx.emu, t));
      await client.api("/organization").get();
      await sleep(2100);
      await client.api("/organization").get();
      const log = await fx.emu.control.requests({ tenant: t.tenantId });
      assert.equal(tokenRequests(log), 2);
      assert.deepEqual(
        log.filter((e) => e.kind === "graph").map((e) => e.status),
        [200, 200],
      );
    } finally {
      await fx.emu.control.deleteTenant(t.tenantId);
    }
  });

  test("an expired token is refused by Graph with 401 InvalidAuthenticationToken", async () => {
    const t = await createContosoTenant(fx.emu, { tokenLifetimeSeconds: 3 });
    try {
      const token = await secretCredential(fx.emu, t).getToken(GRAPH_SCOPE);
      assert.equal(
        (await rawRequest(fx.emu, "GET", "/v1.0/organization", { token: token.token })).status,
        200,
      );
      await sleep(3100); // exp = issue second + 3
      const r = await rawRequest(fx.emu, "GET", "/v1.0/organization", { token: token.token });
      assert.equal(r.status, 401);
      const body = r.body as { error: { code: string; message: string } };
      assert.equal(body.error.code, "InvalidAuthenticationToken");
      assert.equal(body.error.message, "Lifetime validation failed, the token is expired.");
    } finally {
      await fx.emu.control.deleteTenant(t.tenantId);
    }
  });
});

describe("certificate", () => {
  test("ClientCertificateCredential signs a client assertion the emulator verifies", async () => {
    const a = app(fx.tenant, CERT_APP);
    assert.ok(
      a.certificatePem && a.privateKeyPem,
      "the seed result exposes the generated certificate and key",
    );
    await fx.emu.control.clearRequests(fx.tenant.tenantId);
    const credential = new ClientCertificateCredential(
      fx.tenant.tenantId,
      a.clientId,
      { certificate: `${a.certificatePem}\n${a.privateKeyPem}` },
      identityOptions(fx.emu),
    );
    const token = await credential.getToken(GRAPH_SCOPE);
    const claims = jwtClaims(token.token);
    assert.equal(claims["appid"], a.clientId);
    assert.equal(claims["appidacr"], "2");
  });

  test("a certificate not registered on the app fails with AADSTS700027", async () => {
    const a = app(fx.tenant, CERT_APP);
    const other = await generateAppCertificate("not registered");
    const credential = new ClientCertificateCredential(
      fx.tenant.tenantId,
      a.clientId,
      { certificate: `${other.certificatePem}\n${other.privateKeyPem}` },
      identityOptions(fx.emu),
    );
    await assert.rejects(
      credential.getToken(GRAPH_SCOPE),
      /AADSTS700027: The certificate with identifier used to sign the client assertion is not registered/,
    );
  });
});

describe("workload identity federation", () => {
  const issuer = "https://token.actions.githubusercontent.com";
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "test-issuer-key-1";

  function writeAssertion(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const jwt = signJwt(
      { alg: "RS256", typ: "JWT", kid },
      { iss: issuer, aud: "api://AzureADTokenExchange", iat: now, nbf: now, exp: now + 300, ...claims },
      privateKey,
    );
    const file = path.join(tmp, `${crypto.randomUUID()}.jwt`);
    fs.writeFileSync(file, jwt);
    return file;
  }

  before(async () => {
    await fx.emu.control.registerFederatedIssuer(issuer, [
      { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" },
    ]);
  });

  test("WorkloadIdentityCredential exchanges an external assertion for a Graph token", async () => {
    const a = app(fx.tenant, OIDC_APP);
    const tokenFilePath = writeAssertion({ sub: a.federated?.subject });
    const credential = new WorkloadIdentityCredential({
      tenantId: fx.tenant.tenantId,
      clientId: a.clientId,
      tokenFilePath,
      ...identityOptions(fx.emu),
    });
    const token = await credential.getToken(GRAPH_SCOPE);
    assert.equal(jwtClaims(token.token)["appid"], a.clientId);
  });

  test("an assertion for another subject fails with AADSTS700213", async () => {
    const a = app(fx.tenant, OIDC_APP);
    const tokenFilePath = writeAssertion({ sub: "repo:contoso/identity:pull_request" });
    const credential = new WorkloadIdentityCredential({
      tenantId: fx.tenant.tenantId,
      clientId: a.clientId,
      tokenFilePath,
      ...identityOptions(fx.emu),
    });
    await assert.rejects(
      credential.getToken(GRAPH_SCOPE),
      /AADSTS700213: No matching federated identity record found for presented assertion subject/,
    );
  });

  test("an assertion signed by a key the issuer did not publish fails with AADSTS700027", async () => {
    const a = app(fx.tenant, OIDC_APP);
    const now = Math.floor(Date.now() / 1000);
    const stranger = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const jwt = signJwt(
      { alg: "RS256", typ: "JWT", kid },
      {
        iss: issuer,
        aud: "api://AzureADTokenExchange",
        sub: a.federated?.subject,
        iat: now,
        nbf: now,
        exp: now + 300,
      },
      stranger,
    );
    const tokenFilePath = path.join(tmp, "forged.jwt");
    fs.writeFileSync(tokenFilePath, jwt);
    const credential = new WorkloadIdentityCredential({
      tenantId: fx.tenant.tenantId,
      clientId: a.clientId,
      tokenFilePath,
      ...identityOptions(fx.emu),
    });
    await assert.rejects(
      credential.getToken(GRAPH_SCOPE),
      /AADSTS700027: Client assertion failed signature validation/,
    );
  });
});
