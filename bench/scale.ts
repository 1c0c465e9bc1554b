/**
 * Benchmark: many links in one stack (issue 15), against a real Samba DC and the Entra ID emulator.
 * Prints figures; asserts nothing.
 *
 *   npm run bench -- scale                          N = 100: in-process + CLI (see scale-cli.ts)
 *   node dist/bench/scale.js --n 1000               N = 1,000
 *   node dist/bench/scale.js --n 1000 --no-up       previews only
 *   node dist/bench/scale.js --n 10000 --in-process-only
 *   node dist/bench/scale.js --n 1000 --throttle 0   `up` without injected 429s (default: every 5th)
 *   node dist/bench/scale.js --n 1000 --hold f.json  set up, write folders/env to f.json, wait
 *   AEL_BENCH_IP=127.0.0.x                          the DC address (default 127.0.0.6)
 *
 * Seeds N users on both sides (AD copies in an OU of their own, cloud users with a mailbox), then:
 *   - in-process: the runtime's check of every link, one at a time as the Pulumi engine calls it,
 *     with bulkRead off (skipped above 1,000) and on: seconds, Graph requests per link (emulator
 *     request log, $batch items counted one by one), LDAP searches per link (counted by the
 *     provider), peak RSS of this process; every link names a stack owner, so ownership records
 *     are read as the CLI reads them;
 *   - through the real CLI (unless --in-process-only), against the "engine floor" (N trivial
 *     dynamic resources whose check/diff/create return at once): previews of new links with the
 *     program run by ts-node and precompiled, `up` with 20% of Graph requests throttled, the
 *     checkpoint size per link, and previews with no changes (bench/scale-cli.ts).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as runtime from "../provider/runtime";
import type { SeedAdUser } from "../tests/fixtures/seed-scenario";
import { seedUsersInto } from "../tests/infra/samba";
import { configLookup } from "../tests/safety/support/in-process";
import { safetyScenario } from "../tests/safety/support/scenario";
import { cliRuns, graphRequests } from "./scale-cli";
import { getTestEnv, startTestInfrastructure, type TestEnv } from "../tests/support/test-env";

interface Options {
  n: number;
  inProcessOnly: boolean;
  /** Previews only (no throttled `up`, no checkpoint size, no no-change previews). */
  noUp: boolean;
  /** Set up, write the programs' folders and environments to this file, and wait for Ctrl-C. */
  hold: string | undefined;
  /** `up` answers 429 to every Nth Graph request (0: no throttling). */
  throttleEvery: number;
}

function options(argv: string[]): Options {
  const at = argv.indexOf("--n");
  const n = at >= 0 ? Number(argv[at + 1]) : 100;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error("--n must be an integer 1..100000");
  const holdAt = argv.indexOf("--hold");
  const hold = holdAt >= 0 ? argv[holdAt + 1] : undefined;
  const throttleAt = argv.indexOf("--throttle");
  const throttleEvery = throttleAt >= 0 ? Number(argv[throttleAt + 1]) : 5;
  if (!Number.isInteger(throttleEvery) || throttleEvery < 0)
    throw new Error("--throttle must be an integer >= 0");
  return {
    n,
    inProcessOnly: argv.includes("--in-process-only"),
    noUp: argv.includes("--no-up"),
    hold,
    throttleEvery,
  };
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
      // destroy puts AD back, so the CLI part can run a second `up` from the same start (throttled).
      onDelete: "restore",
    },
  }));

  const rows: string[] = [];
  const row = (label: string, cells: string) => {
    rows.push(`${label.padEnd(46)} ${cells}`);
    console.log(rows[rows.length - 1]);
  };
  for (const mode of ["off", "on"] as const) {
    if ((mode === "off" && o.n > 1000) || o.hold !== undefined) continue;
    const r = await inProcess(env, s, links, mode);
    row(
      `in-process check, bulkRead ${mode}`,
      `${r.seconds.toFixed(1).padStart(7)} s  ${(r.graph / o.n).toFixed(3)} Graph req/link  ${(r.ldap / o.n).toFixed(3)} LDAP searches/link  peak RSS ${r.rssMb.toFixed(0)} MB  (${r.failed} refused)`,
    );
  }

  if (o.n <= 1000 && o.hold === undefined) {
    const u = await inProcessUp(env, s, links);
    row(
      "in-process up (check, then create x8), bulkRead on",
      `${u.seconds.toFixed(1).padStart(7)} s  create: ${(u.graphReads / o.n).toFixed(3)} Graph reads + ${(u.graphWrites / o.n).toFixed(3)} writes/link  ${(u.searches / o.n).toFixed(3)} LDAP searches + ${(u.modifies / o.n).toFixed(3)} modifies/link  (${u.failed} failed; destroy with restore ${u.restoreSeconds.toFixed(1)} s)`,
    );
  }

  if (!o.inProcessOnly) {
    const cli = await cliRuns(env, s, links, tag, {
      up: !o.noUp,
      hold: o.hold,
      throttleEvery: o.throttleEvery,
    });
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
      const r = await runtime.check({}, { ...l.args, linkName: l.name, stackOwner: `bench/scale/${mode}` });
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

/**
 * `up` as the engine drives the provider: every link checked, then created with 8 in flight (the
 * CLI's default parallelism here). Counts what the creates alone send: Graph reads and writes
 * ($batch items one by one), LDAP searches and modifies. Then every link is deleted with
 * onDelete: restore, so the CLI part starts from the same directories.
 */
async function inProcessUp(
  env: TestEnv,
  s: { tenantId: string; ou: string },
  links: { name: string; args: Record<string, unknown> }[],
): Promise<{
  seconds: number;
  graphReads: number;
  graphWrites: number;
  searches: number;
  modifies: number;
  failed: number;
  restoreSeconds: number;
}> {
  await runtime.shutdown();
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": "on" }),
  );
  const t0 = Date.now();
  const inputs: Record<string, unknown>[] = [];
  for (const l of links) {
    const r = await runtime.check({}, { ...l.args, link: `bench/scale/in-process/${l.name}` });
    if (r.failures.length === 0) inputs.push(r.inputs);
  }
  await env.control.clearRequests(s.tenantId);
  const ops = runtime.getSession().ad.operations;
  const before = { ...ops };
  const created: { id: string; outs: unknown }[] = [];
  let failed = links.length - inputs.length;
  await pool(inputs, 8, async (i) => {
    try {
      created.push(await runtime.create(i as never));
    } catch {
      failed++;
    }
  });
  const seconds = (Date.now() - t0) / 1000;
  const counted = (await env.control.requests({ tenant: s.tenantId })).filter(
    (r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")),
  );
  const graphReads = counted.filter((r) => r.method === "GET").length;
  const result = {
    seconds,
    graphReads,
    graphWrites: counted.length - graphReads,
    searches: ops.searches - before.searches,
    modifies: ops.modifies - before.modifies,
    failed,
  };
  const r0 = Date.now();
  await pool(created, 8, (c) => runtime.remove(c.id, c.outs as never));
  await runtime.shutdown();
  return { ...result, restoreSeconds: (Date.now() - r0) / 1000 };
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

(process.env["AEL_BENCH_CHILD"] === "1" ? child() : parent()).catch((err) => {
  console.error(err);
  process.exit(1);
});
