/**
 * The pure matcher of `discover`: joins AD users and cloud users in memory through index maps (one
 * pass over each side, no pairwise comparison), scores each candidate pair by its evidence, finds
 * the conflicts a person must decide, and proposes one-to-one links with their predicted join.
 *
 * A pair is a candidate from `minConfidence` on (scoring: match-score.ts). A cloud user whose best
 * two AD candidates are within `ambiguityMargin` (e.g. two "Dana Scott"s and nothing else to tell
 * them apart) is a conflict, and so is an AD user with two near-equal cloud candidates
 * (match-conflicts.ts); everything else is assigned greedily, strongest pair first.
 */
import { isDnUnder } from "../core/ldap-escape";
import type { CloudRoles } from "../entra/graph-directory";
import { slug } from "../links/schema";
import { ambiguityConflicts, sortConflicts, targetConflict } from "./match-conflicts";
import { indexCloudTargets, indexHolders } from "./match-index";
import { adRef, cloudRef, type Scored, scorePairs } from "./match-score";
import { anchorOf, type HolderIndex, predictProposal } from "./predict";
import type {
  CandidatePair,
  Conflict,
  DiscoveryAdUser,
  DiscoveryCloudUser,
  DiscoveryResult,
  MatchContext,
  MatchOptions,
  Proposal,
} from "./types";

export { nameKey } from "./match-index";
export { adRef, cloudRef } from "./match-score";

export const DEFAULT_MATCH_OPTIONS: Required<MatchOptions> = {
  minConfidence: 0.5,
  ambiguityMargin: 0.1,
  maxNameBucket: 50,
};

const JOINING = new Set(["hardMatch", "softMatchSmtp", "softMatchUpn", "alreadyJoined"]);

/** Pairs (strongest first) whose users are in no conflict and not yet taken, one per user. */
function assignGreedily(
  all: readonly Scored[],
  adInConflict: Set<number>,
  cloudInConflict: Set<number>,
): Scored[] {
  const adTaken = new Set<number>();
  const cloudTaken = new Set<number>();
  const chosen: Scored[] = [];
  for (const s of all) {
    if (adInConflict.has(s.a) || cloudInConflict.has(s.c) || adTaken.has(s.a) || cloudTaken.has(s.c))
      continue;
    adTaken.add(s.a);
    cloudTaken.add(s.c);
    chosen.push(s);
  }
  return chosen;
}

/**
 * Gives each proposal a unique link name the links file accepts (LINK_NAME_PATTERN): a slug of at
 * most 100 characters, suffixes included.
 */
function linkNamer(): (a: DiscoveryAdUser) => string {
  const usedNames = new Set<string>();
  const fit = (stem: string, suffix: string) =>
    `${stem.slice(0, 100 - suffix.length).replace(/-+$/, "")}${suffix}`;
  return (a) => {
    const base = slug(a.displayName ?? "") || slug(a.sAMAccountName) || "link";
    let name = usedNames.has(base) ? fit(base, `-${slug(a.sAMAccountName).slice(0, 20) || "user"}`) : base;
    for (let n = 2; usedNames.has(name); n++) name = fit(base, `-${n}`);
    usedNames.add(name);
    return name;
  };
}

/** A proposal for a pair whose target may be linked: the plan, the predicted join and any warnings. */
function proposalFor(
  a: DiscoveryAdUser,
  c: DiscoveryCloudUser,
  roles: CloudRoles | undefined,
  holders: HolderIndex,
  context: MatchContext,
): Omit<Proposal, keyof CandidatePair | "name"> {
  const warnings: string[] = [];
  const bases = context.allowedSearchBases;
  if (bases !== undefined && bases.length > 0 && !bases.some((b) => isDnUnder(a.dn, b))) {
    warnings.push(
      `${a.dn} is outside the allowed search bases (${bases.join("; ")}); the provider will refuse this link.`,
    );
  }
  const predictionContext: { tenant?: MatchContext["tenant"]; roles?: CloudRoles } = {};
  if (context.tenant !== undefined) predictionContext.tenant = context.tenant;
  if (roles !== undefined) predictionContext.roles = roles;
  const { plan, predictedJoin } = predictProposal(a, c, holders, predictionContext);
  // A proposal joins when the join goes to this cloud user and rests on no uncertain rule (an
  // unknown tenant flag is fine: the preview says what happens under each value).
  const joinsTarget =
    JOINING.has(predictedJoin.outcome) &&
    (predictedJoin.targetObjectId === undefined || predictedJoin.targetObjectId === c.id);
  const uncertainRules = predictedJoin.uncertainRules ?? [];
  const joins = joinsTarget && uncertainRules.length === 0;
  if (!joinsTarget) {
    warnings.push(
      `Predicted ${predictedJoin.outcome}, not a join: left out of the links file. ${predictedJoin.reason}`,
    );
  } else if (!joins) {
    warnings.push(
      `Predicted ${predictedJoin.outcome}, but on an uncertain rule: left out of the links file for review. ${uncertainRules.join(" ")}`,
    );
  }
  return { match: "soft", predictedJoin, plan: plan.summary, joins, warnings };
}

