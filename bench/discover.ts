/**
 * Benchmark of `discover`. Prints figures and ratios; asserts nothing.
 *
 *   node dist/bench/discover.js            pure matcher at 1k/2k/5k/10k/20k users, then 10k through LDAPS + Graph
 *   AEL_BENCH_DISCOVER_IO_USERS=2000 ...   size of the directory run (0 skips it)
 *
 * 1. The pure in-memory join (provider/discover/match.ts) on synthetic directories of n AD users and
 *    about n cloud users (bench/discover-data.ts), each size in a fresh process: match time,
 *    throughput, rendering of the links file and both reports, peak RSS of the process
 *    (`resourceUsage().maxRSS`) and the heap high-water mark sampled after each phase (after a GC
 *    before the run). Ratios show how time and memory scale from 1k to 10k.
 * 2. The same discovery against a Samba DC and the Entra ID emulator loaded with n synthetic users
 *    each: paged LDAP search under the OU, paged Graph `$top=999` listing, roles, matching.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readSettings } from "../provider/config/settings";
import {
  proposeLinks,
  renderDiscoveredLinks,
  renderHtmlReport,
  renderMarkdownReport,
  runDiscovery,
} from "../provider/discover";
import { contosoTenantSeed } from "../tests/emulator/seeds";
import { AD_BASE_DN } from "../tests/fixtures/seed-scenario";
import { createOu, seedUsersInto } from "../tests/infra/samba";
import { linkStackConfig } from "../tests/support/link-config";
import { sharedDc } from "../tests/support/scenario";
import { getTestEnv, startTestInfrastructure } from "../tests/support/test-env";
import { asDiscoveryAd, asDiscoveryCloud, syntheticDirectories } from "./discover-data";

const PURE_SIZES = [1000, 2000, 5000, 10000, 20000];

interface PureFigures {
  n: number;
  adUsers: number;
  cloudUsers: number;
  proposals: number;
  conflicts: number;
  matchMs: number;
  renderMs: number;
  peakRssMb: number;
  heapHighWaterMb: number;
  heapBaselineMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function runChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", __filename, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bench child ${args.join(" ")} exited ${code}`)),
    );
  });
}

/** One size of the pure benchmark, in this (fresh) process. */
function pureChild(n: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Warm the JIT on a small directory first, so the figures are about the algorithm.
  const warm = syntheticDirectories(500, "w");
  proposeLinks(asDiscoveryAd(warm.ad), asDiscoveryCloud(warm.cloud));
  const data = syntheticDirectories(n, "b");
  const ad = asDiscoveryAd(data.ad);
  const cloud = asDiscoveryCloud(data.cloud);
  gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let highWater = baseline;
  const sample = () => {
    highWater = Math.max(highWater, process.memoryUsage().heapUsed);
  };
  const t0 = performance.now();
  const result = proposeLinks(ad, cloud);
  const matchMs = performance.now() - t0;
  sample();
  const run = {
    result,
    searchBases: ["OU=Bench,DC=corp,DC=local"],
    tenantId: "bench",
    startedAt: new Date().toISOString(),
    notes: [],
  };
  const t1 = performance.now();
  const yaml = renderDiscoveredLinks(run);
  sample();
  const md = renderMarkdownReport(run);
  sample();
  const html = renderHtmlReport(run);
  sample();
  const renderMs = performance.now() - t1;
  const figures: PureFigures = {
    n,
    adUsers: ad.length,
    cloudUsers: cloud.length,
    proposals: result.proposals.length,
    conflicts: result.conflicts.length,
    matchMs,
    renderMs,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapHighWaterMb: mb(highWater),
    heapBaselineMb: mb(baseline),
  };
  if (yaml.length + md.length + html.length === 0) throw new Error("nothing rendered");
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function pure(): Promise<void> {
  console.log("\nbench/discover: pure in-memory join (synthetic directories, one fresh process per size)");
  console.log(
    `${"n".padStart(6)} ${"AD".padStart(6)} ${"cloud".padStart(6)} ${"links".padStart(6)} ${"confl".padStart(5)} ` +
      `${"match ms".padStart(9)} ${"users/s".padStart(9)} ${"render ms".padStart(9)} ${"peak RSS MB".padStart(11)} ${"heap HWM MB".padStart(11)} ${"(base)".padStart(7)}`,
  );
  const rows: PureFigures[] = [];
  for (const n of PURE_SIZES) {
    const f = JSON.parse((await runChild(["pure", String(n)])).trim()) as PureFigures;
    rows.push(f);
    const perSecond = ((f.adUsers + f.cloudUsers) * 1000) / f.matchMs;
    console.log(
      `${String(n).padStart(6)} ${String(f.adUsers).padStart(6)} ${String(f.cloudUsers).padStart(6)} ${String(f.proposals).padStart(6)} ${String(f.conflicts).padStart(5)} ` +
        `${f.matchMs.toFixed(0).padStart(9)} ${perSecond.toFixed(0).padStart(9)} ${f.renderMs.toFixed(0).padStart(9)} ${f.peakRssMb.toFixed(1).padStart(11)} ${f.heapHighWaterMb.toFixed(1).padStart(11)} ${f.heapBaselineMb.toFixed(1).padStart(7)}`,
    );
  }
  const k1 = rows.find((r) => r.n === 1000)!;
  const k10 = rows.find((r) => r.n === 10000)!;
  console.log(
    `ratios 10k / 1k: match time ${(k10.matchMs / k1.matchMs).toFixed(1)}x (linear = 10x), ` +
      `render time ${(k10.renderMs / k1.renderMs).toFixed(1)}x, ` +
      `heap growth during the run ${((k10.heapHighWaterMb - k10.heapBaselineMb) / Math.max(0.1, k1.heapHighWaterMb - k1.heapBaselineMb)).toFixed(1)}x, ` +
      `peak RSS ${(k10.peakRssMb / k1.peakRssMb).toFixed(1)}x`,
  );
}

/** The directory run: parent starts DC + emulator, the child loads them and discovers. */
async function io(n: number): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bench-discover-"));
  const infra = await startTestInfrastructure({ ip: "127.0.0.12", workDir });
  const envFile = path.join(workDir, "env.json");
  fs.writeFileSync(envFile, JSON.stringify(infra.env));
  try {
    const out = await runChild(["io", String(n)], {
      AEL_TEST_ENV: envFile,
      NODE_EXTRA_CA_CERTS: infra.env.caBundlePath,
    });
    process.stdout.write(out);
  } finally {
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function ioChild(n: number): Promise<void> {
  const env = await getTestEnv();
  const data = syntheticDirectories(n, "io");
  const tenantId = crypto.randomUUID();
  const seed = contosoTenantSeed({ tenantId });
  seed.users = data.cloud;
  const t0 = performance.now();
  await env.control.createTenant(seed);
  const tTenant = performance.now() - t0;
  const dc = sharedDc(env);
  const ou = await createOu(dc, `OU=Bench,${AD_BASE_DN}`);
  const t1 = performance.now();
  await seedUsersInto(dc, ou, data.ad, { concurrency: 16 });
  const tSeed = performance.now() - t1;
  const { config, secrets } = linkStackConfig(env, { tenantId, baseDn: ou });
  const all: Record<string, string> = { ...config, ...secrets };
  const settings = readSettings((k) => all[k], {});
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const run = await runDiscovery(settings, { searchBases: [ou] });
  const r = run.result;
  const t = run.timingsMs;
  const users = r.stats.adUsers + r.stats.cloudUsers;
  console.log(
    `\nbench/discover: ${n} synthetic people through the directories (Samba DC over LDAPS, emulator over HTTPS)`,
  );
  console.log(
    `loading: emulator tenant with ${data.cloud.length} cloud users ${tTenant.toFixed(0)} ms; ${data.ad.length} AD users added over LDAPS ${(tSeed / 1000).toFixed(1)} s`,
  );
  console.log(
    `read AD (paged LDAP, 500/page)          ${String(t.readAd).padStart(7)} ms  ${((r.stats.adUsers * 1000) / t.readAd).toFixed(0).padStart(7)} users/s`,
  );
  console.log(
    `read cloud (Graph $top=999, $select)    ${String(t.readCloud).padStart(7)} ms  ${((r.stats.cloudUsers * 1000) / t.readCloud).toFixed(0).padStart(7)} users/s`,
  );
  console.log(`match in memory                          ${String(t.match).padStart(7)} ms`);
  console.log(
    `total (reads run concurrently)           ${String(t.total).padStart(7)} ms  ${((users * 1000) / t.total).toFixed(0).padStart(7)} users/s`,
  );
  console.log(
    `result: ${r.stats.adUsers} AD, ${r.stats.cloudUsers} cloud; ${r.proposals.length} links, ${r.conflicts.length} conflicts, ` +
      `${r.unmatchedAd.length}/${r.unmatchedCloud.length} unmatched AD/cloud`,
  );
  console.log(
    `memory: RSS ${mb(rssBefore)} MB before the run, peak RSS of the process ${mb(process.resourceUsage().maxRSS * 1024)} MB (includes loading), heap after ${mb(process.memoryUsage().heapUsed)} MB`,
  );
}

async function main(): Promise<void> {
  const [mode, size] = process.argv.slice(2);
  if (mode === "pure") return pureChild(Number(size));
  if (mode === "io") return ioChild(Number(size));
  await pure();
  const n = Number(process.env["AEL_BENCH_DISCOVER_IO_USERS"] ?? "10000");
  if (n > 0) await io(n);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
