/**
 * tools/prereqs.sh, run before `npm run sandbox` and `npm test`, on a simulated fresh machine: a
 * PATH with only the basic tools (no samba, samba-tool, openssl) and fake apt-get/apt-cache that
 * record what they are asked and "install" the commands. As root with apt it installs exactly the
 * Debian packages this release has, with no system service started; as another user, or on
 * another OS, it installs nothing and stops with one message naming everything to install.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../support/pulumi";

const SCRIPT = path.join(REPO_ROOT, "tools", "prereqs.sh");
const BASICS = [
  "bash",
  "sh",
  "cat",
  "sha256sum",
  "cut",
  "awk",
  "sort",
  "head",
  "sed",
  "uname",
  "id",
  "dirname",
  "chmod",
  "rm",
  "printf",
];

let root: string;

/** A bin folder with the basic tools, node, Go and fakes; returns its path and the apt log. */
function fakeMachine(
  name: string,
  options: { uname?: string } = {},
): { bin: string; aptLog: string; policy: string } {
  const dir = path.join(root, name);
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of BASICS) {
    if (tool === "uname" && options.uname) continue;
    const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  if (fs.existsSync("/usr/local/go/bin/go")) fs.symlinkSync("/usr/local/go/bin/go", path.join(bin, "go"));
  const aptLog = path.join(dir, "apt.log");
  const policy = path.join(dir, "policy-rc.d");
  // "wx": a fake is always a new file, never written through a symlink to a real tool.
  const script = (file: string, body: string) => {
    fs.writeFileSync(path.join(bin, file), `#!/bin/bash\n${body}\n`, { mode: 0o755, flag: "wx" });
  };
  // apt-get: logs its arguments and whether a policy-rc.d forbade service starts at install time.
  script(
    "apt-get",
    [
      `echo "apt-get $*" >> '${aptLog}'`,
      `if [ "$1" = install ]; then`,
      `  [ -x '${policy}' ] && { '${policy}' smbd start; echo "policy-rc.d exit $?" >> '${aptLog}'; }`,
      `  for c in samba samba-tool openssl; do rm -f '${bin}'/$c; printf '#!/bin/sh\\nexit 0\\n' > '${bin}'/$c; chmod +x '${bin}'/$c; done`,
      "fi",
    ].join("\n"),
  );
  // apt-cache: this "release" has no samba-ad-provision package (as on Ubuntu 22.04).
  script("apt-cache", `echo "apt-cache $*" >> '${aptLog}'; [ "$2" != samba-ad-provision ]`);
  if (options.uname) script("uname", `echo ${options.uname}`);
  return { bin, aptLog, policy };
}

function run(bin: string, what: string, extraEnv: Record<string, string> = {}, asNobody = false) {
  const env = { PATH: bin, HOME: path.join(root, "home"), ...extraEnv };
  const argv = asNobody
    ? ["/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", SCRIPT, what]]
    : ["bash", [SCRIPT, what]];
  const r = spawnSync(argv[0] as string, argv[1] as string[], { env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-prereqs-"));
  fs.chmodSync(root, 0o755);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

test("as root with apt: installs the packages the release has, starts no service, then passes", () => {
  assert.equal(process.getuid?.(), 0, "this test simulates a root install; the test suite runs as root");
  const m = fakeMachine("root-apt");
  const r = run(m.bin, "sandbox", { AD_ENTRA_LINK_POLICY_RC_D: m.policy });
  assert.equal(r.code, 0, r.stderr);
  const log = fs.readFileSync(m.aptLog, "utf8").trim().split("\n");
  assert.ok(log.includes("apt-get update -qq"), log.join("\n"));
  assert.ok(
    log.includes(
      "apt-get install -y -qq --no-install-recommends samba samba-ad-dc ldb-tools ldap-utils winbind openssl ca-certificates",
    ),
    log.join("\n"),
  );
  assert.ok(log.includes("policy-rc.d exit 101"), "no service may start while the packages install");
  assert.equal(fs.existsSync(m.policy), false, "the temporary policy-rc.d is removed again");
  assert.match(r.stderr, /prereqs: samba samba-tool openssl not found; installing/);
});

test("as root with apt and everything present: installs nothing and says nothing", () => {
  const m = fakeMachine("root-ready");
  for (const c of ["samba", "samba-tool", "openssl"]) {
    fs.writeFileSync(path.join(m.bin, c), "#!/bin/sh\nexit 0\n", { mode: 0o755, flag: "wx" });
  }
  const r = run(m.bin, "test", { AD_ENTRA_LINK_POLICY_RC_D: m.policy });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(fs.existsSync(m.aptLog), false, "apt-get was not called");
});

test("not root: installs nothing and names everything to install in one message", () => {
  const m = fakeMachine("user");
  const r = run(m.bin, "sandbox", {}, true);
  assert.equal(r.code, 1);
  assert.equal(fs.existsSync(m.aptLog), false, "apt-get was not called");
  const messages = r.stderr.match(/cannot start/g) ?? [];
  assert.equal(messages.length, 1, r.stderr);
  assert.match(r.stderr, /^npm run sandbox cannot start; on this machine it still needs:$/m);
  assert.match(r.stderr, /- root: a Samba AD DC only runs as root \(run: sudo npm run sandbox\)/);
  assert.match(
    r.stderr,
    /- the commands samba samba-tool openssl: on Debian\/Ubuntu, apt-get install samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils winbind openssl ca-certificates/,
  );
});

test("on another OS: one message saying what Windows and macOS users do", () => {
  const m = fakeMachine("darwin", { uname: "Darwin" });
  const r = run(m.bin, "test");
  assert.equal(r.code, 1);
  assert.equal(fs.existsSync(m.aptLog), false);
  assert.match(r.stderr, /npm test needs Linux/);
  assert.match(r.stderr, /This machine runs Darwin/);
  assert.match(r.stderr, /Windows: use WSL 2 with Ubuntu/);
  assert.match(r.stderr, /macOS: use a Debian\/Ubuntu virtual machine, or a container/);
  assert.match(r.stderr, /npm run test:unit/);
});
