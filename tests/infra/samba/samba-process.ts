/**
 * The samba daemon as a child process. `-i` keeps it in the foreground and makes it exit when its
 * stdin closes, so even a SIGKILLed test runner does not leave it behind (the pipe closes with us).
 * `-M single` runs every task in one process; it is also started as its own process group, and
 * stop() signals the whole group in case a helper was forked anyway.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";

export interface SambaProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort for process 'exit' handlers. */
  killNow(): void;
}

export function spawnSamba(o: {
  configPath: string;
  logPath: string;
  debugLevel: number;
  maxRuntimeSeconds: number;
}): SambaProcess {
  const logFd = fs.openSync(o.logPath, "a");
  const args = ["-i", "-M", "single", "-s", o.configPath, "-d", String(o.debugLevel)];
  if (o.maxRuntimeSeconds > 0) args.push(`--maximum-runtime=${o.maxRuntimeSeconds}`);
  let child: ChildProcess;
  try {
    child = spawn("samba", args, { stdio: ["pipe", logFd, logFd], detached: true });
  } finally {
    fs.closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start samba (is it installed and on PATH?)");
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      done = true;
      resolve();
    });
  });
  // spawn errors (ENOENT...) surface as 'exit' too; keep them from becoming unhandled.
  child.on("error", () => undefined);
  // A forgotten stop() must not keep the test process alive: the 'exit' handler of the caller (and
  // the stdin EOF) end samba when node exits.
  child.unref();
  (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };

  return {
    pid,
    child,
    exited,
    hasExited: () => done,
    async stop(graceMs = 5_000) {
      if (done) return;
      child.stdin?.end();
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Helpers in the group (if any) must not outlive the daemon.
      signalGroup("SIGKILL");
    },
    killNow() {
      if (!done) signalGroup("SIGKILL");
    },
  };
}

/** The last `lines` lines of a log file (for error messages). */
export function tailFile(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
