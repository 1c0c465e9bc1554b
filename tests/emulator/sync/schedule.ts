/**
 * The Entra Connect scheduler: runs a sync cycle for a tenant on a timer, as the Connect server does
 * (default every 30 minutes; tests use seconds), so a client that waits for the join is tested
 * against cycles it does not trigger itself. Control: PUT/GET/DELETE /_emulator/tenants/{id}/sync-schedule.
 */
import type { TenantState } from "../model";
import { runSyncCycle, SyncRequestError } from "./cycle";
import type { SyncCycleReport, SyncCycleRequest } from "./types";

export interface SyncScheduleRequest {
  /** What each cycle imports (same body as POST sync-cycle). */
  cycle: SyncCycleRequest;
  /** Milliseconds between the end of one cycle and the start of the next (≥ 100). */
  intervalMs: number;
  /** Delay before the first cycle; default intervalMs. */
  firstCycleAfterMs?: number;
}

export interface SyncScheduleStatus {
  running: boolean;
  intervalMs?: number;
  cyclesRun: number;
  lastReport?: SyncCycleReport;
  lastError?: string;
}

interface Schedule {
  request: SyncScheduleRequest;
  timer: NodeJS.Timeout | undefined;
  cyclesRun: number;
  lastReport?: SyncCycleReport;
  lastError?: string;
  stopped: boolean;
}

const schedules = new Map<string, Schedule>();

function arm(t: TenantState, s: Schedule, delayMs: number): void {
  s.timer = setTimeout(() => {
    s.timer = undefined;
    void runSyncCycle(t, s.request.cycle)
      .then((report) => {
        s.lastReport = report;
        delete s.lastError;
      })
      .catch((error: unknown) => {
        s.lastError = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        s.cyclesRun++;
        // One cycle at a time, like the Connect scheduler: the next starts an interval after this one ended.
        if (!s.stopped) arm(t, s, s.request.intervalMs);
      });
  }, delayMs);
  // The emulator process must still exit on SIGTERM / test end without waiting for a cycle.
  s.timer.unref();
}

export function startSyncSchedule(t: TenantState, req: SyncScheduleRequest): SyncScheduleStatus {
  if (typeof req !== "object" || req === null || typeof req.cycle !== "object" || req.cycle === null)
    throw new SyncRequestError("body: { cycle: SyncCycleRequest, intervalMs, firstCycleAfterMs? }");
  if (!Number.isInteger(req.intervalMs) || req.intervalMs < 100)
    throw new SyncRequestError("intervalMs must be an integer ≥ 100");
  if (req.cycle.ldap === undefined && req.cycle.records === undefined)
    throw new SyncRequestError("cycle needs ldap (with scope) or records");
  stopSyncSchedule(t);
  const s: Schedule = { request: req, timer: undefined, cyclesRun: 0, stopped: false };
  schedules.set(t.id, s);
  arm(t, s, req.firstCycleAfterMs ?? req.intervalMs);
  return syncScheduleStatus(t);
}

export function stopSyncSchedule(t: TenantState): SyncScheduleStatus {
  const s = schedules.get(t.id);
  if (s !== undefined) {
    s.stopped = true;
    if (s.timer !== undefined) clearTimeout(s.timer);
    schedules.delete(t.id);
  }
  return { running: false, cyclesRun: s?.cyclesRun ?? 0 };
}

export function syncScheduleStatus(t: TenantState): SyncScheduleStatus {
  const s = schedules.get(t.id);
  if (s === undefined) return { running: false, cyclesRun: 0 };
  return {
    running: true,
    intervalMs: s.request.intervalMs,
    cyclesRun: s.cyclesRun,
    ...(s.lastReport !== undefined ? { lastReport: s.lastReport } : {}),
    ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
  };
}
