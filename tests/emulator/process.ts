/** startEmulatorProcess: the emulator as a child process (`node dist/tests/emulator/main.js`). */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EmulatorControl } from "./control-client";
import { READY_PREFIX } from "./main";

export interface EmulatorProcessOptions {
  /** Default 0 (free port). */
  port?: number;
  host?: string;
  controlKey?: string;
  clockSkewSeconds?: number;
  pkiDir?: string;
  /** Folder for the emulator's files (CA + server certificate in `<stateDir>/pki` unless `ca`/`pkiDir`). */
  stateDir?: string;
  ca?: { certPath: string; keyPath: string };
  /** Tenants to create at start from the built-in seeds. */
  seeds?: ("contoso" | "legacy")[];
  /** How long to wait for the ready line. Default 30 000 ms. */
  startTimeoutMs?: number;
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
}

export interface EmulatorProcess {
  baseUrl: string;
  port: number;
  pid: number;
  caCertPath: string;
  caCertPem: string;
  control: EmulatorControl;
  /** SIGTERM by pid, SIGKILL after 5 s, resolves once the process has exited. */
  stop(): Promise<void>;
}

export function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const args = [path.join(__dirname, "main.js")];
  if (options.port !== undefined) args.push("--port", String(options.port));
  if (options.host !== undefined) args.push("--host", options.host);
  if (options.controlKey !== undefined) args.push("--control-key", options.controlKey);
  if (options.clockSkewSeconds !== undefined) args.push("--clock-skew", String(options.clockSkewSeconds));
  if (options.pkiDir !== undefined) args.push("--pki-dir", options.pkiDir);
  if (options.stateDir !== undefined) args.push("--state-dir", options.stateDir);
  if (options.ca) args.push("--ca-cert", options.ca.certPath, "--ca-key", options.ca.keyPath);
  for (const s of options.seeds ?? []) args.push("--seed", s);
  // stdin stays open as a lifeline: the emulator exits when it closes (even if this process is SIGKILLed).
  const child = spawn(process.execPath, [...args, "--exit-on-stdin-close"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-8000);
  });

  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `emulator did not print its ready line within ${options.startTimeoutMs ?? 30_000} ms\n${stderr}`,
        ),
      );
    }, options.startTimeoutMs ?? 30_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`emulator exited before it was ready (code ${code})\n${stderr}`));
    };
    child.once("exit", onExit);
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const line = buffer.split("\n").find((l) => l.startsWith(READY_PREFIX));
      if (line === undefined) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      const ready = JSON.parse(line.slice(READY_PREFIX.length)) as {
        baseUrl: string;
        port: number;
        caCertPath: string;
        pid: number;
      };
      const caCertPem = fs.readFileSync(ready.caCertPath, "utf8");
      const controlOptions = {
        baseUrl: ready.baseUrl,
        caCertPem,
        ...(options.controlKey !== undefined ? { controlKey: options.controlKey } : {}),
      };
      const control = new EmulatorControl(controlOptions);
      const pid = child.pid as number;
      // A forgotten stop() must neither keep this process alive nor leave the emulator running.
      const killOnExit = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      };
      process.once("exit", killOnExit);
      child.once("exit", () => process.off("exit", killOnExit));
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr])
        (s as unknown as { unref?: () => void }).unref?.();
      resolve({
        baseUrl: ready.baseUrl,
        port: ready.port,
        pid,
        caCertPath: ready.caCertPath,
        caCertPem,
        control,
        stop: async () => {
          control.close();
          if (child.exitCode !== null || child.signalCode !== null) return;
          process.kill(pid, "SIGTERM");
          const killer = setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
          }, 5_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
