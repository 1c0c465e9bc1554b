/**
 * The provider runtime: what the serialized dynamic provider `require`s by package name inside
 * each method. Living here (not in the serialized closure) means state in Pulumi holds only a few
 * lines of glue, clients and secrets never enter it, and old state runs today's code.
 *
 * One provider process serves every UserLink of a deployment: the session (settings, one LDAP
 * connection, one Graph client) is created lazily once and shared by all links and methods.
 */
import { AdDirectory } from "./ad/ad-directory";
import { AUTO_BULK_READ_AFTER, BulkGate, CachedAd, CachedEntra } from "./bulk/cached";
import { type ConfigLookup, readSettings, type Settings } from "./config/settings";
import { confirmAfterApply } from "./confirm/hook";
import { EntraDirectory } from "./entra/graph-directory";
import type { SyncFeatures } from "./domain/ports";
import { log, registerSecret } from "./log";
import { AdEntraLinkError, describeForUser, InvalidInputError, SafetyBlockError } from "./errors";
import { LinkEngine, linkId, PartialApplyError, type Resolution } from "./link/engine";
import { type LinkIdentity, linkIdentityOf } from "./link/identity";
import {
  DECLARATION_KEYS,
  type ResolvedIdentity,
  type UserLinkDeclaration,
  type UserLinkInputs,
  type UserLinkOutputs,
} from "./link/types";
import { unknownPaths, validateDeclaration } from "./link/validate";

export interface CheckFailure {
  property: string;
  reason: string;
}

interface Session {
  settings: Settings;
  ad: AdDirectory;
  entra: EntraDirectory;
  engine: LinkEngine;
}

let lookup: ConfigLookup = () => undefined;
let session: Session | undefined;
/** Which link claimed which object in this process: two links must never share one. */
const claims = new Map<string, Set<string>>();

// One logger for the provider: levelled, and it redacts the secrets registered below.

/** Called from the provider's `configure` with the stack config (secrets arrive decrypted). */
export function configure(configLookup: ConfigLookup): void {
  lookup = configLookup;
  session = undefined;
}

/** The process-wide session; throws ConfigurationError naming the key when settings are wrong. */
export function getSession(): Session {
  if (session === undefined) {
    const settings = readSettings(lookup);
    registerSecret(settings.ldap.bindPassword);
    registerSecret(settings.entra.clientSecret);
    registerSecret(settings.entra.clientCertificate);
    const used = Object.entries(settings.sources)
      .map(([k, src]) => `${k} from ${src}`)
      .join(", ");
    log.info(`settings: ${used}`);
    if (settings.ldap.tlsInsecureSkipVerify) {
      log.warn(
        "ldapTlsInsecureSkipVerify is true: the domain controller's certificate is NOT verified. Anyone on the network path can read the bind password and change what this tool writes. Configure ldapCaCertificate instead.",
      );
    }
    const ad = new AdDirectory(settings.ldap);
    const entra = new EntraDirectory(settings.entra);
    const stated = (settings as { tenantSyncFeatures?: SyncFeatures }).tenantSyncFeatures;
    const mode = settings.bulkRead ?? "auto";
    log.info(
      `bulkRead: ${mode} (${
        mode === "on"
          ? "checks read both directories in bulk from the first link"
          : mode === "off"
            ? "every link reads both directories itself"
            : `checks read both directories in bulk once more than ${AUTO_BULK_READ_AFTER} links are checked`
      })`,
    );
    // The engine works through caching ports; the runtime's own reads (ownership) stay direct.
    const gate = new BulkGate(mode, AUTO_BULK_READ_AFTER, log.info);
    session = {
      settings,
      ad,
      entra,
      engine: new LinkEngine(
        new CachedAd(ad, settings.ldap, gate, log.info),
        new CachedEntra(entra, gate, log.info),
        {
          ...(stated !== undefined ? { tenantSyncFeatures: stated } : {}),
          ...(settings.join !== undefined ? { syncEngine: settings.join.syncEngine } : {}),
        },
      ),
    };
  }
  return session;
}

function failureOf(err: AdEntraLinkError, fallbackProperty: string): CheckFailure {
  const property = err.property ?? fallbackProperty;
  return { property, reason: `${err.name} [${err.code}]: ${err.message}` };
}

const REFUSALS = new Set(["InvalidInputError", "NotFoundError", "AmbiguousMatchError", "SafetyBlockError"]);

type ClaimKind = "ad" | "cloud" | "upn" | "address";
const CLAIM_WHAT: Record<ClaimKind, string> = {
  ad: "Active Directory user",
  cloud: "cloud user",
  upn: "userPrincipalName",
  address: "SMTP address",
};

