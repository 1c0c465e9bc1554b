/**
 * ImmutableId (Graph `onPremisesImmutableId`, Entra Connect `sourceAnchor`) codec.
 *
 * For objectGUID / mS-DS-ConsistencyGuid anchors the ImmutableId is the standard Base64 (RFC 4648 §4,
 * `+` and `/`, `=` padding) of the 16 stored bytes: always 24 characters ending in `==`
 * (matching-rules §1.3). The value is compared case-sensitively by the service (§1.1), so this module
 * only ever produces the canonical spelling and rejects near-misses instead of "repairing" them.
 */
import { InvalidInputError } from "../errors";
import { bytesToGuid, GUID_BYTE_LENGTH, guidToBytes, guidToRfc4122Bytes, normalizeGuid, toHex } from "./guid";
import { escapeFilterValue } from "./ldap-escape";

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const GUID_TEXT = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const HEX_OCTETS = /^[0-9a-fA-F]{32}$/;
const HEX_OCTETS_SPACED = /^[0-9a-fA-F]{2}( [0-9a-fA-F]{2}){15}$/;

/** Standard Base64 of exactly 16 bytes: the ImmutableId of a GUID-based anchor. */
export function bytesToImmutableId(bytes: Uint8Array, property = "immutableId"): string {
  if (bytes.byteLength !== GUID_BYTE_LENGTH) {
    throw new InvalidInputError(
      "IMMUTABLE_ID_WRONG_LENGTH",
      property,
      `immutableId: got ${bytes.byteLength} bytes, a GUID-based anchor has exactly ${GUID_BYTE_LENGTH}. ` +
        `Pass the raw objectGUID / mS-DS-ConsistencyGuid bytes.`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes an ImmutableId to its 16 bytes, strictly: standard Base64 only, exactly 16 bytes, canonical
 * spelling (the one Entra Connect would send), no whitespace.
 *
 * @throws InvalidInputError with one of the codes `IMMUTABLE_ID_EMPTY`, `IMMUTABLE_ID_WHITESPACE`,
 *   `IMMUTABLE_ID_BASE64URL`, `IMMUTABLE_ID_NOT_BASE64`, `IMMUTABLE_ID_TEXT_ENCODED` (the Base64 of the
 *   GUID's text instead of its bytes), `IMMUTABLE_ID_WRONG_LENGTH`, `IMMUTABLE_ID_NON_CANONICAL`.
 */
export function immutableIdToBytes(value: string, property = "immutableId"): Buffer {
  const quoted = JSON.stringify(value);
  if (value.length === 0) {
    throw new InvalidInputError("IMMUTABLE_ID_EMPTY", property, "immutableId: the value is empty.");
  }
  if (/\s/.test(value)) {
    throw new InvalidInputError(
      "IMMUTABLE_ID_WHITESPACE",
      property,
      `immutableId: ${quoted} contains whitespace. Remove the spaces or line breaks picked up when copying it.`,
    );
  }
  if (/[-_]/.test(value)) {
    const standard = value.replace(/-/g, "+").replace(/_/g, "/");
    throw new InvalidInputError(
      "IMMUTABLE_ID_BASE64URL",
      property,
      `immutableId: ${quoted} uses the Base64url alphabet ("-" / "_"); Entra ID uses standard Base64 ` +
        `("+" / "/") and Graph rejects "_". Use ${JSON.stringify(standard)} if the bytes are right.`,
    );
  }
  if (!STANDARD_BASE64.test(value) || value.length % 4 !== 0) {
    throw new InvalidInputError(
      "IMMUTABLE_ID_NOT_BASE64",
      property,
      `immutableId: ${quoted} is not standard Base64. An ImmutableId is 24 characters ending in "==", ` +
        `e.g. eFY0Erya8N4SNFZ4mrze8A==.`,
    );
  }
  const bytes = Buffer.from(value, "base64");
  if (bytes.length !== GUID_BYTE_LENGTH) {
    const text = bytes.toString("latin1");
    if (GUID_TEXT.test(text)) {
      // The Base64 of the GUID's text (48 characters) is a known wrong encoding (matching-rules §1.4).
      throw new InvalidInputError(
        "IMMUTABLE_ID_TEXT_ENCODED",
        property,
        `immutableId: ${quoted} is the Base64 of the text "${text}", not of the GUID's 16 bytes. ` +
          `The ImmutableId of that GUID is ${guidToImmutableId(text, property)}.`,
      );
    }
    throw new InvalidInputError(
      "IMMUTABLE_ID_WRONG_LENGTH",
      property,
      `immutableId: ${quoted} decodes to ${bytes.length} bytes; a GUID-based ImmutableId decodes to ` +
        `exactly ${GUID_BYTE_LENGTH} (24 Base64 characters ending in "==").`,
    );
  }
  const canonical = bytes.toString("base64");
  if (canonical !== value) {
    // Non-zero padding bits decode to the same bytes, but the service compares the string.
    throw new InvalidInputError(
      "IMMUTABLE_ID_NON_CANONICAL",
      property,
      `immutableId: ${quoted} is not the canonical Base64 of its bytes; Entra Connect would send ` +
        `${canonical}, and ImmutableIds are compared as case-sensitive strings.`,
    );
  }
  return bytes;
}

/**
 * The ImmutableId of a GUID: Base64 of its bytes in the Microsoft layout.
 *
 * @throws InvalidInputError with code `GUID_INVALID_FORMAT` when `guid` is not a GUID.
 */
export function guidToImmutableId(guid: string, property = "guid"): string {
  return bytesToImmutableId(guidToBytes(guid, property), property);
}

/**
 * The GUID (lower case) whose bytes an ImmutableId encodes.
 *
 * @throws InvalidInputError as {@link immutableIdToBytes}.
 */
export function immutableIdToGuid(immutableId: string, property = "immutableId"): string {
  return bytesToGuid(immutableIdToBytes(immutableId, property), property);
}

/**
 * The Entra connector-space DN of an ImmutableId, `CN={<upper-case hex of the ASCII Base64>}`, as
 * ADSyncTools' `ConvertTo-ADSyncToolsAadDistinguishedName` prints it (matching-rules §1.3, E7).
 *
 * @throws InvalidInputError as {@link immutableIdToBytes}.
 */
export function immutableIdToConnectorSpaceDn(immutableId: string, property = "immutableId"): string {
  immutableIdToBytes(immutableId, property);
  return `CN={${Buffer.from(immutableId, "ascii").toString("hex").toUpperCase()}}`;
}

/**
 * Checks an ImmutableId before it is written to Graph `onPremisesImmutableId` and returns it unchanged.
 * Graph forbids `$` and `_` (matching-rules §1.1); this project only writes GUID-based anchors, so the
 * value must also be the canonical 24-character Base64 of 16 bytes.
 *
 * @throws InvalidInputError with code `IMMUTABLE_ID_FORBIDDEN_CHARACTER` for `$` or `_`, otherwise as
 *   {@link immutableIdToBytes}.
 */
export function validateImmutableIdForGraph(value: string, property = "onPremisesImmutableId"): string {
  const forbidden = /[$_]/.exec(value);
  if (forbidden !== null) {
    const hint =
      forbidden[0] === "_"
        ? ' A "_" usually means the value was encoded as Base64url; use standard Base64 ("+", "/").'
        : "";
    throw new InvalidInputError(
      "IMMUTABLE_ID_FORBIDDEN_CHARACTER",
      property,
      `immutableId: ${JSON.stringify(value)} contains "${forbidden[0]}", which Microsoft Graph does not ` +
        `allow in onPremisesImmutableId.${hint}`,
    );
  }
  immutableIdToBytes(value, property);
  return value;
}

/** How a user-given anchor was written. `hex` is the octet string in stored byte order (ADSI Edit). */
export type AnchorInputForm = "guid" | "immutableId" | "hex" | "ldapFilterValue" | "connectorSpaceDn";

/** Every representation of one GUID-based anchor. */
export interface AnchorForms {
  /** How the input was read. */
  inputForm: AnchorInputForm;
  /** GUID string, lower case, no braces (as ADUC shows objectGUID). */
  guid: string;
  /** Standard Base64 of the stored bytes: Graph `onPremisesImmutableId` / Connect `sourceAnchor`. */
  immutableId: string;
  /** The 16 stored bytes as 32 lower-case hex digits (ADSI Edit's octet string without spaces). */
  hex: string;
  /** RFC 4515 escaped value for a binary match, e.g. `(objectGUID=\78\56...)`. */
  ldapFilterValue: string;
  /** Entra connector-space DN, `CN={<upper-case hex of the ASCII ImmutableId>}`. */
  connectorSpaceDn: string;
}

/** All forms of the anchor whose stored bytes are `bytes`. */
export function anchorFormsFromBytes(bytes: Uint8Array, inputForm: AnchorInputForm): AnchorForms {
  const immutableId = bytesToImmutableId(bytes);
  return {
    inputForm,
    guid: bytesToGuid(bytes),
    immutableId,
    hex: toHex(bytes),
    ldapFilterValue: escapeFilterValue(bytes),
    connectorSpaceDn: immutableIdToConnectorSpaceDn(immutableId),
  };
}

/**
 * Reads an anchor the way a person copies it from a tool, and returns every form of it.
 *
 * Accepted: a GUID with or without braces (`12345678-9abc-...`), a standard-Base64 ImmutableId
 * (`eFY0Erya8N4SNFZ4mrze8A==`), or the 16 stored bytes as 32 hex digits with or without single spaces
 * between bytes (`78 56 34 12 BC ...`, as ADSI Edit shows the octet string). 32 hex digits without
 * dashes are always read as the octet string in stored order, never as a dash-less GUID, because that
 * is what AD tools print for binary attributes.
 *
 * @throws InvalidInputError with code `ANCHOR_UNRECOGNIZED`, `ANCHOR_WHITESPACE`, `GUID_INVALID_FORMAT`,
 *   `HEX_WRONG_LENGTH`, or one of the `IMMUTABLE_ID_*` codes of {@link immutableIdToBytes}.
 */
export function parseAnchor(value: string, property = "anchor"): AnchorForms {
  if (value.length === 0) {
    throw new InvalidInputError(
      "ANCHOR_UNRECOGNIZED",
      property,
      "anchor: the value is empty. Give a GUID, an ImmutableId or 32 hex digits.",
    );
  }
  if (HEX_OCTETS.test(value) || HEX_OCTETS_SPACED.test(value)) {
    return anchorFormsFromBytes(Buffer.from(value.replace(/ /g, ""), "hex"), "hex");
  }
  // Every form this module prints is accepted back: `0x78 0x56 …` octets, the LDAP filter value
  // `\78\56…`, and the connector-space DN `CN={…}` (hex of the ASCII ImmutableId).
  const octets = /^(?:0x[0-9a-fA-F]{2}[ ,]*){16}$/.exec(value.trim());
  if (octets !== null) {
    return anchorFormsFromBytes(Buffer.from(value.replace(/0x|[ ,]/gi, ""), "hex"), "hex");
  }
  if (/^(?:\\[0-9a-fA-F]{2}){16}$/.test(value)) {
    return anchorFormsFromBytes(Buffer.from(value.replace(/\\/g, ""), "hex"), "ldapFilterValue");
  }
  const dn = /^CN=\{([0-9a-fA-F]+)\}$/i.exec(value);
  if (dn !== null) {
    const ascii = Buffer.from(dn[1]!, "hex").toString("ascii");
    return {
      ...anchorFormsFromBytes(immutableIdToBytes(ascii, property), "immutableId"),
      inputForm: "connectorSpaceDn",
    };
  }
  if (/\s/.test(value)) {
    throw new InvalidInputError(
      "ANCHOR_WHITESPACE",
      property,
      `anchor: ${JSON.stringify(value)} contains whitespace. Only the hex octet string may have single ` +
        `spaces between bytes; remove spaces and line breaks from GUIDs and ImmutableIds.`,
    );
  }
  if (/^[0-9a-fA-F]+$/.test(value)) {
    throw new InvalidInputError(
      "HEX_WRONG_LENGTH",
      property,
      `anchor: ${JSON.stringify(value)} has ${value.length} hex digits; the octet string of a GUID has ` +
        `exactly 32 (16 bytes).`,
    );
  }
  // Dashes or braces with only hex digits, or GUID length: the user meant a GUID, so report GUID
  // shape problems rather than Base64 ones.
  const guidLike =
    (/^\{?[0-9a-fA-F-]+\}?$/.test(value) && value.includes("-")) ||
    (/[-{}]/.test(value) && (value.length === 36 || value.length === 38));
  if (guidLike) {
    return anchorFormsFromBytes(guidToBytes(value, property), "guid");
  }
  // "-" / "_" at a length that cannot be a 16-byte Base64url value: neither form, say so plainly.
  if (/[-_{}]/.test(value) && value.length !== 22 && value.length !== 24) {
    throw new InvalidInputError(
      "ANCHOR_UNRECOGNIZED",
      property,
      `anchor: ${JSON.stringify(value)} is neither a GUID, an ImmutableId nor 32 hex digits.`,
    );
  }
  return anchorFormsFromBytes(immutableIdToBytes(value, property), "immutableId");
}

/** A known way of getting an ImmutableId wrong (matching-rules §1.4, §6 "Hard match did nothing"). */
export type ImmutableIdMistake =
  /** Base64 of the RFC 4122 big-endian bytes (Python `uuid.UUID(s).bytes`). */
  | "rfc4122ByteOrder"
  /** Base64 of the GUID's text instead of its 16 bytes. */
  | "base64OfGuidText"
  /** Base64url alphabet (`-`, `_`) instead of standard Base64. */
  | "base64url"
  /** Same characters in a different case; ImmutableIds are case-sensitive. */
  | "caseDiffers"
  /** The GUID's own text (`1b7a3c1e-…`, braces or case aside) instead of its Base64 bytes. */
  | "guidText"
  /** The GUID's bytes as hex (stored or RFC 4122 order, spaces, `0x` or case aside) instead of Base64. */
  | "hex";

/**
 * Tells whether `actual` is the ImmutableId of the same GUID as `expected` computed in one of the known
 * wrong ways. Returns `undefined` when they are equal or unrelated.
 *
 * @param expected - The correct ImmutableId (what Entra Connect will send).
 * @param actual - The value found, e.g. a cloud user's `onPremisesImmutableId`.
 * @throws InvalidInputError when `expected` is not a canonical GUID-based ImmutableId.
 */
export function diagnoseImmutableIdMistake(expected: string, actual: string): ImmutableIdMistake | undefined {
  if (actual === expected) {
    return undefined;
  }
  const guid = immutableIdToGuid(expected, "expected");
  if (actual === guidToRfc4122Bytes(guid).toString("base64")) {
    return "rfc4122ByteOrder";
  }
  const textForms = [guid, guid.toUpperCase(), `{${guid}}`, `{${guid.toUpperCase()}}`];
  if (textForms.some((t) => actual === Buffer.from(t, "ascii").toString("base64"))) {
    return "base64OfGuidText";
  }
  if (actual === expected.replace(/\+/g, "-").replace(/\//g, "_")) {
    return "base64url";
  }
  if (actual.toLowerCase() === expected.toLowerCase()) {
    return "caseDiffers";
  }
  if (actual.replace(/[{}]/g, "").toLowerCase() === guid) {
    return "guidText";
  }
  const hex = actual
    .replace(/0x/gi, "")
    .replace(/[\s:-]/g, "")
    .toLowerCase();
  const le = immutableIdToBytes(expected, "expected").toString("hex");
  if (hex === le || hex === guidToRfc4122Bytes(guid).toString("hex")) {
    return "hex";
  }
  return undefined;
}

/** A reader's explanation of a mistake, naming the form the value is really in. */
export function describeImmutableIdMistake(mistake: ImmutableIdMistake): string {
  switch (mistake) {
    case "rfc4122ByteOrder":
      return "Base64 of the GUID bytes in RFC 4122 (big-endian) order instead of Microsoft's little-endian layout";
    case "base64OfGuidText":
      return "Base64 of the GUID's text instead of its 16 bytes";
    case "base64url":
      return "the base64url alphabet (- and _) instead of standard Base64";
    case "caseDiffers":
      return "the right value with different letter case (ImmutableIds are case-sensitive)";
    case "guidText":
      return "the GUID form of this user's objectGUID, not its Base64 ImmutableId";
    case "hex":
      return "the hex form of this user's objectGUID bytes, not its Base64 ImmutableId";
  }
}

/**
 * The wrong encodings of a GUID that {@link diagnoseImmutableIdMistake} recognises. Exposed so that
 * tests (and troubleshooting output) can show them next to the right one; never write these to Graph.
 *
 * @throws InvalidInputError with code `GUID_INVALID_FORMAT` when `guid` is not a GUID.
 */
export function wrongImmutableIdEncodings(guid: string): {
  rfc4122ByteOrder: string;
  base64OfGuidText: string;
  base64url: string;
} {
  const normalized = normalizeGuid(guid);
  return {
    rfc4122ByteOrder: guidToRfc4122Bytes(normalized).toString("base64"),
    base64OfGuidText: Buffer.from(normalized, "ascii").toString("base64"),
    base64url: guidToBytes(normalized).toString("base64url") + "==",
  };
}
