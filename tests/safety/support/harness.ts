/**
 * Shared helpers of the safety tests: the `links` test program as a stack of its own (in a temp
 * folder, so stack files never land in the checkout), an async Pulumi CLI runner that keeps every
 * byte of output (the secret-leak test searches it), snapshots of both directories, one Entra
 * Connect sync cycle, and the provider runtime driven in-process.
 */
import { unpackOutputs } from "../../../provider/link/packed";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { SyncCycleReport } from "../../emulator/sync/types";
import { type SambaDc, snapshotSubtree } from "../../infra/samba";
import { type LinkConfigOptions, linkStackConfig } from "../../support/link-config";
import { openStack, type PulumiSandbox, pulumiBinDir, pulumiSandbox, REPO_ROOT } from "../../support/pulumi";
import type { TestEnv } from "../../support/test-env";

/** Source folder of the test program (excluded from tsc; Pulumi runs it with ts-node). */
export const LINKS_PROGRAM = path.join(REPO_ROOT, "tests", "safety", "programs", "links");

/** One link of the program: a resource name and the UserLink args, malformed ones included. */
export interface LinkEntry {
  name: string;
  args: Record<string, unknown>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command in milliseconds. */
  ms: number;
}

/** Runs the Pulumi CLI without blocking the event loop; never throws for a non-zero exit. */
export function runPulumi(sandbox: PulumiSandbox, args: string[], cwd: string): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(pulumiBinDir(), "pulumi"), args, {
      cwd,
      env: { ...process.env, ...sandbox.envVars },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ms: Date.now() - started,
      });
    };
    child.on("close", finish);
    // A plugin the CLI failed to stop may hold the output pipes open: don't wait for it.
    child.on("exit", (code) => setTimeout(() => finish(code), 2000).unref());
  });
}

export interface LinkStackOptions extends LinkConfigOptions {
  stackName: string;
  links: LinkEntry[];
  /** Config keys to set (value) or leave out (undefined) on top of linkStackConfig. */
  config?: Record<string, string | undefined>;
  /** Secret config keys to set or leave out. */
  secrets?: Record<string, string | undefined>;
}

