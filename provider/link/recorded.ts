/**
 * What a link's state records about the directories: the id of the link, the live state of both
 * objects, what they held before the link first wrote (for `onDelete: restore`), and the checked
 * inputs contained in the outputs.
 */
import { bytesToGuid } from "../core/guid";
import type { AdUser, CloudUser } from "../domain/ports";
import {
  type BeforeState,
  type CloudState,
  INPUT_KEYS,
  type OnPremisesState,
  type ResolvedIdentity,
  type UserLinkInputs,
  type UserLinkOutputs,
} from "./types";

/** The id Pulumi records for a link: both objects' ids, so a new object is a new resource. */
export function linkId(identity: ResolvedIdentity): string {
  return `${identity.onPremisesObjectGuid}/${identity.cloudUserId}`;
}

/** The AD user as the state records it (the anchor as a GUID string, absent values as null). */
export function onPremisesState(ad: AdUser): OnPremisesState {
  return {
    distinguishedName: ad.dn,
    objectGuid: ad.objectGuid,
    userPrincipalName: ad.userPrincipalName ?? null,
    mail: ad.mail ?? null,
    proxyAddresses: [...ad.proxyAddresses],
    consistencyGuid: ad.consistencyGuid ? bytesToGuid(ad.consistencyGuid) : null,
  };
}

/** The cloud user as the state records it (absent values as null). */
export function cloudState(cloud: CloudUser): CloudState {
  return {
    id: cloud.id,
    userPrincipalName: cloud.userPrincipalName,
    mail: cloud.mail ?? null,
    proxyAddresses: [...cloud.proxyAddresses],
    onPremisesImmutableId: cloud.onPremisesImmutableId ?? null,
    onPremisesSyncEnabled: cloud.onPremisesSyncEnabled ?? null,
  };
}

/** What both users held before the link first wrote: what `onDelete: restore` puts back. */
export function beforeState(ad: AdUser, cloud: CloudUser): BeforeState {
  const s = onPremisesState(ad);
  return {
    onPremises: {
      userPrincipalName: s.userPrincipalName,
      mail: s.mail,
      proxyAddresses: s.proxyAddresses,
      consistencyGuid: s.consistencyGuid,
    },
    cloud: { onPremisesImmutableId: cloud.onPremisesImmutableId ?? null },
  };
}

/** The identity of the objects a link resolved to. */
export function resolvedIdentityOf(ad: AdUser, cloud: CloudUser): ResolvedIdentity {
  return { onPremisesObjectGuid: ad.objectGuid, onPremisesDistinguishedName: ad.dn, cloudUserId: cloud.id };
}

/** The checked inputs contained in a link's outputs (outputs extend inputs with directory state). */
export function inputsOf(outputs: UserLinkOutputs): UserLinkInputs {
  const picked: Record<string, unknown> = {};
  for (const k of INPUT_KEYS) if (outputs[k] !== undefined) picked[k] = outputs[k];
  return picked as unknown as UserLinkInputs;
}
