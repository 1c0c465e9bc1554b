/**
 * Child-process entry: `node dist/tests/emulator/main.js [--port N] [--host H] [--control-key K]
 * [--clock-skew S] [--pki-dir D] [--state-dir D] [--ca-cert P --ca-key P] [--seed contoso|legacy]... [--exit-on-stdin-close]`.
 * Prints one ready line `ENTRA_EMULATOR_READY {"baseUrl":…,"port":…,"caCertPath":…,"pid":…}` on
 * stdout, then serves until SIGTERM/SIGINT.
 */
import type { TenantSeed } from "./model";
import { contosoTenantSeed, legacyTenantSeed } from "./seeds";
import { createEmulator, type EmulatorOptions } from "./server";

export const READY_PREFIX = "ENTRA_EMULATOR_READY ";

let exitOnStdinClose = false;

function parseArgs(argv: string[]): EmulatorOptions {
  const options: EmulatorOptions = {};
  const seeds: TenantSeed[] = [];
  let caCert: string | undefined;
  let caKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port":
        options.port = Number(value());
        break;
      case "--host":
        options.host = value();
        break;
      case "--control-key":
        options.controlKey = value();
        break;
      case "--clock-skew":
        options.clockSkewSeconds = Number(value());
        break;
      case "--pki-dir":
        options.pkiDir = value();
        break;
      case "--state-dir":
        options.stateDir = value();
        break;
      case "--ca-cert":
        caCert = value();
        break;
      case "--ca-key":
        caKey = value();
        break;
      case "--exit-on-stdin-close":
        exitOnStdinClose = true;
        break;
      case "--seed": {
        const name = value();
        if (name === "contoso") seeds.push(contosoTenantSeed());
        else if (name === "legacy") seeds.push(legacyTenantSeed());
        else throw new Error(`unknown seed ${name} (contoso|legacy)`);
        break;
      }
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  if ((caCert === undefined) !== (caKey === undefined)) throw new Error("--ca-cert and --ca-key go together");
  if (caCert !== undefined && caKey !== undefined) options.ca = { certPath: caCert, keyPath: caKey };
  if (seeds.length > 0) options.tenants = seeds;
  return options;
}

async function main(): Promise<void> {
  const emulator = await createEmulator(parseArgs(process.argv.slice(2)));
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (exitOnStdinClose) {
    process.stdin.on("data", () => undefined);
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
  }
  process.stdout.write(
    `${READY_PREFIX}${JSON.stringify({ baseUrl: emulator.baseUrl, port: emulator.port, caCertPath: emulator.caCertPath, pid: process.pid })}\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `entra emulator failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
