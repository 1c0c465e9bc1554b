/**
 * Runs the bad-input corpus (bad-input-corpus.ts). Link and configuration cases go through the
 * provider runtime's `check` in-process (what the provider process runs at preview), against the
 * real DC and the emulator; anchor cases through the `ad-entra-link immutable-id` command as users
 * run it; links-file cases through `loadLinksFile` exactly as the root program calls it, in a fresh
 * project folder laid out per case (symlinks, FIFOs, directories, files next to the project), with a
 * fake client secret and PULUMI_CONFIG_PASSPHRASE in this process's environment (so a file that is
 * really /proc/self/environ would carry them). After every case, the test OU on Samba and the
 * emulator tenant must be byte-for-byte what they were before the corpus started. The cases marked
 * `viaEngine` then run once more through the real engine (`pulumi up` of the links program, or
 * `pulumi preview` of the root program for links files) to prove it stops on them the same way.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { AdEntraLinkError } from "../../provider/errors";
import { parseAnchor } from "../../provider/core/immutable-id";
import { type LinksFileInvalidError, loadLinksFile } from "../../provider/links";
import { linkStackConfig } from "../support/link-config";
import { openStack, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { getTestEnv, type TestEnv } from "../support/test-env";
import {
  BAD_INPUT_CORPUS,
  type CorpusCase,
  type CorpusContext,
  type LinksFileFixture,
} from "./bad-input-corpus";
import { LinkStack, output, runPulumi, snapshotBoth } from "./support/harness";
import {
  type CheckOutcome,
  checkLinks,
  clearSettingEnvironment,
  closeLeakedLdapSockets,
  configLookup,
} from "./support/in-process";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

const CLI_MAIN = path.resolve(__dirname, "..", "..", "provider", "cli", "main.js");

let env: TestEnv;
let s: SafetyScenario;
let ctx: CorpusContext;
let baseline: { ad: string; cloud: string };
const stacks: LinkStack[] = [];
const scratch: string[] = [];
const SECRETS = {
  passphrase: `corpus-passphrase-${randomBytes(9).toString("base64url")}`,
  clientSecret: `corpus~secret.${randomBytes(12).toString("base64url")}`,
};

/** A fresh `<root>/project` folder holding a links-file case's files; returns the project folder. */
function layOut(files: readonly LinksFileFixture[], root: string): string {
  const project = path.join(root, "project");
  fs.mkdirSync(project, { recursive: true });
  for (const f of files) {
    const full = path.resolve(project, f.path);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (f.symlinkTo !== undefined) fs.symlinkSync(f.symlinkTo, full);
    else if (f.fifo) execFileSync("mkfifo", [full]);
    else if (f.directory) fs.mkdirSync(full, { recursive: true });
    else if (f.sparseBytes !== undefined) {
      const fd = fs.openSync(full, "w");
      fs.ftruncateSync(fd, f.sparseBytes);
      fs.closeSync(fd);
    } else if (f.bytes !== undefined) fs.writeFileSync(full, f.bytes(ctx));
    else fs.writeFileSync(full, f.text!(ctx));
  }
  return project;
}

/** Everything that must never be printed, whatever the case. */
function neverPrinted(): string[] {
  return [SECRETS.passphrase, SECRETS.clientSecret, env.samba.adminPassword];
}

