/**
 * `ad-entra-link status (--stack <name> | --state <export.json>) [--json]`: one line per link of a
 * stack — sync state, the join that happened, duplicates, provisioning errors. Reads Entra ID only,
 * with the Entra settings from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, …); a read-only
 * app (User.Read.All) is enough. `--check` exits 3 when a link needs attention (for pipelines).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { readEntraSettingsOnly } from "../config/settings";
import { assertStackName } from "../discover/stack-config";
import { GraphJoinObserver } from "../entra/join-observation";
import { linkStatuses, linksFromStackExport, needsAttention, renderStatus } from "../status/status";
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";

const USAGE = "status (--stack <name> | --state <pulumi-stack-export.json>) [--json] [--check]";
/** `--check`: some link has a duplicate, a provisioning error, another source, or no cloud user. */
export const EXIT_NEEDS_ATTENTION = 3;
/** A stack export of 10,000 links is about 100 MB; anything far larger is not one. */
const MAX_STATE_BYTES = 512 * 1024 * 1024;

/** A regular file of bounded size (not a FIFO or device, which would block or never end). */
function readStateFile(file: string): string {
  const st = fs.statSync(file);
  if (!st.isFile() || st.size > MAX_STATE_BYTES) {
    throw new Error(
      `${file} is not a regular file of at most ${MAX_STATE_BYTES / 1024 / 1024} MiB (a \`pulumi stack export\` document)`,
    );
  }
  return fs.readFileSync(file, "utf8");
}

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
      if (stack !== undefined) assertStackName(stack);
      const text =
        stateFile !== undefined
          ? readStateFile(stateFile)
          : execFileSync("pulumi", ["stack", "export", "--stack", stack as string], {
              encoding: "utf8",
              maxBuffer: MAX_STATE_BYTES,
            });
      const links = linksFromStackExport(JSON.parse(text));
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
