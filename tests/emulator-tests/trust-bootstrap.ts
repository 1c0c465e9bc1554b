/**
 * Imported first by every emulator test file: makes the test process trust the emulator's CA through
 * NODE_EXTRA_CA_CERTS (the Graph client uses Node's fetch, which has no per-request CA option).
 * Trusted: the shared test CA (used by emulators a test starts itself) and, with AEL_TEST_ENV (the
 * project runner's shared infrastructure), the shared emulator's CA.
 */
import * as fs from "node:fs";
import { ensureSharedCa } from "../emulator/pki";
import { ensureProcessTrustsTestCa } from "../emulator/trust";

function sharedEmulatorCa(): string | undefined {
  const file = process.env["AEL_TEST_ENV"];
  if (file === undefined) return undefined;
  const env = JSON.parse(fs.readFileSync(file, "utf8")) as { emulator?: { caCertPath?: string } };
  return env.emulator?.caCertPath;
}

const envCa = sharedEmulatorCa();
ensureProcessTrustsTestCa({
  caCertPaths: [ensureSharedCa().certPath, ...(envCa !== undefined ? [envCa] : [])],
});
