/**
 * Issue 14, Cloud Sync: `up` with syncEngine cloudSync and confirmJoin provisions each link on
 * demand through the emulator's Cloud Sync job (the real Samba DC, the real Pulumi CLI running
 * examples/soft-match) and reads the per-step result. Alva (primary SMTP aligned) is confirmed
 * joined; Bruno (no mailbox: only the UPN matches, row 27 [U]) gets a duplicate, and his link fails
 * with the duplicate named and what to do, keeping its state with `joinResult`. Then
 * `ad-entra-link status` (the real CLI, read-only credentials) reports both from the stack.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { APPS } from "../fixtures/seed-scenario";
import { joinResults, useConfirmStack, runStatusCli, statusByLink } from "../support/confirm-stack";

const stack = useConfirmStack({
  name: "ecsync",
  stackName: "e2e-confirm-cs",
  async arrange(env, s, ldap) {
    const app = APPS.find((a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"))!;
    await env.control.updateApp(s.tenantId, app.clientId, {
      roles: [...app.roles, "Synchronization.ReadWrite.All"],
    });
    const job = await env.control.configureCloudSync(s.tenantId, { ldap, scope: [s.ou] });
    return {
      "ad-entra-link:syncEngine": "cloudSync",
      "ad-entra-link:confirmJoin": "true",
      "ad-entra-link:cloudSyncServicePrincipalId": job.servicePrincipalId,
      "ad-entra-link:cloudSyncJobId": job.jobId,
    };
  },
});

test("preview follows Cloud Sync's rules: Bruno's UPN-only match is a duplicate under the reported reading (row 27 [U])", async () => {
  const c = stack();
  const preview = await c.stack.preview({ diff: true });
  // Under Entra Connect (UPN soft match on by default) Bruno would be predicted softMatchUpn.
  assert.match(preview.stdout, /adam: "newObject/);
  assert.match(preview.stdout, /alva: "softMatchSmtp/);
});

test("up confirms Alva's join and fails Bruno's link on the duplicate Cloud Sync created", async () => {
  const c = stack();
  const { env, s } = c;
  const usersBefore = (await env.control.listUsers(s.tenantId)).length;
  let failure = "";
  try {
    await c.stack.up();
  } catch (err) {
    failure = String((err as Error).message);
  }
  assert.match(failure, /join was not confirmed \(duplicate\)/);
  assert.match(failure, /Cloud Sync created a NEW cloud user/);
  assert.match(failure, /Delete it and purge it/);

  const results = await joinResults(c.stack);
  const alva = results["alva-wood"];
  assert.equal(alva?.outcome, "joined", JSON.stringify(alva));
  assert.equal(alva?.engine, "cloudSync");
  assert.equal(alva?.matchedBy, "proxyAddresses");
  const alvaCloud = (await env.control.listUsers(s.tenantId)).find(
    (u) => u.userPrincipalName === s.cloudUpn("alva"),
  );
  assert.equal(alva?.cloudObjectId, alvaCloud?.id);
  assert.equal(alvaCloud?.onPremisesSyncEnabled, true, "the join really happened in the tenant");

  const bruno = results["adam-anderson"];
  assert.equal(bruno?.outcome, "duplicate", JSON.stringify(bruno));
  const users = await env.control.listUsers(s.tenantId);
  assert.equal(users.length, usersBefore + 1, "exactly one new cloud user: the duplicate");
  const duplicate = users.find((u) => u.id === bruno?.cloudObjectId);
  assert.ok(duplicate, "the reported duplicate exists");
  assert.match(duplicate.userPrincipalName, /^bruno\.costa.*\d{4}@/);

  // Every call went through the rate-limited endpoint and none was throttled (the pacer kept to 5/10 s).
  const job = await env.control.cloudSync(s.tenantId);
  assert.equal(job.onDemandCallsAnswered, 2);
  assert.equal(job.onDemandCallsThrottled, 0);
});

test("status (read-only) reports Cloud Sync's join and its duplicate from the stack", async () => {
  const c = stack();
  const { env, s } = c;
  const users = await env.control.listUsers(s.tenantId);
  const alvaCloud = users.find((u) => u.userPrincipalName === s.cloudUpn("alva"))!;
  const bruno = (await joinResults(c.stack))["adam-anderson"];
  const duplicate = users.find((u) => u.id === bruno?.cloudObjectId)!;
  const status = statusByLink(c);
  assert.deepEqual(Object.keys(status).sort(), ["adam-anderson", "alva-wood"]);
  assert.equal(status["alva-wood"]?.state, "synced");
  assert.equal(status["alva-wood"]?.join, `joined to ${alvaCloud.userPrincipalName}`);
  assert.equal(status["alva-wood"]?.recordedOutcome, "joined");
  const adam = status["adam-anderson"];
  assert.equal(adam?.state, "cloudOnly", "Bruno's declared cloud user is still cloud-only");
  assert.deepEqual(adam?.duplicates, [{ id: duplicate.id, userPrincipalName: duplicate.userPrincipalName }]);
  assert.equal(adam?.recordedOutcome, "duplicate");

  const text = runStatusCli(c, ["--stack", c.stackName]);
  assert.equal(text.code, 0, text.stderr);
  // --check: a pipeline step fails on the duplicate, naming only the link that has it.
  const checked = runStatusCli(c, ["--stack", c.stackName, "--check"]);
  assert.equal(checked.code, 3, checked.stderr);
  assert.match(checked.stderr, /1 link\(s\) need attention: adam-anderson$/m);
  assert.match(text.stdout, /^alva-wood: synced — joined to /m);
  assert.match(
    text.stdout,
    new RegExp(
      `^adam-anderson: cloud-only — a DUPLICATE ${duplicate.userPrincipalName.replace(/\./g, "\\.")} .* — last up: duplicate$`,
      "m",
    ),
  );
});
