/**
 * Graph routes of Entra Cloud Sync's provisioning job (v1.0):
 *   GET  /servicePrincipals/{sp}/synchronization/jobs
 *   GET  /servicePrincipals/{sp}/synchronization/jobs/{jobId}
 *   GET  /servicePrincipals/{sp}/synchronization/jobs/{jobId}/schema   (synchronizationRules[].id)
 *   POST /servicePrincipals/{sp}/synchronization/jobs/{jobId}/provisionOnDemand
 *
 * provisionOnDemand (synchronization-synchronizationjob-provisionondemand.md): body
 * `{ parameters: [{ ruleId, subjects: [{ objectId: <AD DN>, objectTypeName: "user" }] }] }`; rate
 * limit 5 requests per 10 seconds (429 + Retry-After here); permissions Synchronization.ReadWrite.All
 * or Application.ReadWrite.OwnedBy (Application.ReadWrite.All also accepted). The answer is a
 * stringKeyStringValuePair whose `key` is a JSON string `{ result, details }` and whose `value` is a
 * JSON string with `provisioningSteps` (Import, Scoping, Matching, Export), `action`, `statusInfo`,
 * `sourceIdentity`, `targetIdentity`, `modifiedProperties`, … — the shape of the page's example 2.
 * The Matching step's name and details (`matchedBy`, `matchedObjectId`, `decisionRow`) are our
 * labels [U]: the page's AD2AAD example omits that step.
 *
 * The matching itself is the sync simulator's (tests/emulator/sync/engine.ts) with engine
 * "cloudSync": no UPN soft match unless the configuration's `upnSoftMatch` ([U], row 27) and no
 * ConsistencyGuid write-back.
 */
import { randomUUID } from "node:crypto";
import { type EmulatorResponse, json } from "../http-util";
import { bytesLeToGuid } from "../sync/anchor";
import { runSyncEngine } from "../sync/engine";
import { importUserByDn, withLdap } from "../sync/ldap-source";
import type { OnPremUserRecord, SyncReportEntry } from "../sync/types";
import type { GraphContext } from "../graph/context";
import { requirePermission } from "../graph/context";
import { fail, GraphFault } from "../graph/errors";
import { HttpError } from "../http-util";
import { admitOnDemandCall, type CloudSyncConfig, cloudSyncConfig } from "./state";

const READ = [
  "Synchronization.Read.All",
  "Synchronization.ReadWrite.All",
  "Application.ReadWrite.OwnedBy",
  "Application.ReadWrite.All",
];
const WRITE = ["Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"];

