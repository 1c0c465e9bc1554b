/**
 * Helpers for the bulk tests: the root Pulumi program (index.ts + Pulumi.yaml at the repository
 * root) as a stack pointed at a links file, and a Pulumi environment that can run policy packs with
 * this repository's Pulumi build (tools/policy-langhost).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiBinDir, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import type { TestEnv } from "../support/test-env";

/** The policy pack of this repository. */
export const POLICY_PACK_DIR = path.join(REPO_ROOT, "policy");

/**
 * A Pulumi sandbox whose language host can run policy packs: a bin folder of its own with links to
 * `pulumi` (built by tools/pulumi-cli) and to tools/policy-langhost's `pulumi-language-nodejs`,
 * which forwards to the real language host. The Automation API puts that folder first on PATH.
 */
export async function policySandbox(stateDir: string, env: TestEnv): Promise<PulumiSandbox> {
  const binDir = pulumiBinDir();
  const root = path.join(stateDir, "pulumi-root");
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(path.join(binDir, "pulumi"), path.join(bin, "pulumi"));
  fs.symlinkSync(
    path.join(REPO_ROOT, "tools", "policy-langhost", "bin", "pulumi-language-nodejs"),
    path.join(bin, "pulumi-language-nodejs"),
  );
  const sandbox = await pulumiSandbox(stateDir, {
    NODE_EXTRA_CA_CERTS: env.caBundlePath,
    PATH: [bin, binDir, process.env["PATH"] ?? ""].join(path.delimiter),
    AEL_REAL_PULUMI_LANGUAGE_NODEJS: path.join(binDir, "pulumi-language-nodejs"),
  });
  return { ...sandbox, command: await PulumiCommand.get({ root }) };
}

/** Opens a stack of the root program reading `linksFile`, with the provider pointed at `ou` and `tenantId`. */
export async function openRootStack(
  sandbox: PulumiSandbox,
  env: TestEnv,
  o: { stackName: string; tenantId: string; ou: string; linksFile: string },
): Promise<Stack> {
  const { config, secrets } = linkStackConfig(env, { tenantId: o.tenantId, baseDn: o.ou });
  return openStack(sandbox, {
    workDir: REPO_ROOT,
    stackName: o.stackName,
    config: { ...config, "ad-entra-link:linksFile": o.linksFile },
    secrets,
  });
}

/** Removes a root-program stack and its Pulumi.<stack>.yaml from the repository root. */
export async function removeRootStack(stack: Stack | undefined, stackName: string): Promise<void> {
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`), { force: true });
}
