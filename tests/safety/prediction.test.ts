/**
 * Prediction vs reality. For every seeded situation a link can express, the real CLI previews and
 * applies the link, Entra Connect's simulated sync cycle runs, and the provider's `predictedJoin`
 * (as preview showed it) is compared with what the cycle actually did to that user.
 *
 * - Where the provider refuses at preview (Sam synced elsewhere, Pat and Gina privileged without the
 *   opt-in), `up` is refused and nothing is written in either directory.
 * - The provider cannot read the tenant's sync features with app-only Graph access (403, as in real
 *   Graph): it does not assume them. Where the outcome depends on an unknown flag the prediction
 *   lists one variant per value, shows Microsoft's default first and says so; for tenants whose
 *   flags differ from the defaults (legacy tenant without SoftMatchOnUpn, both block flags on) the
 *   test asserts that the variant for the tenant's real flags is the actual outcome, and that the
 *   same engine fed the real flags (stated in config, or read by a delegated Global Administrator)
 *   predicts it with certainty.
 * - Federated-domain candidates (Fiona): a 2018 report says such users are quarantined instead of
 *   soft-matched (docs/matching-model.md, uncertain); the prediction follows the documented rules
 *   (soft match, as the emulator does) and warns.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { variantFor } from "../../provider/core/join-prediction";
import { parseJoinLine } from "../../provider/link/review";
import type { PredictedJoin } from "../../provider/link/types";
import type { SyncCycleReport } from "../emulator/sync/types";
import { recordedMatchesPreview } from "../support/join-view";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output, previewInputs, snapshotBoth, syncCycle } from "./support/harness";
import { predictWithFeatures } from "./support/in-process";
import { type SafetyScenario, type SafetyScenarioOptions, safetyScenario } from "./support/scenario";

type Outcome = PredictedJoin["outcome"];

interface Case {
  /** Seed key of the person (AD copy and cloud user). */
  key: string;
  args: Record<string, unknown>;
  /**
   * When the preview's prediction is known to differ from reality: `features` when only the tenant
   * flags that app-only access cannot read are missing (the informed prediction agrees), `rule` when
   * the predictor follows an uncertain rule the emulator does not model; `warning` must be among the
   * prediction's warnings. The outcome the cycle produces is still asserted (`actual`).
   */
  divergence?: { because: "features"; flag: string } | { because: "rule"; warning: RegExp };
  /** The outcome the sync cycle must produce (as a prediction outcome). */
  actual: Outcome;
}

interface StackPlan {
  tag: string;
  title: string;
  scenario: SafetyScenarioOptions;
  cases: Case[];
}

const FEATURES_UNKNOWN = (flag: string) => ({ because: "features" as const, flag });

const PLANS: StackPlan[] = [
  {
    tag: "sfpa",
    title: "Contoso (Microsoft's defaults)",
    scenario: { tenant: "contoso" },
    cases: [
      { key: "adam", args: { match: "soft" }, actual: "softMatchSmtp" },
      { key: "alva", args: { match: "soft" }, actual: "softMatchSmtp" },
      { key: "siobhan", args: { match: "soft" }, actual: "softMatchSmtp" },
      { key: "bruno", args: { match: "hard" }, actual: "hardMatch" },
      { key: "chen", args: { match: "hard", sourceAnchor: "auto" }, actual: "hardMatch" },
      // PIM-eligible only: soft match succeeds (row 15, Semperis 2022), predicted with a warning.
      { key: "pat", args: { match: "soft", allowPrivilegedCloudUser: true }, actual: "softMatchSmtp" },
      // Active Global Administrator: Existing Admin Role Conflict, a quarantined new user appears.
      { key: "gina", args: { match: "soft", allowPrivilegedCloudUser: true }, actual: "newObject" },
      // Federated domain: a 2018 report says soft match fails there; the documented rules match.
      { key: "fiona", args: { match: "soft" }, actual: "softMatchSmtp" },
    ],
  },
  {
    tag: "sfpb",
    title: "legacy tenant (SoftMatchOnUpn off)",
    scenario: { tenant: "legacy" },
    cases: [
      { key: "adam", args: { match: "soft" }, actual: "softMatchSmtp" },
      // Bruno has no mailbox: only the UPN matches, and this tenant never enabled UPN soft match.
      {
        key: "bruno",
        args: { match: "soft" },
        divergence: FEATURES_UNKNOWN("softMatchOnUpnEnabled"),
        actual: "newObject",
      },
      // Hard match onto a privileged (PIM-eligible) user is blocked (row 5, 2026 hardening).
      { key: "pat", args: { match: "hard", allowPrivilegedCloudUser: true }, actual: "blocked" },
    ],
  },
  {
    tag: "sfpc",
    title: "both block flags on",
    scenario: {
      tenant: "contoso",
      features: { blockSoftMatchEnabled: true, blockCloudObjectTakeoverThroughHardMatchEnabled: true },
    },
    cases: [
      {
        key: "adam",
        args: { match: "soft" },
        divergence: FEATURES_UNKNOWN("blockSoftMatchEnabled"),
        actual: "newObject",
      },
      {
        key: "bruno",
        args: { match: "hard" },
        divergence: FEATURES_UNKNOWN("blockCloudObjectTakeoverThroughHardMatchEnabled"),
        actual: "blocked",
      },
      {
        key: "chen",
        args: { match: "hard" },
        divergence: FEATURES_UNKNOWN("blockCloudObjectTakeoverThroughHardMatchEnabled"),
        actual: "blocked",
      },
    ],
  },
];

