/**
 * The two Pulumi programs of bench/scale.ts — the links program (N UserLinks read from links.json)
 * and the engine floor (N trivial dynamic resources) — each runnable two ways:
 *
 *   ts  the default: Pulumi.yaml `runtime: nodejs`, the language host runs index.ts through ts-node;
 *   js  precompiled: `tsc` emits index.js beside it and Pulumi.yaml says `main: index.js` and
 *       `runtime.options.typescript: false`, so neither ts-node nor its source maps are loaded.
 *
 * Both programs write timing.json (ms since the epoch): `start` at their first statement (after the
 * language host and, for ts, ts-node compiled the file), `loaded` once the SDK and ad-entra-link are
 * required, `registered` when every resource is registered. The first check follows `loaded` at once.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../tests/support/pulumi";

export type Variant = "ts" | "js";

export const LINKS_PROGRAM_TS = `const start = Date.now();
import * as fs from "node:fs";
import * as path from "node:path";
import { UserLink } from "ad-entra-link";
const loaded = Date.now();
const entries = JSON.parse(fs.readFileSync(path.join(__dirname, "links.json"), "utf8"));
for (const e of entries) new UserLink(e.name, e.args);
fs.writeFileSync(path.join(__dirname, "timing.json"), JSON.stringify({ start, loaded, registered: Date.now() }));
`;

export const FLOOR_PROGRAM_TS = `const start = Date.now();
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
const loaded = Date.now();
const provider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) { return { inputs: news }; },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return { changes: olds["i"] !== news["i"] };
  },
  async create(inputs: Record<string, unknown>) { return { id: String(inputs["i"]), outs: inputs }; },
};
class Floor extends pulumi.dynamic.Resource {
  constructor(name: string, i: number) { super(provider, name, { i }, {}); }
}
const n = new pulumi.Config().requireNumber("n");
for (let i = 0; i < n; i++) new Floor(\`floor-\${i}\`, i);
fs.writeFileSync(path.join(__dirname, "timing.json"), JSON.stringify({ start, loaded, registered: Date.now() }));
`;

/** Writes index.ts and its compiled index.js into `dir` (which has package.json and tsconfig.json). */
export function writeProgram(dir: string, source: string): void {
  fs.writeFileSync(path.join(dir, "index.ts"), source);
  execFileSync(path.join(REPO_ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (!fs.existsSync(path.join(dir, "index.js"))) throw new Error(`tsc emitted no index.js in ${dir}`);
}

/** Points Pulumi.yaml of `dir` (project `name`) at the ts or the precompiled js program. */
export function selectVariant(dir: string, name: string, variant: Variant): void {
  const yaml =
    variant === "ts"
      ? `name: ${name}\nruntime: nodejs\n`
      : `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`;
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
}

export interface ProgramTiming {
  /** Seconds from the CLI's start to the program's first statement. */
  start: number;
  /** Seconds from the CLI's start until the SDK and ad-entra-link are loaded. */
  loaded: number;
  /** Seconds from the CLI's start until every resource is registered. */
  registered: number;
}

/** timing.json of the last run of the program in `dir`, relative to `cliStarted` (ms). */
export function readTiming(dir: string, cliStarted: number): ProgramTiming | undefined {
  try {
    const t = JSON.parse(fs.readFileSync(path.join(dir, "timing.json"), "utf8")) as Record<string, number>;
    fs.rmSync(path.join(dir, "timing.json"));
    const rel = (k: string) => ((t[k] ?? Number.NaN) - cliStarted) / 1000;
    return { start: rel("start"), loaded: rel("loaded"), registered: rel("registered") };
  } catch {
    return undefined;
  }
}
