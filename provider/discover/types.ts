/**
 * The data of a discovery run: what was read of both directories, the evidence that ties an AD user
 * to a cloud user, and the result (proposed links, conflicts, unmatched users). Plain data, so a run
 * can be written as JSON and reports can be rendered from it.
 */
import type { AdUser } from "../ad/ad-directory";
import type { CloudRoles, CloudUser, TenantFacts } from "../entra/graph-directory";
import type { PredictedJoin } from "../link/types";

/** What discovery reads of an AD user (a subset of the provider's AdUser). */
export type DiscoveryAdUser = Pick<
  AdUser,
  | "dn"
  | "objectGuid"
  | "objectGuidBytes"
  | "consistencyGuid"
  | "sAMAccountName"
  | "userPrincipalName"
  | "mail"
  | "proxyAddresses"
  | "displayName"
  | "givenName"
  | "sn"
  | "employeeID"
  | "mailNickname"
>;

/** What discovery reads of a cloud user. */
export type DiscoveryCloudUser = CloudUser;

/** Kinds of evidence, strongest first. */
export type EvidenceKind =
  | "sourceAnchor"
  | "employeeId"
  | "primarySmtp"
  | "userPrincipalName"
  | "mailIsCloudProxyAddress"
  | "mailNickname"
  | "displayName"
  | "givenNameAndSurname";

/** One reason to believe an AD user and a cloud user are the same person. */
export interface Evidence {
  kind: EvidenceKind;
  /** The value both sides share (as the AD side writes it). */
  value: string;
  /** Weight of this kind (0-1): the chance it alone identifies the person. */
  weight: number;
}

/** Weights of the evidence kinds; confidence = 1 - Π(1 - weight). */
export const EVIDENCE_WEIGHTS: Record<EvidenceKind, number> = {
  sourceAnchor: 0.99,
  employeeId: 0.9,
  primarySmtp: 0.9,
  userPrincipalName: 0.85,
  mailIsCloudProxyAddress: 0.75,
  mailNickname: 0.5,
  displayName: 0.4,
  givenNameAndSurname: 0.35,
};

/** Human text of each evidence kind, for reports. */
export const EVIDENCE_LABELS: Record<EvidenceKind, string> = {
  sourceAnchor: "cloud ImmutableId equals the AD source anchor",
  employeeId: "same employeeId",
  primarySmtp: "same primary SMTP address",
  userPrincipalName: "same userPrincipalName",
  mailIsCloudProxyAddress: "AD mail is a cloud proxy address",
  mailNickname: "sAMAccountName / mailNickname equals the cloud mailNickname",
  displayName: "same displayName",
  givenNameAndSurname: "same givenName and surname",
};

/** Short reference to an AD user in results. */
export interface AdUserRef {
  dn: string;
  objectGuid: string;
  samAccountName: string;
  userPrincipalName: string | null;
  displayName: string | null;
}

/** Short reference to a cloud user in results. */
export interface CloudUserRef {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
}

/** A candidate pair with its evidence. */
export interface CandidatePair {
  ad: AdUserRef;
  cloud: CloudUserRef;
  evidence: Evidence[];
  /** 0-1, three decimals. */
  confidence: number;
}

/** A proposed link. */
export interface Proposal extends CandidatePair {
  /** Resource name for the links file (unique within the run). */
  name: string;
  match: "soft";
  /** What Entra Connect is predicted to do after the link's soft-match alignment. */
  predictedJoin: PredictedJoin;
  /** The link's plan, "side attribute: current → planned". */
  plan: string[];
  /** True when the prediction is a join (hard/soft match or already joined): written to the links file. */
  joins: boolean;
  warnings: string[];
}

export type ConflictKind =
  | "cloudUserClaimedByMany"
  | "adUserMatchesMany"
  | "privilegedCloudUser"
  | "cloudUserSyncedElsewhere";

/** Something a person must decide; none of its users is proposed. */
export interface Conflict {
  kind: ConflictKind;
  /** One or two sentences naming the users and what to do. */
  message: string;
  ad: AdUserRef[];
  cloud: CloudUserRef[];
  /** The pairs involved, strongest first. */
  pairs: CandidatePair[];
}

/** Tunables of the matcher. */
export interface MatchOptions {
  /** Pairs below this confidence are not candidates. Default 0.5. */
  minConfidence?: number;
  /** Two candidates whose confidence differs by less than this are ambiguous. Default 0.1. */
  ambiguityMargin?: number;
  /** A displayName or givenName+surname shared by more users than this is not used as evidence. Default 50. */
  maxNameBucket?: number;
}

/** Facts beyond the users, for the prediction (all optional for pure use). */
export interface MatchContext {
  tenant?: TenantFacts;
  /** Active and eligible roles by cloud user id (users absent from the map hold none). */
  roles?: ReadonlyMap<string, CloudRoles>;
  /** DNs links may touch (the provider's ad-entra-link:allowedSearchBases); proposals outside are warned. */
  allowedSearchBases?: readonly string[];
  /** When the prediction is made (default now). */
  asOf?: Date;
}

export interface DiscoveryStats {
  adUsers: number;
  cloudUsers: number;
  /** Cloud users left out of matching: guests (userType Guest). */
  cloudGuestsSkipped: number;
  /** Cloud users already synchronized from on-premises (not link targets). */
  cloudAlreadySynced: number;
  candidatePairs: number;
  proposals: number;
  proposalsThatJoin: number;
  conflicts: number;
  unmatchedAd: number;
  unmatchedCloud: number;
  /** Names shared by more than maxNameBucket users, not used as evidence. */
  namesTooCommon: number;
  matchMs: number;
}

export interface DiscoveryResult {
  proposals: Proposal[];
  conflicts: Conflict[];
  unmatchedAd: AdUserRef[];
  /** Cloud-managed member users nobody matched. */
  unmatchedCloud: CloudUserRef[];
  stats: DiscoveryStats;
  options: Required<MatchOptions>;
}
