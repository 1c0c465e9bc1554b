/**
 * `onDelete: restore`: put back what the link changed, leaving values it never managed alone. The
 * AD user gets back its recorded values in one modify (proxy addresses: exactly those the link
 * added or re-cased); the cloud user its ImmutableId, unless Entra Connect manages it by now.
 */
import { bytesToGuid, guidToBytes } from "../core/guid";
import { restoreProxyAddresses } from "../core/proxy-addresses";
import type { AdModification, AdPort, AdUser, EntraPort } from "../domain/ports";
import type { UserLinkOutputs } from "./types";

/** Restores both objects of the link; returns notes on what was done or left. */
export async function restoreLink(ad: AdPort, entra: EntraPort, outputs: UserLinkOutputs): Promise<string[]> {
  const notes: string[] = [];
  const identity = outputs.resolved;
  if (identity === undefined) return notes;
  const adUser = await ad.readByGuid(identity.onPremisesObjectGuid);
  if (adUser !== undefined) {
    const modification = onPremisesRestore(adUser, outputs);
    if (modification !== undefined) {
      await ad.modify(adUser.dn, modification);
      notes.push(`restored ${adUser.dn}`);
    }
  } else {
    notes.push(
      `on-premises object ${identity.onPremisesObjectGuid} no longer exists; nothing to restore there`,
    );
  }
  const cloud = await entra.findUserById(identity.cloudUserId);
  if (cloud !== undefined) {
    const want = outputs.before.cloud.onPremisesImmutableId;
    if ((cloud.onPremisesImmutableId ?? null) !== want) {
      if (cloud.onPremisesSyncEnabled === true) {
        notes.push(
          `${cloud.userPrincipalName} is synchronized now; its ImmutableId belongs to Entra Connect and was left as is`,
        );
      } else {
        await entra.setImmutableId(cloud.id, want);
        notes.push(`restored the ImmutableId of ${cloud.userPrincipalName}`);
      }
    }
  }
  return notes;
}

/** The one LDAP modify that puts the AD user back, or undefined when it already holds the recorded values. */
function onPremisesRestore(ad: AdUser, outputs: UserLinkOutputs): AdModification | undefined {
  const b = outputs.before.onPremises;
  const replace: Record<string, string | Buffer | null> = {};
  if ((ad.userPrincipalName ?? null) !== b.userPrincipalName)
    replace["userPrincipalName"] = b.userPrincipalName;
  if ((ad.mail ?? null) !== b.mail) replace["mail"] = b.mail;
  const currentCg = ad.consistencyGuid ? bytesToGuid(ad.consistencyGuid) : null;
  if (currentCg !== b.consistencyGuid) {
    replace["mS-DS-ConsistencyGuid"] = b.consistencyGuid === null ? null : guidToBytes(b.consistencyGuid);
  }
  // Proxy addresses: undo exactly the values the link added/re-cased; others added since stay.
  const restoredProxies = restoreProxyAddresses(
    ad.proxyAddresses,
    b.proxyAddresses,
    outputs.proxyAddressesAdded ?? [],
  );
  const add = { proxyAddresses: restoredProxies.add };
  const del = { proxyAddresses: restoredProxies.remove };
  if (
    Object.keys(replace).length === 0 &&
    restoredProxies.add.length === 0 &&
    restoredProxies.remove.length === 0
  )
    return undefined;
  return { replace, add, delete: del };
}
