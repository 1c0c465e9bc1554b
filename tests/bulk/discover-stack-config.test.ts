/**
 * `discover --stack` against the real pulumi CLI: a stack whose Pulumi.<stack>.yaml holds plain
 * values, a list and an encrypted secret is read exactly as the provider would receive it, the
 * environment fills what the stack lacks, and a missing stack is a ConfigurationError that shows no
 * value. No directory is contacted (settings only).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { discoverSettings } from "../../provider/cli/discover";
import { openStack, pulumiSandbox } from "../support/pulumi";

const PASSWORD = "Real-Stack-Secret-9f3e";
let projectDir: string;
let stateDir: string;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-discover-stack-"));
  projectDir = path.join(stateDir, "project");
  fs.mkdirSync(projectDir);
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: discover-stack\nruntime: nodejs\n");
  const sandbox = await pulumiSandbox(stateDir);
  // discover runs the pulumi on PATH with the caller's environment: give this process the sandbox's.
  Object.assign(process.env, sandbox.envVars);
  await openStack(sandbox, {
    workDir: projectDir,
    stackName: "dev",
    config: {
      "ad-entra-link:ldapUrl": "ldaps://dc-from-stack.corp.local:636",
      "ad-entra-link:ldapBindDn": "CN=svc,OU=Service,DC=corp,DC=local",
      "ad-entra-link:ldapBaseDn": "DC=corp,DC=local",
      "ad-entra-link:allowedSearchBases": '["OU=Staff,DC=corp,DC=local"]',
      "ad-entra-link:tenantId": "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b",
    },
    secrets: { "ad-entra-link:ldapBindPassword": PASSWORD },
  });
});

after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

test("discover --stack reads the stack file's values and decrypts its secret; the environment fills the rest", async () => {
  const stackFile = fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8");
  assert.ok(
    stackFile.includes("secure:") && !stackFile.includes(PASSWORD),
    "the secret is encrypted on disk",
  );
  const env = {
    ...process.env,
    AD_ENTRA_LINK_LDAP_URL: "ldaps://dc-from-env.corp.local:636",
    AZURE_CLIENT_ID: "11111111-aaaa-4bbb-8ccc-000000000001",
    AZURE_CLIENT_SECRET: "env-client-secret",
  };
  const settings = await discoverSettings("dev", { env, cwd: projectDir });
  assert.equal(settings.ldap.urls[0], "ldaps://dc-from-stack.corp.local:636");
  assert.equal(settings.ldap.bindPassword, PASSWORD);
  assert.deepEqual(settings.ldap.allowedSearchBases, ["OU=Staff,DC=corp,DC=local"]);
  assert.equal(settings.entra.clientSecret, "env-client-secret");
  assert.equal(settings.sources["ldapUrl"], "config");
  assert.equal(settings.sources["clientSecret"], "env:AZURE_CLIENT_SECRET");
});

test("a stack that does not exist is a ConfigurationError naming the stack, showing no value", async () => {
  await assert.rejects(
    discoverSettings("nosuchstack", { env: process.env, cwd: projectDir }),
    (err: Error & { code?: string }) =>
      err.name === "ConfigurationError" &&
      err.code === "STACK_CONFIG_UNREADABLE" &&
      err.message.includes('stack "nosuchstack"') &&
      !err.message.includes(PASSWORD),
  );
});
