/**
 * The pure matcher of `discover`: joins AD users and cloud users in memory through index maps (one
 * pass over each side, no pairwise comparison), scores each candidate pair by its evidence, finds
 * the conflicts a person must decide, and proposes one-to-one links with their predicted join.
 *
 * Confidence = 1 - Π(1 - weight) over the pair's evidence (EVIDENCE_WEIGHTS). A pair is a candidate
 * from `minConfidence` on. A cloud user whose best two AD candidates are within `ambiguityMargin`
 * (e.g. two "Dana Scott"s and nothing else to tell them apart) is a conflict, and so is an AD user
 * with two near-equal cloud candidates; everything else is assigned greedily, strongest pair first.
 *
 * Over 400 lines on purpose: the evidence scoring, conflict detection and proposal steps share one
 * set of in-memory indexes built in a single pass.
 */
import { isDnUnder } from "../core/ldap-escape";
import { primarySmtpOf } from "../core/proxy-addresses";
import type { CloudRoles } from "../entra/graph-directory";
import { slug } from "../links/schema";
import { anchorOf, type HolderIndex, predictProposal, smtpOf } from "./predict";
import {
  type AdUserRef,
  type CandidatePair,
  type CloudUserRef,
  type Conflict,
  type DiscoveryAdUser,
  type DiscoveryCloudUser,
  type DiscoveryResult,
  EVIDENCE_WEIGHTS,
  type Evidence,
  type EvidenceKind,
  type MatchContext,
  type MatchOptions,
  type Proposal,
} from "./types";

export const DEFAULT_MATCH_OPTIONS: Required<MatchOptions> = {
  minConfidence: 0.5,
  ambiguityMargin: 0.1,
  maxNameBucket: 50,
};

const JOINING = new Set(["hardMatch", "softMatchSmtp", "softMatchUpn", "alreadyJoined"]);

function lower(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  return t === "" ? undefined : t;
}

/** Names compared without case, accents or repeated spaces. */
export function nameKey(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
  return t === "" ? undefined : t;
}

function givenSurnameKey(
  given: string | null | undefined,
  surname: string | null | undefined,
): string | undefined {
  const g = nameKey(given);
  const s = nameKey(surname);
  return g === undefined || s === undefined ? undefined : `${g}\u0000${s}`;
}

function add<K, V>(map: Map<K, V[]>, key: K | undefined, value: V): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

export function adRef(a: DiscoveryAdUser): AdUserRef {
  return {
    dn: a.dn,
    objectGuid: a.objectGuid,
    samAccountName: a.sAMAccountName,
    userPrincipalName: a.userPrincipalName ?? null,
    displayName: a.displayName ?? null,
  };
}

export function cloudRef(c: DiscoveryCloudUser): CloudUserRef {
  return {
    id: c.id,
    userPrincipalName: c.userPrincipalName,
    displayName: c.displayName ?? null,
    mail: c.mail ?? null,
  };
}

function confidenceOf(evidence: readonly Evidence[]): number {
  let miss = 1;
  for (const e of evidence) miss *= 1 - e.weight;
  return Math.round((1 - miss) * 1000) / 1000;
}

/** Holds or is eligible for a privileged role (non-privileged roles are left to the prediction, rows 4/14). */
function isPrivileged(roles: CloudRoles | undefined): boolean {
  return roles !== undefined && [...roles.active, ...roles.eligible].some((r) => r.isPrivileged);
}

function roleNames(roles: CloudRoles): string {
  return [
    ...roles.active.filter((r) => r.isPrivileged).map((r) => r.displayName),
    ...roles.eligible.filter((r) => r.isPrivileged).map((r) => `${r.displayName} (eligible)`),
  ].join(", ");
}

interface Scored {
  a: number;
  c: number;
  evidence: Evidence[];
  confidence: number;
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

