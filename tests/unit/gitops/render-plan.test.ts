/**
 * The PR comment renderer of examples/github-actions with 1,000 synthetic links: a summary table
 * (by operation, predicted join, certainty), refusals first, one line per link, collapsible details,
 * and graceful truncation below GitHub's 65,536-character limit with a pointer to the full plan.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { JOIN_OUTCOMES, parseJoinLine } from "../../../provider/link/review";
import {
  DEFAULT_MAX_CHARS,
  GITHUB_COMMENT_LIMIT,
  joinOf,
  MARKER,
  renderPlan,
} from "../../../examples/github-actions/render-plan";

const TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";
const urn = (name: string) => `urn:pulumi:prod::identity::${TYPE}::${name}`;
const OUTCOMES = ["softMatchSmtp", "softMatchUpn", "hardMatch", "blocked"] as const;

/** Streamed engine events for `n` links, `refused` of which fail their check. */
function events(n: number, refused: number): string {
  const lines: unknown[] = [
    { preludeEvent: { config: {} } },
    { diagnosticEvent: { severity: "debug", message: "x" } },
  ];
  for (let i = 0; i < n; i++) {
    const name = `user-${String(i).padStart(4, "0")}`;
    if (i < refused) {
      lines.push({
        diagnosticEvent: {
          urn: urn(name),
          severity: "error",
          message: `${TYPE} resource '${name}': property onPremises value {map[samAccountName:{nobody${i}}]} has a problem: NotFoundError [AD_USER_NOT_FOUND]: ad-entra-link: no Active Directory user matches samAccountName "nobody${i}" under the base DN.`,
        },
      });
      continue;
    }
    const outcome = OUTCOMES[i % OUTCOMES.length]!;
    lines.push({
      resourcePreEvent: {
        metadata: {
          op: i % 10 === 9 ? "same" : "create",
          urn: urn(name),
          type: TYPE,
          new: {
            inputs: {
              onPremises: { samAccountName: `u${i}` },
              cloud: { userPrincipalName: `${name}@contoso.com` },
              ...(outcome === "hardMatch" ? { match: "hard" } : {}),
              plan: [
                `on-premises userPrincipalName: u${i}@corp.local → ${name}@contoso.com`,
                `on-premises mail: (not set) → ${name}@contoso.com`,
              ],
              join: `${outcome}, ${i % 3 === 0 ? "uncertain" : "certain"}: Because rule ${i} says so.`,
              objects: `AD CN=User ${i},OU=Staff,DC=corp,DC=local ⇄ cloud 00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
            },
          },
        },
      },
    });
  }
  lines.push({
    summaryEvent: { resourceChanges: { create: n }, result: refused > 0 ? "failed" : "succeeded" },
  });
  return lines.map((l) => JSON.stringify(l)).join("\n");
}

test("1,000 links: within GitHub's limit, summary first, refusals before the table, truncated with a pointer", () => {
  const md = renderPlan(events(1000, 25), {
    stack: "prod",
    fullPlanUrl: "https://github.com/o/r/actions/runs/7",
  });
  assert.ok(md.length <= DEFAULT_MAX_CHARS, `${md.length} characters`);
  assert.ok(md.length < GITHUB_COMMENT_LIMIT);
  assert.ok(md.startsWith(`${MARKER}\n### ad-entra-link plan for \`prod\`: ❌ blocked\n`));
  assert.match(md, /1000 links: 877 with changes, 98 unchanged, 25 refused\./);
  // 975 links with steps: i % 4 gives the outcome; 25 refused are i < 25.
  const changed = [...Array(1000).keys()].filter((i) => i >= 25 && i % 10 !== 9);
  const count = (f: (i: number) => boolean) => changed.filter(f).length;
  assert.match(md, new RegExp(`\\| predicted join: softMatchSmtp \\| ${count((i) => i % 4 === 0)} \\|`));
  assert.match(md, new RegExp(`\\| predicted join: blocked \\| ${count((i) => i % 4 === 3)} \\|`));
  assert.match(md, new RegExp(`\\| prediction uncertain \\| ${count((i) => i % 3 === 0)} \\|`));
  assert.match(md, new RegExp(`\\| prediction certain \\| ${count((i) => i % 3 !== 0)} \\|`));
  assert.match(md, /\| operation: same \| 98 \|/);
  assert.match(md, /\| refusals \| 25 \|/);

  const refusedAt = md.indexOf("#### Refused (25)");
  const tableAt = md.indexOf("#### Links with changes");
  assert.ok(refusedAt > 0 && tableAt > refusedAt, "refusals come before the links");
  for (let i = 0; i < 25; i++) {
    assert.ok(md.includes(`- **user-${String(i).padStart(4, "0")}**: NotFoundError [AD_USER_NOT_FOUND]:`));
  }
  // One line per link while it fits, each one complete; no table line is cut.
  const rows = md.split("\n").filter((l) => l.startsWith("| user-"));
  assert.ok(rows.length > 250, `${rows.length} rows`);
  for (const r of rows)
    assert.match(r, /^\| user-\d{4} \| create \| \w+( \(hard match\))? \| (un)?certain \| CN=.* \| \d \|$/);
  // The details are collapsible and closed even when cut short.
  assert.equal((md.match(/<details>/g) ?? []).length, 1);
  assert.equal((md.match(/<\/details>/g) ?? []).length, 1);
  assert.ok(md.indexOf("</details>") > md.indexOf("<details>"));
  assert.match(
    md,
    new RegExp(
      `> \\*\\*Truncated\\*\\* to stay below GitHub's comment limit: ${877 - rows.length} table lines, the details of \\d+ links are not shown here\\. The full plan is in \\[the workflow run\\]\\(https://github\\.com/o/r/actions/runs/7\\)`,
    ),
  );
});

test("--full renders every link and every detail (the artifact and the job summary)", () => {
  const md = renderPlan(events(1000, 25), { stack: "prod", full: true });
  assert.ok(md.length > GITHUB_COMMENT_LIMIT);
  assert.equal(md.split("\n").filter((l) => l.startsWith("| user-")).length, 877);
  assert.equal((md.match(/^\*\*user-\d{4}\*\* \(create\)$/gm) ?? []).length, 877);
  assert.ok(!md.includes("Truncated"));
});

test("the join line grammar is the package's: joinOf and parseJoinLine agree", () => {
  for (const line of [
    "softMatchSmtp, certain: joins the cloud user on the primary SMTP address",
    "newObject, uncertain: Entra Connect creates a NEW cloud user; hard match if x=true",
    "blocked, certain: ObjectTypeMismatch: a group holds it",
    "Hardmatch, certain: not an outcome",
    "softMatchSmtp certain: no comma",
    "",
  ]) {
    const pkg = parseJoinLine(line);
    const ours = joinOf(line);
    if (pkg === undefined)
      assert.ok(ours === undefined || !JOIN_OUTCOMES.includes(ours.outcome as never), line);
    else assert.deepEqual(ours, pkg, line);
  }
});

test("a small plan is not truncated, and cells cannot break the table or inject HTML", () => {
  const ev = events(3, 0).replaceAll('::user-0000"', '::user-0000 | <img src=x>"');
  const md = renderPlan(ev, { stack: "prod" });
  assert.match(md, /: ✅ ready/);
  assert.ok(!md.includes("Truncated"));
  assert.ok(md.includes("| user-0000 \\| &lt;img src=x&gt; | create |"));
  assert.ok(!md.includes("<img"));
});
