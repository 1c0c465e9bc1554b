/**
 * Renders a `pulumi preview` of ad-entra-link links as Markdown: the pull-request comment (kept
 * below GitHub's 65,536-character limit) or, with --full, the whole plan for the job summary and
 * the workflow artifact.
 *
 * Input: the engine events that `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json`
 * prints, one JSON object per line (the non-streaming --json digest leaves out policy violations).
 * Output (stdout), in this order, so what blocks a merge is never cut off:
 *   1. status line and a summary table: links by operation, by predicted join, by certainty;
 *   2. refusals (check failures, mandatory policy violations) and other errors, one line each;
 *   3. one table line per link with changes (link, operation, predicted join, certainty, objects);
 *   4. collapsible details: every planned change (current → planned) and the join reasoning;
 *   5. when over the limit: what was left out and where the full plan is.
 *
 *   npx ts-node --transpile-only --skipProject render-plan.ts <events.jsonl> [stack] [--full]
 *       [--full-plan-url <url>] [--max-chars <n>] > plan.md
 *
 * Self-contained (Node.js built-ins only), so it can be copied next to the workflow.
 */
import * as fs from "node:fs";

const USER_LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";
/** GitHub refuses comments (and job summaries over 1 MiB); this leaves room for the workflow's own lines. */
export const DEFAULT_MAX_CHARS = 60_000;
/** GitHub's hard limit for an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** First line of every comment, so the workflow can find and update its previous comment. */
export const MARKER = "<!-- ad-entra-link-plan -->";
/** Longest single message shown in the comment (a refusal can quote many objects). */
const MAX_MESSAGE = 600;

/** A UserLink's checked inputs as preview shows them (see the package's link/types.ts). */
interface LinkInputs {
  onPremises?: Record<string, string>;
  cloud?: Record<string, string>;
  match?: string;
  /** `AD <distinguished name> ⇄ cloud <object id>`: what the selectors resolved to. */
  objects?: string;
  /** One line per planned change, `current → planned`. */
  plan?: string[];
  /** `<outcome>, <certain|uncertain>: <what Entra Connect will do>`. */
  join?: string;
}

/**
 * The outcome and certainty of a join line: the grammar of the package's `parseJoinLine`, repeated
 * here so this file stays self-contained (tests/unit/gitops holds both to the same answers).
 */
export function joinOf(line: unknown): { outcome: string; uncertain: boolean } | undefined {
  const m = typeof line === "string" ? /^([A-Za-z]+), (certain|uncertain): /.exec(line) : null;
  return m === null ? undefined : { outcome: m[1]!, uncertain: m[2] === "uncertain" };
}

interface LinkState {
  inputs?: LinkInputs;
}

interface EngineEvent {
  resourcePreEvent?: {
    metadata: { op: string; urn: string; type: string; old?: LinkState | null; new?: LinkState | null };
  };
  policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
  };
  diagnosticEvent?: { message: string; severity: string; urn?: string };
  summaryEvent?: { resourceChanges?: Record<string, number>; result?: string };
}

export interface RenderOptions {
  /** Stack name shown in the heading. Default "stack". */
  stack?: string;
  /** Render everything, without a length limit (job summary, artifact). Default false. */
  full?: boolean;
  /** Maximum length of the comment in characters. Default {@link DEFAULT_MAX_CHARS}. */
  maxChars?: number;
  /** Where the full plan is (the workflow run's artifacts), linked when something is left out. */
  fullPlanUrl?: string;
}

interface Link {
  name: string;
  op: string;
  inputs: LinkInputs;
}

interface Refusal {
  link: string;
  text: string;
}

