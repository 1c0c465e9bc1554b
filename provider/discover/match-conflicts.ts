/**
 * The conflicts a person must decide: pairs too close to tell apart, and targets that must not be
 * linked (synchronized from another object, or privileged).
 */
import type { CloudRoles } from "../entra/graph-directory";
import { adRef, cloudRef, type Scored, type ScoredPairs } from "./match-score";
import type { CandidatePair, Conflict, DiscoveryAdUser, DiscoveryCloudUser } from "./types";

/** The conflicts, and the users (by position) they hold back from the greedy assignment. */
export interface AmbiguityConflicts {
  conflicts: Conflict[];
  adInConflict: Set<number>;
  cloudInConflict: Set<number>;
}

/** The candidates within `margin` of the best, when there are two or more of them; else undefined. */
function closeCandidates(list: readonly Scored[], margin: number): Scored[] | undefined {
  const [first, second] = list;
  if (first === undefined || second === undefined) return undefined;
  if (second.confidence < first.confidence - margin) return undefined;
  return list.filter((s) => s.confidence >= first.confidence - margin);
}

/**
 * A cloud user whose best two AD candidates are within `margin` is a conflict; then an AD user
 * (not already in one) with two near-equal cloud candidates.
 */
export function ambiguityConflicts(
  adUsers: readonly DiscoveryAdUser[],
  cloudUsers: readonly DiscoveryCloudUser[],
  pairs: ScoredPairs,
  margin: number,
): AmbiguityConflicts {
  const out: AmbiguityConflicts = { conflicts: [], adInConflict: new Set(), cloudInConflict: new Set() };
  pairs.byCloud.forEach((list, ci) => {
    const close = closeCandidates(list, margin);
    if (close === undefined) return;
    const c = cloudUsers[ci]!;
    out.cloudInConflict.add(ci);
    for (const s of close) out.adInConflict.add(s.a);
    const kinds = [...new Set(close.flatMap((s) => s.evidence.map((e) => e.kind)))];
    const namesOnly = kinds.every((k) => k === "displayName" || k === "givenNameAndSurname");
    out.conflicts.push({
      kind: "cloudUserClaimedByMany",
      message:
        `Cloud user ${c.userPrincipalName} matches ${close.length} AD users equally well ` +
        `(${close.map((s) => adUsers[s.a]!.sAMAccountName).join(", ")})` +
        (namesOnly ? ", on their names only" : "") +
        `. Decide which one it is and write that link by hand (select the AD user by objectGuid or sAMAccountName).`,
      ad: close.map((s) => adRef(adUsers[s.a]!)),
      cloud: [cloudRef(c)],
      pairs: close.map(pairs.pairOf),
    });
  });
  pairs.byAd.forEach((list, ai) => {
    if (out.adInConflict.has(ai)) return;
    const close = closeCandidates(list, margin);
    if (close === undefined) return;
    const a = adUsers[ai]!;
    out.adInConflict.add(ai);
    for (const s of close) out.cloudInConflict.add(s.c);
    out.conflicts.push({
      kind: "adUserMatchesMany",
      message:
        `AD user ${a.sAMAccountName} (${a.dn}) matches ${close.length} cloud users equally well ` +
        `(${close.map((s) => cloudUsers[s.c]!.userPrincipalName).join(", ")}). Decide which cloud user it takes over.`,
      ad: [adRef(a)],
      cloud: close.map((s) => cloudRef(cloudUsers[s.c]!)),
      pairs: close.map(pairs.pairOf),
    });
  });
  return out;
}

/** Holds or is eligible for a privileged role (non-privileged roles are left to the prediction, rows 4/14). */
function isPrivileged(roles: CloudRoles | undefined): roles is CloudRoles {
  return roles !== undefined && [...roles.active, ...roles.eligible].some((r) => r.isPrivileged);
}

function roleNames(roles: CloudRoles): string {
  return [
    ...roles.active.filter((r) => r.isPrivileged).map((r) => r.displayName),
    ...roles.eligible.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (eligible)`),
  ].join(", ");
}

/**
 * Why the chosen pair's cloud user must not be linked (synchronized from another object, or
 * privileged), or undefined when it may be.
 */
export function targetConflict(
  a: DiscoveryAdUser,
  c: DiscoveryCloudUser,
  anchor: string,
  roles: CloudRoles | undefined,
  pair: CandidatePair,
): Conflict | undefined {
  const parties = { ad: [adRef(a)], cloud: [cloudRef(c)], pairs: [pair] };
  if (c.onPremisesSyncEnabled === true && c.onPremisesImmutableId !== anchor) {
    return {
      kind: "cloudUserSyncedElsewhere",
      message:
        `Cloud user ${c.userPrincipalName} is already synchronized from another on-premises object ` +
        `(ImmutableId ${c.onPremisesImmutableId ?? "unknown"}), so ${a.sAMAccountName} cannot take it over. ` +
        `If it is the same person, fix the source anchor in AD instead of linking.`,
      ...parties,
    };
  }
  if (isPrivileged(roles)) {
    return {
      kind: "privilegedCloudUser",
      message:
        `Cloud user ${c.userPrincipalName} holds or is eligible for privileged directory roles (${roleNames(roles)}). ` +
        `Linking ${a.sAMAccountName} would hand that account to whoever controls the AD user; remove the ` +
        `roles first, or write the link by hand with allowPrivilegedCloudUser and a reason.`,
      ...parties,
    };
  }
  return undefined;
}

const CONFLICT_ORDER = [
  "cloudUserClaimedByMany",
  "adUserMatchesMany",
  "privilegedCloudUser",
  "cloudUserSyncedElsewhere",
];

/** Sorts conflicts by kind, then cloud UPN, then AD DN (the report's order). */
export function sortConflicts(conflicts: Conflict[]): void {
  conflicts.sort(
    (x, y) =>
      CONFLICT_ORDER.indexOf(x.kind) - CONFLICT_ORDER.indexOf(y.kind) ||
      (x.cloud[0]?.userPrincipalName ?? "").localeCompare(y.cloud[0]?.userPrincipalName ?? "") ||
      (x.ad[0]?.dn ?? "").localeCompare(y.ad[0]?.dn ?? ""),
  );
}
