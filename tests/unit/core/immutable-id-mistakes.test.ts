/** Wrong-encoding ImmutableIds are named for the form they are really in (issue 9). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeImmutableIdMistake, diagnoseImmutableIdMistake } from "../../../provider/core/immutable-id";

// matching-rules §1.4 vector 1.
const GUID = "12345678-9abc-def0-1234-56789abcdef0";
const RIGHT = "eFY0Erya8N4SNFZ4mrze8A==";

test("the GUID's own text is recognised as the GUID form, braces and case aside", () => {
  for (const v of [GUID, GUID.toUpperCase(), `{${GUID}}`]) {
    assert.equal(diagnoseImmutableIdMistake(RIGHT, v), "guidText", v);
  }
  assert.match(describeImmutableIdMistake("guidText"), /GUID form of this user's objectGUID/);
});

test("hex of the stored or RFC 4122 bytes is recognised, with spaces or 0x prefixes", () => {
  for (const v of [
    "78563412bc9af0de123456789abcdef0",
    "78 56 34 12 BC 9A F0 DE 12 34 56 78 9A BC DE F0",
    "0x78 0x56 0x34 0x12 0xbc 0x9a 0xf0 0xde 0x12 0x34 0x56 0x78 0x9a 0xbc 0xde 0xf0",
    "123456789abcdef0123456789abcdef0",
  ]) {
    assert.equal(diagnoseImmutableIdMistake(RIGHT, v), "hex", v);
  }
});

test("known Base64 mistakes keep their names; an unrelated value is no mistake", () => {
  assert.equal(diagnoseImmutableIdMistake(RIGHT, "EjRWeJq83vASNFZ4mrze8A=="), "rfc4122ByteOrder");
  assert.equal(
    diagnoseImmutableIdMistake(RIGHT, "MTIzNDU2NzgtOWFiYy1kZWYwLTEyMzQtNTY3ODlhYmNkZWYw"),
    "base64OfGuidText",
  );
  assert.equal(diagnoseImmutableIdMistake(RIGHT, "Hjx6G02POkyaK15vfYybCg=="), undefined);
});
