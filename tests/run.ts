/**
 * The test command: builds nothing (npm test builds first), starts one Samba DC and one Entra ID
 * emulator for the whole run, then runs every test file with Node's test runner against them, and
 * stops everything it started — also on failure or Ctrl-C.
 *
 *   node dist/tests/run.js                 all tests
 *   node dist/tests/run.js <file.test.js>  selected files (still with the shared DC and emulator)
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiBinDir } from "./support/pulumi";
import { startTestInfrastructure } from "./support/test-env";

const DIST_TESTS = __dirname;

function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "programs") out.push(...findTestFiles(full));
    } else if (entry.name.endsWith(".test.js")) out.push(full);
  }
  return out.sort();
}

/**
 * Processes that still hold files of this run's work dir open (samba rewrites its command line, so
 * its open databases and log are what give it away), excluding this process.
 */
function straysOf(workDir: string): string[] {
  const strays: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && p !== String(process.pid))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const holds =
        cmdline.includes(workDir) ||
        fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(workDir);
          } catch {
            return false;
          }
        });
      if (holds) strays.push(pid);
    } catch {
      // The process ended while we looked, or is not ours to inspect.
    }
  }
  return strays;
}

async function main(): Promise<number> {
  const started = Date.now();
  const selected = process.argv.slice(2).map((f) => path.resolve(f));
  const files = selected.length > 0 ? selected : findTestFiles(DIST_TESTS);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-test-run-"));
  console.log(`ad-entra-link tests: ${files.length} files; work dir ${workDir}`);

  pulumiBinDir(); // build or reuse the Pulumi CLI before the clock of any test starts
  // A run of its own per address: the sandbox uses 127.0.0.3, so both can run at once.
  const infra = await startTestInfrastructure({ ip: process.env["AEL_TEST_DC_IP"] ?? "127.0.0.2", workDir });
  const envFile = path.join(workDir, "env.json");
  fs.writeFileSync(envFile, JSON.stringify(infra.env, null, 2));
  console.log(`infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(130));
    });
  }

  const concurrency = process.env["AEL_TEST_CONCURRENCY"] ?? "2";
  const child = spawn(process.execPath, ["--test", `--test-concurrency=${concurrency}`, ...files], {
    stdio: "inherit",
    env: {
      ...process.env,
      AEL_TEST_ENV: envFile,
      // Graph/identity clients in test processes and in Pulumi's provider processes trust both CAs.
      NODE_EXTRA_CA_CERTS: infra.env.caBundlePath,
    },
  });
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  await stop();
  const strays = straysOf(workDir);
  if (strays.length > 0) {
    console.error(`stray processes left behind by this run (killed now): ${strays.join(", ")}`);
    for (const pid of strays) process.kill(Number(pid), "SIGKILL");
    return code === 0 ? 1 : code;
  }
  console.log(
    `ad-entra-link tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${code})`,
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
