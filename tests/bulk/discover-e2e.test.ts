/**
 * `ad-entra-link discover` end to end: against the shared Samba DC (a test OU of cloned seed users,
 * the 47 marketing users included) and a fresh emulator tenant from the contoso seed. The proposed
 * pairs and conflicts (Dana Scott's ambiguity, privileged Gina and Pat, Sam synced elsewhere) are
 * asserted; the written links file drives the root Pulumi program (preview, up); the next Entra
 * Connect sync cycle joins every proposed link exactly as predicted and provisions nobody new.
 *
 * Layout: the users discover should link live in the scenario OU (the provider's base DN and the
 * sync scope); the others (conflicts, review, unmatched) in a sibling OU that discover also reads but
 * the sync cycle does not, so "nothing provisioned" is about the links, not about unrelated users.
 */
import assert from "node:assert/strict";
import { parseJoinLine } from "../../provider/link/review";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { createDiscoverCommand } from "../../provider/cli/discover";
import type { DiscoveryRun } from "../../provider/discover";
import { parseLinksText } from "../../provider/links";
import { AD_BASE_DN, AD_USERS, marketingUsers } from "../fixtures/seed-scenario";
import { cloneSeedUsers, createOu, type SeededUser, seedUsersInto } from "../infra/samba";
import { syncCycle } from "../safety/support/harness";
import { linkEnvironment } from "../support/link-config";
import { type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { openRootStack, removeRootStack } from "./root-program";

const LINKABLE = ["adam", "alva", "bruno", "chen", "siobhan"];
const OTHERS = ["gina", "pat", "sam", "fiona", "dana", "dana-2", "svc-backup"];
const STACK = `bulk-e2e-${process.pid}`;

let env: TestEnv;
let s: Scenario;
let reviewOu: string;
let others: Record<string, SeededUser>;
let dir: string;
let sandbox: PulumiSandbox;
let stack: Stack;
let run: DiscoveryRun;
let stdout = "";

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "bulke2e", LINKABLE, { includeMarketing: true });
  reviewOu = await createOu(s.dc, `OU=t-bulke2e-review,${AD_BASE_DN}`);
  others = await seedUsersInto(
    s.dc,
    reviewOu,
    cloneSeedUsers(
      AD_USERS.filter((u) => OTHERS.includes(u.key)),
      s.suffix,
    ),
  );
  // Inside the project folder (the root program reads a links file only from there); .cache is ignored by git.
  fs.mkdirSync(path.join(REPO_ROOT, ".cache"), { recursive: true });
  dir = fs.mkdtempSync(path.join(REPO_ROOT, ".cache", "bulk-e2e-"));
  sandbox = await pulumiSandbox(path.join(dir, "pulumi"), { NODE_EXTRA_CA_CERTS: env.caBundlePath });
});

