/**
 * The OData query options every directory-object collection shares: $select, $filter (checked
 * against the resource's documented filter capabilities), $top, $count/ConsistencyLevel and
 * $skiptoken paging. One implementation for /users, /groups, /contacts and /directory/deletedItems.
 *
 * Query values arrive already decoded the way Graph decodes them: the server parses the query with
 * URLSearchParams (application/x-www-form-urlencoded), so `%2B` is a plus, a raw `+` is a space and
 * `%27` is an apostrophe that is then part of the OData text (so `'%27'` sent encoded as
 * `%27%2527%27` stays the three characters `%27` inside the literal). Unbalanced quotes are a
 * syntax error (odata.ts).
 */
import { createHash } from "node:crypto";
import type { GraphContext } from "./context";
import { fail, unknownProperty } from "./errors";
import { type FilterExpr, FilterSyntaxError, parseFilter } from "./odata";

export type FilterOp = "eq" | "in" | "startsWith" | "endsWith" | "ge" | "le" | "ne" | "not" | "null";

export interface Capability {
  byDefault: FilterOp[];
  advanced: FilterOp[];
}

/** What the query layer needs to know of one resource type. */
export interface ResourceSchema {
  /** Resource name as Graph's messages spell it ("User", "Group", "OrgContact"). */
  resourceName: string;
  /** OData type name after "microsoft.graph." ("user", "group", "orgContact"). */
  typeName: string;
  /** Canonical property name for a case-insensitive one, or undefined when the type has no such property. */
  canonical(name: string): string | undefined;
  filterable: Record<string, Capability>;
  /** Collections filterable with any(): element operators. */
  lambdaFilterable: Record<string, Capability>;
}

/** Builds the case-insensitive property lookup of a schema. */
export function canonicalizer(properties: readonly string[]): (name: string) => string | undefined {
  const map = new Map<string, string>(properties.map((p) => [p.toLowerCase(), p]));
  return (name) => map.get(name.toLowerCase());
}