/** The users neither proposed nor in a conflict (cloud: no guests, nothing already synchronized). */
function unmatched(
  adUsers: readonly DiscoveryAdUser[],
  cloudUsers: readonly DiscoveryCloudUser[],
  eligible: readonly boolean[],
  proposals: readonly Proposal[],
  conflicts: readonly Conflict[],
): Pick<DiscoveryResult, "unmatchedAd" | "unmatchedCloud"> {
  const conflictAd = new Set(conflicts.flatMap((k) => k.ad.map((r) => r.dn.toLowerCase())));
  const conflictCloud = new Set(conflicts.flatMap((k) => k.cloud.map((r) => r.id)));
  const proposedAd = new Set(proposals.map((p) => p.ad.dn.toLowerCase()));
  const proposedCloud = new Set(proposals.map((p) => p.cloud.id));
  const unmatchedAd = adUsers
    .filter((a) => !proposedAd.has(a.dn.toLowerCase()) && !conflictAd.has(a.dn.toLowerCase()))
    .map(adRef);
  const unmatchedCloud = cloudUsers
    .filter(
      (c, i) =>
        eligible[i] &&
        c.onPremisesSyncEnabled !== true &&
        !proposedCloud.has(c.id) &&
        !conflictCloud.has(c.id),
    )
    .map(cloudRef);
  return { unmatchedAd, unmatchedCloud };
}

/**
 * Proposes links between `adUsers` and `cloudUsers`. Pure and deterministic: the same input gives
 * the same output in the same order.
 */
export function proposeLinks(
  adUsers: readonly DiscoveryAdUser[],
  cloudUsers: readonly DiscoveryCloudUser[],
  context: MatchContext = {},
  options: MatchOptions = {},
): DiscoveryResult {
  const started = performance.now();
  const opts: Required<MatchOptions> = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const targets = indexCloudTargets(cloudUsers, opts.maxNameBucket);
  const holders = indexHolders(adUsers, cloudUsers);
  const pairs = scorePairs(adUsers, cloudUsers, targets, opts.minConfidence);
  const { conflicts, adInConflict, cloudInConflict } = ambiguityConflicts(
    adUsers,
    cloudUsers,
    pairs,
    opts.ambiguityMargin,
  );
  const chosen = assignGreedily(pairs.all, adInConflict, cloudInConflict);

  const proposals: Proposal[] = [];
  const nameFor = linkNamer();
  for (const s of chosen.sort((x, y) => adUsers[x.a]!.dn.localeCompare(adUsers[y.a]!.dn))) {
    const a = adUsers[s.a]!;
    const c = cloudUsers[s.c]!;
    const roles = context.roles?.get(c.id);
    const refused = targetConflict(a, c, anchorOf(a), roles, pairs.pairOf(s));
    if (refused !== undefined) {
      conflicts.push(refused);
      continue;
    }
    const pair = pairs.pairOf(s);
    proposals.push({ ...pair, name: nameFor(a), ...proposalFor(a, c, roles, holders, context) });
  }
  const { unmatchedAd, unmatchedCloud } = unmatched(
    adUsers,
    cloudUsers,
    targets.eligible,
    proposals,
    conflicts,
  );
  sortConflicts(conflicts);

  return {
    proposals,
    conflicts,
    unmatchedAd,
    unmatchedCloud,
    options: opts,
    stats: {
      adUsers: adUsers.length,
      cloudUsers: cloudUsers.length,
      cloudGuestsSkipped: targets.guests,
      cloudAlreadySynced: targets.alreadySynced,
      candidatePairs: pairs.all.length,
      proposals: proposals.length,
      proposalsThatJoin: proposals.filter((p) => p.joins).length,
      conflicts: conflicts.length,
      unmatchedAd: unmatchedAd.length,
      unmatchedCloud: unmatchedCloud.length,
      namesTooCommon: targets.namesTooCommon,
      matchMs: Math.round(performance.now() - started),
    },
  };
}
