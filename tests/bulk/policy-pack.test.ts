/**
 * The policy pack (policy/) through `pulumi preview --policy-pack` on the root program, against the
 * shared DC and an emulator tenant of its own: a link to the seed's Global Administrator (Gina)
 * with allowPrivilegedCloudUser: true is blocked, as are a hard match without a reason and a user
 * outside the allowed OUs; compliant links pass.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { type PulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { openRootStack, POLICY_PACK_DIR, policySandbox, removeRootStack } from "./root-program";

const STACK = `bulk-policy-${process.pid}`;
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let dir: string;

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, "bpolicy", ["gina", "adam", "bruno"]);
  // Inside the project folder (the root program refuses links files outside it); .cache is ignored by git.
  fs.mkdirSync(path.join(REPO_ROOT, ".cache"), { recursive: true });
  dir = fs.mkdtempSync(path.join(REPO_ROOT, ".cache", "bulk-policy-"));
  sandbox = await policySandbox(path.join(dir, "pulumi"), env);
  stack = await openRootStack(sandbox, env, {
    stackName: STACK,
    tenantId: s.tenantId,
    ou: s.ou,
    linksFile: path.relative(REPO_ROOT, path.join(dir, "links.yaml")),
  });
});

after(async () => {
  await removeRootStack(stack, STACK);
  fs.rmSync(dir, { recursive: true, force: true });
});

const sam = (key: string) => s.users[key]!.seed.sAMAccountName;
const re = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("a link to a privileged cloud user (Gina, Global Administrator) is blocked by the pack", async () => {
  fs.writeFileSync(
    path.join(dir, "links.yaml"),
    [
      "version: 1",
      "entries:",
      "  - name: gina-marsh",
      `    onPremises: { samAccountName: ${sam("gina")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("gina")} }`,
      "    allowPrivilegedCloudUser: true",
      "  - name: bruno-costa",
      `    onPremises: { samAccountName: ${sam("bruno")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
      "    match: hard",
      "",
    ].join("\n"),
  );
  const config = writeJson("policy-config.json", {
    "ad-entra-link-allowed-ous": { allowedOus: ["OU=Elsewhere,DC=corp,DC=local"] },
  });
  let output = "";
  await assert.rejects(
    stack.preview({
      policyPacks: [POLICY_PACK_DIR],
      policyPackConfigs: [config],
      onOutput: (o) => {
        output += o;
      },
    }),
    (err: Error) => {
      output += err.message;
      return true;
    },
  );
  assert.match(output, /ad-entra-link-no-privileged-cloud-users/);
  assert.match(
    output,
    new RegExp(
      `UserLink gina-marsh sets allowPrivilegedCloudUser: true for cloud user userPrincipalName "${re(s.cloudUpn("gina"))}"`,
    ),
  );
  assert.match(
    output,
    new RegExp(
      `UserLink bruno-costa hard-matches samAccountName "${re(sam("bruno"))}" to userPrincipalName "${re(s.cloudUpn("bruno"))}" without a reason`,
    ),
  );
  assert.match(
    output,
    new RegExp(`UserLink gina-marsh: the AD user ${re(s.users["gina"]!.dn)} is not inside an allowed OU`),
  );
  assert.ok(!/UserLink adam-anderson/.test(output));
});

test("compliant links pass the pack", async () => {
  fs.writeFileSync(
    path.join(dir, "links.yaml"),
    [
      "version: 1",
      "entries:",
      "  - name: adam-anderson",
      `    onPremises: { samAccountName: ${sam("adam")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("adam")} }`,
      "  - name: bruno-costa",
      `    onPremises: { samAccountName: ${sam("bruno")} }`,
      `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
      "    match: hard",
      '    reason: "CHG-1042: no mailbox"',
      "",
    ].join("\n"),
  );
  const config = writeJson("policy-config-ok.json", { "ad-entra-link-allowed-ous": { allowedOus: [s.ou] } });
  let output = "";
  const preview = await stack.preview({
    policyPacks: [POLICY_PACK_DIR],
    policyPackConfigs: [config],
    onOutput: (o) => {
      output += o;
    },
  });
  assert.equal(preview.changeSummary.create, 3, "stack + two links");
  assert.match(output, /ad-entra-link@v0\.1\.0/);
  assert.ok(!/mandatory/.test(output), output);
});
