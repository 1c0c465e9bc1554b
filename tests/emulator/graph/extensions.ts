/**
 * Open extensions on users: /users/{id}/extensions[/{extensionId}] (list, create, get, update,
 * delete).
 *
 * Sources: opentypeextension-post-opentypeextension.md (body: `@odata.type`
 * microsoft.graph.openTypeExtension + `extensionName`; 201 with the extension; values are primitives
 * or arrays of primitives; application permission User.ReadWrite.All on users),
 * opentypeextension-get.md (by name or fully qualified name; User.Read.All), opentypeextension-update.md
 * (PATCH replaces the custom data: properties left out are deleted; 200 with the extension) and
 * extensibility-open-users.md (on directory objects the extension's `id` is its name).
 * [UNCERTAIN] Creating an extension whose name exists answers 409; the code/message below are not
 * quoted from a Microsoft page. Names are compared case-insensitively like other directory keys.
 */
import { type EmulatorResponse, json, noContent } from "../http-util";
import { type GraphContext, PERMISSIONS, requirePermission } from "./context";
import { fail, resourceNotFound } from "./errors";
import { responseHeaders } from "./query";
import { findUser } from "./users";

const OPEN_TYPE = "microsoft.graph.openTypeExtension";
const QUALIFIED_PREFIX = `${OPEN_TYPE}.`;

type Extensions = Map<string, Record<string, unknown>>;

function extensionsOf(ctx: GraphContext, userId: string, create: boolean): Extensions | undefined {
  let map = ctx.tenant.openExtensions.get(userId);
  if (map === undefined && create) {
    map = new Map();
    ctx.tenant.openExtensions.set(userId, map);
  }
  return map;
}

function findKey(map: Extensions | undefined, extensionId: string): string | undefined {
  if (!map) return undefined;
  const name = extensionId.toLowerCase().startsWith(QUALIFIED_PREFIX.toLowerCase())
    ? extensionId.slice(QUALIFIED_PREFIX.length)
    : extensionId;
  const lower = name.toLowerCase();
  return [...map.keys()].find((k) => k.toLowerCase() === lower);
}

function isPrimitive(v: unknown): boolean {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

/** Custom data of a request body; 400 unless every value is a primitive or an array of primitives. */
function customData(ctx: GraphContext): { extensionName: unknown; data: Record<string, unknown> } {
  const body = ctx.body;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    fail(ctx.ids, 400, "BadRequest", "Empty Payloads not allowed.");
  const data: Record<string, unknown> = {};
  let extensionName: unknown;
  let odataType: unknown;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === "@odata.type") odataType = v;
    else if (k === "extensionName") extensionName = v;
    else if (k === "id" || k.startsWith("@odata.")) continue;
    else {
      if (!(isPrimitive(v) || (Array.isArray(v) && v.every(isPrimitive)))) {
        fail(ctx.ids, 400, "BadRequest", `Invalid value for extension property '${k}'.`);
      }
      data[k] = Array.isArray(v) ? [...v] : v;
    }
  }
  if (
    typeof odataType !== "string" ||
    odataType.replace(/^#/, "").toLowerCase() !== OPEN_TYPE.toLowerCase()
  ) {
    // [UNCERTAIN wording] the docs only say @odata.type is required.
    fail(ctx.ids, 400, "BadRequest", `The @odata.type of an open extension must be '${OPEN_TYPE}'.`);
  }
  return { extensionName, data };
}

function view(
  ctx: GraphContext,
  userId: string,
  name: string,
  data: Record<string, unknown>,
): Record<string, unknown> {
  return {
    "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users('${userId}')/extensions/$entity`,
    "@odata.type": `#${OPEN_TYPE}`,
    extensionName: name,
    id: name,
    ...data,
  };
}

