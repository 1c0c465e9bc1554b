/**
 * `npm run sandbox`: a Samba AD DC and the Entra ID emulator, both seeded with the seed scenario.
 *
 * - no flag: the main job - `pulumi preview` then `pulumi up` of both examples (copies in a temp
 *   folder, so nothing is written into the checkout) with the join confirmed in the same run, once
 *   per sync engine: Entra Connect (`up` waits for the emulator's background cycle) and, on a
 *   second tenant, Entra Cloud Sync (`up` provisions each link on demand); then the confirmed
 *   outcome per link; everything it started is stopped at the end.
 * - `--keep`: start and seed, print the lines to paste into one's own shell and program, and keep
 *   running until Ctrl-C or `npm run sandbox -- --stop`; `--sync` runs a sync cycle on it.
 * See `--help` (args.ts) for the flags.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AD_BASE_DN, TENANT_ID } from "../fixtures/seed-scenario";
import { EmulatorControl } from "../emulator/control-client";
import { contosoTenantSeed } from "../emulator/seeds";
import { linkStackConfig } from "../support/link-config";
import { openStack, pulumiBinDir, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { startTestInfrastructure, type TestEnvFile } from "../support/test-env";
import { DEFAULT_SANDBOX_IP, pickFreeLoopback } from "./addresses";
import { parseSandboxArgs, type SandboxArgs, SandboxUsageError, USAGE } from "./args";
import { keptSandboxText, SANDBOX_PASSPHRASE, SANDBOX_SEARCH_BASES } from "./instructions";
import { liveRecords, removeRecord, stopKept, writeRecord } from "./registry";
import {
  CLOUD_SYNC_TENANT_ID,
  cloudSyncConfig,
  confirmedLinks,
  type ExampleStack,
  type ExampleUp,
  upAll,
  upWithConnectWait,
  waitForJoinConfig,
} from "./confirm";
import { LINKED, printConfirmed, printNotLinked, syncAndReport } from "./report";

const EXAMPLES = ["soft-match", "hard-match"];
const STACK = "sandbox";
/** The same examples as stacks of the Cloud Sync tenant. */
const CLOUD_SYNC_STACK = "sandbox-cloudsync";

