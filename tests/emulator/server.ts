/**
 * createEmulator: an HTTPS server on 127.0.0.1 (free port by default) serving the Microsoft identity
 * platform token endpoints per tenant, Microsoft Graph v1.0 under /v1.0, and the control API under
 * /_emulator. TLS certificate from the shared test CA (SAN 127.0.0.1 and localhost).
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestCa } from "../infra/certs";
import { type ControlEnv, handleControl } from "./control";
import {
  FaultInjector,
  type FaultRequest,
  isDropAction,
  RequestLog,
  type RequestLogEntry,
  type StatusFaultAction,
} from "./faults";
import type { GraphContext } from "./graph/context";
import { type BatchItemRequest, parseBatch, runBatch } from "./graph/batch";
import { GraphFault, graphError, type RequestIds } from "./graph/errors";
import { routeServicePrincipals } from "./cloud-sync/graph";
import { routeGraph } from "./graph/router";
import {
  type EmulatorResponse,
  headerMap,
  HttpError,
  json,
  newRequestId,
  readBody,
  writeResponse,
} from "./http-util";
import type { TenantSeed } from "./model";
import {
  aadError,
  jwks,
  type OAuthEnv,
  type OAuthResult,
  openIdConfiguration,
  peekTenant,
  tokenEndpoint,
  verifyAccessToken,
} from "./oauth";
import { ensureEmulatorServerCert, ensureSharedCa } from "./pki";
import { createSigningKey } from "./signing";
import { EmulatorStore } from "./store";

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Issue the server certificate from this CA instead of the shared test CA (see pki.ts). */
  ca?: { certPath: string; keyPath: string };
  /** Folder of the test CA when `ca` is not given. Default: `<stateDir>/pki`, else the shared CA (pki.ts). */
  pkiDir?: string;
  /** Folder for the emulator's own files (its CA and server certificate under `pki/` unless `ca`/`pkiDir`). */
  stateDir?: string;
  /** When set, control API calls must send it in `x-emulator-control-key`. */
  controlKey?: string;
  /** Tolerated clock skew when validating token lifetimes. Default 0 so expiry is observable in tests. */
  clockSkewSeconds?: number;
  /** Tenants created at start. */
  tenants?: TenantSeed[];
}

export interface Emulator {
  /** "https://127.0.0.1:<port>": authorityHost for @azure/identity and baseUrl for the Graph client. */
  baseUrl: string;
  host: string;
  port: number;
  caCertPath: string;
  caCertPem: string;
  /** The in-process directory (white-box access; a child-process emulator exposes only the control API). */
  store: EmulatorStore;
  close(): Promise<void>;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function splitPath(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((s) => s !== "")
    .map(safeDecode);
}

/** Default body of an injected fault, in the shape of the endpoint that answers. */
function faultResponse(isGraph: boolean, action: StatusFaultAction, ids: RequestIds): EmulatorResponse {
  const headers: Record<string, string> = { ...action.headers };
  if (action.retryAfterSeconds !== undefined) headers["Retry-After"] = String(action.retryAfterSeconds);
  if (action.body !== undefined) return json(action.status, action.body, headers);
  if (isGraph) {
    const [code, message] =
      action.status === 429
        ? ["TooManyRequests", "Please retry again later."] // throttling.md example
        : action.status === 503
          ? ["serviceNotAvailable", "Service unavailable. Please retry again later."]
          : action.status === 504
            ? ["GatewayTimeout", "The gateway did not receive a response within the specified time period."]
            : ["InternalServerError", "Injected fault."];
    return graphError(ids, action.status, code, message, { headers });
  }
  const r = aadError(
    action.status,
    "temporarily_unavailable",
    90024,
    "RequestBudgetExceededError - A transient error has occurred. Try again.",
  );
  return { ...r, headers: { ...r.headers, ...headers } };
}

export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const ca: TestCa = options.ca
    ? {
        certPath: options.ca.certPath,
        keyPath: options.ca.keyPath,
        certPem: fs.readFileSync(options.ca.certPath, "utf8"),
      }
    : ensureSharedCa(
        options.pkiDir ?? (options.stateDir !== undefined ? path.join(options.stateDir, "pki") : undefined),
      );
  const serverCert = ensureEmulatorServerCert(ca);
  const store = new EmulatorStore();
  const faults = new FaultInjector();
  const log = new RequestLog();
  const signingKey = createSigningKey();
  const clockSkewSeconds = options.clockSkewSeconds ?? 0;
  let baseUrl = "";
  const oauthEnv = (): OAuthEnv => ({ store, signingKey, baseUrl, clockSkewSeconds });
  const controlEnv = (): ControlEnv => ({ store, faults, log, baseUrl });

