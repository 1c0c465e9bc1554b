/**
 * Test PKI: a throw-away CA and server certificates whose names match what clients connect to, so
 * that every test verifies TLS for real (no test switches verification off). Uses the openssl CLI.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface TestCa {
  certPath: string;
  keyPath: string;
  certPem: string;
}

export interface ServerCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates (or reuses, when already present in `dir`) a CA named `commonName`. */
export function ensureTestCa(dir: string, commonName: string): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, "ca.pem");
  const keyPath = path.join(dir, "ca-key.pem");
  if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) {
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "30",
        "-subj",
        `/CN=${commonName}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        keyPath,
        "-out",
        certPath,
      ],
      dir,
    );
  }
  return { certPath, keyPath, certPem: fs.readFileSync(certPath, "utf8") };
}

/** Issues a server certificate for the given DNS names and IP addresses, signed by `ca`. */
export function issueServerCert(
  ca: TestCa,
  dir: string,
  name: string,
  subjectAltNames: { dns?: string[]; ip?: string[] },
): ServerCert {
  fs.mkdirSync(dir, { recursive: true });
  const keyPath = path.join(dir, `${name}-key.pem`);
  const csrPath = path.join(dir, `${name}.csr`);
  const certPath = path.join(dir, `${name}.pem`);
  const extPath = path.join(dir, `${name}.ext`);
  const sans = [
    ...(subjectAltNames.dns ?? []).map((d) => `DNS:${d}`),
    ...(subjectAltNames.ip ?? []).map((i) => `IP:${i}`),
  ];
  const commonName = subjectAltNames.dns?.[0] ?? subjectAltNames.ip?.[0] ?? name;
  fs.writeFileSync(
    extPath,
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${sans.join(",")}`,
      "",
    ].join("\n"),
  );
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${commonName}`,
      "-keyout",
      keyPath,
      "-out",
      csrPath,
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csrPath,
      "-CA",
      ca.certPath,
      "-CAkey",
      ca.keyPath,
      "-CAcreateserial",
      "-days",
      "30",
      "-sha256",
      "-extfile",
      extPath,
      "-out",
      certPath,
    ],
    dir,
  );
  fs.chmodSync(keyPath, 0o600);
  return {
    certPath,
    keyPath,
    certPem: fs.readFileSync(certPath, "utf8"),
    keyPem: fs.readFileSync(keyPath, "utf8"),
  };
}
