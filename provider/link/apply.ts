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
import type { BeforeState, UserLinkInputs, UserLinkOutputs, ValueChange } from "./types";

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

/**
 * The single LDAP modify that aligns the AD user, or undefined when nothing changes there.
 * `compareAndSwap`: every changed single value is deleted by its old value and added anew, so the
 * DC refuses the whole modify (nothing written) when the user no longer holds what was planned
 * from; `replace` overwrites them (after a live read, and for the partial-state re-run). Proxy
 * addresses are always added and deleted value by value: values we do not manage are never touched.
 */
export function adModification(
  r: Resolution,
  mode: "compareAndSwap" | "replace",
): AdModification | undefined {
  const c = r.plan.changes.onPremises;
  const replace: Record<string, string | Buffer | null> = {};
  const add: Record<string, string[] | Buffer[]> = {};
  const del: Record<string, string[]> = {};
  const single = (attribute: string, change: ValueChange | undefined) => {
    if (change === undefined) return;
    if (mode === "replace") {
      replace[attribute] = change.planned;
      return;
    }
    if (change.current !== null) del[attribute] = [change.current];
    if (change.planned !== null) add[attribute] = [change.planned];
  };
  single("userPrincipalName", c.userPrincipalName);
  single("mail", c.mail);
  if (r.plan.writeConsistencyGuid) {
    // Planned only while the attribute is empty: adding fails if someone set an anchor since.
    if (mode === "replace") replace["mS-DS-ConsistencyGuid"] = r.plan.writeConsistencyGuid;
    else add["mS-DS-ConsistencyGuid"] = [r.plan.writeConsistencyGuid];
  }
  if (c.proxyAddresses) {
    add["proxyAddresses"] = c.proxyAddresses.add;
    del["proxyAddresses"] = c.proxyAddresses.remove;
  }
  const empty = (o: object) => Object.values(o).every((v) => Array.isArray(v) && v.length === 0);
  if (Object.keys(replace).length === 0 && empty(add) && empty(del)) return undefined;
  return { replace, add, delete: del };
}

/**
 * True when a compare-and-swap modify was refused because the user no longer holds what the check
 * read: a value to delete is gone, a value to add is there, or a single-valued attribute is set.
 */
export function isStaleWrite(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === "LDAP_NO_SUCH_ATTRIBUTE" ||
    code === "LDAP_TYPE_OR_VALUE_EXISTS" ||
    code === "LDAP_CONSTRAINT_VIOLATION"
  );
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

/**
 * The outputs after both writes succeeded from the check's reads: both objects as read, with what
 * the writes set (they succeeded, so the values they replaced were still there).
 */
export function computedOutputs(r: Resolution, recorded: Recorded): UserLinkOutputs {
  const c = r.plan.changes;
  const proxy = c.onPremises.proxyAddresses;
  const gone = new Set(proxy?.remove ?? []);
  const adAfter: AdUser = {
    ...r.ad,
    proxyAddresses: proxy
      ? [...r.ad.proxyAddresses.filter((v) => !gone.has(v)), ...proxy.add]
      : r.ad.proxyAddresses,
  };
  const upn = c.onPremises.userPrincipalName;
  if (upn !== undefined) setOrDelete(adAfter, "userPrincipalName", upn.planned);
  if (c.onPremises.mail !== undefined) setOrDelete(adAfter, "mail", c.onPremises.mail.planned);
  if (r.plan.writeConsistencyGuid) adAfter.consistencyGuid = r.plan.writeConsistencyGuid;
  const immutable = c.cloud.onPremisesImmutableId;
  const cloudAfter: CloudUser =
    immutable === undefined ? r.cloud : { ...r.cloud, onPremisesImmutableId: immutable.planned };
  return outputsOf(r, recorded, adAfter, cloudAfter, true, true);
}

function setOrDelete(ad: AdUser, key: "userPrincipalName" | "mail", value: string | null): void {
  if (value === null) delete ad[key];
  else ad[key] = value;
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
    // As refresh records it: nothing drifted from what this apply wrote.
    drift: [],
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