  const record = (entry: Omit<RequestLogEntry, "durationMs">, started: number): void => {
    log.push({ ...entry, durationMs: Date.now() - started });
  };

  function handleOAuth(
    method: string,
    segments: string[],
    headers: Record<string, string>,
    body: Buffer,
  ): OAuthResult {
    const [tenant = "", ...rest] = segments;
    const tail = rest.join("/");
    const env = oauthEnv();
    if (method === "GET" && tail === "v2.0/.well-known/openid-configuration")
      return openIdConfiguration(env, tenant, true);
    if (method === "GET" && tail === ".well-known/openid-configuration")
      return openIdConfiguration(env, tenant, false);
    if (method === "GET" && (tail === "discovery/v2.0/keys" || tail === "discovery/keys"))
      return jwks(env, tenant);
    if (method === "POST" && tail === "oauth2/v2.0/token") return tokenEndpoint(env, tenant, headers, body);
    return {
      response: json(404, {
        error: "not_found",
        error_description: `The emulator serves no ${method} /${segments.join("/")}`,
      }),
    };
  }

  async function handleGraph(
    req: {
      method: string;
      segments: string[];
      query: URLSearchParams;
      headers: Record<string, string>;
      body: Buffer;
    },
    ids: RequestIds,
    seq: number,
  ): Promise<{ response: EmulatorResponse; tenantId?: string; appid?: string }> {
    const auth = req.headers["authorization"];
    const unauthorized = (message: string): EmulatorResponse =>
      graphError(ids, 401, "InvalidAuthenticationToken", message, {
        headers: {
          "WWW-Authenticate": `Bearer realm="", authorization_uri="${baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
        },
      });
    if (!auth || !/^Bearer\s+\S/i.test(auth)) return { response: unauthorized("Access token is empty.") };
    const verified = verifyAccessToken(oauthEnv(), auth.replace(/^Bearer\s+/i, "").trim());
    if ("error" in verified) return { response: unauthorized(verified.error) };
    const tenant = store.getTenant(verified.tenantId);
    const who = { tenantId: tenant.id, appid: verified.appid };
    const caller = {
      tenantId: tenant.id,
      appid: verified.appid,
      roles: verified.roles,
      appOnly: verified.appOnly,
    };
    let parsedBody: unknown;
    if (req.body.length > 0) {
      try {
        parsedBody = JSON.parse(req.body.toString("utf8"));
      } catch {
        return {
          ...who,
          response: graphError(
            ids,
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
          ),
        };
      }
    }
    const [version, ...segs] = req.segments;
    const ctx: GraphContext = {
      store,
      tenant,
      caller,
      ids,
      baseUrl,
      method: req.method,
      segments: segs,
      query: req.query,
      headers: req.headers,
      body: parsedBody,
    };
    if (version !== "v1.0") {
      return {
        ...who,
        response: graphError(
          ids,
          501,
          "Emulator_NotEmulated",
          `The emulator serves Graph v1.0 only, not ${version}.`,
        ),
      };
    }
    if (segs.length === 1 && segs[0] === "$batch") {
      if (req.method !== "POST") {
        return {
          ...who,
          response: graphError(
            ids,
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
          ),
        };
      }
      const items = parseBatch(ids, parsedBody);
      if (!Array.isArray(items)) return { ...who, response: items };
      const exec = async (item: BatchItemRequest): Promise<EmulatorResponse> => {
        const started = Date.now();
        const relative = item.url.replace(/^https?:\/\/[^/]+/i, "").replace(/^\/?(v1\.0\/)?/, "");
        const url = new URL(`${baseUrl}/v1.0/${relative}`);
        const itemSegments = splitPath(url.pathname).slice(1);
        const itemIds: RequestIds = { requestId: newRequestId(), clientRequestId: ids.clientRequestId };
        const path = url.pathname;
        const query = safeDecode(url.search.slice(1));
        const entry = {
          seq: log.nextSeq(),
          timestamp: new Date(started).toISOString(),
          method: item.method,
          path,
          query,
        };
        const decision = faults.decide({
          method: item.method,
          path,
          query: url.search.slice(1),
          tenant: tenant.id,
          batchItem: true,
        });
        if (decision.delayMs > 0) await sleep(decision.delayMs);
        let response: EmulatorResponse;
        let faultRuleId: string | undefined;
        if (decision.terminal && !isDropAction(decision.terminal.action)) {
          response = faultResponse(true, decision.terminal.action, itemIds);
          faultRuleId = decision.terminal.ruleId;
        } else if (itemSegments[0] === "$batch") {
          response = graphError(itemIds, 400, "BadRequest", "Nested batch requests are not supported.");
        } else {
          response = routeGraph({
            ...ctx,
            ids: itemIds,
            method: item.method,
            segments: itemSegments,
            query: url.searchParams,
            headers: item.headers,
            body: item.body,
          });
        }
        record(
          {
            seq: entry.seq,
            timestamp: entry.timestamp,
            method: entry.method,
            path: entry.path,
            query: entry.query,
            status: response.status,
            kind: "batch-item",
            tenant: tenant.id,
            appid: verified.appid,
            batchSeq: seq,
            ...(faultRuleId ? { faultRuleId } : {}),
          },
          started,
        );
        return response;
      };
      return { ...who, response: await runBatch(ids, items, exec) };
    }
    // Cloud Sync's job routes read AD (async); everything else is synchronous.
    if (segs[0] === "servicePrincipals") return { ...who, response: await routeServicePrincipals(ctx) };
    return { ...who, response: routeGraph(ctx) };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", baseUrl);
    const segments = splitPath(url.pathname);
    const headers = headerMap(req);
    const body = await readBody(req);

    if (segments[0] === "_emulator") {
      if (options.controlKey !== undefined && headers["x-emulator-control-key"] !== options.controlKey) {
        writeResponse(
          res,
          json(401, {
            error: { code: "EmulatorControlError", message: "missing or wrong x-emulator-control-key" },
          }),
        );
        return;
      }
      let parsed: unknown;
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          writeResponse(
            res,
            json(400, { error: { code: "EmulatorControlError", message: "body is not JSON" } }),
          );
          return;
        }
      }
      writeResponse(
        res,
        await handleControl(controlEnv(), method, segments.slice(1), url.searchParams, parsed),
      );
      return;
    }

    const isGraph = segments[0] === "v1.0" || segments[0] === "beta";
    const ids: RequestIds = {
      requestId: newRequestId(),
      clientRequestId: headers["client-request-id"] ?? newRequestId(),
    };
    const peek = isGraph ? peekTenant(headers["authorization"]) : {};
    const faultTenant = isGraph ? peek.tenantId : (store.findTenant(segments[0] ?? "")?.id ?? segments[0]);
    const seq = log.nextSeq();
    const query = safeDecode(url.search.slice(1));
    const base = {
      seq,
      timestamp: new Date(started).toISOString(),
      method,
      path: url.pathname,
      query,
      kind: isGraph ? ("graph" as const) : ("oauth" as const),
    };
    const faultReq: FaultRequest = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      batchItem: false,
    };
    if (faultTenant !== undefined) faultReq.tenant = faultTenant;
    const decision = faults.decide(faultReq);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    const tenantField = faultTenant !== undefined ? { tenant: faultTenant } : {};
    const appField = peek.appid !== undefined ? { appid: peek.appid } : {};
    if (decision.terminal) {
      const { action, ruleId } = decision.terminal;
      if (isDropAction(action)) {
        record(
          { ...base, ...tenantField, ...appField, status: 0, faultRuleId: ruleId, outcome: "dropped" },
          started,
        );
        req.socket.destroy();
        return;
      }
      const r = faultResponse(isGraph, action, ids);
      record({ ...base, ...tenantField, ...appField, status: r.status, faultRuleId: ruleId }, started);
      writeResponse(res, r);
      return;
    }

    let result: { response: EmulatorResponse; tenantId?: string; appid?: string };
    if (isGraph) {
      result = await handleGraph({ method, segments, query: url.searchParams, headers, body }, ids, seq);
    } else {
      const r = handleOAuth(method, segments, headers, body);
      result = r;
    }
    const tenant = result.tenantId ?? faultTenant;
    const appid = result.appid ?? peek.appid;
    record(
      {
        ...base,
        ...(tenant !== undefined ? { tenant } : {}),
        ...(appid !== undefined ? { appid } : {}),
        status: result.response.status,
      },
      started,
    );
    writeResponse(res, result.response);
  }

  const server = https.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
      if (error instanceof GraphFault || error instanceof HttpError) {
        if (!res.headersSent) writeResponse(res, error.response);
        return;
      }
      if (!res.headersSent)
        writeResponse(res, json(500, { error: { code: "EmulatorInternalError", message } }));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://${host}:${port}`;
  for (const seed of options.tenants ?? []) await store.createTenant(seed);

  return {
    baseUrl,
    host,
    port,
    caCertPath: ca.certPath,
    caCertPem: ca.certPem,
    store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
