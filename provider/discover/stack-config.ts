/**
 * The `ad-entra-link:` settings of a Pulumi stack, for commands that run outside Pulumi (`discover`),
 * so they read exactly what the provider's `configure` receives: the values `pulumi config --json`
 * reports (stack file, project defaults and environments resolved by Pulumi itself), one string per
 * key, structured values as JSON text. Secrets are decrypted only when an `ad-entra-link:` key is
 * secret, are kept in memory only, and never appear in a message.
 */
import { execFile } from "node:child_process";
import type { ConfigLookup } from "../config/settings";
import { CONFIG_NAMESPACE } from "../config/settings";
import { ConfigurationError } from "../errors";

/**
 * Runs `pulumi config --json [--show-secrets] --stack <stack>` in `cwd` and resolves to its
 * standard output. Injectable for tests.
 */
export type StackConfigCommand = (stack: string, cwd: string, showSecrets: boolean) => Promise<string>;

/** Pulumi stack names (`name`, `org/name` or `org/project/name`); never an option such as `--x`. */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\/[A-Za-z0-9._-]{1,100}){0,2}$/;

/** One entry of `pulumi config --json`: `value` is absent for a secret unless secrets are shown. */
interface ConfigEntry {
  value?: unknown;
  secret?: unknown;
}

/** The real command: the `pulumi` on PATH, no shell, output captured (never inherited). */
export const pulumiConfigCommand: StackConfigCommand = (stack, cwd, showSecrets) =>
  new Promise((resolve, reject) => {
    const args = ["config", "--json", ...(showSecrets ? ["--show-secrets"] : []), "--stack", stack];
    execFile(
      "pulumi",
      args,
      { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 120_000, windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === "ENOENT"
            ? "the pulumi CLI is not on PATH"
            : firstLine(stderr) || `pulumi exited with ${String(error.code ?? "an error")}`;
        reject(
          new ConfigurationError(
            "STACK_CONFIG_UNREADABLE",
            `ad-entra-link: the config of stack "${stack}" cannot be read with \`pulumi config --json --stack ${stack}\` (${why}). ` +
              "Run it in the folder of Pulumi.yaml (with the backend and secrets passphrase or provider the stack uses), or set the environment variables instead.",
          ),
        );
      },
    );
  });

/** Pulumi's first error line, one escaped line of at most 200 characters (never a config value: stdout is not read). */
function firstLine(text: string): string {
  const line = (text.split("\n").find((l) => l.trim() !== "") ?? "").trim();
  const printable = line.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
}

/**
 * The `ad-entra-link:` values of `pulumi config --json` output, as the provider sees them (a
 * string per key). Other namespaces are dropped.
 * @throws ConfigurationError `STACK_CONFIG_INVALID` when the output is not that JSON (its text is not shown)
 */
export function parseStackConfig(json: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(
      "STACK_CONFIG_INVALID",
      "ad-entra-link: `pulumi config --json` did not print a JSON object; is the pulumi CLI on PATH the real one?",
    );
  }
  const values = new Map<string, string>();
  for (const [key, entry] of Object.entries(parsed as Record<string, ConfigEntry>)) {
    if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    if (typeof entry === "object" && entry !== null && typeof entry.value === "string")
      values.set(key, entry.value);
  }
  return values;
}

/** True when some `ad-entra-link:` key of the output is a secret (whose value the output then lacks). */
function hasSecretSetting(json: string): boolean {
  try {
    const parsed = JSON.parse(json) as Record<string, ConfigEntry>;
    return Object.entries(parsed).some(
      ([key, entry]) => key.startsWith(`${CONFIG_NAMESPACE}:`) && entry?.secret === true,
    );
  } catch {
    return false;
  }
}

/**
 * Refuses anything but a Pulumi stack name before it reaches a `pulumi` command line: a value such
 * as `--show-secrets` would otherwise be read by the CLI as a flag.
 * @throws ConfigurationError `STACK_NAME_INVALID`
 */
export function assertStackName(stack: string): void {
  if (!STACK_NAME.test(stack)) {
    throw new ConfigurationError(
      "STACK_NAME_INVALID",
      "ad-entra-link: --stack needs a Pulumi stack name (letters, digits, '.', '_', '-', optionally org/ or org/project/ before it).",
    );
  }
}

/**
 * A lookup over the stack's `ad-entra-link:` settings, to pass to `readSettings` like the
 * provider's `configure` does. Asks for decrypted secrets only when a setting is secret.
 * @throws ConfigurationError `STACK_NAME_INVALID`, `STACK_CONFIG_UNREADABLE` or `STACK_CONFIG_INVALID`
 */
export async function readStackConfig(
  stack: string,
  cwd: string,
  command: StackConfigCommand = pulumiConfigCommand,
): Promise<ConfigLookup> {
  assertStackName(stack);
  let json = await command(stack, cwd, false);
  if (hasSecretSetting(json)) json = await command(stack, cwd, true);
  const values = parseStackConfig(json);
  return (key) => values.get(key);
}
