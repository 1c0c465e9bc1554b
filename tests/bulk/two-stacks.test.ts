/**
 * "Beyond one machine" (issue 15): a large estate split into one stack per OU, the stacks on one
 * shared backend and run at the same time (as parallel CI jobs would), against one DC and one
 * tenant. Two stacks of five links each, one per OU, `up` at once: both converge (a second preview
 * of each shows no changes), every cloud user carries the ownership record of the stack that links
 * it, and a link of the east stack to a user the west stack owns is refused at preview, naming the
 * owner — no cross-stack claim.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { OWNERSHIP_EXTENSION } from "../../provider/entra/ownership";
import type { SeedAdUser } from "../fixtures/seed-scenario";
import { createOu, seedUsersInto } from "../infra/samba";
import { type CliResult, LINKS_PROGRAM, type LinkEntry, output, runPulumi } from "../safety/support/harness";
import { type SafetyScenario, safetyScenario } from "../safety/support/scenario";
import { linkStackConfig } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { getTestEnv, type TestEnv } from "../support/test-env";

const TAG = "twostk";
const PER_OU = 5;
let env: TestEnv;
let s: SafetyScenario;
let root: string;
let sandbox: PulumiSandbox;

interface OuStack {
  name: "east" | "west";
  ou: string;
  dir: string;
  stack: Stack;
  links: LinkEntry[];
  cloudIds: string[];
}
const stacks: OuStack[] = [];

function run(o: OuStack, ...args: string[]): Promise<CliResult> {
  return runPulumi(sandbox, [...args, "--stack", o.name, "--non-interactive"], o.dir);
}

before(async () => {
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, []);
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-two-stacks-"));
  // One backend for both stacks: what a shared s3:// or azblob:// backend is to CI jobs.
  sandbox = await pulumiSandbox(path.join(root, "state"), { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  for (const [o, name] of (["east", "west"] as const).entries()) {
    const ou = await createOu(s.dc, `OU=${name},${s.ou}`);
    const ad: SeedAdUser[] = [];
    const cloud: Record<string, unknown>[] = [];
    for (let i = 0; i < PER_OU; i++) {
      const k = `${name}${i}`;
      ad.push({
        key: k,
        ou: "",
        cn: `${k} ${TAG}`,
        sAMAccountName: `${k}-${TAG}`,
        userPrincipalName: `${k}.${TAG}@contoso.local`,
        givenName: k,
        sn: TAG,
        displayName: `${k} ${TAG}`,
      });
      const address = `${k}.${TAG}@contoso.com`;
      cloud.push({
        key: k,
        id: `2057ac00-0000-4000-8000-${String(o * 100 + i).padStart(12, "0")}`,
        userPrincipalName: address,
        displayName: `${k} ${TAG}`,
        givenName: k,
        surname: TAG,
        mailNickname: `${k}.${TAG}`,
        mail: address,
        proxyAddresses: [`SMTP:${address}`],
      });
    }
    await seedUsersInto(s.dc, ou, ad);
    await env.control.addUsers(s.tenantId, cloud as never);
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const f of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts"]) {
      fs.copyFileSync(path.join(LINKS_PROGRAM, f), path.join(dir, f));
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const links = ad.map((u) => ({
      name: `link-${u.key}`,
      args: {
        onPremises: { samAccountName: u.sAMAccountName },
        cloud: { userPrincipalName: `${u.key}.${TAG}@contoso.com` },
      },
    }));
    // Each stack's sync scope is its own OU: its bulk read and its checkpoint cover that OU only.
    const base = linkStackConfig(env, { tenantId: s.tenantId, baseDn: ou });
    const stack = await openStack(sandbox, {
      workDir: dir,
      stackName: name,
      config: { ...base.config, "safety-links:links": JSON.stringify(links) },
      secrets: base.secrets,
    });
    stacks.push({ name, ou, dir, stack, links, cloudIds: cloud.map((c) => String(c["id"])) });
  }
});

after(async () => {
  for (const o of stacks) await o.stack.workspace.removeStack(o.name, { force: true }).catch(() => undefined);
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("two stacks, one per OU, run at once on one backend: both converge, each owns only its users", async () => {
  const ups = await Promise.all(stacks.map((o) => run(o, "up", "--yes", "--skip-preview")));
  for (const [i, r] of ups.entries()) assert.equal(r.code, 0, `${stacks[i]!.name} up:\n${output(r)}`);
  for (const o of stacks) {
    const again = await run(o, "preview", "--expect-no-changes");
    assert.equal(again.code, 0, `${o.name} converged:\n${output(again)}`);
    const state = await o.stack.exportStack();
    const linked = (state.deployment.resources ?? []).filter((r: { type: string }) =>
      r.type.endsWith(":UserLink"),
    );
    assert.equal(linked.length, PER_OU, `${o.name}: ${PER_OU} links in state`);
    for (const id of o.cloudIds) {
      const ext = (await env.control.getExtensions(s.tenantId, id))[OWNERSHIP_EXTENSION];
      assert.ok(ext, `cloud user ${id} carries an ownership record`);
      assert.match(String(ext["owner"]), new RegExp(`/${o.name}$`), `user ${id} is owned by ${o.name}`);
    }
  }
  // East claims a user West links: refused at preview, naming West; nothing is written.
  const [east, west] = stacks as [OuStack, OuStack];
  const stolen = {
    name: "link-stolen",
    args: {
      onPremises: { samAccountName: `east0-${TAG}` },
      cloud: { userPrincipalName: `west1.${TAG}@contoso.com` },
    },
  };
  await east.stack.setConfig("safety-links:links", {
    value: JSON.stringify([...east.links.slice(1), stolen]),
  });
  const before = await env.control.getExtensions(s.tenantId, west.cloudIds[1]!);
  const refused = await run(east, "preview");
  assert.notEqual(refused.code, 0, "the cross-stack claim is refused");
  assert.match(output(refused), /OWNED_BY_OTHER_STACK[\s\S]*\/west"/);
  assert.deepEqual(await env.control.getExtensions(s.tenantId, west.cloudIds[1]!), before);
});
