/**
 * Graph error responses: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`
 * (https://learn.microsoft.com/en-us/graph/errors). Messages are the service's where a Microsoft page
 * or a public report quotes them; each helper says where its text comes from.
 */
import { type EmulatorResponse, graphDate, HttpError, json } from "../http-util";

export interface GraphErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function graphError(
  ids: RequestIds,
  status: number,
  code: string,
  message: string,
  extra: { details?: GraphErrorDetail[]; headers?: Record<string, string> } = {},
): EmulatorResponse {
  const error: Record<string, unknown> = { code, message };
  if (extra.details) error["details"] = extra.details;
  error["innerError"] = {
    date: graphDate(),
    "request-id": ids.requestId,
    "client-request-id": ids.clientRequestId,
  };
  return json(
    status,
    { error },
    { "request-id": ids.requestId, "client-request-id": ids.clientRequestId, ...extra.headers },
  );
}

/** Thrown inside Graph handlers; the router turns it into the response. */
export class GraphFault extends HttpError {}

export function fail(
  ids: RequestIds,
  status: number,
  code: string,
  message: string,
  extra?: { details?: GraphErrorDetail[]; headers?: Record<string, string> },
): never {
  throw new GraphFault(graphError(ids, status, code, message, extra), message);
}

/** 403 for a missing application permission (json-batching example, user-update reports). */
export function insufficientPrivileges(ids: RequestIds): never {
  return fail(ids, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
}

export function resourceNotFound(ids: RequestIds, id: string): never {
  return fail(
    ids,
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** OData-layer error for an unknown property in $select/$filter/$orderby. */
export function unknownProperty(ids: RequestIds, name: string, type: string): never {
  return fail(
    ids,
    400,
    "BadRequest",
    `Could not find a property named '${name}' on type 'microsoft.graph.${type}'.`,
  );
}

/** Uniqueness conflict, shape as reported in microsoft-graph-docs-contrib#8421 (code + details). */
export function objectConflict(ids: RequestIds, property: string): never {
  const message = `Another object with the same value for property ${property} already exists.`;
  return fail(ids, 400, "Request_BadRequest", message, {
    details: [
      { code: "ObjectConflict", message, target: property },
      { code: "ConflictingObjects", message, target: property },
    ],
  });
}

export function invalidValue(ids: RequestIds, property: string, resource = "User"): never {
  return fail(
    ids,
    400,
    "Request_BadRequest",
    `Invalid value specified for property '${property}' of resource '${resource}'.`,
    {
      details: [
        {
          code: "InvalidValue",
          message: `Invalid value specified for property '${property}' of resource '${resource}'.`,
          target: property,
        },
      ],
    },
  );
}
