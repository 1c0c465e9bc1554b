/**
 * `ad-entra-link status (--stack <name> | --state <export.json>) [--json]`: one line per link of a
 * stack — sync state, the join that happened, duplicates, provisioning errors. Reads Entra ID only,
 * with the Entra settings from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, …); a read-only
 * app (User.Read.All) is enough. `--check` exits 3 when a link needs attention (for pipelines).
 */
import { readEntraSettingsOnly } from "../config/settings";
import { GraphJoinObserver } from "../entra/join-observation";
import { linkStatuses, linksFromStackExport, needsAttention, renderStatus } from "../status/status";
import { type CliCommand, EXIT_FAILURE, EXIT_OK } from "./io";
import { parseExportArgs, readStackExport } from "./stack-export";

const USAGE = "status (--stack <name> | --state <pulumi-stack-export.json>) [--json] [--check]";
/** `--check`: some link has a duplicate, a provisioning error, another source, or no cloud user. */
export const EXIT_NEEDS_ATTENTION = 3;
export const statusCommand: CliCommand = {
  name: "status",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseExportArgs("status", USAGE, args, io, { switches: ["--json", "--check"] });
    if (typeof parsed === "number") return parsed;
    const json = parsed.switches.has("--json");
    const check = parsed.switches.has("--check");
    try {
      const links = linksFromStackExport(readStackExport(parsed.source));
      const statuses = await linkStatuses(
        new GraphJoinObserver(readEntraSettingsOnly(() => undefined)),
        links,
      );
      io.stdout(renderStatus(statuses, json));
      const attention = statuses.filter(needsAttention).map((s) => s.linkName);
      if (!check || attention.length === 0) return EXIT_OK;
      io.stderr(
        `ad-entra-link status: ${attention.length} link(s) need attention: ${attention.join(", ")}\n`,
      );
      return EXIT_NEEDS_ATTENTION;
    } catch (err) {
      io.stderr(`ad-entra-link status: ${(err as Error).message}\n`);
      return EXIT_FAILURE;
    }
  },
};
