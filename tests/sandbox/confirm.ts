/**
 * The sandbox's `up` with the join confirmed in the same run (issue 14), once per sync engine:
 *
 * - Entra Connect (`waitForJoin`): the examples' `up`s run side by side and wait; the emulator's
 *   background Connect cycle is switched on once every link has written (as a Connect server whose
 *   next cycle comes after the change — nothing here triggers a cycle for the provider), and each
 *   link's wait ends when the cycle has joined it.
 * - Entra Cloud Sync (`confirmJoin`): the same examples against a second tenant whose Cloud Sync job
 *   the provider calls provisionOnDemand on, one link at a time, paced to 5 calls per 10 s.
 *
 * Either way the outcome per link is the `joinResult` the provider recorded in the stack.
 */
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import type { JoinResult } from "../../provider/confirm/types";
import type { EmulatorControl } from "../emulator/control-client";
import type { LdapSourceOptions, SyncCycleReport } from "../emulator/sync/types";
import { APPS } from "../fixtures/seed-scenario";
import { joinResults } from "../support/join-results";

/** The sandbox's second tenant: the same seed, synced by Entra Cloud Sync instead of Entra Connect. */
export const CLOUD_SYNC_TENANT_ID = "5b2e8c4d-1f3a-4b6c-8d9e-0f1a2b3c4d5e";
/** The sandbox's Connect server: a cycle every 10 s (a real one: every 30 minutes by default). */
export const CONNECT_CYCLE_MS = 10_000;
/** How long `up` waits for that cycle (waitForJoinTimeoutSeconds). */
const WAIT_TIMEOUT_SECONDS = 60;

export interface ExampleStack {
  example: string;
  stack: Stack;
}

export interface ConfirmedLink {
  example: string;
  linkName: string;
  result: JoinResult | undefined;
}

/** Per example: the `up` result, or why it failed (a link whose join was not confirmed fails it). */
export interface ExampleUp {
  example: string;
  up?: UpResult;
  error?: string;
}

/** Stack config that makes `up` wait for Entra Connect's cycle. */
export function waitForJoinConfig(): Record<string, string> {
  return {
    "ad-entra-link:waitForJoin": "true",
    "ad-entra-link:waitForJoinPollSeconds": "1",
    "ad-entra-link:waitForJoinTimeoutSeconds": String(WAIT_TIMEOUT_SECONDS),
  };
}

/**
 * Sets up Cloud Sync on `tenantId` (its job reads the sandbox's DC, scope `scope`), grants the
 * provider's app Synchronization.ReadWrite.All there, and returns the stack config for confirmJoin.
 */
export async function cloudSyncConfig(
  control: EmulatorControl,
  tenantId: string,
  ldap: LdapSourceOptions,
  scope: string[],
): Promise<Record<string, string>> {
  const app = APPS.find((a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"))!;
  await control.updateApp(tenantId, app.clientId, { roles: [...app.roles, "Synchronization.ReadWrite.All"] });
  const job = await control.configureCloudSync(tenantId, { ldap, scope });
  return {
    "ad-entra-link:syncEngine": "cloudSync",
    "ad-entra-link:confirmJoin": "true",
    "ad-entra-link:cloudSyncServicePrincipalId": job.servicePrincipalId,
    "ad-entra-link:cloudSyncJobId": job.jobId,
  };
}

/**
 * `up` of every stack at once; `onAllWaiting` runs once all `linkCount` links have said they wait
 * (or as soon as one `up` ends, so that a failed one does not leave the others waiting in vain).
 */
export async function upAll(
  stacks: readonly ExampleStack[],
  linkCount: number,
  onAllWaiting?: () => Promise<unknown>,
): Promise<ExampleUp[]> {
  // Output arrives in chunks that may split a line: count in everything each `up` printed so far.
  const printed = stacks.map(() => "");
  let started: Promise<unknown> | undefined;
  const start = (): void => {
    started ??= onAllWaiting?.();
  };
  const ups = await Promise.all(
    stacks.map(async ({ example, stack }, i): Promise<ExampleUp> => {
      const onOutput = (text: string): void => {
        printed[i] += text;
        const waiting = printed.reduce((n, out) => n + out.split("waiting up to").length - 1, 0);
        if (waiting >= linkCount) start();
      };
      try {
        return { example, up: await stack.up({ onOutput }) };
      } catch (err) {
        return { example, error: (err as Error).message };
      } finally {
        start();
      }
    }),
  );
  await started;
  return ups;
}

/** The outcome `up` recorded for each link of the stacks. */
export async function confirmedLinks(stacks: readonly ExampleStack[]): Promise<ConfirmedLink[]> {
  const perStack = await Promise.all(
    stacks.map(async ({ example, stack }) =>
      Object.entries(await joinResults(stack)).map(([linkName, result]) => ({ example, linkName, result })),
    ),
  );
  // State lists resources in completion order; print them in a stable one.
  return perStack.flatMap((links) => links.sort((a, b) => a.linkName.localeCompare(b.linkName)));
}

/**
 * The Connect engine: the `up`s wait while the background cycle is off; it starts once they all
 * wait, and joins them. Returns the first cycle's report too (read before the next cycle runs).
 */
export async function upWithConnectWait(
  control: EmulatorControl,
  tenantId: string,
  cycle: { ldap: LdapSourceOptions; scope: string[] },
  stacks: readonly ExampleStack[],
  linkCount: number,
): Promise<{ ups: ExampleUp[]; firstCycle?: SyncCycleReport }> {
  const ups = await upAll(stacks, linkCount, () =>
    control.startSyncSchedule(tenantId, { cycle, intervalMs: CONNECT_CYCLE_MS, firstCycleAfterMs: 500 }),
  );
  // Read at once: the next cycle (10 s later) would report every user as already updated.
  const schedule = await control.syncSchedule(tenantId);
  await control.stopSyncSchedule(tenantId);
  return { ups, ...(schedule.lastReport !== undefined ? { firstCycle: schedule.lastReport } : {}) };
}
