/**
 * POST /v1.0/$batch (concepts/json-batching.md): up to 20 requests; `id` unique (case-insensitive);
 * `headers` required with a `body` (must contain Content-Type); `dependsOn` orders requests and a
 * failed dependency makes the dependent fail with 424; the batch itself is 200 when parseable, 400
 * when malformed; responses may come in any order (the emulator returns them in reverse order of
 * execution, deterministically, so clients that assume request order fail). Items are throttled
 * individually (fault rules with `batchItem: true`).
 */
import { type EmulatorResponse, json } from "../http-util";
import { graphError, type RequestIds } from "./errors";

export const MAX_BATCH_REQUESTS = 20;

export interface BatchItemRequest {
  id: string;
  method: string;
  /** Relative URL as given, e.g. "/users?$top=1" or "users/{id}". */
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

export interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function badBatch(ids: RequestIds, message: string): EmulatorResponse {
  return graphError(ids, 400, "BadRequest", message);
}

export function parseBatch(ids: RequestIds, body: unknown): BatchItemRequest[] | EmulatorResponse {
  if (
    typeof body !== "object" ||
    body === null ||
    !Array.isArray((body as { requests?: unknown }).requests)
  ) {
    // [UNCERTAIN wording] the docs only say a malformed batch gets 400.
    return badBatch(ids, "Invalid batch payload format.");
  }
  const raw = (body as { requests: unknown[] }).requests;
  if (raw.length > MAX_BATCH_REQUESTS) {
    // Wording as reported by users (microsoftgraph-postman-collections#9); the limit is documented.
    return badBatch(ids, "Number of requests inside batch exceeds the limit.");
  }
  const items: BatchItemRequest[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    if (typeof r !== "object" || r === null) return badBatch(ids, "Invalid batch payload format.");
    const o = r as Record<string, unknown>;
    const id = o["id"];
    const method = o["method"];
    const url = o["url"];
    if (typeof id !== "string" || id === "" || typeof method !== "string" || typeof url !== "string") {
      return badBatch(ids, "Invalid batch payload format: each request needs string id, method and url.");
    }
    if (seen.has(id.toLowerCase()))
      return badBatch(ids, `Batch request contains duplicate request id '${id}'.`);
    seen.add(id.toLowerCase());
    const headersIn = o["headers"];
    const headers: Record<string, string> = {};
    if (typeof headersIn === "object" && headersIn !== null) {
      for (const [k, v] of Object.entries(headersIn as Record<string, unknown>))
        headers[k.toLowerCase()] = String(v);
    }
    const dependsOnRaw = o["dependsOn"];
    const dependsOn = Array.isArray(dependsOnRaw) ? dependsOnRaw.map(String) : [];
    items.push({ id, method: method.toUpperCase(), url, headers, body: o["body"], dependsOn });
  }
  const known = new Set(items.map((i) => i.id.toLowerCase()));
  for (const item of items) {
    for (const dep of item.dependsOn) {
      if (!known.has(dep.toLowerCase()))
        return badBatch(ids, `Request '${item.id}' depends on unknown request id '${dep}'.`);
    }
  }
  return items;
}

/** Runs items in dependency order; `exec` answers one item (routing, auth reuse, faults, logging). */
export async function runBatch(
  ids: RequestIds,
  items: BatchItemRequest[],
  exec: (item: BatchItemRequest) => Promise<EmulatorResponse>,
): Promise<EmulatorResponse> {
  const results = new Map<string, BatchItemResponse>();
  const order: string[] = [];
  const pending = [...items];
  while (pending.length > 0) {
    const idx = pending.findIndex((i) => i.dependsOn.every((d) => results.has(d.toLowerCase())));
    if (idx < 0) return badBatch(ids, "Batch requests have circular dependsOn references.");
    const item = pending.splice(idx, 1)[0] as BatchItemRequest;
    const failedDep = item.dependsOn.find((d) => (results.get(d.toLowerCase())?.status ?? 0) >= 400);
    let response: BatchItemResponse;
    if (failedDep !== undefined) {
      const err = graphError(
        ids,
        424,
        "FailedDependency",
        `The request failed because request '${failedDep}' it depends on failed.`,
      );
      response = {
        id: item.id,
        status: 424,
        headers: { "Content-Type": "application/json" },
        body: err.body,
      };
    } else if (item.body !== undefined && !Object.keys(item.headers).includes("content-type")) {
      // Documented requirement: "When a body is included with the request, the headers object must contain a value for Content-Type."
      const err = graphError(
        ids,
        400,
        "BadRequest",
        "Content-Type header must be specified when the request has a body.",
      );
      response = {
        id: item.id,
        status: 400,
        headers: { "Content-Type": "application/json" },
        body: err.body,
      };
    } else {
      const r = await exec(item);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) {
        if (
          ["content-type", "retry-after", "location", "odata-version", "cache-control"].includes(
            k.toLowerCase(),
          )
        )
          headers[k] = v;
      }
      response = { id: item.id, status: r.status, headers };
      if (r.body !== undefined) response.body = r.rawBody ? String(r.body) : r.body;
    }
    results.set(item.id.toLowerCase(), response);
    order.push(item.id.toLowerCase());
  }
  const responses = order.reverse().map((id) => results.get(id) as BatchItemResponse);
  return json(200, { responses }, { "request-id": ids.requestId, "client-request-id": ids.clientRequestId });
}
