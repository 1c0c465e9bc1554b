/**
 * The CLI half of bench/scale.ts: the links program and the engine floor through the real Pulumi
 * CLI, interleaved (link, floor, link, floor) so the noise of a shared machine hits both alike.
 *
 *   1. `pulumi preview` of N new links vs N new floor resources, each program as ts (ts-node) and as
 *      precompiled js, two rounds;
 *   2. `pulumi up --skip-preview` of the N links (precompiled, PULUMI_SKIP_CHECKPOINTS=true) with
 *      429 + Retry-After: 1 injected on every fifth Graph request (20%): failed links, throttled
 *      requests, seconds, provider peak RSS; then the checkpoint in bytes per link (the whole
 *      `stack export`, and the serialized provider, inputs and outputs of a link);
 *   3. `pulumi preview --expect-no-changes` of the converged links vs the floor after its own `up`
 *      (exit 0 proves every link converged), two rounds each variant;
 *   4. `pulumi refresh --yes` of the converged links vs the floor, two rounds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RequestLogEntry } from "../tests/emulator/faults";
import { type CliResult, LinkStack, runPulumi } from "../tests/safety/support/harness";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../tests/support/pulumi";
import type { TestEnv } from "../tests/support/test-env";
import {
  FLOOR_PROGRAM_TS,
  LINKS_PROGRAM_TS,
  type ProgramTiming,
  readTiming,
  selectVariant,
  type Variant,
  writeProgram,
} from "./scale-programs";

export interface LinkSpec {
  name: string;
  args: Record<string, unknown>;
}

export function graphRequests(log: RequestLogEntry[]): number {
  return log.filter((r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")))
    .length;
}

/** Peak RSS (MB) of processes whose command line contains `marker`, sampled every 200 ms. */
export function rssSampler(marker: string): { stop(): number } {
  let peak = 0;
  const sample = () => {
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!cmd.includes(marker)) continue;
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // the process ended meanwhile
      }
    }
  };
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

interface Timed {
  seconds: number;
  rssMb: number;
  timing: ProgramTiming | undefined;
  result: CliResult;
}

async function timed(sandbox: PulumiSandbox, args: string[], dir: string, extraEnv = {}): Promise<Timed> {
  const rss = rssSampler("dynamic-provider");
  const t0 = Date.now();
  const result = await runPulumi({ ...sandbox, envVars: { ...sandbox.envVars, ...extraEnv } }, args, dir);
  const seconds = (Date.now() - t0) / 1000;
  return { seconds, rssMb: rss.stop(), timing: readTiming(dir, t0), result };
}

function must(t: Timed, what: string): Timed {
  if (t.result.code !== 0)
    throw new Error(
      `${what} failed (exit ${t.result.code}):\n${t.result.stdout.slice(-3000)}\n${t.result.stderr.slice(-3000)}`,
    );
  return t;
}

const f1 = (x: number) => x.toFixed(1);
const timingText = (t: ProgramTiming | undefined) =>
  t === undefined
    ? "program timing ?"
    : `program starts at ${f1(t.start)} s, loaded ${f1(t.loaded)} s, registered ${f1(t.registered)} s`;

