/** Small HTTP helpers shared by the emulator's OAuth, Graph and control handlers. */
import { randomUUID } from "node:crypto";
import type * as http from "node:http";

/** A response produced by a handler; the server writes it (or a batch embeds it). */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON value (serialized by the server), a pre-serialized string, or undefined for no body. */
  body?: unknown;
  /** When true, `body` is a string written as-is. */
  rawBody?: boolean;
}

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Lower-cased header map with single string values. */
export function headerMap(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers }, body };
}

export function noContent(headers: Record<string, string> = {}): EmulatorResponse {
  return { status: 204, headers };
}

export function writeResponse(res: http.ServerResponse, r: EmulatorResponse): void {
  let payload: string | undefined;
  if (r.body !== undefined) payload = r.rawBody ? String(r.body) : JSON.stringify(r.body);
  const headers: Record<string, string | number> = { ...r.headers };
  if (payload !== undefined) headers["Content-Length"] = Buffer.byteLength(payload);
  else if (r.status !== 204 && r.status !== 304) headers["Content-Length"] = 0;
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** Date in the "2021-05-18T19:03:10" form Graph puts in `innerError.date`. */
export function graphDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 19);
}

export function newRequestId(): string {
  return randomUUID();
}

export class HttpError extends Error {
  constructor(
    readonly response: EmulatorResponse,
    message?: string,
  ) {
    super(message ?? `HTTP ${response.status}`);
  }
}
