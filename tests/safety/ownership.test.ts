/**
 * Ownership across stacks (issue 10 item 6): the stack that links a cloud user records itself on
 * that user (a Graph open extension every stack can read); a second stack claiming the user is
 * refused at preview, naming the owner, and writes nothing; `destroy` releases the claim.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { type LinkEntry, LinkStack, output, snapshotBoth } from "./support/harness";
import { clearSettingEnvironment } from "./support/in-process";
import { type SafetyScenario, safetyScenario } from "./support/scenario";

const TAG = "own";
let env: TestEnv;
let s: SafetyScenario;
const stacks: LinkStack[] = [];

const adam = (): LinkEntry => ({
  name: "adam",
  args: {
    onPremises: { samAccountName: s.users["adam"]!.seed.sAMAccountName },
    cloud: { userPrincipalName: s.cloud["adam"]!.userPrincipalName },
  },
});

async function open(stackName: string): Promise<LinkStack> {
  const st = await LinkStack.open(env, { stackName, tenantId: s.tenantId, baseDn: s.ou, links: [adam()] });
  stacks.push(st);
  return st;
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, ["adam"]);
});

after(async () => {
  await Promise.all(stacks.map((st) => st.dispose()));
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("a second stack cannot claim a linked user until the first one releases it", async () => {
  const first = await open(`${TAG}-first`);
  const second = await open(`${TAG}-second`);
  const up = await first.up();
  assert.equal(up.code, 0, output(up));

  const beforeSecond = await snapshotBoth(env, s.dc, s.ou, s.tenantId);
  const refused = await second.upWithPreview();
  assert.notEqual(refused.code, 0, output(refused));
  assert.match(output(refused), /LINK_OWNED_BY_OTHER_STACK/);
  assert.match(output(refused), new RegExp(`/${TAG}-first"`));
  assert.deepEqual(
    await snapshotBoth(env, s.dc, s.ou, s.tenantId),
    beforeSecond,
    "the second stack wrote nothing",
  );

  // Re-running the owner is fine: the record is its own.
  const again = await first.run("preview", "--expect-no-changes");
  assert.equal(again.code, 0, output(again));

  const destroyed = await first.destroy();
  assert.equal(destroyed.code, 0, output(destroyed));
  const now = await second.upWithPreview();
  assert.equal(now.code, 0, output(now));
});
