/**
 * The settings of how links behave rather than where the directories are: the tenant's sync
 * features as stated by the user, how `up` confirms the join, and when checks read in bulk.
 */
import type { SyncFeatures } from "../domain/ports";
import { configKey, KEYS, type KeySpec } from "./keys";
import type { Reader } from "./reader";
import type { BulkReadMode, JoinSettings, SyncEngineSetting } from "./types";

/** The keys `tenantSyncFeatures` may have (Graph `onPremisesDirectorySynchronization.features`). */
export const SYNC_FEATURE_KEYS = [
  "softMatchOnUpnEnabled",
  "blockSoftMatchEnabled",
  "blockCloudObjectTakeoverThroughHardMatchEnabled",
  "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
] as const satisfies readonly (keyof SyncFeatures)[];

const MAX_JSON_SETTING_LENGTH = 4096;

/**
 * `tenantSyncFeatures`: a JSON object of the four known feature flags with JSON boolean values.
 * Messages name the offending key only when it is one of ours (a typo in case is pointed out).
 */
export function readTenantSyncFeatures(r: Reader): SyncFeatures | undefined {
  const spec = KEYS.tenantSyncFeatures;
  const key = configKey(spec);
  const text = r.get(spec);
  if (text === undefined) return undefined;
  const allowed = `allowed keys: ${SYNC_FEATURE_KEYS.join(", ")}`;
  if (text.length > MAX_JSON_SETTING_LENGTH) {
    return r.problem(spec, "CONFIG_INVALID", `${key} is longer than ${MAX_JSON_SETTING_LENGTH} characters.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return r.problem(spec, "CONFIG_INVALID", `${key} is not valid JSON; write a JSON object (${allowed}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return r.problem(spec, "CONFIG_INVALID", `${key} must be a JSON object (${allowed}).`);
  }
  const features: SyncFeatures = {};
  let unknown = 0;
  for (const [name, value] of Object.entries(parsed)) {
    const known = SYNC_FEATURE_KEYS.find((k) => k === name);
    if (known === undefined) {
      const nearly = SYNC_FEATURE_KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
      if (nearly !== undefined) {
        r.problem(
          spec,
          "CONFIG_INVALID",
          `${key} has a key spelled differently from ${nearly}; keys are case-sensitive.`,
        );
      } else unknown++;
      continue;
    }
    if (typeof value !== "boolean") {
      r.problem(
        spec,
        "CONFIG_INVALID",
        `${key}: ${known} must be a JSON boolean true or false (not a string or number).`,
      );
      continue;
    }
    features[known] = value;
  }
  if (unknown > 0) {
    r.problem(
      spec,
      "CONFIG_INVALID",
      `${key} has ${unknown} unknown key${unknown === 1 ? "" : "s"} (${allowed}).`,
    );
  }
  return features;
}

function readSeconds(r: Reader, spec: KeySpec, fallback: number, min: number, max: number): number {
  const text = r.get(spec);
  if (text === undefined) return fallback;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    r.problem(
      spec,
      "CONFIG_INVALID",
      `${configKey(spec)} must be a whole number of seconds from ${min} to ${max}.`,
    );
    return fallback;
  }
  return n;
}

/** `syncEngine`, `confirmJoin` (+ the Cloud Sync job), `waitForJoin` (+ timeout and poll interval). */
export function readJoinSettings(r: Reader): JoinSettings {
  const text = r.get(KEYS.syncEngine);
  let syncEngine: SyncEngineSetting = "entraConnect";
  if (text !== undefined) {
    const t = text.trim();
    if (t === "entraConnect" || t === "cloudSync") syncEngine = t;
    else
      r.problem(
        KEYS.syncEngine,
        "CONFIG_INVALID",
        `${configKey(KEYS.syncEngine)} must be entraConnect or cloudSync.`,
      );
  }
  const confirmJoin = r.bool(KEYS.confirmJoin, false);
  const waitForJoin = r.bool(KEYS.waitForJoin, false);
  const sp = r.get(KEYS.cloudSyncServicePrincipalId)?.trim();
  const job = r.get(KEYS.cloudSyncJobId)?.trim();
  if (confirmJoin && syncEngine !== "cloudSync")
    r.problem(
      KEYS.confirmJoin,
      "CONFIG_INVALID",
      `${configKey(KEYS.confirmJoin)} provisions on demand, which only Cloud Sync offers: set ${configKey(KEYS.syncEngine)} cloudSync, or use ${configKey(KEYS.waitForJoin)} with Entra Connect.`,
    );
  if (confirmJoin && syncEngine === "cloudSync") {
    if (!sp)
      r.problem(
        KEYS.cloudSyncServicePrincipalId,
        "CONFIG_MISSING",
        `${configKey(KEYS.confirmJoin)} needs ${configKey(KEYS.cloudSyncServicePrincipalId)} (the Cloud Sync configuration's service principal).`,
      );
    if (!job)
      r.problem(
        KEYS.cloudSyncJobId,
        "CONFIG_MISSING",
        `${configKey(KEYS.confirmJoin)} needs ${configKey(KEYS.cloudSyncJobId)} (its AD2AADProvisioning job id).`,
      );
  }
  return {
    syncEngine,
    confirmJoin,
    ...(sp ? { cloudSyncServicePrincipalId: sp } : {}),
    ...(job ? { cloudSyncJobId: job } : {}),
    waitForJoin,
    waitForJoinTimeoutSeconds: readSeconds(r, KEYS.waitForJoinTimeoutSeconds, 1800, 1, 86_400),
    waitForJoinPollSeconds: readSeconds(r, KEYS.waitForJoinPollSeconds, 30, 1, 3_600),
  };
}

const BULK_READ_MODES: readonly BulkReadMode[] = ["auto", "on", "off"];

/** `bulkRead`: auto (default), on or off. */
export function readBulkRead(r: Reader): BulkReadMode {
  const text = r.get(KEYS.bulkRead);
  if (text === undefined) return "auto";
  const mode = BULK_READ_MODES.find((m) => m === text.trim().toLowerCase());
  if (mode === undefined) {
    r.problem(
      KEYS.bulkRead,
      "CONFIG_INVALID",
      `${configKey(KEYS.bulkRead)} must be ${BULK_READ_MODES.join(", ")} (default auto).`,
    );
    return "auto";
  }
  return mode;
}