/** The sync simulator's outcome in the predictor's vocabulary. */
function asPrediction(outcome: string): Outcome {
  return outcome === "provisioned" ? "newObject" : (outcome as Outcome);
}

function linkOf(s: SafetyScenario, c: Case): LinkEntry {
  return {
    name: c.key,
    args: {
      onPremises: { samAccountName: s.users[c.key]!.seed.sAMAccountName },
      cloud: { userPrincipalName: s.cloud[c.key]!.userPrincipalName },
      ...c.args,
    },
  };
}

let env: TestEnv;
const opened: LinkStack[] = [];

before(async () => {
  env = await getTestEnv();
});

after(async () => {
  await Promise.all(opened.map((st) => st.dispose()));
});

async function openLinkStack(s: SafetyScenario, name: string, links: LinkEntry[]): Promise<LinkStack> {
  const st = await LinkStack.open(env, { stackName: name, tenantId: s.tenantId, baseDn: s.ou, links });
  opened.push(st);
  return st;
}

test("refused at preview: up writes nothing for Sam (synced elsewhere), Pat and Gina (privileged)", async () => {
  const s = await safetyScenario(env, "sfpr", ["sam", "pat", "gina"]);
  const refusals: {
    key: string;
    args: Record<string, unknown>;
    code: string;
    about: RegExp;
  }[] = [
    {
      key: "sam",
      args: { match: "soft" },
      code: "CLOUD_USER_SYNCED_ELSEWHERE",
      about:
        /already synchronized from another on-premises object \(CN=Sam Taylor,OU=Old,DC=otherforest,DC=local\) with ImmutableId Hjx6G02POkyaK15vfYybCg==/,
    },
    {
      key: "pat",
      args: { match: "soft" },
      code: "CLOUD_USER_PRIVILEGED",
      about:
        /holds or is eligible for privileged directory roles: Privileged Role Administrator \(PIM-eligible\)/,
    },
    {
      key: "gina",
      args: { match: "soft" },
      code: "CLOUD_USER_PRIVILEGED",
      about: /holds or is eligible for privileged directory roles: Global Administrator \(active\)/,
    },
    // Even with the opt-in: Graph refuses an app's ImmutableId write on an active admin, and Entra
    // ID refuses the takeover; refusing at preview keeps AD from being changed for nothing.
    {
      key: "gina",
      args: { match: "hard", allowPrivilegedCloudUser: true },
      code: "PRIVILEGED_HARD_MATCH",
      about:
        /would write the ImmutableId of the cloud user gina\.marsh\.sfpr@contoso\.com .* holds Global Administrator \(active\)/,
    },
  ];
  const before = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const stacks = await Promise.all(
    refusals.map((r, i) =>
      openLinkStack(s, `sfpr${i}`, [linkOf(s, { key: r.key, args: r.args, actual: "blocked" })]),
    ),
  );
  const results = await Promise.all(stacks.map((st) => st.upWithPreview()));
  for (const [i, r] of refusals.entries()) {
    const res = results[i]!;
    const text = output(res);
    assert.notEqual(res.code, 0, `${r.key}: up must fail`);
    assert.ok(text.includes(`SafetyBlockError [${r.code}]: ad-entra-link:`), `${r.key}: ${text}`);
    assert.match(text, r.about, r.key);
    assert.equal((await stacks[i]!.links()).size, 0, `${r.key}: nothing recorded in state`);
  }
  assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), before, "nothing written on either side");
});

