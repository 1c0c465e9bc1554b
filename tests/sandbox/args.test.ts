/**
 * The sandbox's command line and the lines it prints to paste (pure): flags and addresses are
 * validated with one clear message, and every printed value survives the shell unchanged, whatever
 * characters the password, DN or path contains.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { TestEnvFile } from "../support/test-env";
import { parseSandboxArgs, SandboxUsageError } from "./args";
import { pasteLines, shellQuote } from "./instructions";

test("flags: one mode at most, --ip only for a loopback address the DC can own", () => {
  assert.deepEqual(parseSandboxArgs([]), { mode: "run" });
  assert.deepEqual(parseSandboxArgs(["--keep"]), { mode: "keep" });
  assert.deepEqual(parseSandboxArgs(["--keep", "--ip", "127.0.0.30"]), { mode: "keep", ip: "127.0.0.30" });
  assert.deepEqual(parseSandboxArgs(["--ip=127.0.0.254", "--stop"]), { mode: "stop", ip: "127.0.0.254" });
  assert.deepEqual(parseSandboxArgs(["--sync"]), { mode: "sync" });
  assert.deepEqual(parseSandboxArgs(["--keep", "--help"]), { mode: "help" });
  for (const bad of ["127.0.0.1", "127.0.0.255", "127.0.1.5", "10.0.0.3", "127.0.0.03x", "localhost"]) {
    assert.throws(() => parseSandboxArgs(["--ip", bad]), SandboxUsageError, bad);
  }
  assert.throws(() => parseSandboxArgs(["--ip"]), /--ip needs an address/);
  assert.throws(() => parseSandboxArgs(["--keep", "--stop"]), /choose one of --keep, --stop/);
  assert.throws(() => parseSandboxArgs(["--kep"]), /unknown argument '--kep'/);
});

test("shellQuote: bash reads back exactly the value, quotes, dollars and newlines included", () => {
  const values = [
    "plain",
    "Samba-Adm1n!Test",
    "it's",
    `a"b`,
    "$HOME `id` $(id)",
    "two\nlines",
    "",
    "~x\\y;z",
  ];
  const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join("\n");
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), values);
});

test("paste lines: the CA bundle, the backend, every setting; secrets only with --secret", () => {
  const env: TestEnvFile = {
    samba: {
      ip: "127.0.0.40",
      url: "ldaps://127.0.0.40:636",
      baseDn: "DC=corp,DC=local",
      adminBindDn: "CN=Administrator,CN=Users,DC=corp,DC=local",
      adminPassword: "pa'ss$word",
      caCertPath: "/tmp/s b/samba/ca.pem",
    },
    emulator: { baseUrl: "https://127.0.0.1:4443", caCertPath: "/tmp/s b/emulator/ca.pem" },
    caBundlePath: "/tmp/s b/ca-bundle.pem",
  };
  const lines = pasteLines({
    ip: "127.0.0.40",
    env,
    workDir: "/tmp/s b",
    backendDir: "/tmp/s b/pulumi-state",
    stackName: "sandbox",
    pulumiBinDir: "/opt/pulumi/bin",
  });
  assert.deepEqual(lines.shell, [
    `export PATH='/opt/pulumi/bin':"$PATH"`,
    "export NODE_EXTRA_CA_CERTS='/tmp/s b/ca-bundle.pem'",
    "export PULUMI_BACKEND_URL='file:///tmp/s b/pulumi-state'",
    "export PULUMI_CONFIG_PASSPHRASE='ad-entra-link-sandbox'",
  ]);
  assert.equal(lines.config[0], "pulumi stack init sandbox");
  assert.ok(
    lines.config.includes("pulumi config set --secret ad-entra-link:ldapBindPassword 'pa'\\''ss$word'"),
  );
  assert.ok(lines.config.includes("pulumi config set ad-entra-link:ldapUrl 'ldaps://127.0.0.40:636'"));
  for (const key of ["ldapBindPassword", "clientSecret"]) {
    assert.ok(!lines.config.some((l) => l.startsWith(`pulumi config set ad-entra-link:${key} `)), key);
  }
  assert.ok(lines.env.includes("export AD_ENTRA_LINK_LDAP_BIND_PASSWORD='pa'\\''ss$word'"));
  assert.ok(lines.env.includes("export AZURE_AUTHORITY_HOST='https://127.0.0.1:4443'"));
  // The same settings both ways: one `config set` per environment variable.
  assert.equal(lines.config.length - 1, lines.env.length - 1);
});
