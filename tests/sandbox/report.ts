/**
 * What the sandbox prints about joins, in plain words: the confirmed outcome `up` recorded per link
 * (issue 14: Entra Connect's wait, Cloud Sync's provisionOnDemand), and an Entra Connect sync cycle
 * per user (`--sync`, and the users no link covers).
 */
import * as fs from "node:fs";
import { TENANT_ID } from "../fixtures/seed-scenario";
import type { JoinResult } from "../../provider/confirm/types";
import type { EmulatorControl } from "../emulator/control-client";
import type { SyncCycleReport, SyncReportEntry } from "../emulator/sync/types";
import type { TestEnvFile } from "../support/test-env";
import { SANDBOX_SEARCH_BASES } from "./instructions";

/** The users the examples link, by the CN the seed gives them. */
export const LINKED: { cn: string; example: string }[] = [
  { cn: "Adam Anderson", example: "soft-match" },
  { cn: "Alva Wood", example: "soft-match" },
  { cn: "Bruno Costa", example: "hard-match" },
  { cn: "Chen Li", example: "hard-match" },
];

const linkOf = (e: SyncReportEntry) => LINKED.find((l) => e.dn.startsWith(`CN=${l.cn},`));

/** What each outcome means for the person, in the words a reviewer needs. */
const MEANING: Record<SyncReportEntry["outcome"], string> = {
  hardMatch: "joined the existing cloud user (hard match on the ImmutableId)",
  softMatchSmtp: "joined the existing cloud user (soft match on the primary SMTP address)",
  softMatchUpn: "joined the existing cloud user (soft match on the UPN)",
  provisioned:
    "a NEW cloud user was created: where this person already had a cloud-only account, that is a duplicate",
  updated: "already synced: the joined cloud user was updated",
  blocked: "not synced: Entra Connect refused it (export error)",
  filtered: "not synced: outside the sync scope or filtered",
};

export function describeEntry(e: SyncReportEntry): string {
  const details = [
    e.error ? `${e.error.name}: ${e.error.message}` : undefined,
    e.quarantined?.length
      ? `quarantined: ${e.quarantined.map((q) => `${q.property} ${q.value}`).join(", ")}`
      : undefined,
  ].filter((d): d is string => d !== undefined);
  return `${e.outcome} - ${MEANING[e.outcome]}${details.length ? ` (${details.join("; ")})` : ""}`;
}

/** Prints a cycle's report per user; returns how many linked users joined. */
export function printCycle(report: SyncCycleReport): number {
  console.log("Users the examples link:");
  for (const e of report.entries) {
    const link = linkOf(e);
    if (link) console.log(`  ${link.cn.padEnd(14)} (${link.example}) → ${describeEntry(e)}`);
  }
  printNotLinked(report);
  return report.entries.filter((e) => linkOf(e) && /^(hard|soft)Match/.test(e.outcome)).length;
}

export function printNotLinked(report: SyncCycleReport): void {
  console.log("Not linked (what Entra Connect does with them without ad-entra-link):");
  for (const e of report.entries) if (!linkOf(e)) console.log(`  ${e.dn} → ${describeEntry(e)}`);
}

/** Runs the cycle (scope OU=Staff, like the seed's Entra Connect), prints it, returns how many linked users joined. */
export async function syncAndReport(control: EmulatorControl, env: TestEnvFile): Promise<number> {
  const report = await control.runSyncCycle(TENANT_ID, {
    ldap: {
      url: env.samba.url,
      bindDn: env.samba.adminBindDn,
      bindPassword: env.samba.adminPassword,
      caCertPem: fs.readFileSync(env.samba.caCertPath, "utf8"),
    },
    scope: [SANDBOX_SEARCH_BASES[0]!],
  });
  return printCycle(report);
}

/** One link's confirmed outcome, as the sandbox prints it (pure). */
export function confirmedLine(link: {
  example: string;
  linkName: string;
  result: JoinResult | undefined;
}): string {
  const who = `${link.linkName.padEnd(14)} (${link.example})`;
  if (link.result === undefined)
    return `  ${who} → not confirmed: its \`up\` failed before the join was checked`;
  return `  ${who} → ${link.result.outcome}: ${link.result.summary}`;
}

/** Prints the confirmed outcome per link under `title`; returns how many joined the declared user. */
export function printConfirmed(
  title: string,
  links: readonly { example: string; linkName: string; result: JoinResult | undefined }[],
): number {
  console.log(title);
  for (const l of links) console.log(confirmedLine(l));
  return links.filter((l) => l.result?.outcome === "joined").length;
}
