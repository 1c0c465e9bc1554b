/**
 * /users: list (with $select/$filter/$top/$count/$search/$orderby and paging), get, update.
 *
 * Sources: user resource G1 (default properties, mail/proxyAddresses rules, $filter support),
 * includes/filter-directory-objects.md, concepts/aad-advanced-queries.md (error bodies quoted below),
 * concepts/paging.md, api/user-update.md; error wording of conflicts from public reports (see README).
 */
import { type EmulatorResponse, json, noContent } from "../http-util";
import {
  type CloudUser,
  domainOf,
  isVerifiedDomain,
  proxyAddressPart,
  proxyHolders,
  proxyType,
  rolesOf,
  userByImmutableId,
  userByUpn,
} from "../model";
import { findRoleTemplate } from "../store";
import { type GraphContext, metadataUrl, PERMISSIONS, requirePermission } from "./context";
import {
  fail,
  insufficientPrivileges,
  invalidValue,
  objectConflict,
  resourceNotFound,
  unknownProperty,
} from "./errors";
import { expandedExtensions, parseExtensionsExpand } from "./extensions";
import { type EvalContext, evaluate } from "./odata";
import {
  type Capability,
  isAdvanced,
  pageBody,
  parseFilterParam,
  parseSelectFor,
  parseTop,
  type ResourceSchema,
  rejectSkip,
  responseHeaders,
} from "./query";

/** Properties of microsoft.graph.user (v1.0). Ones the emulator does not store are returned as null. */
const USER_SCHEMA = [
  "aboutMe",
  "accountEnabled",
  "ageGroup",
  "assignedLicenses",
  "assignedPlans",
  "birthday",
  "businessPhones",
  "city",
  "companyName",
  "consentProvidedForMinor",
  "country",
  "createdDateTime",
  "creationType",
  "deletedDateTime",
  "department",
  "displayName",
  "employeeHireDate",
  "employeeId",
  "employeeLeaveDateTime",
  "employeeOrgData",
  "employeeType",
  "externalUserState",
  "externalUserStateChangeDateTime",
  "faxNumber",
  "givenName",
  "hireDate",
  "id",
  "identities",
  "imAddresses",
  "interests",
  "isResourceAccount",
  "jobTitle",
  "lastPasswordChangeDateTime",
  "legalAgeGroupClassification",
  "licenseAssignmentStates",
  "mail",
  "mailboxSettings",
  "mailNickname",
  "mobilePhone",
  "mySite",
  "officeLocation",
  "onPremisesDistinguishedName",
  "onPremisesDomainName",
  "onPremisesExtensionAttributes",
  "onPremisesImmutableId",
  "onPremisesLastSyncDateTime",
  "onPremisesProvisioningErrors",
  "onPremisesSamAccountName",
  "onPremisesSecurityIdentifier",
  "onPremisesSyncEnabled",
  "onPremisesUserPrincipalName",
  "otherMails",
  "passwordPolicies",
  "passwordProfile",
  "pastProjects",
  "postalCode",
  "preferredDataLocation",
  "preferredLanguage",
  "preferredName",
  "provisionedPlans",
  "proxyAddresses",
  "responsibilities",
  "schools",
  "securityIdentifier",
  "showInAddressList",
  "signInActivity",
  "signInSessionsValidFromDateTime",
  "skills",
  "state",
  "streetAddress",
  "surname",
  "usageLocation",
  "userPrincipalName",
  "userType",
] as const;

const COLLECTIONS = new Set([
  "assignedLicenses",
  "assignedPlans",
  "businessPhones",
  "identities",
  "imAddresses",
  "interests",
  "licenseAssignmentStates",
  "otherMails",
  "pastProjects",
  "provisionedPlans",
  "proxyAddresses",
  "responsibilities",
  "schools",
  "skills",
  "onPremisesProvisioningErrors",
]);

/** Returned when no $select is given (G1: "returned by default"). Not onPremises*, not proxyAddresses. */
export const DEFAULT_USER_PROPERTIES = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

const CANONICAL = new Map<string, string>(USER_SCHEMA.map((p) => [p.toLowerCase(), p]));

export function canonicalUserProperty(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}

