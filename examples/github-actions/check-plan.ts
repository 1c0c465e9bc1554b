/**
 * Refuses to apply a reviewed plan when either directory changed since the review.
 *
 * Both files are Pulumi update plans (`pulumi preview --save-plan`): `reviewed` from the pull
 * request's preview, `current` from a preview made right before `up`. ad-entra-link's `check` puts
 * what it read from both directories into each link's checked inputs (`objects`: the AD user and
 * cloud object resolved; `plan`: every change as current → planned; `join`: the predicted join),
 * so a link whose directories changed has different goal inputs in the two plans. Every difference is listed, by link and property, and
 * the exit code is 1: nothing is applied. `pulumi up --plan <reviewed>` then guards the remaining
 * window per resource (Pulumi checks each resource against the plan just before its step; it does
 * not check the whole plan before the first write, which is why this check runs first).
 *
 *   npx ts-node --transpile-only --skipProject check-plan.ts <reviewed-plan.json> <current-plan.json>
 *
 * Output (stdout): Markdown for the job summary. Self-contained (Node.js built-ins only).
 */
import * as fs from "node:fs";

const USER_LINK_TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";
/** Most differences listed per link (a changed proxyAddresses list can differ in many places). */
const MAX_PER_LINK = 20;

export interface ResourcePlan {
  goal?: {
    type?: string;
    name?: string;
    inputDiff?: { adds?: Record<string, unknown>; deletes?: string[]; updates?: Record<string, unknown> };
    [key: string]: unknown;
  };
  steps?: string[];
}

export interface UpdatePlan {
  resourcePlans?: Record<string, ResourcePlan>;
}

export interface PlanDifference {
  /** The link's name (the resource name), or the URN for other resources. */
  link: string;
  /** Property path, e.g. `plan.1` (the second planned change), or `(operation)`. */
  path: string;
  reviewed: string;
  current: string;
}

const show = (v: unknown): string => {
  if (v === undefined) return "(absent)";
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
};

/** Paths where `a` and `b` differ (arrays compared element-wise; `__provider` by equality only). */
function diffValues(a: unknown, b: unknown, path: string, out: [string, unknown, unknown][]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
  const provider = /(^|\.)__provider$/.test(path);
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b) && !provider) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diffValues(a[k], b[k], path === "" ? k : `${path}.${k}`, out);
    return;
  }
  out.push([provider ? `${path} (the program's provider code)` : path, a, b]);
}

/** What a resource's goal says, without fields that differ between two previews of the same thing. */
function comparable(
  p: ResourcePlan | undefined,
): { steps: string[]; goal: Record<string, unknown> } | undefined {
  if (p === undefined) return undefined;
  const { provider, ...goal } = p.goal ?? {};
  // The default provider's reference ends in its id, which a fresh stack gets anew on each preview.
  const providerRef = typeof provider === "string" ? provider.replace(/::[0-9a-f-]{36}$/, "") : provider;
  return { steps: p.steps ?? [], goal: { ...goal, provider: providerRef } };
}

/** Every difference between the reviewed and the current plan, UserLinks first, sorted by link. */
export function comparePlans(reviewed: UpdatePlan, current: UpdatePlan): PlanDifference[] {
  const a = reviewed.resourcePlans ?? {};
  const b = current.resourcePlans ?? {};
  const out: PlanDifference[] = [];
  for (const urn of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const type = a[urn]?.goal?.type ?? b[urn]?.goal?.type;
    // The stack's outputs are derived from the links (compared below); providers are Pulumi's.
    if (type === "pulumi:pulumi:Stack" || type?.startsWith("pulumi:providers:")) continue;
    const link = type === USER_LINK_TYPE ? (urn.split("::").pop() ?? urn) : urn;
    const ra = comparable(a[urn]);
    const rb = comparable(b[urn]);
    if (ra === undefined || rb === undefined) {
      out.push({
        link,
        path: "(resource)",
        reviewed: ra === undefined ? "not in the reviewed plan" : `planned: ${ra.steps.join(", ")}`,
        current: rb === undefined ? "not in the current plan" : `planned: ${rb.steps.join(", ")}`,
      });
      continue;
    }
    const found: [string, unknown, unknown][] = [];
    if (ra.steps.join(",") !== rb.steps.join(",")) found.push(["(operation)", ra.steps, rb.steps]);
    diffValues(ra.goal.inputDiff, rb.goal.inputDiff, "", found);
    const { inputDiff: _a, ...restA } = ra.goal;
    const { inputDiff: _b, ...restB } = rb.goal;
    diffValues(restA, restB, "(resource options)", found);
    for (const [path, x, y] of found.slice(0, MAX_PER_LINK)) {
      out.push({
        link,
        // inputDiff.adds.plan.1 → plan.1
        path: path.replace(/^(adds|updates|deletes)\./, ""),
        reviewed: show(x),
        current: show(y),
      });
    }
    if (found.length > MAX_PER_LINK) {
      out.push({ link, path: "…", reviewed: "", current: `${found.length - MAX_PER_LINK} more differences` });
    }
  }
  return out;
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"));

/** The job-summary text for a comparison. */
export function renderComparison(diffs: PlanDifference[]): string {
  if (diffs.length === 0) {
    return "### ad-entra-link: the directories are as reviewed\n\nEvery link's checked plan equals the reviewed one; applying exactly that plan.\n";
  }
  const links = [...new Set(diffs.map((d) => d.link))];
  return [
    `### ad-entra-link: ❌ refused, ${links.length === 1 ? "1 link differs" : `${links.length} links differ`} from the reviewed plan`,
    "",
    "Active Directory or Entra ID (or the program) changed since the pull request's preview was reviewed. " +
      "Nothing was written. Run a new preview (re-run the pull request's `preview` job, or `workflow_dispatch` " +
      "with `operation: preview` on main), review it, and apply that one.",
    "",
    "| link | property | reviewed | now |",
    "|---|---|---|---|",
    ...diffs.map((d) => `| ${md(d.link)} | \`${md(d.path)}\` | ${md(d.reviewed)} | ${md(d.current)} |`),
    "",
  ].join("\n");
}

if (require.main === module) {
  const [reviewedFile, currentFile] = process.argv.slice(2);
  if (reviewedFile === undefined || currentFile === undefined) {
    process.stderr.write("usage: check-plan <reviewed-plan.json> <current-plan.json>\n");
    process.exit(2);
  }
  const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8")) as UpdatePlan;
  const diffs = comparePlans(read(reviewedFile), read(currentFile));
  process.stdout.write(renderComparison(diffs));
  for (const link of new Set(diffs.map((d) => d.link))) {
    const what = diffs
      .filter((d) => d.link === link)
      .map((d) => d.path)
      .join(", ");
    process.stderr.write(`ad-entra-link: refused: link ${link} changed since the review (${what}).\n`);
  }
  process.exitCode = diffs.length === 0 ? 0 : 1;
}
