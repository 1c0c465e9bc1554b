/**
 * Benchmark: many links in one stack (issue 15), against a real Samba DC and the Entra ID emulator.
 * Prints figures; asserts nothing.
 *
 *   npm run bench -- scale                          N = 100: CLI preview vs engine floor + in-process
 *   node dist/bench/scale.js --n 1000               N = 1,000
 *   node dist/bench/scale.js --n 10000 --in-process-only
 *
 * Seeds N users on both sides (AD copies in an OU of their own, cloud users with a mailbox), then:
 *   - in-process: the runtime's check of every link, one at a time as the Pulumi engine calls it,
 *     with bulkRead off (skipped above 1,000) and on: seconds, Graph requests per link (emulator
 *     request log, $batch items counted one by one), LDAP searches per link (counted by the
 *     provider), peak RSS of this process;
 *   - through the real CLI (unless --in-process-only): `pulumi preview` of the N links (bulkRead
 *     on) and of the "engine floor", N trivial dynamic resources whose check/diff/create return at
 *     once, interleaved, twice each: seconds, ratio to the floor, Graph requests per link and peak
 *     RSS of each dynamic provider process.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as runtime from "../provider/runtime";
import type { RequestLogEntry } from "../tests/emulator/faults";
import type { SeedAdUser } from "../tests/fixtures/seed-scenario";
import { seedUsersInto } from "../tests/infra/samba";
import { LinkStack, runPulumi } from "../tests/safety/support/harness";
import { configLookup } from "../tests/safety/support/in-process";
import { safetyScenario } from "../tests/safety/support/scenario";
import { openStack, pulumiSandbox, REPO_ROOT } from "../tests/support/pulumi";
import { getTestEnv, startTestInfrastructure, type TestEnv } from "../tests/support/test-env";

interface Options {
  n: number;
  inProcessOnly: boolean;
}

function options(argv: string[]): Options {
  const at = argv.indexOf("--n");
  const n = at >= 0 ? Number(argv[at + 1]) : 100;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error("--n must be an integer 1..100000");
  return { n, inProcessOnly: argv.includes("--in-process-only") };
}

async function parent(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bench-scale-"));
  const infra = await startTestInfrastructure({ ip: process.env["AEL_BENCH_IP"] ?? "127.0.0.6", workDir });
  const envFile = path.join(workDir, "env.json");
  fs.writeFileSync(envFile, JSON.stringify(infra.env));
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ["--max-old-space-size=4096", __filename, ...process.argv.slice(2)],
        {
          stdio: "inherit",
          env: {
            ...process.env,
            AEL_BENCH_CHILD: "1",
            AEL_TEST_ENV: envFile,
            NODE_EXTRA_CA_CERTS: infra.env.caBundlePath,
          },
        },
      );
      child.on("exit", (c) => resolve(c ?? 1));
    });
    process.exitCode = code;
  } finally {
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function graphRequests(log: RequestLogEntry[]): number {
  return log.filter((r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")))
    .length;
}

/** Peak RSS (MB) of processes whose command line contains `marker`, sampled every 200 ms. */
function rssSampler(marker: string): { stop(): number } {
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

const FLOOR_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
const provider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) { return { inputs: news }; },
  async diff() { return { changes: true }; },
  async create(inputs: Record<string, unknown>) { return { id: String(inputs["i"]), outs: inputs }; },
};
class Floor extends pulumi.dynamic.Resource {
  constructor(name: string, i: number) { super(provider, name, { i }, {}); }
}
const n = new pulumi.Config().requireNumber("n");
for (let i = 0; i < n; i++) new Floor(\`floor-\${i}\`, i);
`;

async function child(): Promise<void> {
  const o = options(process.argv.slice(2));
  const env = await getTestEnv();
  const tag = `sc${Date.now().toString(36).slice(-5)}`;
  const s = await safetyScenario(env, tag, []);
  const seeded = Date.now();
  const ad: SeedAdUser[] = [];
  const cloud: Record<string, unknown>[] = [];
  for (let i = 0; i < o.n; i++) {
    const k = `u${String(i).padStart(5, "0")}`;
    ad.push({
      key: k,
      ou: "",
      cn: `${k} ${tag}`,
      sAMAccountName: `${k}-${tag}`,
      userPrincipalName: `${k}.${tag}@contoso.local`,
      givenName: k,
      sn: tag,
      displayName: `${k} ${tag}`,
    });
    const address = `${k}.${tag}@contoso.com`;
    cloud.push({
      key: k,
      id: `5ca1e000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      userPrincipalName: address,
      displayName: `${k} ${tag}`,
      givenName: k,
      surname: tag,
      mailNickname: `${k}.${tag}`,
      mail: address,
      proxyAddresses: [`SMTP:${address}`],
    });
  }
  for (let i = 0; i < ad.length; i += 500) await seedUsersInto(s.dc, s.ou, ad.slice(i, i + 500));
  for (let i = 0; i < cloud.length; i += 1000)
    await env.control.addUsers(s.tenantId, cloud.slice(i, i + 1000) as never);
  console.log(`seeded ${o.n} users on both sides in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
  const links = ad.map((u) => ({
    name: `link-${u.key}`,
    args: {
      onPremises: { samAccountName: u.sAMAccountName },
      cloud: { userPrincipalName: `${u.key}.${tag}@contoso.com` },
    },
  }));

  const rows: string[] = [];
  const row = (label: string, cells: string) => {
    rows.push(`${label.padEnd(46)} ${cells}`);
    console.log(rows[rows.length - 1]);
  };
  for (const mode of ["off", "on"] as const) {
    if (mode === "off" && o.n > 1000) continue;
    const r = await inProcess(env, s, links, mode);
    row(
      `in-process check, bulkRead ${mode}`,
      `${r.seconds.toFixed(1).padStart(7)} s  ${(r.graph / o.n).toFixed(3)} Graph req/link  ${(r.ldap / o.n).toFixed(3)} LDAP searches/link  peak RSS ${r.rssMb.toFixed(0)} MB  (${r.failed} refused)`,
    );
  }

  if (!o.inProcessOnly) {
    const cli = await cliPreview(env, s, links, tag);
    for (const line of cli) rows.push(line);
  }
  console.log(
    `\nbench/scale: N = ${o.n}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  );
  for (const line of rows) console.log(line);
  await env.control.deleteTenant(s.tenantId).catch(() => undefined);
}

async function inProcess(
  env: TestEnv,
  s: { tenantId: string; ou: string },
  links: { name: string; args: Record<string, unknown> }[],
  mode: "on" | "off",
): Promise<{ seconds: number; graph: number; ldap: number; rssMb: number; failed: number }> {
  await runtime.shutdown();
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": mode }),
  );
  await env.control.clearRequests(s.tenantId);
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const t0 = Date.now();
  let failed = 0;
  let ldap = 0;
  try {
    for (const l of links) {
      const r = await runtime.check({}, { ...l.args, linkName: l.name });
      if (r.failures.length > 0) failed++;
    }
    ldap = runtime.getSession().ad.operations.searches;
  } finally {
    clearInterval(timer);
    await runtime.shutdown();
  }
  const seconds = (Date.now() - t0) / 1000;
  const graph = graphRequests(await env.control.requests({ tenant: s.tenantId }));
  return { seconds, graph, ldap, rssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, failed };
}

async function cliPreview(
  env: TestEnv,
  s: { tenantId: string; ou: string },
  links: { name: string; args: Record<string, unknown> }[],
  tag: string,
): Promise<string[]> {
  const stack = await LinkStack.open(env, {
    stackName: `scale-${tag}`,
    tenantId: s.tenantId,
    baseDn: s.ou,
    links: [],
    config: { "ad-entra-link:bulkRead": "on" },
  });
  // 1,000 links of JSON exceed what the CLI can pass as config: the program reads them from a file.
  fs.writeFileSync(path.join(stack.workDir, "links.json"), JSON.stringify(links));
  fs.writeFileSync(
    path.join(stack.workDir, "index.ts"),
    `import * as fs from "node:fs";
import * as path from "node:path";
import { UserLink } from "ad-entra-link";
const entries = JSON.parse(fs.readFileSync(path.join(__dirname, "links.json"), "utf8"));
for (const e of entries) new UserLink(e.name, e.args);
`,
  );
  const floorRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bench-floor-"));
  const floorDir = path.join(floorRoot, "program");
  fs.mkdirSync(floorDir);
  fs.writeFileSync(path.join(floorDir, "Pulumi.yaml"), "name: scale-floor\nruntime: nodejs\n");
  fs.writeFileSync(path.join(floorDir, "index.ts"), FLOOR_PROGRAM);
  for (const f of ["package.json", "tsconfig.json"]) {
    fs.copyFileSync(path.join(REPO_ROOT, "tests", "safety", "programs", "links", f), path.join(floorDir, f));
  }
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(floorDir, "node_modules"), "dir");
  const sandbox = await pulumiSandbox(path.join(floorRoot, "state"));
  await openStack(sandbox, {
    workDir: floorDir,
    stackName: "floor",
    config: { "scale-floor:n": String(links.length) },
  });
  const n = links.length;
  const out: string[] = [];
  const times: { link: number[]; floor: number[] } = { link: [], floor: [] };
  try {
    for (let round = 1; round <= 2; round++) {
      await env.control.clearRequests(s.tenantId);
      let rss = rssSampler("dynamic-provider");
      let t0 = Date.now();
      const r = await stack.run("preview");
      const linkSeconds = (Date.now() - t0) / 1000;
      const linkRss = rss.stop();
      if (r.code !== 0)
        throw new Error(
          `preview failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
        );
      const graph = graphRequests(await env.control.requests({ tenant: s.tenantId }));
      const mode = /bulkRead: (\w+)/.exec(r.stdout + r.stderr)?.[1] ?? "?";
      rss = rssSampler("dynamic-provider");
      t0 = Date.now();
      const f = await runPulumi(sandbox, ["preview", "--stack", "floor", "--non-interactive"], floorDir);
      const floorSeconds = (Date.now() - t0) / 1000;
      const floorRss = rss.stop();
      if (f.code !== 0)
        throw new Error(`floor preview failed:\n${f.stdout.slice(-2000)}\n${f.stderr.slice(-2000)}`);
      times.link.push(linkSeconds);
      times.floor.push(floorSeconds);
      out.push(
        `${`CLI preview round ${round} (bulkRead ${mode})`.padEnd(46)} ${linkSeconds.toFixed(1).padStart(7)} s  floor ${floorSeconds.toFixed(1)} s  ratio ${(linkSeconds / floorSeconds).toFixed(2)}x  ${(graph / n).toFixed(3)} Graph req/link  provider peak RSS ${linkRss.toFixed(0)} MB (floor ${floorRss.toFixed(0)} MB)`,
      );
    }
  } finally {
    await stack.dispose?.();
    fs.rmSync(floorRoot, { recursive: true, force: true });
  }
  return out;
}

(process.env["AEL_BENCH_CHILD"] === "1" ? child() : parent()).catch((err) => {
  console.error(err);
  process.exit(1);
});
