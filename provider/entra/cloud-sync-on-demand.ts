/**
 * Entra Cloud Sync's provision on demand (Graph v1.0 synchronizationJob: provisionOnDemand): one
 * AD user, by distinguished name, exported now instead of at the next 2-minute cycle; the answer
 * carries the per-step result. The rule id comes from the job's schema (read once). Needs
 * Synchronization.ReadWrite.All or Application.ReadWrite.OwnedBy. Graph allows 5 calls per 10
 * seconds: callers pace themselves (provider/confirm/rate-limit.ts) and the Graph client's retry
 * handler honours a 429's Retry-After.
 */
import type { EntraSettings } from "../config/settings";
import type { OnDemandProvisioningPort, OnDemandResult } from "../domain/ports";
import { GraphTransport } from "./graph-transport";
import { graphPath } from "./odata-query";

const PERMISSION = "Synchronization.ReadWrite.All";

interface Step {
  name?: string;
  type?: string;
  status?: string;
  description?: string;
  details?: Record<string, unknown>;
}

function parseJson(text: unknown): Record<string, unknown> {
  if (typeof text !== "string") return {};
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Reads the stringKeyStringValuePair answer (`key` and `value` are JSON text). */
export function parseOnDemandAnswer(answer: { key?: unknown; value?: unknown }): OnDemandResult {
  const key = parseJson(answer.key);
  const value = parseJson(answer.value);
  const details = (key["details"] ?? {}) as Record<string, unknown>;
  const status = (value["statusInfo"] ?? {}) as Record<string, unknown>;
  const steps = (Array.isArray(value["provisioningSteps"]) ? value["provisioningSteps"] : []) as Step[];
  const matching = steps.find((s) => s.type === "Matching");
  const target = (value["targetIdentity"] ?? {}) as Record<string, unknown>;
  const result: OnDemandResult = {
    result: str(key["result"]) ?? str(status["status"]) ?? "Unknown",
    steps: steps.map((s) => ({
      name: s.name ?? "",
      type: s.type ?? "",
      status: s.status ?? "",
      description: s.description ?? "",
    })),
  };
  const action = str(value["action"]);
  if (action) result.action = action;
  const errorCode = str(details["errorCode"]) ?? str(status["errorCode"]);
  if (errorCode) result.errorCode = errorCode;
  const errorMessage = str(details["errorMessage"]) ?? str(status["reason"]);
  if (errorMessage) result.errorMessage = errorMessage;
  const targetId = str(target["id"]);
  if (targetId) result.targetObjectId = targetId;
  const matchedId = str(matching?.details?.["matchedObjectId"]);
  if (matchedId) result.matchedObjectId = matchedId;
  const matchedBy = str(matching?.details?.["matchedBy"]);
  if (matchedBy) result.matchedBy = matchedBy;
  return result;
}

export class CloudSyncOnDemand implements OnDemandProvisioningPort {
  private readonly graph: GraphTransport;
  private ruleId: Promise<string> | undefined;

  constructor(
    settings: EntraSettings,
    private readonly servicePrincipalId: string,
    private readonly jobId: string,
  ) {
    this.graph = new GraphTransport(settings);
  }

  private rule(): Promise<string> {
    this.ruleId ??= this.graph
      .send<{ synchronizationRules?: { id?: string }[] }>(
        graphPath`/servicePrincipals/${this.servicePrincipalId}/synchronization/jobs/${this.jobId}/schema`,
        { operation: "read the Cloud Sync job's schema", permission: PERMISSION },
      )
      .then((schema) => {
        const id = schema.synchronizationRules?.[0]?.id;
        if (id === undefined) throw new Error("the Cloud Sync job's schema has no synchronization rule");
        return id;
      });
    return this.ruleId;
  }

  async provisionOnDemand(distinguishedName: string): Promise<OnDemandResult> {
    const ruleId = await this.rule();
    const answer = await this.graph.send<{ key?: unknown; value?: unknown }>(
      graphPath`/servicePrincipals/${this.servicePrincipalId}/synchronization/jobs/${this.jobId}/provisionOnDemand`,
      {
        operation: `provision ${distinguishedName} on demand through Cloud Sync`,
        permission: PERMISSION,
        method: "POST",
        body: {
          parameters: [{ ruleId, subjects: [{ objectId: distinguishedName, objectTypeName: "user" }] }],
        },
        // Provisioning again is harmless (the next export would do the same).
        idempotent: true,
      },
    );
    return parseOnDemandAnswer(answer);
  }
}