  // --- Indexes over the cloud side (targets) and both sides (collisions) ---
  const cloudByAnchor = new Map<string, number[]>();
  const cloudByEmployeeId = new Map<string, number[]>();
  const cloudByPrimary = new Map<string, number[]>();
  const cloudByUpnIdx = new Map<string, number[]>();
  const cloudByAnyProxy = new Map<string, number[]>();
  const cloudByNickname = new Map<string, number[]>();
  const cloudByDisplay = new Map<string, number[]>();
  const cloudByGivenSurname = new Map<string, number[]>();
  const holders: HolderIndex = {
    adByUpn: new Map(),
    adByMail: new Map(),
    adByProxy: new Map(),
    cloudByUpn: new Map(),
    cloudByMail: new Map(),
    cloudByProxy: new Map(),
    cloudByAnchor: new Map(),
  };
  let guests = 0;
  let alreadySynced = 0;
  const eligible: boolean[] = [];
  cloudUsers.forEach((c, i) => {
    add(holders.cloudByUpn, lower(c.userPrincipalName), c);
    add(holders.cloudByMail, lower(c.mail), c);
    for (const p of c.proxyAddresses) add(holders.cloudByProxy, smtpOf(p), c);
    if (c.onPremisesImmutableId) add(holders.cloudByAnchor, c.onPremisesImmutableId, c);
    const guest = (c.userType ?? "").toLowerCase() === "guest";
    eligible.push(!guest);
    if (guest) {
      guests++;
      return;
    }
    if (c.onPremisesSyncEnabled === true) alreadySynced++;
    if (c.onPremisesImmutableId) add(cloudByAnchor, c.onPremisesImmutableId, i);
    add(cloudByEmployeeId, lower(c.employeeId), i);
    add(cloudByPrimary, lower(primarySmtpOf(c.proxyAddresses, c.mail ?? undefined)), i);
    add(cloudByUpnIdx, lower(c.userPrincipalName), i);
    for (const p of c.proxyAddresses) add(cloudByAnyProxy, smtpOf(p), i);
    add(cloudByNickname, lower(c.mailNickname), i);
    add(cloudByDisplay, nameKey(c.displayName), i);
    add(cloudByGivenSurname, givenSurnameKey(c.givenName, c.surname), i);
  });
  for (const a of adUsers) {
    add(holders.adByUpn, lower(a.userPrincipalName), a);
    add(holders.adByMail, lower(a.mail), a);
    for (const p of a.proxyAddresses) add(holders.adByProxy, smtpOf(p), a);
  }
  // Names shared by too many people are noise, not evidence.
  let namesTooCommon = 0;
  for (const map of [cloudByDisplay, cloudByGivenSurname]) {
    for (const [k, v] of map) {
      if (v.length > opts.maxNameBucket) {
        map.delete(k);
        namesTooCommon++;
      }
    }
  }

  // --- Candidate pairs: one lookup per AD user and evidence kind ---
  const scored: Scored[] = [];
  const byAd: Scored[][] = adUsers.map(() => []);
  const byCloud: Scored[][] = cloudUsers.map(() => []);
  adUsers.forEach((a, ai) => {
    const found = new Map<number, Evidence[]>();
    const note = (kind: EvidenceKind, value: string, indices: readonly number[] | undefined) => {
      if (indices === undefined) return;
      for (const ci of indices) {
        let list = found.get(ci);
        if (list === undefined) {
          list = [];
          found.set(ci, list);
        }
        if (!list.some((e) => e.kind === kind)) list.push({ kind, value, weight: EVIDENCE_WEIGHTS[kind] });
      }
    };
    const anchor = anchorOf(a);
    note("sourceAnchor", anchor, cloudByAnchor.get(anchor));
    const emp = lower(a.employeeID);
    if (emp !== undefined) note("employeeId", a.employeeID!, cloudByEmployeeId.get(emp));
    const primary = primarySmtpOf(a.proxyAddresses, a.mail);
    const primaryKey = lower(primary);
    if (primaryKey !== undefined) note("primarySmtp", primary!, cloudByPrimary.get(primaryKey));
    const upn = lower(a.userPrincipalName);
    if (upn !== undefined) note("userPrincipalName", a.userPrincipalName!, cloudByUpnIdx.get(upn));
    const mail = lower(a.mail);
    if (mail !== undefined) {
      // Counted only where it adds something: not when the same address already matched as primary SMTP.
      const holdersOfMail = (cloudByAnyProxy.get(mail) ?? []).filter(
        (ci) => !(mail === primaryKey && (cloudByPrimary.get(mail) ?? []).includes(ci)),
      );
      note("mailIsCloudProxyAddress", a.mail!, holdersOfMail);
    }
    const sam = lower(a.sAMAccountName);
    if (sam !== undefined) note("mailNickname", a.sAMAccountName, cloudByNickname.get(sam));
    const nick = lower(a.mailNickname);
    if (nick !== undefined && nick !== sam) note("mailNickname", a.mailNickname!, cloudByNickname.get(nick));
    const display = nameKey(a.displayName);
    if (display !== undefined) note("displayName", a.displayName!, cloudByDisplay.get(display));
    const gs = givenSurnameKey(a.givenName, a.sn);
    if (gs !== undefined) note("givenNameAndSurname", `${a.givenName} ${a.sn}`, cloudByGivenSurname.get(gs));

    for (const [ci, evidence] of found) {
      evidence.sort((x, y) => y.weight - x.weight);
      const confidence = confidenceOf(evidence);
      if (confidence < opts.minConfidence) continue;
      const s: Scored = { a: ai, c: ci, evidence, confidence };
      scored.push(s);
      byAd[ai]!.push(s);
      byCloud[ci]!.push(s);
    }
  });
  const strongestFirst = (x: Scored, y: Scored) =>
    y.confidence - x.confidence ||
    adUsers[x.a]!.dn.localeCompare(adUsers[y.a]!.dn) ||
    cloudUsers[x.c]!.id.localeCompare(cloudUsers[y.c]!.id);
  for (const list of [...byAd, ...byCloud]) list.sort(strongestFirst);
  scored.sort(strongestFirst);

