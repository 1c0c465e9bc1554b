/**
 * A link's outputs as state stores them (link/packed.ts): what the link recorded about both
 * directories is one JSON string, everything Pulumi shows or compares per field stays a field, and
 * state in either shape (packed, or nested as earlier versions wrote it) reads back the same.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import {
  canonicalJson,
  decodeRecorded,
  isCurrentShape,
  PACKED_KEYS,
  packOutputs,
  sameJson,
  unpackOutputs,
} from "../../../provider/link/packed";
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
  it("keep the review lines as fields, drift only while it has lines, and the rest as one JSON string", () => {
    const packed = packOutputs(outputs) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(packed).sort(), ["join", "objects", "plan", "recorded"]);
    for (const k of ["plan", "join", "objects"]) {
      assert.deepEqual(packed[k], (outputs as unknown as Record<string, unknown>)[k], `${k} stays a field`);
    }
    const inside = JSON.parse(decodeRecorded(packed["recorded"] as string)!) as Record<string, unknown>;
    for (const k of PACKED_KEYS) {
      const v = (outputs as unknown as Record<string, unknown>)[k];
      if (v !== undefined) assert.ok(k in inside, `${k} is inside recorded`);
    }
    const drifted = packOutputs({ ...outputs, drift: ["on-premises mail: a → b"] }) as unknown as Record<
      string,
      unknown
    >;
    assert.deepEqual(drifted["drift"], ["on-premises mail: a → b"]);
  });

  it("read back exactly, and packing is canonical (a refresh compares the string)", () => {
    const packed = packOutputs(outputs);
    assert.deepEqual(unpackOutputs(packed), outputs);
    assert.equal(packOutputs(unpackOutputs(packed)).recorded, packed.recorded);
    // The same outputs assembled in another key order store the same string.
    const reordered = Object.fromEntries(
      Object.entries(outputs)
        .reverse()
        .map(([k, v]) => [
          k,
          v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ]),
    ) as unknown as UserLinkOutputs;
    assert.equal(packOutputs(reordered).recorded, packed.recorded);
  });

  it("a record is parsed once and shared read-only; each unpack is its own object", () => {
    const stored = packOutputs(outputs);
    const first = unpackOutputs({ ...stored });
    const second = unpackOutputs({ ...stored });
    assert.notEqual(first, second);
    assert.deepEqual(first, second);
    // Read and the Diff after it share the parsed record: nothing may change it in place.
    assert.equal(first.before, second.before);
    assert.throws(() => {
      (first.predictedJoin as { outcome: string }).outcome = "changed";
    }, TypeError);
    first.syncState = "synced";
    assert.equal(unpackOutputs({ ...stored }).syncState, "pendingSync");
  });

  it("a record nested deeper than the stack allows is a named error", () => {
    const deep = `{"a":${"[".repeat(400_000)}${"]".repeat(400_000)}}`;
    const recorded = `deflate:${deflateRawSync(deep).toString("base64")}`;
    assert.throws(
      () => unpackOutputs({ recorded }),
      (e: Error & { code?: string }) => {
        return e.code === "STATE_UNREADABLE";
      },
    );
  });

  it("store the record deflated, smaller than its JSON", () => {
    const packed = packOutputs(outputs);
    assert.match(packed.recorded, /^deflate:[A-Za-z0-9+/]+=*$/);
    const json = decodeRecorded(packed.recorded)!;
    assert.ok(packed.recorded.length < json.length, `${packed.recorded.length} < ${json.length}`);
  });

  it("keep the stored record when its JSON is unchanged, however it was compressed", () => {
    const json = decodeRecorded(packOutputs(outputs).recorded)!;
    // The same JSON as another zlib (level 1) would store it: other bytes, same record.
    const other = `deflate:${deflateRawSync(json, { level: 1 }).toString("base64")}`;
    assert.notEqual(other, packOutputs(outputs).recorded);
    assert.equal(
      packOutputs(outputs, other).recorded,
      other,
      "a refresh that changed nothing stores nothing new",
    );
    const changed = packOutputs({ ...outputs, syncState: "synced" }, other).recorded;
    assert.notEqual(changed, other);
    assert.equal(unpackOutputs({ recorded: changed }).syncState, "synced");
  });

  it("store the ids both objects' states repeat from `resolved` once, and put them back", () => {
    const packed = packOutputs(outputs);
    const inside = JSON.parse(decodeRecorded(packed.recorded)!) as Record<string, Record<string, unknown>>;
    assert.equal(inside["onPremisesState"]!["distinguishedName"], undefined);
    assert.equal(inside["onPremisesState"]!["objectGuid"], undefined);
    assert.equal(inside["cloudState"]!["id"], undefined);
    const back = unpackOutputs(packed);
    assert.deepEqual(back.onPremisesState, outputs.onPremisesState);
    assert.deepEqual(back.cloudState, outputs.cloudState);
    // A state that differs from `resolved` (never written so, but possible) keeps its own value.
    const moved = {
      ...outputs,
      onPremisesState: { ...outputs.onPremisesState, distinguishedName: "CN=Elsewhere" },
    };
    assert.equal(unpackOutputs(packOutputs(moved)).onPremisesState.distinguishedName, "CN=Elsewhere");
  });

  it("state packed as 0.3 wrote it (ids, anchor, sync state and declaration as fields) reads back the same", () => {
    const { predictedJoin, onPremisesState, cloudState, before, proxyAddressesAdded, progress, ...fields } =
      outputs;
    const v03 = {
      ...fields,
      recorded: JSON.stringify({
        predictedJoin,
        onPremisesState: { ...onPremisesState, distinguishedName: undefined, objectGuid: undefined },
        cloudState: { ...cloudState, id: undefined },
        before,
        proxyAddressesAdded,
        progress,
      }),
    };
    assert.deepEqual(unpackOutputs(v03), outputs);
  });

  it("state written by earlier versions (every field nested) reads back as it is", () => {
    assert.deepEqual(unpackOutputs(outputs), outputs);
  });

  it("a hand-edited record is a named error, not a crash or a silent empty state", () => {
    const cut = packOutputs(outputs).recorded.slice(0, 40);
    for (const recorded of [
      "{not json",
      "[1,2]",
      "null",
      42,
      cut,
      "deflate:!!!",
      `deflate:${deflateRawSync("[1]").toString("base64")}`,
    ]) {
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

  it("canonical JSON is JSON.stringify's value with sorted keys, for any plain value", () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const value = (depth: number): unknown => {
      switch (rnd(depth > 3 ? 5 : 8)) {
        case 0:
          return null;
        case 1:
          return rnd(2) === 0;
        case 2:
          return rnd(1000) - 500;
        case 3:
          return ["", 'a"b', "é\u{1F600}", "line\nbreak", "\u0000"][rnd(5)];
        case 4:
          return undefined;
        case 5:
          return Array.from({ length: rnd(4) }, () => value(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: rnd(5) }, () => [
              ["b", "a", "__proto__x", "z", "é"][rnd(5)],
              value(depth + 1),
            ]),
          );
      }
    };
    for (let i = 0; i < 500; i++) {
      const v = { root: value(0) };
      const text = canonicalJson(v);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
      const reversed = JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
        x !== null && typeof x === "object" && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).reverse())
          : x,
      );
      assert.equal(canonicalJson(reversed), canonicalJson(JSON.parse(text)), "key order does not matter");
      assert.ok(sameJson(reversed, JSON.parse(JSON.stringify(v))));
    }
    assert.ok(!sameJson({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(sameJson({ a: 1, b: undefined }, { a: 1 }));
  });

  it("only a state stored as this version stores it is returned unchanged by a refresh", () => {
    const current = { ...packOutputs(outputs), __provider: "exports.handler = …" };
    assert.ok(isCurrentShape(current));
    assert.ok(!isCurrentShape({ ...current, resolved: outputs.resolved }), "0.3: ids beside the record");
    assert.ok(
      !isCurrentShape({ ...current, recorded: decodeRecorded(current.recorded)! }),
      "0.3: plain JSON",
    );
    assert.ok(!isCurrentShape(outputs), "before 0.3: every field nested");
  });
});