/** Asserts a links-file case: the loader's error, its message and what it must not show. */
function assertLinksFile(c: CorpusCase, thrown: unknown, ms: number): void {
  const e = c.error!;
  assert.ok(
    thrown instanceof AdEntraLinkError,
    `${c.id}: ${(thrown as Error | undefined)?.stack ?? "nothing thrown"}`,
  );
  assert.equal(thrown.name, e.name, `${c.id}: ${thrown.message}`);
  assert.equal(thrown.code, e.code, `${c.id}: ${thrown.message}`);
  assert.match(thrown.message, e.message, c.id);
  assert.ok(thrown.message.startsWith("ad-entra-link: "), `${c.id}: component prefix`);
  const problems = (thrown as LinksFileInvalidError).problems;
  if (c.problems !== undefined) {
    assert.deepEqual(
      problems?.map((p) => p.code),
      c.problems,
      `${c.id}: problems\n${thrown.message}`,
    );
  } else assert.equal(problems?.length ?? 0, 0, `${c.id}: refused as a file, before its content`);
  // One problem per line, each escaped: no line break, control character or ANSI escape of the file.
  const lines = thrown.message.split("\n");
  assert.ok(
    lines.slice(1).every((l) => l.startsWith("  ")),
    `${c.id}: a problem spans several lines:\n${thrown.message}`,
  );
  assert.ok(
    !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(thrown.message),
    `${c.id}: raw control character`,
  );
  assert.ok(thrown.message.length < 4000, `${c.id}: ${thrown.message.length} characters of message`);
  const all = `${thrown.message}\n${thrown.stack ?? ""}`;
  for (const secret of neverPrinted()) assert.ok(!all.includes(secret), `${c.id}: leaks a secret`);
  if (c.mustNotContain !== undefined)
    assert.ok(!all.includes(c.mustNotContain), `${c.id}: leaks ${c.mustNotContain}`);
  assert.ok(ms < 15_000, `${c.id}: took ${ms} ms`);
}

/** Loads a links-file case as the root program does, with the secrets in this process's environment. */
function runLinksFileCase(c: CorpusCase & { input: { kind: "linksFile" } }): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-corpus-lf-"));
  scratch.push(root);
  const project = layOut(c.input.files, root);
  const saved = { p: process.env["PULUMI_CONFIG_PASSPHRASE"], s: process.env["AZURE_CLIENT_SECRET"] };
  process.env["PULUMI_CONFIG_PASSPHRASE"] = SECRETS.passphrase;
  process.env["AZURE_CLIENT_SECRET"] = SECRETS.clientSecret;
  const started = Date.now();
  let thrown: unknown;
  try {
    loadLinksFile(c.input.setting, { displayName: c.input.setting, projectDir: project });
  } catch (err) {
    thrown = err;
  } finally {
    if (saved.p === undefined) delete process.env["PULUMI_CONFIG_PASSPHRASE"];
    else process.env["PULUMI_CONFIG_PASSPHRASE"] = saved.p;
    if (saved.s === undefined) delete process.env["AZURE_CLIENT_SECRET"];
    else process.env["AZURE_CLIENT_SECRET"] = saved.s;
    fs.rmSync(root, { recursive: true, force: true });
  }
  assertLinksFile(c, thrown, Date.now() - started);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_MAIN, ...argv], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function linkArgs(c: CorpusCase): Record<string, unknown> {
  if (c.input.kind === "link") return c.input.args(ctx);
  return { onPremises: { samAccountName: ctx.adamSam }, cloud: { userPrincipalName: ctx.adamCloudUpn } };
}

function overrides(c: CorpusCase): Record<string, string | undefined> {
  return c.input.kind === "config" ? c.input.overrides(ctx) : {};
}

