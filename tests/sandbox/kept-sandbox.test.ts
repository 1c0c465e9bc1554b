/**
 * `npm run sandbox -- --keep` as a user meets it: a kept sandbox starts on a free loopback address,
 * prints the lines to paste; a program written from examples/README.md alone (its three files, in
 * a temp folder outside the checkout, with the package installed from its tarball) previews against
 * it with exactly those lines pasted into a shell — once with the stack config block, once with the
 * environment block; `--stop` (and Ctrl-C) end it with nothing left: no process, no folder, no record.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { npmEnv, packCheckout, run } from "../package/pack";
import { REPO_ROOT } from "../support/pulumi";
import { SECTION } from "./instructions";

const MAIN = path.join(REPO_ROOT, "dist", "tests", "sandbox", "main.js");
const README = path.join(REPO_ROOT, "examples", "README.md");

let root: string;
let registry: string;
let program: string;

interface Kept {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  ip: string;
  workDir: string;
}

/** Starts `main.js --keep` and resolves once it has printed its lines (the "# Stop:" line). */
function startKept(): Promise<Kept> {
  const child = spawn(process.execPath, [MAIN, "--keep"], {
    env: { ...process.env, AD_ENTRA_LINK_SANDBOX_REGISTRY: registry },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready text within 180 s:\n${out}`)), 180_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the kept sandbox exited (${code}) before it was ready:\n${out}`));
    });
    const poll = setInterval(() => {
      if (!/^# Stop: .*$/m.test(out)) return;
      clearInterval(poll);
      clearTimeout(timer);
      const ip = /sandbox kept running on (127\.0\.0\.\d+)/.exec(out)?.[1];
      const workDir = /^files {5}(\S+)/m.exec(out)?.[1];
      if (!ip || !workDir) reject(new Error(`no address or folder in:\n${out}`));
      else resolve({ child, output: () => out, exited, ip, workDir });
    }, 100);
    void exited.then(() => clearInterval(poll));
  });
}

/** The command lines printed under a `# <title>` heading, up to the next blank line. */
function block(text: string, title: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`# ${title}`));
  assert.ok(start >= 0, `no '${title}' block in:\n${text}`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    if (!line.startsWith("#")) out.push(line);
  }
  assert.ok(out.length > 0, `'${title}' block is empty`);
  return out;
}

/** The files of "Your own program" in examples/README.md: a `**\`name\`**` line, then its code block. */
function readmeFiles(): Record<string, string> {
  const text = fs.readFileSync(README, "utf8");
  const section = text.slice(text.indexOf("## Your own program"));
  const files: Record<string, string> = {};
  for (const m of section.matchAll(/^\*\*`([^`]+)`\*\*\n+```\w*\n([\s\S]*?)^```$/gm)) files[m[1]!] = m[2]!;
  return files;
}

/** Processes holding files of `dir` open or naming it on their command line (this one excluded). */
function holdersOf(dir: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && p !== String(process.pid))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const holds =
        cmdline.includes(dir) ||
        fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(dir);
          } catch {
            return false;
          }
        });
      if (holds) out.push(`${pid}: ${cmdline.replace(/\0/g, " ").slice(0, 120)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Runs the pasted lines in a shell that has nothing else of the test run: no CA, no setting. */
function bash(script: string, cwd: string): { code: number | null; out: string } {
  const env = npmEnv({
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  });
  for (const key of Object.keys(env)) {
    if (
      /^(NODE_EXTRA_CA_CERTS|AEL_|AD_ENTRA_LINK_|AZURE_|PULUMI_(BACKEND_URL|CONFIG_PASSPHRASE|HOME))/.test(
        key,
      )
    ) {
      delete env[key];
    }
  }
  const r = spawnSync("bash", ["-e", "-c", script], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

async function assertGone(kept: Kept): Promise<void> {
  const code = await kept.exited;
  assert.equal(code, 0, kept.output());
  assert.equal(fs.existsSync(kept.workDir), false, "the sandbox's folder is removed");
  assert.deepEqual(holdersOf(kept.workDir), [], "no process of the sandbox is left");
  assert.equal(fs.existsSync(path.join(registry, `${kept.ip}.json`)), false, "its record is removed");
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-kept-"));
  registry = path.join(root, "registry");
  // The program from the README, in a folder outside the checkout, the package from its tarball.
  program = path.join(root, "links-sandbox");
  fs.mkdirSync(program);
  const files = readmeFiles();
  assert.deepEqual(Object.keys(files).sort(), ["Pulumi.yaml", "index.ts", "package.json"]);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(program, name), text);
  const { tarball } = packCheckout(path.join(root, "pack"));
  run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball],
    program,
  );
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

test("a kept sandbox serves a program written from the README, with the printed lines pasted; --stop ends it", async () => {
  const kept = await startKept();
  try {
    const text = kept.output();
    assert.match(kept.ip, /^127\.0\.0\.(\d+)$/);
    assert.match(text, new RegExp(`ldaps://${kept.ip.replace(/\./g, "\\.")}:636`));
    const shell = block(text, SECTION.shell);
    assert.ok(
      shell.some((l) => /^export NODE_EXTRA_CA_CERTS='[^']+\.pem'$/.test(l)),
      "the CA bundle is exported",
    );

    // Stack config: the `pulumi config set` lines, secrets with --secret.
    const config = block(text, SECTION.config);
    assert.ok(config.some((l) => l.startsWith("pulumi config set --secret ad-entra-link:clientSecret ")));
    const viaConfig = bash(
      [...shell, ...config, "pulumi preview --diff --non-interactive"].join("\n"),
      program,
    );
    assert.equal(viaConfig.code, 0, viaConfig.out);
    assert.match(viaConfig.out, /adam-anderson/);
    assert.match(viaConfig.out, /softMatchSmtp/);
    assert.match(viaConfig.out, /\+ 2 to create/);

    // Environment: the same program, a new stack without config, only `export` lines.
    const environment = block(text, SECTION.env);
    assert.ok(environment.some((l) => l.startsWith("export AZURE_CLIENT_SECRET=")));
    const viaEnv = bash(
      [
        ...shell,
        "pulumi stack rm --yes --force sandbox",
        ...environment,
        'test -z "$(pulumi config --json | grep ad-entra-link || true)"',
        "pulumi preview --diff --non-interactive",
      ].join("\n"),
      program,
    );
    assert.equal(viaEnv.code, 0, viaEnv.out);
    assert.match(viaEnv.out, /softMatchSmtp/);
    assert.match(viaEnv.out, /\+ 2 to create/);

    const stop = spawnSync(process.execPath, [MAIN, "--stop"], {
      env: { ...process.env, AD_ENTRA_LINK_SANDBOX_REGISTRY: registry },
      encoding: "utf8",
    });
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`stopped the sandbox on ${kept.ip.replace(/\./g, "\\.")}`));
    await assertGone(kept);
  } finally {
    kept.child.kill("SIGTERM");
  }
});

test("Ctrl-C ends a kept sandbox the same way", async () => {
  const kept = await startKept();
  try {
    assert.ok(
      fs.existsSync(path.join(registry, `${kept.ip}.json`)),
      "a running sandbox is recorded for --stop",
    );
    kept.child.kill("SIGINT");
    await assertGone(kept);
    const none = spawnSync(process.execPath, [MAIN, "--stop"], {
      env: { ...process.env, AD_ENTRA_LINK_SANDBOX_REGISTRY: registry },
      encoding: "utf8",
    });
    assert.equal(none.status, 0);
    assert.match(none.stdout, /no kept sandbox is running/);
  } finally {
    kept.child.kill("SIGTERM");
  }
});
