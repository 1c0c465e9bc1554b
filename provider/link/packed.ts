/**
 * How a link's outputs are stored in Pulumi state. Everything the link recorded (the declaration
 * it was created from, the resolved objects, the ImmutableId, the full prediction, both objects as
 * last read, the values before the first write, progress, the confirmed join) is one string,
 * `recorded`: `deflate:` and the base64 of the raw-deflated canonical JSON. Only what the program
 * reads as it was at preview stays a field of its own: the review lines `objects`, `plan` and `join`
 * (Pulumi holds a stack output built from them to what preview planned), and `drift` while there is
 * any. `ad-entra-link state` prints what a stack's links recorded, decoded.
 *
 * Why: the engine, the dynamic-provider host and every checkpoint write pay per property (protobuf
 * Struct fields, Go property maps, JSON nodes) and per byte (every checkpoint of an `up` rewrites
 * the whole state; every event's strings are scanned for secrets). Measured at 1,000 links
 * (design-decisions.md, 2026-11-29): nested outputs 10.6 s of refresh on the engine
 * floor, one JSON string 5.0 s; compressing that string (2.6 KB → 1.2 KB a link) took `up` with
 * checkpoints from 1.53× to 1.25× the floor.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { InvalidInputError } from "../errors";
import { INPUT_KEYS, RECORDED_OUTPUT_KEYS, type UserLinkOutputs } from "./types";

/** The outputs that stay fields of their own (`drift` only while it has lines). */
export const FIELD_KEYS = [
  "objects",
  "plan",
  "join",
  "drift",
] as const satisfies readonly (keyof UserLinkOutputs)[];

/** The outputs kept inside `recorded`. */
export const PACKED_KEYS = [...INPUT_KEYS, ...RECORDED_OUTPUT_KEYS].filter(
  (k) => !(FIELD_KEYS as readonly string[]).includes(k),
) as readonly Exclude<keyof UserLinkOutputs, (typeof FIELD_KEYS)[number]>[];

/**
 * The key of the digests that certify a stored link (refresh-digest.ts): unchanged by a refresh under
 * the facts it was written from, and settled with the declaration options it was written from. They
 * belong to the stored form only: unpacking drops them.
 */
export const REFRESH_DIGEST_KEY = "refreshDigest";

export type PackedOutputs = Pick<UserLinkOutputs, (typeof FIELD_KEYS)[number]> & {
  recorded: string;
  [REFRESH_DIGEST_KEY]?: string;
};

/**
 * The ids both objects' states repeat from `resolved`: stored once (when equal), put back on reading.
 * [state, its key, the key of `resolved`].
 */
const REPEATED_IDS = [
  ["onPremisesState", "distinguishedName", "onPremisesDistinguishedName"],
  ["onPremisesState", "objectGuid", "onPremisesObjectGuid"],
  ["cloudState", "id", "cloudUserId"],
] as const;

/**
 * JSON with every object's keys sorted: the same outputs always give the same string, however they
 * were assembled, so a refresh that finds nothing changed stores (and reports) nothing changed.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    // As JSON.stringify: undefined in an array is null.
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  }
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== "function") parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Whether two plain JSON values are equal (object key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => sameJson(v, other[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * Whether `props` is stored as this version stores it (a deflated record and only the fields of
 * their own beside it): such a state, read again unchanged, can be returned as it is.
 */
export function isCurrentShape(props: object): boolean {
  const recorded = (props as { recorded?: unknown }).recorded;
  if (typeof recorded !== "string" || !recorded.startsWith(DEFLATED)) return false;
  return Object.keys(props).every(
    (k) =>
      k === "recorded" ||
      k === "__provider" ||
      k === REFRESH_DIGEST_KEY ||
      (FIELD_KEYS as readonly string[]).includes(k),
  );
}

const DEFLATED = "deflate:";

/**
 * Decoded `recorded` strings by their stored form, newest last: a link's record is decoded by Read
 * and again by the Diff that follows it, and re-encoded by Read; each is done once.
 */
const decodedCache = new Map<string, string>();
const CACHE_LIMIT = 256;

function remember(stored: string, json: string): void {
  if (decodedCache.size >= CACHE_LIMIT) decodedCache.delete(decodedCache.keys().next().value as string);
  decodedCache.set(stored, json);
}

/**
 * Parsed records by their stored form, frozen because every reader shares them: Read and the Diff
 * that follows it parse a link's record once.
 */
const parsedCache = new Map<string, object>();

