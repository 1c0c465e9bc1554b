/**
 * Serializes the dynamic provider exactly the way Pulumi does when a UserLink is constructed, so a
 * captured module, client or secret fails here instead of in `pulumi up`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { userLinkProvider } from "../../provider/resource";

test("the provider serializes to a small closure that requires the runtime by package name", async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => userLinkProvider, { allowSecrets: true });
  const text = serialized.text;
  assert.equal(serialized.containsSecrets, false, "no secret may be captured");
  assert.match(text, /require\("ad-entra-link\/runtime"\)/);
  // Nothing heavy or stateful is captured by value.
  for (const forbidden of [
    "ldapts",
    "@azure/identity",
    "microsoft-graph-client",
    "bindPassword",
    "clientSecret",
    "readSettings",
  ]) {
    assert.ok(!text.includes(forbidden), `serialized provider must not mention ${forbidden}`);
  }
  assert.ok(text.length < 8_000, `serialized provider is ${text.length} characters; keep the closure tiny`);
});

test("the serialized text evaluates to a provider with every method of the contract", async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => userLinkProvider, { allowSecrets: true });
  const mod = { exports: {} as Record<string, () => unknown> };
  new Function("module", "exports", "require", serialized.text)(mod, mod.exports, require);
  const provider = mod.exports[serialized.exportName]!() as Record<string, unknown>;
  for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
    assert.equal(typeof provider[method], "function", `${method} is present`);
  }
});
