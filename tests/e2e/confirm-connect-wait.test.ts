/**
 * Issue 14, Entra Connect: `up` with waitForJoin waits for the emulator's background Connect cycle
 * (a timer the test starts; nothing triggers a cycle for the provider) through the real Pulumi CLI
 * running examples/soft-match. Alva (primary SMTP aligned) is joined by a background cycle and
 * confirmed; Bruno (UPN-only, the tenant's UPN soft match switched off) gets a quarantined
 * duplicate `bruno.costa…1234@…onmicrosoft.com`, which the wait reports, failing his link. Then
 * `ad-entra-link status` (the real CLI, read-only credentials) reports both from the stack, and,
 * from a state file, links that are still cloud-only or pending their cycle.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { joinResults, useConfirmStack, runStatusCli, statusByLink } from "../support/confirm-stack";

const stack = useConfirmStack({
  name: "ewait",
  stackName: "e2e-confirm-wait",
  async arrange(env, s) {
    // A legacy tenant: only the UPN matches Bruno, and UPN soft match is off → Connect provisions a duplicate.
    await env.control.setFeatures(s.tenantId, { softMatchOnUpnEnabled: false });
    return {
      "ad-entra-link:waitForJoin": "true",
      "ad-entra-link:waitForJoinPollSeconds": "1",
      "ad-entra-link:waitForJoinTimeoutSeconds": "40",
    };
  },
});

test("up waits for the background Connect cycle: Alva's join is confirmed, Bruno's quarantined duplicate reported", async () => {
  const c = stack();
  const { env, s } = c;
  let failure = "";
  let scheduled: Promise<unknown> | undefined;
  // The Connect scheduler starts once `up` has written and waits (the provider says so), then runs a
  // cycle every 3 s: the provider never triggers one, it only observes.
  let printed = "";
  const onOutput = (text: string): void => {
    // Chunks may split a line: look at everything printed so far.
    printed += text;
    if (scheduled !== undefined || !printed.includes("waiting up to")) return;
    scheduled = env.control.startSyncSchedule(s.tenantId, {
      cycle: { ldap: c.ldap, scope: [s.ou] },
      intervalMs: 3000,
      firstCycleAfterMs: 2000,
    });
  };
  try {
    await c.stack.up({ onOutput });
  } catch (err) {
    failure = String((err as Error).message);
  }
  await scheduled;
  const schedule = await env.control.stopSyncSchedule(s.tenantId);
  assert.ok(schedule.cyclesRun >= 1, "at least one background cycle ran");
  assert.match(failure, /join was not confirmed \(duplicate\)/);
  assert.match(failure, /Entra Connect created a NEW cloud user bruno\.costa\S*\d{4}@\S+onmicrosoft\.com/);

  const results = await joinResults(c.stack);
  const alva = results["alva-wood"];
  assert.equal(alva?.outcome, "joined", JSON.stringify(alva));
  assert.equal(alva?.engine, "entraConnect");
  const bruno = results["adam-anderson"];
  assert.equal(bruno?.outcome, "duplicate", JSON.stringify(bruno));
  assert.ok(
    (bruno?.provisioningErrors ?? []).some((e) => e.startsWith("UserPrincipalName")),
    JSON.stringify(bruno),
  );
  const dup = (await env.control.listUsers(s.tenantId)).find((u) => u.id === bruno?.cloudObjectId);
  assert.equal(dup?.onPremisesSyncEnabled, true);
});

test("status (read-only) reports the background cycle's join and the quarantined duplicate from the stack", async () => {
  const c = stack();
  const bruno = (await joinResults(c.stack))["adam-anderson"];
  const status = statusByLink(c);
  assert.equal(status["alva-wood"]?.state, "synced");
  assert.equal(status["alva-wood"]?.recordedOutcome, "joined");
  assert.ok(status["alva-wood"]?.lastSync, "the cycle's time is shown");
  const adam = status["adam-anderson"];
  assert.equal(adam?.state, "cloudOnly");
  assert.equal(adam?.duplicates[0]?.id, bruno?.cloudObjectId);
  assert.match(adam?.duplicates[0]?.userPrincipalName ?? "", /^bruno\.costa\S*\d{4}@\S+onmicrosoft\.com$/);
  assert.ok(
    adam?.provisioningErrors.some((e) => e.startsWith(`UserPrincipalName ${c.s.cloudUpn("bruno")} `)),
    JSON.stringify(adam),
  );
});

test("status --state reports links still cloud-only or pending their cycle", async () => {
  const c = stack();
  const { env, s } = c;
  const users = await env.control.listUsers(s.tenantId);
  const chen = users.find((u) => u.userPrincipalName === s.cloudUpn("chen"))!;
  const fiona = users.find((u) => u.userPrincipalName === s.cloudUpn("fiona"))!;
  // What a hard link leaves between `up` and the next cycle: the ImmutableId stamped, not synced.
  const stamped = Buffer.from("pending-anchor-0").toString("base64");
  await env.control.patchUser(s.tenantId, chen.id, { onPremisesImmutableId: stamped });
  const state = (await c.stack.exportStack()) as { deployment: { resources: unknown[] } };
  const link = (name: string, cloudUserId: string, immutableId: string) => ({
    urn: `urn:pulumi:${c.stackName}::soft-match::pulumi-nodejs:dynamic/ad-entra-link:UserLink::${name}`,
    outputs: { resolved: { cloudUserId }, immutableId },
  });
  state.deployment.resources.push(
    link("chen-li", chen.id, stamped),
    link("fiona-walsh", fiona.id, Buffer.from("never-synced-00").toString("base64")),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-status-state-"));
  try {
    const file = path.join(dir, "export.json");
    fs.writeFileSync(file, JSON.stringify(state));
    const status = statusByLink(c, ["--state", file]);
    assert.deepEqual(Object.keys(status).sort(), ["adam-anderson", "alva-wood", "chen-li", "fiona-walsh"]);
    assert.equal(status["chen-li"]?.state, "pending");
    assert.equal(status["fiona-walsh"]?.state, "cloudOnly");
    assert.equal(status["fiona-walsh"]?.join, "not joined yet");
    assert.equal(status["alva-wood"]?.state, "synced", "the stack's own links read the same from a file");
    const text = runStatusCli(c, ["--state", file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^chen-li: pending — not joined yet: the ImmutableId is stamped/m);
    assert.match(text.stdout, /^fiona-walsh: cloud-only — not joined yet$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
