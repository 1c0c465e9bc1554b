/** /domains, /organization and /directory/onPremisesSynchronization. */
import { type EmulatorResponse, json } from "../http-util";
import type { DomainRecord } from "../model";
import { type GraphContext, metadataUrl, PERMISSIONS, requirePermission } from "./context";
import { fail, insufficientPrivileges, resourceNotFound } from "./errors";

function headers(ctx: GraphContext): Record<string, string> {
  return { "request-id": ctx.ids.requestId, "client-request-id": ctx.ids.clientRequestId };
}

function domainJson(d: DomainRecord): Record<string, unknown> {
  return {
    authenticationType: d.authenticationType,
    availabilityStatus: null,
    id: d.id,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.isInitial,
    isRoot: true,
    isVerified: d.isVerified,
    passwordNotificationWindowInDays: null,
    passwordValidityPeriodInDays: null,
    supportedServices: d.isVerified ? ["Email", "OfficeCommunicationsOnline"] : [],
    state: null,
  };
}

export function listDomains(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.domainsRead);
  return json(
    200,
    { "@odata.context": metadataUrl(ctx, "domains"), value: ctx.tenant.domains.map(domainJson) },
    headers(ctx),
  );
}

export function getDomain(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.domainsRead);
  const d = ctx.tenant.domains.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!d) return resourceNotFound(ctx.ids, id);
  return json(200, { "@odata.context": metadataUrl(ctx, "domains/$entity"), ...domainJson(d) }, headers(ctx));
}

function organizationJson(ctx: GraphContext): Record<string, unknown> {
  const t = ctx.tenant;
  return {
    id: t.id,
    displayName: t.displayName,
    onPremisesSyncEnabled: t.organizationOnPremisesSyncEnabled,
    onPremisesLastSyncDateTime: t.organizationOnPremisesLastSyncDateTime,
    tenantType: "AAD",
    verifiedDomains: t.domains
      .filter((d) => d.isVerified)
      .map((d) => ({
        capabilities: d.isInitial ? "Email, OfficeCommunicationsOnline" : "Email",
        isDefault: d.isDefault,
        isInitial: d.isInitial,
        name: d.id,
        type: d.authenticationType,
      })),
  };
}

export function listOrganization(ctx: GraphContext): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.organizationRead);
  return json(
    200,
    { "@odata.context": metadataUrl(ctx, "organization"), value: [organizationJson(ctx)] },
    headers(ctx),
  );
}

export function getOrganization(ctx: GraphContext, id: string): EmulatorResponse {
  requirePermission(ctx, PERMISSIONS.organizationRead);
  if (id.toLowerCase() !== ctx.tenant.id) return resourceNotFound(ctx.ids, id);
  return json(
    200,
    { "@odata.context": metadataUrl(ctx, "organization/$entity"), ...organizationJson(ctx) },
    headers(ctx),
  );
}

/**
 * GET /directory/onPremisesSynchronization: the permissions table lists no application permission
 * ("Application: Not supported") and delegated callers must be Global Administrators. The emulator
 * issues only app-only tokens, so every call is refused. [UNCERTAIN] the exact error body for app-only
 * callers is not documented; Graph's generic 403 is returned. (A 2023 docs PR was titled "Adds
 * application only permissions for onPremisesDirectorySynchronization", but the published table read
 * for matching-rules still says "Not supported".) Tests read features through the control API.
 */
export function getOnPremisesSynchronization(ctx: GraphContext, id?: string): EmulatorResponse {
  if (ctx.caller.appOnly) insufficientPrivileges(ctx.ids);
  if (id !== undefined && id.toLowerCase() !== ctx.tenant.id) return resourceNotFound(ctx.ids, id);
  const t = ctx.tenant;
  const entity = {
    id: t.id,
    configuration: {
      accidentalDeletionPrevention: { synchronizationPreventionType: "enabledForCount", alertThreshold: 500 },
      synchronizationInterval: "PT30M",
      customerRequestedSynchronizationInterval: null,
    },
    features: { ...t.features },
  };
  if (id !== undefined) {
    return json(
      200,
      { "@odata.context": metadataUrl(ctx, "directory/onPremisesSynchronization/$entity"), ...entity },
      headers(ctx),
    );
  }
  return json(
    200,
    { "@odata.context": metadataUrl(ctx, "directory/onPremisesSynchronization"), value: [entity] },
    headers(ctx),
  );
}

export function methodNotAllowed(ctx: GraphContext): never {
  // Quoted from the json-batching example response (405 for a method the target does not support).
  return fail(
    ctx.ids,
    405,
    "Request_BadRequest",
    "Specified HTTP method is not allowed for the request target.",
  );
}
