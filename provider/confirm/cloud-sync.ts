/**
 * Cloud Sync confirmation: provision the link's AD user on demand and read where it went. A join to
 * the declared cloud user confirms the link; a new object (a duplicate) or a match to another object
 * fails it with what to do.
 */
import type { OnDemandProvisioningPort, OnDemandResult } from "../domain/ports";
import type { SlidingWindowPacer } from "./rate-limit";
import type { JoinResult } from "./types";

export interface LinkToConfirm {
  linkName: string;
  distinguishedName: string;
  cloudUserId: string;
  userPrincipalName?: string;
}

/** The JoinResult for one on-demand answer (pure, tested directly). */
export function judgeOnDemand(link: LinkToConfirm, r: OnDemandResult, now = new Date()): JoinResult {
  const base = {
    engine: "cloudSync" as const,
    expectedObjectId: link.cloudUserId,
    checkedAt: now.toISOString(),
  };
  const expected = link.cloudUserId.toLowerCase();
  const target = r.targetObjectId ?? r.matchedObjectId;
  const via = r.matchedBy !== undefined ? ` by ${r.matchedBy}` : "";
  if (r.result === "Skipped") {
    return {
      ...base,
      outcome: "skipped",
      ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      summary: `Cloud Sync skipped ${link.distinguishedName}${r.errorMessage ? `: ${r.errorMessage}` : ""}. Put the user in the Cloud Sync configuration's scope, then run \`pulumi up\` again.`,
    };
  }
  if (r.result !== "Success") {
    return {
      ...base,
      outcome: "failed",
      ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      ...(target ? { cloudObjectId: target } : {}),
      summary: `Cloud Sync could not export ${link.distinguishedName}: ${r.errorCode ?? "error"}${r.errorMessage ? ` — ${r.errorMessage}` : ""}. Fix the cause in AD or Entra ID (see the provisioning logs), then run \`pulumi up\` again.`,
    };
  }
  if (r.action === "Create") {
    return {
      ...base,
      outcome: "duplicate",
      ...(target ? { cloudObjectId: target } : {}),
      summary: `Cloud Sync created a NEW cloud user ${target ?? "(id not reported)"} for ${link.distinguishedName} instead of joining ${link.cloudUserId}: a duplicate. Delete it and purge it from the recycle bin, then align the primary SMTP address (Cloud Sync does not soft-match on the UPN) or use match: hard, and run \`pulumi up\` again.`,
    };
  }
  if (target !== undefined && target.toLowerCase() !== expected) {
    return {
      ...base,
      outcome: "joinedOther",
      cloudObjectId: target,
      ...(r.matchedBy ? { matchedBy: r.matchedBy } : {}),
      summary: `Cloud Sync joined ${link.distinguishedName} to ANOTHER cloud object ${target}${via}, not ${link.cloudUserId}. Undo it (stop syncing the user, restore the other object) and remove the value that matched it before linking again.`,
    };
  }
  return {
    ...base,
    outcome: "joined",
    cloudObjectId: target ?? link.cloudUserId,
    ...(r.matchedBy ? { matchedBy: r.matchedBy } : {}),
    summary: `Cloud Sync joined ${link.distinguishedName} to ${link.userPrincipalName ?? link.cloudUserId}${via}.`,
  };
}

export async function confirmWithCloudSync(
  port: OnDemandProvisioningPort,
  pacer: SlidingWindowPacer,
  link: LinkToConfirm,
): Promise<JoinResult> {
  await pacer.acquire();
  return judgeOnDemand(link, await port.provisionOnDemand(link.distinguishedName));
}
