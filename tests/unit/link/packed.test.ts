/**
 * A link's outputs as state stores them (link/packed.ts): what the link recorded about both
 * directories is one JSON string, everything Pulumi shows or compares per field stays a field, and
 * state in either shape (packed, or nested as earlier versions wrote it) reads back the same.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PACKED_KEYS, packOutputs, unpackOutputs } from "../../../provider/link/packed";
import type { UserLinkOutputs } from "../../../provider/link/types";

const outputs: UserLinkOutputs = {
  onPremises: { samAccountName: "adam" },
  cloud: { userPrincipalName: "adam@contoso.com" },
  link: "org/p/dev/adam",
  objects: "AD CN=Adam,OU=Staff,DC=corp,DC=local ⇄ cloud 0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01",
  plan: ["on-premises mail: (not set) → adam@contoso.com"],
  join: "softMatchSmtp, certain: joins the cloud user on the primary SMTP address",
  resolved: {
    onPremisesObjectGuid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a",
    onPremisesDistinguishedName: "CN=Adam,OU=Staff,DC=corp,DC=local",
    cloudUserId: "0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01",
  },
  immutableId: "Hjx6G02POkyaK15vfYybCg==",
  sourceAnchorAttribute: "objectGUID",
  predictedJoin: {
    outcome: "softMatchSmtp",
    reason: "The primary SMTP address matches.",
    ruleRefs: ["r9"],
    uncertain: false,
  },
  onPremisesState: {
    distinguishedName: "CN=Adam,OU=Staff,DC=corp,DC=local",
    objectGuid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a",
    userPrincipalName: "adam@contoso.com",
    mail: "adam@contoso.com",
    proxyAddresses: ["SMTP:adam@contoso.com", "X500:/o=Org/cn=adam"],
    consistencyGuid: null,
  },
  cloudState: {
    id: "0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01",
    userPrincipalName: "adam@contoso.com",
    mail: "adam@contoso.com",
    proxyAddresses: ["SMTP:adam@contoso.com"],
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
  },
  syncState: "pendingSync",
  before: {
    onPremises: {
      userPrincipalName: "adam@corp.local",
      mail: null,
      proxyAddresses: [],
      consistencyGuid: null,
    },
    cloud: { onPremisesImmutableId: null },
  },
  proxyAddressesAdded: ["SMTP:adam@contoso.com"],
  drift: [],
  progress: { onPremisesWritten: true, cloudWritten: true },
} as unknown as UserLinkOutputs;

describe("packed outputs", () => {
  it("keep what Pulumi shows or compares as fields and the rest as one JSON string", () => {
    const packed = packOutputs(outputs) as unknown as Record<string, unknown>;
    for (const k of PACKED_KEYS) assert.equal(packed[k], undefined, `${k} is inside recorded`);
    assert.equal(typeof packed["recorded"], "string");
    for (const k of ["plan", "join", "objects", "drift", "resolved", "immutableId", "syncState", "link"]) {
      assert.deepEqual(packed[k], (outputs as unknown as Record<string, unknown>)[k], `${k} stays a field`);
    }
  });

  it("read back exactly, and packing is deterministic (a refresh compares the string)", () => {
    const packed = packOutputs(outputs);
    assert.deepEqual(unpackOutputs(packed), outputs);
    assert.equal(packOutputs(unpackOutputs(packed)).recorded, packed.recorded);
  });

  it("store the ids both objects' states repeat from `resolved` once, and put them back in place", () => {
    const packed = packOutputs(outputs);
    const inside = JSON.parse(packed.recorded) as Record<string, Record<string, unknown>>;
    assert.equal(inside["onPremisesState"]!["distinguishedName"], undefined);
    assert.equal(inside["onPremisesState"]!["objectGuid"], undefined);
    assert.equal(inside["cloudState"]!["id"], undefined);
    const back = unpackOutputs(packed);
    assert.deepEqual(
      Object.keys(back.onPremisesState),
      Object.keys(outputs.onPremisesState),
      "in their place",
    );
    assert.deepEqual(back.cloudState, outputs.cloudState);
    // A state that differs from `resolved` (never written so, but possible) keeps its own value.
    const moved = {
      ...outputs,
      onPremisesState: { ...outputs.onPremisesState, distinguishedName: "CN=Elsewhere" },
    };
    assert.equal(unpackOutputs(packOutputs(moved)).onPremisesState.distinguishedName, "CN=Elsewhere");
  });

  it("state written by earlier versions (every field nested) reads back as it is", () => {
    assert.deepEqual(unpackOutputs(outputs), outputs);
  });

  it("a hand-edited record is a named error, not a crash or a silent empty state", () => {
    for (const recorded of ["{not json", "[1,2]", "null", 42]) {
      assert.throws(
        () => unpackOutputs({ ...packOutputs(outputs), recorded } as never),
        (err: Error & { code?: string }) =>
          err.name === "InvalidInputError" && err.code === "STATE_UNREADABLE",
      );
    }
  });

  it("keys of the record that are not the provider's are ignored", () => {
    const packed = {
      ...packOutputs(outputs),
      recorded: JSON.stringify({ __proto__: { x: 1 }, before: outputs.before, evil: 1 }),
    };
    const back = unpackOutputs(packed) as unknown as Record<string, unknown>;
    assert.equal(back["evil"], undefined);
    assert.deepEqual(back["before"], outputs.before);
  });
});