for (const plan of PLANS) {
  test(`predicted join = sync cycle outcome, ${plan.title}`, async () => {
    const s = await safetyScenario(
      env,
      plan.tag,
      plan.cases.map((c) => c.key),
      plan.scenario,
    );
    const links = plan.cases.map((c) => linkOf(s, c));
    const st = await openLinkStack(s, plan.tag, links);

    // 1. Preview: the prediction per link, and nothing written.
    const snap = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
    const { result, json } = await st.previewJson();
    assert.equal(result.code, 0, output(result));
    assert.deepEqual(await snapshotBoth(env, s.dc, s.ou, s.tenantId), snap, "preview wrote nothing");
    const previewLines = new Map<string, unknown>();
    for (const c of plan.cases) {
      const inputs = previewInputs(json, c.key);
      assert.ok(parseJoinLine(inputs?.["join"]), `${c.key}: preview shows a join line`);
      previewLines.set(c.key, inputs?.["join"]);
    }
    // The same engine with the tenant's real sync features (the delegated view).
    const informed = await predictWithFeatures(env, { tenantId: s.tenantId, baseDn: s.ou }, links);

    // 2. Up: it shows the caveats to the person running it, and state records what preview showed.
    const up = await st.up();
    assert.equal(up.code, 0, output(up));
    for (const c of plan.cases) {
      if (c.divergence?.because === "features")
        assert.match(output(up), new RegExp(`${c.divergence.flag}=`), c.key);
    }
    const state = await st.links();
    const predicted = new Map<string, PredictedJoin>();
    for (const c of plan.cases) {
      predicted.set(c.key, recordedMatchesPreview(c.key, previewLines.get(c.key), state.get(c.key)?.outputs));
    }

    // 3. Entra Connect's next cycle.
    const report: SyncCycleReport = await syncCycle(env, s.dc, s.tenantId, [s.ou]);
    const byDn = new Map(report.entries.map((e) => [e.dn.toLowerCase(), e]));
    const rows: string[] = [];
    for (const c of plan.cases) {
      const entry = byDn.get(s.users[c.key]!.dn.toLowerCase());
      assert.ok(entry, `${c.key}: the cycle exported the user`);
      const actual = asPrediction(entry.outcome);
      const p = predicted.get(c.key)!;
      const i = informed.get(c.key)!;
      rows.push(`${c.key}: preview ${p.outcome}, with tenant flags ${i.outcome}, sync cycle ${actual}`);
      assert.equal(actual, c.actual, `${c.key}: the cycle's outcome (${JSON.stringify(entry)})`);
      assert.equal(i.outcome, actual, `${c.key}: with the tenant's real flags the prediction is the outcome`);
      assert.equal(i.uncertain && i.variants !== undefined, false, `${c.key}: and it is certain`);
      if (c.divergence === undefined) {
        assert.equal(p.outcome, actual, `${c.key}: preview's prediction = actual`);
      } else if (c.divergence.because === "features") {
        const flag = c.divergence.flag;
        assert.equal(p.uncertain, true, `${c.key}: an outcome that depends on ${flag} is uncertain`);
        assert.match(p.reason, new RegExp(`${flag}=`), `${c.key}: the reason names ${flag}`);
        const real = await env.control.getFeatures(s.tenantId);
        const v = variantFor(p, {
          softMatchOnUpnEnabled: real.softMatchOnUpnEnabled,
          blockSoftMatchEnabled: real.blockSoftMatchEnabled,
          blockCloudObjectTakeoverThroughHardMatchEnabled:
            real.blockCloudObjectTakeoverThroughHardMatchEnabled,
        });
        assert.equal(v.outcome, actual, `${c.key}: the variant for the tenant's flags is the outcome`);
      } else {
        assert.ok(
          p.warnings.some((w) => (c.divergence as { warning: RegExp }).warning.test(w)),
          `${c.key}: warning in ${JSON.stringify(p.warnings)}`,
        );
      }
      if (actual === "hardMatch" || actual === "softMatchSmtp" || actual === "softMatchUpn") {
        assert.equal(entry.cloudUserId, s.cloud[c.key]!.id, `${c.key}: joined the linked cloud user`);
      }
      if (actual === "blocked") assert.ok(entry.error?.name, `${c.key}: the cycle names its error`);
      if (p.outcome === "blocked" && actual === "blocked") {
        assert.equal(p.errorName, entry.error?.name, `${c.key}: predicted error = reported error`);
      }
    }
    console.log(`${plan.title}\n  ${rows.join("\n  ")}`);
  });
}
