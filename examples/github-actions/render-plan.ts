/**
 * Renders a `pulumi preview` of ad-entra-link links as a Markdown pull-request comment.
 *
 * Input: the engine events that `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json`
 * prints, one JSON object per line (the non-streaming --json digest leaves out policy violations).
 * Output (stdout): Markdown with one row per changed link (planned changes, current → planned, and
 * the predicted Entra Connect join), the policy violations, errors and warnings.
 *
 *   npx ts-node --transpile-only --skipProject render-plan.ts <events.jsonl> [stack] > plan.md
 *
 * Self-contained (Node.js built-ins only), so it can be copied next to the workflow.
 */
import * as fs from "node:fs";

const USER_LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";
/** GitHub refuses comments over 65,536 characters; stay well below. */
const MAX_COMMENT = 60_000;
/** First line of every comment, so the workflow can find and update its previous comment. */
export const MARKER = "<!-- ad-entra-link-plan -->";

interface LinkState {
  inputs?: {
    linkName?: string;
    onPremises?: Record<string, string>;
    cloud?: Record<string, string>;
    match?: string;
    planSummary?: string[];
    predictedJoin?: { outcome?: string; reason?: string; uncertain?: boolean };
    resolved?: { onPremisesDistinguishedName?: string };
  };
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

const cell = (v: string): string => v.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const nameOf = (urn: string | undefined): string => (urn ?? "").split("::").pop() ?? "";
const selector = (s: Record<string, string> | undefined): string =>
  Object.entries(s ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

/** Renders the events (lines of JSON; other lines are ignored) as Markdown. */
export function renderPlan(text: string, stack = "stack"): string {
  const events: EngineEvent[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      events.push(JSON.parse(t) as EngineEvent);
    } catch {
      // not an event line
    }
  }
  const links = new Map<string, { op: string; state: LinkState }>();
  const violations: string[] = [];
  const problems = new Set<string>();
  let summary: EngineEvent["summaryEvent"];
  for (const e of events) {
    const step = e.resourcePreEvent?.metadata;
    if (step !== undefined && step.type === USER_LINK_TYPE) {
      links.set(step.urn, { op: step.op, state: (step.op === "delete" ? step.old : step.new) ?? {} });
    }
    if (e.policyEvent !== undefined) {
      const p = e.policyEvent;
      violations.push(
        `- **${p.enforcementLevel}** \`${p.policyName}\` (${p.policyPackName}) on \`${nameOf(p.resourceUrn)}\`: ${cell(p.message.trim())}`,
      );
    }
    const d = e.diagnosticEvent;
    if (d !== undefined && (d.severity === "error" || d.severity === "warning")) {
      problems.add(`- ${d.severity}${d.urn ? ` (\`${nameOf(d.urn)}\`)` : ""}: ${cell(d.message.trim())}`);
    }
    if (e.summaryEvent !== undefined) summary = e.summaryEvent;
  }

  const failed = summary?.result === "failed" || violations.some((v) => v.startsWith("- **mandatory**"));
  // Sorted by link name: the comment reads the same however the engine ordered its steps.
  const changed = [...links.entries()]
    .filter(([, l]) => l.op !== "same")
    .sort(([ua, a], [ub, b]) =>
      (a.state.inputs?.linkName ?? nameOf(ua)).localeCompare(b.state.inputs?.linkName ?? nameOf(ub)),
    );
  const counts = Object.entries(summary?.resourceChanges ?? {})
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  const out: string[] = [
    MARKER,
    `### ad-entra-link plan for \`${stack}\`: ${failed ? "❌ blocked" : "✅ ready"}`,
    "",
    `${links.size} links; ${changed.length} with changes; ${links.size - changed.length} unchanged. Resources: ${counts || "no changes"}.`,
    "",
  ];
  if (changed.length > 0) {
    out.push(
      "| link | operation | AD user | cloud user | planned changes (current → planned) | predicted join |",
    );
    out.push("|---|---|---|---|---|---|");
    for (const [urn, { op, state }] of changed) {
      const i = state.inputs ?? {};
      const join = i.predictedJoin;
      out.push(
        `| ${cell(i.linkName ?? nameOf(urn))} | ${op} | ${cell(i.resolved?.onPremisesDistinguishedName ?? selector(i.onPremises))} | ${cell(selector(i.cloud))} | ` +
          `${(i.planSummary ?? []).map(cell).join("<br>") || "—"} | ` +
          `${join?.outcome ?? "?"}${join?.uncertain ? " (uncertain)" : ""}${i.match === "hard" ? ", hard match" : ""} |`,
      );
    }
    out.push("");
  }
  if (violations.length > 0) out.push("#### Policy violations", "", ...violations, "");
  if (problems.size > 0) out.push("#### Errors and warnings", "", ...problems, "");
  let md = out.join("\n");
  if (md.length > MAX_COMMENT) {
    md = `${md.slice(0, MAX_COMMENT)}\n\n… truncated; the full plan is in the job summary and the workflow log.\n`;
  }
  return md;
}

if (require.main === module) {
  const [file, stack] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write("usage: render-plan <events.jsonl> [stack]\n");
    process.exit(2);
  }
  process.stdout.write(renderPlan(fs.readFileSync(file, "utf8"), stack));
}
