/**
 * One reading of an observation of a linked user, shared by `up`'s Entra Connect wait
 * (provider/confirm/connect-wait.ts) and `status` (./status.ts), so that the two never disagree on
 * what "synced", "pending" or "a duplicate" means.
 */
import type { ObservedLink, SyncObservation } from "../domain/ports";

export type LinkSyncState =
  /** Joined: synced, carrying the link's ImmutableId. */
  | "synced"
  /** Synced from another AD object (another ImmutableId). */
  | "syncedElsewhere"
  /** Cloud-only, its ImmutableId already the link's: the next cycle hard-matches it. */
  | "pending"
  /** Cloud-only, nothing stamped yet (a soft link waits for the cycle's soft match). */
  | "cloudOnly"
  /** The declared cloud user no longer exists. */
  | "missing";

export interface Duplicate {
  id: string;
  userPrincipalName: string;
}

export interface SyncReading {
  state: LinkSyncState;
  /** Synced users other than the declared one holding the link's anchor: the sync service created them. */
  duplicates: Duplicate[];
  /** The declared user's `onPremisesProvisioningErrors`, one line each. */
  userErrors: string[];
  /** The duplicates' `onPremisesProvisioningErrors` (what was quarantined on them). */
  duplicateErrors: string[];
}

/** One provisioning error as people read it: `UserPrincipalName bruno@contoso.com (PropertyConflict)`. */
export function provisioningErrorLine(e: SyncObservation["provisioningErrors"][number]): string {
  return `${e.propertyCausingError} ${e.value} (${e.category})`;
}

const errorsOf = (u: SyncObservation | undefined): string[] =>
  (u?.provisioningErrors ?? []).map(provisioningErrorLine);

/** The reading of one link (pure). Anchors compare case-sensitively, object ids do not. */
export function readSyncState(
  link: ObservedLink,
  user: SyncObservation | undefined,
  holders: readonly SyncObservation[],
): SyncReading {
  const declared = link.cloudUserId.toLowerCase();
  const others = holders.filter((h) => h.id.toLowerCase() !== declared && h.onPremisesSyncEnabled === true);
  const reading = {
    duplicates: others.map((h) => ({ id: h.id, userPrincipalName: h.userPrincipalName })),
    userErrors: errorsOf(user),
    duplicateErrors: others.flatMap(errorsOf),
  };
  if (user === undefined) return { ...reading, state: "missing" };
  if (user.onPremisesSyncEnabled === true)
    return {
      ...reading,
      state: user.onPremisesImmutableId === link.immutableId ? "synced" : "syncedElsewhere",
    };
  return { ...reading, state: user.onPremisesImmutableId === link.immutableId ? "pending" : "cloudOnly" };
}
