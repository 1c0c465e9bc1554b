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

/** Every declaration key but the selectors: a change of a selector is another resolved identity instead. */
export const OPTION_KEYS = DECLARATION_KEYS.filter((k) => k !== "onPremises" && k !== "cloud");

/**
 * A declaration's options as diff compares them: one JSON value per key (absent as null), one per
 * line (JSON text holds no raw newline), so two declarations differ in an option exactly when
 * their texts differ.
 */
export function optionsText(decl: UserLinkDeclaration): string {
  return OPTION_KEYS.map((k) => JSON.stringify(decl[k] ?? null)).join("\n");
}

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

/**
 * Checked inputs, what `pulumi preview --diff` shows per link: the arguments the program gave
 * (defaults are applied by the provider, not echoed), who declares the link, and three review
 * fields computed at check: the resolved AD user, one line per planned change, one join line.
 */
export interface UserLinkInputs extends Partial<Omit<UserLinkDeclaration, "onPremises" | "cloud">> {
  onPremises: OnPremisesSelector;
  cloud: CloudUserSelector;
  /** `<organization>/<project>/<stack>/<resource name>` (see identity.ts). */
  link?: string;
  /** Before 0.3.0: the resource name and `<organization>/<project>/<stack>`, now in `link`. */
  linkName?: string;
  stackOwner?: string;
  /** `AD <distinguished name> ⇄ cloud <object id>` (review.ts). */
  objects?: string;
  /** One line per planned change, `current → planned`; empty when converged. */
  plan?: string[];
  /** `<outcome>, <certain|uncertain>: <what Entra Connect will do>` (review.ts). */
  join?: string;
}

/** Every key of the checked inputs (outputs add the rest). */
export const INPUT_KEYS = [
  ...DECLARATION_KEYS,
  "link",
  "linkName",
  "stackOwner",
  "objects",
  "plan",
  "join",
] as const satisfies readonly (keyof UserLinkInputs)[];

/** Every key of the outputs beyond the checked inputs, in the order the provider records them. */
export const RECORDED_OUTPUT_KEYS = [
  "resolved",
  "immutableId",
  "sourceAnchorAttribute",
  "predictedJoin",
  "onPremisesState",
  "cloudState",
  "syncState",
  "before",
  "proxyAddressesAdded",
  "drift",
  "progress",
  "joinResult",
] as const satisfies readonly Exclude<keyof UserLinkOutputs, keyof UserLinkInputs>[];

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
  /** The two objects this link joins; a change of either replaces the link. */
  resolved?: ResolvedIdentity;
  /** The ImmutableId (base64 of the source anchor in Microsoft byte order). */
  immutableId?: string;
  sourceAnchorAttribute?: "objectGUID" | "mS-DS-ConsistencyGuid";
  /** The full prediction: reason, rule references, variants per unknown tenant setting. */
  predictedJoin?: PredictedJoin;
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
  /** Set by `up` with confirmJoin / waitForJoin: what the sync service actually did (issue 14). */
  joinResult?: import("../confirm/types").JoinResult;
}