function claim(kind: ClaimKind, key: string, linkName: string, property: string): CheckFailure | undefined {
  const k = `${kind}:${key.toLowerCase()}`;
  const holders = claims.get(k) ?? new Set<string>();
  holders.add(linkName);
  claims.set(k, holders);
  const others = [...holders].filter((h) => h !== linkName);
  if (others.length === 0) return undefined;
  // Every link involved is refused: this one now, and the others when `up` re-checks or creates them.
  for (const other of others) conflicted.add(other);
  conflicted.add(linkName);
  const err = new SafetyBlockError(
    "DUPLICATE_CLAIM",
    `ad-entra-link: links ${namesOf([...holders])} ${holders.size === 2 ? "both" : "all"} claim the ${CLAIM_WHAT[kind]} ${key}. One object or value can belong to one link only; change or remove all but one of them. Nothing was written.`,
  );
  return failureOf(err, property);
}

/** `"a" and "b"`, `"a", "b" and "c"`. */
function namesOf(names: string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length < 2
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** Links checked by this provider process (preview and up check every link; refresh checks none). */
const checkedLinks = new Set<string>();

/** Links named in a claim conflict of this run: create/update refuses them (no write for any of them). */
const conflicted = new Set<string>();

/** Every object and value a resolved link claims in this run (docs/matching-model.md §3). */
function claimsOf(r: Resolution, linkName: string): CheckFailure[] {
  const objects = [
    claim("ad", r.ad.objectGuid, linkName, "onPremises"),
    claim("cloud", r.cloud.id, linkName, "cloud"),
  ].filter((f): f is CheckFailure => f !== undefined);
  const values = [
    claim("upn", r.plan.target.userPrincipalName, linkName, "userPrincipalName"),
    ...r.exported.allSmtp.map((a) => claim("address", a, linkName, "onPremises")),
  ].filter((f): f is CheckFailure => f !== undefined);
  // Two links of one object also share its values: name the object, not each of its values.
  return objects.length > 0 ? objects : values;
}

/** The objects each link checked in this process resolved to: diff compares them with the state's. */
const resolvedNow = new Map<string, ResolvedIdentity>();

/**
 * Who declares each link checked in this process, by its selectors: Pulumi calls check before
 * create and update in the same provider process, and two links with the same selectors are
 * refused (DUPLICATE_CLAIM), so the selectors identify the link.
 */
const identities = new Map<string, LinkIdentity>();

function selectorKey(props: Record<string, unknown>): string {
  return JSON.stringify([props["onPremises"], props["cloud"]]);
}

/** The link's identity: in its inputs (tests, states before 0.3.0), else recorded by check. */
function identityFor(inputs: Record<string, unknown>): LinkIdentity {
  // What check recorded wins: it came from the `link` the program set after the arguments.
  const known = identities.get(selectorKey(inputs));
  if (known === undefined && (inputs["link"] !== undefined || inputs["linkName"] !== undefined)) {
    return linkIdentityOf(inputs);
  }
  if (known === undefined) {
    throw new InvalidInputError(
      "LINK_NOT_CHECKED",
      "(inputs)",
      "ad-entra-link: this link was not checked in this run, so its stack and name are unknown; nothing was written. Run `pulumi up` again.",
    );
  }
  return known;
}

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
  checkedLinks.add(linkName);
  const known = unknown.length > 0 ? withoutPaths(news, unknown) : news;
  const { decl, failures } = validateDeclaration(known);
  if (decl !== undefined)
    identities.set(selectorKey({ onPremises: decl.onPremises, cloud: decl.cloud }), {
      name: linkName,
      ...(owner !== undefined ? { owner } : {}),
    });
  if (decl === undefined) {
    return { inputs: news, failures: failures.map((f) => failureOf(f.error, f.property)) };
  }
  if (unknown.some((p) => p !== "reason")) return { inputs: news, failures: [] };
  const { engine } = getSession();
  try {
    const r = await engine.resolve(decl);
    const refusals = r.errors.map((e) => failureOf(e, "cloud"));
    const dup = claimsOf(r, linkName);
    resolvedNow.set(linkName, {
      onPremisesObjectGuid: r.ad.objectGuid,
      onPremisesDistinguishedName: r.ad.dn,
      cloudUserId: r.cloud.id,
    });
    const ownedElsewhere = owner === undefined ? undefined : await engine.ownershipConflict(r, owner);
    const owned = ownedElsewhere === undefined ? undefined : failureOf(ownedElsewhere, "cloud");
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
  if (conflicted.has(name)) {
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

// Everything but the selectors: a change of a selector shows as another resolved identity instead.
const OPTION_KEYS = DECLARATION_KEYS.filter((k) => k !== "onPremises" && k !== "cloud");

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
      throw err; // partial state: already shaped for Pulumi by rethrowPartial
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
  const name = identities.get(selectorKey(raw))?.name ?? linkIdentityOf(raw).name;
  const now = resolvedNow.get(name);
  if (olds.resolved && now) {
    if (olds.resolved.onPremisesObjectGuid !== now.onPremisesObjectGuid) replaces.push("onPremises");
    if (olds.resolved.cloudUserId !== now.cloudUserId) replaces.push("cloud");
  }
  // In preview and up, `news` was checked in this process a moment ago: its plan is current. In a
  // refresh nothing is checked: `news` are the inputs recorded at the last `up` (their plan is
  // history), and the refreshed outputs say whether the directories drifted since.
  const checkedNow = checkedLinks.has(name);
  const before = validateDeclaration(olds as unknown as Record<string, unknown>).decl;
  const after = validateDeclaration(news as unknown as Record<string, unknown>).decl;
  const pending =
    (checkedNow && now === undefined) ||
    (checkedNow ? (news.plan ?? []).length > 0 : (olds.drift ?? []).length > 0) ||
    olds.progress?.cloudWritten === false ||
    before === undefined ||
    after === undefined ||
    OPTION_KEYS.some((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
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

export async function create(
  inputs: UserLinkInputs & { __provider?: unknown },
): Promise<{ id: string; outs: UserLinkOutputs }> {
  const decl = revalidate(inputs as unknown as Record<string, unknown>);
  const { name, owner } = identityFor(inputs as unknown as Record<string, unknown>);
  const { engine } = getSession();
  try {
    const outs = await engine.apply(name, decl, undefined, owner, checkedPart(inputs));
    await confirmAfterApply(getSession().settings, name, outs); // issue 14: joinResult
    return { id: linkId(outs.resolved!), outs: plainJson(outs) };
  } catch (err) {
    rethrowPartial(err, inputs.__provider);
  }
}

export async function update(
  _id: string,
  olds: UserLinkOutputs,
  news: UserLinkInputs & { __provider?: unknown },
): Promise<{ outs: UserLinkOutputs }> {
  const decl = revalidate(news as unknown as Record<string, unknown>);
  const { name, owner } = identityFor(news as unknown as Record<string, unknown>);
  const { engine } = getSession();
  try {
    const outs = await engine.apply(name, decl, olds, owner, checkedPart(news));
    await confirmAfterApply(getSession().settings, name, outs); // issue 14: joinResult
    return { outs: plainJson(outs) };
  } catch (err) {
    rethrowPartial(err, news.__provider);
  }
}

export async function read(
  id: string,
  props: UserLinkOutputs,
): Promise<{ id?: string; props?: UserLinkOutputs; inputs?: UserLinkInputs }> {
  const { engine } = getSession();
  const refreshed = await engine.refresh(props);
  if (refreshed === undefined) return {};
  return { id, props: plainJson(refreshed.outputs), inputs: plainJson(refreshed.inputs) };
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
 * The methods as the serialized provider calls them: the same functions, with every failure shown
 * as `Name [CODE]: message` (no stack trace, no source paths, no doubled message). Tests call the
 * plain functions above to see the typed errors.
 */
export const hosted = {
  check: (olds: Partial<UserLinkInputs>, news: Record<string, unknown>) => guarded(() => check(olds, news)),
  diff: (id: string, olds: UserLinkOutputs, news: UserLinkInputs) => guarded(() => diff(id, olds, news)),
  create: (inputs: UserLinkInputs & { __provider?: unknown }) => guarded(() => create(inputs)),
  update: (id: string, olds: UserLinkOutputs, news: UserLinkInputs & { __provider?: unknown }) =>
    guarded(() => update(id, olds, news)),
  read: (id: string, props: UserLinkOutputs) => guarded(() => read(id, props)),
  remove: (id: string, props: UserLinkOutputs) => guarded(() => remove(id, props)),
};

/** For tests and benchmarks: connection reuse counters and a way to close the shared clients. */
export function sessionStats(): { ldapConnections: number } | undefined {
  return session ? { ldapConnections: session.ad.connectionsOpened } : undefined;
}

export async function shutdown(): Promise<void> {
  await session?.ad.close();
  session = undefined;
  claims.clear();
  conflicted.clear();
  checkedLinks.clear();
  resolvedNow.clear();
  identities.clear();
}