/** Asserts one case's outcome of `check`. */
function assertCheck(c: CorpusCase, o: CheckOutcome): void {
  if (c.input.kind === "link" && c.error === undefined) {
    assert.equal(o.thrown, undefined, `${c.id}: check threw ${o.thrown?.stack}`);
    const expected = c.failures ?? [];
    const got = o.failures.map((f) => `${f.property} | ${f.reason}`);
    assert.equal(o.failures.length, expected.length, `${c.id}: ${JSON.stringify(got, null, 2)}`);
    expected.forEach((e, i) => {
      const f = o.failures[i]!;
      assert.equal(f.property, e.property, `${c.id}[${i}] property`);
      const prefix = `${e.name} [${e.code}]: `;
      assert.ok(f.reason.startsWith(prefix), `${c.id}[${i}]: expected ${prefix}…, got ${f.reason}`);
      assert.match(f.reason.slice(prefix.length), e.message, `${c.id}[${i}] message`);
    });
  } else {
    const e = c.error!;
    assert.equal(o.failures.length, 0, `${c.id}: unexpected failures ${JSON.stringify(o.failures)}`);
    assert.ok(o.thrown, `${c.id}: check must throw`);
    assert.ok(o.thrown instanceof AdEntraLinkError, `${c.id}: ${o.thrown.stack}`);
    assert.equal(o.thrown.name, e.name, c.id);
    assert.equal(o.thrown.code, e.code, c.id);
    assert.match(o.thrown.message, e.message, c.id);
    assert.ok(o.thrown.message.startsWith("ad-entra-link: "), `${c.id}: component prefix`);
    if (o.thrown.stack !== undefined)
      assert.ok(!o.thrown.stack.includes(env.samba.adminPassword), `${c.id}: no password`);
  }
  if (c.mustNotContain !== undefined) {
    const all = `${JSON.stringify(o.failures)} ${o.thrown?.message ?? ""} ${o.thrown?.stack ?? ""} ${o.log}`;
    assert.ok(!all.includes(c.mustNotContain), `${c.id}: leaks ${c.mustNotContain}`);
  }
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, "sfc", ["adam", "alva"]);
  const adam = s.users["adam"]!;
  const alva = s.users["alva"]!;
  ctx = {
    alvaSam: alva.seed.sAMAccountName,
    alvaDn: alva.dn,
    alvaGuid: alva.objectGuid,
    alvaUpn: alva.seed.userPrincipalName,
    alvaCloudUpn: s.cloud["alva"]!.userPrincipalName,
    alvaCloudId: s.cloud["alva"]!.id,
    secrets: SECRETS,
    adamSam: adam.seed.sAMAccountName,
    adamDn: adam.dn,
    adamGuid: adam.objectGuid,
    adamUpn: adam.seed.userPrincipalName,
    adamCloudUpn: s.cloud["adam"]!.userPrincipalName,
    adamCloudId: s.cloud["adam"]!.id,
    ou: s.ou,
    ldapUrl: env.samba.url,
    dcIp: env.samba.ip,
  };
  baseline = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  closeLeakedLdapSockets();
});

test("the corpus has at least 150 cases with unique ids, covering every entry point", () => {
  assert.ok(BAD_INPUT_CORPUS.length >= 150, `${BAD_INPUT_CORPUS.length} cases`);
  assert.equal(new Set(BAD_INPUT_CORPUS.map((c) => c.id)).size, BAD_INPUT_CORPUS.length);
  for (const kind of ["link", "config", "cli", "linksFile"]) {
    assert.ok(
      BAD_INPUT_CORPUS.some((c) => c.input.kind === kind),
      kind,
    );
  }
  for (const c of BAD_INPUT_CORPUS) {
    assert.ok((c.failures && c.failures.length > 0) || c.error, `${c.id} expects something`);
  }
});

for (const c of BAD_INPUT_CORPUS) {
  test(`corpus ${c.id}: ${c.title}`, async () => {
    if (c.input.kind === "cli") {
      const value = c.input.argv[1]!;
      assert.throws(
        () => parseAnchor(value, "value"),
        (err: Error & { code?: string }) =>
          err.name === c.error!.name && err.code === c.error!.code && c.error!.message.test(err.message),
        c.id,
      );
      const r = await runCli(c.input.argv);
      assert.equal(r.code, 2, `${c.id}: exit code (${r.stderr})`);
      assert.equal(r.stdout, "", c.id);
      assert.ok(r.stderr.startsWith("ad-entra-link immutable-id: "), `${c.id}: ${r.stderr}`);
      assert.match(r.stderr, c.error!.message, c.id);
      assert.match(r.stderr, /\nUsage: ad-entra-link immutable-id <value> \[--json\]\n$/, c.id);
    } else if (c.input.kind === "linksFile") {
      runLinksFileCase(c as CorpusCase & { input: { kind: "linksFile" } });
    } else {
      const lookup = configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, overrides(c));
      const [outcome] = await checkLinks(lookup, [{ name: c.id, args: linkArgs(c) }]);
      assertCheck(c, outcome!);
    }
    assert.deepEqual(
      await snapshotBoth(env, s.dc, s.ou, s.tenantId),
      baseline,
      `${c.id}: both directories unchanged`,
    );
  });
}

