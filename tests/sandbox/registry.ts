/**
 * Kept sandboxes announce themselves in one small JSON file per address, so that
 * `npm run sandbox -- --stop` and `-- --sync` (from another shell) find them. The files live in
 * `<tmpdir>/ad-entra-link-sandboxes/` (override: AD_ENTRA_LINK_SANDBOX_REGISTRY); a file whose
 * process is gone is stale and removed on sight.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestEnvFile } from "../support/test-env";

export interface KeptSandboxRecord {
  /** The `--keep` process that owns the DC and the emulator. */
  pid: number;
  ip: string;
  workDir: string;
  tenantId: string;
  env: TestEnvFile;
  startedAt: string;
}

export function registryDir(): string {
  return process.env["AD_ENTRA_LINK_SANDBOX_REGISTRY"] ?? path.join(os.tmpdir(), "ad-entra-link-sandboxes");
}

function recordPath(ip: string): string {
  return path.join(registryDir(), `${ip}.json`);
}

export function writeRecord(record: KeptSandboxRecord): void {
  fs.mkdirSync(registryDir(), { recursive: true, mode: 0o700 });
  const file = recordPath(record.ip);
  fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(record, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.${process.pid}`, file);
}

export function removeRecord(ip: string, pid: number): void {
  const record = readRecord(recordPath(ip));
  if (record?.pid === pid) fs.rmSync(recordPath(ip), { force: true });
}

function readRecord(file: string): KeptSandboxRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as KeptSandboxRecord;
  } catch {
    return undefined;
  }
}

/**
 * True while `pid` is a kept sandbox process (and not some other process that reused the pid):
 * its command line names this script and --keep.
 */
export function isKeptSandboxProcess(pid: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((a) => a.endsWith(path.join("sandbox", "main.js"))) && argv.includes("--keep");
  } catch {
    return false;
  }
}

/** Live kept sandboxes (only the one on `ip` when given); stale records are deleted. */
export function liveRecords(ip?: string): KeptSandboxRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(registryDir()).filter((n) => /^127\.0\.0\.\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: KeptSandboxRecord[] = [];
  for (const name of names) {
    const file = path.join(registryDir(), name);
    const record = readRecord(file);
    if (record === undefined) continue;
    if (!isKeptSandboxProcess(record.pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (ip === undefined || record.ip === ip) out.push(record);
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip, "en", { numeric: true }));
}

/** Running, i.e. neither gone nor a zombie waiting for its parent to collect its exit status. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** SIGTERM to the kept sandbox's process, then waits until it (and so its DC and emulator) is gone. */
export async function stopKept(record: KeptSandboxRecord, timeoutMs = 60_000): Promise<boolean> {
  try {
    process.kill(record.pid, "SIGTERM");
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (alive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return !alive(record.pid);
}