/** Parses $select; unknown names → 400 like the OData layer. Graph returns exactly the selected properties. */
export function parseSelectFor(ctx: GraphContext, schema: ResourceSchema): string[] | undefined {
  const raw = ctx.query.get("$select");
  if (raw === null || raw.trim() === "") return undefined;
  const out: string[] = [];
  for (const part of raw.split(",")) {
    const name = part.trim();
    if (!name) continue;
    const canonical = schema.canonical(name);
    if (!canonical) unknownProperty(ctx.ids, name, schema.typeName);
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

interface FilterCheck {
  /** Operators used that need ConsistencyLevel: eventual + $count=true. */
  advancedOps: string[];
}

function unsupportedClause(ctx: GraphContext, schema: ResourceSchema, prop: string): never {
  return fail(
    ctx.ids,
    400,
    "Request_UnsupportedQuery",
    `Unsupported or invalid query filter clause specified for property '${prop}' of resource '${schema.resourceName}'.`,
  );
}

function checkOp(
  ctx: GraphContext,
  schema: ResourceSchema,
  cap: Capability | undefined,
  prop: string,
  op: FilterOp,
  check: FilterCheck,
  label: string,
): void {
  if (!cap) unsupportedClause(ctx, schema, prop);
  if (cap.byDefault.includes(op)) return;
  if (cap.advanced.includes(op)) {
    check.advancedOps.push(label);
    return;
  }
  unsupportedClause(ctx, schema, prop);
}

function resolveProp(ctx: GraphContext, schema: ResourceSchema, path: string[]): string {
  const name = path.join("/");
  const canonical = path.length === 1 ? schema.canonical(name) : undefined;
  if (!canonical) unknownProperty(ctx.ids, name, schema.typeName);
  return canonical;
}

function opOf(e: Extract<FilterExpr, { kind: "cmp" | "in" | "fn" }>): FilterOp {
  if (e.kind === "in") return "in";
  if (e.kind === "fn") return e.fn === "startswith" ? "startsWith" : "endsWith";
  if (e.op === "ne") return "ne";
  if (e.value === null) return "null";
  if (e.op === "eq") return "eq";
  return e.op === "ge" || e.op === "gt" ? "ge" : "le";
}

function checkFilter(
  ctx: GraphContext,
  schema: ResourceSchema,
  e: FilterExpr,
  check: FilterCheck,
  lambdaVar?: { name: string; prop: string },
): void {
  switch (e.kind) {
    case "and":
    case "or":
      checkFilter(ctx, schema, e.left, check, lambdaVar);
      checkFilter(ctx, schema, e.right, check, lambdaVar);
      return;
    case "not":
      check.advancedOps.push("not");
      checkFilter(ctx, schema, e.expr, check, lambdaVar);
      return;
    case "cmp":
    case "in":
    case "fn": {
      const op = opOf(e);
      const label = op === "null" ? "eq null" : op;
      if (lambdaVar !== undefined && e.path.length === 1 && e.path[0] === lambdaVar.name) {
        checkOp(ctx, schema, schema.lambdaFilterable[lambdaVar.prop], lambdaVar.prop, op, check, label);
        return;
      }
      const prop = resolveProp(ctx, schema, e.path);
      checkOp(ctx, schema, schema.filterable[prop], prop, op, check, label);
      return;
    }
    case "lambda": {
      const prop = resolveProp(ctx, schema, e.path);
      if (!schema.lambdaFilterable[prop]) unsupportedClause(ctx, schema, prop);
      checkFilter(ctx, schema, e.body, check, { name: e.variable, prop });
      return;
    }
  }
}

function advancedParamsMissing(ctx: GraphContext, op: string): never {
  // Quoted from aad-advanced-queries.md ("Operator 'endsWith' is not supported because ...").
  return fail(
    ctx.ids,
    400,
    "Request_UnsupportedQuery",
    `Operator '${op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
  );
}

export function isAdvanced(ctx: GraphContext): boolean {
  return (
    (ctx.headers["consistencylevel"] ?? "").toLowerCase() === "eventual" && ctx.query.get("$count") === "true"
  );
}

/** Parses and checks $filter; undefined when absent. Syntax errors (incl. unbalanced quotes) → 400. */
export function parseFilterParam(ctx: GraphContext, schema: ResourceSchema): FilterExpr | undefined {
  const filterRaw = ctx.query.get("$filter");
  if (filterRaw === null || filterRaw.trim() === "") return undefined;
  let filter: FilterExpr;
  try {
    filter = parseFilter(filterRaw);
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      fail(ctx.ids, 400, "BadRequest", `Invalid filter clause: ${error.message}`);
    throw error;
  }
  const check: FilterCheck = { advancedOps: [] };
  checkFilter(ctx, schema, filter, check);
  const first = check.advancedOps[0];
  if (first !== undefined && !isAdvanced(ctx)) advancedParamsMissing(ctx, first);
  return filter;
}

export function parseTop(ctx: GraphContext, defaultTop: number): number {
  const raw = ctx.query.get("$top");
  if (raw === null) return defaultTop;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || n < 1 || n > 999) {
    // Wording from Microsoft Q&A 1129204 / matching-rules §3.5.
    fail(
      ctx.ids,
      400,
      "Request_UnsupportedQuery",
      `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`,
    );
  }
  return n;
}

export function rejectSkip(ctx: GraphContext): void {
  if (ctx.query.has("$skip"))
    fail(ctx.ids, 400, "Request_BadRequest", "'$skip' is not supported by the service.");
}

// ---- paging -------------------------------------------------------------------------------------

function pageToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString("base64url");
}

function readPageToken(ctx: GraphContext, token: string, fingerprint: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      o?: unknown;
      f?: unknown;
    };
    if (
      typeof parsed.o === "number" &&
      Number.isInteger(parsed.o) &&
      parsed.o >= 0 &&
      parsed.f === fingerprint
    )
      return parsed.o;
  } catch {
    // fall through
  }
  return fail(
    ctx.ids,
    400,
    "Directory_ExpiredPageToken",
    "The specified page token value has expired and can no longer be included in your request.",
  );
}

/**
 * One page of `items` as a Graph collection body: @odata.context, @odata.count (advanced queries),
 * @odata.nextLink (with an opaque $skiptoken bound to the query) and `value`.
 */
export function pageBody<T>(
  ctx: GraphContext,
  options: {
    items: T[];
    top: number;
    /** The collection's path after /v1.0/, e.g. "users" or "directory/deletedItems/microsoft.graph.user". */
    path: string;
    /** @odata.context fragment. */
    context: string;
    serialize: (item: T) => Record<string, unknown>;
  },
): Record<string, unknown> {
  const { items, top } = options;
  const fingerprint = createHash("sha256")
    .update(
      [
        ctx.tenant.id,
        options.path,
        ctx.query.get("$filter") ?? "",
        ctx.query.get("$search") ?? "",
        ctx.query.get("$orderby") ?? "",
      ].join("\u0000"),
    )
    .digest("hex")
    .slice(0, 16);
  const skiptoken = ctx.query.get("$skiptoken");
  const offset = skiptoken === null ? 0 : readPageToken(ctx, skiptoken, fingerprint);
  const page = items.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#${options.context}`,
  };
  if (isAdvanced(ctx)) body["@odata.count"] = items.length;
  if (offset + top < items.length) {
    const next = new URLSearchParams();
    for (const [k, v] of ctx.query) if (k !== "$skiptoken") next.append(k, v);
    next.set("$skiptoken", pageToken(offset + top, fingerprint));
    body["@odata.nextLink"] = `${ctx.baseUrl}/v1.0/${options.path}?${next.toString().replace(/\+/g, "%20")}`;
  }
  body["value"] = page.map(options.serialize);
  return body;
}

export function responseHeaders(ctx: GraphContext): Record<string, string> {
  return { "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId };
}