test("through the real engine, `pulumi up` stops on the same refusals and writes nothing", async () => {
  const cases = BAD_INPUT_CORPUS.filter((c) => c.viaEngine && c.input.kind !== "linksFile");
  assert.ok(cases.length >= 4, "a handful of cases of each kind");
  const opened = await Promise.all(
    cases.map((c, i) =>
      LinkStack.open(env, {
        stackName: `sfc${i}`,
        tenantId: s.tenantId,
        baseDn: s.ou,
        links: [{ name: c.id, args: linkArgs(c) }],
        config: overrides(c),
      }),
    ),
  );
  stacks.push(...opened);
  const results = await Promise.all(opened.map((st) => st.upWithPreview()));
  for (const [i, c] of cases.entries()) {
    const text = output(results[i]!);
    assert.notEqual(results[i]!.code, 0, `${c.id}: up must fail`);
    if (c.input.kind === "link" && c.failures !== undefined) {
      for (const f of c.failures) {
        assert.ok(text.includes(`${f.name} [${f.code}]: `), `${c.id}: ${f.code} in\n${text}`);
        assert.match(text, new RegExp(f.message.source.replace(/^\^/, "").replace(/\$$/, "")), c.id);
      }
    } else {
      assert.match(text, new RegExp(escapeRegExp(c.error!.name)), `${c.id}: error name in\n${text}`);
      assert.match(text, c.error!.message, `${c.id}: message in\n${text}`);
    }
    assert.equal((await opened[i]!.links()).size, 0, `${c.id}: nothing in state`);
  }
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), baseline, "both directories unchanged");
});

test("through the root program and the real engine, hostile links files stop `pulumi preview` with the same error, no secret and no stack trace", async () => {
  const cases = BAD_INPUT_CORPUS.filter((c) => c.viaEngine && c.input.kind === "linksFile");
  assert.ok(cases.length >= 5, "a handful of links-file cases");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-corpus-root-"));
  scratch.push(root);
  const sandbox = await pulumiSandbox(path.join(root, "state"), {
    NODE_EXTRA_CA_CERTS: env.caBundlePath,
    PULUMI_CONFIG_PASSPHRASE: SECRETS.passphrase,
    AZURE_CLIENT_SECRET: SECRETS.clientSecret,
  });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  const results = await Promise.all(
    cases.map(async (c, i) => {
      const input = c.input as { kind: "linksFile"; setting: string; files: LinksFileFixture[] };
      const project = layOut(input.files, path.join(root, `case${i}`));
      // The root program, as a project of its own: Pulumi.yaml and index.ts of the repository.
      fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
      fs.copyFileSync(path.join(REPO_ROOT, "index.ts"), path.join(project, "index.ts"));
      for (const f of ["package.json", "tsconfig.json"])
        fs.copyFileSync(
          path.join(REPO_ROOT, "tests", "safety", "programs", "links", f),
          path.join(project, f),
        );
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
      const stackName = `lfe${i}`;
      await openStack(sandbox, {
        workDir: project,
        stackName,
        config: { ...config, "ad-entra-link:linksFile": input.setting },
        secrets,
      });
      return runPulumi(sandbox, ["preview", "--stack", stackName, "--non-interactive"], project);
    }),
  );
  for (const [i, c] of cases.entries()) {
    const r = results[i]!;
    const text = output(r);
    const e = c.error!;
    assert.notEqual(r.code, 0, `${c.id}: preview must fail\n${text}`);
    assert.ok(
      text.includes(`${e.name} [${e.code}]: ad-entra-link: `),
      `${c.id}: error kind and code in\n${text}`,
    );
    assert.match(
      text,
      new RegExp(e.message.source.replace(/^\^/, "").replace(/\$$/, "")),
      `${c.id}: message in\n${text}`,
    );
    assert.ok(!/\n\s+at .+\(.+:\d+:\d+\)/.test(text), `${c.id}: no stack trace in\n${text}`);
    for (const secret of [...neverPrinted(), secrets["ad-entra-link:clientSecret"]!]) {
      assert.ok(!text.includes(secret), `${c.id}: a secret in the preview output`);
    }
    if (c.mustNotContain !== undefined)
      assert.ok(!text.includes(c.mustNotContain), `${c.id}: leaks ${c.mustNotContain}`);
    assert.ok(r.ms < 120_000, `${c.id}: preview took ${r.ms} ms`);
  }
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), baseline, "both directories unchanged");
});
