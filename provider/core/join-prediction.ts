/**
 * Predicts what Entra Connect Sync (more exactly, the Entra ID sync service) does with one AD user on
 * its next export: which cloud object it joins, or that it provisions a new one, or that the export
 * is blocked. Pure: the caller gathers the facts.
 *
 * It runs the join order of docs/matching-model.md §2 over the *exported view* of the AD user (§1)
 * and the neighbourhood of cloud objects that could take part: the declared cloud user, every other
 * object holding one of the exported values, and every user holding the anchor. Facts that are not
 * known (tenant feature flags, rule P5a) are not assumed: each unknown is evaluated both ways, and
 * when the outcomes differ the prediction lists every variant.
 */
import { diagnoseImmutableIdMistake } from "./immutable-id";
import {
  type Assumptions,
  DEFAULTS,
  Evaluation,
  type Flag,
  NeedsAssumption,
  ref,
  type Verdict,
} from "./join-rules";
import type { JoinFacts, JoinPrediction, JoinVariant } from "./join-types";

export type * from "./join-types";

function describe(a: Assumptions): string {
  const parts = Object.entries(a.flags).map(([k, v]) => `${k}=${v}`);
  if (a.mailPromoted !== undefined)
    parts.push(a.mailPromoted ? "mail promoted to primary (P5a)" : "mail not promoted (P5a)");
  if (a.cloudSyncUpnSoftMatch !== undefined)
    parts.push(
      a.cloudSyncUpnSoftMatch
        ? "Cloud Sync soft-matches on the UPN (row 27 [U])"
        : "Cloud Sync does not soft-match on the UPN (row 27 [U], as reported)",
    );
  return parts.join(", ");
}

/** Every reading of the unknowns the decision actually consults, each with its verdict. */
function evaluateAll(facts: JoinFacts): { assumptions: Assumptions; verdict: Verdict }[] {
  const out: { assumptions: Assumptions; verdict: Verdict }[] = [];
  const pending: Assumptions[] = [{ flags: {} }];
  // Depth-first, Microsoft's default first: the first result is the "expected" reading.
  while (pending.length > 0) {
    const a = pending.pop()!;
    try {
      out.push({ assumptions: a, verdict: new Evaluation(facts, a).run() });
    } catch (err) {
      if (!(err instanceof NeedsAssumption)) throw err;
      const key = err.key;
      // P5a and row 27 have no default: the reported reading (false) is shown first.
      const values =
        key === "mailPromoted" || key === "cloudSyncUpnSoftMatch"
          ? [false, true]
          : [DEFAULTS[key], !DEFAULTS[key]];
      for (const v of values.reverse()) {
        pending.push(
          key === "mailPromoted"
            ? { ...a, mailPromoted: v }
            : key === "cloudSyncUpnSoftMatch"
              ? { ...a, cloudSyncUpnSoftMatch: v }
              : { ...a, flags: { ...a.flags, [key]: v } },
        );
      }
    }
  }
  return out;
}

function warningsOf(facts: JoinFacts): string[] {
  const w: string[] = [];
  const c = facts.candidate;
  if (c.onPremisesImmutableId !== null && c.onPremisesImmutableId !== facts.sourceAnchor) {
    try {
      const mistake = diagnoseImmutableIdMistake(facts.sourceAnchor, c.onPremisesImmutableId);
      if (mistake !== undefined) {
        w.push(
          `The cloud user's ImmutableId ${c.onPremisesImmutableId} is this AD user's anchor ${facts.sourceAnchor} computed the wrong way (${mistake}); it does not hard match.`,
        );
      }
    } catch {
      // A custom (non-GUID) anchor has no known wrong encodings.
    }
  }
  for (const d of facts.view.discarded) {
    w.push(
      `${d.value} never reaches Entra ID (${d.why}) and cannot match anything (${ref("exported-view")}).`,
    );
  }
  return w;
}

