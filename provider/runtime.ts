/**
 * The provider runtime: what the serialized dynamic provider `require`s by package name inside
 * each method. Living here (not in the serialized closure) means state in Pulumi holds only a few
 * lines of glue, clients and secrets never enter it, and old state runs today's code.
 *
 * This module is Pulumi's protocol glue (check failures, diff, partial state, wire format); the
 * process-wide session lives in session/session.ts and what a run remembers in session/run-book.ts.
 */
import { confirmAfterApply } from "./confirm/hook";
import { AdEntraLinkError, describeForUser, InvalidInputError, SafetyBlockError } from "./errors";
import { declarationKey, linkId, PartialApplyError, type Refreshed, type RefreshFacts } from "./link/engine";
import { linkIdentityOf } from "./link/identity";
import {
  isCurrentShape,
  type PackedOutputs,
  packOutputs,
  REFRESH_DIGEST_KEY,
  sameJson,
  unpackOutputs,
} from "./link/packed";
import {
  certified,
  certifiedAfterWrite,
  hasDeclarationOf,
  idsOfLink,
  isCertified,
} from "./link/refresh-digest";

import {
  DECLARATION_KEYS,
  optionsText,
  type UserLinkDeclaration,
  type UserLinkInputs,
  type UserLinkOutputs,
} from "./link/types";
import { unknownPaths, validateDeclaration } from "./link/validate";
import { log } from "./log";
import {
  checkedLinkOf,
  claimsOf,
  clearRunBook,
  identityFor,
  isConflicted,
  linkNameOf,
  noteChecked,
  noteCheckedLink,
  noteIdentity,
  noteResolved,
  resolvedOf,
  wasChecked,
} from "./session/run-book";
import { closeSession, configure, getSession } from "./session/session";

export { configure, getSession, sessionStats } from "./session/session";

/** A link's outputs as state holds them: packed, or nested as earlier versions wrote them. */
type StoredOutputs = PackedOutputs | UserLinkOutputs;

export interface CheckFailure {
  property: string;
  reason: string;
}

function failureOf(err: AdEntraLinkError, fallbackProperty: string): CheckFailure {
  const property = err.property ?? fallbackProperty;
  return { property, reason: `${err.name} [${err.code}]: ${err.message}` };
}

const REFUSALS = new Set(["InvalidInputError", "NotFoundError", "AmbiguousMatchError", "SafetyBlockError"]);

/**
 * The checked inputs: the arguments the program gave (validated, normalized, defaults left out so
 * preview does not echo them), who declares the link, and the review lines.
 */
function shownInputs(
  news: Record<string, unknown>,
  decl: UserLinkDeclaration,
  review: Pick<UserLinkInputs, "objects" | "plan" | "join">,
): UserLinkInputs {
  const shown: Record<string, unknown> = {};
  for (const k of DECLARATION_KEYS) {
    if (news[k] !== undefined && news[k] !== null && decl[k] !== undefined) shown[k] = decl[k];
  }
  // `link` is not shown (the URN above each link says the same); create/update find it by selectors.
  // The fields it replaced are kept only for callers without `link` (tests, programs before 0.3.0):
  // next to `link` they are arguments, and an argument must never name the owner.
  if (news["link"] === undefined) {
    for (const k of ["linkName", "stackOwner"] as const) {
      if (typeof news[k] === "string") shown[k] = news[k];
    }
  }
  return { ...(shown as unknown as UserLinkInputs), ...review };
}

