/**
 * The `pulumi stack export` document a command reads: from a file (`--state`) or from the Pulumi CLI
 * (`--stack`), bounded in size either way.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { assertStackName } from "../discover/stack-config";
import { type CliIo, EXIT_OK, EXIT_USAGE } from "./io";

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

/** Where the export comes from: the Pulumi CLI for a stack, or a file. */
export type ExportSource = { stack: string } | { stateFile: string };

export interface ExportArgs {
  source: ExportSource;
  /** The command's own switches that were given (e.g. `--json`). */
  switches: Set<string>;
  /** The command's own options that were given, with their values (e.g. `--link adam`). */
  values: Map<string, string>;
}

/**
 * The arguments of a command that reads a stack export: exactly one of `--stack <name>` and
 * `--state <file>`, plus the command's own `switches` and valued `options`. For `--help` and for a
 * usage error it prints what to print and returns the exit code instead.
 */
export function parseExportArgs(
  command: string,
  usage: string,
  args: readonly string[],
  io: CliIo,
  own: { switches?: readonly string[]; options?: readonly string[] } = {},
): ExportArgs | number {
  let stack: string | undefined;
  let stateFile: string | undefined;
  const switches = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--stack") stack = args[++i];
    else if (a === "--state") stateFile = args[++i];
    else if (own.switches?.includes(a)) switches.add(a);
    else if (own.options?.includes(a)) {
      const value = args[++i];
      if (value !== undefined) values.set(a, value);
    } else if (a === "--help" || a === "-h") {
      io.stdout(`Usage: ad-entra-link ${usage}\n`);
      return EXIT_OK;
    } else {
      io.stderr(`ad-entra-link ${command}: unknown argument ${a}\nUsage: ad-entra-link ${usage}\n`);
      return EXIT_USAGE;
    }
  }
  if ((stack === undefined) === (stateFile === undefined)) {
    io.stderr(`ad-entra-link ${command}: give --stack or --state\nUsage: ad-entra-link ${usage}\n`);
    return EXIT_USAGE;
  }
  return { source: stateFile !== undefined ? { stateFile } : { stack: stack as string }, switches, values };
}

/** The parsed export of `stack` (through `pulumi stack export`) or of the file `stateFile`. */
export function readStackExport(source: ExportSource): unknown {
  if ("stateFile" in source) return JSON.parse(readStateFile(source.stateFile));
  assertStackName(source.stack);
  return JSON.parse(
    execFileSync("pulumi", ["stack", "export", "--stack", source.stack], {
      encoding: "utf8",
      maxBuffer: MAX_STATE_BYTES,
    }),
  );
}
