/**
 * Confirms the join after `up` when configured: Cloud Sync (`confirmJoin`) provisions the AD user
 * on demand and reads the outcome; Entra Connect (`waitForJoin`) waits for a background cycle.
 * One pacer and one waiter per provider process, shared by every link of the run.
 */
import type { JoinSettings, Settings } from "../config/settings";
import { CloudSyncOnDemand } from "../entra/cloud-sync-on-demand";
import { GraphJoinObserver } from "../entra/join-observation";
import { log } from "../log";
import { confirmWithCloudSync } from "./cloud-sync";
import { JoinWaiter } from "./connect-wait";
import { PROVISION_ON_DEMAND_LIMIT, SlidingWindowPacer } from "./rate-limit";
import { isConfirmed, type JoinResult } from "./types";

export type { JoinResult } from "./types";
export { isConfirmed } from "./types";

export interface AppliedLink {
  linkName: string;
  distinguishedName: string;
  cloudUserId: string;
  immutableId: string;
  userPrincipalName?: string;
}

let cloudSync: { port: CloudSyncOnDemand; pacer: SlidingWindowPacer; key: string } | undefined;
let waiter: { waiter: JoinWaiter; key: string } | undefined;

/** True when `up` should confirm links under these settings. */
export function confirmationEnabled(join: JoinSettings | undefined): boolean {
  return join !== undefined && (join.syncEngine === "cloudSync" ? join.confirmJoin : join.waitForJoin);
}

/** The confirmed outcome of one applied link, or undefined when confirmation is off. Logs one line. */
export async function confirmAppliedLink(
  settings: Settings,
  link: AppliedLink,
): Promise<JoinResult | undefined> {
  const join = settings.join;
  if (join === undefined || !confirmationEnabled(join)) return undefined;
  let result: JoinResult;
  if (join.syncEngine === "cloudSync") {
    const key = `${join.cloudSyncServicePrincipalId}/${join.cloudSyncJobId}`;
    if (cloudSync?.key !== key) {
      cloudSync = {
        key,
        port: new CloudSyncOnDemand(
          settings.entra,
          join.cloudSyncServicePrincipalId ?? "",
          join.cloudSyncJobId ?? "",
        ),
        pacer: new SlidingWindowPacer(PROVISION_ON_DEMAND_LIMIT.limit, PROVISION_ON_DEMAND_LIMIT.windowMs),
      };
    }
    result = await confirmWithCloudSync(cloudSync.port, cloudSync.pacer, link);
  } else {
    const key = `${join.waitForJoinPollSeconds}/${join.waitForJoinTimeoutSeconds}`;
    if (waiter?.key !== key) {
      waiter = {
        key,
        waiter: new JoinWaiter(
          new GraphJoinObserver(settings.entra),
          join.waitForJoinPollSeconds * 1000,
          join.waitForJoinTimeoutSeconds * 1000,
        ),
      };
    }
    log.info(
      `link "${link.linkName}": waiting up to ${join.waitForJoinTimeoutSeconds} s for an Entra Connect cycle to join it (Start-ADSyncSyncCycle -PolicyType Delta on the Connect server runs one now).`,
    );
    result = await waiter.waiter.wait(link);
  }
  (isConfirmed(result) ? log.info : log.warn)(
    `link "${link.linkName}": join ${result.outcome}: ${result.summary}`,
  );
  return result;
}
