/**
 * GUID / ImmutableId codec against every vector verified in matching-rules §1.4, including the wrong
 * encodings (RFC 4122 byte order, Base64 of the text, Base64url) that cause silent hard-match misses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  anchorFormsFromBytes,
  bytesToGuid,
  bytesToImmutableId,
  diagnoseImmutableIdMistake,
  guidToBytes,
  guidToImmutableId,
  immutableIdToBytes,
  immutableIdToConnectorSpaceDn,
  immutableIdToGuid,
  normalizeGuid,
  parseAnchor,
  validateImmutableIdForGraph,
  wrongImmutableIdEncodings,
} from "../../provider/core";
import { assertCode } from "./assert-code";

// matching-rules §1.4, first table: GUID -> correct ImmutableId, stored hex, and the two wrong encodings.
const FORWARD = [
  {
    guid: "12345678-9abc-def0-1234-56789abcdef0",
    immutableId: "eFY0Erya8N4SNFZ4mrze8A==",
    hex: "78563412bc9af0de123456789abcdef0",
    rfc4122: "EjRWeJq83vASNFZ4mrze8A==",
    text: "MTIzNDU2NzgtOWFiYy1kZWYwLTEyMzQtNTY3ODlhYmNkZWYw",
  },
  {
    guid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a",
    immutableId: "Hjx6G02POkyaK15vfYybCg==",
    hex: "1e3c7a1b4d8f3a4c9a2b5e6f7d8c9b0a",
    rfc4122: "G3o8Ho9NTDqaK15vfYybCg==",
    text: "MWI3YTNjMWUtOGY0ZC00YzNhLTlhMmItNWU2ZjdkOGM5YjBh",
  },
  {
    guid: "6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e",
    immutableId: "bAr/a1Wci02i5Ds/PA8dLg==",
    hex: "6c0aff6b559c8b4da2e43b3f3c0f1d2e",
    rfc4122: "a/8KbJxVTYui5Ds/PA8dLg==",
    text: "NmJmZjBhNmMtOWM1NS00ZDhiLWEyZTQtM2IzZjNjMGYxZDJl",
  },
  {
    guid: "00000000-0000-0000-0000-000000000000",
    immutableId: "AAAAAAAAAAAAAAAAAAAAAA==",
    hex: "00000000000000000000000000000000",
    rfc4122: "AAAAAAAAAAAAAAAAAAAAAA==", // degenerate: both byte orders agree
    text: undefined,
  },
];

// matching-rules §1.4, second table (and the forum examples below it): ImmutableId -> GUID via bytes_le.
const REVERSE = [
  { immutableId: "iGhmiAEBERG7uxI0VniQqw==", guid: "88666888-0101-1111-bbbb-1234567890ab" },
  { immutableId: "QF5HMK7n80qvdYsUPIHa9Q==", guid: "30475e40-e7ae-4af3-af75-8b143c81daf5" },
  { immutableId: "f+bH/Mb+ZUq4IS9AopLRhQ==", guid: "fcc7e67f-fec6-4a65-b821-2f40a292d185" },
  { immutableId: "BpazOkLGm0iEtljAONPvOQ==", guid: "3ab39606-c642-489b-84b6-58c038d3ef39" },
  { immutableId: "MsNKjF+XF0ete7pKTpaP/w==", guid: "8c4ac332-975f-4717-ad7b-ba4a4e968fff" },
  { immutableId: "GvoBZw/7qEWTVtMCsq/7sQ==", guid: "6701fa1a-fb0f-45a8-9356-d302b2affbb1" },
  { immutableId: "e5kmfqkJbk+0BnMn46XDcA==", guid: "7e26997b-09a9-4f6e-b406-7327e3a5c370" },
  { immutableId: "XHgzbXfY30SAB9J32tXFaQ==", guid: "6d33785c-d877-44df-8007-d277dad5c569" },
];

// Values published as ImmutableIds that are the big-endian (wrong) encoding of the GUID (§1.4).
const PUBLISHED_WRONG = [
  { guid: "6701fa1a-fb0f-45a8-9356-d302b2affbb1", wrong: "ZwH6GvsPRaiTVtMCsq/7sQ==", source: "graybrook.io" },
  {
    guid: "7e26997b-09a9-4f6e-b406-7327e3a5c370",
    wrong: "fiaZewmpT260BnMn46XDcA==",
    source: "python.org forum",
  },
];

describe("GUID -> ImmutableId (matching-rules §1.4 first table)", () => {
  for (const v of FORWARD) {
    it(`${v.guid} -> ${v.immutableId}`, () => {
      assert.equal(guidToImmutableId(v.guid), v.immutableId);
      assert.equal(guidToBytes(v.guid).toString("hex"), v.hex);
      assert.equal(bytesToGuid(Buffer.from(v.hex, "hex")), v.guid);
      assert.equal(immutableIdToGuid(v.immutableId), v.guid);
      assert.equal(immutableIdToBytes(v.immutableId).toString("hex"), v.hex);
    });
    it(`${v.guid}: known wrong encodings are recognised and never produced`, () => {
      const wrong = wrongImmutableIdEncodings(v.guid);
      assert.equal(wrong.rfc4122ByteOrder, v.rfc4122);
      if (v.text !== undefined) {
        assert.equal(wrong.base64OfGuidText, v.text);
        assert.notEqual(guidToImmutableId(v.guid), v.rfc4122);
        assert.equal(diagnoseImmutableIdMistake(v.immutableId, v.rfc4122), "rfc4122ByteOrder");
        assert.equal(diagnoseImmutableIdMistake(v.immutableId, v.text), "base64OfGuidText");
        assertCode(() => immutableIdToBytes(v.text as string), "IMMUTABLE_ID_TEXT_ENCODED");
      } else {
        assert.equal(diagnoseImmutableIdMistake(v.immutableId, v.rfc4122), undefined);
      }
      assert.equal(guidToImmutableId(v.guid).length, 24);
      assert.ok(guidToImmutableId(v.guid).endsWith("=="));
    });
  }

  it("the Base64url spelling of vector 3 is rejected and diagnosed", () => {
    assert.equal(
      wrongImmutableIdEncodings("6bff0a6c-9c55-4d8b-a2e4-3b3f3c0f1d2e").base64url,
      "bAr_a1Wci02i5Ds_PA8dLg==",
    );
    assertCode(() => immutableIdToBytes("bAr_a1Wci02i5Ds_PA8dLg=="), "IMMUTABLE_ID_BASE64URL");
    assertCode(
      () => validateImmutableIdForGraph("bAr_a1Wci02i5Ds_PA8dLg=="),
      "IMMUTABLE_ID_FORBIDDEN_CHARACTER",
    );
    assert.equal(
      diagnoseImmutableIdMistake("bAr/a1Wci02i5Ds/PA8dLg==", "bAr_a1Wci02i5Ds_PA8dLg=="),
      "base64url",
    );
  });

  it("the Base64-of-text error names the right ImmutableId", () => {
    assert.throws(
      () => immutableIdToBytes("MTIzNDU2NzgtOWFiYy1kZWYwLTEyMzQtNTY3ODlhYmNkZWYw"),
      /The ImmutableId of that GUID is eFY0Erya8N4SNFZ4mrze8A==\./,
    );
  });
});

describe("ImmutableId -> GUID (matching-rules §1.4 second table)", () => {
  for (const v of REVERSE) {
    it(`${v.immutableId} -> ${v.guid}`, () => {
      assert.equal(immutableIdToGuid(v.immutableId), v.guid);
      assert.equal(guidToImmutableId(v.guid), v.immutableId);
    });
  }
  for (const v of PUBLISHED_WRONG) {
    it(`${v.wrong} (${v.source}) is the RFC 4122 encoding of ${v.guid}, not its ImmutableId`, () => {
      assert.equal(wrongImmutableIdEncodings(v.guid).rfc4122ByteOrder, v.wrong);
      assert.notEqual(guidToImmutableId(v.guid), v.wrong);
      assert.equal(diagnoseImmutableIdMistake(guidToImmutableId(v.guid), v.wrong), "rfc4122ByteOrder");
    });
  }
  it("MsNKjF+XF0ete7pKTpaP/w== has the octet string 32c34a8c... (identitymanaged.com)", () => {
    assert.equal(
      immutableIdToBytes("MsNKjF+XF0ete7pKTpaP/w==").toString("hex"),
      "32c34a8c5f971747ad7bba4a4e968fff",
    );
  });
});

describe("connector-space DN (ADSyncTools, E7)", () => {
  const cases = [
    ["QF5HMK7n80qvdYsUPIHa9Q==", "CN={514635484D4B376E38307176645973555049486139513D3D}"],
    ["eFY0Erya8N4SNFZ4mrze8A==", "CN={6546593045727961384E34534E465A346D727A6538413D3D}"],
  ] as const;
  for (const [immutableId, dn] of cases) {
    it(`${immutableId} -> ${dn}`, () => {
      assert.equal(immutableIdToConnectorSpaceDn(immutableId), dn);
    });
  }
});

describe("parseAnchor: every input form of vector 1 gives every output form", () => {
  const expected = {
    guid: "12345678-9abc-def0-1234-56789abcdef0",
    immutableId: "eFY0Erya8N4SNFZ4mrze8A==",
    hex: "78563412bc9af0de123456789abcdef0",
    ldapFilterValue: "\\78\\56\\34\\12\\bc\\9a\\f0\\de\\12\\34\\56\\78\\9a\\bc\\de\\f0",
    connectorSpaceDn: "CN={6546593045727961384E34534E465A346D727A6538413D3D}",
  };
  const inputs = [
    ["12345678-9abc-def0-1234-56789abcdef0", "guid"],
    ["{12345678-9ABC-DEF0-1234-56789ABCDEF0}", "guid"],
    ["eFY0Erya8N4SNFZ4mrze8A==", "immutableId"],
    ["78563412bc9af0de123456789abcdef0", "hex"],
    ["78 56 34 12 BC 9A F0 DE 12 34 56 78 9A BC DE F0", "hex"], // ADSI Edit display
  ] as const;
  for (const [input, inputForm] of inputs) {
    it(`${JSON.stringify(input)} read as ${inputForm}`, () => {
      assert.deepEqual(parseAnchor(input), { inputForm, ...expected });
    });
  }
  it("anchorFormsFromBytes agrees", () => {
    assert.deepEqual(anchorFormsFromBytes(Buffer.from(expected.hex, "hex"), "hex"), {
      inputForm: "hex",
      ...expected,
    });
  });
});

describe("parseAnchor rejects other shapes", () => {
  const cases = [
    ["", "ANCHOR_UNRECOGNIZED"],
    ["12345678-9abc-def01234-56789abcdef0", "GUID_INVALID_FORMAT"], // dash missing
    ["1234567-89abc-def0-1234-56789abcdef0", "GUID_INVALID_FORMAT"], // dash misplaced
    ["12345678-9abc-def0-1234-56789abcdef", "GUID_INVALID_FORMAT"], // one digit short
    ["12345678-9abc-def0-1234-56789abcdef0-", "GUID_INVALID_FORMAT"],
    ["{12345678-9abc-def0-1234-56789abcdef0", "GUID_INVALID_FORMAT"], // unbalanced brace
    ["12345678-9abc-def0-1234-56789abcdefg", "GUID_INVALID_FORMAT"], // "g" is not hex
    [" 12345678-9abc-def0-1234-56789abcdef0", "ANCHOR_WHITESPACE"],
    ["eFY0Erya8N4SNFZ4mrze8A==\n", "ANCHOR_WHITESPACE"],
    ["eFY0Erya 8N4SNFZ4mrze8A==", "ANCHOR_WHITESPACE"],
    ["78563412bc9af0de123456789abcde", "HEX_WRONG_LENGTH"], // 30 digits
    ["78563412bc9af0de123456789abcdef0aa", "HEX_WRONG_LENGTH"], // 34 digits
    ["78 56 34 12 BC 9A F0 DE 12 34 56 78 9A BC DE", "ANCHOR_WHITESPACE"], // 15 bytes spaced
    ["7856 3412 bc9a f0de 1234 5678 9abc def0", "ANCHOR_WHITESPACE"], // wrong grouping
    ["bAr_a1Wci02i5Ds_PA8dLg==", "IMMUTABLE_ID_BASE64URL"],
    ["eFY0Erya8N4SNFZ4mrze8A", "IMMUTABLE_ID_NOT_BASE64"], // padding missing
    ["eFY0Erya8N4SNFZ4mrze8A=", "IMMUTABLE_ID_NOT_BASE64"],
    ["eFY0Erya8N4SNFZ4mrze8Ah=", "IMMUTABLE_ID_WRONG_LENGTH"], // 17 bytes
    ["eFY0Erya8N4SNFZ4mrze==", "IMMUTABLE_ID_NOT_BASE64"], // 22 chars
    ["eFY0Erya8N4SNFZ4mrze8B==", "IMMUTABLE_ID_NON_CANONICAL"], // same bytes, non-zero padding bits
    ["eFY0Erya8N4SNFZ4mrze8A==eFY0", "IMMUTABLE_ID_NOT_BASE64"],
    ["MTIzNDU2NzgtOWFiYy1kZWYwLTEyMzQtNTY3ODlhYmNkZWYw", "IMMUTABLE_ID_TEXT_ENCODED"],
    ["not-a-guid", "ANCHOR_UNRECOGNIZED"],
    ["{eFY0Erya8N4SNFZ4mrze8A==}", "ANCHOR_UNRECOGNIZED"],
    ["hello!", "IMMUTABLE_ID_NOT_BASE64"],
  ] as const;
  for (const [input, code] of cases) {
    it(`${JSON.stringify(input)} -> ${code}`, () => {
      assertCode(() => parseAnchor(input), code);
    });
  }
});

describe("GUID and byte helpers", () => {
  it("normalizeGuid lower-cases and strips braces", () => {
    assert.equal(
      normalizeGuid("{1B7A3C1E-8F4D-4C3A-9A2B-5E6F7D8C9B0A}"),
      "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a",
    );
  });
  it("bytesToGuid and bytesToImmutableId refuse anything but 16 bytes", () => {
    assertCode(() => bytesToGuid(Buffer.alloc(15)), "GUID_WRONG_BYTE_LENGTH");
    assertCode(() => bytesToImmutableId(Buffer.alloc(17)), "IMMUTABLE_ID_WRONG_LENGTH");
  });
  it("bytesToImmutableId honours the view of a larger buffer", () => {
    const big = Buffer.from(`ff${"78563412bc9af0de123456789abcdef0"}ff`, "hex");
    assert.equal(bytesToImmutableId(big.subarray(1, 17)), "eFY0Erya8N4SNFZ4mrze8A==");
  });
});

describe("validateImmutableIdForGraph", () => {
  it("returns a valid value unchanged", () => {
    assert.equal(validateImmutableIdForGraph("f+bH/Mb+ZUq4IS9AopLRhQ=="), "f+bH/Mb+ZUq4IS9AopLRhQ==");
  });
  const cases = [
    ["eFY0Erya8N4SNFZ4mrze$A==", "IMMUTABLE_ID_FORBIDDEN_CHARACTER"],
    ["eFY0Erya8N4SNFZ4mrze_A==", "IMMUTABLE_ID_FORBIDDEN_CHARACTER"],
    ["", "IMMUTABLE_ID_EMPTY"],
    ["eFY0Erya8N4SNFZ4mrze8A== ", "IMMUTABLE_ID_WHITESPACE"],
    ["eFY0Erya8N4SNFZ4mrze8D==", "IMMUTABLE_ID_NON_CANONICAL"],
    ["eFY0Erya8N4SNFZ4mrze8A-=", "IMMUTABLE_ID_BASE64URL"],
  ] as const;
  for (const [input, code] of cases) {
    it(`${JSON.stringify(input)} -> ${code}`, () => {
      assertCode(() => validateImmutableIdForGraph(input), code);
    });
  }
  it("a case-changed ImmutableId is diagnosed as such", () => {
    assert.equal(
      diagnoseImmutableIdMistake("eFY0Erya8N4SNFZ4mrze8A==", "efy0erya8n4snfz4mrze8a=="),
      "caseDiffers",
    );
    assert.equal(
      diagnoseImmutableIdMistake("eFY0Erya8N4SNFZ4mrze8A==", "Hjx6G02POkyaK15vfYybCg=="),
      undefined,
    );
    assert.equal(
      diagnoseImmutableIdMistake("eFY0Erya8N4SNFZ4mrze8A==", "eFY0Erya8N4SNFZ4mrze8A=="),
      undefined,
    );
  });
});
