/**
 * The three shapes of a UserLink: the public args (Pulumi inputs, in resource.ts), the plain
 * inputs the provider receives (below), and the outputs it records in state.
 */

import type { JoinPrediction } from "../core/join-prediction";

export type MatchMode = "soft" | "hard";
export type SourceAnchorChoice = "auto" | "objectGUID" | "mS-DS-ConsistencyGuid";
export type OnDelete = "retain" | "restore";
export type SyncState = "cloudOnly" | "pendingSync" | "synced" | "syncedElsewhere";

export interface OnPremisesSelector {
  samAccountName?: string;
  distinguishedName?: string;
  /** GUID string as ADUC shows it, with or without braces. */
  objectGuid?: string;
  userPrincipalName?: string;
}

export interface CloudUserSelector {
  userPrincipalName?: string;
  id?: string;
}

/** What the program declares (resolved plain values). */
export interface UserLinkDeclaration {
  onPremises: OnPremisesSelector;
  cloud: CloudUserSelector;
  match: MatchMode;
  userPrincipalName?: string;
  mail?: string;
  primarySmtpAddress?: string;
  additionalProxyAddresses?: string[];
  sourceAnchor: SourceAnchorChoice;
  writeConsistencyGuid: boolean;
  onDelete: OnDelete;
  allowPrivilegedCloudUser: boolean;
  /** Free text for reviewers and policies (e.g. the ticket that asked for a hard match). */
  reason?: string;
}

/** Every declaration key, in the order docs and written links files list them. */
export const DECLARATION_KEYS = [
  "onPremises",
  "cloud",
  "match",
  "userPrincipalName",
  "mail",
  "primarySmtpAddress",
  "additionalProxyAddresses",
  "sourceAnchor",
  "writeConsistencyGuid",
  "onDelete",
  "allowPrivilegedCloudUser",
  "reason",
] as const satisfies readonly (keyof UserLinkDeclaration)[];

/** One attribute's planned change, shown in preview as current → planned. */
export interface ValueChange {
  current: string | null;
  planned: string | null;
}

export interface ProxyAddressChange {
  current: string[];
  planned: string[];
  /** Values added (including new spellings, e.g. `SMTP:` for a re-cased `smtp:`). */
  add: string[];
  /** Values removed (old spellings only: nothing we do not manage is ever removed). */
  remove: string[];
}

export interface PlannedChanges {
  onPremises: {
    userPrincipalName?: ValueChange;
    mail?: ValueChange;
    proxyAddresses?: ProxyAddressChange;
    /** GUID form of the bytes, for reading. */
    "mS-DS-ConsistencyGuid"?: ValueChange;
  };
  cloud: {
    onPremisesImmutableId?: ValueChange;
  };
}

/** Whether Entra Connect will join the pair, and how or why not (the predictor's own type). */
export type PredictedJoin = JoinPrediction;

/** Identity of the two objects a link joins; changing either replaces the link. */
export interface ResolvedIdentity {
  onPremisesObjectGuid: string;
  onPremisesDistinguishedName: string;
  cloudUserId: string;
}

/** Checked inputs: the declaration plus the plan resolved in `check` (what preview shows). */
export interface UserLinkInputs extends UserLinkDeclaration {
  linkName: string;
  /** `<organization>/<project>/<stack>` of the stack declaring the link, recorded as the cloud user's owner. */
  stackOwner?: string;
  resolved?: ResolvedIdentity;
  immutableId?: string;
  sourceAnchorAttribute?: "objectGUID" | "mS-DS-ConsistencyGuid";
  changes?: PlannedChanges;
  predictedJoin?: PredictedJoin;
  /** Human-readable plan summary lines. */
  planSummary?: string[];
}

export interface OnPremisesState {
  distinguishedName: string;
  objectGuid: string;
  userPrincipalName: string | null;
  mail: string | null;
  proxyAddresses: string[];
  consistencyGuid: string | null;
}

export interface CloudState {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  proxyAddresses: string[];
  onPremisesImmutableId: string | null;
  onPremisesSyncEnabled: boolean | null;
}

/** Values as they were before the link first changed anything (for `onDelete: restore`). */
export interface BeforeState {
  onPremises: {
    userPrincipalName: string | null;
    mail: string | null;
    proxyAddresses: string[];
    consistencyGuid: string | null;
  };
  cloud: { onPremisesImmutableId: string | null };
}

export interface UserLinkOutputs extends UserLinkInputs {
  onPremisesState: OnPremisesState;
  cloudState: CloudState;
  syncState: SyncState;
  before: BeforeState;
  /** Proxy addresses this link added over its life; `restore` removes exactly these. */
  proxyAddressesAdded?: string[];
  /** Set by refresh when the directories drifted from the link: what is to change now. */
  drift?: string[];
  /** Steps done so far, kept when a run fails halfway (partial state). */
  progress?: { onPremisesWritten: boolean; cloudWritten: boolean };
}