function merge(
  base: Record<string, string>,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The links program as one stack with its own file backend, program copy and captured output. */
export class LinkStack {
  /** Every CLI command run so far, with its full output (for the secret-leak search). */
  readonly transcript: CliResult[] = [];

  private constructor(
    readonly root: string,
    readonly workDir: string,
    readonly sandbox: PulumiSandbox,
    readonly stack: Stack,
    readonly stackName: string,
  ) {}

  static async open(env: TestEnv, o: LinkStackOptions): Promise<LinkStack> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `ael-safety-${o.stackName}-`));
    const workDir = path.join(root, "program");
    fs.mkdirSync(workDir);
    for (const f of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts"]) {
      fs.copyFileSync(path.join(LINKS_PROGRAM, f), path.join(workDir, f));
    }
    // `ad-entra-link` and @pulumi/pulumi resolve from the repository, as for the examples.
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(workDir, "node_modules"), "dir");
    const sandbox = await pulumiSandbox(path.join(root, "state"), {
      NODE_EXTRA_CA_CERTS: env.caBundlePath,
    });
    const base = linkStackConfig(env, o);
    const stack = await openStack(sandbox, {
      workDir,
      stackName: o.stackName,
      config: { ...merge(base.config, o.config), "safety-links:links": JSON.stringify(o.links) },
      secrets: merge(base.secrets, o.secrets),
    });
    return new LinkStack(root, workDir, sandbox, stack, o.stackName);
  }

  async setLinks(links: LinkEntry[]): Promise<void> {
    await this.stack.setConfig("safety-links:links", { value: JSON.stringify(links) });
  }

  async run(...args: string[]): Promise<CliResult> {
    const result = await runPulumi(
      this.sandbox,
      [...args, "--stack", this.stackName, "--non-interactive"],
      this.workDir,
    );
    this.transcript.push(result);
    return result;
  }

  /** `pulumi preview --json`: the engine's plan, with each step's checked inputs. */
  async previewJson(): Promise<{ result: CliResult; json: PreviewJson }> {
    const result = await this.run("preview", "--json");
    let json: PreviewJson;
    try {
      json = JSON.parse(result.stdout) as PreviewJson;
    } catch {
      throw new Error(
        `preview --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    return { result, json };
  }

  preview(): Promise<CliResult> {
    return this.run("preview", "--diff");
  }

  /** `pulumi up --yes --skip-preview` (what the Automation API runs). */
  up(...extra: string[]): Promise<CliResult> {
    return this.run("up", "--yes", "--skip-preview", ...extra);
  }

  /**
   * `pulumi up --yes`: the CLI's default, a preview first. A refusal in any link stops the whole
   * run before anything is applied; with --skip-preview, links checked before the refused one may
   * already have been applied (the engine checks and applies resources as the program registers them).
   */
  upWithPreview(...extra: string[]): Promise<CliResult> {
    return this.run("up", "--yes", ...extra);
  }

  refresh(): Promise<CliResult> {
    return this.run("refresh", "--yes", "--skip-preview");
  }

  destroy(): Promise<CliResult> {
    return this.run("destroy", "--yes", "--skip-preview");
  }

  /** The deployment's resources (`pulumi stack export`). */
  async resources(): Promise<StateResource[]> {
    const state = await this.stack.exportStack();
    return (state.deployment.resources ?? []) as StateResource[];
  }

  /** The UserLink resources in state, by name. */
  /** The UserLinks in state by name, their outputs unpacked (link/packed.ts). */
  async links(): Promise<Map<string, StateResource>> {
    const out = new Map<string, StateResource>();
    for (const r of await this.resources()) {
      if (r.type !== "pulumi-nodejs:dynamic/ad-entra-link:UserLink") continue;
      const outputs =
        r.outputs === undefined ? undefined : (unpackOutputs(r.outputs) as unknown as typeof r.outputs);
      out.set(r.urn.split("::").pop()!, { ...r, ...(outputs !== undefined ? { outputs } : {}) });
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.stack.workspace.removeStack(this.stackName, { force: true }).catch(() => undefined);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  initErrors?: string[];
}

export interface PreviewStep {
  op: string;
  urn: string;
  newState?: { inputs?: Record<string, unknown> };
}

export interface PreviewJson {
  steps?: PreviewStep[];
  diagnostics?: { message: string; severity: string; urn?: string }[];
  changeSummary?: Record<string, number>;
}

/** The checked inputs (what preview shows) of a link in `preview --json`. */
export function previewInputs(json: PreviewJson, name: string): Record<string, unknown> | undefined {
  return json.steps?.find((s) => s.urn.endsWith(`::${name}`))?.newState?.inputs;
}

/** CLI output of a run, stdout and stderr together. */
export function output(r: CliResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Both directories as text: Samba below `ou` and the emulator tenant. */
export async function snapshotBoth(
  env: TestEnv,
  dc: SambaDc,
  ou: string,
  tenantId: string,
): Promise<{ ad: string; cloud: string }> {
  const [ad, cloud] = await Promise.all([snapshotSubtree(dc, ou), env.control.snapshot(tenantId)]);
  return { ad, cloud };
}

/** One Entra Connect sync cycle of the OU (its sync scope) against the tenant, over LDAPS. */
export function syncCycle(
  env: TestEnv,
  dc: Pick<SambaDc, "url" | "adminBindDn" | "adminPassword" | "caCertPem">,
  tenantId: string,
  scope: string[],
): Promise<SyncCycleReport> {
  return env.control.runSyncCycle(tenantId, {
    ldap: { url: dc.url, bindDn: dc.adminBindDn, bindPassword: dc.adminPassword, caCertPem: dc.caCertPem },
    scope,
  });
}

/** A UserLink error as the runtime formats check failures: `<ErrorName> [<CODE>]: <message>`. */
export function failureText(name: string, code: string): string {
  return `${name} [${code}]: `;
}
