/**
 * What a discovery run writes: a links file to review and commit (only the proposals predicted to
 * join, each with its evidence as a comment), and the human report as Markdown (this module) and as
 * one self-contained HTML page (output-html.ts). The layout escaping both reports use lives here.
 */
import { isDnUnder } from "../core/ldap-escape";
import { checkLinksSource, type SourceEntry } from "../links/check";
import { MAX_LINKS_ENTRIES } from "../links/limits";
import { parseLinksText } from "../links/load";
import type { LinksFileInvalidError } from "../links/problems";
import { renderLinksYaml } from "../links/write";
import type { DiscoveryRun } from "./run";
import { type CandidatePair, type Conflict, EVIDENCE_LABELS, type Proposal } from "./types";

/** "same employeeId (E1001); same displayName (Ava Hart01)". */
export function describeEvidence(pair: Pick<CandidatePair, "evidence">): string {
  return pair.evidence.map((e) => `${EVIDENCE_LABELS[e.kind]} (${e.value})`).join("; ");
}

/** Only the parts of a run the writers need; lets tests and benchmarks render pure results. */
export type RunSummary = Pick<DiscoveryRun, "result" | "searchBases" | "tenantId" | "startedAt" | "notes"> & {
  /**
   * The provider's allowed search bases (ad-entra-link:allowedSearchBases). A proposal whose AD
   * user is outside all of them is never written: the provider would refuse the link.
   */
  allowedSearchBases?: readonly string[];
};

/** The defaults every discovered links file carries. */
const FILE_DEFAULTS = { match: "soft", sourceAnchor: "auto", onDelete: "retain" } as const;

/** A proposal predicted to join that is still left out of the links file, and why. */
export interface UnwrittenProposal {
  proposal: Proposal;
  reasons: string[];
}

