/**
 * Test plumbing: an emulator (the run's shared one from AEL_TEST_ENV, else one in this process),
 * a fresh tenant per test file, and the real clients configured the way the provider will be.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { after, before } from "node:test";
import { EmulatorControl } from "../emulator/control-client";
import type { TenantSeed } from "../emulator/model";
import { contosoTenantSeed } from "../emulator/seeds";
import { createEmulator } from "../emulator/server";
import type { CreatedApp, TenantCreated } from "../emulator/store";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export interface TestEmulator {
  baseUrl: string;
  caCertPem: string;
  control: EmulatorControl;
  close(): Promise<void>;
}

export async function startTestEmulator(): Promise<TestEmulator> {
  const envFile = process.env["AEL_TEST_ENV"];
  if (envFile !== undefined) {
    const env = JSON.parse(fs.readFileSync(envFile, "utf8")) as {
      emulator: { baseUrl: string; caCertPath: string };
    };
    const caCertPem = fs.readFileSync(env.emulator.caCertPath, "utf8");
    const control = new EmulatorControl({ baseUrl: env.emulator.baseUrl, caCertPem });
    return { baseUrl: env.emulator.baseUrl, caCertPem, control, close: async () => control.close() };
  }
  const emulator = await createEmulator();
  const control = new EmulatorControl({ baseUrl: emulator.baseUrl, caCertPem: emulator.caCertPem });
  return {
    baseUrl: emulator.baseUrl,
    caCertPem: emulator.caCertPem,
    control,
    close: async () => {
      control.close();
      await emulator.close();
    },
  };
}

/** A Contoso tenant with a random id, so test files sharing one emulator never see each other. */
export function createContosoTenant(
  emu: TestEmulator,
  patch: Partial<TenantSeed> = {},
): Promise<TenantCreated> {
  return emu.control.createTenant({ ...contosoTenantSeed({ tenantId: randomUUID() }), ...patch });
}

/** What a test file working on one fresh Contoso tenant uses; the fields are set by the `before` hook. */
export interface TenantFixture {
  emu: TestEmulator;
  tenant: TenantCreated;
  /** Graph as the provider's app (client secret) sees it; no token is fetched until first use. */
  graph: Client;
}

/**
 * The setup every emulator test file shares: before its tests, the emulator, a fresh Contoso tenant
 * (seed changed by `patch`) and the provider app's Graph client, then `prepare` (extra roles, users,
 * a warm token); after them, the tenant is deleted and the emulator closed. `tenantMayBeGone`: a
 * test deletes the tenant itself. Read the returned fixture's fields inside hooks and tests only.
 */
export function useContosoTenant(
  options: { patch?: Partial<TenantSeed>; prepare?: () => Promise<unknown>; tenantMayBeGone?: boolean } = {},
): TenantFixture {
  const fixture = {} as TenantFixture;
  let ready = false;
  before(async () => {
    fixture.emu = await startTestEmulator();
    fixture.tenant = await createContosoTenant(fixture.emu, options.patch);
    fixture.graph = graphClient(fixture.emu, secretCredential(fixture.emu, fixture.tenant));
    ready = true;
    await options.prepare?.();
  });
  after(async () => {
    if (!ready) return;
    const deleted = fixture.emu.control.deleteTenant(fixture.tenant.tenantId);
    await (options.tenantMayBeGone ? deleted.catch(() => undefined) : deleted);
    await fixture.emu.close();
  });
  return fixture;
}

export function app(tenant: TenantCreated, displayName: string): CreatedApp {
  const found = tenant.apps.find((a) => a.displayName === displayName);
  if (!found) throw new Error(`no app ${displayName} in tenant ${tenant.tenantId}`);
  return found;
}

export const SECRET_APP = "ad-entra-link (secret)";
export const CERT_APP = "ad-entra-link (certificate)";
export const OIDC_APP = "ad-entra-link (GitHub OIDC)";
export const READER_APP = "read-only reporter";

/**
 * What @azure/identity needs to talk to the emulator: the emulator as authority host, and no
 * instance discovery (MSAL would otherwise call https://login.microsoftonline.com/common/discovery/instance).
 * The CA is trusted through NODE_EXTRA_CA_CERTS (trust-bootstrap.ts), as the provider's would be.
 */
export function identityOptions(emu: TestEmulator): {
  authorityHost: string;
  disableInstanceDiscovery: true;
} {
  return { authorityHost: emu.baseUrl, disableInstanceDiscovery: true };
}

export function secretCredential(
  emu: TestEmulator,
  tenant: TenantCreated,
  displayName = SECRET_APP,
): ClientSecretCredential {
  const a = app(tenant, displayName);
  if (a.secret === undefined) throw new Error(`${displayName} has no secret`);
  return new ClientSecretCredential(tenant.tenantId, a.clientId, a.secret, identityOptions(emu));
}

/**
 * The Graph client as the provider builds it. `customHosts` takes host names WITHOUT port: the
 * client strips the port before comparing, and sends no token to hosts it does not know.
 */
export function graphClient(
  emu: TestEmulator,
  credential: TokenCredential,
  options: { customHosts?: Set<string> | null } = {},
): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  const customHosts =
    options.customHosts === undefined ? new Set([new URL(emu.baseUrl).hostname]) : options.customHosts;
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: emu.baseUrl,
    defaultVersion: "v1.0",
    ...(customHosts === null ? {} : { customHosts }),
  });
}

/** A plain HTTPS call (trusting the emulator CA), for asserting raw status codes and headers. */
export function rawRequest(
  emu: TestEmulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.token !== undefined) headers["Authorization"] = `Bearer ${options.token}`;
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, emu.baseUrl), { method, headers, ca: emu.caCertPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = text === "" ? undefined : JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** JWT payload without verification (tests inspect claims of tokens they received). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (part === undefined) throw new Error("not a JWT");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The GraphError fields tests assert on. */
export interface GraphErrorLike {
  statusCode: number;
  code: string;
  message: string;
}

export async function graphFailure(promise: Promise<unknown>): Promise<GraphErrorLike> {
  try {
    await promise;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; message?: string };
    return { statusCode: e.statusCode ?? -1, code: e.code ?? "", message: e.message ?? "" };
  }
  throw new Error("expected the Graph call to fail, it succeeded");
}

/** The provider's application permissions (seed-scenario PROVIDER_APP_ROLES). */
export { PROVIDER_APP_ROLES as PROVIDER_ROLES } from "../fixtures/seed-scenario";
