/**
 * The package as a user gets it: `npm pack` of the checkout, then a brand-new Pulumi project in a
 * temp folder outside the repository (its own package.json depending on the tarball and on
 * @pulumi/pulumi, `npm install`ed, no symlink into the repository), type-checked against the
 * package's `types`/`exports`, and `pulumi preview` + `pulumi up` there against the test DC and
 * the emulator. The dynamic provider process (working directory: the project) must find
 * `ad-entra-link/runtime` in the project's own node_modules. Installing from a git URL builds the
 * package in npm's clone (the `prepare` script), so that works too.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { readUser } from "../infra/samba";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { copyWorkingTree, lockedVersion, type PackResult, packCheckout, run } from "./pack";

let root: string;
let project: string;
let pack: PackResult;
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { UserLink, type UserLinkArgs } from "ad-entra-link";
import type * as runtime from "ad-entra-link/runtime";

const config = new pulumi.Config();
const links: Record<string, UserLinkArgs> = {
  adam: {
    onPremises: { samAccountName: config.require("adamSamAccountName") },
    cloud: { userPrincipalName: config.require("adamCloudUpn") },
    match: "soft",
  },
  alva: {
    onPremises: { samAccountName: config.require("alvaSamAccountName") },
    cloud: { userPrincipalName: config.require("alvaCloudUpn") },
  },
};
// A type from the second entry point, so that its declarations are checked too.
export const runtimeEntryPoints: (keyof typeof runtime)[] = ["configure", "check", "diff"];
const created = Object.entries(links).map(([name, args]) => new UserLink(name, args));
export const predictedJoin = created.map((l) => l.predictedJoin.apply((p) => p.outcome));
export const joinAtPreview = created.map((l) => l.join);
export const syncState = created.map((l) => l.syncState);
`;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-pack-"));
  assert.ok(!root.startsWith(REPO_ROOT), "the project must live outside the repository");
  pack = packCheckout(root);

  project = path.join(root, "project");
  fs.mkdirSync(project);
  const files: Record<string, string> = {
    "Pulumi.yaml":
      "name: pack-install\nruntime: nodejs\ndescription: ad-entra-link installed from its tarball\n",
    "package.json": JSON.stringify(
      {
        name: "pack-install",
        private: true,
        main: "index.ts",
        dependencies: {
          "@pulumi/pulumi": lockedVersion("@pulumi/pulumi"),
          "ad-entra-link": `file:${pack.tarball}`,
        },
        devDependencies: {
          "@types/node": lockedVersion("@types/node"),
          "ts-node": lockedVersion("ts-node"),
          typescript: lockedVersion("typescript"),
        },
      },
      null,
      2,
    ),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "commonjs",
        moduleResolution: "node10",
        types: ["node"],
        noEmit: true,
      },
      files: ["index.ts"],
    }),
    "index.ts": PROGRAM,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(project, name), text);
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project);

  env = await getTestEnv();
  s = await isolatedScenario(env, "pack", ["adam", "alva"]);
  sandbox = await pulumiSandbox(path.join(root, "pulumi"), { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  stack = await openStack(sandbox, {
    workDir: project,
    stackName: "pack",
    config: {
      ...config,
      "pack-install:adamSamAccountName": s.users["adam"]!.seed.sAMAccountName,
      "pack-install:adamCloudUpn": s.cloudUpn("adam"),
      "pack-install:alvaSamAccountName": s.users["alva"]!.seed.sAMAccountName,
      "pack-install:alvaCloudUpn": s.cloudUpn("alva"),
    },
    secrets,
  });
});

after(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack("pack", { force: true }).catch(() => undefined);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test("the tarball holds the built provider, its types and the documents, nothing else", () => {
  const required = [
    "package.json",
    "README.md",
    "TROUBLESHOOTING.md",
    "CHANGELOG.md",
    "design-decisions.md",
    "docs/matching-model.md",
    "dist/provider/index.js",
    "dist/provider/index.d.ts",
    "dist/provider/runtime.js",
    "dist/provider/runtime.d.ts",
    "dist/provider/resource.js",
    "dist/provider/cli/main.js",
  ];
  for (const f of required) assert.ok(pack.files.includes(f), `${f} is missing from the tarball`);
  const stray = pack.files.filter(
    (f) =>
      !required.includes(f) &&
      !/^dist\/provider\/.+\.(js|d\.ts)$/.test(f) &&
      !/^provider\/(links|discover)\/README\.md$/.test(f),
  );
  assert.deepEqual(stray, [], "no tests, sources, source maps or tooling in the tarball");
  assert.equal(pack.manifest["private"], undefined);
  assert.equal(pack.manifest["name"], "ad-entra-link");
  // Every target of `main`, `types`, `bin` and `exports` is in the tarball.
  const targets: string[] = [pack.manifest["main"] as string, pack.manifest["types"] as string];
  targets.push(...Object.values(pack.manifest["bin"] as Record<string, string>));
  for (const entry of Object.values(
    pack.manifest["exports"] as Record<string, string | Record<string, string>>,
  )) {
    targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
  }
  for (const t of targets)
    assert.ok(pack.files.includes(path.posix.normalize(t)), `${t} is not in the tarball`);
  const cli = fs.readFileSync(
    path.join(project, "node_modules", "ad-entra-link", "dist", "provider", "cli", "main.js"),
    "utf8",
  );
  assert.ok(cli.startsWith("#!/usr/bin/env node\n"), "the bin keeps its shebang");
});

test("the project resolves ad-entra-link from its own node_modules, a real folder, never the repository", () => {
  const installed = path.join(project, "node_modules", "ad-entra-link");
  assert.ok(fs.lstatSync(installed).isDirectory() && !fs.lstatSync(installed).isSymbolicLink());
  for (const request of ["ad-entra-link", "ad-entra-link/runtime", "@pulumi/pulumi"]) {
    const resolved = run(
      process.execPath,
      ["-p", `require.resolve(${JSON.stringify(request)})`],
      project,
    ).trim();
    assert.ok(resolved.startsWith(fs.realpathSync(project)), `${request} resolved to ${resolved}`);
    assert.ok(!fs.realpathSync(resolved).startsWith(REPO_ROOT), `${request} resolved into the repository`);
  }
  // One @pulumi/pulumi in the project: the package's own dependency is deduplicated with the program's.
  assert.equal(fs.existsSync(path.join(installed, "node_modules", "@pulumi", "pulumi")), false);
});

test("the package's types check in a strict project under node10 and node16 module resolution", () => {
  const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
  run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
  run(
    process.execPath,
    [tsc, "-p", "tsconfig.json", "--module", "node16", "--moduleResolution", "node16"],
    project,
  );
});

test("the ad-entra-link command runs from the installed package", () => {
  const out = run(
    path.join(project, "node_modules", ".bin", "ad-entra-link"),
    ["immutable-id", "12345678-9abc-def0-1234-56789abcdef0"],
    project,
  );
  assert.match(out, /eFY0Erya8N4SNFZ4mrze8A==/);
});

test("preview and up of the new project converge both links through the installed package", async () => {
  const preview = await stack.preview();
  assert.equal(preview.changeSummary["create"], 3, preview.stdout); // the stack and two links
  const up = await stack.up();
  assert.equal(up.summary.result, "succeeded");
  assert.deepEqual(up.outputs["predictedJoin"]?.value, ["softMatchSmtp", "softMatchSmtp"]);
  // The join line is a checked input: the installed package's parser reads its outcome.
  for (const line of up.outputs["joinAtPreview"]?.value as string[]) {
    assert.match(line, /^softMatchSmtp, (un)?certain: joins the cloud user on the primary SMTP address/);
  }
  assert.deepEqual(up.outputs["syncState"]?.value, ["pendingSync", "pendingSync"]);
  for (const key of ["adam", "alva"]) {
    const user = await readUser(s.dc, s.users[key]!.dn);
    assert.equal(user.userPrincipalName, s.cloudUpn(key));
  }
  const again = await stack.preview();
  assert.deepEqual(again.changeSummary, { same: 3 }, again.stdout);
});

test("npm install <git url> builds the package in npm's clone (prepare) and installs a working copy", () => {
  // A commit of the working tree, so that the test covers what is being changed, not only HEAD.
  const repo = path.join(root, "git-repo");
  copyWorkingTree(repo);
  const git = (...args: string[]) =>
    run("git", ["-c", "user.name=pack test", "-c", "user.email=pack@test.invalid", ...args], repo);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "snapshot");
  const consumer = path.join(root, "git-consumer");
  fs.mkdirSync(consumer);
  fs.writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "git-consumer", private: true }),
  );
  run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", `git+file://${repo}`],
    consumer,
  );
  const installed = path.join(consumer, "node_modules", "ad-entra-link");
  assert.ok(fs.existsSync(path.join(installed, "dist", "provider", "index.js")), "dist/provider was built");
  assert.equal(
    fs.existsSync(path.join(installed, "provider", "index.ts")),
    false,
    "sources are not installed",
  );
  const loaded = run(
    process.execPath,
    [
      "-p",
      `typeof require("ad-entra-link").UserLink + " " + typeof require("ad-entra-link/runtime").configure`,
    ],
    consumer,
  ).trim();
  assert.equal(loaded, "function function");
});
