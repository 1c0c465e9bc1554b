/**
 * The refresh digest: a stored link's certificate that a refresh under the same directory facts
 * changes nothing. Refresh is a pure function of the record and the facts (refresh.ts), so a link
 * whose stored outputs were a fixed point of that function under facts F is still one while the
 * directories return F. Read then compares one digest instead of inflating, validating and
 * planning the record again: at 1,000 links that work was most of refresh's time above the
 * engine floor (design-decisions.md, 2026-11-29, fourth).
 *
 * The digest binds the facts, the link id (Read looks the users up by it) and the whole stored form
 * (record and fields), plus the version of the refresh logic, so a record changed any other way, or
 * certified by other refresh logic, is never taken as certified. It is a cache key,
 * not an integrity check: whoever can write the state can write any record, certified or not.
 */
import { createHash } from "node:crypto";
import {
  canonicalJson,
  DECLARATION_DIGEST_KEY,
  FIELD_KEYS,
  type PackedOutputs,
  REFRESH_DIGEST_KEY,
  sameJson,
  unpackOutputs,
} from "./packed";
import { linkId } from "./recorded";
import { type RefreshFacts, refreshFactsFromStates, refreshWith } from "./refresh";
import { optionsText, type UserLinkDeclaration, type UserLinkOutputs } from "./types";
import { validateDeclaration } from "./validate";

/**
 * The version of the refresh logic. Bump it whenever what `refreshWith` returns for the same record
 * and facts changes: every stored digest then stops matching, and the next refresh plans each link
 * again. tests/unit/link/refresh-digest.test.ts holds a tripwire for this.
 */
export const REFRESH_LOGIC_VERSION = "ad-entra-link/refresh/1";

function fieldsOf(stored: PackedOutputs): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const k of FIELD_KEYS) fields[k] = stored[k];
  return fields;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The SHA-256 of `parts`, each length-prefixed, so no two lists hash alike. A part is hashed as it
 * is (the stored record: 1 KB of base64, not copied) unless it holds a surrogate: a lone one would
 * encode to the same UTF-8 as any other, so such a part is hashed as its JSON text instead.
 */
function sha256(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    const [kind, text] = SURROGATE.test(part) ? ["j", JSON.stringify(part)] : ["r", part];
    hash.update(`${kind}${text.length}:`).update(text);
  }
  return hash.digest("base64url");
}

/** The digest of a stored form under `facts` (only the record and the fields of their own count). */
export function refreshDigest(id: string, facts: RefreshFacts, stored: PackedOutputs): string {
  const { recorded } = stored;
  return sha256([
    REFRESH_LOGIC_VERSION,
    "facts",
    id,
    canonicalJson(facts),
    canonicalJson(fieldsOf(stored)),
    recorded,
  ]);
}

/** The digest of a stored form with the options of `decl` (only the record and the fields count). */
export function declarationDigest(decl: UserLinkDeclaration, stored: PackedOutputs): string {
  const { recorded } = stored;
  return sha256([
    REFRESH_LOGIC_VERSION,
    "declaration",
    optionsText(decl),
    canonicalJson(fieldsOf(stored)),
    recorded,
  ]);
}

/**
 * Whether `stored` is certified settled with the options `news` declare: then the Diff of a refresh
 * (nothing checked in the process) finds no change, as runtime.diff would after unpacking it: no
 * drift, written in full, its declaration valid, and the same options key by key.
 */
export function hasDeclarationOf(news: Record<string, unknown>, stored: PackedOutputs): boolean {
  const digest = stored[DECLARATION_DIGEST_KEY];
  if (typeof digest !== "string" || stored.drift !== undefined) return false;
  const after = validateDeclaration(news).decl;
  return after !== undefined && digest === declarationDigest(after, stored);
}

/** Whether `stored` carries the digest of `facts`: a refresh reading them changes nothing. */
export function isCertified(id: string, facts: RefreshFacts, stored: PackedOutputs): boolean {
  const digest = stored[REFRESH_DIGEST_KEY];
  return typeof digest === "string" && digest === refreshDigest(id, facts, stored);
}

/**
 * `stored` (whose unpacked outputs are `outputs`) with the digest of `facts`, and with the digest
 * of its declaration when it is settled: no drift, written in full, its declaration valid. Earlier
 * digests are replaced.
 */
export function certified(
  id: string,
  facts: RefreshFacts,
  stored: PackedOutputs,
  outputs: UserLinkOutputs,
): PackedOutputs {
  const { [REFRESH_DIGEST_KEY]: _f, [DECLARATION_DIGEST_KEY]: _d, ...form } = stored;
  const settled = form.drift === undefined && outputs.progress?.cloudWritten !== false;
  const decl = settled ? validateDeclaration(outputs as unknown as Record<string, unknown>).decl : undefined;
  return {
    ...form,
    [REFRESH_DIGEST_KEY]: refreshDigest(id, facts, form),
    ...(decl !== undefined ? { [DECLARATION_DIGEST_KEY]: declarationDigest(decl, form) } : {}),
  };
}

/** The object and cloud user ids a link id names (linkId), or undefined when it names none. */
export function idsOfLink(id: string): { objectGuid: string; cloudUserId: string } | undefined {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) return undefined;
  return { objectGuid: id.slice(0, slash), cloudUserId: id.slice(slash + 1) };
}

/**
 * A freshly written link's stored form, certified when its outputs are a fixed point of refresh
 * under the facts its recorded states describe: the first refresh after `up` then finds it
 * unchanged without planning it again. Left uncertified (the next refresh plans it, and certifies
 * it if nothing changed) when the id does not match, the states do not parse, or a refresh would
 * change anything.
 */
export function certifiedAfterWrite(id: string, stored: PackedOutputs): PackedOutputs {
  try {
    const outputs: UserLinkOutputs = unpackOutputs(stored);
    if (outputs.resolved === undefined || linkId(outputs.resolved) !== id) return stored;
    const facts = refreshFactsFromStates(outputs);
    if (facts === undefined) return stored;
    const again = refreshWith(outputs, facts);
    if (again.inputs !== undefined || !sameJson(again.outputs, outputs)) return stored;
    return certified(id, facts, stored, outputs);
  } catch {
    return stored;
  }
}