/** The record a stored `recorded` holds, parsed and frozen; undefined when it is not a JSON object. */
function parsedRecord(stored: string): object | undefined {
  const known = parsedCache.get(stored);
  if (known !== undefined) return known;
  const json = decodeRecorded(stored);
  let parsed: unknown;
  try {
    parsed = json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  try {
    deepFreeze(parsed);
  } catch {
    // Nested deeper than the stack allows: no record the provider writes, so a hand-made one.
    return undefined;
  }
  if (parsedCache.size >= CACHE_LIMIT) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(stored, parsed);
  return parsed;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The JSON text of a stored `recorded` (plain JSON as 0.3 stored it, or deflated); undefined if unreadable. */
export function decodeRecorded(stored: string): string | undefined {
  if (!stored.startsWith(DEFLATED)) return stored;
  const known = decodedCache.get(stored);
  if (known !== undefined) return known;
  try {
    // A record is a few KB; the bound keeps a crafted state from inflating into gigabytes.
    const json = inflateRawSync(Buffer.from(stored.slice(DEFLATED.length), "base64"), {
      maxOutputLength: 1024 * 1024,
    }).toString("utf8");
    remember(stored, json);
    return json;
  } catch {
    return undefined;
  }
}

/**
 * The stored form of a record. `previous` (the stored form this link had) is kept whenever it holds
 * the same JSON: a refresh that finds nothing changed then stores, and reports, nothing changed, even
 * where another zlib would compress the same text into other bytes.
 */
function encodeRecorded(json: string, previous: unknown): string {
  if (typeof previous === "string" && decodeRecorded(previous) === json) return previous;
  const stored = DEFLATED + deflateRawSync(json, { level: 9 }).toString("base64");
  remember(stored, json);
  return stored;
}

/**
 * The outputs as state stores them. `previous`: the `recorded` the link's state held, kept when
 * nothing in it changed.
 */
export function packOutputs(outputs: UserLinkOutputs, previous?: unknown): PackedOutputs {
  const all = outputs as unknown as Record<string, unknown>;
  const packed: Record<string, unknown> = {};
  for (const k of PACKED_KEYS) if (all[k] !== undefined) packed[k] = all[k];
  const resolved = packed["resolved"] as Record<string, unknown> | undefined;
  for (const [state, key, resolvedKey] of REPEATED_IDS) {
    const kept = packed[state] as Record<string, unknown> | undefined;
    if (kept !== undefined && resolved !== undefined && kept[key] === resolved[resolvedKey]) {
      const { [key]: _same, ...others } = kept;
      packed[state] = others;
    }
  }
  const fields: Record<string, unknown> = {};
  for (const k of FIELD_KEYS) {
    if (all[k] === undefined || (k === "drift" && (all[k] as unknown[]).length === 0)) continue;
    fields[k] = all[k];
  }
  return {
    ...(fields as Pick<UserLinkOutputs, (typeof FIELD_KEYS)[number]>),
    recorded: encodeRecorded(canonicalJson(packed), previous),
  };
}

/**
 * The outputs as the provider works with them, from state in any shape it was written in: packed
 * as above; packed as 0.3 wrote it (the prediction, states, `before`, progress and join result in
 * `recorded`, the rest fields); or every field nested, as earlier versions wrote it. Fields outside
 * `recorded` are read as they are; of `recorded`, only the provider's own keys.
 */
export function unpackOutputs<T extends object>(props: T): T & UserLinkOutputs {
  const text = (props as { recorded?: unknown }).recorded;
  if (text === undefined) return props as T & UserLinkOutputs;
  const packed = typeof text === "string" ? parsedRecord(text) : undefined;
  if (packed === undefined) {
    throw new InvalidInputError(
      "STATE_UNREADABLE",
      "recorded",
      "ad-entra-link: this link's state has a `recorded` value that is not the record the provider writes (deflated JSON); it was edited by hand. Run `pulumi refresh` after restoring the state from a backup, or remove the link from the state (`pulumi state delete`) and declare it again.",
    );
  }
  const {
    recorded: _r,
    [REFRESH_DIGEST_KEY]: _d,
    ...rest
  } = props as T & { recorded?: unknown; [REFRESH_DIGEST_KEY]?: unknown };
  const fields: Record<string, unknown> = {};
  for (const k of PACKED_KEYS) {
    const v = (packed as Record<string, unknown>)[k];
    if (v !== undefined) fields[k] = v;
  }
  const merged = { ...rest, ...fields } as Record<string, unknown>;
  const resolved = merged["resolved"] as Record<string, unknown> | undefined;
  for (const [state, key, resolvedKey] of REPEATED_IDS) {
    const kept = merged[state] as Record<string, unknown> | undefined;
    if (kept === undefined || kept[key] !== undefined || resolved?.[resolvedKey] === undefined) continue;
    merged[state] = { ...kept, [key]: resolved[resolvedKey] };
  }
  merged["drift"] ??= [];
  return merged as unknown as T & UserLinkOutputs;
}
