/** The reviewed-plan check of examples/github-actions (check-plan.ts), on update-plan documents. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  comparePlans,
  type ResourcePlan,
  renderComparison,
  type UpdatePlan,
} from "../../../examples/github-actions/check-plan";

const TYPE = "pulumi-nodejs:dynamic/ad-entra-link:UserLink";
const urn = (n: string) => `urn:pulumi:prod::identity::${TYPE}::${n}`;

function plan(mail: string | null, providerId: string, extra: Record<string, ResourcePlan> = {}): UpdatePlan {
  const link = (name: string, current: string | null) => ({
    goal: {
      type: TYPE,
      name,
      provider: `urn:pulumi:prod::identity::pulumi:providers:pulumi-nodejs::default::${providerId}`,
      inputDiff: {
        adds: {
          __provider: "exports.handler = __f0;",
          linkName: name,
          changes: { onPremises: { mail: { current, planned: `${name}@contoso.com` } } },
        },
      },
    },
    steps: ["create"],
    seed: providerId,
  });
  return {
    resourcePlans: {
      "urn:pulumi:prod::identity::pulumi:pulumi:Stack::identity-prod": {
        goal: { type: "pulumi:pulumi:Stack" },
        steps: [providerId],
      },
      [urn("adam")]: link("adam", mail),
      [urn("bruno")]: link("bruno", null),
      ...extra,
    },
  };
}

test("two previews of unchanged directories compare equal (fresh provider ids, seeds and stack outputs aside)", () => {
  const a = plan(null, "11111111-1111-4111-8111-111111111111");
  const b = plan(null, "22222222-2222-4222-8222-222222222222");
  assert.deepEqual(comparePlans(a, b), []);
  assert.match(renderComparison([]), /the directories are as reviewed/);
});

test("a changed value names the link, the property, the reviewed and the current value", () => {
  const diffs = comparePlans(plan(null, "x"), plan("changed@contoso.com", "x"));
  assert.deepEqual(diffs, [
    {
      link: "adam",
      path: "changes.onPremises.mail.current",
      reviewed: "null",
      current: '"changed@contoso.com"',
    },
  ]);
  const md = renderComparison(diffs);
  assert.match(md, /❌ refused, 1 link differs from the reviewed plan/);
  assert.match(md, /\| adam \| `changes.onPremises.mail.current` \| null \| "changed@contoso.com" \|/);
});

test("a link only in one plan, another operation, or other provider code are differences too", () => {
  const extra: Record<string, ResourcePlan> = {
    [urn("chen")]: { goal: { type: TYPE, name: "chen" }, steps: ["create"] },
  };
  const current = plan(null, "x", extra);
  current.resourcePlans![urn("bruno")]!.steps = ["update"];
  (current.resourcePlans![urn("adam")]!.goal!.inputDiff!.adds as Record<string, unknown>)["__provider"] =
    "evil";
  const diffs = comparePlans(plan(null, "x"), current);
  assert.deepEqual(
    diffs.map((d) => `${d.link} ${d.path}`),
    ["adam __provider (the program's provider code)", "bruno (operation)", "chen (resource)"],
  );
  assert.equal(diffs.find((d) => d.link === "chen")?.reviewed, "not in the reviewed plan");
});
