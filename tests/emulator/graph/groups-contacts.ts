/**
 * GET /groups and GET /contacts (organizational contacts), read-only: $filter, $select, $top,
 * $count and paging through the shared query layer (query.ts).
 *
 * Sources: group resource and orgContact resource pages (v1.0) for the properties and their $filter
 * support (mail: eq/in/startsWith by default, endsWith advanced; proxyAddresses: any() with eq and
 * startsWith by default), group-list.md and orgcontact-list.md for the permissions. proxyAddresses
 * compare case-insensitively like every directory string (the SMTP:/smtp: prefix included
 * [UNCERTAIN: no Microsoft page states whether `eq` on the prefix is case-sensitive]; clients that
 * must tell primary from secondary read the returned value).
 */
import { type EmulatorResponse, json } from "../http-util";
import type { CloudContact, CloudGroup } from "../model";
import { type GraphContext, PERMISSIONS, requirePermission } from "./context";
import { resourceNotFound } from "./errors";
import { type EvalContext, evaluate } from "./odata";
import {
  type Capability,
  canonicalizer,
  pageBody,
  parseFilterParam,
  parseSelectFor,
  parseTop,
  type ResourceSchema,
  rejectSkip,
  responseHeaders,
} from "./query";

const STRING_PROP: Capability = { byDefault: ["eq", "in", "startsWith"], advanced: ["ne", "not", "null"] };
const MAIL_PROP: Capability = {
  byDefault: ["eq", "in", "startsWith"],
  advanced: ["ne", "not", "endsWith", "null"],
};
const BOOL_PROP: Capability = { byDefault: ["eq"], advanced: ["ne", "not", "null"] };
const ID_PROP: Capability = { byDefault: ["eq", "in"], advanced: ["ne", "not"] };
const PROXY_LAMBDA: Capability = { byDefault: ["eq", "startsWith"], advanced: ["endsWith", "not"] };

/** Properties of microsoft.graph.group (v1.0) the emulator knows; unstored ones are returned as null/[]. */
const GROUP_SCHEMA = [
  "id",
  "classification",
  "createdDateTime",
  "deletedDateTime",
  "description",
  "displayName",
  "expirationDateTime",
  "groupTypes",
  "isAssignableToRole",
  "mail",
  "mailEnabled",
  "mailNickname",
  "membershipRule",
  "onPremisesDomainName",
  "onPremisesLastSyncDateTime",
  "onPremisesNetBiosName",
  "onPremisesSamAccountName",
  "onPremisesSecurityIdentifier",
  "onPremisesSyncEnabled",
  "preferredDataLocation",
  "proxyAddresses",
  "renewedDateTime",
  "securityEnabled",
  "securityIdentifier",
  "visibility",
] as const;

/** Returned without $select (group-list.md example response). */
const GROUP_DEFAULT = GROUP_SCHEMA.filter((p) => p !== "isAssignableToRole");

const CONTACT_SCHEMA = [
  "id",
  "addresses",
  "companyName",
  "deletedDateTime",
  "department",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mailNickname",
  "onPremisesLastSyncDateTime",
  "onPremisesProvisioningErrors",
  "onPremisesSyncEnabled",
  "phones",
  "proxyAddresses",
  "surname",
] as const;

const CONTACT_DEFAULT = [...CONTACT_SCHEMA];

const COLLECTIONS = new Set([
  "groupTypes",
  "proxyAddresses",
  "addresses",
  "phones",
  "onPremisesProvisioningErrors",
]);

export const GROUP_RESOURCE: ResourceSchema = {
  resourceName: "Group",
  typeName: "group",
  canonical: canonicalizer(GROUP_SCHEMA),
  filterable: {
    id: ID_PROP,
    displayName: STRING_PROP,
    mail: MAIL_PROP,
    mailNickname: STRING_PROP,
    mailEnabled: BOOL_PROP,
    securityEnabled: BOOL_PROP,
    onPremisesSyncEnabled: BOOL_PROP,
  },
  lambdaFilterable: { proxyAddresses: PROXY_LAMBDA },
};

export const CONTACT_RESOURCE: ResourceSchema = {
  resourceName: "OrgContact",
  typeName: "orgContact",
  canonical: canonicalizer(CONTACT_SCHEMA),
  filterable: {
    id: ID_PROP,
    displayName: STRING_PROP,
    givenName: STRING_PROP,
    surname: STRING_PROP,
    mail: MAIL_PROP,
    mailNickname: STRING_PROP,
    onPremisesSyncEnabled: BOOL_PROP,
  },
  lambdaFilterable: { proxyAddresses: PROXY_LAMBDA },
};

function stored(o: CloudGroup | CloudContact, prop: string): unknown {
  if (prop in o) {
    const v = (o as unknown as Record<string, unknown>)[prop];
    return Array.isArray(v) ? [...v] : v;
  }
  return COLLECTIONS.has(prop) ? [] : null;
}

function serialize(
  o: CloudGroup | CloudContact,
  select: string[] | undefined,
  defaults: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of select ?? defaults) out[p] = stored(o, p);
  return out;
}

function evalContext(o: CloudGroup | CloudContact, schema: ResourceSchema): EvalContext {
  return {
    get(path, vars) {
      const head = path[0] ?? "";
      if (path.length === 1 && vars.has(head)) return vars.get(head);
      return stored(o, schema.canonical(head) ?? head);
    },
    caseSensitive: () => false,
  };
}

function listObjects<T extends CloudGroup | CloudContact>(
  ctx: GraphContext,
  all: T[],
  schema: ResourceSchema,
  path: string,
  defaults: readonly string[],
): EmulatorResponse {
  rejectSkip(ctx);
  const select = parseSelectFor(ctx, schema);
  const top = parseTop(ctx, 100);
  const filter = parseFilterParam(ctx, schema);
  const items = all.filter((o) => filter === undefined || evaluate(filter, evalContext(o, schema)));
  const body = pageBody(ctx, {
    items,
    top,
    path,
    context: select ? `${path}(${select.join(",")})` : path,
    serialize: (o) => serialize(o, select, defaults),
  });
  return json(200, body, responseHeaders(ctx));
}

function getObject<T extends CloudGroup | CloudContact>(
  ctx: GraphContext,
  all: Map<string, T>,
  id: string,
  schema: ResourceSchema,
  path: string,
  defaults: readonly string[],
): EmulatorResponse {
  const select = parseSelectFor(ctx, schema);
  const o = all.get(id.toLowerCase());
  if (!o) return resourceNotFound(ctx.ids, id);
  return json(
    200,
    {
      "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#${path}${select ? `(${select.join(",")})` : ""}/$entity`,
      ...serialize(o, select, defaults),
    },
    responseHeaders(ctx),
  );
}

export function listGroups(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.groupsRead);
  return listObjects(ctx, [...ctx.tenant.groups.values()], GROUP_RESOURCE, "groups", GROUP_DEFAULT);
}

export function getGroup(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.groupsRead);
  return getObject(ctx, ctx.tenant.groups, id, GROUP_RESOURCE, "groups", GROUP_DEFAULT);
}

export function listContacts(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.contactsRead);
  return listObjects(ctx, [...ctx.tenant.contacts.values()], CONTACT_RESOURCE, "contacts", CONTACT_DEFAULT);
}

export function getContact(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.contactsRead);
  return getObject(ctx, ctx.tenant.contacts, id, CONTACT_RESOURCE, "contacts", CONTACT_DEFAULT);
}
