/**
 * Candidate pairs and their confidence: one index look-up per AD user and evidence kind.
 * Confidence = 1 - Π(1 - weight) over the pair's evidence (EVIDENCE_WEIGHTS).
 */
import { primarySmtpOf } from "../core/proxy-addresses";
import { type CloudIndex, givenSurnameKey, lower, nameKey } from "./match-index";
import { anchorOf } from "./predict";
import {
  type AdUserRef,
  type CandidatePair,
  type CloudUserRef,
  type DiscoveryAdUser,
  type DiscoveryCloudUser,
  EVIDENCE_WEIGHTS,
  type Evidence,
  type EvidenceKind,
} from "./types";

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

/** A candidate pair by position in the input arrays. */
export interface Scored {
  a: number;
  c: number;
  evidence: Evidence[];
  confidence: number;
}

/** The candidate pairs, strongest first, also listed per AD user and per cloud user. */
export interface ScoredPairs {
  all: Scored[];
  byAd: Scored[][];
  byCloud: Scored[][];
  /** The public shape of a pair (refs instead of positions). */
  pairOf: (s: Scored) => CandidatePair;
}

function confidenceOf(evidence: readonly Evidence[]): number {
  let miss = 1;
  for (const e of evidence) miss *= 1 - e.weight;
  return Math.round((1 - miss) * 1000) / 1000;
}

/** The evidence linking `a` to each cloud user (by position) that shares a value with it. */
function evidenceFor(a: DiscoveryAdUser, index: CloudIndex): Map<number, Evidence[]> {
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
  note("sourceAnchor", anchor, index.byAnchor.get(anchor));
  const emp = lower(a.employeeID);
  if (emp !== undefined) note("employeeId", a.employeeID!, index.byEmployeeId.get(emp));
  const primary = primarySmtpOf(a.proxyAddresses, a.mail);
  const primaryKey = lower(primary);
  if (primaryKey !== undefined) note("primarySmtp", primary!, index.byPrimary.get(primaryKey));
  const upn = lower(a.userPrincipalName);
  if (upn !== undefined) note("userPrincipalName", a.userPrincipalName!, index.byUpn.get(upn));
  const mail = lower(a.mail);
  if (mail !== undefined) {
    // Counted only where it adds something: not when the same address already matched as primary SMTP.
    const holdersOfMail = (index.byAnyProxy.get(mail) ?? []).filter(
      (ci) => !(mail === primaryKey && (index.byPrimary.get(mail) ?? []).includes(ci)),
    );
    note("mailIsCloudProxyAddress", a.mail!, holdersOfMail);
  }
  const sam = lower(a.sAMAccountName);
  if (sam !== undefined) note("mailNickname", a.sAMAccountName, index.byNickname.get(sam));
  const nick = lower(a.mailNickname);
  if (nick !== undefined && nick !== sam) note("mailNickname", a.mailNickname!, index.byNickname.get(nick));
  const display = nameKey(a.displayName);
  if (display !== undefined) note("displayName", a.displayName!, index.byDisplay.get(display));
  const gs = givenSurnameKey(a.givenName, a.sn);
  if (gs !== undefined) note("givenNameAndSurname", `${a.givenName} ${a.sn}`, index.byGivenSurname.get(gs));
  return found;
}

/** Scores every pair that shares a value and keeps those from `minConfidence` on, strongest first. */
export function scorePairs(
  adUsers: readonly DiscoveryAdUser[],
  cloudUsers: readonly DiscoveryCloudUser[],
  index: CloudIndex,
  minConfidence: number,
): ScoredPairs {
  const all: Scored[] = [];
  const byAd: Scored[][] = adUsers.map(() => []);
  const byCloud: Scored[][] = cloudUsers.map(() => []);
  adUsers.forEach((a, ai) => {
    for (const [ci, evidence] of evidenceFor(a, index)) {
      evidence.sort((x, y) => y.weight - x.weight);
      const confidence = confidenceOf(evidence);
      if (confidence < minConfidence) continue;
      const s: Scored = { a: ai, c: ci, evidence, confidence };
      all.push(s);
      byAd[ai]!.push(s);
      byCloud[ci]!.push(s);
    }
  });
  const strongestFirst = (x: Scored, y: Scored) =>
    y.confidence - x.confidence ||
    adUsers[x.a]!.dn.localeCompare(adUsers[y.a]!.dn) ||
    cloudUsers[x.c]!.id.localeCompare(cloudUsers[y.c]!.id);
  for (const list of [...byAd, ...byCloud]) list.sort(strongestFirst);
  all.sort(strongestFirst);
  const pairOf = (s: Scored): CandidatePair => ({
    ad: adRef(adUsers[s.a]!),
    cloud: cloudRef(cloudUsers[s.c]!),
    evidence: s.evidence,
    confidence: s.confidence,
  });
  return { all, byAd, byCloud, pairOf };
}
