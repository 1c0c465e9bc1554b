/** The facts and the prediction of the join predictor (docs/matching-model.md). */
import type { AnchorHolder, CloudHolder, CloudRoles, SyncFeatures } from "../domain/ports";
import type { ExportedView } from "./exported-view";

export type JoinOutcome =
  | "hardMatch"
  | "softMatchSmtp"
  | "softMatchUpn"
  | "newObject"
  | "blocked"
  | "alreadyJoined";

/** Sync-service error names as the error report shows them (`SourceAnchorUniquenessViolation` is our label for row 8). */
export type SyncErrorName =
  | "InvalidSoftMatch"
  | "InvalidHardMatch"
  | "ExistingAdminRoleConflict"
  | "AttributeValueMustBeUnique"
  | "AttributeUpdateNotAllowed"
  | "ObjectTypeMismatch"
  | "SourceAnchorUniquenessViolation";

/** The declared cloud user, as read. */
export interface CandidateUser {
  id: string;
  userPrincipalName: string;
  /** Its primary `SMTP:` address, or null. */
  primarySmtp: string | null;
  onPremisesImmutableId: string | null;
  onPremisesSyncEnabled: boolean | null;
  onPremisesSecurityIdentifier?: string | null;
  userType?: string | null;
  roles: CloudRoles;
  /** True when its UPN suffix is a federated domain (row 26 [U], a warning only). */
  isFederatedDomainUpn?: boolean;
}

/** Which sync client exports the AD user: Entra Connect Sync (default) or Entra Cloud Sync. */
export type SyncEngine = "entraConnect" | "cloudSync";

export interface JoinFacts {
  /** Default entraConnect. Cloud Sync's UPN soft match is uncertain (row 27 [U]) and evaluated both ways. */
  syncEngine?: SyncEngine;
  /** The anchor Entra Connect sends (Base64 of ConsistencyGuid-or-objectGUID bytes). */
  sourceAnchor: string;
  view: ExportedView;
  onPremisesSecurityIdentifier?: string;
  candidate: CandidateUser;
  /** Other cloud objects holding exported values (never the candidate). */
  holders: readonly CloudHolder[];
  /** Other users (live or soft-deleted) holding the anchor. */
  anchorHolders: readonly AnchorHolder[];
  /** Known feature values; a missing key is unknown and evaluated both ways. */
  features: SyncFeatures;
  verifiedDomains: readonly string[];
}

/** One reading of the unknowns and what happens under it. */
export interface JoinVariant {
  /** For readers: e.g. "softMatchOnUpnEnabled=false" or "mail promoted (P5a)"; "" when nothing was unknown. */
  assumption: string;
  /** The same reading as data: the flag values and the P5a reading this variant assumed. */
  assumed: {
    flags: Partial<Record<UnknownFlag, boolean>>;
    mailPromoted?: boolean;
    /** Cloud Sync only: whether it soft-matches on the UPN (row 27 [U]; reported not to). */
    cloudSyncUpnSoftMatch?: boolean;
  };
  outcome: JoinOutcome;
  targetObjectId?: string;
  reason: string;
  errorName?: SyncErrorName;
}

/** The tenant flags the predictor evaluates both ways when they are unknown. */
export type UnknownFlag =
  | "softMatchOnUpnEnabled"
  | "blockSoftMatchEnabled"
  | "blockCloudObjectTakeoverThroughHardMatchEnabled";

export interface JoinPrediction {
  /** The outcome under Microsoft's defaults for unknown flags (see `variants` when they differ). */
  outcome: JoinOutcome;
  /** The object the AD user ends up joined to (match and alreadyJoined outcomes). */
  targetObjectId?: string;
  reason: string;
  /** Anchors of docs/matching-model.md. */
  ruleRefs: string[];
  errorName?: SyncErrorName;
  /** True when the outcome rests on an uncertain rule or differs between readings of unknown facts. */
  uncertain: boolean;
  warnings: string[];
  /** Present when unknowns lead to different outcomes: one entry per reading. */
  variants?: JoinVariant[];
  /** The uncertain rules (sources disagree or are silent) the outcome rests on; absent when none. */
  uncertainRules?: string[];
}
