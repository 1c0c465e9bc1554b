/**
 * Runs the bad-input corpus (bad-input-corpus.ts). Link and configuration cases go through the
 * provider runtime's `check` in-process (what the provider process runs at preview), against the
 * real DC and the emulator; anchor cases through the `ad-entra-link immutable-id` command as users
 * run it. After every case, the test OU on Samba and the emulator tenant must be byte-for-byte
 * what they were before the corpus started. The cases marked `viaEngine` then run once more
 * through `pulumi up` to prove the real engine stops on them the same way.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { AdEntraLinkError } from "../../provider/errors";
import { parseAnchor } from "../../provider/core/immutable-id";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { BAD_INPUT_CORPUS, type CorpusCase, type CorpusContext } from "./bad-input-corpus";
import { LinkStack, output, snapshotBoth } from "./support/harness";
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
  ctx = {
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
  closeLeakedLdapSockets();
});

test("the corpus has at least 40 cases with unique ids, covering every entry point", () => {
  assert.ok(BAD_INPUT_CORPUS.length >= 40, `${BAD_INPUT_CORPUS.length} cases`);
  assert.equal(new Set(BAD_INPUT_CORPUS.map((c) => c.id)).size, BAD_INPUT_CORPUS.length);
  for (const kind of ["link", "config", "cli"]) {
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
  const cases = BAD_INPUT_CORPUS.filter((c) => c.viaEngine);
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
