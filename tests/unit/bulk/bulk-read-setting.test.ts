/** The bulkRead setting: auto by default, on/off from config or environment, others refused by key. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { readSettings } from "../../../provider/config/settings";

const base: Record<string, string> = {
  "ad-entra-link:ldapUrl": "ldaps://dc1.corp.local:636",
  "ad-entra-link:ldapBindDn": "CN=svc,DC=corp,DC=local",
  "ad-entra-link:ldapBindPassword": "pw",
  "ad-entra-link:ldapBaseDn": "DC=corp,DC=local",
  "ad-entra-link:tenantId": "8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b",
  "ad-entra-link:clientId": "11111111-aaaa-4bbb-8ccc-000000000001",
  "ad-entra-link:clientSecret": "secret",
};
const read = (extra: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  readSettings((k) => ({ ...base, ...extra })[k], env);

test("bulkRead: auto by default, on/off from config or AD_ENTRA_LINK_BULK_READ", () => {
  assert.equal(read({}).bulkRead, "auto");
  assert.equal(read({ "ad-entra-link:bulkRead": "on" }).bulkRead, "on");
  assert.equal(read({}, { AD_ENTRA_LINK_BULK_READ: "off" }).bulkRead, "off");
  assert.equal(read({ "ad-entra-link:bulkRead": "on" }, { AD_ENTRA_LINK_BULK_READ: "off" }).bulkRead, "on");
  assert.equal(
    read({}, { AD_ENTRA_LINK_BULK_READ: "off" }).sources["bulkRead"],
    "env:AD_ENTRA_LINK_BULK_READ",
  );
});

test("bulkRead: another value is refused naming the key, never echoing the value", () => {
  assert.throws(
    () => read({ "ad-entra-link:bulkRead": "always-xyzzy" }),
    (err: Error & { code?: string }) =>
      err.code === "CONFIG_INVALID" &&
      err.message.includes("ad-entra-link:bulkRead") &&
      !err.message.includes("xyzzy"),
  );
});
