/** `onDelete: restore` undoes only what the link did to proxyAddresses (values it never managed stay). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { restoreProxyAddresses } from "../../../provider/core/proxy-addresses";

test("values the link added go, values it re-cased come back, values added by others stay", () => {
  const before = ["smtp:alva@contoso.com", "X500:/o=Org/cn=alva"];
  const current = [
    "SMTP:alva@contoso.com",
    "X500:/o=Org/cn=alva",
    "SIP:alva@contoso.com",
    "smtp:new@contoso.com",
  ];
  const added = ["SMTP:alva@contoso.com", "smtp:new@contoso.com"];
  const delta = restoreProxyAddresses(current, before, added);
  assert.deepEqual(delta.add, ["smtp:alva@contoso.com"]);
  // The re-cased primary must go before its old spelling returns (AD compares case-insensitively).
  assert.deepEqual(delta.remove.sort(), ["SMTP:alva@contoso.com", "smtp:new@contoso.com"].sort());
});

test("nothing to do when the link changed nothing that is still there", () => {
  assert.deepEqual(restoreProxyAddresses(["X500:/o=a"], ["X500:/o=a"], []), { add: [], remove: [] });
});

test("a value added by someone else since is never removed, even if it equals one the link once added", () => {
  const delta = restoreProxyAddresses(
    ["smtp:kept@contoso.com"],
    ["smtp:kept@contoso.com"],
    ["smtp:kept@contoso.com"],
  );
  assert.deepEqual(delta, { add: [], remove: [] });
});