function heading(text: string): void {
  console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`);
}

function controlOf(env: TestEnvFile): EmulatorControl {
  return new EmulatorControl(env.emulator.baseUrl, fs.readFileSync(env.emulator.caCertPath, "utf8"));
}

/**
 * A copy of an example in `dir` (its own Pulumi.<stack>.yaml lands there, not in the checkout);
 * `ad-entra-link` and @pulumi/pulumi resolve from the repository's node_modules, as in place.
 */
function copyExample(example: string, dir: string): string {
  const source = path.join(REPO_ROOT, "examples", example);
  const target = path.join(dir, example);
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (!entry.isFile() || /^Pulumi\..+\.yaml$/.test(entry.name)) continue;
    fs.copyFileSync(path.join(source, entry.name), path.join(target, entry.name));
  }
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(target, "node_modules"), "dir");
  return target;
}

/** What each `up` did (its outputs), or the first line of why it failed. */
function printUps(ups: readonly ExampleUp[]): void {
  for (const { example, up, error } of ups) {
    if (up === undefined) {
      console.log(`examples/${example}: failed: ${(error ?? "").trim().split("\n")[0]}`);
      continue;
    }
    console.log(
      `examples/${example}: ${up.summary.result}; changes: ${JSON.stringify(up.summary.resourceChanges)}`,
    );
    for (const [k, v] of Object.entries(up.outputs)) console.log(`  ${k}: ${JSON.stringify(v.value)}`);
  }
}

async function startSeeded(ip: string, workDir: string) {
  heading(`starting a Samba AD DC on ${ip} and the Entra ID emulator`);
  const infra = await startTestInfrastructure({ ip, workDir });
  try {
    await controlOf(infra.env).createTenant(contosoTenantSeed({ tenantId: TENANT_ID }));
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}

/** The main job (no flag). */
async function runMainJob(args: SandboxArgs): Promise<number> {
  const started = Date.now();
  const ip = args.ip ?? (await pickFreeLoopback(DEFAULT_SANDBOX_IP));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-sandbox-"));
  let infra: Awaited<ReturnType<typeof startSeeded>> | undefined;
  const cleanUp = async () => {
    await infra?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanUp().then(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    infra = await startSeeded(ip, workDir);
    const env = infra.env;
    const control = controlOf(env);
    await control.createTenant(contosoTenantSeed({ tenantId: CLOUD_SYNC_TENANT_ID }));
    console.log(
      `DC ${env.samba.url} (${AD_BASE_DN}), emulator ${env.emulator.baseUrl}, tenants ${TENANT_ID} (Entra Connect) and ${CLOUD_SYNC_TENANT_ID} (Entra Cloud Sync)`,
    );
    const sandbox = await pulumiSandbox(path.join(workDir, "pulumi"), {
      NODE_EXTRA_CA_CERTS: env.caBundlePath,
      PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
    });
    const ldap = {
      url: env.samba.url,
      bindDn: env.samba.adminBindDn,
      bindPassword: env.samba.adminPassword,
      caCertPem: fs.readFileSync(env.samba.caCertPath, "utf8"),
    };
    const scope = [SANDBOX_SEARCH_BASES[0]!];
    const folders = EXAMPLES.map((example) => ({
      example,
      workDir: copyExample(example, path.join(workDir, "examples")),
    }));
    /** Both examples as stacks `stackName` of `tenantId`, with the engine's settings added. */
    const openExamples = async (stackName: string, tenantId: string, extra: Record<string, string>) => {
      const { config, secrets } = linkStackConfig(env, {
        tenantId,
        baseDn: AD_BASE_DN,
        allowedSearchBases: SANDBOX_SEARCH_BASES,
      });
      const out: ExampleStack[] = [];
      for (const { example, workDir: dir } of folders) {
        const stack = await openStack(sandbox, {
          workDir: dir,
          stackName,
          config: { ...config, ...extra },
          secrets,
        });
        out.push({ example, stack });
      }
      return out;
    };

    // Entra Connect: both examples preview side by side (printed in order), then both `up`s wait
    // for the background cycle.
    const connect = await openExamples(STACK, TENANT_ID, waitForJoinConfig());
    const previews = await Promise.all(connect.map(({ stack }) => stack.preview({ diff: true })));
    connect.forEach(({ example }, i) => {
      heading(`pulumi preview --diff (examples/${example})`);
      console.log(previews[i]?.stdout.trim());
    });
    heading("pulumi up, Entra Connect (waitForJoin)");
    console.log(
      "Both examples write, then wait; the emulator's Connect server runs a cycle every 10 s once they do\n(a real one: every 30 minutes, or now with Start-ADSyncSyncCycle -PolicyType Delta on it).",
    );
    const connectRun = await upWithConnectWait(control, TENANT_ID, { ldap, scope }, connect, LINKED.length);
    printUps(connectRun.ups);

    // Entra Cloud Sync: the same examples, another tenant; `up` provisions each link on demand.
    const csConfig = await cloudSyncConfig(control, CLOUD_SYNC_TENANT_ID, ldap, scope);
    const cloudSync = await openExamples(CLOUD_SYNC_STACK, CLOUD_SYNC_TENANT_ID, csConfig);
    heading("pulumi up, Entra Cloud Sync (confirmJoin: provisionOnDemand)");
    printUps(await upAll(cloudSync, LINKED.length));

    heading("Confirmed outcome per link");
    const connectJoined = printConfirmed(
      "Entra Connect (waitForJoin: the background cycle joined them):",
      await confirmedLinks(connect),
    );
    const cloudSyncJoined = printConfirmed(
      "Entra Cloud Sync (confirmJoin: provisionOnDemand, 5 calls per 10 s):",
      await confirmedLinks(cloudSync),
    );
    if (connectRun.firstCycle !== undefined) printNotLinked(connectRun.firstCycle);
    console.log(
      `Later, without \`up\`: ad-entra-link status --stack ${STACK} (one line per link, --json for tools; User.Read.All is enough)`,
    );
    heading(
      `done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${connectJoined}/${LINKED.length} links joined under Entra Connect, ${cloudSyncJoined}/${LINKED.length} under Cloud Sync`,
    );
    console.log("To point your own program at a sandbox that keeps running: npm run sandbox -- --keep");
    return connectJoined === LINKED.length && cloudSyncJoined === LINKED.length ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanUp();
  }
}