export function storedValue(u: CloudUser, prop: string): unknown {
  if (prop === "onPremisesProvisioningErrors") return u.onPremisesProvisioningErrors.map((e) => ({ ...e }));
  if (prop in u && prop !== "onPremisesObjectIdentifier") {
    const v = (u as unknown as Record<string, unknown>)[prop];
    return Array.isArray(v) ? [...v] : v;
  }
  return COLLECTIONS.has(prop) ? [] : null;
}

export function serializeUser(u: CloudUser, select: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of select ?? DEFAULT_USER_PROPERTIES) out[p] = storedValue(u, p);
  return out;
}

// ---- $filter capabilities (filter-directory-objects.md) -------------------------------------------

const STRING_PROP: Capability = { byDefault: ["eq", "in", "startsWith"], advanced: ["ne", "not", "null"] };
const FILTERABLE: Record<string, Capability> = {
  id: { byDefault: ["eq", "in"], advanced: ["ne", "not"] },
  userPrincipalName: { byDefault: ["eq", "in", "startsWith"], advanced: ["ne", "not", "endsWith", "null"] },
  mail: { byDefault: ["eq", "in", "startsWith"], advanced: ["ne", "not", "endsWith", "null"] },
  mailNickname: STRING_PROP,
  displayName: STRING_PROP,
  givenName: STRING_PROP,
  surname: STRING_PROP,
  jobTitle: STRING_PROP,
  employeeId: STRING_PROP,
  usageLocation: STRING_PROP,
  onPremisesSamAccountName: STRING_PROP,
  onPremisesUserPrincipalName: STRING_PROP,
  onPremisesImmutableId: { byDefault: ["eq", "in", "ge", "le"], advanced: ["ne", "not"] },
  onPremisesSyncEnabled: { byDefault: ["eq", "in"], advanced: ["ne", "not", "null"] },
  onPremisesLastSyncDateTime: { byDefault: ["eq", "in", "ge", "le"], advanced: ["ne", "not", "null"] },
  createdDateTime: { byDefault: ["eq", "in", "ge", "le"], advanced: ["ne", "not", "null"] },
  accountEnabled: { byDefault: ["eq", "in"], advanced: ["ne", "not"] },
  userType: { byDefault: ["eq", "in"], advanced: ["ne", "not", "null"] },
};
/** Collections filterable with any(): element operators. */
const LAMBDA_FILTERABLE: Record<string, Capability> = {
  proxyAddresses: { byDefault: ["eq", "startsWith"], advanced: ["endsWith", "not"] },
  otherMails: { byDefault: ["eq", "startsWith"], advanced: ["endsWith", "not"] },
  businessPhones: { byDefault: ["eq"], advanced: ["not"] },
};

/** The user resource for the shared query layer (query.ts). */
export const USER_RESOURCE: ResourceSchema = {
  resourceName: "User",
  typeName: "user",
  canonical: canonicalUserProperty,
  filterable: FILTERABLE,
  lambdaFilterable: LAMBDA_FILTERABLE,
};

/** Parses $select; unknown names → 400 like the OData layer. Graph returns exactly the selected properties. */
export function parseSelect(ctx: GraphContext): string[] | undefined {
  return parseSelectFor(ctx, USER_RESOURCE);
}

/** Evaluation context of a $filter on one user. */
export function userEvalContext(u: CloudUser): EvalContext {
  return {
    get(path, vars) {
      const head = path[0] ?? "";
      if (path.length === 1 && vars.has(head)) return vars.get(head);
      return storedValue(u, canonicalUserProperty(head) ?? head);
    },
    caseSensitive(path) {
      // Anchors are case-sensitive Base64 (E3); other directory strings compare case-insensitively.
      return canonicalUserProperty(path[0] ?? "") === "onPremisesImmutableId";
    },
  };
}

// ---- $search (directory objects: "property:token", ConsistencyLevel required) ----------------------

function matchesSearch(u: CloudUser, search: string): boolean {
  const clauses = search.split(/\s+(AND|OR)\s+/);
  let result = evalClause(u, clauses[0] ?? "");
  for (let i = 1; i + 1 < clauses.length; i += 2) {
    const next = evalClause(u, clauses[i + 1] ?? "");
    result = clauses[i] === "AND" ? result && next : result || next;
  }
  return result;
}

