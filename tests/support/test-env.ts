/**
 * The shared test environment: one Samba DC and one Entra ID emulator per test run.
 *
 * `tests/run.ts` starts both, writes their coordinates to a JSON file and passes its path in
 * AEL_TEST_ENV to every test process. A test file run on its own (no AEL_TEST_ENV) starts its own
 * DC and emulator instead, so nothing is ever skipped for lack of infrastructure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorControl } from "../emulator/control-client";
import { startEmulatorProcess } from "../emulator/process";
import { type SambaDc, seedScenario, startSambaDc } from "../infra/samba";

export interface TestEnvFile {
  samba: {
    ip: string;
    url: string;
    baseDn: string;
    adminBindDn: string;
    adminPassword: string;
    caCertPath: string;
  };
  emulator: {
    baseUrl: string;
    caCertPath: string;
  };
  /** One PEM bundle with both CAs, for NODE_EXTRA_CA_CERTS of child processes. */
  caBundlePath: string;
}

export interface TestEnv extends TestEnvFile {
  sambaCaPem: string;
  emulatorCaPem: string;
  control: EmulatorControl;
}

let pending: Promise<TestEnv> | undefined;

/** Starts DC + emulator for a whole run (or a single file). Returns the env file contents and a stopper. */
export async function startTestInfrastructure(options: { ip: string; workDir: string }): Promise<{
  env: TestEnvFile;
  stop: () => Promise<void>;
}> {
  const [dcResult, emulatorResult] = await Promise.allSettled([
    (async (): Promise<SambaDc> => {
      const started = await startSambaDc({ ip: options.ip, workDir: path.join(options.workDir, "samba") });
      try {
        await seedScenario(started);
      } catch (err) {
        await started.stop();
        throw err;
      }
      return started;
    })(),
    startEmulatorProcess({ stateDir: path.join(options.workDir, "emulator") }),
  ]);
  // Whatever did start is stopped again when the other half failed: no strays.
  if (dcResult.status === "rejected" || emulatorResult.status === "rejected") {
    if (dcResult.status === "fulfilled") await dcResult.value.stop();
    if (emulatorResult.status === "fulfilled") await emulatorResult.value.stop();
    throw dcResult.status === "rejected" ? dcResult.reason : (emulatorResult as PromiseRejectedResult).reason;
  }
  const dc = dcResult.value;
  const emulator = emulatorResult.value;
  const caBundlePath = path.join(options.workDir, "ca-bundle.pem");
  fs.writeFileSync(caBundlePath, `${dc.caCertPem.trim()}\n${emulator.caCertPem.trim()}\n`);
  const env: TestEnvFile = {
    samba: {
      ip: dc.ip,
      url: dc.url,
      baseDn: dc.baseDn,
      adminBindDn: dc.adminBindDn,
      adminPassword: dc.adminPassword,
      caCertPath: dc.caCertPath,
    },
    emulator: { baseUrl: emulator.baseUrl, caCertPath: emulator.caCertPath },
    caBundlePath,
  };
  return {
    env,
    stop: async () => {
      await Promise.allSettled([emulator.stop(), dc.stop()]);
    },
  };
}

/** The shared environment, or one started for this process when run standalone. */
export function getTestEnv(): Promise<TestEnv> {
  if (pending === undefined) pending = loadOrStart();
  return pending;
}

async function loadOrStart(): Promise<TestEnv> {
  let file = process.env["AEL_TEST_ENV"];
  if (file === undefined) {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-standalone-"));
    const { env, stop } = await startTestInfrastructure({ ip: "127.0.0.7", workDir });
    file = path.join(workDir, "env.json");
    fs.writeFileSync(file, JSON.stringify(env));
    // Standalone runs own their infrastructure: stop it when this test process ends.
    process.once("beforeExit", () => {
      void stop().then(() => fs.rmSync(workDir, { recursive: true, force: true }));
    });
  }
  const env = JSON.parse(fs.readFileSync(file, "utf8")) as TestEnvFile;
  const emulatorCaPem = fs.readFileSync(env.emulator.caCertPath, "utf8");
  return {
    ...env,
    sambaCaPem: fs.readFileSync(env.samba.caCertPath, "utf8"),
    emulatorCaPem,
    control: new EmulatorControl(env.emulator.baseUrl, emulatorCaPem),
  };
}
