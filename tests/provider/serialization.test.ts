/**
 * What a link stores as `__provider`, evaluated the way Pulumi's dynamic-provider host evaluates it
 * (require-from-string, from the program's folder): it must find every method of the contract in
 * the runtime by package name, capture nothing, and stay small (it is stored twice per link).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_SOURCE, USER_LINK_TYPE, userLinkProvider } from "../../provider/resource";
import * as runtime from "../../provider/runtime";

const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"];

/** The host's loader (cmd/dynamic-provider: `requireFromString(text).handler()`). */
function loadAsTheHostDoes(text: string): Record<string, unknown> {
  const requireFromString = require(
    require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }),
  ) as (code: string, filename?: string) => { handler: () => Record<string, unknown> };
  return requireFromString(text).handler();
}

test("__provider is one line that loads the runtime by package name and captures nothing", () => {
  assert.ok(PROVIDER_SOURCE.length < 120, `__provider is ${PROVIDER_SOURCE.length} characters`);
  assert.match(PROVIDER_SOURCE, /require\("ad-entra-link\/runtime"\)/);
  for (const forbidden of ["ldapts", "@azure/identity", "microsoft-graph-client", "Secret", "password"]) {
    assert.ok(!PROVIDER_SOURCE.includes(forbidden), `__provider must not mention ${forbidden}`);
  }
  assert.equal(USER_LINK_TYPE, "pulumi-nodejs:dynamic/ad-entra-link:UserLink");
});

test("the host finds every method of the contract in what __provider loads, bound to the runtime", () => {
  const provider = loadAsTheHostDoes(PROVIDER_SOURCE);
  for (const method of METHODS) assert.equal(typeof provider[method], "function", `${method} is present`);
  assert.equal(provider["check"], runtime.hosted.check, "check is the runtime's hosted check");
  assert.equal(provider["delete"], runtime.hosted.remove, "delete is the runtime's remove");
});

test("states written before 0.3.0 (a serialized closure of userLinkProvider) still load", async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => userLinkProvider, { allowSecrets: true });
  assert.equal(serialized.containsSecrets, false, "no secret may be captured");
  const mod = { exports: {} as Record<string, () => unknown> };
  new Function("module", "exports", "require", serialized.text)(mod, mod.exports, require);
  const provider = mod.exports[serialized.exportName]!() as Record<string, unknown>;
  for (const method of METHODS) assert.equal(typeof provider[method], "function", `${method} is present`);
});