function notFound(ctx: GraphContext, what: string): never {
  return fail(
    ctx.ids,
    404,
    "Request_ResourceNotFound",
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

function jobResource(c: CloudSyncConfig): Record<string, unknown> {
  return {
    id: c.jobId,
    templateId: "AD2AADProvisioning",
    schedule: { interval: "PT2M", state: "Active" },
    status: { code: "Active" },
  };
}

type Step = {
  name: string;
  type: "Import" | "Scoping" | "Matching" | "Export";
  status: "Success" | "Failure" | "Skipped";
  description: string;
  timestamp: string;
  details: Record<string, string>;
};

function step(
  name: string,
  type: Step["type"],
  status: Step["status"],
  description: string,
  details: Record<string, string> = {},
): Step {
  return { name, type, status, description, timestamp: new Date().toISOString(), details };
}

function importDetails(rec: OnPremUserRecord): Record<string, string> {
  return {
    distinguishedName: rec.dn,
    userPrincipalName: rec.userPrincipalName ?? "",
    mail: rec.mail ?? "",
    proxyAddresses: (rec.proxyAddresses ?? []).join(", "),
    objectGUID: rec.objectGUID,
    "mS-DS-ConsistencyGuid": rec.msDsConsistencyGuid ?? "",
  };
}

const MATCHED_BY: Record<string, string> = {
  hardMatch: "sourceAnchor",
  softMatchSmtp: "proxyAddresses",
  softMatchUpn: "userPrincipalName",
  updated: "sourceAnchor",
};

/** The on-demand answer for one simulated export. */
function answer(
  ctx: GraphContext,
  rec: OnPremUserRecord,
  entry: SyncReportEntry | undefined,
  started: string,
): EmulatorResponse {
  const who = rec.userPrincipalName ?? rec.dn;
  const steps: Step[] = [
    step(
      "EntryImportAdd",
      "Import",
      "Success",
      `Received user '${who}' change of type (Add) from Active Directory`,
      importDetails(rec),
    ),
  ];
  let result: "Success" | "Failure" | "Skipped" = "Success";
  let keyDetails: Record<string, string> = {};
  let action = "Other";
  const status: Record<string, unknown> = { status: "Success" };
  if (entry === undefined || entry.outcome === "filtered") {
    steps.push(
      step(
        "EntrySynchronizationScoping",
        "Scoping",
        "Skipped",
        "Determine if user in scope by evaluating against each scoping filter",
        {
          "Active in the source system": "True",
          "Scoping filter evaluation passed": "False",
          reason: entry?.filterReason ?? "out of scope",
        },
      ),
    );
    result = "Skipped";
    keyDetails = {
      errorCode: "NotInScope",
      errorMessage: `The user is not in the configuration's scope (${entry?.filterReason ?? "out of scope"}).`,
    };
    status["status"] = "Skipped";
    status["errorCode"] = "NotInScope";
  } else {
    steps.push(
      step(
        "EntrySynchronizationScoping",
        "Scoping",
        "Success",
        "Determine if user in scope by evaluating against each scoping filter",
        {
          "Active in the source system": "True",
          "Scoping filter evaluation passed": "True",
        },
      ),
    );
    const matchDetails: Record<string, string> = { outcome: entry.outcome, decisionRow: entry.row ?? "" };
    const matchedBy = MATCHED_BY[entry.outcome];
    if (matchedBy !== undefined && entry.cloudUserId !== undefined) {
      matchDetails["matchedBy"] = matchedBy;
      matchDetails["matchedObjectId"] = entry.cloudUserId;
    }
    if (entry.error !== undefined) {
      matchDetails["refusal"] = entry.error.name;
      if (entry.error.conflictsWithId !== undefined)
        matchDetails["conflictsWithId"] = entry.error.conflictsWithId;
    }
    const matched = matchedBy !== undefined;
    steps.push(
      step(
        "EntryMatching",
        "Matching",
        entry.outcome === "blocked" ? "Failure" : "Success",
        matched
          ? `Matched user '${who}' to user ${entry.cloudUserId} in Azure Active Directory by ${matchedBy}`
          : entry.outcome === "provisioned"
            ? `No user in Azure Active Directory matches '${who}'${entry.error ? ` (${entry.error.name})` : ""}; a new user will be created`
            : `Matching user '${who}' failed: ${entry.error?.name ?? "blocked"}`,
        matchDetails,
      ),
    );
    if (entry.outcome === "blocked") {
      result = "Failure";
      const name = entry.error?.name ?? "SyncError";
      const message = entry.error?.message ?? "The export was blocked.";
      keyDetails = { errorCode: name, errorMessage: message };
      status["status"] = "Failure";
      status["errorCode"] = name;
      status["reason"] = message;
      status["errorCategory"] = "NonServiceFailure";
      steps.push(
        step("EntryExportError", "Export", "Failure", `User '${who}' could not be exported: ${message}`, {
          errorCode: name,
        }),
      );
    } else {
      const created = entry.outcome === "provisioned";
      action = created ? "Create" : "Update";
      const exportDetails: Record<string, string> = {};
      for (const q of entry.quarantined ?? [])
        exportDetails[`quarantined ${q.property}`] =
          `${q.value}${q.replacement ? ` → ${q.replacement}` : ""}`;
      steps.push(
        step(
          created ? "EntryExportAdd" : "EntryExportUpdate",
          "Export",
          "Success",
          `User '${who}' was ${created ? "created" : "updated"} in Azure Active Directory`,
          exportDetails,
        ),
      );
    }
  }
  const value: Record<string, unknown> = {
    provisioningSteps: steps,
    modifiedProperties: [
      { displayName: "UserPrincipalName", newValue: rec.userPrincipalName ?? "" },
      { displayName: "Mail", newValue: rec.mail ?? "" },
      ...(entry?.sourceAnchor ? [{ displayName: "SourceAnchor", newValue: entry.sourceAnchor }] : []),
    ],
    action,
    changeId: randomUUID(),
    startTime: started,
    endTime: new Date().toISOString(),
    reportableIdentifier: who,
    sourceIdentity: { id: bytesLeToGuid(Buffer.from(rec.objectGUID, "base64")), type: "user" },
    sourceSystem: { name: "Active Directory" },
    statusInfo: status,
    targetIdentity: entry?.cloudUserId ? { id: entry.cloudUserId, type: "User" } : { id: null, type: "User" },
    targetSystem: { name: "Azure Active Directory" },
  };
  return json(200, {
    "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair`,
    key: JSON.stringify({ result, details: keyDetails }),
    value: JSON.stringify(value),
  });
}

async function provisionOnDemand(ctx: GraphContext, c: CloudSyncConfig): Promise<EmulatorResponse> {
  requirePermission(ctx, WRITE);
  const retryAfter = admitOnDemandCall(c);
  if (retryAfter !== undefined) {
    return fail(ctx.ids, 429, "TooManyRequests", "Please retry again later.", {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  c.answered++;
  const body = ctx.body as
    | { parameters?: { ruleId?: unknown; subjects?: { objectId?: unknown; objectTypeName?: unknown }[] }[] }
    | undefined;
  const p = body?.parameters?.[0];
  const subject = p?.subjects?.[0];
  if (
    p === undefined ||
    subject === undefined ||
    typeof subject.objectId !== "string" ||
    subject.objectId === ""
  )
    fail(ctx.ids, 400, "BadRequest", "parameters[0].subjects[0].objectId is required.");
  if (p.ruleId !== c.ruleId)
    fail(ctx.ids, 400, "BadRequest", `The rule '${String(p.ruleId)}' is not defined in the job's schema.`);
  if (typeof subject.objectTypeName !== "string" || subject.objectTypeName.toLowerCase() !== "user")
    fail(ctx.ids, 400, "BadRequest", "Only objectTypeName 'user' is emulated.");
  const dn = subject.objectId as string;
  const started = new Date().toISOString();
  const rec = await withLdap(c.ldap, (client) => importUserByDn(client, dn));
  if (rec === undefined) {
    return json(200, {
      "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair`,
      key: JSON.stringify({
        result: "Failure",
        details: { errorCode: "ObjectNotFound", errorMessage: `No user '${dn}' in Active Directory.` },
      }),
      value: JSON.stringify({
        provisioningSteps: [
          step(
            "EntryImportObjectNotFound",
            "Import",
            "Failure",
            `User '${dn}' was not found in Active Directory`,
          ),
        ],
        statusInfo: { status: "Failure", errorCode: "ObjectNotFound" },
        startTime: started,
        endTime: new Date().toISOString(),
      }),
    });
  }
  const { entries } = runSyncEngine(ctx.tenant, [rec], {
    scope: c.scope,
    writeBackConsistencyGuid: false,
    engine: "cloudSync",
    cloudSyncUpnSoftMatch: c.upnSoftMatch === true,
  });
  return answer(ctx, rec, entries[0], started);
}

/** Handles /servicePrincipals/…; async because provisionOnDemand reads AD. */
export async function routeServicePrincipals(ctx: GraphContext): Promise<EmulatorResponse> {
  try {
    const [, sp, sync, jobs, jobId, action] = ctx.segments;
    const c = cloudSyncConfig(ctx.tenant);
    if (sp === undefined || sync !== "synchronization" || jobs !== "jobs")
      fail(
        ctx.ids,
        501,
        "Emulator_NotEmulated",
        `The emulator does not implement ${ctx.method} /${ctx.segments.join("/")}.`,
      );
    if (c === undefined || sp.toLowerCase() !== c.servicePrincipalId) notFound(ctx, sp);
    if (jobId === undefined) {
      requirePermission(ctx, READ);
      return json(200, { value: [jobResource(c)] });
    }
    if (jobId !== c.jobId) notFound(ctx, jobId);
    if (action === undefined && ctx.method === "GET") {
      requirePermission(ctx, READ);
      return json(200, jobResource(c));
    }
    if (action === "schema" && ctx.method === "GET") {
      requirePermission(ctx, READ);
      return json(200, {
        id: c.jobId,
        synchronizationRules: [
          {
            id: c.ruleId,
            name: "USER_ACTIVEDIRECTORY_TO_AZUREACTIVEDIRECTORY",
            sourceDirectoryName: "Active Directory",
            targetDirectoryName: "Azure Active Directory",
          },
        ],
      });
    }
    if (action === "provisionOnDemand" && ctx.method === "POST") return await provisionOnDemand(ctx, c);
    return fail(
      ctx.ids,
      405,
      "Request_BadRequest",
      "Specified HTTP method is not allowed for the request target.",
    );
  } catch (error) {
    if (error instanceof GraphFault || error instanceof HttpError) return error.response;
    return json(502, {
      error: {
        code: "Emulator_AgentUnreachable",
        message: `The provisioning agent could not read Active Directory: ${error instanceof Error ? error.message : String(error)}`,
      },
    });
  }
}
