/**
 * Two identities (examples/github-actions, issue 13): a pull-request preview with a read-only AD
 * account (tests/infra/samba/read-only-account.ts) and a read-only Entra ID app (seed app
 * "ad-entra-link (read-only preview)", PREVIEW_APP_ROLES) is as complete as one with the writing
 * identities; `up` with a read-only identity fails at its first write with a PermissionDeniedError
 * naming what is missing, and leaves both directories byte-for-byte unchanged.
 *
 * Runs the example's consuming repository (examples/github-actions) through the real CLI, with the
 * identities in the environment variables the workflow sets.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { Attribute, Change, InsufficientAccessError } from "ldapts";
import { APPS, PREVIEW_APP_ROLES } from "../fixtures/seed-scenario";
import { bindClient, createOu, snapshotSubtree } from "../infra/samba";
import { createReadOnlyAccount, type ReadOnlyAccount } from "../infra/samba/read-only-account";
import { linkEnvironment } from "../support/link-config";
import { openStack, type PulumiSandbox, pulumiBinDir, pulumiSandbox } from "../support/pulumi";
import { isolatedScenario, type Scenario } from "../support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";
import { exampleProject, linkSteps, linksYaml } from "./harness";

const STACK = `gitops-ro-${process.pid}`;
const tag = `ro${Math.random().toString(36).slice(2, 7)}`;
let env: TestEnv;
let s: Scenario;
let sandbox: PulumiSandbox;
let stack: Stack;
let dir: string;
let project: string;
let readOnlyAccount: ReadOnlyAccount;
const previewApp = APPS.find((a) => a.displayName === "ad-entra-link (read-only preview)")!;
const writeApp = APPS.find((a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"))!;

type Identity = { ad: "read-only" | "write"; app: "read-only" | "write" };

/** The workflow's environment variables for one pair of identities. */
function identityEnv(id: Identity): Record<string, string> {
  const app = id.app === "read-only" ? previewApp : writeApp;
  const base = linkEnvironment(env, {
    tenantId: s.tenantId,
    baseDn: s.ou,
    clientId: app.clientId,
    clientSecret: app.secret!,
  });
  if (id.ad === "read-only") {
    base["AD_ENTRA_LINK_LDAP_BIND_DN"] = readOnlyAccount.dn;
    base["AD_ENTRA_LINK_LDAP_BIND_PASSWORD"] = readOnlyAccount.password;
  }
  return base;
}

