/**
 * Batched observation of linked cloud users for `up` confirmation and `status`: one `$filter` per
 * group of links (`id eq … or onPremisesImmutableId eq …`, at most 14 clauses, within Graph's limit
 * of 15), groups sent 20 to a `$batch`. 1,000 links are 143 filtered reads in 8 batches. Needs only
 * User.Read.All.
 */
import type { JoinObservationPort, ObservedLink, SyncObservation } from "../domain/ports";
import { type BatchGet, GraphTransport } from "./graph-transport";
import { graphPath, odataFilter, odataOr } from "./odata-query";
import type { EntraSettings } from "../config/settings";

/** Links per filtered read: two clauses each. */
export const LINKS_PER_READ = 7;

const SELECT = [
  "id",
  "userPrincipalName",
  "onPremisesImmutableId",
  "onPremisesSyncEnabled",
  "onPremisesLastSyncDateTime",
  "onPremisesProvisioningErrors",
];

interface RawUser {
  id: string;
  userPrincipalName?: string | null;
  onPremisesImmutableId?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesLastSyncDateTime?: string | null;
  onPremisesProvisioningErrors?: SyncObservation["provisioningErrors"] | null;
}

function observation(u: RawUser): SyncObservation {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName ?? u.id,
    onPremisesImmutableId: u.onPremisesImmutableId ?? null,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
    onPremisesLastSyncDateTime: u.onPremisesLastSyncDateTime ?? null,
    provisioningErrors: (u.onPremisesProvisioningErrors ?? []).map((e) => ({
      category: e.category,
      propertyCausingError: e.propertyCausingError,
      value: e.value,
      occurredDateTime: e.occurredDateTime,
    })),
  };
}

/** The filtered reads for `links` (exported for the batching test). */
export function observationRequests(links: readonly ObservedLink[]): BatchGet[] {
  const out: BatchGet[] = [];
  for (let i = 0; i < links.length; i += LINKS_PER_READ) {
    const group = links.slice(i, i + LINKS_PER_READ);
    const filter = odataOr(
      group.flatMap((l) => [
        odataFilter`id eq ${l.cloudUserId}`,
        odataFilter`onPremisesImmutableId eq ${l.immutableId}`,
      ]),
    );
    out.push({
      id: String(out.length),
      path: graphPath`/users`.withQuery({ filter, select: SELECT, top: 999 }),
      permission: "User.Read.All",
    });
  }
  return out;
}

export class GraphJoinObserver implements JoinObservationPort {
  private readonly graph: GraphTransport;

  constructor(settings: EntraSettings) {
    this.graph = new GraphTransport(settings);
  }

  async observe(links: readonly ObservedLink[]): Promise<{
    users: Map<string, SyncObservation | undefined>;
    byAnchor: Map<string, SyncObservation[]>;
  }> {
    const results = await this.graph.batchGet<RawUser>(
      "read the sync state of linked users",
      observationRequests(links),
    );
    const seen = new Map<string, SyncObservation>();
    for (const items of results.values()) for (const u of items) seen.set(u.id.toLowerCase(), observation(u));
    // Anchors are case-sensitive: only exact holders count. One index, so 1,000 links stay linear.
    const holders = new Map<string, SyncObservation[]>();
    for (const u of seen.values()) {
      if (u.onPremisesImmutableId === null) continue;
      const list = holders.get(u.onPremisesImmutableId);
      if (list === undefined) holders.set(u.onPremisesImmutableId, [u]);
      else list.push(u);
    }
    const users = new Map<string, SyncObservation | undefined>();
    const byAnchor = new Map<string, SyncObservation[]>();
    for (const l of links) {
      users.set(l.cloudUserId, seen.get(l.cloudUserId.toLowerCase()));
      byAnchor.set(l.immutableId, holders.get(l.immutableId) ?? []);
    }
    return { users, byAnchor };
  }
}
