/**
 * What every CLI command shares: its shape, where it writes, and its exit codes. A module of its own so the
 * commands and the registry (./commands, which loads them lazily) never import each other.
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

/** Exit code for success. */
export const EXIT_OK = 0;
/** Exit code for a failure while running a valid command (directory unreachable, ...). */
export const EXIT_FAILURE = 1;
/** Exit code for a usage error: unknown command, bad arguments, unparseable value. */
export const EXIT_USAGE = 2;
