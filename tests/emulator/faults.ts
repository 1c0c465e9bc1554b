/**
 * Fault injection and the request log.
 *
 * A fault rule matches requests (method, path, tenant, batch item or not) and, for its next `times`
 * matches, answers with a status (e.g. 429 + Retry-After, 503, 504), drops the connection, or adds
 * latency before normal processing. Rules are tried in order: every matching delay rule adds its
 * delay; the first matching status/drop rule ends the request.
 */
import { randomUUID } from "node:crypto";

export interface FaultMatch {
  /** HTTP method, case-insensitive. Default: any. */
  method?: string;
  /** Regular expression tested against the path without the query, e.g. "^/v1\\.0/users$". */
  pathRegex?: string;
  /** Regular expression tested against path + "?" + query (query as received, still encoded). */
  urlRegex?: string;
  /** Tenant id: the path tenant for OAuth endpoints, the token's `tid` for Graph. Default: any. */
  tenant?: string;
  /** true: only items inside a $batch; false: only top-level requests; default: both. */
  batchItem?: boolean;
}

export interface StatusFaultAction {
  status: number;
  /** Sent as the Retry-After header (seconds). */
  retryAfterSeconds?: number;
  /** Response body; default: an error body in the shape of the endpoint (Graph or AADSTS). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DropFaultAction {
  /** Destroy the socket without answering (connection reset). Ignored for $batch items. */
  drop: true;
}

export interface DelayFaultAction {
  delayMs: number;
}

export type FaultAction = StatusFaultAction | DropFaultAction | DelayFaultAction;

export interface FaultRule {
  id?: string;
  match: FaultMatch;
  action: FaultAction;
  /** How many matching requests the rule applies to. Default 1. */
  times?: number;
  /** Applies to every n-th matching request only (5: one in five, e.g. throttling 20%). Default 1. */
  every?: number;
}

export interface ActiveFaultRule extends FaultRule {
  id: string;
  remaining: number;
  hits: number;
  /** Matching requests seen (for `every`). */
  seen: number;
}

export interface FaultRequest {
  method: string;
  path: string;
  query: string;
  tenant?: string;
  batchItem: boolean;
}

export interface FaultDecision {
  delayMs: number;
  terminal?: { ruleId: string; action: StatusFaultAction | DropFaultAction };
}

export function isStatusAction(a: FaultAction): a is StatusFaultAction {
  return typeof (a as StatusFaultAction).status === "number";
}

export function isDropAction(a: FaultAction): a is DropFaultAction {
  return (a as DropFaultAction).drop === true;
}

export class FaultInjector {
  private rules: ActiveFaultRule[] = [];

  add(rule: FaultRule): ActiveFaultRule {
    const a = rule.action;
    if (!isStatusAction(a) && !isDropAction(a) && typeof (a as DelayFaultAction).delayMs !== "number") {
      throw new Error("fault action must be {status}, {drop: true} or {delayMs}");
    }
    if (rule.match.pathRegex !== undefined) new RegExp(rule.match.pathRegex);
    if (rule.match.urlRegex !== undefined) new RegExp(rule.match.urlRegex);
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error("fault times must be a positive integer");
    if (rule.every !== undefined && (!Number.isInteger(rule.every) || rule.every < 1))
      throw new Error("fault every must be a positive integer");
    const active: ActiveFaultRule = {
      ...rule,
      id: rule.id ?? randomUUID(),
      remaining: times,
      hits: 0,
      seen: 0,
    };
    this.rules.push(active);
    return active;
  }

  list(): ActiveFaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return before !== this.rules.length;
  }

  /** Removes all rules, or only those bound to `tenant`. */
  clear(tenant?: string): void {
    this.rules =
      tenant === undefined
        ? []
        : this.rules.filter((r) => r.match.tenant?.toLowerCase() !== tenant.toLowerCase());
  }

  decide(req: FaultRequest): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 };
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !matches(rule.match, req)) continue;
      if (isDropAction(rule.action) && req.batchItem) continue;
      rule.seen++;
      if (rule.every !== undefined && rule.seen % rule.every !== 0) continue;
      rule.remaining--;
      rule.hits++;
      if (isStatusAction(rule.action) || isDropAction(rule.action)) {
        decision.terminal = { ruleId: rule.id, action: rule.action };
        break;
      }
      decision.delayMs += (rule.action as DelayFaultAction).delayMs;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }
}

function matches(m: FaultMatch, req: FaultRequest): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (m.tenant !== undefined && m.tenant.toLowerCase() !== (req.tenant ?? "").toLowerCase()) return false;
  if (m.batchItem !== undefined && m.batchItem !== req.batchItem) return false;
  if (m.pathRegex !== undefined && !new RegExp(m.pathRegex).test(req.path)) return false;
  if (
    m.urlRegex !== undefined &&
    !new RegExp(m.urlRegex).test(req.query ? `${req.path}?${req.query}` : req.path)
  ) {
    return false;
  }
  return true;
}

export interface RequestLogEntry {
  seq: number;
  /** ISO time the request arrived. */
  timestamp: string;
  method: string;
  path: string;
  /** Decoded query string without "?" ("" when none). */
  query: string;
  status: number;
  /** "oauth" | "graph" | "batch-item"; control API calls are not logged. */
  kind: "oauth" | "graph" | "batch-item";
  tenant?: string;
  appid?: string;
  /** For batch items: seq of the $batch request. */
  batchSeq?: number;
  /** Id of the fault rule that produced the answer, if any. */
  faultRuleId?: string;
  /** "dropped" when the connection was destroyed. */
  outcome?: "dropped";
  durationMs: number;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  push(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > 100_000) this.entries.splice(0, this.entries.length - 100_000);
  }

  list(filter: { tenant?: string; sinceSeq?: number } = {}): RequestLogEntry[] {
    return this.entries
      .filter((e) => filter.tenant === undefined || e.tenant?.toLowerCase() === filter.tenant.toLowerCase())
      .filter((e) => filter.sinceSeq === undefined || e.seq > filter.sinceSeq)
      .sort((a, b) => a.seq - b.seq);
  }

  clear(tenant?: string): void {
    this.entries =
      tenant === undefined
        ? []
        : this.entries.filter((e) => e.tenant?.toLowerCase() !== tenant.toLowerCase());
  }
}
