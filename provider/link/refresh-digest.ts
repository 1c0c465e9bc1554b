/**
 * The refresh digest: a stored link's certificate that a refresh under the same directory facts
 * changes nothing. Refresh is a pure function of the record and the facts (refresh.ts), so a link
 * whose stored outputs were a fixed point of that function under facts F is still one while the
 * directories return F. Read then compares one digest instead of inflating, validating and
 * planning the record again: at 1,000 links that work was most of refresh's time above the
 * engine floor (design-decisions.md, 2026-11-29, fourth).
 *
 * The digest binds the facts, the link id (Read looks the users up by it) and the stored record,
 * plus the version of the refresh logic, so a record changed any other way, or certified by other
 * refresh logic, is never taken as certified. A second digest binds the record to the declaration
 * options it was written from, for the Diff Pulumi runs after each refreshed link. It is a cache key,
 * not an integrity check: whoever can write the state can write any record, certified or not.
 */
import { createHash } from "node:crypto";
import { type PackedOutputs, REFRESH_DIGEST_KEY, sameJson, unpackOutputs } from "./packed";
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

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The SHA-256 of `parts`, each length-prefixed, so no two lists hash alike. A part is hashed as it
 * is (the stored record: 1 KB of base64, not copied) unless it holds a surrogate: a lone one would
 * encode to the same UTF-8 as any other, so such a part is hashed as its JSON text instead.
 */
function sha256(parts: readonly string[]): string {
  let framed = "";
  for (const part of parts) {
    const [kind, text] = SURROGATE.test(part) ? ["j", JSON.stringify(part)] : ["r", part];
    framed += `${kind}${text.length}:${text}`;
  }
  // One update: each call into the hash crosses into C++, and a Read and a Diff hash per link.
  return createHash("sha256").update(framed).digest("base64url");
}

/** Every fact, in a fixed order (the unit tests change each leaf of RefreshFacts and expect a new digest). */
function factsText({ ad, cloud }: RefreshFacts): string {
  return JSON.stringify([
    ad.dn,
    ad.objectGuid,
    ad.consistencyGuid,
    ad.userPrincipalName,
    ad.mail,
    ad.proxyAddresses,
    cloud.id,
    cloud.userPrincipalName,
    cloud.mail,
    cloud.proxyAddresses,
    cloud.onPremisesImmutableId,
    cloud.onPremisesSyncEnabled,
  ]);
}

/**
 * The digest of a stored record under `facts`. Of the stored form only the record counts: the
 * fields of their own (`objects`, `plan`, `join`) pass through a refresh and its Diff unchanged, and
 * a form with `drift` is never certified.
 */
export function factsDigest(id: string, facts: RefreshFacts, recorded: string): string {
  return sha256([REFRESH_LOGIC_VERSION, "facts", id, factsText(facts), recorded]);
}

/** The digest of a stored record with the options of `decl`. */
export function declarationDigest(decl: UserLinkDeclaration, recorded: string): string {
  return sha256([REFRESH_LOGIC_VERSION, "declaration", optionsText(decl), recorded]);
}

/**
 * The two digests a certified form stores in REFRESH_DIGEST_KEY: `<facts>` or `<facts>.<declaration>`
 * (base64url holds no "."). One property, not two: the engine and the host pay per property.
 */
function digestsIn(stored: PackedOutputs): { facts: string; declaration?: string } | undefined {
  const value = stored[REFRESH_DIGEST_KEY];
  if (typeof value !== "string" || stored.drift !== undefined) return undefined;
  const [facts, declaration, more] = value.split(".");
  if (facts === undefined || facts === "" || more !== undefined) return undefined;
  return declaration === undefined ? { facts } : { facts, declaration };
}

/** Whether `stored` carries the digest of `facts`: a refresh reading them changes nothing. */
export function isCertified(id: string, facts: RefreshFacts, stored: PackedOutputs): boolean {
  const digests = digestsIn(stored);
  return digests !== undefined && digests.facts === factsDigest(id, facts, stored.recorded);
}

/**
 * Whether `stored` is certified settled with the options `news` declare: then the Diff of a refresh
 * (nothing checked in the process) finds no change, as runtime.diff would after unpacking it: no
 * drift, written in full, its declaration valid, and the same options key by key.
 */
export function hasDeclarationOf(news: Record<string, unknown>, stored: PackedOutputs): boolean {
  const expected = digestsIn(stored)?.declaration;
  if (expected === undefined) return false;
  const after = validateDeclaration(news).decl;
  return after !== undefined && expected === declarationDigest(after, stored.recorded);
}

/**
 * `stored` (whose unpacked outputs are `outputs`) certified for `facts`, and for its declaration
 * when it is settled (written in full, its declaration valid). A form with drift is returned without
 * any digest: a refresh of it changes it.
 */
export function certified(
  id: string,
  facts: RefreshFacts,
  stored: PackedOutputs,
  outputs: UserLinkOutputs,
): PackedOutputs {
  const { [REFRESH_DIGEST_KEY]: _old, ...form } = stored;
  if (form.drift !== undefined) return form;
  const decl =
    outputs.progress?.cloudWritten === false
      ? undefined
      : validateDeclaration(outputs as unknown as Record<string, unknown>).decl;
  const digests = [
    factsDigest(id, facts, form.recorded),
    ...(decl !== undefined ? [declarationDigest(decl, form.recorded)] : []),
  ];
  return { ...form, [REFRESH_DIGEST_KEY]: digests.join(".") };
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
