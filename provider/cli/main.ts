#!/usr/bin/env node
/**
 * Entry point of the `ad-entra-link` command (package.json `bin`). Dispatches to the commands of
 * ./commands; must not import @pulumi/pulumi or, at top level, any directory client.
 */
import { describeForUser, isAdEntraLinkError } from "../errors";
import { findCommand, usageText } from "./commands";
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";

/**
 * Runs the CLI with `argv` (the arguments after the program name) and resolves to the exit code.
 * Unexpected errors print their message and yield exit code 1.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(`ad-entra-link: missing command.\n${usageText()}`);
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(usageText());
    return EXIT_OK;
  }
  const entry = findCommand(name);
  if (entry === undefined) {
    io.stderr(`ad-entra-link: unknown command "${name}".\n${usageText()}`);
    return EXIT_USAGE;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    // Our errors carry a code and a message written for users; anything else is shown without its
    // details, which may hold file paths or secrets.
    const message = isAdEntraLinkError(error) ? `${error.message} [${error.code}]` : describeForUser(error);
    io.stderr(`ad-entra-link ${name}: ${message}\n`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
