/** What `up` learned about a link's join (output `joinResult`) and `status` shows per link. */

export type ConfirmedOutcome =
  /** The AD user is joined to the declared cloud user. */
  | "joined"
  /** A new cloud user was created beside the declared one (a duplicate). */
  | "duplicate"
  /** The AD user joined another existing cloud object. */
  | "joinedOther"
  /** The export was refused (provisioning error, blocked match). */
  | "failed"
  /** Cloud Sync skipped the user (out of scope). */
  | "skipped"
  /** Entra Connect: no cycle joined the user before the timeout. */
  | "timedOut";

export interface JoinResult {
  engine: "entraConnect" | "cloudSync";
  outcome: ConfirmedOutcome;
  /** The cloud user the link declares. */
  expectedObjectId: string;
  /** The object the AD user ended up joined to (or the duplicate created). */
  cloudObjectId?: string;
  /** How it matched (Cloud Sync's Matching step: sourceAnchor, proxyAddresses, userPrincipalName). */
  matchedBy?: string;
  /** Synced users other than the declared one that hold the anchor (quarantined duplicates). */
  duplicates?: { id: string; userPrincipalName: string }[];
  /** `onPremisesProvisioningErrors` of the joined user: quarantined values. */
  provisioningErrors?: string[];
  errorCode?: string;
  /** One line for people: what happened, and what to do when it is not a join. */
  summary: string;
  checkedAt: string;
}

export const isConfirmed = (r: JoinResult): boolean => r.outcome === "joined";
