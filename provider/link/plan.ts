/**
 * Pure planning: from what both directories hold now and what the link declares, compute the
 * target values on both sides and the changes to get there. No I/O; the same function serves
 * preview (check), up (create/update) and drift repair, so they can never disagree.
 */
import { bytesToGuid } from "../core/guid";
import { bytesToImmutableId } from "../core/immutable-id";
import { planProxyAddresses, primarySmtpOf } from "../core/proxy-addresses";
import { InvalidInputError } from "../errors";
import type {
  PlannedChanges,
  ProxyAddressChange,
  SyncState,
  UserLinkDeclaration,
  ValueChange,
} from "./types";

/** The AD facts planning needs (a subset of what the AD module reads). */
export interface AdFacts {
  dn: string;
  objectGuidBytes: Buffer;
  consistencyGuid?: Buffer;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses: string[];
}

/** The cloud facts planning needs. */
export interface CloudFacts {
  id: string;
  userPrincipalName: string;
  mail?: string | null;
  proxyAddresses: string[];
  onPremisesImmutableId?: string | null;
  onPremisesSyncEnabled?: boolean | null;
}

export interface LinkPlan {
  immutableId: string;
  sourceAnchorAttribute: "objectGUID" | "mS-DS-ConsistencyGuid";
  /** Bytes to write into mS-DS-ConsistencyGuid first, when asked to. */
  writeConsistencyGuid?: Buffer;
  target: {
    userPrincipalName: string;
    mail: string | null;
    primarySmtp: string | null;
    proxyAddresses: string[];
    onPremisesImmutableId: string | null;
  };
  proxy: { add: string[]; remove: string[] };
  changes: PlannedChanges;
  /** One line per change, "side attribute: current → planned". */
  summary: string[];
  hasChanges: boolean;
}

function valueChange(current: string | null | undefined, planned: string | null): ValueChange | undefined {
  const c = current ?? null;
  return c === planned ? undefined : { current: c, planned };
}

/** The anchor Entra Connect will send, the attribute it comes from, and bytes to stamp first if asked. */
interface AnchorChoice {
  anchorBytes: Buffer;
  sourceAnchorAttribute: LinkPlan["sourceAnchorAttribute"];
  writeConsistencyGuid?: Buffer;
}

/**
 * Which anchor Entra Connect will send: mS-DS-ConsistencyGuid when set, else objectGUID (E3).
 * @throws InvalidInputError when the declared sourceAnchor contradicts what the AD user holds
 */
function chooseAnchor(decl: UserLinkDeclaration, ad: AdFacts): AnchorChoice {
  if (decl.sourceAnchor === "objectGUID") {
    if (ad.consistencyGuid !== undefined && !ad.consistencyGuid.equals(ad.objectGuidBytes)) {
      throw new InvalidInputError(
        "SOURCE_ANCHOR_CONFLICT",
        "sourceAnchor",
        `ad-entra-link: sourceAnchor is "objectGUID", but ${ad.dn} has a different mS-DS-ConsistencyGuid (${bytesToGuid(ad.consistencyGuid)}); Entra Connect with the ConsistencyGuid anchor would send that value instead. Use sourceAnchor "auto" or "mS-DS-ConsistencyGuid", or clear the attribute on purpose first.`,
      );
    }
    return { anchorBytes: ad.objectGuidBytes, sourceAnchorAttribute: "objectGUID" };
  }
  if (ad.consistencyGuid !== undefined) {
    return { anchorBytes: ad.consistencyGuid, sourceAnchorAttribute: "mS-DS-ConsistencyGuid" };
  }
  if (decl.writeConsistencyGuid) {
    return {
      anchorBytes: ad.objectGuidBytes,
      writeConsistencyGuid: ad.objectGuidBytes,
      sourceAnchorAttribute: "mS-DS-ConsistencyGuid",
    };
  }
  if (decl.sourceAnchor === "mS-DS-ConsistencyGuid") {
    throw new InvalidInputError(
      "SOURCE_ANCHOR_MISSING",
      "sourceAnchor",
      `ad-entra-link: sourceAnchor is "mS-DS-ConsistencyGuid", but ${ad.dn} has none. Set writeConsistencyGuid: true to stamp its objectGUID there first, or use sourceAnchor "auto".`,
    );
  }
  return { anchorBytes: ad.objectGuidBytes, sourceAnchorAttribute: "objectGUID" };
}