/** Resolves the plan during preview and up; refusals become check failures (nothing is written). */
export async function check(
  olds: Partial<UserLinkInputs>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const { name: linkName, owner } = linkIdentityOf(news);
  void olds;
  const unknown = unknownPaths(news);
  // Unknown values (a dependency not created yet) are checked at `up`, when Pulumi calls check again
  // with them known; everything known is validated now.
  noteChecked(linkName);
  const known = unknown.length > 0 ? withoutPaths(news, unknown) : news;
  const { decl, failures } = validateDeclaration(known);
  if (decl !== undefined)
    noteIdentity(
      { onPremises: decl.onPremises, cloud: decl.cloud },
      {
        name: linkName,
        ...(owner !== undefined ? { owner } : {}),
      },
    );
  if (decl === undefined) {
    return { inputs: news, failures: failures.map((f) => failureOf(f.error, f.property)) };
  }
  if (unknown.some((p) => p !== "reason")) return { inputs: news, failures: [] };
  const { engine } = getSession();
  try {
    const r = await engine.resolve(decl);
    const refusals = r.errors.map((e) => failureOf(e, "cloud"));
    const dup = claimsOf(r, linkName).map((c) => failureOf(c.error, c.property));
    noteResolved(linkName, {
      onPremisesObjectGuid: r.ad.objectGuid,
      onPremisesDistinguishedName: r.ad.dn,
      cloudUserId: r.cloud.id,
    });
    const recorded = owner === undefined ? undefined : await engine.readOwnership(r);
    const ownedElsewhere = owner === undefined ? undefined : engine.ownershipConflict(r, owner, recorded);
    const owned = ownedElsewhere === undefined ? undefined : failureOf(ownedElsewhere, "cloud");
    // Only a check that refused nothing may be written from; a refused one forgets an earlier one.
    const clean = refusals.length === 0 && dup.length === 0 && owned === undefined;
    noteCheckedLink(
      linkName,
      clean
        ? {
            declarationKey: declarationKey(decl),
            resolution: r,
            ...(owner !== undefined ? { ownership: { recorded } } : {}),
          }
        : undefined,
    );
    for (const w of r.warnings) log.warn(`link "${linkName}": ${w}`);
    const inputs = shownInputs(news, decl, engine.review(r));
    return {
      inputs: plainJson(inputs) as unknown as Record<string, unknown>,
      failures: [...refusals, ...dup, ...(owned ? [owned] : [])],
    };
  } catch (err) {
    if (err instanceof AdEntraLinkError && REFUSALS.has(err.name)) {
      return { inputs: news, failures: [failureOf(err, err.side ?? "onPremises")] };
    }
    throw err;
  }
}

