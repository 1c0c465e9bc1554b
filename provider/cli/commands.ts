/**
 * The CLI's command registry. A command is loaded only when it is run, so `immutable-id` never pulls
 * in the LDAP or Graph clients that other commands (e.g. `discover`) need.
 *
 * To add a command, append one entry to {@link COMMANDS}:
 * `{ name: "discover", summary: "...", load: async () => (await import("./discover")).discoverCommand }`.
 */

/** Where a command writes; injectable so commands can be tested without spawning a process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** One subcommand. */
export interface CliCommand {
  name: string;
  /** `name` plus its arguments, e.g. `immutable-id <value> [--json]`. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): number | Promise<number>;
}

/** Registry entry: enough to print the usage without loading the command. */
export interface CliCommandEntry {
  name: string;
  /** `name` plus its arguments, shown in the general usage. */
  usage: string;
  /** One line shown in the general usage. */
  summary: string;
  load(): Promise<CliCommand>;
}

/** Exit code for success. */
export const EXIT_OK = 0;
/** Exit code for a failure while running a valid command (directory unreachable, ...). */
export const EXIT_FAILURE = 1;
/** Exit code for a usage error: unknown command, bad arguments, unparseable value. */
export const EXIT_USAGE = 2;

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
];

/** The general usage text, listing every command. */
export function usageText(program = "ad-entra-link"): string {
  // Usage and summary on separate lines: long option lists would otherwise push summaries off-screen.
  const lines = COMMANDS.map((c) => `  ${program} ${c.usage}\n      ${c.summary}`);
  return `Usage:\n${lines.join("\n")}\n`;
}

/** The registry entry named `name`, or undefined. */
export function findCommand(name: string): CliCommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
