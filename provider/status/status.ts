/**
 * `ad-entra-link status`: per link, what the sync service did — read-only (User.Read.All), batched
 * (provider/entra/join-observation.ts: 1,000 links are 8 `$batch` requests).
 */
import { unpackOutputs } from "../link/packed";
import type { ResolvedIdentity, UserLinkOutputs } from "../link/types";
import type { JoinObservationPort, SyncObservation } from "../domain/ports";
import { type Duplicate, type LinkSyncState, readSyncState } from "./sync-state";

export type { LinkSyncState } from "./sync-state";

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
  duplicates: Duplicate[];
  provisioningErrors: string[];
  lastSync?: string;
  recordedOutcome?: string;
}

/** The status of one link from one observation (pure). */
export function statusOf(
  link: StatusLink,
  user: SyncObservation | undefined,
  holders: readonly SyncObservation[],
): LinkStatus {
  const { state, duplicates, userErrors, duplicateErrors } = readSyncState(link, user, holders);
  const base = {
    linkName: link.linkName,
    cloudUserId: link.cloudUserId,
    state,
    duplicates,
    provisioningErrors: [...userErrors, ...duplicateErrors],
    ...(user !== undefined ? { userPrincipalName: user.userPrincipalName } : {}),
    ...(user?.onPremisesLastSyncDateTime ? { lastSync: user.onPremisesLastSyncDateTime } : {}),
    ...(link.recordedOutcome !== undefined ? { recordedOutcome: link.recordedOutcome } : {}),
  };
  const dup = duplicates[0];
  if (user === undefined) return { ...base, join: "the linked cloud user no longer exists" };
  switch (state) {
    case "synced":
      return { ...base, join: `joined to ${user.userPrincipalName}` };
    case "syncedElsewhere":
      return {
        ...base,
        join: `synced from another AD object (ImmutableId ${user.onPremisesImmutableId ?? "none"})`,
      };
    default:
      return {
        ...base,
        join:
          dup !== undefined
            ? `a DUPLICATE ${dup.userPrincipalName} (${dup.id}) took the AD user`
            : state === "pending"
              ? "not joined yet: the ImmutableId is stamped, the next sync cycle hard-matches it"
              : "not joined yet",
      };
  }
}

export async function linkStatuses(
  port: JoinObservationPort,
  links: readonly StatusLink[],
): Promise<LinkStatus[]> {
  const { users, byAnchor } = await port.observe(links);
  return links.map((l) => statusOf(l, users.get(l.cloudUserId), byAnchor.get(l.immutableId) ?? []));
}

/** The state as the one-line form writes it. */
export const STATE_WORDS: Record<LinkSyncState, string> = {
  synced: "synced",
  syncedElsewhere: "synced elsewhere",
  pending: "pending",
  cloudOnly: "cloud-only",
  missing: "missing",
};

/** One line per link, for people. */
export function statusLine(s: LinkStatus): string {
  const parts = [`${s.linkName}: ${STATE_WORDS[s.state]}`, s.join];
  if (s.duplicates.length > 0)
    parts.push(`duplicates: ${s.duplicates.map((d) => d.userPrincipalName).join(", ")}`);
  if (s.provisioningErrors.length > 0) parts.push(`provisioning errors: ${s.provisioningErrors.join("; ")}`);
  if (s.recordedOutcome !== undefined) parts.push(`last up: ${s.recordedOutcome}`);
  return parts.join(" — ");
}

/** What `status` prints: one line per link, or (`json`) the LinkStatus array. */
export function renderStatus(statuses: readonly LinkStatus[], json: boolean): string {
  if (json) return `${JSON.stringify(statuses, null, 2)}\n`;
  return statuses.map((s) => `${statusLine(s)}\n`).join("");
}

/**
 * What a pipeline must not pass over: a duplicate holding the link's anchor, a provisioning error,
 * the user synced from another object, or the cloud user gone. Cloud-only and pending links are
 * waiting for a cycle, not failing.
 */
export function needsAttention(s: LinkStatus): boolean {
  return (
    s.state === "syncedElsewhere" ||
    s.state === "missing" ||
    s.duplicates.length > 0 ||
    s.provisioningErrors.length > 0
  );
}

/** A link's outputs in the shape the provider works with (any state shape); undefined if unreadable. */
function readableOutputs(outputs: Record<string, unknown>): UserLinkOutputs | undefined {
  try {
    return unpackOutputs(outputs);
  } catch {
    return undefined; // a hand-edited record: status reads the directories instead
  }
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
    // A hand-edited record: the fields beside it (as states before 0.4 hold them), if any.
    const o = readableOutputs(r.outputs ?? {}) ?? (r.outputs as Partial<UserLinkOutputs> | undefined);
    const resolved = o?.resolved as Partial<ResolvedIdentity> | undefined;
    const immutableId = o?.immutableId;
    if (typeof resolved?.cloudUserId !== "string" || typeof immutableId !== "string") continue;
    const recorded = (o?.joinResult as { outcome?: string } | undefined)?.outcome;
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
