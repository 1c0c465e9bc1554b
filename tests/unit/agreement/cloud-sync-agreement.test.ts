/**
 * The generative agreement test for Entra Cloud Sync (issue 14): the same generated situations as
 * agreement.test.ts, with syncEngine cloudSync on both sides — the provider predicts with Cloud
 * Sync's rules (no UPN soft match, row 27 [U], evaluated both ways) and the simulator syncs with
 * them. Agreement is judged on the reported reading (no UPN soft match), as the simulator does.
 *
 * AEL_AGREEMENT_SEED replays a run; AEL_CLOUD_SYNC_AGREEMENT_CASES sets the number of cases (default 3000).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CaseResult, judgeCase } from "../../support/agreement/check";
import { agreementSeed, describeCase, generateCase } from "../../support/agreement/generate";

const CASES = Number(process.env["AEL_CLOUD_SYNC_AGREEMENT_CASES"] ?? 3000);

test(`Cloud Sync: prediction or refusal agrees with the simulator on ${CASES} generated cases`, async () => {
  const seed = agreementSeed();
  console.log(`cloud sync agreement seed ${seed} (replay with AEL_AGREEMENT_SEED=${seed})`);
  const outcomes = new Map<string, number>();
  const disagreements: { index: number; result: Extract<CaseResult, { kind: "disagree" }> }[] = [];
  let refused = 0;
  let upnVariants = 0;
  for (let index = 0; index < CASES; index++) {
    const c = { ...generateCase(seed, index), syncEngine: "cloudSync" as const };
    const result = await judgeCase(c);
    if (result.kind === "refused") refused++;
    else if (result.kind === "agree") {
      outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
      if (result.variant.includes("row 27")) upnVariants++;
    } else disagreements.push({ index, result });
  }
  console.log(
    `${CASES} cases: ${CASES - refused - disagreements.length} agreed (${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}; ${upnVariants} decided by the row 27 reading), ${refused} refused (justified), ${disagreements.length} disagreements`,
  );
  for (const d of disagreements.slice(0, 3)) {
    console.log(
      `\n=== DISAGREEMENT seed ${seed} case ${d.index}: ${d.result.problem}\n${describeCase(generateCase(seed, d.index))}\n${d.result.detail}`,
    );
  }
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (seed ${seed})`);
  // Cloud Sync never soft-matches on the UPN under the reported reading…
  assert.equal(outcomes.get("softMatchUpn") ?? 0, 0);
  // …and the cases that Connect would join by UPN are decided by that reading (a duplicate here).
  assert.ok(upnVariants > 0, "no case depended on the row 27 reading: the generator did not reach it");
  for (const o of ["softMatchSmtp", "hardMatch", "newObject"]) {
    assert.ok((outcomes.get(o) ?? 0) > 0, `no agreed case ends in ${o} (seed ${seed})`);
  }
});