function evalClause(u: CloudUser, clause: string): boolean {
  const c = clause.trim().replace(/^"|"$/g, "");
  const colon = c.indexOf(":");
  if (colon < 0) return false;
  const prop = canonicalUserProperty(c.slice(0, colon));
  const term = c.slice(colon + 1).toLowerCase();
  if (!prop) return false;
  const v = storedValue(u, prop);
  const values = Array.isArray(v) ? v : [v];
  return values.some(
    (x) =>
      typeof x === "string" &&
      x
        .toLowerCase()
        .split(/[\s@._\-:]+/)
        .some((w) => w.startsWith(term)),
  );
}

// ---- handlers -----------------------------------------------------------------------------------

export function listUsers(ctx: GraphContext): EmulatorResponse {
  return listUserCollection(ctx, [...ctx.tenant.users.values()], "users", "users");
}

/**
 * A collection of users (live ones at /users, soft-deleted ones at
 * /directory/deletedItems/microsoft.graph.user, which "supports the query parameters that are
 * supported by the resource specified by the OData cast", directory-deleteditems-list.md).
 */
export function listUserCollection(
  ctx: GraphContext,
  all: CloudUser[],
  path: string,
  contextName: string,
): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.usersRead);
  rejectSkip(ctx);
  const eventual = (ctx.headers["consistencylevel"] ?? "").toLowerCase() === "eventual";
  const advanced = isAdvanced(ctx);
  const select = parseSelect(ctx);
  const top = parseTop(ctx, 100);
  const filter = parseFilterParam(ctx, USER_RESOURCE);

  const search = ctx.query.get("$search");
  if (search !== null && !eventual) {
    // Quoted from aad-advanced-queries.md.
    fail(
      ctx.ids,
      400,
      "Request_UnsupportedQuery",
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  }

  const orderbyRaw = ctx.query.get("$orderby");
  const orderby: { prop: string; desc: boolean }[] = [];
  if (orderbyRaw !== null && orderbyRaw.trim() !== "") {
    for (const part of orderbyRaw.split(",")) {
      const [name = "", dir = "asc"] = part.trim().split(/\s+/);
      const prop = canonicalUserProperty(name);
      if (!prop) unknownProperty(ctx.ids, name, "user");
      const byDefault = prop === "displayName" || prop === "userPrincipalName";
      const byAdvanced = byDefault || prop === "createdDateTime";
      // [UNCERTAIN wording] Graph rejects unsupported sorts; the exact message is not quoted in the docs read.
      if (!byAdvanced || (!byDefault && !advanced)) {
        fail(ctx.ids, 400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
      }
      orderby.push({ prop, desc: dir.toLowerCase() === "desc" });
    }
    // aad-advanced-queries.md: "Using $filter and $orderby in the same query is supported only with advanced queries."
    if ((filter !== undefined || search !== null) && !advanced) {
      fail(ctx.ids, 400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
    }
  }

  let users = all.filter((u) => {
    if (filter && !evaluate(filter, userEvalContext(u))) return false;
    return search === null || matchesSearch(u, search);
  });
  if (orderby.length > 0) {
    users = users.sort((a, b) => {
      for (const o of orderby) {
        const x = String(storedValue(a, o.prop) ?? "").toLowerCase();
        const y = String(storedValue(b, o.prop) ?? "").toLowerCase();
        if (x !== y) return (x < y ? -1 : 1) * (o.desc ? -1 : 1);
      }
      return 0;
    });
  }
  // $expand=extensions (extensions.ts) on the users collection; deleted users carry none here.
  const expand = path === "users" ? parseExtensionsExpand(ctx) : undefined;
  const body = pageBody(ctx, {
    items: users,
    top,
    path,
    context: select ? `${contextName}(${select.join(",")}${expand ? ",extensions()" : ""})` : contextName,
    serialize: (u) =>
      expand
        ? { ...serializeUser(u, select), extensions: expandedExtensions(ctx, u.id, expand) }
        : serializeUser(u, select),
  });
  return json(200, body, responseHeaders(ctx));
}

export function findUser(ctx: GraphContext, idOrUpn: string): CloudUser {
  const lower = idOrUpn.toLowerCase();
  const byId = ctx.tenant.users.get(lower);
  if (byId) return byId;
  const byUpn = userByUpn(ctx.tenant, idOrUpn);
  if (byUpn) return byUpn;
  return resourceNotFound(ctx.ids, idOrUpn);
}

export function getUser(ctx: GraphContext, idOrUpn: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.usersRead);
  const select = parseSelect(ctx);
  const expand = parseExtensionsExpand(ctx);
  const user = findUser(ctx, idOrUpn);
  return json(
    200,
    {
      "@odata.context": metadataUrl(ctx, select ? `users(${select.join(",")})/$entity` : "users/$entity"),
      ...serializeUser(user, select),
      ...(expand ? { extensions: expandedExtensions(ctx, user.id, expand) } : {}),
    },
    { "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId },
  );
}

// ---- update ---------------------------------------------------------------------------------------

/** Never writable through Graph (G1 marks them read-only; proxyAddresses changes go through mail). */
const READ_ONLY = new Set([
  "id",
  "createdDateTime",
  "proxyAddresses",
  "onPremisesSyncEnabled",
  "onPremisesLastSyncDateTime",
  "onPremisesSamAccountName",
  "onPremisesDistinguishedName",
  "onPremisesUserPrincipalName",
  "onPremisesDomainName",
  "onPremisesSecurityIdentifier",
  "onPremisesProvisioningErrors",
  "onPremisesExtensionAttributes",
  "securityIdentifier",
  "signInActivity",
  "assignedPlans",
  "provisionedPlans",
  "licenseAssignmentStates",
  "assignedLicenses",
  "lastPasswordChangeDateTime",
  "creationType",
  "deletedDateTime",
  "externalUserState",
  "externalUserStateChangeDateTime",
]);

/** Writable properties the emulator stores. */
const WRITABLE = new Set([
  "displayName",
  "givenName",
  "surname",
  "mail",
  "mailNickname",
  "userPrincipalName",
  "onPremisesImmutableId",
  "employeeId",
  "jobTitle",
  "businessPhones",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "usageLocation",
  "accountEnabled",
]);

/** Mastered on-premises once a user is synced (Entra Connect flows them); writing them → 400. */
const AD_MASTERED = new Set([
  "displayName",
  "givenName",
  "surname",
  "mail",
  "mailNickname",
  "userPrincipalName",
  "onPremisesImmutableId",
  "employeeId",
  "jobTitle",
  "businessPhones",
  "mobilePhone",
  "officeLocation",
  "accountEnabled",
]);

/** user-update.md "Who can perform sensitive actions": only higher-privileged admins may change these on admins. */
const SENSITIVE = new Set([
  "accountEnabled",
  "businessPhones",
  "mobilePhone",
  "onPremisesImmutableId",
  "userPrincipalName",
]);

const SMTP_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Username policy (concept-sspr-policy): A-Z a-z 0-9 ' . - _ ! # ^ ~, one @, no "." right before "@". */
const UPN_RE = /^[A-Za-z0-9'._!#^~-]{1,64}@[A-Za-z0-9.-]{1,48}$/;

function optionalString(ctx: GraphContext, prop: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== "string") invalidValue(ctx.ids, prop);
  return v;
}

export function updateUser(ctx: GraphContext, idOrUpn: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.usersUpdate);
  const body = ctx.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    fail(ctx.ids, 400, "BadRequest", "Empty Payloads not allowed.");
  }
  const user = findUser(ctx, idOrUpn);
  const changes = new Map<string, unknown>();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.startsWith("@odata.")) continue;
    const prop = canonicalUserProperty(key);
    if (!prop) {
      fail(
        ctx.ids,
        400,
        "Request_BadRequest",
        `Property '${key}' does not exist as a declared property or extension property.`,
      );
    }
    // Wording as returned by Graph for read-only properties (e.g. "Property 'mail' is read-only and cannot be set.").
    if (READ_ONLY.has(prop))
      fail(ctx.ids, 400, "Request_BadRequest", `Property '${prop}' is read-only and cannot be set.`);
    if (!WRITABLE.has(prop)) {
      fail(ctx.ids, 501, "Emulator_NotEmulated", `The emulator does not emulate updates of '${prop}'.`);
    }
    changes.set(prop, value);
  }

  if (user.onPremisesSyncEnabled === true && [...changes.keys()].some((p) => AD_MASTERED.has(p))) {
    // Reported by graph-docs-contrib#3564 and Microsoft Q&A 2128416 for on-prem-mastered properties.
    fail(
      ctx.ids,
      400,
      "Request_BadRequest",
      "Unable to update the specified properties for objects that have originated within an external service.",
    );
  }

  if ([...changes.keys()].some((p) => SENSITIVE.has(p))) {
    const privileged = rolesOf(ctx.tenant, user.id, "active").some(
      (r) => findRoleTemplate(r.roleDefinitionId)?.isPrivileged,
    );
    // App-only callers hold no directory role in the emulator, so they are never "higher privileged".
    if (privileged) insufficientPrivileges(ctx.ids);
  }

  const next: CloudUser = {
    ...user,
    proxyAddresses: [...user.proxyAddresses],
    businessPhones: [...user.businessPhones],
  };
  for (const [prop, value] of changes) {
    switch (prop) {
      case "onPremisesImmutableId": {
        const v = optionalString(ctx, prop, value);
        // G1 / user-update: "$" and "_" are not allowed; an empty string is rejected too (sdk-powershell#2514).
        if (v !== null && (v === "" || /[$_\s]/.test(v))) invalidValue(ctx.ids, prop);
        if (v !== null && userByImmutableId(ctx.tenant, v, user.id)) {
          // [UNCERTAIN wording] same family as the UPN/proxy conflicts; x500.co.uk quotes the older
          // "Uniqueness violation. Property: SourceAnchor" for MSOnline.
          objectConflict(ctx.ids, "onPremisesImmutableId");
        }
        next.onPremisesImmutableId = v;
        break;
      }
      case "userPrincipalName": {
        if (typeof value !== "string" || !UPN_RE.test(value) || /\.@/.test(value))
          invalidValue(ctx.ids, prop);
        if (!isVerifiedDomain(ctx.tenant, domainOf(value))) {
          fail(
            ctx.ids,
            400,
            "Request_BadRequest",
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
            {
              details: [
                {
                  code: "InvalidValue",
                  message: "The domain portion of the userPrincipalName property is invalid.",
                  target: "userPrincipalName",
                },
              ],
            },
          );
        }
        if (userByUpn(ctx.tenant, value, user.id)) objectConflict(ctx.ids, "userPrincipalName");
        next.userPrincipalName = value;
        break;
      }
      case "mail": {
        const v = optionalString(ctx, prop, value);
        if (v === null) {
          next.mail = null;
          break;
        }
        if (!SMTP_RE.test(v)) invalidValue(ctx.ids, prop);
        if (proxyHolders(ctx.tenant, v, user.id).length > 0) {
          if (ctx.tenant.behavior.mailProxyConflict === "observed") objectConflict(ctx.ids, "proxyAddresses");
          // G1: "the mail update succeeds but the new mail value isn't added to proxyAddresses".
          next.mail = v;
          break;
        }
        const lower = v.toLowerCase();
        const rest = next.proxyAddresses
          .filter(
            (p) => !(proxyType(p).toLowerCase() === "smtp" && proxyAddressPart(p).toLowerCase() === lower),
          )
          .map((p) => (proxyType(p) === "SMTP" ? `smtp:${proxyAddressPart(p)}` : p));
        next.proxyAddresses = [`SMTP:${v}`, ...rest];
        next.mail = v;
        break;
      }
      case "accountEnabled":
        if (typeof value !== "boolean") invalidValue(ctx.ids, prop);
        next.accountEnabled = value;
        break;
      case "businessPhones":
        if (!Array.isArray(value) || value.some((x) => typeof x !== "string")) invalidValue(ctx.ids, prop);
        next.businessPhones = [...(value as string[])];
        break;
      case "displayName": {
        const v = optionalString(ctx, prop, value);
        if (v === null || v.trim() === "") invalidValue(ctx.ids, prop);
        next.displayName = v;
        break;
      }
      case "mailNickname": {
        const v = optionalString(ctx, prop, value);
        if (v === null || v === "" || /[\s@]/.test(v)) invalidValue(ctx.ids, prop);
        next.mailNickname = v;
        break;
      }
      default:
        (next as unknown as Record<string, unknown>)[prop] = optionalString(ctx, prop, value);
    }
  }
  ctx.tenant.users.set(user.id, next);
  return noContent({ "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId });
}