export async function cliRuns(
  env: TestEnv,
  s: { tenantId: string; ou: string },
  links: LinkSpec[],
  tag: string,
  o: { up: boolean; hold?: string; throttleEvery: number },
): Promise<string[]> {
  const n = links.length;
  const out: string[] = [];
  const row = (label: string, cells: string) => {
    out.push(`${label.padEnd(46)} ${cells}`);
    console.log(out[out.length - 1]);
  };
  const stack = await LinkStack.open(env, {
    stackName: `scale-${tag}`,
    tenantId: s.tenantId,
    baseDn: s.ou,
    links: [],
    config: { "ad-entra-link:bulkRead": "on" },
  });
  // 1,000 links of JSON exceed what the CLI can pass as config: the program reads them from a file.
  fs.writeFileSync(path.join(stack.workDir, "links.json"), JSON.stringify(links));
  writeProgram(stack.workDir, LINKS_PROGRAM_TS);
  const floorRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bench-floor-"));
  const floorDir = path.join(floorRoot, "program");
  fs.mkdirSync(floorDir);
  for (const f of ["package.json", "tsconfig.json"]) {
    fs.copyFileSync(path.join(REPO_ROOT, "tests", "safety", "programs", "links", f), path.join(floorDir, f));
  }
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(floorDir, "node_modules"), "dir");
  writeProgram(floorDir, FLOOR_PROGRAM_TS);
  selectVariant(floorDir, "scale-floor", "ts");
  const floorSandbox = await pulumiSandbox(path.join(floorRoot, "state"));
  await openStack(floorSandbox, {
    workDir: floorDir,
    stackName: "floor",
    config: { "scale-floor:n": String(n) },
  });
  const linkCmd = (...args: string[]) => [...args, "--stack", stack.stackName, "--non-interactive"];
  const floorCmd = (...args: string[]) => [...args, "--stack", "floor", "--non-interactive"];

  const compare = async (label: string, variant: Variant, extra: string[]) => {
    selectVariant(stack.workDir, "safety-links", variant);
    selectVariant(floorDir, "scale-floor", variant);
    await env.control.clearRequests(s.tenantId);
    const l = must(
      await timed(stack.sandbox, linkCmd("preview", ...extra), stack.workDir),
      `${label} (links)`,
    );
    const graph = graphRequests(await env.control.requests({ tenant: s.tenantId }));
    const f = must(await timed(floorSandbox, floorCmd("preview", ...extra), floorDir), `${label} (floor)`);
    const mode = /bulkRead: (\w+)/.exec(l.result.stdout + l.result.stderr)?.[1] ?? "?";
    row(
      `${label} ${variant} (bulkRead ${mode})`,
      `${f1(l.seconds).padStart(7)} s  floor ${f1(f.seconds)} s  ratio ${(l.seconds / f.seconds).toFixed(2)}x  ${(graph / n).toFixed(3)} Graph req/link  provider peak RSS ${l.rssMb.toFixed(0)} MB (floor ${f.rssMb.toFixed(0)} MB)`,
    );
    row(`  ${variant} links: ${timingText(l.timing)}`, "");
    row(`  ${variant} floor: ${timingText(f.timing)}`, "");
  };

  try {
    if (o.hold !== undefined) {
      await holdForProfiling(o.hold, {
        links: { dir: stack.workDir, stack: stack.stackName, env: stack.sandbox.envVars },
        floor: { dir: floorDir, stack: "floor", env: floorSandbox.envVars },
      });
      return out;
    }
    for (let round = 1; round <= 2; round++) {
      for (const variant of ["ts", "js"] as const) await compare(`preview r${round}`, variant, []);
    }
    if (!o.up) return out;

    // up as users run it (checkpoints on), against the floor's; then both destroyed (links with
    // onDelete: restore put AD back) for the throttled run below.
    selectVariant(stack.workDir, "safety-links", "js");
    selectVariant(floorDir, "scale-floor", "js");
    await env.control.clearRequests(s.tenantId);
    const u = must(
      await timed(stack.sandbox, linkCmd("up", "--yes", "--skip-preview"), stack.workDir),
      "up (links)",
    );
    const graphUp = graphRequests(await env.control.requests({ tenant: s.tenantId }));
    const f = must(
      await timed(floorSandbox, floorCmd("up", "--yes", "--skip-preview"), floorDir),
      "up (floor)",
    );
    row(
      "up vs floor (js, checkpoints on)",
      `${f1(u.seconds).padStart(7)} s  floor ${f1(f.seconds)} s  ratio ${(u.seconds / f.seconds).toFixed(2)}x  ${(graphUp / n).toFixed(3)} Graph req/link  provider peak RSS ${u.rssMb.toFixed(0)} MB`,
    );
    await checkpointRow(stack, n, row);
    const skip = { PULUMI_SKIP_CHECKPOINTS: "true" };
    const d = must(
      await timed(stack.sandbox, linkCmd("destroy", "--yes", "--skip-preview"), stack.workDir, skip),
      "destroy (links)",
    );
    const fd = must(
      await timed(floorSandbox, floorCmd("destroy", "--yes", "--skip-preview"), floorDir, skip),
      "destroy (floor)",
    );
    row(
      "destroy, onDelete restore (js)",
      `${f1(d.seconds).padStart(7)} s  floor ${f1(fd.seconds)} s  (both PULUMI_SKIP_CHECKPOINTS=true)`,
    );

    // up under throttling: every fifth (--throttle N: every Nth; 0: none) Graph request of this
    // tenant answers 429, Retry-After: 1.
    await env.control.clearRequests(s.tenantId);
    const fault =
      o.throttleEvery > 0
        ? await env.control.addFault({
            match: { tenant: s.tenantId },
            action: { status: 429, retryAfterSeconds: 1 },
            every: o.throttleEvery,
            times: 1_000_000,
          })
        : undefined;
    let up: Timed;
    try {
      up = await timed(stack.sandbox, linkCmd("up", "--yes", "--skip-preview"), stack.workDir, skip);
    } finally {
      if (fault !== undefined) await env.control.removeFault(fault.id).catch(() => undefined);
    }
    const log = await env.control.requests({ tenant: s.tenantId });
    const throttled = fault === undefined ? 0 : log.filter((r) => r.faultRuleId === fault.id).length;
    const linksInState = (await stack.resources()).filter((r) => r.type.endsWith(":UserLink"));
    const failed = (up.result.stdout.match(/^\s+error: /gm) ?? []).length;
    row(
      o.throttleEvery > 0
        ? `up, 429 on every ${o.throttleEvery}th Graph request (js)`
        : "up, no throttling (js)",
      `${f1(up.seconds).padStart(7)} s  exit ${up.result.code}  ${linksInState.length}/${n} links in state  ${failed} errors  ${throttled} of ${log.length} requests (token, Graph, $batch items) answered 429  provider peak RSS ${up.rssMb.toFixed(0)} MB  (PULUMI_SKIP_CHECKPOINTS=true)`,
    );
    if (up.result.code !== 0) console.log(up.result.stdout.slice(-3000), up.result.stderr.slice(-3000));
    const floorUp = must(
      await timed(floorSandbox, floorCmd("up", "--yes", "--skip-preview"), floorDir, skip),
      "floor up",
    );
    row(
      o.throttleEvery > 0 ? "up vs floor (links throttled, floor not)" : "up vs floor",
      `${f1(up.seconds).padStart(7)} s  floor ${f1(floorUp.seconds)} s  ratio ${(up.seconds / floorUp.seconds).toFixed(2)}x  (both PULUMI_SKIP_CHECKPOINTS=true)`,
    );
    for (let round = 1; round <= 2; round++) {
      for (const variant of ["ts", "js"] as const)
        await compare(`no-change preview r${round}`, variant, ["--expect-no-changes"]);
    }
    // refresh (its preview pass and its update pass, as `pulumi refresh --yes` runs them).
    for (let round = 1; round <= 2; round++) {
      await env.control.clearRequests(s.tenantId);
      const l = must(
        await timed(stack.sandbox, linkCmd("refresh", "--yes"), stack.workDir),
        "refresh (links)",
      );
      const graph = graphRequests(await env.control.requests({ tenant: s.tenantId }));
      const f = must(await timed(floorSandbox, floorCmd("refresh", "--yes"), floorDir), "refresh (floor)");
      const changed = /(\d+) updated/.exec(l.result.stdout)?.[1] ?? "0";
      row(
        `refresh r${round} (js)`,
        `${f1(l.seconds).padStart(7)} s  floor ${f1(f.seconds)} s  ratio ${(l.seconds / f.seconds).toFixed(2)}x  ${(graph / n).toFixed(3)} Graph req/link (both passes)  ${changed} links reported updated`,
      );
    }
  } finally {
    await stack.dispose();
    fs.rmSync(floorRoot, { recursive: true, force: true });
  }
  return out;
}

