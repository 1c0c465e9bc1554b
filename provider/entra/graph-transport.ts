/**
 * The only code that holds the Graph client: one client (and token cache) per provider process, and
 * the three ways the adapter talks to Graph, all taking encoded `GraphPath`s (odata-query.ts):
 * `send` (one request, transient failures retried for idempotent calls, errors mapped),
 * `list` (a collection, following @odata.nextLink) and `batchGet` (many GETs in `$batch`es of ≤ 20,
 * items answered 429/503/504 retried after their Retry-After, which the client's RetryHandler does
 * not do for batch items).
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { EntraSettings } from "../config/settings";
import { mapGraphError } from "./graph-errors";
import { GraphPath, graphPath } from "./odata-query";

/** Documented limit of requests in one JSON batch. */
export const MAX_BATCH_REQUESTS = 20;
/** Attempts per batch item answered 429/503/504 (the first included). */
const MAX_ITEM_ATTEMPTS = 5;
/** Longest Retry-After we wait for one batch item, in seconds. */
const MAX_RETRY_AFTER_SECONDS = 120;

export interface SendOptions {
  /** What we were doing, for error messages ("read cloud user …"). Never contains secrets. */
  operation: string;
  /** Least-privileged application permission, named in a 403 message. */
  permission: string;
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to repeat: retried on dropped connections (GETs are; writes say so explicitly). */
  idempotent?: boolean;
  /** Statuses returned as `{ status }` instead of thrown (e.g. 404 for "absent", 409 for "exists"). */
  expect?: readonly number[];
}

export type SendResult<T> = { status: 200; body: T } | { status: number; body: undefined };

export interface BatchGet {
  id: string;
  path: GraphPath;
  /** Permission named when this item is refused. */
  permission: string;
  headers?: Record<string, string>;
}

interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Page {
  value?: unknown[];
  "@odata.nextLink"?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** Retry-After of a batch item in ms (seconds or an HTTP date), else exponential backoff. */
export function retryDelayMs(headers: Record<string, string> | undefined, attempt: number): number {
  const raw = headerValue(headers, "retry-after");
  let seconds = 2 ** attempt;
  if (raw !== undefined) {
    if (/^\d+$/.test(raw.trim())) seconds = Number(raw.trim());
    else {
      const at = Date.parse(raw);
      if (!Number.isNaN(at)) seconds = Math.max(0, Math.ceil((at - Date.now()) / 1000));
    }
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS) * 1000;
}

const TRANSIENT = new Set([429, 503, 504]);

export class GraphTransport {
  #client: Client | undefined;

  constructor(private readonly settings: EntraSettings) {}

  #graph(): Client {
    // The Graph SDK and @azure/identity are loaded here, at the first request, not with the provider:
    // they are most of its load time, which a bulk read spends while the DC answers (cached-entra.ts).
    if (this.#client === undefined) {
      const sdk = require("./graph-client") as typeof import("./graph-client");
      this.#client = sdk.createClient(this.settings);
    }
    return this.#client;
  }

  async send<T>(path: GraphPath, options: SendOptions & { expect?: undefined }): Promise<T>;
  async send<T>(path: GraphPath, options: SendOptions): Promise<SendResult<T>>;
  async send<T>(path: GraphPath, options: SendOptions): Promise<T | SendResult<T>> {
    const method = options.method ?? "GET";
    const idempotent = options.idempotent ?? method === "GET";
    for (let attempt = 0; ; attempt++) {
      try {
        let request = this.#graph().api(path.text);
        for (const [k, v] of Object.entries(options.headers ?? {})) request = request.header(k, v);
        const body = (await (method === "GET"
          ? request.get()
          : method === "POST"
            ? request.post(options.body)
            : method === "PATCH"
              ? request.patch(options.body)
              : request.delete())) as T;
        return options.expect === undefined ? body : { status: 200, body };
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (options.expect !== undefined && status !== undefined && options.expect.includes(status))
          return { status, body: undefined };
        const mapped = mapGraphError(err, options.operation, options.permission);
        if (idempotent && mapped.name === "DirectoryUnavailableError" && attempt < 2) {
          await sleep(500 * (attempt + 1));
          continue;
        }
        throw mapped;
      }
    }
  }

  /** Every item of a collection, following @odata.nextLink on the configured Graph host only. */
  async list<T>(path: GraphPath, options: SendOptions, onPage?: (items: T[]) => void): Promise<T[]> {
    const out: T[] = [];
    let next: GraphPath | undefined = path;
    while (next !== undefined) {
      const page: Page = await this.send<Page>(next, { ...options, expect: undefined });
      const items = (page.value ?? []) as T[];
      out.push(...items);
      onPage?.(items);
      next = this.#nextOf(page, options);
    }
    return out;
  }

  #nextOf(page: Page, options: SendOptions): GraphPath | undefined {
    const link = page["@odata.nextLink"];
    if (link === undefined) return undefined;
    try {
      return GraphPath.nextLink(link, this.settings.graphBaseUrl);
    } catch (err) {
      throw mapGraphError(
        { statusCode: 502, code: "BadNextLink", message: (err as Error).message },
        options.operation,
      );
    }
  }

  /**
   * Runs GETs of collections in `$batch`es and returns every item of each (pages followed), by
   * request id. A refused item fails the whole call with its mapped error.
   */
  async batchGet<T>(operation: string, requests: readonly BatchGet[]): Promise<Map<string, T[]>> {
    const results = new Map<string, T[]>();
    for (let i = 0; i < requests.length; i += MAX_BATCH_REQUESTS) {
      const chunk = requests.slice(i, i + MAX_BATCH_REQUESTS);
      const answered = await this.#runBatch(operation, chunk);
      for (const req of chunk) {
        const res = answered.get(req.id);
        const options: SendOptions = { operation, permission: req.permission };
        if (res === undefined || res.status < 200 || res.status >= 300) {
          const error = (res?.body as { error?: { code?: string; message?: string } } | undefined)?.error;
          throw mapGraphError(
            {
              statusCode: res?.status ?? 502,
              code: error?.code ?? "",
              message: error?.message ?? "no response",
            },
            operation,
            req.permission,
          );
        }
        const page = (res.body ?? {}) as Page;
        const items = [...((page.value ?? []) as T[])];
        const next = this.#nextOf(page, options);
        if (next !== undefined) items.push(...(await this.list<T>(next, options)));
        results.set(req.id, items);
      }
    }
    return results;
  }

  /** One batch of ≤ 20 items; items answered 429/503/504 are sent again after their Retry-After. */
  async #runBatch(operation: string, chunk: readonly BatchGet[]): Promise<Map<string, BatchItemResponse>> {
    const answered = new Map<string, BatchItemResponse>();
    let pending = [...chunk];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const body = {
        requests: pending.map((r) => ({
          id: r.id,
          method: "GET",
          url: r.path.text,
          ...(r.headers ? { headers: r.headers } : {}),
        })),
      };
      const res = await this.send<{ responses?: BatchItemResponse[] }>(graphPath`/$batch`, {
        operation,
        permission: pending[0]?.permission ?? "User.Read.All",
        method: "POST",
        body,
        idempotent: true,
        expect: undefined,
      });
      const byId = new Map((res.responses ?? []).map((r) => [String(r.id), r]));
      const retry: BatchGet[] = [];
      let waitMs = 0;
      for (const req of pending) {
        const r = byId.get(req.id);
        if (r !== undefined && TRANSIENT.has(r.status) && attempt + 1 < MAX_ITEM_ATTEMPTS) {
          retry.push(req);
          waitMs = Math.max(waitMs, retryDelayMs(r.headers, attempt));
        } else if (r !== undefined) answered.set(req.id, r);
      }
      pending = retry;
      if (pending.length > 0) await sleep(waitMs);
    }
    return answered;
  }
}
