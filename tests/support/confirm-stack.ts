/**
 * The setting the issue-14 end-to-end tests share: examples/soft-match run by the real Pulumi CLI
 * against an isolated scenario, its "adam" link pointed at Bruno (no mailbox: only the UPN can
 * match him) and its "alva" link at Alva (primary SMTP aligned), plus the two read-outs the tests
 * assert on: each link's recorded `joinResult` and `ad-entra-link status` through the real CLI,
 * authenticated as the read-only reporter app (User.Read.All only).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import type { LinkStatus } from "../../provider/status/status";
import { APPS } from "../fixtures/seed-scenario";
import type { LdapSourceOptions } from "../emulator/sync/types";
import { linkStackConfig } from "./link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "./pulumi";
import { isolatedScenario, type Scenario } from "./scenario";
import { getTestEnv, type TestEnv } from "./test-env";

export { joinResults } from "./join-results";

const WORK_DIR = path.join(REPO_ROOT, "examples", "soft-match");
const CLI_MAIN = path.join(REPO_ROOT, "dist", "provider", "cli", "main.js");
const READ_ONLY = APPS.find((a) => a.displayName === "read-only reporter")!;

export interface ConfirmStack {
  env: TestEnv;
  s: Scenario;
  sandbox: PulumiSandbox;
  stack: Stack;
  stackName: string;
  /** The DC as a sync client reads it (Cloud Sync's agent, the Connect cycle). */
  ldap: LdapSourceOptions;
  remove(): Promise<void>;
}

export interface ConfirmStackOptions {
  /** Scenario name (also the AD OU and the address tag). */
  name: string;
  stackName: string;
  /** Arranges the tenant before the stack opens (features, Cloud Sync job…); returns extra config. */
  arrange?: (env: TestEnv, s: Scenario, ldap: LdapSourceOptions) => Promise<Record<string, string>>;
}

export async function openConfirmStack(o: ConfirmStackOptions): Promise<ConfirmStack> {
  const env = await getTestEnv();
  const s = await isolatedScenario(env, o.name, ["alva", "bruno"]);
  const ldap: LdapSourceOptions = {
    url: env.samba.url,
    bindDn: env.samba.adminBindDn,
    bindPassword: env.samba.adminPassword,
    caCertPem: env.sambaCaPem,
  };
  const extra = (await o.arrange?.(env, s, ldap)) ?? {};
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `ael-e2e-${o.name}-`));
  const sandbox = await pulumiSandbox(stateDir, { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  const stack = await openStack(sandbox, {
    workDir: WORK_DIR,
    stackName: o.stackName,
    config: {
      ...config,
      ...extra,
      "soft-match:adamSamAccountName": s.users["bruno"]!.seed.sAMAccountName,
      "soft-match:adamCloudUpn": s.cloudUpn("bruno"),
      "soft-match:alvaSamAccountName": s.users["alva"]!.seed.sAMAccountName,
      "soft-match:alvaCloudUpn": s.cloudUpn("alva"),
    },
    secrets,
  });
  return {
    env,
    s,
    sandbox,
    stack,
    stackName: o.stackName,
    ldap,
    async remove() {
      // A background Connect cycle a test started must not outlive the file.
      await env.control.stopSyncSchedule(s.tenantId).catch(() => undefined);
      await stack.workspace.removeStack(o.stackName, { force: true }).catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Opens the stack before the file's tests and removes it after them; the getter is for the tests. */
export function useConfirmStack(o: ConfirmStackOptions): () => ConfirmStack {
  let c: ConfirmStack | undefined;
  before(async () => {
    c = await openConfirmStack(o);
  });
  after(async () => {
    await c?.remove();
  });
  return () => {
    if (c === undefined) throw new Error("the confirm stack is opened in before()");
    return c;
  };
}

export interface StatusRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `ad-entra-link status <args>` as a user runs it: the built CLI in its own process, in the
 * program's folder (for `--stack`), with the stack's backend and the read-only app's credentials
 * in the environment, and no stack config of the provider.
 */
export function runStatusCli(c: ConfirmStack, args: string[]): StatusRun {
  const r = spawnSync(process.execPath, [CLI_MAIN, "status", ...args], {
    cwd: WORK_DIR,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      ...c.sandbox.envVars,
      AZURE_TENANT_ID: c.s.tenantId,
      AZURE_CLIENT_ID: READ_ONLY.clientId,
      AZURE_CLIENT_SECRET: READ_ONLY.secret!,
      AZURE_AUTHORITY_HOST: c.env.emulator.baseUrl,
      AD_ENTRA_LINK_GRAPH_BASE_URL: c.env.emulator.baseUrl,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `status --stack <name> --json`, parsed, by link name (fails loudly on a non-zero exit). */
export function statusByLink(
  c: ConfirmStack,
  args: string[] = ["--stack", c.stackName],
): Record<string, LinkStatus> {
  const r = runStatusCli(c, [...args, "--json"]);
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return Object.fromEntries((JSON.parse(r.stdout) as LinkStatus[]).map((l) => [l.linkName, l]));
}
