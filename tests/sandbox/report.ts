/** One Entra Connect sync cycle on the sandbox's tenant, reported per user in plain words. */
import * as fs from "node:fs";
import { TENANT_ID } from "../fixtures/seed-scenario";
import type { EmulatorControl } from "../emulator/control-client";
import type { SyncReportEntry } from "../emulator/sync/types";
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
  console.log("Users the examples link:");
  for (const e of report.entries) {
    const link = linkOf(e);
    if (link) console.log(`  ${link.cn.padEnd(14)} (${link.example}) → ${describeEntry(e)}`);
  }
  console.log("Not linked (what Entra Connect does with them without ad-entra-link):");
  for (const e of report.entries) if (!linkOf(e)) console.log(`  ${e.dn} → ${describeEntry(e)}`);
  return report.entries.filter((e) => linkOf(e) && /^(hard|soft)Match/.test(e.outcome)).length;
}