/** One line of table-cell text: no pipes or newlines, no HTML, at most `max` characters. */
export function cell(v: string, max = 200): string {
  const flat = v
    .replace(/\r?\n/g, " ")
    .replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"))
    .replace(/\|/g, "\\|")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const nameOf = (urn: string | undefined): string => (urn ?? "").split("::").pop() ?? "";
const selector = (s: Record<string, string> | undefined): string =>
  Object.entries(s ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

/** The `Name [CODE]: message` part of a check failure, without the engine's preamble. */
function refusalText(message: string): string {
  const m = /has a problem: (.*)$/s.exec(message);
  return (m?.[1] ?? message).trim();
}

/** Parses the event lines (other lines are ignored) into links, refusals and problems. */
function collect(text: string) {
  const links = new Map<string, Link>();
  const refusals: Refusal[] = [];
  const problems = new Set<string>();
  let summary: EngineEvent["summaryEvent"];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    let e: EngineEvent;
    try {
      e = JSON.parse(t) as EngineEvent;
    } catch {
      continue; // not an event line
    }
    const step = e.resourcePreEvent?.metadata;
    if (step !== undefined && step.type === USER_LINK_TYPE) {
      const inputs = (step.op === "delete" ? step.old : step.new)?.inputs ?? {};
      links.set(step.urn, { name: nameOf(step.urn), op: step.op, inputs });
    }
    const p = e.policyEvent;
    if (p !== undefined) {
      const text = `${p.enforcementLevel} policy \`${p.policyName}\` (${p.policyPackName}): ${p.message.trim()}`;
      if (p.enforcementLevel === "mandatory") refusals.push({ link: nameOf(p.resourceUrn), text });
      else
        problems.add(
          `- ${p.resourceUrn ? `**${cell(nameOf(p.resourceUrn), 100)}**: ` : ""}${cell(text, MAX_MESSAGE)}`,
        );
    }
    const d = e.diagnosticEvent;
    if (d !== undefined && (d.severity === "error" || d.severity === "warning")) {
      if (d.severity === "error" && d.urn?.includes(`::${USER_LINK_TYPE}::`)) {
        refusals.push({ link: nameOf(d.urn), text: refusalText(d.message) });
      } else {
        problems.add(
          `- ${d.severity}${d.urn ? ` (**${cell(nameOf(d.urn), 100)}**)` : ""}: ${cell(d.message, MAX_MESSAGE)}`,
        );
      }
    }
    if (e.summaryEvent !== undefined) summary = e.summaryEvent;
  }
  return { links, refusals, problems: [...problems], summary };
}

function countBy<T>(items: T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

const outcomeOf = (l: Link): string => joinOf(l.inputs.join)?.outcome ?? "unknown";
const certaintyOf = (l: Link): string => {
  const j = joinOf(l.inputs.join);
  return j === undefined ? "unknown" : j.uncertain ? "uncertain" : "certain";
};

function tableLine(l: Link): string {
  const i = l.inputs;
  const ad = /^AD (.+) ⇄ cloud [0-9a-f-]{36}$/.exec(i.objects ?? "")?.[1] ?? selector(i.onPremises);
  return (
    `| ${cell(l.name, 80)} | ${l.op} | ${outcomeOf(l)}${i.match === "hard" ? " (hard match)" : ""} | ` +
    `${certaintyOf(l)} | ${cell(ad, 120)} | ${cell(selector(i.cloud), 100)} | ${(i.plan ?? []).length} |`
  );
}

function detailBlock(l: Link): string {
  const i = l.inputs;
  const lines = [`**${cell(l.name, 80)}** (${l.op})`, ""];
  for (const c of i.plan ?? []) lines.push(`- ${cell(c, 300)}`);
  if (i.join) lines.push(`- predicted join: ${cell(i.join, MAX_MESSAGE)}`);
  lines.push("");
  return lines.join("\n");
}

/**
 * Renders the events as Markdown. Unless `full`, the result is at most `maxChars` characters:
 * sections are added in priority order and whatever does not fit is counted and pointed to.
 */
export function renderPlan(text: string, options: RenderOptions = {}): string {
  const { links, refusals, problems, summary } = collect(text);
  const max = options.full ? Number.POSITIVE_INFINITY : (options.maxChars ?? DEFAULT_MAX_CHARS);
  const all = [...links.values()].sort((a, b) => a.name.localeCompare(b.name));
  const changed = all.filter((l) => l.op !== "same");
  const refusedLinks = new Set(refusals.map((r) => r.link));
  // A link refused at check has no step: it is counted from its refusal.
  const listed = new Set(all.map((l) => l.name));
  const failed = summary?.result === "failed" || refusals.length > 0;

  const head: string[] = [
    MARKER,
    `### ad-entra-link plan for \`${cell(options.stack ?? "stack", 80)}\`: ${failed ? "❌ blocked" : "✅ ready"}`,
    "",
    `${all.length + [...refusedLinks].filter((n) => !listed.has(n)).length} links: ` +
      `${changed.length} with changes, ${all.length - changed.length} unchanged, ${refusedLinks.size} refused.`,
    "",
    "| | count |",
    "|---|---|",
    ...countBy(all, (l) => l.op).map(([k, n]) => `| operation: ${k} | ${n} |`),
    ...countBy(changed, outcomeOf).map(([k, n]) => `| predicted join: ${k} | ${n} |`),
    ...countBy(changed, certaintyOf).map(([k, n]) => `| prediction ${k} | ${n} |`),
    ...(refusals.length > 0 ? [`| refusals | ${refusals.length} |`] : []),
    "",
  ];
  const out: string[] = [];
  let used = 0;
  const omitted = { refusals: 0, problems: 0, rows: 0, details: 0 };
  // Room kept for the closing lines (end of a <details>, the note on what was left out).
  const reserve = 700;
  const fits = (s: string, limit = max - reserve) => used + s.length + 1 <= limit;
  // The table may use three quarters of the room, so some details always follow it.
  const tableLimit = max === Number.POSITIVE_INFINITY ? max : Math.floor(max * 0.75) - reserve;
  const push = (s: string) => {
    out.push(s);
    used += s.length + 1;
  };
  for (const h of head) push(h);

  if (refusals.length > 0) {
    push(`#### Refused (${refusals.length}): nothing is written for these links`);
    push("");
    for (const r of refusals) {
      const line = `- **${cell(r.link, 100)}**: ${cell(r.text, MAX_MESSAGE)}`;
      if (fits(line)) push(line);
      else omitted.refusals++;
    }
    push("");
  }
  if (problems.length > 0) {
    push("#### Errors, warnings and advisory policies");
    push("");
    for (const p of problems) {
      if (fits(p)) push(p);
      else omitted.problems++;
    }
    push("");
  }
  if (changed.length > 0) {
    push("#### Links with changes");
    push("");
    push("| link | operation | predicted join | certainty | AD user | cloud user | changes |");
    push("|---|---|---|---|---|---|---|");
    for (const l of changed) {
      const line = tableLine(l);
      if (fits(line, tableLimit)) push(line);
      else omitted.rows++;
    }
    push("");
    const open =
      "<details><summary>Planned changes per link (current → planned) and the join reasoning</summary>";
    if (fits(open)) {
      push(open);
      push("");
      for (const l of changed) {
        const block = detailBlock(l);
        if (fits(block)) push(block);
        else omitted.details++;
      }
      push("</details>");
      push("");
    } else {
      omitted.details = changed.length;
    }
  }
  const left = omitted.refusals + omitted.problems + omitted.rows + omitted.details;
  if (left > 0) {
    const parts = [
      omitted.refusals > 0 ? `${omitted.refusals} refusals` : "",
      omitted.problems > 0 ? `${omitted.problems} errors or warnings` : "",
      omitted.rows > 0 ? `${omitted.rows} table lines` : "",
      omitted.details > 0 ? `the details of ${omitted.details} links` : "",
    ].filter((p) => p !== "");
    const where = options.fullPlanUrl
      ? `[the workflow run](${options.fullPlanUrl}) (artifact \`ad-entra-link-plan\`, file \`plan.md\`, and the job summary)`
      : "the workflow run's artifact `ad-entra-link-plan` (file `plan.md`) and the job summary";
    push(
      `> **Truncated** to stay below GitHub's comment limit: ${parts.join(", ")} are not shown here. The full plan is in ${where}.`,
    );
  }
  return `${out.join("\n")}\n`;
}

function main(argv: string[]): number {
  const positional: string[] = [];
  const options: RenderOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--full") options.full = true;
    else if (a === "--full-plan-url") options.fullPlanUrl = argv[++i] ?? "";
    else if (a === "--max-chars") options.maxChars = Number(argv[++i]);
    else positional.push(a);
  }
  const [file, stack] = positional;
  if (file === undefined || (options.maxChars !== undefined && !(options.maxChars > 0))) {
    process.stderr.write(
      "usage: render-plan <events.jsonl> [stack] [--full] [--full-plan-url <url>] [--max-chars <n>]\n",
    );
    return 2;
  }
  if (stack !== undefined) options.stack = stack;
  process.stdout.write(renderPlan(fs.readFileSync(file, "utf8"), options));
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
