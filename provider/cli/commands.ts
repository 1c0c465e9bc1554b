/**
 * The CLI's command registry. A command is loaded only when it is run, so `immutable-id` never pulls
 * in the LDAP or Graph clients that other commands (e.g. `discover`) need.
 *
 * To add a command, append one entry to {@link COMMANDS}:
 * `{ name: "discover", summary: "...", load: async () => (await import("./discover")).discoverCommand }`.
 * Commands import their shared types and exit codes from ./io, never from this module.
 */

import type { CliCommand } from "./io";

export { type CliCommand, type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";

/** Registry entry: enough to print the usage without loading the command. */
export interface CliCommandEntry {
  name: string;
  /** `name` plus its arguments, shown in the general usage. */
  usage: string;
  /** One line shown in the general usage. */
  summary: string;
  load(): Promise<CliCommand>;
}

/** Every command, in the order the usage lists them. */
export const COMMANDS: readonly CliCommandEntry[] = [
  {
    name: "immutable-id",
    usage: "immutable-id <value> [--json]",
    summary: "Convert an anchor between GUID, ImmutableId, hex, LDAP filter and connector-space DN forms.",
    load: async () => (await import("./immutable-id")).immutableIdCommand,
  },
  {
    name: "discover",
    usage: "discover [--search-base <dn>]... [--out <file>] [--report <prefix>] [--force]",
    summary: "Propose links between AD and Entra ID users with evidence; write a links file and a report.",
    load: async () => (await import("./discover")).discoverCommand,
  },
  {
    name: "status",
    usage: "status (--stack <name> | --state <export.json>) [--json]",
    summary: "Per link: sync state, the join that happened, duplicates, provisioning errors (read-only).",
    load: async () => (await import("./status")).statusCommand,
  },
  {
    name: "state",
    usage: "state (--stack <name> | --state <export.json>) [--link <name>]",
    summary: "Print what each link recorded in state (stored deflated), decoded, as JSON (read-only).",
    load: async () => (await import("./state")).stateCommand,
  },
];

/** The general usage text, listing every command. */
export function usageText(program = "ad-entra-link"): string {
  // Usage and summary on separate lines: long option lists would otherwise push summaries off-screen.
  const lines = COMMANDS.map((c) => `  ${program} ${c.usage}\n      ${c.summary}`);
  return `Usage:\n${lines.join("\n")}\n\nRun \`${program} <command> --help\` for a command's options.\n`;
}

/** The registry entry named `name`, or undefined. */
export function findCommand(name: string): CliCommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
