/**
 * Entra Connect confirmation: nothing can trigger a cycle from here (that is Start-ADSyncSyncCycle
 * on the Connect server), so `up` waits: every poll interval one batched read looks at every link
 * still waiting in this provider process (Pulumi creates links concurrently), until each linked
 * user is synced with the expected ImmutableId, a duplicate holding the anchor appears, or the
 * timeout passes.
 */
import type { JoinObservationPort, ObservedLink, SyncObservation } from "../domain/ports";
import { readSyncState } from "../status/sync-state";
import type { JoinResult } from "./types";

export interface LinkToWatch extends ObservedLink {
  linkName: string;
  userPrincipalName?: string;
}

/**
 * The verdict for one link from one observation, or undefined while it is still pending. `final`
 * is true at the timeout: then a pending link is reported as timed out, with its state.
 */
export function judgeObservation(
  link: LinkToWatch,
  user: SyncObservation | undefined,
  holders: readonly SyncObservation[],
  final: boolean,
  now = new Date(),
): JoinResult | undefined {
  const base = {
    engine: "entraConnect" as const,
    expectedObjectId: link.cloudUserId,
    checkedAt: now.toISOString(),
  };
  const {
    state,
    duplicates,
    userErrors: errors,
    duplicateErrors: dupErrors,
  } = readSyncState(link, user, holders);
  const d = duplicates[0];
  if (d !== undefined) {
    return {
      ...base,
      outcome: "duplicate",
      cloudObjectId: d.id,
      duplicates,
      ...(dupErrors.length > 0 ? { provisioningErrors: dupErrors } : {}),
      summary: `Entra Connect created a NEW cloud user ${d.userPrincipalName} (${d.id}) for this AD user instead of joining ${link.userPrincipalName ?? link.cloudUserId}${dupErrors.length > 0 ? `; quarantined: ${dupErrors.join(", ")}` : ""}. Delete it and purge it from the recycle bin, fix the match (primary SMTP, UPN soft match, or match: hard), run \`pulumi up\` and a delta sync again.`,
    };
  }
  if (user === undefined || state === "missing") {
    return {
      ...base,
      outcome: "failed",
      summary: `The cloud user ${link.cloudUserId} no longer exists; nothing can join it.`,
    };
  }
  if (state === "synced") {
    return {
      ...base,
      outcome: "joined",
      cloudObjectId: user.id,
      ...(errors.length > 0 ? { provisioningErrors: errors } : {}),
      summary: `Entra Connect joined the AD user to ${user.userPrincipalName} (ImmutableId ${link.immutableId})${errors.length > 0 ? `; values quarantined: ${errors.join(", ")}` : ""}.`,
    };
  }
  if (state === "syncedElsewhere") {
    return {
      ...base,
      outcome: "joinedOther",
      cloudObjectId: user.id,
      summary: `${user.userPrincipalName} is synced from ANOTHER AD object (ImmutableId ${user.onPremisesImmutableId ?? "none"}, expected ${link.immutableId}).`,
    };
  }
  if (!final) return undefined;
  return {
    ...base,
    outcome: "timedOut",
    ...(errors.length > 0 ? { provisioningErrors: errors } : {}),
    summary: `${user.userPrincipalName} is still cloud-only${state === "pending" ? " (ImmutableId already stamped: pending the next cycle)" : ""}: no Entra Connect cycle joined it in time. Run Start-ADSyncSyncCycle -PolicyType Delta on the Connect server, then \`ad-entra-link status\`.`,
  };
}

interface Waiting {
  link: LinkToWatch;
  deadline: number;
  resolve: (r: JoinResult) => void;
  reject: (e: unknown) => void;
}

/** Pools the links waiting in this process and polls them together. */
export class JoinWaiter {
  private readonly waiting: Waiting[] = [];
  /** True while a poll is scheduled or running: one poll loop serves every waiting link. */
  private polling = false;

  constructor(
    private readonly port: JoinObservationPort,
    private readonly pollMs: number,
    private readonly timeoutMs: number,
  ) {}

  wait(link: LinkToWatch): Promise<JoinResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ link, deadline: Date.now() + this.timeoutMs, resolve, reject });
      if (!this.polling) {
        this.polling = true;
        setTimeout(() => void this.poll(), this.pollMs);
      }
    });
  }

  private async poll(): Promise<void> {
    const batch = [...this.waiting];
    try {
      const { users, byAnchor } = await this.port.observe(batch.map((w) => w.link));
      const now = Date.now();
      for (const w of batch) {
        const r = judgeObservation(
          w.link,
          users.get(w.link.cloudUserId),
          byAnchor.get(w.link.immutableId) ?? [],
          now >= w.deadline,
        );
        if (r === undefined) continue;
        this.waiting.splice(this.waiting.indexOf(w), 1);
        w.resolve(r);
      }
    } catch (err) {
      for (const w of batch) {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        w.reject(err);
      }
    }
    if (this.waiting.length > 0) setTimeout(() => void this.poll(), this.pollMs);
    else this.polling = false;
  }
}
