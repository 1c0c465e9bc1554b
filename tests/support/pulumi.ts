/**
 * The one way tests, examples and the sandbox run Pulumi: the real CLI (built from Go modules by
 * tools/pulumi-cli/ensure-pulumi.sh, or the user's own), the Automation API's LocalWorkspace, a
 * file backend in a folder of the caller's choosing, and nothing that reaches the network.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

let cachedBinDir: string | undefined;

/** Directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. */
export function pulumiBinDir(): string {
  if (cachedBinDir === undefined) {
    const script = path.join(REPO_ROOT, "tools", "pulumi-cli", "ensure-pulumi.sh");
    cachedBinDir = execFileSync("bash", [script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  }
  return cachedBinDir;
}

export interface PulumiSandbox {
  /** File backend and PULUMI_HOME live here. */
  stateDir: string;
  /** Environment for the CLI and every process it starts (language host, dynamic provider). */
  envVars: Record<string, string>;
  command: PulumiCommand;
}

/**
 * Prepares an offline Pulumi environment rooted at `stateDir`.
 * `extraEnv` is passed to the CLI and so to the dynamic provider process (e.g. NODE_EXTRA_CA_CERTS).
 */
export async function pulumiSandbox(
  stateDir: string,
  extraEnv: Record<string, string> = {},
): Promise<PulumiSandbox> {
  const binDir = pulumiBinDir();
  const backend = path.join(stateDir, "backend");
  const home = path.join(stateDir, "home");
  fs.mkdirSync(backend, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const envVars: Record<string, string> = {
    PATH: `${binDir}${path.delimiter}${process.env["PATH"] ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "ad-entra-link-local-sandbox",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_SUPPRESS_NEO_LINK: "true",
    ...extraEnv,
  };
  const root = path.basename(binDir) === "bin" ? path.dirname(binDir) : undefined;
  const command = await PulumiCommand.get(root ? { root } : {});
  return { stateDir, envVars, command };
}

export interface StackOptions {
  /** Folder with Pulumi.yaml (an example or a test program). */
  workDir: string;
  stackName: string;
  /** Plain config values, keys as `namespace:key` or `key` (project namespace). */
  config?: Record<string, string>;
  /** Secret config values. */
  secrets?: Record<string, string>;
}

/** Creates or selects a stack of a local program and sets its config. */
export async function openStack(sandbox: PulumiSandbox, options: StackOptions): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { workDir: options.workDir, stackName: options.stackName },
    { envVars: sandbox.envVars, pulumiCommand: sandbox.command, pulumiHome: sandbox.envVars["PULUMI_HOME"] },
  );
  const all: Record<string, { value: string; secret?: boolean }> = {};
  for (const [k, v] of Object.entries(options.config ?? {})) all[k] = { value: v };
  for (const [k, v] of Object.entries(options.secrets ?? {})) all[k] = { value: v, secret: true };
  if (Object.keys(all).length > 0) await stack.setAllConfig(all);
  return stack;
}

/** Runs the CLI directly (for flags the Automation API does not expose), returning stdout. */
export function runPulumiCli(
  sandbox: PulumiSandbox,
  args: string[],
  cwd: string,
): { stdout: string; stderr: string; code: number } {
  try {
    const stdout = execFileSync(path.join(pulumiBinDir(), "pulumi"), args, {
      cwd,
      env: { ...process.env, ...sandbox.envVars },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr: "", code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.status ?? 1 };
  }
}
