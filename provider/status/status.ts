/**
 * `ad-entra-link status`: per link, what the sync service did — read-only (User.Read.All), batched
 * (provider/entra/join-observation.ts: 1,000 links are 8 `$batch` requests).
 */
import type { JoinObservationPort, SyncObservation } from "../domain/ports";

export type LinkSyncState = "cloudOnly" | "pending" | "synced" | "syncedElsewhere" | "missing";

export interface StatusLink {
  linkName: string;
  cloudUserId: string;
  immutableId: string;
  onPremisesDistinguishedName?: string;
  /** The `joinResult` recorded by the last confirmed `up`, if any. */
  recordedOutcome?: string;
}

export interface LinkStatus {
  linkName: string;
  cloudUserId: string;
  userPrincipalName?: string;
  state: LinkSyncState;
  /** What joined: the linked user (synced), another object (a duplicate holding the anchor), or nothing yet. */
  join: string;
  duplicates: { id: string; userPrincipalName: string }[];
  provisioningErrors: string[];
  lastSync?: string;
  recordedOutcome?: string;
}

const errorsOf = (u: SyncObservation | undefined): string[] =>
  (u?.provisioningErrors ?? []).map((e) => `${e.propertyCausingError} ${e.value} (${e.category})`);

/** The status of one link from one observation (pure). */
export function statusOf(
  link: StatusLink,
  user: SyncObservation | undefined,
  holders: readonly SyncObservation[],
): LinkStatus {
  const duplicates = holders
    .filter((h) => h.id.toLowerCase() !== link.cloudUserId.toLowerCase())
    .map((h) => ({ id: h.id, userPrincipalName: h.userPrincipalName }));
  const base = {
    linkName: link.linkName,
    cloudUserId: link.cloudUserId,
    duplicates,
    provisioningErrors: [...errorsOf(user), ...holders.filter((h) => h.id !== user?.id).flatMap(errorsOf)],
    ...(link.recordedOutcome !== undefined ? { recordedOutcome: link.recordedOutcome } : {}),
  };
  if (user === undefined)
    return { ...base, state: "missing", join: "the linked cloud user no longer exists" };
  const upn = { userPrincipalName: user.userPrincipalName };
  const lastSync = user.onPremisesLastSyncDateTime ? { lastSync: user.onPremisesLastSyncDateTime } : {};
  if (user.onPremisesSyncEnabled === true && user.onPremisesImmutableId === link.immutableId)
    return { ...base, ...upn, ...lastSync, state: "synced", join: `joined to ${user.userPrincipalName}` };
  if (user.onPremisesSyncEnabled === true)
    return {
      ...base,
      ...upn,
      ...lastSync,
      state: "syncedElsewhere",
      join: `synced from another AD object (ImmutableId ${user.onPremisesImmutableId ?? "none"})`,
    };
  const dup = duplicates[0];
  if (dup !== undefined)
    return {
      ...base,
      ...upn,
      state: "cloudOnly",
      join: `a DUPLICATE ${dup.userPrincipalName} (${dup.id}) took the AD user`,
    };
  return {
    ...base,
    ...upn,
    state: user.onPremisesImmutableId === link.immutableId ? "pending" : "cloudOnly",
    join: "not joined yet",
  };
}

export async function linkStatuses(
  port: JoinObservationPort,
  links: readonly StatusLink[],
): Promise<LinkStatus[]> {
  const { users, byAnchor } = await port.observe(links);
  return links.map((l) => statusOf(l, users.get(l.cloudUserId), byAnchor.get(l.immutableId) ?? []));
}

/** One line per link, for people. */
export function statusLine(s: LinkStatus): string {
  const parts = [`${s.linkName}: ${s.state}`, s.join];
  if (s.duplicates.length > 0)
    parts.push(`duplicates: ${s.duplicates.map((d) => d.userPrincipalName).join(", ")}`);
  if (s.provisioningErrors.length > 0) parts.push(`provisioning errors: ${s.provisioningErrors.join("; ")}`);
  if (s.recordedOutcome !== undefined) parts.push(`last up: ${s.recordedOutcome}`);
  return parts.join(" — ");
}

/** The links recorded in a `pulumi stack export` document. */
export function linksFromStackExport(doc: unknown): StatusLink[] {
  const resources = ((doc as { deployment?: { resources?: unknown[] } })?.deployment?.resources ?? []) as {
    urn?: string;
    outputs?: Record<string, unknown>;
  }[];
  const out: StatusLink[] = [];
  for (const r of resources) {
    if (!r.urn?.includes("ad-entra-link:UserLink")) continue;
    const o = r.outputs ?? {};
    const resolved = o["resolved"] as
      | { cloudUserId?: string; onPremisesDistinguishedName?: string }
      | undefined;
    const immutableId = o["immutableId"];
    if (typeof resolved?.cloudUserId !== "string" || typeof immutableId !== "string") continue;
    const recorded = (o["joinResult"] as { outcome?: string } | undefined)?.outcome;
    out.push({
      linkName: r.urn.split("::").pop() ?? r.urn,
      cloudUserId: resolved.cloudUserId,
      immutableId,
      ...(resolved.onPremisesDistinguishedName
        ? { onPremisesDistinguishedName: resolved.onPremisesDistinguishedName }
        : {}),
      ...(recorded !== undefined ? { recordedOutcome: recorded } : {}),
    });
  }
  return out;
}