// Characters that change how text is laid out or read: C0/C1 controls, line and paragraph
// separators, zero-width characters, bidirectional overrides, the byte order mark.
const LAYOUT_CHARACTERS =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/** Directory text with every layout-changing character written as `\uXXXX`: always one visible line. */
export function escapeLayout(v: string | null | undefined): string {
  return (v ?? "").replace(LAYOUT_CHARACTERS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** isDnUnder, with a DN that does not parse counted as outside. */
function dnUnder(dn: string, base: string): boolean {
  try {
    return isDnUnder(dn, base);
  } catch {
    return false;
  }
}

function proposalEntry(p: Proposal) {
  return {
    name: p.name,
    args: {
      onPremises: { samAccountName: p.ad.samAccountName },
      cloud: { userPrincipalName: p.cloud.userPrincipalName },
    },
  };
}

/**
 * Which proposals predicted to join go into the links file: those the links file loader accepts
 * (the same declaration rules and resource-name rules, run here on each entry), inside the allowed
 * search bases, and no more than one file may hold. The others are listed in the report.
 */
export function partitionProposals(run: RunSummary): { written: Proposal[]; unwritten: UnwrittenProposal[] } {
  const joining = run.result.proposals.filter((p) => p.joins);
  const reasons = new Map<Proposal, string[]>();
  const why = (p: Proposal, reason: string) => reasons.set(p, [...(reasons.get(p) ?? []), reason]);
  const bases = run.allowedSearchBases ?? [];
  if (bases.length > 0) {
    for (const p of joining) {
      if (!bases.some((b) => dnUnder(p.ad.dn, b)))
        why(p, "the AD user is outside ad-entra-link:allowedSearchBases; the provider would refuse the link");
    }
  }
  const entries: SourceEntry[] = joining.map((p, index) => ({
    index,
    line: 1,
    raw: { name: p.name, ...proposalEntry(p).args },
    lineOf: () => 1,
  }));
  try {
    checkLinksSource({
      file: "links",
      format: "yaml",
      problems: [],
      defaults: { raw: { ...FILE_DEFAULTS }, line: 1, lineOf: () => 1 },
      entries,
    });
  } catch (err) {
    const problems = (err as LinksFileInvalidError).problems;
    if (problems === undefined) throw err;
    for (const problem of problems) {
      const index = Number(/^entries\[(\d+)\]/.exec(problem.path)?.[1]);
      const p = joining[index];
      if (p !== undefined) why(p, `the links file would refuse it (${problem.code}): ${problem.message}`);
    }
  }
  let written = joining.filter((p) => !reasons.has(p));
  for (const p of written.slice(MAX_LINKS_ENTRIES)) {
    why(
      p,
      `more than the ${MAX_LINKS_ENTRIES} links one file may hold; run discover again with a narrower --search-base`,
    );
  }
  written = written.slice(0, MAX_LINKS_ENTRIES);
  return {
    written,
    unwritten: joining.filter((p) => reasons.has(p)).map((p) => ({ proposal: p, reasons: reasons.get(p)! })),
  };
}

/**
 * The links file of a run: proposals predicted to join that the links file accepts, in AD order.
 * The text is read back through the loader before it is returned.
 * @throws Error if the rendered file would not load (a defect: nothing is written then)
 */
export function renderDiscoveredLinks(run: RunSummary): string {
  const r = run.result;
  const { written, unwritten } = partitionProposals(run);
  const header = [
    "Proposed by `ad-entra-link discover`: REVIEW every entry before committing.",
    `Run ${run.startedAt}; tenant ${run.tenantId}; search bases: ${run.searchBases.join(" | ")}.`,
    `${written.length} links predicted to join are written below. Not written: ${r.proposals.length - written.length - unwritten.length} proposals`,
    `predicted not to join, ${unwritten.length} the links file or the provider would refuse, ${r.conflicts.length} conflicts,`,
    `${r.unmatchedAd.length} unmatched AD and ${r.unmatchedCloud.length} unmatched cloud users (see the discover report).`,
  ].map(escapeLayout);
  const text = renderLinksYaml(
    written.map((p) => ({
      ...proposalEntry(p),
      comment: [
        `${p.ad.displayName ?? p.ad.samAccountName} (${p.ad.dn}) -> ${p.cloud.userPrincipalName}`,
        `confidence ${p.confidence.toFixed(3)}: ${describeEvidence(p)}`,
        `predicted: ${p.predictedJoin.outcome}${p.predictedJoin.uncertain ? " (uncertain)" : ""}`,
        ...p.warnings.map((w) => `WARNING: ${w}`),
      ].map(escapeLayout),
    })),
    { header, defaults: { ...FILE_DEFAULTS } },
  );
  const back = parseLinksText(text, "links.discovered.yaml", "yaml");
  if (back.entries.length !== written.length)
    throw new Error("discover: the links file did not read back whole");
  return text;
}

/**
 * Directory text for Markdown: layout characters escaped, then every character Markdown or HTML
 * would act on (emphasis, code spans, links and images, raw HTML and entities, table cells,
 * headings) backslash-escaped or written as an entity, so a value is shown, never interpreted.
 */
export function md(v: string | null | undefined): string {
  return escapeLayout(v)
    .replace(/[\\`*_{}[\]()#+!|~:]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

export function conflictTitle(kind: Conflict["kind"]): string {
  switch (kind) {
    case "cloudUserClaimedByMany":
      return "one cloud user, several AD users";
    case "adUserMatchesMany":
      return "one AD user, several cloud users";
    case "privilegedCloudUser":
      return "privileged cloud user";
    case "cloudUserSyncedElsewhere":
      return "cloud user synced from elsewhere";
  }
}

function proposalRow(p: Proposal): string {
  return `| ${md(p.name)} | ${md(p.ad.samAccountName)} | ${md(p.ad.dn)} | ${md(p.cloud.userPrincipalName)} | ${p.confidence.toFixed(3)} | ${md(describeEvidence(p))} | ${md(p.predictedJoin.outcome)}${p.predictedJoin.uncertain ? " (uncertain)" : ""} |`;
}

/** The Markdown report. */
export function renderMarkdownReport(run: RunSummary): string {
  const r = run.result;
  const s = r.stats;
  const { written: joining, unwritten } = partitionProposals(run);
  const review = r.proposals.filter((p) => !p.joins);
  const out: string[] = [];
  out.push("# ad-entra-link discover report", "");
  out.push(
    `Run ${md(run.startedAt)}, tenant ${md(run.tenantId)}, search bases: ${run.searchBases.map(md).join("; ")}.`,
    "",
  );
  out.push("| | count |", "|---|---:|");
  out.push(`| AD users read | ${s.adUsers} |`, `| cloud users read | ${s.cloudUsers} |`);
  out.push(`| proposed links written to the links file | ${joining.length} |`);
  out.push(`| proposed but not predicted to join (not written) | ${review.length} |`);
  out.push(
    `| predicted to join, but refused by the links file or outside the allowed bases (not written) | ${unwritten.length} |`,
  );
  out.push(`| conflicts | ${r.conflicts.length} |`, `| unmatched AD users | ${r.unmatchedAd.length} |`);
  out.push(`| unmatched cloud users (cloud-managed members) | ${r.unmatchedCloud.length} |`);
  out.push(
    `| cloud users already synchronized | ${s.cloudAlreadySynced} |`,
    `| guests skipped | ${s.cloudGuestsSkipped} |`,
    "",
  );
  out.push(
    `Confidence = 1 − Π(1 − weight) over the evidence; pairs from ${r.options.minConfidence} on are candidates, ` +
      `candidates within ${r.options.ambiguityMargin} of each other are conflicts.`,
    "",
  );
  for (const n of run.notes) out.push(`> ${md(n)}`, "");
  const header =
    "| link | sAMAccountName | AD DN | cloud user | confidence | evidence | predicted join |\n|---|---|---|---|---:|---|---|";
  out.push(`## Proposed links (${joining.length})`, "");
  if (joining.length > 0) out.push(header, ...joining.map(proposalRow), "");
  else out.push("None.", "");
  out.push(`## Proposed, but not predicted to join (${review.length})`, "");
  if (review.length > 0) {
    out.push(header, ...review.map(proposalRow), "");
    for (const p of review) out.push(`- **${md(p.name)}**: ${md(p.predictedJoin.reason)}`);
    out.push("");
  } else out.push("None.", "");
  if (unwritten.length > 0) {
    out.push(`## Predicted to join, but not written (${unwritten.length})`, "");
    out.push(header, ...unwritten.map((u) => proposalRow(u.proposal)), "");
    for (const u of unwritten) out.push(`- **${md(u.proposal.name)}**: ${md(u.reasons.join("; "))}`);
    out.push("");
  }
  out.push(`## Conflicts (${r.conflicts.length})`, "");
  if (r.conflicts.length === 0) out.push("None.", "");
  for (const c of r.conflicts) {
    out.push(`### ${conflictTitle(c.kind)}: ${md(c.cloud.map((x) => x.userPrincipalName).join(", "))}`, "");
    out.push(md(c.message), "");
    out.push("| AD user | cloud user | confidence | evidence |", "|---|---|---:|---|");
    for (const p of c.pairs) {
      out.push(
        `| ${md(p.ad.samAccountName)} (${md(p.ad.dn)}) | ${md(p.cloud.userPrincipalName)} | ${p.confidence.toFixed(3)} | ${md(describeEvidence(p))} |`,
      );
    }
    out.push("");
  }
  out.push(`## Unmatched AD users (${r.unmatchedAd.length})`, "");
  if (r.unmatchedAd.length > 0) {
    out.push("| sAMAccountName | userPrincipalName | displayName | DN |", "|---|---|---|---|");
    for (const a of r.unmatchedAd)
      out.push(
        `| ${md(a.samAccountName)} | ${md(a.userPrincipalName)} | ${md(a.displayName)} | ${md(a.dn)} |`,
      );
  } else out.push("None.");
  out.push("", `## Unmatched cloud users (${r.unmatchedCloud.length})`, "");
  if (r.unmatchedCloud.length > 0) {
    out.push("| userPrincipalName | displayName | mail | id |", "|---|---|---|---|");
    for (const c of r.unmatchedCloud)
      out.push(`| ${md(c.userPrincipalName)} | ${md(c.displayName)} | ${md(c.mail)} | ${md(c.id)} |`);
  } else out.push("None.");
  out.push("");
  return out.join("\n");
}
