/** Connection settings: config over env, errors that name the key and never the value. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { readSettings } from "../../provider/config/settings";

const SECRET = "S3cret-bind-p@ss";
const CLIENT_SECRET = "client~secret~value";
const base: Record<string, string> = {
  "ad-entra-link:ldapUrl": "ldaps://dc1.corp.local:636",
  "ad-entra-link:ldapBindDn": "CN=svc,OU=Service Accounts,DC=corp,DC=local",
  "ad-entra-link:ldapBindPassword": SECRET,
  "ad-entra-link:ldapBaseDn": "DC=corp,DC=local",
  "ad-entra-link:tenantId": "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b",
  "ad-entra-link:clientId": "11111111-aaaa-4bbb-8ccc-000000000001",
  "ad-entra-link:clientSecret": CLIENT_SECRET,
};
const lookup = (values: Record<string, string>) => (key: string) => values[key];

function refused(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
  code: string,
  mentions: RegExp,
): void {
  assert.throws(
    () => readSettings(lookup(values), env),
    (err: Error & { code?: string }) => {
      assert.equal(err.name, "ConfigurationError");
      assert.equal(err.code, code);
      assert.match(err.message, mentions);
      assert.ok(
        !err.message.includes(SECRET) && !err.message.includes(CLIENT_SECRET),
        "no secret in the message",
      );
      return true;
    },
  );
}

test("stack config is read, with defaults, and the sources are recorded by key only", () => {
  const s = readSettings(lookup(base), {});
  assert.deepEqual(s.ldap.urls, ["ldaps://dc1.corp.local:636"]);
  assert.deepEqual(s.ldap.allowedSearchBases, ["DC=corp,DC=local"]);
  assert.equal(s.ldap.tlsInsecureSkipVerify, false);
  assert.equal(s.entra.credential, "clientSecret");
  assert.equal(s.entra.graphBaseUrl, "https://graph.microsoft.com");
  assert.equal(s.sources["ldapBindPassword"], "config");
  assert.ok(!JSON.stringify(s.sources).includes(SECRET));
});

test("environment variables are the fallback; config wins when both are set", () => {
  const env = {
    AD_ENTRA_LINK_LDAP_URL: "ldaps://from-env:636",
    AD_ENTRA_LINK_LDAP_BIND_DN: "CN=env",
    AD_ENTRA_LINK_LDAP_BIND_PASSWORD: "env-pass",
    AD_ENTRA_LINK_LDAP_BASE_DN: "DC=env,DC=local",
    AZURE_TENANT_ID: "contoso.onmicrosoft.com",
    AZURE_CLIENT_ID: "11111111-aaaa-4bbb-8ccc-000000000009",
    AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/token",
  };
  const fromEnv = readSettings(lookup({}), env);
  assert.equal(fromEnv.ldap.urls[0], "ldaps://from-env:636");
  assert.equal(fromEnv.entra.credential, "workloadIdentity");
  assert.equal(fromEnv.sources["ldapUrl"], "env:AD_ENTRA_LINK_LDAP_URL");
  const both = readSettings(lookup({ "ad-entra-link:ldapUrl": "ldaps://from-config:636" }), env);
  assert.equal(both.ldap.urls[0], "ldaps://from-config:636");
});

test("a missing key is named, with the command and the environment variable to set it", () => {
  const { ["ad-entra-link:ldapBindPassword"]: _omitted, ...rest } = base;
  refused(
    rest,
    {},
    "CONFIG_MISSING",
    /ad-entra-link:ldapBindPassword .*--secret.*AD_ENTRA_LINK_LDAP_BIND_PASSWORD/,
  );
});

test("plain ldap:// without StartTLS is refused; with StartTLS it is allowed", () => {
  refused(
    { ...base, "ad-entra-link:ldapUrl": "ldap://dc1.corp.local" },
    {},
    "CONFIG_PLAINTEXT_LDAP",
    /ad-entra-link:ldapUrl uses plain ldap:\/\/ without StartTLS.*Use ldaps:\/\/<dc>:636/,
  );
  const s = readSettings(
    lookup({
      ...base,
      "ad-entra-link:ldapUrl": "ldap://dc1.corp.local",
      "ad-entra-link:ldapStartTls": "true",
    }),
    {},
  );
  assert.equal(s.ldap.startTls, true);
});

test("contradictory and malformed settings are refused with the key", () => {
  refused(
    { ...base, "ad-entra-link:federatedTokenFile": "/tmp/t" },
    {},
    "CONFIG_CONTRADICTORY",
    /clientSecret, workloadIdentity/,
  );
  refused(
    { ...base, "ad-entra-link:tenantId": "not a tenant" },
    {},
    "CONFIG_INVALID",
    /ad-entra-link:tenantId/,
  );
  refused(
    { ...base, "ad-entra-link:clientId": "abc" },
    {},
    "CONFIG_INVALID",
    /ad-entra-link:clientId must be a GUID/,
  );
  refused(
    { ...base, "ad-entra-link:graphBaseUrl": "http://graph.example" },
    {},
    "CONFIG_INVALID",
    /graphBaseUrl must be an https/,
  );
  refused(
    { ...base, "ad-entra-link:ldapUrl": `ldaps://svc:${SECRET}@dc1:636` },
    {},
    "CONFIG_INVALID",
    /must not carry credentials/,
  );
  refused(
    { ...base, "ad-entra-link:ldapTlsInsecureSkipVerify": "yes" },
    {},
    "CONFIG_INVALID",
    /true or false/,
  );
  refused(
    { ...base, "ad-entra-link:allowedSearchBases": "[1, 2]" },
    {},
    "CONFIG_INVALID",
    /allowedSearchBases/,
  );
});

test("DN lists are split on ';' or newlines (DNs contain commas), or given as JSON", () => {
  const s = readSettings(
    lookup({
      ...base,
      "ad-entra-link:allowedSearchBases": "OU=Staff,DC=corp,DC=local; OU=Marketing,DC=corp,DC=local",
    }),
    {},
  );
  assert.deepEqual(s.ldap.allowedSearchBases, ["OU=Staff,DC=corp,DC=local", "OU=Marketing,DC=corp,DC=local"]);
});

test("sovereign clouds differ only by authority host and Graph URL", () => {
  const s = readSettings(
    lookup({
      ...base,
      "ad-entra-link:authorityHost": "https://login.microsoftonline.us",
      "ad-entra-link:graphBaseUrl": "https://graph.microsoft.us/",
    }),
    {},
  );
  assert.equal(s.entra.authorityHost, "https://login.microsoftonline.us");
  assert.equal(s.entra.graphBaseUrl, "https://graph.microsoft.us");
});
