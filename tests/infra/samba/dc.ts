/**
 * startSambaDc: a real AD domain controller (Samba) serving LDAPS on its own loopback address,
 * provisioned from scratch into a temp folder, with a certificate issued by a test CA.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Attribute, Change } from "ldapts";
import { AD_BASE_DN, AD_DOMAIN, AD_REALM } from "../../fixtures/seed-scenario";
import { ensureTestCa, issueServerCert } from "../certs";
import { bindClient } from "./ldap";
import { provisionDomain } from "./provision";
import { type SambaProcess, spawnSamba, tailFile } from "./samba-process";
import { type DcPaths, dcPaths, isolatedGlobals, rewriteSmbConf } from "./smb-conf";
import type { SambaDc, SambaDcOptions } from "./types";

export const DEFAULT_ADMIN_PASSWORD = "Samba-Adm1n!Test";
const LOOPBACK_RE = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function checkLoopback(ip: string): void {
  const m = LOOPBACK_RE.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`startSambaDc: ip must be a 127.x.y.z loopback address, got ${JSON.stringify(ip)}`);
  }
}

/**
 * Fails fast when another server (say a sandbox DC) already holds the address: otherwise the
 * readiness probe could succeed against that server while ours dies on "address in use".
 */
async function assertPortsFree(ip: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(new Error(`startSambaDc: ${ip}:${port} is not free (${error.code}); pick another ip`)),
      );
      server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls an LDAPS bind until it succeeds, samba dies, or the deadline passes. */
async function waitForLdaps(
  proc: SambaProcess,
  o: { url: string; caPem: string; bindDn: string; password: string; logPath: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(
        `samba exited during startup (exit code ${proc.child.exitCode})\n${tailFile(o.logPath)}`,
      );
    }
    try {
      const client = await bindClient({ ...o, connectTimeoutMs: 1_000, timeoutMs: 5_000 });
      await client.unbind();
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `LDAPS on ${o.url} did not answer a bind within ${o.timeoutMs} ms (${reason})\n${tailFile(o.logPath)}`,
  );
}

/** Test accounts may get simple passwords that never expire (domain policy, set over LDAPS). */
async function relaxPasswordPolicy(dc: Pick<SambaDc, "url" | "caCertPem" | "adminBindDn" | "adminPassword">) {
  const client = await bindClient({
    url: dc.url,
    caPem: dc.caCertPem,
    bindDn: dc.adminBindDn,
    password: dc.adminPassword,
  });
  try {
    const replace = (type: string, value: string): Change =>
      new Change({ operation: "replace", modification: new Attribute({ type, values: [value] }) });
    await client.modify(AD_BASE_DN, [
      replace("pwdProperties", "0"), // complexity off
      replace("maxPwdAge", "-9223372036854775808"), // never expires
      replace("minPwdAge", "0"),
    ]);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function startSambaDc(options: SambaDcOptions = {}): Promise<SambaDc> {
  const ip = options.ip ?? "127.0.0.2";
  checkLoopback(ip);
  await assertPortsFree(ip, [389, 636, 3268, 3269]);
  const shortName = (options.hostname ?? "dc1").toLowerCase();
  const hostname = `${shortName}.${AD_DOMAIN}`;
  const adminPassword = options.adminPassword ?? DEFAULT_ADMIN_PASSWORD;
  const keep = options.keepWorkDir ?? process.env["AD_ENTRA_LINK_KEEP_SAMBA"] === "1";
  const root = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "ad-entra-link-samba-"));
  fs.mkdirSync(root, { recursive: true });
  if (fs.readdirSync(root).length > 0) throw new Error(`startSambaDc: workDir ${root} is not empty`);
  const timings: Record<string, number> = {};
  const t0 = Date.now();

  const tlsDir = path.join(root, "tls");
  const base = dcPaths(root);
  let proc: SambaProcess | undefined;
  let provisioned: Promise<void> | undefined;
  const cleanup = (): void => {
    proc?.killNow();
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  };
  process.on("exit", cleanup);

  try {
    // Provisioning runs in a child process; issue the certificates (synchronous openssl) meanwhile.
    provisioned = provisionDomain({
      root,
      ip,
      hostname: shortName,
      adminPassword,
      options: Object.fromEntries(
        Object.entries(
          isolatedGlobals({ ...base, tls: { keyPath: "", certPath: "", caPath: "" } }, ip),
        ).filter(([k]) => !k.startsWith("tls ")),
      ),
    });
    const ca = ensureTestCa(options.caDir ?? path.join(tlsDir, "ca"), `ad-entra-link test CA (${hostname})`);
    const cert = issueServerCert(ca, tlsDir, "dc", { dns: [hostname, shortName], ip: [ip] });
    timings["certsMs"] = Date.now() - t0;
    await provisioned;
    timings["provisionMs"] = Date.now() - t0;

    const paths: DcPaths = {
      ...base,
      tls: { keyPath: cert.keyPath, certPath: cert.certPath, caPath: ca.certPath },
    };
    rewriteSmbConf(paths, ip);

    const maxRuntimeSeconds = options.maxRuntimeSeconds ?? 4 * 3600;
    proc = spawnSamba({
      configPath: paths.configPath,
      logPath: paths.logPath,
      debugLevel: options.debugLevel ?? 1,
      maxRuntimeSeconds,
    });
    const dc: SambaDc = {
      ip,
      hostname,
      url: `ldaps://${ip}:636`,
      plainUrl: `ldap://${ip}:389`,
      baseDn: AD_BASE_DN,
      realm: AD_REALM,
      adminBindDn: `CN=Administrator,CN=Users,${AD_BASE_DN}`,
      adminPassword,
      caCertPath: ca.certPath,
      caCertPem: ca.certPem,
      workDir: root,
      configPath: paths.configPath,
      samLdbPath: path.join(paths.privateDir, "sam.ldb"),
      logPath: paths.logPath,
      pid: proc.pid,
      timings,
      stop: async () => {
        process.removeListener("exit", cleanup);
        await proc?.stop();
        if (!keep) fs.rmSync(root, { recursive: true, force: true });
      },
    };
    await waitForLdaps(proc, {
      url: dc.url,
      caPem: dc.caCertPem,
      bindDn: dc.adminBindDn,
      password: adminPassword,
      logPath: paths.logPath,
      timeoutMs: options.startTimeoutMs ?? 60_000,
    });
    timings["ldapsReadyMs"] = Date.now() - t0;
    await relaxPasswordPolicy(dc);
    timings["totalMs"] = Date.now() - t0;
    return dc;
  } catch (error) {
    process.removeListener("exit", cleanup);
    // Let samba-tool finish before its folder is removed (cert issuance may have thrown first).
    await provisioned?.catch(() => undefined);
    await proc?.stop(1_000);
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
