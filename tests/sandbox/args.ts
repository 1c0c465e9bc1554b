/**
 * Command line of `npm run sandbox -- …` (pure: parsed here, acted on in main.ts).
 *
 *   (no flag)        the main job: start, preview + up both examples, one sync cycle, stop
 *   --keep           start and seed, print what to paste, keep running until Ctrl-C or --stop
 *   --stop           stop the kept sandbox(es) (only the one on --ip when given)
 *   --sync           one Entra Connect sync cycle on a kept sandbox, outcome per user
 *   --ip 127.0.0.x   the DC's loopback address (default: 127.0.0.3, else the first free one)
 */
export type SandboxMode = "run" | "keep" | "stop" | "sync" | "help";

export interface SandboxArgs {
  mode: SandboxMode;
  /** Explicit loopback address of the DC, when given. */
  ip?: string;
}

export class SandboxUsageError extends Error {
  override name = "SandboxUsageError";
}

export const USAGE = `usage: npm run sandbox [-- --keep | --stop | --sync | --help] [--ip 127.0.0.x]

  (no flag)   start a Samba AD DC and the Entra ID emulator, preview + up both examples,
              run one Entra Connect sync cycle, print the outcome per user, stop everything
  --keep      start and seed both, print the lines to paste (pulumi config set / export),
              and keep them running until Ctrl-C or \`npm run sandbox -- --stop\`
  --stop      stop kept sandboxes (only the one on --ip when given)
  --sync      run one Entra Connect sync cycle on a kept sandbox (scope OU=Staff) and print
              the outcome per user
  --ip        loopback address for the DC (127.0.0.2 to 127.0.0.254); default 127.0.0.3 or the
              first free one`;

const LOOPBACK = /^127\.0\.0\.(\d{1,3})$/;

/** A loopback address the DC can own alone: 127.0.0.2–127.0.0.254 (127.0.0.1 is everybody's). */
export function checkLoopback(ip: string): string {
  const m = LOOPBACK.exec(ip);
  const last = m ? Number(m[1]) : Number.NaN;
  if (!(last >= 2 && last <= 254)) {
    throw new SandboxUsageError(
      `--ip must be an address from 127.0.0.2 to 127.0.0.254, not '${ip.slice(0, 40)}'`,
    );
  }
  return ip;
}

export function parseSandboxArgs(argv: readonly string[]): SandboxArgs {
  const modes: SandboxMode[] = [];
  let ip: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--keep":
        modes.push("keep");
        break;
      case "--stop":
        modes.push("stop");
        break;
      case "--sync":
        modes.push("sync");
        break;
      case "--help":
      case "-h":
        return { mode: "help" };
      case "--ip": {
        const value = argv[++i];
        if (value === undefined) throw new SandboxUsageError("--ip needs an address, e.g. --ip 127.0.0.30");
        ip = checkLoopback(value);
        break;
      }
      default:
        if (arg.startsWith("--ip=")) ip = checkLoopback(arg.slice("--ip=".length));
        else throw new SandboxUsageError(`unknown argument '${arg.slice(0, 40)}'\n\n${USAGE}`);
    }
  }
  if (modes.length > 1) throw new SandboxUsageError(`choose one of ${modes.map((m) => `--${m}`).join(", ")}`);
  const mode = modes[0] ?? "run";
  return ip === undefined ? { mode } : { mode, ip };
}