/** `--keep`: start, print what to paste, wait for Ctrl-C / SIGTERM (`--stop`), stop. */
async function keep(args: SandboxArgs): Promise<number> {
  const ip = args.ip ?? (await pickFreeLoopback(DEFAULT_SANDBOX_IP));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `ael-sandbox-${ip}-`));
  let stopping: Promise<void> | undefined;
  let infra: Awaited<ReturnType<typeof startSeeded>> | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (keepAlive) clearInterval(keepAlive);
      removeRecord(ip, process.pid);
      await infra?.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(signal, () => {
        console.log(`\nstopping the sandbox on ${ip} (${signal})`);
        void stop().then(resolve);
      });
    }
  });
  try {
    infra = await startSeeded(ip, workDir);
  } catch (err) {
    await stop();
    throw err;
  }
  if (stopping) {
    // Ctrl-C came while starting: what has started since is stopped too.
    await stopping;
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    return 130;
  }
  const backendDir = path.join(workDir, "pulumi-state");
  fs.mkdirSync(backendDir);
  writeRecord({
    pid: process.pid,
    ip,
    workDir,
    tenantId: TENANT_ID,
    env: infra.env,
    startedAt: new Date().toISOString(),
  });
  // The Pulumi CLI the tests use (the user's own when it is on PATH, else the one built here).
  const bin = pulumiBinDir();
  const onPath = (process.env["PATH"] ?? "").split(path.delimiter).includes(bin);
  heading(`sandbox kept running on ${ip}`);
  console.log(
    keptSandboxText({
      ip,
      env: infra.env,
      workDir,
      backendDir,
      stackName: STACK,
      ...(onPath ? {} : { pulumiBinDir: bin }),
    }),
  );
  // The DC and the emulator are unref'd children; this timer is what keeps the keeper alive.
  keepAlive = setInterval(() => undefined, 60_000);
  await stopped;
  console.log(`sandbox on ${ip} stopped`);
  return 0;
}

async function stopKeptSandboxes(args: SandboxArgs): Promise<number> {
  const records = liveRecords(args.ip);
  if (records.length === 0) {
    console.log(`no kept sandbox is running${args.ip ? ` on ${args.ip}` : ""}`);
    return 0;
  }
  let code = 0;
  for (const record of records) {
    if (await stopKept(record)) console.log(`stopped the sandbox on ${record.ip} (process ${record.pid})`);
    else {
      console.error(`the sandbox on ${record.ip} (process ${record.pid}) did not stop within 60 s`);
      code = 1;
    }
  }
  return code;
}

async function syncKept(args: SandboxArgs): Promise<number> {
  const records = liveRecords(args.ip);
  if (records.length !== 1) {
    throw new SandboxUsageError(
      records.length === 0
        ? `no kept sandbox is running${args.ip ? ` on ${args.ip}` : ""}: start one with npm run sandbox -- --keep`
        : `several kept sandboxes are running (${records.map((r) => r.ip).join(", ")}): add --ip`,
    );
  }
  const record = records[0]!;
  heading(`Entra Connect sync cycle on the sandbox on ${record.ip} (scope: OU=Staff)`);
  const joined = await syncAndReport(controlOf(record.env), record.env);
  console.log(`${joined}/${LINKED.length} users of the examples joined their cloud user`);
  return 0;
}

async function main(): Promise<number> {
  const args = parseSandboxArgs(process.argv.slice(2));
  switch (args.mode) {
    case "help":
      console.log(USAGE);
      return 0;
    case "keep":
      return keep(args);
    case "stop":
      return stopKeptSandboxes(args);
    case "sync":
      return syncKept(args);
    case "run":
      return runMainJob(args);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SandboxUsageError) {
      console.error(`sandbox: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
