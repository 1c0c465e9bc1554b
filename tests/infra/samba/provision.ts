/**
 * Provisions a fresh AD domain into a folder with `samba-tool domain provision` (~2.5 s, so no
 * template cache: a copied provision would need its host name, IP and absolute paths rewritten in
 * several databases, which is more fragile than it is worth).
 */
import { execFile } from "node:child_process";
import { AD_DOMAIN, AD_NETBIOS, AD_REALM } from "../../fixtures/seed-scenario";

export interface ProvisionOptions {
  root: string;
  ip: string;
  hostname: string;
  adminPassword: string;
  /** smb.conf options applied while provisioning (so nothing is written outside `root`). */
  options: Record<string, string>;
}

export function provisionDomain(p: ProvisionOptions): Promise<void> {
  const args = [
    "domain",
    "provision",
    "--server-role=dc",
    "--dns-backend=NONE",
    `--realm=${AD_REALM}`,
    `--domain=${AD_NETBIOS}`,
    `--adminpass=${p.adminPassword}`,
    `--host-name=${p.hostname}`,
    `--host-ip=${p.ip}`,
    `--targetdir=${p.root}`,
    "--quiet",
    ...Object.entries(p.options).map(([k, v]) => `--option=${k}=${v}`),
  ];
  return new Promise((resolve, reject) => {
    execFile("samba-tool", args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-20).join("\n");
      reject(new Error(`samba-tool domain provision (${AD_DOMAIN}) failed: ${error.message}\n${tail}`));
    });
  });
}