/** A copy of `raw` with the values at `paths` removed (validated as absent). */
function withoutPaths(raw: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  for (const p of paths) {
    const parts = p.replace(/\[(\d+)\]/g, ".$1").split(".");
    let node: unknown = copy;
    for (const part of parts.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[part];
    if (node !== null && typeof node === "object")
      delete (node as Record<string, unknown>)[parts[parts.length - 1]!];
  }
  return copy;
}

/**
 * Create and update re-validate what they receive: checked inputs normally, but a write must never
 * rest on a check that something switched off.
 */
function revalidate(inputs: Record<string, unknown>): UserLinkDeclaration {
  const name = identityFor(inputs).name;
  if (isConflicted(name)) {
    throw new SafetyBlockError(
      "DUPLICATE_CLAIM",
      `ad-entra-link: link "${name}" claims an object or value another link of this run also claims (see the check failures above); nothing was written for either.`,
    );
  }
  if (unknownPaths(inputs).length > 0) {
    throw new InvalidInputError(
      "INPUT_UNKNOWN_AT_APPLY",
      "(inputs)",
      "ad-entra-link: an argument of this link is still unknown at apply time; nothing was written.",
    );
  }
  const { decl, failures } = validateDeclaration(inputs);
  if (decl === undefined) throw failures[0]!.error;
  return decl;
}

/**
 * What leaves the provider process when a method fails: `Name [CODE]: message` and nothing else.
 * Pulumi's dynamic-provider host prints `${err}: ${err.stack}` of what we throw, so the stack is
 * replaced by a pointer instead of source paths, and the message is never printed twice.
 */
function forUser(err: unknown): Error {
  const shown = new Error(describeForUser(err));
  shown.name = "ad-entra-link";
  shown.stack = "(see TROUBLESHOOTING.md for this code)";
  return shown;
}

/** Runs a provider method; every failure leaves as `forUser` (partial-state errors keep their payload). */
async function guarded<T>(method: () => Promise<T>): Promise<T> {
  try {
    return await method();
  } catch (err) {
    if (
      (err as { id?: unknown }).id !== undefined &&
      (err as { properties?: unknown }).properties !== undefined
    ) {
      // Partial state, shaped for Pulumi by rethrowPartial: stored as every other state is.
      // The host stores these properties as they are: `__provider` stays beside the packed outputs.
      const partial = err as { properties: UserLinkOutputs & { __provider?: unknown } };
      const { __provider } = partial.properties;
      partial.properties = {
        ...packOutputs(partial.properties),
        __provider,
      } as unknown as typeof partial.properties;
      throw err;
    }
    throw forUser(err);
  }
}

/** Drops undefined values so the object survives protobuf Struct conversion (Pulumi's wire format). */
function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export async function diff(
  _id: string,
  olds: UserLinkOutputs,
  news: UserLinkInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const replaces: string[] = [];
  const raw = news as unknown as Record<string, unknown>;
  const name = linkNameOf(raw);
  const now = resolvedOf(name);
  if (olds.resolved && now) {
    if (olds.resolved.onPremisesObjectGuid !== now.onPremisesObjectGuid) replaces.push("onPremises");
    if (olds.resolved.cloudUserId !== now.cloudUserId) replaces.push("cloud");
  }
  // In preview and up, `news` was checked in this process a moment ago: its plan is current. In a
  // refresh nothing is checked: `news` are the inputs recorded at the last `up` (their plan is
  // history), and the refreshed outputs say whether the directories drifted since.
  const checkedNow = wasChecked(name);
  const before = validateDeclaration(olds as unknown as Record<string, unknown>).decl;
  const after = validateDeclaration(news as unknown as Record<string, unknown>).decl;
  const pending =
    (checkedNow && now === undefined) ||
    (checkedNow ? (news.plan ?? []).length > 0 : (olds.drift ?? []).length > 0) ||
    olds.progress?.cloudWritten === false ||
    before === undefined ||
    after === undefined ||
    optionsText(before) !== optionsText(after);
  // Delete first: a `restore` of the old link must not run after the new link wrote the same user.
  return { changes: pending || replaces.length > 0, replaces, deleteBeforeReplace: true };
}

function rethrowPartial(err: unknown, provider: unknown): never {
  if (err instanceof PartialApplyError) {
    // The dynamic-provider runtime turns an error with `id` into partial state (ErrorResourceInitFailed);
    // `__provider` must stay in the properties or later refresh/delete cannot load the provider.
    const shown = Object.assign(new Error(err.message), {
      id: err.linkId,
      properties: { ...plainJson(err.outputs), __provider: provider },
      reasons: [err.message],
    });
    shown.name = "ad-entra-link";
    shown.stack = "(partial state recorded; run `pulumi up` again)";
    throw shown;
  }
  throw err;
}

/** The checked inputs as Pulumi hands them to create/update, without the serialized provider. */
function checkedPart(inputs: UserLinkInputs & { __provider?: unknown }): UserLinkInputs {
  const { __provider: _p, ...checked } = inputs;
  return checked;
}

/** Create and update: re-validate, converge both directories, confirm the join (issue 14). */
async function applyLink(
  inputs: UserLinkInputs & { __provider?: unknown },
  previous: UserLinkOutputs | undefined,
): Promise<UserLinkOutputs> {
  const raw = inputs as unknown as Record<string, unknown>;
  const decl = revalidate(raw);
  const { name, owner } = identityFor(raw);
  const { engine } = getSession();
  try {
    const fromCheck = checkedLinkOf(name, declarationKey(decl));
    const outs = await engine.apply(name, decl, previous, owner, checkedPart(inputs), fromCheck);
    await confirmAfterApply(getSession().settings, name, outs); // issue 14: joinResult
    return outs;
  } catch (err) {
    rethrowPartial(err, inputs.__provider);
  }
}

export async function create(
  inputs: UserLinkInputs & { __provider?: unknown },
): Promise<{ id: string; outs: UserLinkOutputs }> {
  const outs = await applyLink(inputs, undefined);
  return { id: linkId(outs.resolved!), outs: plainJson(outs) };
}

export async function update(
  _id: string,
  olds: UserLinkOutputs,
  news: UserLinkInputs & { __provider?: unknown },
): Promise<{ outs: UserLinkOutputs }> {
  return { outs: plainJson(await applyLink(news, olds)) };
}

export async function read(
  id: string,
  props: UserLinkOutputs,
): Promise<{ id?: string; props?: UserLinkOutputs; inputs?: UserLinkInputs }> {
  const refreshed = await getSession().engine.refresh(props);
  return refreshed === undefined ? {} : readResult(id, refreshed);
}

/** What Read returns for a link that still exists: the refreshed outputs, and inputs after drift. */
function readResult(
  id: string,
  refreshed: Refreshed,
): { id: string; props: UserLinkOutputs; inputs?: UserLinkInputs } {
  return {
    id,
    props: plainJson(refreshed.outputs),
    ...(refreshed.inputs !== undefined ? { inputs: plainJson(refreshed.inputs) } : {}),
  };
}

export async function remove(_id: string, props: UserLinkOutputs): Promise<void> {
  const { name, owner } = linkIdentityOf(props as unknown as Record<string, unknown>);
  if (owner !== undefined) await getSession().engine.releaseOwnership(props, owner);
  if (props.onDelete !== "restore") {
    log.info(`link "${name}" removed from the stack; both directories left as they are (onDelete: retain).`);
    return;
  }
  const { engine } = getSession();
  const notes = await engine.restore(props);
  for (const n of notes) log.info(`link "${name}": ${n}`);
}

/**
 * The Diff Pulumi runs after each refreshed link, answered without unpacking the record when the
 * link is certified settled with the options its recorded inputs declare (refresh-digest.ts). Only
 * in a refresh: once this process checked the link (preview, up), diff compares the new plan.
 */
function refreshFindsNoChange(olds: StoredOutputs, news: UserLinkInputs): boolean {
  const raw = news as unknown as Record<string, unknown>;
  const name = linkNameOf(raw);
  if (wasChecked(name) || resolvedOf(name) !== undefined || !isCurrentShape(olds)) return false;
  const settled = hasDeclarationOf(raw, olds as PackedOutputs);
  if (settled) diffsByDigest++;
  return settled;
}

/**
 * What a Read of a certified-looking link found (refresh-digest.ts): the facts of the users the link
 * id names, looked up in the run's bulk read, and whether the stored digest matches them (then the
 * link is returned as it came, without inflating or planning it). Undefined when the link carries no
 * digest, is stored in another shape, or the look-up failed: the full refresh reads and reports.
 */
async function factsByDigest(
  id: string,
  props: StoredOutputs,
): Promise<
  { objectGuid: string; cloudUserId: string; facts: RefreshFacts | undefined; certified: boolean } | undefined
> {
  if (typeof (props as PackedOutputs)[REFRESH_DIGEST_KEY] !== "string" || !isCurrentShape(props))
    return undefined;
  const ids = idsOfLink(id);
  if (ids === undefined) return undefined;
  try {
    const facts = await getSession().engine.refreshFacts(ids.objectGuid, ids.cloudUserId);
    const certifiedNow = facts !== undefined && isCertified(id, facts, props as PackedOutputs);
    if (certifiedNow) readsByDigest++;
    return { ...ids, facts, certified: certifiedNow };
  } catch {
    return undefined;
  }
}

/** Reads and Diffs answered by digest since the process started (or the last shutdown): tests and benchmarks. */
let readsByDigest = 0;
let diffsByDigest = 0;

export function refreshStats(): { readsByDigest: number; diffsByDigest: number } {
  return { readsByDigest, diffsByDigest };
}

/** The `recorded` a stored state holds (undefined for states written before 0.3). */
function recordedIn(props: StoredOutputs): unknown {
  return (props as { recorded?: unknown }).recorded;
}

/**
 * The methods as the serialized provider calls them: the same functions, with every failure shown
 * as `Name [CODE]: message` (no stack trace, no source paths, no doubled message), and outputs
 * stored packed (link/packed.ts) and read back in either shape. Tests call the plain functions
 * above to see the typed errors and the outputs as the engine works with them.
 */
export const hosted = {
  check: (olds: Partial<UserLinkInputs>, news: Record<string, unknown>) => guarded(() => check(olds, news)),
  diff: (id: string, olds: StoredOutputs, news: UserLinkInputs) =>
    guarded(async () =>
      refreshFindsNoChange(olds, news)
        ? { changes: false, replaces: [], deleteBeforeReplace: true }
        : diff(id, unpackOutputs(olds), news),
    ),
  create: (inputs: UserLinkInputs & { __provider?: unknown }) =>
    guarded(async () => {
      const created = await create(inputs);
      return { id: created.id, outs: certifiedAfterWrite(created.id, packOutputs(created.outs)) };
    }),
  update: (id: string, olds: StoredOutputs, news: UserLinkInputs & { __provider?: unknown }) =>
    guarded(async () => ({
      outs: certifiedAfterWrite(
        id,
        packOutputs((await update(id, unpackOutputs(olds), news)).outs, recordedIn(olds)),
      ),
    })),
  read: (id: string, props: StoredOutputs) =>
    guarded(async () => {
      const looked = await factsByDigest(id, props);
      if (looked?.certified) return { id, props };
      const stored = unpackOutputs(props);
      // The users the id names are the link's own (as linkId wrote it): what was just read is used.
      const own =
        looked !== undefined &&
        looked.objectGuid === stored.resolved?.onPremisesObjectGuid &&
        looked.cloudUserId === stored.resolved?.cloudUserId;
      const refreshed = await getSession().engine.refresh(stored, own ? { facts: looked.facts } : undefined);
      if (refreshed === undefined) return {};
      // Nothing changed (the common refresh): the state goes back as it came, not re-encoded, and
      // certified for the facts just read, so the next refresh need not plan it again.
      if (refreshed.inputs === undefined && isCurrentShape(props) && sameJson(refreshed.outputs, stored)) {
        const sameLink = stored.resolved !== undefined && linkId(stored.resolved) === id;
        const facts = refreshed.facts;
        return {
          id,
          props: sameLink && facts ? certified(id, facts, props as PackedOutputs, stored) : props,
        };
      }
      const r = readResult(id, refreshed);
      return { ...r, props: packOutputs(r.props, recordedIn(props)) };
    }),
  remove: (id: string, props: StoredOutputs) => guarded(() => remove(id, unpackOutputs(props))),
};

/**
 * The provider as Pulumi's dynamic-provider host finds it: the `handler` of a link's `__provider`
 * code (resource.ts PROVIDER_SOURCE) returns this object. The host calls `configure` once per
 * process with the provider configuration, then the methods.
 */
export const dynamicProvider = {
  configure: async (req: { config: { get(key: string): string | undefined } }): Promise<void> =>
    configure((key) => req.config.get(key)),
  check: hosted.check,
  diff: hosted.diff,
  create: hosted.create,
  update: hosted.update,
  read: hosted.read,
  delete: hosted.remove,
};

/** For tests and benchmarks: closes the shared clients and forgets the run. */
export async function shutdown(): Promise<void> {
  await closeSession();
  clearRunBook();
  readsByDigest = 0;
  diffsByDigest = 0;
}
