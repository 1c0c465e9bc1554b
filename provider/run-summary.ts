/**
 * The table at the end of a run: one row per link (changes, predicted join, certainty, AD user),
 * logged on the stack so Pulumi prints it under "Diagnostics" after the resources, and returned as
 * an output. Built from the review fields, which are known at preview, so it also shows in preview;
 * while any of them is unknown (a dependency not created yet) nothing is printed.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseJoinLine, parseObjectsLine } from "./link/review";
import type { UserLink } from "./resource";

export interface LinkRow {
  name: string;
  changes: number;
  join: string;
  certainty: "certain" | "uncertain" | "?";
  adUser: string;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The table as text (pure: tests call it with rows). */
export function renderSummary(rows: readonly LinkRow[]): string {
  const changed = rows.filter((r) => r.changes > 0).length;
  const outcomes = new Map<string, number>();
  for (const r of rows) outcomes.set(r.join, (outcomes.get(r.join) ?? 0) + 1);
  const uncertain = rows.filter((r) => r.certainty !== "certain").length;
  const head =
    `ad-entra-link: ${rows.length} link${rows.length === 1 ? "" : "s"}, ${changed} with changes; ` +
    `predicted: ${[...outcomes].map(([o, n]) => `${n} ${o}`).join(", ")}` +
    (uncertain > 0
      ? `; ${uncertain} uncertain (they depend on tenant settings: state them in ad-entra-link:tenantSyncFeatures)`
      : "");
  const table = [
    ["link", "changes", "join", "certainty", "AD user"],
    ...rows.map((r) => [r.name, String(r.changes), r.join, r.certainty, r.adUser]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) =>
    row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  "),
  );
  return [head, ...lines].join("\n");
}

/**
 * Logs the run's table once every link's review fields are known, and returns it as an output.
 * `links`: the program's UserLinks, as a list or by name.
 */
export function summarizeLinks(links: readonly UserLink[] | Record<string, UserLink>): pulumi.Output<string> {
  const list = Array.isArray(links) ? links : Object.values(links);
  const rows = list.map((l) =>
    pulumi.all([l.urn, l.plan, l.join, l.objects]).apply(([urn, plan, join, objects]): LinkRow => {
      const parsed = parseJoinLine(join);
      return {
        name: nameOf(urn),
        changes: (plan ?? []).length,
        join: parsed?.outcome ?? "?",
        certainty: parsed === undefined ? "?" : parsed.uncertain ? "uncertain" : "certain",
        adUser: parseObjectsLine(objects)?.adDn ?? "?",
      };
    }),
  );
  return pulumi.all(rows).apply((all) => {
    const text = renderSummary(all);
    void pulumi.log.info(text);
    return text;
  });
}
