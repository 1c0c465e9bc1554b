/**
 * Pulumi's unknown-value marker is detected structurally (issue 10 item 2): only a value that IS the
 * marker is unknown; text that contains it gets every check.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UNKNOWN_VALUE, unknownPaths, validateDeclaration } from "../../../provider/link/validate";

const base = {
  onPremises: { samAccountName: "aanderson" },
  cloud: { userPrincipalName: "adam.anderson@contoso.com" },
  match: "soft",
};

test("a reason that merely contains the marker is known input", () => {
  assert.deepEqual(unknownPaths({ ...base, reason: `CHG-1 ${UNKNOWN_VALUE}` }), []);
});

test("unknown values are found by path, in nested objects and lists", () => {
  assert.deepEqual(
    unknownPaths({
      ...base,
      cloud: { userPrincipalName: UNKNOWN_VALUE },
      additionalProxyAddresses: ["smtp:a@contoso.com", UNKNOWN_VALUE],
    }),
    ["additionalProxyAddresses[1]", "cloud.userPrincipalName"],
  );
  assert.deepEqual(unknownPaths(UNKNOWN_VALUE), ["(inputs)"]);
});

test("deep nesting does not exhaust the stack", () => {
  let deep: unknown = UNKNOWN_VALUE;
  for (let i = 0; i < 50_000; i++) deep = { x: deep };
  assert.doesNotThrow(() => unknownPaths({ ...base, reason: deep }));
});

test("with the marker in reason, a string boolean and a homoglyph UPN are still refused", () => {
  const { decl, failures } = validateDeclaration({
    ...base,
    reason: `CHG-1 ${UNKNOWN_VALUE}`,
    allowPrivilegedCloudUser: "true",
    userPrincipalName: "аdam@contoso.com", // Cyrillic "а"
  });
  assert.equal(decl, undefined);
  const codes = failures.map((f) => f.error.code).sort();
  assert.ok(codes.includes("INPUT_NOT_A_BOOLEAN"), codes.join());
  assert.ok(
    failures.some((f) => f.property === "userPrincipalName"),
    codes.join(),
  );
});
