/**
 * `discover --stack <name>` reads the settings the provider reads: the stack's `ad-entra-link:`
 * config (as `pulumi config --json` reports it, secrets decrypted only when a setting is secret),
 * then the environment, with config winning as in the provider. The pulumi CLI is replaced by a
 * recorded command, so this is pure.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createDiscoverCommand, discoverSettings, parseDiscoverArgs } from "../../../provider/cli/discover";
import { readSettings } from "../../../provider/config/settings";
import { parseStackConfig, type StackConfigCommand } from "../../../provider/discover/stack-config";

const PASSWORD = "Stack-Only-Pa55word!";

/** What `pulumi config --json` prints for a stack; secrets carry a value only with --show-secrets. */
function pulumiConfigJson(
  config: Record<string, { value: string; secret?: boolean; objectValue?: unknown }>,
) {
  return (showSecrets: boolean): string =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(config).map(([key, e]) => [
          key,
          e.secret === true && !showSecrets
            ? { secret: true }
            : {
                value: e.value,
                ...(e.objectValue !== undefined ? { objectValue: e.objectValue } : {}),
                secret: e.secret === true,
              },
        ]),
      ),
    );
}

const STACK = {
  "ad-entra-link:ldapUrl": { value: "ldaps://dc-from-stack.corp.local:636" },
  "ad-entra-link:ldapBindDn": { value: "CN=svc-stack,OU=Service,DC=corp,DC=local" },
  "ad-entra-link:ldapBindPassword": { value: PASSWORD, secret: true },
  "ad-entra-link:ldapBaseDn": { value: "DC=corp,DC=local" },
  "ad-entra-link:allowedSearchBases": {
    value: '["OU=Staff,DC=corp,DC=local","OU=Contractors,DC=corp,DC=local"]',
    objectValue: ["OU=Staff,DC=corp,DC=local", "OU=Contractors,DC=corp,DC=local"],
  },
  "ad-entra-link:tenantId": { value: "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b" },
  "other-provider:ldapUrl": { value: "ldaps://not-ours.example.com" },
};

/** The environment of the shell discover runs in: some keys the stack also sets, some only here. */
const ENV: NodeJS.ProcessEnv = {
  AD_ENTRA_LINK_LDAP_URL: "ldaps://dc-from-env.corp.local:636",
  AD_ENTRA_LINK_LDAP_BIND_PASSWORD: "Env-Pa55word",
  AZURE_TENANT_ID: "00000000-1111-4222-8333-444444444444",
  AZURE_CLIENT_ID: "11111111-aaaa-4bbb-8ccc-000000000001",
  AZURE_CLIENT_SECRET: "env-client-secret",
};

function recorder(print: (showSecrets: boolean) => string) {
  const calls: { stack: string; cwd: string; showSecrets: boolean }[] = [];
  const command: StackConfigCommand = async (stack, cwd, showSecrets) => {
    calls.push({ stack, cwd, showSecrets });
    return print(showSecrets);
  };
  return { calls, command };
}

test("--stack is parsed, and needs a name", () => {
  const parsed = parseDiscoverArgs(["--stack", "dev", "--out", "x.yaml"]);
  assert.ok(!("error" in parsed) && !("help" in parsed));
  assert.equal(parsed.stack, "dev");
  assert.equal((parseDiscoverArgs(["--stack=org/proj/prod"]) as { stack?: string }).stack, "org/proj/prod");
  assert.deepEqual(parseDiscoverArgs(["--stack"]), { error: "--stack needs a stack name." });
  assert.equal((parseDiscoverArgs([]) as { stack?: string }).stack, undefined);
});

test("parseStackConfig keeps the ad-entra-link: values as the provider receives them (lists as JSON text)", () => {
  const values = parseStackConfig(pulumiConfigJson(STACK)(true));
  assert.equal(values.get("ad-entra-link:ldapUrl"), "ldaps://dc-from-stack.corp.local:636");
  assert.equal(values.get("ad-entra-link:ldapBindPassword"), PASSWORD);
  assert.equal(
    values.get("ad-entra-link:allowedSearchBases"),
    '["OU=Staff,DC=corp,DC=local","OU=Contractors,DC=corp,DC=local"]',
  );
  assert.equal(values.has("other-provider:ldapUrl"), false);
  // Without --show-secrets a secret has no value: it is absent, not an empty string.
  assert.equal(parseStackConfig(pulumiConfigJson(STACK)(false)).has("ad-entra-link:ldapBindPassword"), false);
  assert.throws(() => parseStackConfig("error: no stack named 'dev'"), { code: "STACK_CONFIG_INVALID" });
});

