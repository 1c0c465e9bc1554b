/**
 * sourceAnchor / ImmutableId arithmetic (matching-rules §1.2–1.4): the anchor is mS-DS-ConsistencyGuid
 * when set, else objectGUID; the ImmutableId is the Base64 of its 16 bytes in stored order
 * (.NET Guid.ToByteArray() layout: first three fields little-endian).
 */
import type { OnPremUserRecord } from "./types";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "12345678-9abc-def0-1234-56789abcdef0" → bytes 78 56 34 12 bc 9a f0 de 12 34 56 78 9a bc de f0. */
export function guidToBytesLe(guid: string): Buffer {
  if (!GUID_RE.test(guid)) throw new Error(`not a GUID: ${JSON.stringify(guid)}`);
  const be = Buffer.from(guid.replace(/-/g, ""), "hex");
  const out = Buffer.alloc(16);
  out.writeUInt32LE(be.readUInt32BE(0), 0);
  out.writeUInt16LE(be.readUInt16BE(4), 4);
  out.writeUInt16LE(be.readUInt16BE(6), 6);
  be.copy(out, 8, 8, 16);
  return out;
}

export function bytesLeToGuid(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`a GUID is 16 bytes, got ${bytes.length}`);
  const h = (n: number, w: number): string => n.toString(16).padStart(w, "0");
  const tail = bytes.subarray(8).toString("hex");
  return `${h(bytes.readUInt32LE(0), 8)}-${h(bytes.readUInt16LE(4), 4)}-${h(bytes.readUInt16LE(6), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

export function guidToImmutableId(guid: string): string {
  return guidToBytesLe(guid).toString("base64");
}

export function immutableIdToGuid(immutableId: string): string {
  return bytesLeToGuid(Buffer.from(immutableId, "base64"));
}

/** The anchor Entra Connect (ConsistencyGuid as source anchor) computes for a user. */
export function sourceAnchorOf(rec: OnPremUserRecord): string {
  const cg = rec.msDsConsistencyGuid;
  if (cg !== undefined && cg !== null && Buffer.from(cg, "base64").length > 0)
    return Buffer.from(cg, "base64").toString("base64");
  return Buffer.from(rec.objectGUID, "base64").toString("base64");
}

/** Binary objectSid → "S-1-5-21-…". */
export function sidToString(sid: Buffer): string {
  if (sid.length < 8) throw new Error("SID too short");
  const count = sid.readUInt8(1);
  if (sid.length !== 8 + 4 * count) throw new Error("SID length does not match its sub-authority count");
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(sid.readUInt32LE(8 + 4 * i));
  return ["S", sid.readUInt8(0), sid.readUIntBE(2, 6), ...subs].join("-");
}
