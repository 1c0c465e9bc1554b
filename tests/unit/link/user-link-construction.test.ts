/**
 * Constructing a UserLink under Pulumi's mocks: the stack-trace limit the constructor lowers while
 * the SDK builds its promises (see withoutPromiseStacks in provider/resource.ts) is always restored,
 * also when construction throws, and the link still registers with its arguments and identity.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { UserLink } from "../../../provider/resource";

const registered: { name: string; inputs: Record<string, unknown> }[] = [];

before(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    true,
    "org",
  );
});

test("the stack-trace limit is restored after a link is constructed", async () => {
  const limit = Error.stackTraceLimit;
  const link = new UserLink("ctor-a", {
    onPremises: { samAccountName: "a.user" },
    cloud: { userPrincipalName: "a.user@contoso.com" },
  });
  assert.equal(Error.stackTraceLimit, limit);
  assert.equal(
    await new Promise((resolve) => link.urn.apply(resolve)),
    "urn:pulumi:stack::proj::pulumi-nodejs:dynamic/ad-entra-link:UserLink::ctor-a",
  );
  const inputs = registered.find((r) => r.name === "ctor-a")?.inputs;
  assert.deepEqual(inputs?.["onPremises"], { samAccountName: "a.user" });
  assert.match(String(inputs?.["link"]), /\/proj\/stack\/ctor-a$/);
  // Errors raised later still carry their stack frames.
  assert.ok((new Error("later").stack ?? "").split("\n").length > 1);
});

test("the stack-trace limit is restored when construction throws", () => {
  const limit = Error.stackTraceLimit;
  // The SDK refuses an empty resource name inside the constructor, after the limit was lowered.
  assert.throws(
    () =>
      new UserLink("", {
        onPremises: { samAccountName: "b.user" },
        cloud: { userPrincipalName: "b@contoso.com" },
      }),
    /name/i,
  );
  assert.equal(Error.stackTraceLimit, limit);
});

test("the import option is refused with a message pointing at adoption", () => {
  assert.throws(
    () =>
      new UserLink(
        "ctor-import",
        { onPremises: { samAccountName: "i.user" }, cloud: { userPrincipalName: "i@contoso.com" } },
        { import: "some-id" },
      ),
    (err: Error & { code?: string; property?: string }) =>
      err.name === "InvalidInputError" &&
      err.code === "IMPORT_NOT_SUPPORTED" &&
      err.property === "import" &&
      /declaring the link adopts the pair/.test(err.message),
  );
  assert.equal(
    registered.some((r) => r.name === "ctor-import"),
    false,
  );
});
