/**
 * smb.conf handling. samba-tool provision writes a config that points at system folders (log file,
 * printers, panic action) and enables every AD service; we keep the [global] settings it derived
 * (realm, SIDs-related names, xattr fallbacks) and override everything that must stay inside the
 * work dir or that turns on services we do not need.
 */
import * as fs from "node:fs";
import * as path from "node:path";

type Section = { name: string; entries: Map<string, string> };

function parse(text: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = { name: header[1]!.toLowerCase(), entries: new Map() };
      sections.push(current);
      continue;
    }
    const eqAt = line.indexOf("=");
    if (!current || eqAt < 0) continue;
    current.entries.set(line.slice(0, eqAt).trim().toLowerCase(), line.slice(eqAt + 1).trim());
  }
  return sections;
}

function render(sections: Section[]): string {
  return sections
    .map((s) => [`[${s.name}]`, ...[...s.entries].map(([k, v]) => `\t${k} = ${v}`)].join("\n"))
    .join("\n\n")
    .concat("\n");
}

export interface DcPaths {
  root: string;
  configPath: string;
  privateDir: string;
  logPath: string;
  tls: { keyPath: string; certPath: string; caPath: string };
}

export function dcPaths(root: string): Omit<DcPaths, "tls"> {
  return {
    root,
    configPath: path.join(root, "etc", "smb.conf"),
    privateDir: path.join(root, "private"),
    logPath: path.join(root, "samba.log"),
  };
}

/** Settings that confine this Samba to `root` and to one address, with LDAP(S) as the only service. */
export function isolatedGlobals(paths: DcPaths, ip: string): Record<string, string> {
  const d = (name: string): string => path.join(paths.root, name);
  return {
    // Only the LDAP server task (LDAP, LDAPS, GC ports); no KDC, DNS, SMB, RPC, NBT, replication.
    "server services": "ldap",
    // A bare 127.0.0.x is not an interface address (lo carries 127.0.0.1/8), so name it with a
    // netmask: Samba then matches lo and binds exactly this address.
    interfaces: `${ip}/8`,
    "bind interfaces only": "yes",
    "private dir": paths.privateDir,
    "lock directory": d("lock"),
    "state directory": d("state"),
    "cache directory": d("cache"),
    "pid directory": d("run"),
    "ncalrpc dir": d("run/ncalrpc"),
    "winbindd socket directory": d("run/winbindd"),
    "ntp signd socket directory": d("run/ntp_signd"),
    "binddns dir": d("bind-dns"),
    "usershare path": d("usershares"),
    "log file": paths.logPath,
    logging: "file",
    "panic action": "",
    // Never hand passwords to the host's passwd program.
    "unix password sync": "no",
    "tls enabled": "yes",
    "tls keyfile": paths.tls.keyPath,
    "tls certfile": paths.tls.certPath,
    "tls cafile": paths.tls.caPath,
    // Hardened-AD defaults, spelled out so a changed Samba default cannot weaken the tests.
    "ldap server require strong auth": "yes",
  };
}

/** Rewrites the provisioned smb.conf in place: merged [global], only the AD shares kept. */
export function rewriteSmbConf(paths: DcPaths, ip: string): void {
  const sections = parse(fs.readFileSync(paths.configPath, "utf8"));
  const global = sections.find((s) => s.name === "global");
  if (!global) throw new Error(`${paths.configPath}: no [global] section`);
  for (const [k, v] of Object.entries(isolatedGlobals(paths, ip))) global.entries.set(k, v);
  const kept = sections.filter((s) => s.name === "global" || s.name === "sysvol" || s.name === "netlogon");
  fs.writeFileSync(paths.configPath, render(kept));
  for (const dir of ["lock", "state", "cache", "run", "run/ncalrpc", "usershares"]) {
    fs.mkdirSync(path.join(paths.root, dir), { recursive: true });
  }
}
