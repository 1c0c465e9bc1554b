/**
 * `npm run sandbox`: a Samba AD DC and the Entra ID emulator, both seeded with the seed scenario.
 *
 * - no flag: the main job - `pulumi preview` then `pulumi up` of both examples (copies in a temp
 *   folder, so nothing is written into the checkout), one Entra Connect sync cycle, the outcome
 *   per user; everything it started is stopped at the end.
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
import { LINKED, syncAndReport } from "./report";

const EXAMPLES = ["soft-match", "hard-match"];
const STACK = "sandbox";

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
    console.log(`DC ${env.samba.url} (${AD_BASE_DN}), emulator ${env.emulator.baseUrl}, tenant ${TENANT_ID}`);
    const sandbox = await pulumiSandbox(path.join(workDir, "pulumi"), {
      NODE_EXTRA_CA_CERTS: env.caBundlePath,
      PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
    });
    const { config, secrets } = linkStackConfig(env, {
      tenantId: TENANT_ID,
      baseDn: AD_BASE_DN,
      allowedSearchBases: SANDBOX_SEARCH_BASES,
    });
    for (const example of EXAMPLES) {
      const stack = await openStack(sandbox, {
        workDir: copyExample(example, path.join(workDir, "examples")),
        stackName: STACK,
        config,
        secrets,
      });
      heading(`pulumi preview --diff (examples/${example})`);
      const preview = await stack.preview({ diff: true });
      console.log(preview.stdout.trim());
      heading(`pulumi up (examples/${example})`);
      const up = await stack.up();
      console.log(`result: ${up.summary.result}; changes: ${JSON.stringify(up.summary.resourceChanges)}`);
      for (const [k, v] of Object.entries(up.outputs)) console.log(`  ${k}: ${JSON.stringify(v.value)}`);
    }
    heading("Entra Connect sync cycle (scope: OU=Staff)");
    const joined = await syncAndReport(controlOf(env), env);
    heading(
      `done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${joined}/${LINKED.length} linked users joined`,
    );
    console.log("To point your own program at a sandbox that keeps running: npm run sandbox -- --keep");
    return joined === LINKED.length ? 0 : 1;
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
