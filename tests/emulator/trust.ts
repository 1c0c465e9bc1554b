/**
 * Makes a test process trust the emulator's CA the way the project's test runner does: through
 * NODE_EXTRA_CA_CERTS, which Node reads only at start-up. When the current process was started
 * without it, the test file is run again in a child process with the variable set (a bundle of the
 * already-trusted certificates plus the test CA), and this process exits with the child's status.
 * Node's test runner sees the child's output as this file's output. No verification is relaxed.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureSharedCa } from "./pki";

const REEXEC_MARK = "ENTRA_EMULATOR_TRUST_REEXEC";

function trustedPems(file: string | undefined): string {
  if (!file || !fs.existsSync(file)) return "";
  return fs.readFileSync(file, "utf8");
}

export interface TrustOptions {
  /** CA certificates to trust; default the shared test CA (created if absent). */
  caCertPaths?: string[];
  /** File to re-run; default the main module. */
  entryFile?: string;
}

/**
 * Returns when NODE_EXTRA_CA_CERTS already includes the CA; otherwise re-runs the entry file with it
 * and exits with the child's status. Call before anything else in a test file.
 */
export function ensureProcessTrustsTestCa(options: TrustOptions = {}): void {
  const entryFile = options.entryFile ?? require.main?.filename;
  const paths = options.caCertPaths ?? [ensureSharedCa().certPath];
  const first = paths[0];
  if (first === undefined) throw new Error("ensureProcessTrustsTestCa: no CA given");
  const current = process.env["NODE_EXTRA_CA_CERTS"];
  const previous = trustedPems(current);
  const missing = paths
    .map((p) => fs.readFileSync(p, "utf8").trim())
    .filter((pem) => !previous.includes(pem));
  if (missing.length === 0) return;
  if (process.env[REEXEC_MARK] === "1") {
    throw new Error(
      `ensureProcessTrustsTestCa: NODE_EXTRA_CA_CERTS=${current} lacks ${paths.join(", ")} after re-exec`,
    );
  }
  if (!entryFile)
    throw new Error("ensureProcessTrustsTestCa: cannot tell which file to re-run (no require.main)");
  let bundlePath = first;
  if (previous || missing.length > 1) {
    const bundle = `${[previous.trim(), ...missing].filter((p) => p !== "").join("\n")}\n`;
    const hash = crypto.createHash("sha256").update(bundle).digest("hex").slice(0, 16);
    bundlePath = path.join(path.dirname(first), `bundle-${hash}.pem`);
    if (!fs.existsSync(bundlePath)) {
      const tmp = `${bundlePath}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, bundle);
      fs.renameSync(tmp, bundlePath);
    }
  }
  const child = spawnSync(process.execPath, [...process.execArgv, entryFile, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: bundlePath, [REEXEC_MARK]: "1" },
  });
  if (child.error) throw child.error;
  process.exit(child.status ?? 1);
}