  const pairOf = (s: Scored): CandidatePair => ({
    ad: adRef(adUsers[s.a]!),
    cloud: cloudRef(cloudUsers[s.c]!),
    evidence: s.evidence,
    confidence: s.confidence,
  });

  // --- Conflicts: ambiguity first, then targets that must not be linked ---
  const conflicts: Conflict[] = [];
  const adInConflict = new Set<number>();
  const cloudInConflict = new Set<number>();
  byCloud.forEach((list, ci) => {
    const [first, second] = list;
    if (first === undefined || second === undefined) return;
    if (second.confidence < first.confidence - opts.ambiguityMargin) return;
    const close = list.filter((s) => s.confidence >= first.confidence - opts.ambiguityMargin);
    const c = cloudUsers[ci]!;
    cloudInConflict.add(ci);
    for (const s of close) adInConflict.add(s.a);
    const kinds = [...new Set(close.flatMap((s) => s.evidence.map((e) => e.kind)))];
    const namesOnly = kinds.every((k) => k === "displayName" || k === "givenNameAndSurname");
    conflicts.push({
      kind: "cloudUserClaimedByMany",
      message:
        `Cloud user ${c.userPrincipalName} matches ${close.length} AD users equally well ` +
        `(${close.map((s) => adUsers[s.a]!.sAMAccountName).join(", ")})` +
        (namesOnly ? ", on their names only" : "") +
        `. Decide which one it is and write that link by hand (select the AD user by objectGuid or sAMAccountName).`,
      ad: close.map((s) => adRef(adUsers[s.a]!)),
      cloud: [cloudRef(c)],
      pairs: close.map(pairOf),
    });
  });
  byAd.forEach((list, ai) => {
    if (adInConflict.has(ai)) return;
    const [first, second] = list;
    if (first === undefined || second === undefined) return;
    if (second.confidence < first.confidence - opts.ambiguityMargin) return;
    const close = list.filter((s) => s.confidence >= first.confidence - opts.ambiguityMargin);
    const a = adUsers[ai]!;
    adInConflict.add(ai);
    for (const s of close) cloudInConflict.add(s.c);
    conflicts.push({
      kind: "adUserMatchesMany",
      message:
        `AD user ${a.sAMAccountName} (${a.dn}) matches ${close.length} cloud users equally well ` +
        `(${close.map((s) => cloudUsers[s.c]!.userPrincipalName).join(", ")}). Decide which cloud user it takes over.`,
      ad: [adRef(a)],
      cloud: close.map((s) => cloudRef(cloudUsers[s.c]!)),
      pairs: close.map(pairOf),
    });
  });

