/**
 * GUID string <-> 16 bytes in the Microsoft layout.
 *
 * Active Directory stores `objectGUID` and `mS-DS-ConsistencyGuid` as the 16 bytes that .NET's
 * `Guid.ToByteArray()` returns (Python `uuid.UUID(s).bytes_le`): the first three fields (4, 2, 2 bytes)
 * are little-endian, the last 8 bytes are in display order. RFC 4122 big-endian bytes (Python `.bytes`)
 * are the classic cause of a hard match that "does nothing" (matching-rules §1.3, §1.4, §6).
 */
import { InvalidInputError } from "../errors";

/** Number of bytes in a GUID. */
export const GUID_BYTE_LENGTH = 16;

// Canonical 8-4-4-4-12 shape, optionally wrapped in one pair of braces (as ADUC and PowerShell print it).
const GUID_PATTERN =
  /^(\{)?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})(\})?$/;

/** Lower-case hex of `bytes`, two digits per byte, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function reversedHex(hex: string): string {
  const pairs = hex.match(/../g) ?? [];
  return pairs.reverse().join("");
}

/**
 * Parses a GUID in its string form and returns it normalised to lower case without braces.
 *
 * Accepts `12345678-9abc-def0-1234-56789abcdef0` and `{12345678-9ABC-DEF0-1234-56789ABCDEF0}`; rejects
 * every other shape (dashes missing or misplaced, non-hex digits, wrong length, unbalanced braces,
 * surrounding whitespace).
 *
 * @param value - The GUID text.
 * @param property - The argument path used in the error, e.g. `onPremises.objectGuid`.
 * @throws InvalidInputError with code `GUID_INVALID_FORMAT` when `value` is not a GUID.
 */
export function normalizeGuid(value: string, property = "guid"): string {
  const m = GUID_PATTERN.exec(value);
  // Braces must come as a pair: "{...}" or neither.
  if (m === null || (m[1] === undefined) !== (m[7] === undefined)) {
    throw new InvalidInputError(
      "GUID_INVALID_FORMAT",
      property,
      `guid: "${value}" is not a GUID. Write it as 8-4-4-4-12 hex digits, e.g. ` +
        `12345678-9abc-def0-1234-56789abcdef0 (braces optional).`,
    );
  }
  return [m[2], m[3], m[4], m[5], m[6]].join("-").toLowerCase();
}

/**
 * Converts a GUID string to its 16 bytes in the Microsoft layout (`Guid.ToByteArray()`), which is
 * the byte order AD stores in `objectGUID` / `mS-DS-ConsistencyGuid`.
 *
 * @throws InvalidInputError with code `GUID_INVALID_FORMAT` when `value` is not a GUID.
 */
export function guidToBytes(value: string, property = "guid"): Buffer {
  const [d1, d2, d3, d4, d5] = normalizeGuid(value, property).split("-") as [
    string,
    string,
    string,
    string,
    string,
  ];
  return Buffer.from(reversedHex(d1) + reversedHex(d2) + reversedHex(d3) + d4 + d5, "hex");
}

/**
 * Converts 16 bytes in the Microsoft layout (as read from `objectGUID`) to the lower-case GUID string.
 *
 * @throws InvalidInputError with code `GUID_WRONG_BYTE_LENGTH` when `bytes` is not 16 bytes long.
 */
export function bytesToGuid(bytes: Uint8Array, property = "guid"): string {
  if (bytes.byteLength !== GUID_BYTE_LENGTH) {
    throw new InvalidInputError(
      "GUID_WRONG_BYTE_LENGTH",
      property,
      `guid: got ${bytes.byteLength} bytes, a GUID has exactly ${GUID_BYTE_LENGTH}. ` +
        `Read objectGUID / mS-DS-ConsistencyGuid as a binary attribute, not as text.`,
    );
  }
  const hex = toHex(bytes);
  return [
    reversedHex(hex.slice(0, 8)),
    reversedHex(hex.slice(8, 12)),
    reversedHex(hex.slice(12, 16)),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join("-");
}

/**
 * The RFC 4122 (big-endian) bytes of a GUID: what Python's `uuid.UUID(s).bytes` returns. This is NOT
 * what AD stores; it exists only to recognise values that were computed with the wrong byte order.
 *
 * @throws InvalidInputError with code `GUID_INVALID_FORMAT` when `value` is not a GUID.
 */
export function guidToRfc4122Bytes(value: string, property = "guid"): Buffer {
  return Buffer.from(normalizeGuid(value, property).replace(/-/g, ""), "hex");
}