after(async () => {
  await removeRootStack(stack, STACK);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("discover reads both directories and proposes the pairs, with conflicts and unmatched users", async () => {
  const command = createDiscoverCommand({
    env: {
      // Discover reads only inside the allowed search bases: both OUs here.
      ...linkEnvironment(env, { tenantId: s.tenantId, baseDn: s.ou, allowedSearchBases: [s.ou, reviewOu] }),
      NODE_EXTRA_CA_CERTS: env.caBundlePath,
    },
    cwd: dir,
    progress: false,
  });
  let stderr = "";
  const code = await command.run(
    [
      "--search-base",
      s.ou,
      "--search-base",
      reviewOu,
      "--out",
      "links.yaml",
      "--report",
      "report",
      "--json",
      "run.json",
    ],
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    },
  );
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "", "no progress line without a terminal");
  run = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")) as DiscoveryRun;
  const r = run.result;
  assert.equal(r.stats.adUsers, LINKABLE.length + 47 + OTHERS.length);
  assert.equal(r.stats.cloudUsers, 58);
  assert.match(stdout, /52 links written to .*links\.yaml/);
  assert.match(
    stdout,
    /1 proposals not predicted to join, 4 conflicts, 1 unmatched AD users, 1 unmatched cloud users/,
  );

  // Every linkable clone is proposed for its own cloud user, and predicted to join.
  const bySam = new Map(r.proposals.map((p) => [p.ad.samAccountName, p]));
  const linkable: SeededUser[] = Object.values(s.users);
  assert.equal(linkable.length, 52);
  for (const u of linkable) {
    const p = bySam.get(u.seed.sAMAccountName);
    assert.ok(p, `${u.seed.sAMAccountName} proposed`);
    assert.equal(p.cloud.userPrincipalName, s.cloudUpn(u.key));
    assert.equal(p.ad.objectGuid, u.objectGuid);
    assert.equal(p.joins, true, `${u.key}: ${p.predictedJoin.reason}`);
    assert.ok(p.evidence.some((e) => e.kind === "employeeId"));
  }
  const kinds = (key: string) => bySam.get(s.users[key]!.seed.sAMAccountName)!.evidence.map((e) => e.kind);
  assert.deepEqual(kinds("bruno"), ["employeeId", "userPrincipalName", "displayName", "givenNameAndSurname"]);
  assert.deepEqual(kinds("chen"), ["employeeId", "primarySmtp", "displayName", "givenNameAndSurname"]);
  assert.deepEqual(kinds("alva"), [
    "employeeId",
    "mailIsCloudProxyAddress",
    "displayName",
    "givenNameAndSurname",
  ]);
  assert.deepEqual(kinds("mkt01"), ["employeeId", "displayName", "givenNameAndSurname"]);

  // Fiona (federated domain) is proposed for review only: the documented rules soft-match her, a
  // 2018 report says otherwise, and a join resting on an uncertain rule is not written.
  const fiona = bySam.get(others["fiona"]!.seed.sAMAccountName);
  assert.equal(fiona?.joins, false);
  assert.equal(fiona?.predictedJoin.outcome, "softMatchSmtp");
  assert.match(fiona?.predictedJoin.uncertainRules?.join(" ") ?? "", /row 26 \[U\]/);

  assert.deepEqual(
    r.conflicts.map((c) => [
      c.kind,
      c.cloud.map((x) => x.userPrincipalName).join(),
      c.ad
        .map((a) => a.dn)
        .sort()
        .join(";"),
    ]),
    [
      [
        "cloudUserClaimedByMany",
        s.cloudUpn("dana"),
        [others["dana"]!.dn, others["dana-2"]!.dn].sort().join(";"),
      ],
      ["privilegedCloudUser", s.cloudUpn("gina"), others["gina"]!.dn],
      ["privilegedCloudUser", s.cloudUpn("pat"), others["pat"]!.dn],
      ["cloudUserSyncedElsewhere", s.cloudUpn("sam"), others["sam"]!.dn],
    ],
  );
  assert.match(r.conflicts[0]!.message, /matches 2 AD users equally well .*on their names only/);
  assert.match(r.conflicts[1]!.message, /Global Administrator/);
  assert.match(r.conflicts[2]!.message, /Privileged Role Administrator \(eligible\)/);
  assert.deepEqual(
    r.unmatchedAd.map((a) => a.dn),
    [others["svc-backup"]!.dn],
  );
  assert.deepEqual(
    r.unmatchedCloud.map((c) => c.userPrincipalName),
    [s.cloudUpn("olivia")],
  );

  // The links file holds exactly the 52 proposals that join; the reports exist.
  const file = parseLinksText(fs.readFileSync(path.join(dir, "links.yaml"), "utf8"), "links.yaml", "yaml");
  assert.deepEqual(
    file.entries.map((e) => e.args.onPremises.samAccountName).sort(),
    linkable.map((u) => u.seed.sAMAccountName).sort(),
  );
  assert.match(fs.readFileSync(path.join(dir, "report.md"), "utf8"), /## Conflicts \(4\)/);
  assert.match(
    fs.readFileSync(path.join(dir, "report.html"), "utf8"),
    /<table class="sortable" id="proposals">/,
  );
});

test("the written links file drives the root program: preview plans 52 links, up applies them", async () => {
  stack = await openRootStack(sandbox, env, {
    stackName: STACK,
    tenantId: s.tenantId,
    ou: s.ou,
    linksFile: path.relative(REPO_ROOT, path.join(dir, "links.yaml")),
  });
  const preview = await stack.preview();
  assert.equal(preview.changeSummary.create, 53, "stack + 52 links");
  const up = await stack.up();
  assert.equal(up.summary.result, "succeeded");
  assert.equal(up.outputs["linkCount"]?.value, 52);
  const links = up.outputs["links"]?.value as Record<string, { join: string; objects: string }>;
  for (const p of run.result.proposals.filter((x) => x.joins)) {
    assert.equal(
      parseJoinLine(links[p.name]?.join)?.outcome,
      p.predictedJoin.outcome,
      `${p.name}: the provider predicts what discover did`,
    );
  }
});

test("the next sync cycle joins every proposed link as predicted and provisions nobody new", async () => {
  const usersBefore = await env.control.listUsers(s.tenantId);
  const report = await syncCycle(env, { ...env.samba, caCertPem: env.sambaCaPem }, s.tenantId, [s.ou]);
  const byDn = new Map(report.entries.map((e) => [e.dn.toLowerCase(), e]));
  const proposals = run.result.proposals.filter((p) => p.joins);
  assert.equal(proposals.length, 52);
  for (const p of proposals) {
    const entry = byDn.get(p.ad.dn.toLowerCase());
    assert.ok(entry, `${p.ad.dn} was exported`);
    assert.equal(entry.outcome, p.predictedJoin.outcome, `${p.name}: ${JSON.stringify(entry.error ?? {})}`);
    assert.equal(entry.cloudUserId, p.cloud.id, `${p.name} joined its own cloud user`);
  }
  assert.deepEqual(
    report.entries.filter((e) => e.outcome === "provisioned" || e.outcome === "blocked").map((e) => e.dn),
    [],
  );
  const usersAfter = await env.control.listUsers(s.tenantId);
  assert.equal(usersAfter.length, usersBefore.length, "no cloud user was created");
  const joined = new Set(usersAfter.filter((u) => u.onPremisesSyncEnabled === true).map((u) => u.id));
  for (const p of proposals)
    assert.ok(joined.has(p.cloud.id), `${p.cloud.userPrincipalName} is now synchronized`);
  assert.equal(marketingUsers().ad.length, 47);
});