function cli(args: string[], id: Identity): { code: number; out: string } {
  try {
    const out = execFileSync(
      path.join(pulumiBinDir(), "pulumi"),
      [...args, "--stack", STACK, "--non-interactive"],
      {
        cwd: project,
        env: {
          ...sandbox.envVars,
          HOME: process.env["HOME"] ?? os.homedir(),
          ...identityEnv(id),
          PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true",
        },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, out };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return { code: e.status ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const sam = (key: string) => s.users[key]!.seed.sAMAccountName;
const adamLink = () => [
  "  - name: adam-anderson",
  `    onPremises: { samAccountName: ${sam("adam")} }`,
  `    cloud: { userPrincipalName: ${s.cloudUpn("adam")} }`,
];
const brunoLink = () => [
  "  - name: bruno-costa",
  `    onPremises: { samAccountName: ${sam("bruno")} }`,
  `    cloud: { userPrincipalName: ${s.cloudUpn("bruno")} }`,
  "    match: hard",
  '    reason: "CHG-1042: no mailbox"',
];

function writeLinks(lines: string[]): void {
  fs.writeFileSync(path.join(project, "links.yaml"), linksYaml(lines));
}

async function snapshots(): Promise<{ ad: string; cloud: string }> {
  return { ad: await snapshotSubtree(s.dc, s.ou), cloud: await env.control.snapshot(s.tenantId) };
}

before(async () => {
  env = await getTestEnv();
  s = await isolatedScenario(env, tag, ["adam", "bruno"]);
  const container = await createOu(s.dc, `OU=svc-${tag},${env.samba.baseDn}`);
  readOnlyAccount = await createReadOnlyAccount(s.dc, { containerDn: container, name: `svc-${tag}` });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-gitops-ro-"));
  project = exampleProject(path.join(dir, "identity"));
  sandbox = await pulumiSandbox(path.join(dir, "pulumi"), { NODE_EXTRA_CA_CERTS: env.caBundlePath });
  stack = await openStack(sandbox, { workDir: project, stackName: STACK, config: {} });
});

after(async () => {
  await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the preview identities are read only: the app has no write permission, the account no write right", async () => {
  assert.deepEqual(
    previewApp.roles.filter((r) => /Write/.test(r)),
    [],
    "no *.ReadWrite.* permission",
  );
  assert.deepEqual(
    PREVIEW_APP_ROLES.filter((r) => !r.includes(".Read")),
    [],
  );
  const client = await bindClient({
    url: env.samba.url,
    caPem: env.sambaCaPem,
    bindDn: readOnlyAccount.dn,
    password: readOnlyAccount.password,
  });
  try {
    const { searchEntries } = await client.search(s.users["adam"]!.dn, {
      scope: "base",
      attributes: ["mail"],
    });
    assert.equal(searchEntries.length, 1, "it reads the user");
    await assert.rejects(
      client.modify(s.users["adam"]!.dn, [
        new Change({
          operation: "replace",
          modification: new Attribute({ type: "mail", values: ["x@contoso.com"] }),
        }),
      ]),
      InsufficientAccessError,
    );
  } finally {
    await client.unbind();
  }
});

test("a preview with the read-only identities shows the same full plan and prediction as the writing ones", async () => {
  writeLinks([...adamLink(), ...brunoLink()]);
  const ro = cli(["preview", "--json"], { ad: "read-only", app: "read-only" });
  assert.equal(ro.code, 0, ro.out);
  const rw = cli(["preview", "--json"], { ad: "write", app: "write" });
  assert.equal(rw.code, 0, rw.out);
  const roSteps = linkSteps(ro.out);
  const rwSteps = linkSteps(rw.out);
  assert.deepEqual([...roSteps.keys()].sort(), ["adam-anderson", "bruno-costa"]);
  for (const [name, st] of roSteps) {
    assert.equal(st.op, "create", name);
    assert.ok((st.inputs["plan"] as string[]).length > 0, `${name} has planned changes`);
    assert.match(
      String(st.inputs["objects"]),
      /^AD CN=.* ⇄ cloud [0-9a-f-]{36}$/,
      `${name} resolved both objects`,
    );
    assert.match(String(st.inputs["join"]), /^(softMatchSmtp|hardMatch), (un)?certain: /);
    assert.deepEqual(st.inputs, rwSteps.get(name)?.inputs, `${name}: the read-only plan is the full plan`);
  }
  assert.match(
    String((roSteps.get("adam-anderson")!.inputs["plan"] as string[]).join("\n")),
    new RegExp(`on-premises mail: \\(not set\\) → ${s.cloudUpn("adam").replace(/\./g, "\\.")}`),
  );
});

test("up with the read-only identities fails at the first write, naming User.ReadWrite.All; nothing is written", async () => {
  writeLinks([...adamLink(), ...brunoLink()]);
  const before = await snapshots();
  const r = cli(["up", "--yes"], { ad: "read-only", app: "read-only" });
  assert.notEqual(r.code, 0);
  assert.match(r.out, /PermissionDeniedError \[ENTRA_PERMISSION_DENIED\]: .*User\.ReadWrite\.All/);
  assert.deepEqual(await snapshots(), before, "both directories unchanged");
});

test("up with the read-only app (and the writing AD account) writes nothing in either directory", async () => {
  writeLinks(adamLink());
  const before = await snapshots();
  const r = cli(["up", "--yes"], { ad: "write", app: "read-only" });
  assert.notEqual(r.code, 0);
  assert.match(r.out, /PermissionDeniedError \[ENTRA_PERMISSION_DENIED\]: .*User\.ReadWrite\.All/);
  assert.deepEqual(
    await snapshots(),
    before,
    "the ownership record is claimed before the AD write, so AD is untouched",
  );
});

test("up with the read-only AD account fails at the LDAP modify, naming the DN and the attributes; nothing is written", async () => {
  writeLinks(adamLink());
  const before = await snapshots();
  const r = cli(["up", "--yes"], { ad: "read-only", app: "write" });
  assert.notEqual(r.code, 0);
  const dn = s.users["adam"]!.dn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(
    r.out,
    new RegExp(
      `PermissionDeniedError \\[LDAP_INSUFFICIENT_ACCESS\\]: ad-entra-link: modify ${dn}: .*insufficientAccessRights.*userPrincipalName, mail, proxyAddresses and mS-DS-ConsistencyGuid`,
    ),
  );
  const afterwards = await snapshots();
  assert.equal(afterwards.ad, before.ad, "Active Directory unchanged");
  // The ownership record claimed before the AD write is released again when that write is refused.
  assert.equal(afterwards.cloud, before.cloud, "Entra ID unchanged (no ownership record left behind)");
});
