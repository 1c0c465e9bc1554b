/**
 * TLS material of the emulator: a shared test CA (reused by every emulator and test process of a run),
 * a server certificate for 127.0.0.1/localhost issued by it, and throw-away application certificates
 * for ClientCertificateCredential. Nothing here switches TLS verification off: clients trust the CA
 * through the `ca` option or NODE_EXTRA_CA_CERTS.
 *
 * Which CA: `options.ca` if given; else, when NODE_EXTRA_CA_CERTS points at a `ca.pem` created by
 * tests/infra/certs.ts (its `ca-key.pem` next to it), that CA, so the emulator is trusted by a process
 * that already trusts the run's CA; else `$ENTRA_EMULATOR_PKI_DIR` or `<repo>/.cache/test-pki`.
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ensureTestCa, issueServerCert, type ServerCert, type TestCa } from "../infra/certs";

const execFileAsync = promisify(execFile);

export const CA_COMMON_NAME = "ad-entra-link test CA";
const SERVER_CERT_NAME = "entra-emulator";
const SERVER_CERT_MAX_AGE_MS = 20 * 24 * 3600 * 1000; // issued for 30 days by certs.ts
const LOCK_STALE_MS = 120_000;

/** Walks up from this file to the folder holding the project's package.json. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        const name = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name;
        if (name === "ad-entra-link") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultPkiDir(): string {
  return process.env["ENTRA_EMULATOR_PKI_DIR"] ?? path.join(findRepoRoot(), ".cache", "test-pki");
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Cross-process mutual exclusion with an atomic mkdir; parallel test files share one PKI folder. */
export function withDirLock<T>(lockPath: string, fn: () => T): T {
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - fs.statSync(lockPath).mtimeMs > LOCK_STALE_MS)
          fs.rmSync(lockPath, { recursive: true, force: true });
      } catch {
        // removed by its owner meanwhile
      }
      if (Date.now() > deadline) throw new Error(`withDirLock: timed out waiting for ${lockPath}`);
      sleepSync(25);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockPath, { recursive: true, force: true });
  }
}

/** The CA dir implied by NODE_EXTRA_CA_CERTS when it is a certs.ts CA with its key beside it. */
function caDirFromNodeExtraCaCerts(): string | undefined {
  const extra = process.env["NODE_EXTRA_CA_CERTS"];
  if (!extra || path.basename(extra) !== "ca.pem") return undefined;
  const dir = path.dirname(path.resolve(extra));
  return fs.existsSync(path.join(dir, "ca-key.pem")) ? dir : undefined;
}

/** Creates (once per run, safely across processes) or reuses the shared test CA. */
export function ensureSharedCa(dir?: string): TestCa {
  const caDir = dir ?? caDirFromNodeExtraCaCerts() ?? defaultPkiDir();
  const certPath = path.join(caDir, "ca.pem");
  const keyPath = path.join(caDir, "ca-key.pem");
  if (fs.existsSync(certPath) && fs.existsSync(keyPath)) return ensureTestCa(caDir, CA_COMMON_NAME);
  fs.mkdirSync(caDir, { recursive: true });
  return withDirLock(path.join(caDir, ".lock"), () => ensureTestCa(caDir, CA_COMMON_NAME));
}

function certIssuedBy(certPem: string, ca: TestCa): boolean {
  try {
    const cert = new crypto.X509Certificate(certPem);
    const caCert = new crypto.X509Certificate(ca.certPem);
    const freshEnough = Date.now() + 24 * 3600 * 1000 < Date.parse(cert.validTo);
    return freshEnough && cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
  } catch {
    return false;
  }
}

/** Server certificate for 127.0.0.1 and localhost, shared by emulators of a run (issued under a lock). */
export function ensureEmulatorServerCert(ca: TestCa): ServerCert {
  const dir = path.join(path.dirname(ca.certPath), "entra-emulator");
  const certPath = path.join(dir, `${SERVER_CERT_NAME}.pem`);
  const keyPath = path.join(dir, `${SERVER_CERT_NAME}-key.pem`);
  const reuse = (): ServerCert | undefined => {
    if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) return undefined;
    if (Date.now() - fs.statSync(certPath).mtimeMs > SERVER_CERT_MAX_AGE_MS) return undefined;
    const certPem = fs.readFileSync(certPath, "utf8");
    if (!certIssuedBy(certPem, ca)) return undefined;
    return { certPath, keyPath, certPem, keyPem: fs.readFileSync(keyPath, "utf8") };
  };
  const existing = reuse();
  if (existing) return existing;
  fs.mkdirSync(dir, { recursive: true });
  // The CA's serial file sits next to it, so issuing takes the CA folder's lock.
  return withDirLock(path.join(path.dirname(ca.certPath), ".lock"), () => {
    return reuse() ?? issueServerCert(ca, dir, SERVER_CERT_NAME, { dns: ["localhost"], ip: ["127.0.0.1"] });
  });
}

export interface AppCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/** A self-signed certificate for an app registration (what `New-SelfSignedCertificate` would give an admin). */
export async function generateAppCertificate(commonName: string): Promise<AppCertificate> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emulator-app-cert-"));
  try {
    const keyPath = path.join(dir, "key.pem");
    const certPath = path.join(dir, "cert.pem");
    await execFileAsync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "30",
      "-subj",
      `/CN=${commonName.replace(/[/\\=]/g, "_")}`,
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ]);
    return {
      certificatePem: fs.readFileSync(certPath, "utf8"),
      privateKeyPem: fs.readFileSync(keyPath, "utf8"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