  // --- Greedy one-to-one assignment, strongest pair first ---
  const adTaken = new Set<number>();
  const cloudTaken = new Set<number>();
  const chosen: Scored[] = [];
  for (const s of scored) {
    if (adInConflict.has(s.a) || cloudInConflict.has(s.c) || adTaken.has(s.a) || cloudTaken.has(s.c))
      continue;
    adTaken.add(s.a);
    cloudTaken.add(s.c);
    chosen.push(s);
  }

  const proposals: Proposal[] = [];
  const usedNames = new Set<string>();
  // Names the links file accepts (LINK_NAME_PATTERN): a slug of at most 100 characters, suffixes included.
  const fit = (stem: string, suffix: string) =>
    `${stem.slice(0, 100 - suffix.length).replace(/-+$/, "")}${suffix}`;
  const nameFor = (a: DiscoveryAdUser): string => {
    const base = slug(a.displayName ?? "") || slug(a.sAMAccountName) || "link";
    let name = usedNames.has(base) ? fit(base, `-${slug(a.sAMAccountName).slice(0, 20) || "user"}`) : base;
    for (let n = 2; usedNames.has(name); n++) name = fit(base, `-${n}`);
    usedNames.add(name);
    return name;
  };
  for (const s of chosen.sort((x, y) => adUsers[x.a]!.dn.localeCompare(adUsers[y.a]!.dn))) {
    const a = adUsers[s.a]!;
    const c = cloudUsers[s.c]!;
    const roles = context.roles?.get(c.id);
    const anchor = anchorOf(a);
    if (c.onPremisesSyncEnabled === true && c.onPremisesImmutableId !== anchor) {
      conflicts.push({
        kind: "cloudUserSyncedElsewhere",
        message:
          `Cloud user ${c.userPrincipalName} is already synchronized from another on-premises object ` +
          `(ImmutableId ${c.onPremisesImmutableId ?? "unknown"}), so ${a.sAMAccountName} cannot take it over. ` +
          `If it is the same person, fix the source anchor in AD instead of linking.`,
        ad: [adRef(a)],
        cloud: [cloudRef(c)],
        pairs: [pairOf(s)],
      });
      continue;
    }
    if (isPrivileged(roles)) {
      conflicts.push({
        kind: "privilegedCloudUser",
        message:
          `Cloud user ${c.userPrincipalName} holds or is eligible for privileged directory roles (${roleNames(roles!)}). ` +
          `Linking ${a.sAMAccountName} would hand that account to whoever controls the AD user; remove the ` +
          `roles first, or write the link by hand with allowPrivilegedCloudUser and a reason.`,
        ad: [adRef(a)],
        cloud: [cloudRef(c)],
        pairs: [pairOf(s)],
      });
      continue;
    }
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
    proposals.push({
      ...pairOf(s),
      name: nameFor(a),
      match: "soft",
      predictedJoin,
      plan: plan.summary,
      joins,
      warnings,
    });
  }

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
  const conflictOrder = [
    "cloudUserClaimedByMany",
    "adUserMatchesMany",
    "privilegedCloudUser",
    "cloudUserSyncedElsewhere",
  ];
  conflicts.sort(
    (x, y) =>
      conflictOrder.indexOf(x.kind) - conflictOrder.indexOf(y.kind) ||
      (x.cloud[0]?.userPrincipalName ?? "").localeCompare(y.cloud[0]?.userPrincipalName ?? "") ||
      (x.ad[0]?.dn ?? "").localeCompare(y.ad[0]?.dn ?? ""),
  );

  return {
    proposals,
    conflicts,
    unmatchedAd,
    unmatchedCloud,
    options: opts,
    stats: {
      adUsers: adUsers.length,
      cloudUsers: cloudUsers.length,
      cloudGuestsSkipped: guests,
      cloudAlreadySynced: alreadySynced,
      candidatePairs: scored.length,
      proposals: proposals.length,
      proposalsThatJoin: proposals.filter((p) => p.joins).length,
      conflicts: conflicts.length,
      unmatchedAd: unmatchedAd.length,
      unmatchedCloud: unmatchedCloud.length,
      namesTooCommon,
      matchMs: Math.round(performance.now() - started),
    },
  };
}
