/**
 * Constructing a UserLink under Pulumi's mocks: the stack-trace limit the constructor lowers while
 * the SDK builds its promises (see withoutPromiseStacks in provider/resource.ts) is always restored,
 * also when construction throws, and the link still registers with its arguments and identity.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { packOutputs } from "../../../provider/link/packed";
import type { UserLinkOutputs } from "../../../provider/link/types";
import { UserLink } from "../../../provider/resource";

const OUTPUTS = {
  resolved: { onPremisesObjectGuid: "g-1", onPremisesDistinguishedName: "CN=P,DC=corp", cloudUserId: "c-1" },
  immutableId: "AQIDBAUGBwgJCgsMDQ4PEA==",
  sourceAnchorAttribute: "objectGUID",
  syncState: "pendingSync",
  predictedJoin: { outcome: "softMatchSmtp", reason: "matches", ruleRefs: [], uncertain: false },
  onPremisesState: {
    distinguishedName: "CN=P,DC=corp",
    objectGuid: "g-1",
    userPrincipalName: "p@contoso.com",
    mail: null,
    proxyAddresses: [],
    consistencyGuid: null,
  },
  cloudState: {
    id: "c-1",
    userPrincipalName: "p@contoso.com",
    mail: null,
    proxyAddresses: [],
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
  },
  before: {
    onPremises: { userPrincipalName: null, mail: null, proxyAddresses: [], consistencyGuid: null },
    cloud: { onPremisesImmutableId: null },
  },
};
const STORED = packOutputs(OUTPUTS as unknown as UserLinkOutputs);
// As 0.3 stored it: the prediction, states and `before` in `recorded`, the rest fields of their own.
const { resolved, immutableId, sourceAnchorAttribute, syncState, ...inRecord } = OUTPUTS;
const LEGACY = {
  resolved,
  immutableId,
  sourceAnchorAttribute,
  syncState,
  recorded: JSON.stringify({
    ...inRecord,
    onPremisesState: { ...OUTPUTS.onPremisesState, distinguishedName: undefined, objectGuid: undefined },
    cloudState: { ...OUTPUTS.cloudState, id: undefined },
  }),
};

const registered: { name: string; inputs: Record<string, unknown> }[] = [];

/** An output's value (the mocks resolve every output the state holds). */
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

before(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ name: args.name, inputs: args.inputs });
        // The provider's outputs as state stores them (link/packed.ts), for the link named "packed".
        if (args.name === "packed") return { id: "packed-id", state: { ...args.inputs, ...STORED } };
        if (args.name === "legacy") return { id: "legacy-id", state: { ...args.inputs, ...LEGACY } };
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

// The mocks run as a preview: an output absent from state would be unknown (and never resolve).
test("the outputs packed in state read back whole on the UserLink, ids included, known in a preview", async () => {
  const link = new UserLink("packed", {
    onPremises: { samAccountName: "p" },
    cloud: { userPrincipalName: "p@contoso.com" },
  });
  assert.deepEqual(await value(link.onPremisesState), OUTPUTS.onPremisesState);
  assert.deepEqual(await value(link.cloudState), OUTPUTS.cloudState);
  assert.deepEqual(await value(link.predictedJoin), OUTPUTS.predictedJoin);
  assert.deepEqual(await value(link.before), OUTPUTS.before);
  assert.deepEqual(await value(link.resolved), OUTPUTS.resolved);
  assert.equal(await value(link.immutableId), OUTPUTS.immutableId);
  assert.equal(await value(link.sourceAnchorAttribute), OUTPUTS.sourceAnchorAttribute);
  assert.equal(await value(link.syncState), OUTPUTS.syncState);
});

test("a state written before 0.4 (ids and anchor as fields beside `recorded`) reads back the same", async () => {
  const link = new UserLink("legacy", {
    onPremises: { samAccountName: "l" },
    cloud: { userPrincipalName: "l@contoso.com" },
  });
  assert.deepEqual(await value(link.resolved), OUTPUTS.resolved);
  assert.equal(await value(link.immutableId), OUTPUTS.immutableId);
  assert.equal(await value(link.syncState), OUTPUTS.syncState);
  assert.deepEqual(await value(link.onPremisesState), OUTPUTS.onPremisesState);
});