test("discover --stack picks up the stack's config values, secrets included", async () => {
  const { calls, command } = recorder(pulumiConfigJson(STACK));
  // Only the app credential comes from the environment here; every other value is the stack's.
  const env = { AZURE_CLIENT_ID: "11111111-aaaa-4bbb-8ccc-000000000001", AZURE_CLIENT_SECRET: "s" };
  const settings = await discoverSettings("dev", { env, cwd: "/project", stackConfigCommand: command });
  assert.equal(settings.ldap.urls[0], "ldaps://dc-from-stack.corp.local:636");
  assert.equal(settings.ldap.bindDn, "CN=svc-stack,OU=Service,DC=corp,DC=local");
  assert.equal(settings.ldap.bindPassword, PASSWORD);
  assert.deepEqual(settings.ldap.allowedSearchBases, [
    "OU=Staff,DC=corp,DC=local",
    "OU=Contractors,DC=corp,DC=local",
  ]);
  assert.equal(settings.entra.tenantId, "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b");
  // Asked once without secrets, then again with them because an ad-entra-link: key is secret.
  assert.deepEqual(calls, [
    { stack: "dev", cwd: "/project", showSecrets: false },
    { stack: "dev", cwd: "/project", showSecrets: true },
  ]);
});

test("secrets are not decrypted when no ad-entra-link: setting is secret", async () => {
  const { "ad-entra-link:ldapBindPassword": _secret, ...plain } = STACK;
  const { calls, command } = recorder(pulumiConfigJson(plain));
  const settings = await discoverSettings("dev", {
    env: {
      AD_ENTRA_LINK_LDAP_BIND_PASSWORD: "from-env",
      AZURE_CLIENT_ID: "11111111-aaaa-4bbb-8ccc-000000000001",
      AZURE_CLIENT_SECRET: "s",
    },
    cwd: "/p",
    stackConfigCommand: command,
  });
  assert.equal(settings.ldap.bindPassword, "from-env");
  assert.deepEqual(
    calls.map((c) => c.showSecrets),
    [false],
  );
});

test("precedence is the provider's: stack config before environment, environment for what the stack lacks", async () => {
  const { command } = recorder(pulumiConfigJson(STACK));
  const viaDiscover = await discoverSettings("dev", { env: ENV, cwd: "/p", stackConfigCommand: command });
  // The provider's configure hands readSettings a lookup over the same config values (req.config.get).
  const config = parseStackConfig(pulumiConfigJson(STACK)(true));
  const viaProvider = readSettings((key) => config.get(key), ENV);
  assert.deepEqual(viaDiscover, viaProvider);
  // And concretely: the stack wins where both set a key, the environment fills the rest.
  assert.equal(viaDiscover.ldap.urls[0], "ldaps://dc-from-stack.corp.local:636");
  assert.equal(viaDiscover.ldap.bindPassword, PASSWORD);
  assert.equal(viaDiscover.entra.tenantId, "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b");
  assert.equal(viaDiscover.entra.clientId, "11111111-aaaa-4bbb-8ccc-000000000001");
  assert.equal(viaDiscover.entra.clientSecret, "env-client-secret");
  assert.equal(viaDiscover.sources["ldapUrl"], "config");
  assert.equal(viaDiscover.sources["ldapBindPassword"], "config");
  assert.equal(viaDiscover.sources["clientSecret"], "env:AZURE_CLIENT_SECRET");
});

test("without --stack only the environment is read, and no pulumi command runs", async () => {
  const { calls, command } = recorder(pulumiConfigJson(STACK));
  const settings = await discoverSettings(undefined, {
    env: {
      ...ENV,
      AD_ENTRA_LINK_LDAP_BIND_DN: "CN=env,DC=corp,DC=local",
      AD_ENTRA_LINK_LDAP_BASE_DN: "DC=corp,DC=local",
    },
    cwd: "/p",
    stackConfigCommand: command,
  });
  assert.equal(settings.ldap.urls[0], "ldaps://dc-from-env.corp.local:636");
  assert.equal(calls.length, 0);
});

test("a stack name that could be an option is refused before any command runs", async () => {
  const { calls, command } = recorder(pulumiConfigJson(STACK));
  for (const name of ["--show-secrets", "-C/etc", "dev stack", "a/b/c/d", "dev;rm"]) {
    await assert.rejects(discoverSettings(name, { env: ENV, cwd: "/p", stackConfigCommand: command }), {
      name: "ConfigurationError",
      code: "STACK_NAME_INVALID",
    });
  }
  assert.equal(calls.length, 0);
});

test("a bad stack setting is reported by key; no secret of the stack appears in any output", async () => {
  const { command } = recorder(
    pulumiConfigJson({ ...STACK, "ad-entra-link:ldapUrl": { value: `http://${PASSWORD}.example.com` } }),
  );
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
  const discover = createDiscoverCommand({
    env: ENV,
    cwd: "/nonexistent-dir",
    stackConfigCommand: command,
    progress: false,
  });
  await assert.rejects(
    Promise.resolve(discover.run(["--stack", "dev", "--out", "/nonexistent-dir/l.yaml"], io)),
    (err: Error & { code?: string }) =>
      err.name === "ConfigurationError" &&
      err.message.includes("ad-entra-link:ldapUrl") &&
      !err.message.includes(PASSWORD),
  );
  assert.ok(!out.join("").includes(PASSWORD));
});

test("without --stack a configuration failure says that only the environment was read", async () => {
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
  const discover = createDiscoverCommand({ env: {}, cwd: "/nonexistent-dir", progress: false });
  await assert.rejects(Promise.resolve(discover.run(["--out", "/nonexistent-dir/l.yaml"], io)), {
    name: "ConfigurationError",
  });
  assert.match(
    out.join(""),
    /no --stack given, so only environment variables were read; pass --stack <name>/,
  );
});
