/**
 * `npm pack` of this checkout, the way a release would run it, without touching the checkout:
 * the working tree's files (tracked and untracked, minus what .gitignore excludes, so no dist/)
 * are copied to a temp folder whose node_modules points at the repository's (for tsc), and
 * `npm pack` runs there, with its `prepack` build. Other tests loading dist/ meanwhile are not
 * disturbed by a rebuild under their feet.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/pulumi";

/** The environment for a nested npm: none of the npm_* variables of an enclosing `npm test`. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== "NODE_PATH" && k !== "INIT_CWD") env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command, throwing with its whole output when it fails. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

export interface PackResult {
  tarball: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
  /** The package.json inside the tarball. */
  manifest: Record<string, unknown>;
}

/** Copies the working tree (as git sees it) to `stage`. */
export function copyWorkingTree(stage: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\0")
    .filter((f) => f !== "");
  for (const file of listed) {
    const from = path.join(REPO_ROOT, file);
    if (!fs.existsSync(from) || !fs.statSync(from).isFile()) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    fs.copyFileSync(from, path.join(stage, file));
  }
}

/** Packs the checkout into `outDir` (staging in `<outDir>/stage`). */
export function packCheckout(outDir: string): PackResult {
  const stage = path.join(outDir, "stage");
  copyWorkingTree(stage);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
  const out = run("npm", ["pack", "--json", "--pack-destination", outDir], stage);
  const info = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0]!;
  const tarball = path.join(outDir, info.filename);
  const manifest = JSON.parse(
    run("tar", ["-xOzf", tarball, "package/package.json"], outDir, process.env),
  ) as Record<string, unknown>;
  return { tarball, files: info.files.map((f) => f.path).sort(), manifest };
}

/** Exact versions from the repository's package-lock.json (what `npm ci` installed here). */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}
