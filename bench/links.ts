/**
 * Benchmark: planning and applying many links in one provider process, against a real Samba DC
 * and the Entra ID emulator. Prints figures and ratios; asserts nothing.
 *
 *   node dist/bench/links.js
 *
 * Measures the 47 marketing users of the seed story:
 *   - check (plan + safety + prediction) of all links with the shared session (one LDAPS
 *     connection, one Graph client) vs. a fresh session per link (what a provider that connects in
 *     every method would do);
 *   - create (AD modify + reads) of all links;
 *   - a second check of the converged links (the cost of a clean preview).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as runtime from "../provider/runtime";
import { linkStackConfig } from "../tests/support/link-config";
import { isolatedScenario } from "../tests/support/scenario";
import { getTestEnv, startTestInfrastructure } from "../tests/support/test-env";

async function parent(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-bench-links-"));
  const infra = await startTestInfrastructure({ ip: "127.0.0.6", workDir });
  const envFile = path.join(workDir, "env.json");
  fs.writeFileSync(envFile, JSON.stringify(infra.env));
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [__filename], {
        stdio: "inherit",
        env: {
          ...process.env,
          AEL_BENCH_CHILD: "1",
          AEL_TEST_ENV: envFile,
          NODE_EXTRA_CA_CERTS: infra.env.caBundlePath,
        },
      });
      child.on("exit", (c) => resolve(c ?? 1));
    });
    process.exitCode = code;
  } finally {
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

async function child(): Promise<void> {
  const env = await getTestEnv();
  const s = await isolatedScenario(env, "benchln", [], { includeMarketing: true });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  const all: Record<string, string> = { ...config, ...secrets };
  const lookup = (k: string) => all[k];
  const keys = Object.keys(s.users).sort();
  const decl = (key: string) => ({
    linkName: `link-${key}`,
    onPremises: { samAccountName: s.users[key]!.seed.sAMAccountName },
    cloud: { userPrincipalName: s.cloudUpn(key) },
    match: "soft",
    sourceAnchor: "auto",
    writeConsistencyGuid: false,
    onDelete: "retain",
    allowPrivilegedCloudUser: false,
  });

  // Fresh session per link: connect, bind and authenticate for every link, one after the other.
  const perLink = await timed(async () => {
    for (const key of keys) {
      await runtime.shutdown();
      runtime.configure(lookup);
      const r = await runtime.check({}, decl(key));
      if (r.failures.length > 0) throw new Error(JSON.stringify(r.failures));
    }
  });
  await runtime.shutdown();
  runtime.configure(lookup);

  const shared = await timed(() => Promise.all(keys.map((k) => runtime.check({}, decl(k)))));
  const connections = runtime.sessionStats()?.ldapConnections;
  const created = await timed(() => Promise.all(shared.value.map((r) => runtime.create(r.inputs as never))));
  const clean = await timed(() => Promise.all(keys.map((k) => runtime.check({}, decl(k)))));
  const unchanged = clean.value.filter((r) => ((r.inputs["plan"] as string[]) ?? []).length === 0).length;
  await runtime.shutdown();

  const n = keys.length;
  const row = (label: string, ms: number) =>
    console.log(
      `${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / n).toFixed(1).padStart(7)} ms/link  ${((n * 1000) / ms).toFixed(1).padStart(7)} links/s`,
    );
  console.log(
    `\nbench/links: ${n} links (the marketing OU), Samba DC over LDAPS + Entra ID emulator over HTTPS`,
  );
  row("check, fresh session per link (sequential)", perLink.ms);
  row("check, one shared session (concurrent)", shared.ms);
  row("create (AD modify + re-read), shared session", created.ms);
  row("check of converged links (a clean preview)", clean.ms);
  console.log(`LDAPS connections opened by the shared session: ${connections} for ${n} links`);
  console.log(`converged links planning no change: ${unchanged}/${n}`);
  console.log(`ratio fresh-per-link / shared: ${(perLink.ms / shared.ms).toFixed(1)}x`);
}

(process.env["AEL_BENCH_CHILD"] === "1" ? child() : parent()).catch((err) => {
  console.error(err);
  process.exit(1);
});