/** The changes from what both sides hold to the target values. */
function plannedChanges(
  decl: UserLinkDeclaration,
  ad: AdFacts,
  cloud: CloudFacts,
  target: LinkPlan["target"],
  proxyPlan: ReturnType<typeof planProxyAddresses>,
  immutableId: string,
  writeConsistencyGuid: Buffer | undefined,
): PlannedChanges {
  const changes: PlannedChanges = { onPremises: {}, cloud: {} };
  const upn = valueChange(ad.userPrincipalName, target.userPrincipalName);
  if (upn) changes.onPremises.userPrincipalName = upn;
  // Mail is only managed when there is a value to align to; a cloud user without a mailbox leaves it alone.
  const mail = target.mail === null ? undefined : valueChange(ad.mail, target.mail);
  if (mail) changes.onPremises.mail = mail;
  if (proxyPlan.add.length > 0 || proxyPlan.remove.length > 0) {
    const change: ProxyAddressChange = {
      current: [...ad.proxyAddresses],
      planned: proxyPlan.result,
      add: proxyPlan.add,
      remove: proxyPlan.remove,
    };
    changes.onPremises.proxyAddresses = change;
  }
  if (writeConsistencyGuid !== undefined) {
    changes.onPremises["mS-DS-ConsistencyGuid"] = {
      current: null,
      planned: bytesToGuid(writeConsistencyGuid),
    };
  }
  if (decl.match === "hard") {
    const immutable = valueChange(cloud.onPremisesImmutableId, immutableId);
    if (immutable) changes.cloud.onPremisesImmutableId = immutable;
  }
  return changes;
}

/** One line per change, "side attribute: current → planned". */
function summarize(changes: PlannedChanges): string[] {
  const summary: string[] = [];
  const show = (v: string | null) => (v === null ? "(not set)" : v);
  for (const [attr, c] of Object.entries(changes.onPremises)) {
    if (attr === "proxyAddresses") {
      summary.push(`on-premises proxyAddresses: ${describeProxyChange(c as ProxyAddressChange)}`);
    } else {
      const v = c as ValueChange;
      summary.push(`on-premises ${attr}: ${show(v.current)} → ${show(v.planned)}`);
    }
  }
  if (changes.cloud.onPremisesImmutableId) {
    const v = changes.cloud.onPremisesImmutableId;
    summary.push(`cloud onPremisesImmutableId: ${show(v.current)} → ${show(v.planned)}`);
  }
  return summary;
}

/**
 * Computes the plan of one link.
 * @throws InvalidInputError when the declaration asks for something the AD user cannot give
 *   (e.g. sourceAnchor mS-DS-ConsistencyGuid on a user without one).
 */
export function planLink(decl: UserLinkDeclaration, ad: AdFacts, cloud: CloudFacts): LinkPlan {
  const { anchorBytes, sourceAnchorAttribute, writeConsistencyGuid } = chooseAnchor(decl, ad);
  const immutableId = bytesToImmutableId(anchorBytes);

  const targetUpn = decl.userPrincipalName ?? cloud.userPrincipalName;
  const cloudPrimary = primarySmtpOf(cloud.proxyAddresses, cloud.mail ?? undefined) ?? null;
  const targetMail = decl.mail ?? cloud.mail ?? cloudPrimary ?? null;
  const targetPrimary = decl.primarySmtpAddress ?? targetMail;
  const proxyPlan = planProxyAddresses(ad.proxyAddresses, {
    ...(targetPrimary !== null ? { primarySmtp: targetPrimary } : {}),
    ...(decl.additionalProxyAddresses !== undefined ? { additional: decl.additionalProxyAddresses } : {}),
  });
  const target: LinkPlan["target"] = {
    userPrincipalName: targetUpn,
    mail: targetMail,
    primarySmtp: targetPrimary,
    proxyAddresses: proxyPlan.result,
    onPremisesImmutableId: decl.match === "hard" ? immutableId : (cloud.onPremisesImmutableId ?? null),
  };

  const changes = plannedChanges(decl, ad, cloud, target, proxyPlan, immutableId, writeConsistencyGuid);
  const summary = summarize(changes);
  const plan: LinkPlan = {
    immutableId,
    sourceAnchorAttribute,
    target,
    proxy: { add: proxyPlan.add, remove: proxyPlan.remove },
    changes,
    summary,
    hasChanges: summary.length > 0,
  };
  if (writeConsistencyGuid !== undefined) plan.writeConsistencyGuid = writeConsistencyGuid;
  return plan;
}

/**
 * Reads a value-level proxy edit the way a reviewer thinks of it: a value whose only change is the
 * prefix case is shown as re-cased (`smtp:a → SMTP:a`), everything else as removed (-) or added (+).
 */
export function describeProxyChange(p: Pick<ProxyAddressChange, "add" | "remove">): string {
  const parts: string[] = [];
  const added = [...p.add];
  for (const removed of p.remove) {
    const i = added.findIndex((a) => a.toLowerCase() === removed.toLowerCase());
    if (i >= 0) {
      const now = added.splice(i, 1)[0]!;
      const role = now.startsWith("SMTP:") ? "primary" : now.startsWith("smtp:") ? "secondary" : "re-cased";
      parts.push(`${removed} → ${now} (${role})`);
    } else parts.push(`-${removed}`);
  }
  for (const a of added) parts.push(`+${a}`);
  return parts.join(", ");
}

/** Where the pair stands in Entra Connect's eyes. */
export function syncStateOf(cloud: CloudFacts, immutableId: string, adAligned: boolean): SyncState {
  if (cloud.onPremisesSyncEnabled === true) {
    return cloud.onPremisesImmutableId === immutableId ? "synced" : "syncedElsewhere";
  }
  if (cloud.onPremisesImmutableId === immutableId || adAligned) return "pendingSync";
  return "cloudOnly";
}