export function listExtensions(ctx: GraphContext, idOrUpn: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.userExtensionsRead);
  const user = findUser(ctx, idOrUpn);
  const map = extensionsOf(ctx, user.id, false);
  const value = [...(map?.entries() ?? [])].map(([name, data]) => {
    const { "@odata.context": _, ...rest } = view(ctx, user.id, name, data);
    return rest;
  });
  return json(
    200,
    { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users('${user.id}')/extensions`, value },
    responseHeaders(ctx),
  );
}

export function createExtension(ctx: GraphContext, idOrUpn: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.userExtensionsWrite);
  const user = findUser(ctx, idOrUpn);
  const { extensionName, data } = customData(ctx);
  if (typeof extensionName !== "string" || extensionName.trim() === "" || /[/\\?#\s]/.test(extensionName)) {
    fail(
      ctx.ids,
      400,
      "BadRequest",
      "The extensionName of an open extension is required and must be a name.",
    );
  }
  const map = extensionsOf(ctx, user.id, true) as Extensions;
  if (findKey(map, extensionName) !== undefined) {
    fail(ctx.ids, 409, "NameAlreadyExists", "An extension already exists with given id.");
  }
  map.set(extensionName, data);
  return json(201, view(ctx, user.id, extensionName, data), responseHeaders(ctx));
}

export function getExtension(ctx: GraphContext, idOrUpn: string, extensionId: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.userExtensionsRead);
  const user = findUser(ctx, idOrUpn);
  const map = extensionsOf(ctx, user.id, false);
  const key = findKey(map, extensionId);
  if (key === undefined || !map) return resourceNotFound(ctx.ids, extensionId);
  return json(200, view(ctx, user.id, key, map.get(key) ?? {}), responseHeaders(ctx));
}

export function updateExtension(ctx: GraphContext, idOrUpn: string, extensionId: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.userExtensionsWrite);
  const user = findUser(ctx, idOrUpn);
  const map = extensionsOf(ctx, user.id, false);
  const key = findKey(map, extensionId);
  if (key === undefined || !map) return resourceNotFound(ctx.ids, extensionId);
  const { data } = customData(ctx);
  // opentypeextension-update.md: properties not in the body are deleted.
  map.set(key, data);
  return json(200, view(ctx, user.id, key, data), responseHeaders(ctx));
}

export function deleteExtension(ctx: GraphContext, idOrUpn: string, extensionId: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.userExtensionsWrite);
  const user = findUser(ctx, idOrUpn);
  const map = extensionsOf(ctx, user.id, false);
  const key = findKey(map, extensionId);
  if (key === undefined || !map) return resourceNotFound(ctx.ids, extensionId);
  map.delete(key);
  if (map.size === 0) ctx.tenant.openExtensions.delete(user.id);
  return noContent(responseHeaders(ctx));
}

// ---- $expand=extensions on users -----------------------------------------------------------------
//
// Sources: user.md lists the `extensions` relationship as "Supports $expand";
// extensibility-open-users.md reads `GET /me?$select=id,displayName,mail,mobilePhone&$expand=extensions`
// and answers the user with an `extensions` array of the open extensions (each with @odata.type,
// extensionName, id and its custom data); opentypeextension-get.md adds
// `$expand=extensions($filter=id eq '{extensionId}')` with a `$select` that includes id.
// [EMULATOR LIMIT] only `extensions` can be expanded here; any other $expand is refused with 400
// rather than silently ignored.

/** What `$expand` asks of a user: undefined (nothing), or the extensions (optionally one by id). */
export interface ExtensionsExpand {
  filterId?: string;
}

export function parseExtensionsExpand(ctx: GraphContext): ExtensionsExpand | undefined {
  const raw = ctx.query.get("$expand");
  if (raw === null || raw.trim() === "") return undefined;
  const text = raw.trim();
  const filtered = /^extensions\(\s*\$filter\s*=\s*id\s+eq\s+'((?:[^']|'')*)'\s*\)$/i.exec(text);
  if (/^extensions$/i.test(text) || filtered) {
    // Reading a user's open extensions needs what GET …/extensions needs (opentypeextension-get.md).
    requirePermission(ctx, PERMISSIONS.userExtensionsRead);
    return filtered ? { filterId: (filtered[1] ?? "").replace(/''/g, "'") } : {};
  }
  const name = text.split(/[(,]/)[0]?.trim() ?? text;
  return fail(
    ctx.ids,
    400,
    "BadRequest",
    /^extensions$/i.test(name)
      ? "Only $filter=id eq '{extensionId}' is supported when expanding extensions."
      : `Could not find a navigation property named '${name}' on type 'microsoft.graph.user' that the emulator can expand.`,
  );
}

/** The `extensions` value of a user expanded with them (GET of one extension's shape, no context). */
export function expandedExtensions(
  ctx: GraphContext,
  userId: string,
  expand: ExtensionsExpand,
): Record<string, unknown>[] {
  const map = extensionsOf(ctx, userId, false);
  const only = expand.filterId === undefined ? undefined : findKey(map, expand.filterId);
  if (expand.filterId !== undefined && only === undefined) return [];
  return [...(map?.entries() ?? [])]
    .filter(([name]) => only === undefined || name === only)
    .map(([name, data]) => {
      const { "@odata.context": _, ...rest } = view(ctx, userId, name, data);
      return rest;
    });
}
