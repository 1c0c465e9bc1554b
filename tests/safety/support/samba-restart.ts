/**
 * Stopping and restarting a test DC in place. `startSambaDc` provisions a fresh domain each time
 * and `dc.stop()` removes its folder, so neither can bring the *same* domain back. These helpers
 * stop the running samba (SIGTERM to its process group, as `stop()` does, but keeping the folder)
 * and start samba again on the same smb.conf, database and certificate.
 *
 * Order of cleanup: `restarted.stop()` first, then the original `dc.stop()` (whose process has
 * already exited, so it only removes the folder).
 */
import * as net from "node:net";
import { bindClient } from "../../infra/samba/ldap";
import { type SambaProcess, spawnSamba, tailFile } from "../../infra/samba/samba-process";
import type { SambaDc } from "../../infra/samba/types";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function portOpen(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops samba with SIGTERM (SIGKILL after `graceMs`) and waits until LDAPS refuses connections. */
export async function stopDcProcess(pid: number, ip: string, graceMs = 5_000): Promise<void> {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  while (await portOpen(ip, 636)) await sleep(50);
}

/** Starts samba again on the DC's own folder and waits for an LDAPS bind. */
export async function restartDc(dc: SambaDc, timeoutMs = 30_000): Promise<SambaProcess> {
  const proc = spawnSamba({
    configPath: dc.configPath,
    logPath: dc.logPath,
    debugLevel: 1,
    maxRuntimeSeconds: 3600,
  });
  const killOnExit = (): void => proc.killNow();
  process.on("exit", killOnExit);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`samba exited on restart\n${tailFile(dc.logPath)}`);
    try {
      const client = await bindClient({
        url: dc.url,
        caPem: dc.caCertPem,
        bindDn: dc.adminBindDn,
        password: dc.adminPassword,
        connectTimeoutMs: 1_000,
      });
      await client.unbind();
      const stop = proc.stop.bind(proc);
      proc.stop = async (graceMs?: number) => {
        process.removeListener("exit", killOnExit);
        await stop(graceMs);
      };
      return proc;
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  await proc.stop(1_000);
  throw new Error(`samba did not answer after a restart: ${String(last)}\n${tailFile(dc.logPath)}`);
}
