/**
 * The phases of apply after the link is resolved and its owner recorded: what the outputs record,
 * the single AD modify, the Graph write, the re-read, and what a failure leaves behind. Once AD may
 * have changed, every failure must leave partial state: otherwise the next run would record the
 * already-changed values as "before", and `onDelete: restore` would restore those.
 */
import type { AdModification, AdPort, AdUser, CloudUser, EntraPort } from "../domain/ports";
import { DirectoryRequestError } from "../errors";
import { formatLinkIdentity } from "./identity";
import { syncStateOf } from "./plan";
import { beforeState, cloudState, linkId, onPremisesState, resolvedIdentityOf } from "./recorded";
import type { Resolution } from "./resolution";
import type { BeforeState, UserLinkInputs, UserLinkOutputs } from "./types";

/**
 * Thrown by apply when one side was written and the other failed: `outputs` is what the link looks
 * like now, so the caller can record partial state and the next run finishes the job.
 */
export class PartialApplyError extends Error {
  constructor(
    message: string,
    readonly linkId: string,
    readonly outputs: UserLinkOutputs,
  ) {
    super(message);
    this.name = "PartialApplyError";
  }
}

/** What the outputs of this apply record whatever the writes do. */
export interface Recorded {
  id: string;
  inputs: Omit<UserLinkOutputs, "onPremisesState" | "cloudState" | "syncState" | "before">;
  before: BeforeState;
  proxyAddressesAdded: string[];
}

/** How far the writes got: `maybe` when the connection dropped during the AD modify. */
export interface Progress {
  adTouched: "no" | "maybe" | "yes";
  step: "graph" | "reread";
}

/**
 * The outputs' fixed part. They repeat the checked inputs as preview showed them (`shown`):
 * Pulumi's update plans (`up --plan`) compare a created resource's outputs with what preview
 * recorded, so they are not recomputed.
 */
export function recordedOf(
  r: Resolution,
  linkName: string,
  shown: UserLinkInputs,
  previous: UserLinkOutputs | undefined,
  owner: string | undefined,
): Recorded {
  const resolved = resolvedIdentityOf(r.ad, r.cloud);
  return {
    id: linkId(resolved),
    before: previous?.before ?? beforeState(r.ad, r.cloud),
    proxyAddressesAdded: [...new Set([...(previous?.proxyAddressesAdded ?? []), ...r.plan.proxy.add])],
    inputs: {
      ...shown,
      // Refresh and destroy need to know who declared the link (preview shows it in the URN).
      ...(owner !== undefined ? { link: formatLinkIdentity(owner, linkName) } : {}),
      resolved,
      immutableId: r.plan.immutableId,
      sourceAnchorAttribute: r.plan.sourceAnchorAttribute,
      predictedJoin: r.prediction,
    },
  };
}

/** The single LDAP modify that aligns the AD user, or undefined when nothing changes there. */
export function adModification(r: Resolution): AdModification | undefined {
  const c = r.plan.changes.onPremises;
  const replace: Record<string, string | Buffer | null> = {};
  if (c.userPrincipalName) replace["userPrincipalName"] = c.userPrincipalName.planned;
  if (c.mail) replace["mail"] = c.mail.planned;
  if (r.plan.writeConsistencyGuid) replace["mS-DS-ConsistencyGuid"] = r.plan.writeConsistencyGuid;
  const add: Record<string, string[]> = c.proxyAddresses ? { proxyAddresses: c.proxyAddresses.add } : {};
  const del: Record<string, string[]> = c.proxyAddresses ? { proxyAddresses: c.proxyAddresses.remove } : {};
  if (Object.keys(replace).length === 0 && !c.proxyAddresses) return undefined;
  return { replace, add, delete: del };
}

/** AD first (one atomic LDAP modify), then Graph; `progress` says how far it got when one fails. */
export async function writeBothSides(
  ad: AdPort,
  entra: EntraPort,
  r: Resolution,
  adWrite: AdModification | undefined,
  progress: Progress,
): Promise<void> {
  if (adWrite !== undefined) {
    progress.adTouched = "maybe"; // a dropped connection during the modify leaves it unknown
    await ad.modify(r.ad.dn, adWrite);
    progress.adTouched = "yes";
  }
  const immutable = r.plan.changes.cloud.onPremisesImmutableId;
  if (immutable !== undefined) {
    if (r.cloud.onPremisesSyncEnabled === true) {
      throw new DirectoryRequestError(
        "CLOUD_USER_NOT_CLOUD_MANAGED",
        `ad-entra-link: cannot set the ImmutableId of ${r.cloud.userPrincipalName}: it is synchronized from on-premises now and Graph refuses writes to it.`,
      );
    }
    await entra.setImmutableId(r.cloud.id, immutable.planned);
  }
}

/** The outputs after both writes: both objects read back (the resolved ones if a read finds none). */
export async function convergedOutputs(
  ad: AdPort,
  entra: EntraPort,
  r: Resolution,
  recorded: Recorded,
): Promise<UserLinkOutputs> {
  const [adAfter, cloudAfter] = await Promise.all([ad.readByDn(r.ad.dn), entra.findUserById(r.cloud.id)]);
  return outputsOf(r, recorded, adAfter ?? r.ad, cloudAfter ?? r.cloud, true, true);
}

/** The outputs with both objects as they are now and how far the writes got. */
function outputsOf(
  r: Resolution,
  recorded: Recorded,
  adNow: AdUser,
  cloudNow: CloudUser,
  onPremisesWritten: boolean,
  cloudWritten: boolean,
): UserLinkOutputs {
  return {
    ...recorded.inputs,
    onPremisesState: onPremisesState(adNow),
    cloudState: cloudState(cloudNow),
    syncState: syncStateOf(cloudNow, r.plan.immutableId, onPremisesWritten),
    before: recorded.before,
    proxyAddressesAdded: recorded.proxyAddressesAdded,
    progress: { onPremisesWritten, cloudWritten },
  };
}

/** True when `err` left both directories as they were (the AD modify failed or was never sent). */
export function nothingChanged(err: unknown, progress: Progress): boolean {
  const notSent = (err as { requestSent?: boolean }).requestSent === false;
  const writeFailed =
    progress.adTouched === "maybe" &&
    (notSent || (err as { name?: string }).name !== "DirectoryUnavailableError");
  return progress.adTouched === "no" || writeFailed;
}

/** The partial state after AD may have changed and a later step failed, as the error apply throws. */
export async function partialApplyError(
  ad: AdPort,
  r: Resolution,
  linkName: string,
  recorded: Recorded,
  err: unknown,
  progress: Progress,
): Promise<PartialApplyError> {
  const adNow = (await ad.readByDn(r.ad.dn).catch(() => undefined)) ?? r.ad;
  const partial = outputsOf(r, recorded, adNow, r.cloud, progress.adTouched === "yes", false);
  const what =
    progress.adTouched === "maybe"
      ? "the domain controller stopped answering during the Active Directory write, which may or may not have been applied"
      : progress.step === "graph"
        ? "Active Directory was updated, but setting the ImmutableId in Entra ID failed"
        : "Active Directory was updated, but reading the result back failed";
  const message = `ad-entra-link: link ${linkName}: ${what}: ${(err as Error).message} Run \`pulumi up\` again to finish; nothing will be lost.`;
  return new PartialApplyError(message, recorded.id, partial);
}
