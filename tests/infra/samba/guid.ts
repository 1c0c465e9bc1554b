/**
 * Binary identifiers as Active Directory stores them. objectGUID and mS-DS-ConsistencyGuid use the
 * Microsoft GUID layout: the first three fields little-endian, the last two as-is (python's
 * uuid.bytes_le). Getting this wrong yields a valid-looking but different anchor, so it lives in
 * one place.
 */

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "12345678-9abc-def0-1234-56789abcdef0" → 78563412 bc9a f0de 1234 56789abcdef0. */
export function guidToBytes(guid: string): Buffer {
  if (!GUID_RE.test(guid)) throw new Error(`not a GUID: ${JSON.stringify(guid)}`);
  const hex = Buffer.from(guid.replace(/-/g, ""), "hex");
  const out = Buffer.alloc(16);
  out.writeUInt32LE(hex.readUInt32BE(0), 0);
  out.writeUInt16LE(hex.readUInt16BE(4), 4);
  out.writeUInt16LE(hex.readUInt16BE(6), 6);
  hex.copy(out, 8, 8, 16);
  return out;
}

/** Inverse of guidToBytes; lower-case, as ADUC's attribute editor shows it. */
export function bytesToGuid(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`a GUID is 16 bytes, got ${bytes.length}`);
  const h = (n: number, width: number): string => n.toString(16).padStart(width, "0");
  const tail = bytes.subarray(8).toString("hex");
  return [
    h(bytes.readUInt32LE(0), 8),
    h(bytes.readUInt16LE(4), 4),
    h(bytes.readUInt16LE(6), 4),
    tail.slice(0, 4),
    tail.slice(4),
  ].join("-");
}

/** Binary objectSid → "S-1-5-21-…" (needed to name a trustee in SDDL). */
export function sidToString(sid: Buffer): string {
  if (sid.length < 8) throw new Error("SID too short");
  const revision = sid.readUInt8(0);
  const subCount = sid.readUInt8(1);
  if (sid.length !== 8 + 4 * subCount) throw new Error("SID length does not match its sub-authority count");
  const authority = sid.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < subCount; i++) subs.push(sid.readUInt32LE(8 + 4 * i));
  return ["S", revision, authority, ...subs].join("-");
}
