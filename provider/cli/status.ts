/**
 * `ad-entra-link status (--stack <name> | --state <export.json>) [--json]`: one line per link of a
 * stack — sync state, the join that happened, duplicates, provisioning errors. Reads Entra ID only,
 * with the Entra settings from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, …); a read-only
 * app (User.Read.All) is enough. `--check` exits 3 when a link needs attention (for pipelines).
 */
import { readEntraSettingsOnly } from "../config/settings";
import { GraphJoinObserver } from "../entra/join-observation";
import { linkStatuses, linksFromStackExport, needsAttention, renderStatus } from "../status/status";
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";
import { readStackExport } from "./stack-export";

const USAGE = "status (--stack <name> | --state <pulumi-stack-export.json>) [--json] [--check]";
/** `--check`: some link has a duplicate, a provisioning error, another source, or no cloud user. */
export const EXIT_NEEDS_ATTENTION = 3;
export const statusCommand: CliCommand = {
  name: "status",
  usage: USAGE,
  async run(args, io) {
    let stack: string | undefined;
    let stateFile: string | undefined;
    let json = false;
    let check = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "--json") json = true;
      else if (a === "--check") check = true;
      else if (a === "--stack") stack = args[++i];
      else if (a === "--state") stateFile = args[++i];
      else if (a === "--help" || a === "-h") {
        io.stdout(`Usage: ad-entra-link ${USAGE}\n`);
        return EXIT_OK;
      } else {
        io.stderr(`ad-entra-link status: unknown argument ${a}\nUsage: ad-entra-link ${USAGE}\n`);
        return EXIT_USAGE;
      }
    }
    if ((stack === undefined) === (stateFile === undefined)) {
      io.stderr(`ad-entra-link status: give --stack or --state\nUsage: ad-entra-link ${USAGE}\n`);
      return EXIT_USAGE;
    }
    try {
      const links = linksFromStackExport(
        readStackExport(stateFile !== undefined ? { stateFile } : { stack: stack as string }),
      );
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
