/**
 * The HTML report of a discovery run: one self-contained page (inline CSS and JS, sortable
 * tables, no external assets). Every directory value goes through `esc`.
 */
import { conflictTitle, describeEvidence, partitionProposals, type RunSummary } from "./output";
import type { Proposal } from "./types";

function esc(v: string | number | null | undefined): string {
  return String(v ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function table(
  id: string,
  headers: string[],
  rows: (string | number | null)[][],
  numeric: number[] = [],
): string {
  const head = headers
    .map((h, i) => `<th data-type="${numeric.includes(i) ? "num" : "text"}" tabindex="0">${esc(h)}</th>`)
    .join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="sortable" id="${esc(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

// Click (or Enter on) a header to sort by that column; again to reverse. No external assets.
const SORT_SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function (t) {
  t.querySelectorAll("th").forEach(function (th, col) {
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      t.querySelectorAll("th").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var num = th.getAttribute("data-type") === "num";
      var body = t.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var r = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });
});
var filter = document.getElementById("filter");
filter.addEventListener("input", function () {
  var q = filter.value.toLowerCase();
  document.querySelectorAll("table.sortable tbody tr").forEach(function (r) {
    r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
  });
});
`;

const STYLE = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f3f7; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tbody tr:nth-child(even) { background: #fafafa; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 4px 8px; }
#filter { padding: 4px; width: 20em; }
`;

interface HtmlTables {
  proposals: string;
  conflicts: string;
  unmatchedAd: string;
  unmatchedCloud: string;
}

/** The report's four tables; `written` are the proposals the links file holds. */
function htmlTables(run: RunSummary, written: ReadonlySet<Proposal>): HtmlTables {
  const r = run.result;
  const proposals = table(
    "proposals",
    [
      "link",
      "status",
      "sAMAccountName",
      "AD DN",
      "cloud user",
      "confidence",
      "evidence",
      "predicted join",
      "warnings",
    ],
    r.proposals.map((p) => [
      p.name,
      written.has(p) ? "written" : p.joins ? "not written (refused)" : "review",
      p.ad.samAccountName,
      p.ad.dn,
      p.cloud.userPrincipalName,
      p.confidence.toFixed(3),
      describeEvidence(p),
      `${p.predictedJoin.outcome}${p.predictedJoin.uncertain ? " (uncertain)" : ""}`,
      p.warnings.join(" "),
    ]),
    [5],
  );
  const conflicts = table(
    "conflicts",
    ["kind", "AD user", "cloud user", "confidence", "evidence", "what to do"],
    r.conflicts.flatMap((c) =>
      c.pairs.map((p) => [
        conflictTitle(c.kind),
        `${p.ad.samAccountName} (${p.ad.dn})`,
        p.cloud.userPrincipalName,
        p.confidence.toFixed(3),
        describeEvidence(p),
        c.message,
      ]),
    ),
    [3],
  );
  const unmatchedAd = table(
    "unmatched-ad",
    ["sAMAccountName", "userPrincipalName", "displayName", "DN"],
    r.unmatchedAd.map((a) => [a.samAccountName, a.userPrincipalName, a.displayName, a.dn]),
  );
  const unmatchedCloud = table(
    "unmatched-cloud",
    ["userPrincipalName", "displayName", "mail", "id"],
    r.unmatchedCloud.map((c) => [c.userPrincipalName, c.displayName, c.mail, c.id]),
  );
  return { proposals, conflicts, unmatchedAd, unmatchedCloud };
}

/** The HTML report: one self-contained page. */
export function renderHtmlReport(run: RunSummary): string {
  const r = run.result;
  const written = new Set(partitionProposals(run).written);
  const { proposals, conflicts, unmatchedAd, unmatchedCloud } = htmlTables(run, written);
  const s = r.stats;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ad-entra-link discover report</title>
<style>
${STYLE}</style>
</head>
<body>
<h1>ad-entra-link discover report</h1>
<p>Run ${esc(run.startedAt)}, tenant <code>${esc(run.tenantId)}</code>, search bases: ${run.searchBases.map((b) => `<code>${esc(b)}</code>`).join(", ")}.</p>
<p>${s.adUsers} AD users, ${s.cloudUsers} cloud users read; ${written.size} links written,
${r.proposals.filter((p) => !written.has(p)).length} to review, ${r.conflicts.length} conflicts, ${r.unmatchedAd.length} unmatched AD users,
${r.unmatchedCloud.length} unmatched cloud users.</p>
${run.notes.map((n) => `<p class="note">${esc(n)}</p>`).join("\n")}
<p><label>Filter all tables: <input id="filter" type="search" placeholder="name, UPN, DN…"></label></p>
<h2>Proposed links (${r.proposals.length})</h2>
${proposals}
<h2>Conflicts (${r.conflicts.length})</h2>
${conflicts}
<h2>Unmatched AD users (${r.unmatchedAd.length})</h2>
${unmatchedAd}
<h2>Unmatched cloud users (${r.unmatchedCloud.length})</h2>
${unmatchedCloud}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