/**
 * Predicts the next cycle for one AD user. Never throws: facts it cannot decide are evaluated both
 * ways and reported as variants.
 */
export function predictJoin(facts: JoinFacts): JoinPrediction {
  const all = evaluateAll(facts);
  const first = all[0]!.verdict;
  const same = all.every((x) => x.verdict.outcome === first.outcome && x.verdict.target === first.target);
  const uncertainRules = [
    ...new Set(all.map((x) => x.verdict.uncertainRule).filter((r): r is string => !!r)),
  ];
  const warnings = [...warningsOf(facts), ...uncertainRules.map((r) => `${r}; see ${ref("join-order")}.`)];
  const prediction: JoinPrediction = {
    outcome: first.outcome,
    reason: first.reason,
    ruleRefs: [...new Set(first.refs)],
    uncertain: !same || uncertainRules.length > 0,
    warnings,
  };
  if (first.target !== undefined) prediction.targetObjectId = first.target;
  if (uncertainRules.length > 0) prediction.uncertainRules = uncertainRules;
  if (first.errorName !== undefined) prediction.errorName = first.errorName;
  if (!same) {
    prediction.variants = all.map((x) => {
      const v: JoinVariant = {
        assumption: describe(x.assumptions),
        assumed: {
          flags: { ...x.assumptions.flags },
          ...(x.assumptions.mailPromoted !== undefined ? { mailPromoted: x.assumptions.mailPromoted } : {}),
          ...(x.assumptions.cloudSyncUpnSoftMatch !== undefined
            ? { cloudSyncUpnSoftMatch: x.assumptions.cloudSyncUpnSoftMatch }
            : {}),
        },
        outcome: x.verdict.outcome,
        reason: x.verdict.reason,
      };
      if (x.verdict.target !== undefined) v.targetObjectId = x.verdict.target;
      if (x.verdict.errorName !== undefined) v.errorName = x.verdict.errorName;
      return v;
    });
    const others = prediction.variants
      .slice(1)
      .map((v) => `with ${v.assumption}: ${v.outcome}${v.targetObjectId ? ` (${v.targetObjectId})` : ""}`)
      .join("; ");
    prediction.reason = `With ${prediction.variants[0]!.assumption}: ${first.reason} Otherwise ${others}. ${prediction.variants.some((v) => v.assumed.cloudSyncUpnSoftMatch !== undefined) ? "Whether Cloud Sync soft-matches on the UPN is undocumented (row 27 [U]): align the primary SMTP address or hard-match to make this certain." : "State the tenant's settings in ad-entra-link:tenantSyncFeatures to make this certain."}`;
  }
  return prediction;
}

/**
 * The variant that applies when the unknowns are in fact `flags` (and `mailPromoted`): used by tests
 * and the agreement check. Flags not given count as Microsoft's defaults.
 */
export function variantFor(
  p: JoinPrediction,
  flags: Partial<Record<Flag, boolean>>,
  mailPromoted?: boolean,
  cloudSyncUpnSoftMatch?: boolean,
): JoinVariant {
  if (p.variants === undefined) {
    const v: JoinVariant = { assumption: "", assumed: { flags: {} }, outcome: p.outcome, reason: p.reason };
    if (p.targetObjectId !== undefined) v.targetObjectId = p.targetObjectId;
    if (p.errorName !== undefined) v.errorName = p.errorName;
    return v;
  }
  const holds = (v: JoinVariant): boolean =>
    Object.entries(v.assumed.flags).every(([k, val]) => (flags[k as Flag] ?? DEFAULTS[k as Flag]) === val) &&
    (v.assumed.mailPromoted === undefined || v.assumed.mailPromoted === (mailPromoted ?? false)) &&
    (v.assumed.cloudSyncUpnSoftMatch === undefined ||
      v.assumed.cloudSyncUpnSoftMatch === (cloudSyncUpnSoftMatch ?? false));
  return p.variants.find(holds) ?? p.variants[0]!;
}
