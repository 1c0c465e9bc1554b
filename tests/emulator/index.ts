/** Entra ID + Microsoft Graph + Entra Connect emulator for tests. See README.md in this folder. */
export {
  EmulatorControl,
  EmulatorControlError,
  type EmulatorControlOptions,
  type RoleChange,
} from "./control-client";
export type { ActiveFaultRule, FaultAction, FaultMatch, FaultRule, RequestLogEntry } from "./faults";
export type {
  CloudUser,
  CloudUserInput,
  EmulatorBehavior,
  ProvisioningError,
  RoleAssignmentRecord,
  SyncFeatures,
  TenantSeed,
} from "./model";
export { DEFAULT_BEHAVIOR, DEFAULT_FEATURES } from "./model";
export { type EmulatorProcess, type EmulatorProcessOptions, startEmulatorProcess } from "./process";
export { contosoTenantSeed, legacyTenantSeed, type SeedOverrides } from "./seeds";
export { createEmulator, type Emulator, type EmulatorOptions } from "./server";
export type { CreatedApp, TenantCreated } from "./store";
export {
  bytesLeToGuid,
  guidToBytesLe,
  guidToImmutableId,
  immutableIdToGuid,
  sourceAnchorOf,
} from "./sync/anchor";
export type {
  LdapSourceOptions,
  OnPremUserRecord,
  QuarantinedValue,
  SyncCycleReport,
  SyncCycleRequest,
  SyncError,
  SyncOutcome,
  SyncReportEntry,
} from "./sync/types";
export { defaultPkiDir, ensureSharedCa } from "./pki";
export { ensureProcessTrustsTestCa, type TrustOptions } from "./trust";
