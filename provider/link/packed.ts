/**
 * How a link's outputs are stored in Pulumi state. What the link recorded about both directories
 * (the full prediction, both objects as last read, the values before the first write, progress,
 * the confirmed join) is one JSON string, `recorded`, instead of ~60 nested properties: the engine,
 * the dynamic-provider host and every checkpoint write pay per property (protobuf Struct fields,
 * Go property maps), not per byte. Measured on the engine floor with a link's outputs attached: a
 * refresh of 1,000 resources took 10.6 s with them nested and 5.0 s as one string (4.4 s without);
 * design-decisions.md, 2026-11-29. What Pulumi shows or compares per field (the review lines,
 * `drift`, the resolved objects, the ImmutableId, the sync state) stays a property of its own.
 */
import { InvalidInputError } from "../errors";
import type { UserLinkOutputs } from "./types";

/** The outputs kept inside `recorded`, in this order. */
export const PACKED_KEYS = [
  "predictedJoin",
  "onPremisesState",
  "cloudState",
  "before",
  "proxyAddressesAdded",
  "progress",
  "joinResult",
] as const satisfies readonly (keyof UserLinkOutputs)[];

export type PackedOutputs = Omit<UserLinkOutputs, (typeof PACKED_KEYS)[number]> & { recorded: string };

/**
 * The ids both objects' states repeat from `resolved`: stored once (when equal), put back on reading.
 * [state, its key, the key of `resolved`].
 */
const REPEATED_IDS = [
  ["onPremisesState", "distinguishedName", "onPremisesDistinguishedName"],
  ["onPremisesState", "objectGuid", "onPremisesObjectGuid"],
  ["cloudState", "id", "cloudUserId"],
] as const;

/** The outputs as state stores them. */
export function packOutputs(outputs: UserLinkOutputs): PackedOutputs {
  const rest: Record<string, unknown> = { ...outputs };
  const packed: Record<string, unknown> = {};
  for (const k of PACKED_KEYS) {
    if (rest[k] !== undefined) packed[k] = rest[k];
    delete rest[k];
  }
  const resolved = outputs.resolved as unknown as Record<string, unknown> | undefined;
  for (const [state, key, resolvedKey] of REPEATED_IDS) {
    const kept = packed[state] as Record<string, unknown> | undefined;
    if (kept !== undefined && resolved !== undefined && kept[key] === resolved[resolvedKey]) {
      const { [key]: _same, ...others } = kept;
      packed[state] = others;
    }
  }
  return {
    ...(rest as Omit<UserLinkOutputs, (typeof PACKED_KEYS)[number]>),
    recorded: JSON.stringify(packed),
  };
}

/**
 * The outputs as the provider works with them, from state in either shape: packed, or as states
 * written by earlier versions hold them (every field nested; returned as they are).
 */
export function unpackOutputs<T extends object>(props: T): T & UserLinkOutputs {
  const text = (props as { recorded?: unknown }).recorded;
  if (text === undefined) return props as T & UserLinkOutputs;
  let packed: unknown;
  try {
    packed = typeof text === "string" ? JSON.parse(text) : undefined;
  } catch {
    packed = undefined;
  }
  if (packed === null || typeof packed !== "object" || Array.isArray(packed)) {
    throw new InvalidInputError(
      "STATE_UNREADABLE",
      "recorded",
      "ad-entra-link: this link's state has a `recorded` value that is not the JSON object the provider writes; it was edited by hand. Run `pulumi refresh` after restoring the state from a backup, or remove the link from the state (`pulumi state delete`) and declare it again.",
    );
  }
  const { recorded: _r, ...rest } = props as T & { recorded?: unknown };
  const fields: Record<string, unknown> = {};
  for (const k of PACKED_KEYS) {
    const v = (packed as Record<string, unknown>)[k];
    if (v !== undefined) fields[k] = v;
  }
  const resolved = (rest as { resolved?: Record<string, unknown> }).resolved;
  for (const [state, key, resolvedKey] of [...REPEATED_IDS].reverse()) {
    const kept = fields[state] as Record<string, unknown> | undefined;
    if (kept === undefined || kept[key] !== undefined || resolved?.[resolvedKey] === undefined) continue;
    // Back in its place (first, as the provider writes these states), so a re-pack is identical.
    fields[state] = { [key]: resolved[resolvedKey], ...kept };
  }
  return { ...rest, ...fields } as unknown as T & UserLinkOutputs;
}
