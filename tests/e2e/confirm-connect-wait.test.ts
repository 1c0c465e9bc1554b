/**
 * Issue 14, Entra Connect: `up` with waitForJoin waits for the emulator's background Connect cycle
 * (a timer the test starts; nothing triggers a cycle for the provider) through the real Pulumi CLI
 * running examples/soft-match. Alva (primary SMTP aligned) is joined by a background cycle and
 * confirmed; Bruno (UPN-only, the tenant's UPN soft match switched off) gets a quarantined
 * duplicate `bruno.costa…1234@…onmicrosoft.com`, which the wait reports, failing his link.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import type { JoinResult } from "../../provider/confirm/types";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const workDir = path.join(REPO_ROOT, "examples", "soft-match");
const STACK = "e2e-confirm-wait";
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let stateDir: string;

async function joinResults(): Promise<Record<string, JoinResult | undefined>> {
  const state = await stack.exportStack();
  const out: Record<string, JoinResult | undefined> = {};
  for (const r of (state.deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] })
    .resources ?? []) {
    if (r.urn.includes("UserLink"))
      out[r.urn.split("::").pop() ?? ""] = r.outputs?.["joinResult"] as JoinResult | undefined;
  }
  return out;
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "ewait", ["alva", "bruno"]);
  // A legacy tenant: only the UPN matches Bruno, and UPN soft match is off → Connect provisions a duplicate.
  await env.control.setFeatures(s.tenantId, { softMatchOnUpnEnabled: false });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-e2e-wait-"));
  sandbox = await pulumiSandbox(stateDir, { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  const { config, secrets } = linkStackConfig(env, { tenantId: s.tenantId, baseDn: s.ou });
  stack = await openStack(sandbox, {
    workDir,
    stackName: STACK,
    config: {
      ...config,
      "ad-entra-link:waitForJoin": "true",
      "ad-entra-link:waitForJoinPollSeconds": "1",
      "ad-entra-link:waitForJoinTimeoutSeconds": "40",
      "soft-match:adamSamAccountName": s.users["bruno"]!.seed.sAMAccountName,
      "soft-match:adamCloudUpn": s.cloudUpn("bruno"),
      "soft-match:alvaSamAccountName": s.users["alva"]!.seed.sAMAccountName,
      "soft-match:alvaCloudUpn": s.cloudUpn("alva"),
    },
    secrets,
  });
});

after(async () => {
  await env.control.stopSyncSchedule(s.tenantId).catch(() => undefined);
  await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test("up waits for the background Connect cycle: Alva's join is confirmed, Bruno's quarantined duplicate reported", async () => {
  let failure = "";
  let scheduled: Promise<unknown> | undefined;
  // The Connect scheduler starts once `up` has written and waits (the provider says so), then runs a
  // cycle every 3 s: the provider never triggers one, it only observes.
  const onOutput = (text: string): void => {
    if (scheduled !== undefined || !text.includes("waiting up to")) return;
    scheduled = env.control.startSyncSchedule(s.tenantId, {
      cycle: {
        ldap: {
          url: env.samba.url,
          bindDn: env.samba.adminBindDn,
          bindPassword: env.samba.adminPassword,
          caCertPem: env.sambaCaPem,
        },
        scope: [s.ou],
      },
      intervalMs: 3000,
      firstCycleAfterMs: 2000,
    });
  };
  try {
    await stack.up({ onOutput });
  } catch (err) {
    failure = String((err as Error).message);
  }
  await scheduled;
  const schedule = await env.control.syncSchedule(s.tenantId);
  assert.ok(schedule.cyclesRun >= 1, "at least one background cycle ran");
  assert.match(failure, /join was not confirmed \(duplicate\)/);
  assert.match(failure, /Entra Connect created a NEW cloud user bruno\.costa\S*\d{4}@\S+onmicrosoft\.com/);

  const results = await joinResults();
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