/** Checkpoint bytes per link: the whole stack export, and the links' inputs, outputs and provider code. */
async function checkpointRow(
  stack: LinkStack,
  n: number,
  row: (label: string, cells: string) => void,
): Promise<void> {
  const linksInState = (await stack.resources()).filter((r) => r.type.endsWith(":UserLink")) as {
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  }[];
  const exported = JSON.stringify(await stack.stack.exportStack());
  const sizes = { provider: 0, inputs: 0, outputs: 0 };
  for (const r of linksInState) {
    sizes.provider += String(r.outputs?.["__provider"] ?? "").length;
    sizes.inputs += JSON.stringify(r.inputs ?? {}).length;
    sizes.outputs += JSON.stringify(r.outputs ?? {}).length;
  }
  const per = (x: number) => (linksInState.length > 0 ? x / linksInState.length / 1024 : 0).toFixed(2);
  row(
    "checkpoint per link",
    `${(exported.length / n / 1024).toFixed(2)} KB (stack export ${(exported.length / 2 ** 20).toFixed(1)} MB): inputs ${per(sizes.inputs)} KB, outputs ${per(sizes.outputs)} KB, of each the provider code ${per(sizes.provider)} KB`,
  );
}

/**
 * `--hold <file>`: writes both programs' folders, stack names and environments to `file` and waits
 * for SIGINT, so one can run `pulumi preview` by hand (e.g. with NODE_OPTIONS=--cpu-prof) against
 * the seeded DC and tenant.
 */
async function holdForProfiling(file: string, what: Record<string, unknown>): Promise<void> {
  fs.writeFileSync(file, JSON.stringify(what, null, 2));
  console.log(`bench/scale: holding; programs and environments in ${file}; Ctrl-C to end`);
  // A pending promise does not keep Node alive; the interval does until a signal arrives.
  const alive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(alive);
}
