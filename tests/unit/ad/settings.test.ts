/**
 * Settings parsing (no directory): values are never echoed, every problem of a read is reported at
 * once with its key and environment variable, no setting allows a bind over plain LDAP, Graph and
 * authority URLs are strict, and tenantSyncFeatures is typed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSettings } from "../../../provider/config/settings";
import type { ConfigurationError } from "../../../provider/errors";

const SECRET = "S3cr#t-Bind-Pass";
const base: Record<string, string | undefined> = {
  "ad-entra-link:ldapUrl": "ldaps://dc1.corp.local:636",
  "ad-entra-link:ldapBindDn": "CN=svc,OU=Service Accounts,DC=corp,DC=local",
  "ad-entra-link:ldapBindPassword": "bind-pass-value",
  "ad-entra-link:ldapBaseDn": "DC=corp,DC=local",
  "ad-entra-link:tenantId": "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b",
  "ad-entra-link:clientId": "11111111-aaaa-4bbb-8ccc-000000000001",
  "ad-entra-link:clientSecret": "client~secret~value",
};

function read(overrides: Record<string, string | undefined>, env: NodeJS.ProcessEnv = {}) {
  const values = { ...base, ...overrides };
  return readSettings((k) => values[k], env);
}

function refused(
  overrides: Record<string, string | undefined>,
  code: string,
  message: RegExp,
  secrets: string[] = [SECRET],
  env: NodeJS.ProcessEnv = {},
): ConfigurationError {
  let caught: ConfigurationError | undefined;
  assert.throws(
    () => read(overrides, env),
    (err: ConfigurationError) => {
      assert.equal(err.name, "ConfigurationError");
      assert.equal(err.code, code);
      assert.match(err.message, message);
      for (const s of [...secrets, "bind-pass-value", "client~secret~value"]) {
        assert.ok(!err.message.includes(s), `the message must not contain ${s}`);
        assert.ok(!JSON.stringify(err.problems).includes(s));
      }
      caught = err;
      return true;
    },
  );
  return caught!;
}

describe("values are never echoed", () => {
  it("an unparseable ldapUrl with a password names the key and what is wrong", () => {
    refused(
      { "ad-entra-link:ldapUrl": `ldaps://svc:${SECRET}@dc:636` },
      "CONFIG_INVALID",
      /ad-entra-link:ldapUrl is not a URL\. Write it as ldaps:\/\/dc\.example\.com:636\. \(environment variable AD_ENTRA_LINK_LDAP_URL\)/,
    );
  });
  it("a parseable ldapUrl with a password", () => {
    refused(
      { "ad-entra-link:ldapUrl": "ldaps://svc:Hunter2@dc:636" },
      "CONFIG_INVALID",
      /must not carry credentials/,
      ["Hunter2"],
    );
  });
  it("the second of several URLs, with a query", () => {
    refused(
      { "ad-entra-link:ldapUrl": "ldaps://dc1:636, ldaps://dc2:636/?Hunter2" },
      "CONFIG_INVALID",
      /ad-entra-link:ldapUrl \(entry 2\) must not have a query/,
      ["Hunter2"],
    );
  });
  it("plain ldap:// does not echo the host", () => {
    const err = refused(
      { "ad-entra-link:ldapUrl": "ldap://hunter2-host.corp.local" },
      "CONFIG_PLAINTEXT_LDAP",
      /uses plain ldap:\/\/ without StartTLS/,
      ["hunter2-host"],
    );
    assert.match(err.message, /ldaps:\/\/<dc>:636/);
  });
  it("an unknown credential kind, from the environment", () => {
    refused(
      { "ad-entra-link:credential": undefined },
      "CONFIG_INVALID",
      /ad-entra-link:credential must be one of clientSecret, .* \(environment variable AD_ENTRA_LINK_CREDENTIAL\)/,
      ["Hunter2Kind"],
      { AD_ENTRA_LINK_CREDENTIAL: "Hunter2Kind" },
    );
  });
});

describe("no setting allows a bind over an unencrypted connection", () => {
  it("ldapTlsInsecureSkipVerify with plain ldap:// and no StartTLS is refused", () => {
    refused(
      {
        "ad-entra-link:ldapUrl": "ldap://dc1.corp.local:389",
        "ad-entra-link:ldapTlsInsecureSkipVerify": "true",
      },
      "CONFIG_PLAINTEXT_LDAP",
      /ldapTlsInsecureSkipVerify does not change that: it never allows an unencrypted bind/,
    );
  });
  it("with StartTLS it is allowed (the connection is still encrypted)", () => {
    const s = read({
      "ad-entra-link:ldapUrl": "ldap://dc1.corp.local:389",
      "ad-entra-link:ldapStartTls": "true",
      "ad-entra-link:ldapTlsInsecureSkipVerify": "true",
    });
    assert.equal(s.ldap.startTls, true);
    assert.equal(s.ldap.tlsInsecureSkipVerify, true);
  });
  it("a mix of ldaps:// and plain ldap:// is refused for the plain one", () => {
    refused(
      { "ad-entra-link:ldapUrl": "ldaps://dc1:636,ldap://dc2:389" },
      "CONFIG_PLAINTEXT_LDAP",
      /ldapUrl \(entry 2\) uses plain/,
    );
  });
});

describe("Graph and authority URLs", () => {
  const cases: [string, string, RegExp][] = [
    ["graphBaseUrl", "https://user:Hunter2@graph.microsoft.com", /graphBaseUrl must not carry credentials/],
    ["graphBaseUrl", "https://graph.microsoft.com/?token=Hunter2", /graphBaseUrl must not have a query/],
    [
      "graphBaseUrl",
      "https://graph.microsoft.com/#Hunter2",
      /graphBaseUrl must not have a query \(\?…\) or fragment/,
    ],
    [
      "graphBaseUrl",
      "http://graph.microsoft.com",
      /graphBaseUrl must be an https:\/\/ URL \(got http:\/\/\)/,
    ],
    ["graphBaseUrl", "Hunter2://graph", /graphBaseUrl must be an https:\/\/ URL \(got another scheme\)/],
    [
      "authorityHost",
      "https://u:Hunter2@login.microsoftonline.us",
      /authorityHost must not carry credentials/,
    ],
    ["authorityHost", "http://login.microsoftonline.us", /authorityHost must be an https:\/\/ URL/],
    ["authorityHost", "https://login.microsoftonline.us?x=Hunter2", /authorityHost must not have a query/],
    ["authorityHost", "not a url Hunter2", /authorityHost is not a URL/],
  ];
  for (const [key, value, message] of cases) {
    it(`${key} = ${value.replace("Hunter2", "…")}`, () => {
      refused({ [`ad-entra-link:${key}`]: value }, "CONFIG_INVALID", message, ["Hunter2"]);
    });
  }
  it("a clean sovereign-cloud pair is accepted", () => {
    const s = read({
      "ad-entra-link:graphBaseUrl": "https://graph.microsoft.us/",
      "ad-entra-link:authorityHost": "https://login.microsoftonline.us",
    });
    assert.equal(s.entra.graphBaseUrl, "https://graph.microsoft.us");
    assert.equal(s.entra.authorityHost, "https://login.microsoftonline.us");
  });
});

describe("every problem of a read at once", () => {
  it("lists each key with its environment variable, in one error", () => {
    const err = refused(
      {
        "ad-entra-link:ldapUrl": `ldaps://svc:${SECRET}@dc:636`,
        "ad-entra-link:ldapBindPassword": undefined,
        "ad-entra-link:tenantId": "not a tenant",
        "ad-entra-link:ldapTimeoutInMs": "5",
        "ad-entra-link:graphBaseUrl": "http://graph",
      },
      "CONFIG_PROBLEMS",
      /^ad-entra-link: 5 configuration problems; fix them all, then re-run:\n/,
    );
    assert.deepEqual(
      err.problems.map((p) => [p.key, p.env.join(","), p.code]),
      [
        ["ad-entra-link:ldapUrl", "AD_ENTRA_LINK_LDAP_URL", "CONFIG_INVALID"],
        ["ad-entra-link:ldapBindPassword", "AD_ENTRA_LINK_LDAP_BIND_PASSWORD", "CONFIG_MISSING"],
        ["ad-entra-link:ldapTimeoutInMs", "AD_ENTRA_LINK_LDAP_TIMEOUT_IN_MS", "CONFIG_INVALID"],
        ["ad-entra-link:tenantId", "AZURE_TENANT_ID", "CONFIG_INVALID"],
        ["ad-entra-link:graphBaseUrl", "AD_ENTRA_LINK_GRAPH_BASE_URL", "CONFIG_INVALID"],
      ],
    );
    for (const p of err.problems) {
      assert.ok(err.message.includes(p.key));
      for (const name of p.env) assert.ok(err.message.includes(name), name);
    }
    assert.equal(err.message.split("\n").length, 6);
  });
  it("a single problem keeps its own code", () => {
    refused(
      { "ad-entra-link:tenantId": undefined },
      "CONFIG_MISSING",
      /the Entra ID tenant id is not configured/,
    );
  });
});

describe("tenantSyncFeatures", () => {
  const key = "ad-entra-link:tenantSyncFeatures";
  it("reads the four known flags as booleans", () => {
    const s = read({
      [key]: JSON.stringify({
        softMatchOnUpnEnabled: false,
        blockSoftMatchEnabled: true,
        blockCloudObjectTakeoverThroughHardMatchEnabled: true,
        allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: false,
      }),
    });
    assert.deepEqual(s.tenantSyncFeatures, {
      softMatchOnUpnEnabled: false,
      blockSoftMatchEnabled: true,
      blockCloudObjectTakeoverThroughHardMatchEnabled: true,
      allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled: false,
    });
  });
  it("absent means not stated; the environment variable works", () => {
    assert.equal(read({}).tenantSyncFeatures, undefined);
    const s = read({}, { AD_ENTRA_LINK_TENANT_SYNC_FEATURES: '{"softMatchOnUpnEnabled":true}' });
    assert.deepEqual(s.tenantSyncFeatures, { softMatchOnUpnEnabled: true });
    assert.equal(s.sources["tenantSyncFeatures"], "env:AD_ENTRA_LINK_TENANT_SYNC_FEATURES");
  });
  it('a string "true" is an error', () => {
    refused(
      { [key]: '{"softMatchOnUpnEnabled":"true"}' },
      "CONFIG_INVALID",
      /softMatchOnUpnEnabled must be a JSON boolean/,
    );
  });
  it("unknown keys are counted, not quoted", () => {
    refused(
      { [key]: '{"Hunter2":true,"x":false}' },
      "CONFIG_INVALID",
      /has 2 unknown keys \(allowed keys: softMatchOnUpnEnabled,/,
      ["Hunter2"],
    );
  });
  it("a key in the wrong case is pointed out by the allowed spelling", () => {
    refused(
      { [key]: '{"softmatchonupnenabled":true}' },
      "CONFIG_INVALID",
      /a key spelled differently from softMatchOnUpnEnabled; keys are case-sensitive/,
    );
  });
  for (const [value, message] of [
    ["Hunter2", /is not valid JSON/],
    ["[true]", /must be a JSON object/],
    ["null", /must be a JSON object/],
    ['"Hunter2"', /must be a JSON object/],
    [`{"x":"${"a".repeat(5000)}"}`, /longer than 4096 characters/],
  ] as const) {
    it(`${value.slice(0, 20)} is refused`, () => {
      refused({ [key]: value }, "CONFIG_INVALID", message, ["Hunter2"]);
    });
  }
  it("two problems of the one key are both listed", () => {
    const err = refused(
      { [key]: '{"blockSoftMatchEnabled":1,"softMatchOnUpnEnabled":"no"}' },
      "CONFIG_PROBLEMS",
      /2 configuration problems/,
    );
    assert.ok(err.problems.every((p) => p.key === key));
  });
});
