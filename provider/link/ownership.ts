/**
 * The one ownership rule: the stack that links a cloud user records itself on it, and a record of
 * another stack refuses the link (two stacks linking one user would undo each other on every run).
 */
import type { EntraPort, Ownership } from "../domain/ports";
import { SafetyBlockError } from "../errors";
import type { Resolution } from "./resolution";

/**
 * The refusal when another stack's record is on the cloud user. Values read from the record are
 * shown escaped and shortened: another stack (or anyone with write access to the user) wrote them.
 */
export function ownedElsewhere(
  r: Resolution,
  owner: string,
  recorded: Ownership | undefined,
): SafetyBlockError | undefined {
  if (recorded === undefined || recorded.owner === owner) return undefined;
  const shown = (v: string) => JSON.stringify(v.slice(0, 200));
  return new SafetyBlockError(
    "LINK_OWNED_BY_OTHER_STACK",
    `ad-entra-link: the cloud user ${r.cloud.userPrincipalName} (${r.cloud.id}) is already linked by stack ${shown(recorded.owner)} (link ${shown(recorded.linkName)}, AD object ${shown(recorded.onPremisesObjectGuid)}). Two stacks linking one user would undo each other on every run; nothing was written. Remove the link there (pulumi destroy releases it) or here.`,
    { property: "cloud", side: "cloud" },
  );
}

/**
 * Records this stack as the owner of the cloud user before anything is written, so a second
 * stack is refused at its preview; refuses when another stack got there first. True when the
 * record was created by this call (and must go again if nothing else is written).
 *
 * `read`: the record as this run's check read it, if it did. Creating the record is itself the
 * compare-and-swap (Graph answers 409 when one exists, and ownership.ts then reads and judges it),
 * so only a record the check saw as ours is read again, to know it is still there.
 */
export async function claimOwnership(
  entra: EntraPort,
  r: Resolution,
  linkName: string,
  owner: string,
  read?: { recorded: Ownership | undefined },
): Promise<boolean> {
  const recorded =
    read !== undefined && read.recorded === undefined ? undefined : await entra.getOwnership(r.cloud.id);
  const conflict = ownedElsewhere(r, owner, recorded);
  if (conflict !== undefined) throw conflict;
  if (recorded?.linkName !== linkName || recorded.onPremisesObjectGuid !== r.ad.objectGuid) {
    await entra.setOwnership(r.cloud.id, { owner, linkName, onPremisesObjectGuid: r.ad.objectGuid });
    return recorded === undefined;
  }
  return false;
}
