/**
 * The provider runtime: what the serialized dynamic provider `require`s by package name inside
 * each method. Living here (not in the serialized closure) means state in Pulumi holds only a few
 * lines of glue, clients and secrets never enter it, and old state runs today's code.
 *
 * One provider process serves every UserLink of a deployment: the session (settings, one LDAP
 * connection, one Graph client) is created lazily once and shared by all links and methods.
 */
import { AdDirectory } from "./ad/ad-directory";
import { type ConfigLookup, readSettings, type Settings } from "./config/settings";
import { EntraDirectory } from "./entra/graph-directory";
import { AdEntraLinkError, SafetyBlockError } from "./errors";
import { LinkEngine, linkId, PartialLinkError, plainJson } from "./link/engine";
import { DECLARATION_KEYS, type UserLinkInputs, type UserLinkOutputs } from "./link/types";
import { hasUnknowns, validateDeclaration } from "./link/validate";

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
const claims = new Map<string, string>();
const tenantWarnings = new Set<string>();

const log = (message: string) => process.stderr.write(`ad-entra-link: ${message}\n`);

/** Called from the provider's `configure` with the stack config (secrets arrive decrypted). */
export function configure(configLookup: ConfigLookup): void {
  lookup = configLookup;
  session = undefined;
}

/** The process-wide session; throws ConfigurationError naming the key when settings are wrong. */
export function getSession(): Session {
  if (session === undefined) {
    const settings = readSettings(lookup);
    const used = Object.entries(settings.sources)
      .map(([k, src]) => `${k} from ${src}`)
      .join(", ");
    log(`settings: ${used}`);
    if (settings.ldap.tlsInsecureSkipVerify) {
      log(
        "WARNING: ldapTlsInsecureSkipVerify is true: the domain controller's certificate is NOT verified. Anyone on the network path can read the bind password and change what this tool writes. Configure ldapCaCertificate instead.",
      );
    }
    const ad = new AdDirectory(settings.ldap);
    const entra = new EntraDirectory(settings.entra);
    session = { settings, ad, entra, engine: new LinkEngine(ad, entra) };
  }
  return session;
}

function failureOf(err: AdEntraLinkError, fallbackProperty: string): CheckFailure {
  const property = (err as { property?: string }).property ?? fallbackProperty;
  return { property, reason: `${err.name} [${err.code}]: ${err.message}` };
}

const REFUSALS = new Set(["InvalidInputError", "NotFoundError", "AmbiguousMatchError", "SafetyBlockError"]);

function claim(kind: string, key: string, linkName: string): CheckFailure | undefined {
  const k = `${kind}:${key.toLowerCase()}`;
  const holder = claims.get(k);
  if (holder !== undefined && holder !== linkName) {
    const err = new SafetyBlockError(
      "DUPLICATE_CLAIM",
      `ad-entra-link: links "${holder}" and "${linkName}" both claim the ${kind === "ad" ? "Active Directory user" : "cloud user"} ${key}. One object can be linked only once; remove one of the links.`,
    );
    return failureOf(err, kind === "ad" ? "onPremises" : "cloud");
  }
  claims.set(k, linkName);
  return undefined;
}

/** Resolves the plan during preview and up; refusals become check failures (nothing is written). */
export async function check(
  olds: Partial<UserLinkInputs>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const linkName = typeof news["linkName"] === "string" ? news["linkName"] : "(unnamed)";
  if (hasUnknowns(news)) return { inputs: news, failures: [] };
  const { decl, failures } = validateDeclaration(news);
  if (decl === undefined) {
    return { inputs: news, failures: failures.map((f) => failureOf(f.error, f.property)) };
  }
  const { engine } = getSession();
  try {
    const r = await engine.resolve(decl);
    const refusals = r.errors.map((e) => failureOf(e, "cloud"));
    const dup = [claim("ad", r.ad.objectGuid, linkName), claim("cloud", r.cloud.id, linkName)].filter(
      (f): f is CheckFailure => f !== undefined,
    );
    for (const w of r.warnings) {
      // Tenant-wide caveats are the same for every link: say them once per run, not once per link.
      if (/could not be read|Tenant sync features unknown/.test(w)) {
        if (!tenantWarnings.has(w)) log(`warning: ${w}`);
        tenantWarnings.add(w);
      } else log(`warning: link "${linkName}": ${w}`);
    }
    const inputs = engine.checkedInputs(linkName, r);
    void olds;
    return {
      inputs: plainJson(inputs) as unknown as Record<string, unknown>,
      failures: [...refusals, ...dup],
    };
  } catch (err) {
    if (err instanceof AdEntraLinkError && REFUSALS.has(err.name)) {
      const side = err.code.startsWith("CLOUD_") || err.code.startsWith("ENTRA_") ? "cloud" : "onPremises";
      return { inputs: news, failures: [failureOf(err, side)] };
    }
    throw err;
  }
}

// Everything but the selectors: a change of a selector shows as another resolved identity instead.
const OPTION_KEYS = DECLARATION_KEYS.filter((k) => k !== "onPremises" && k !== "cloud");

export async function diff(
  _id: string,
  olds: UserLinkOutputs,
  news: UserLinkInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const replaces: string[] = [];
  if (olds.resolved && news.resolved) {
    if (olds.resolved.onPremisesObjectGuid !== news.resolved.onPremisesObjectGuid)
      replaces.push("onPremises");
    if (olds.resolved.cloudUserId !== news.resolved.cloudUserId) replaces.push("cloud");
  }
  const pending =
    news.resolved === undefined ||
    (news.planSummary ?? []).length > 0 ||
    olds.progress?.cloudWritten === false ||
    OPTION_KEYS.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  // Delete first: a `restore` of the old link must not run after the new link wrote the same user.
  return { changes: pending || replaces.length > 0, replaces, deleteBeforeReplace: true };
}

function rethrowPartial(err: unknown): never {
  if (err instanceof PartialLinkError) {
    // The dynamic-provider runtime turns an error with `id` into partial state (ErrorResourceInitFailed).
    throw Object.assign(new Error(err.message), {
      id: err.id,
      properties: err.properties,
      reasons: err.reasons,
    });
  }
  throw err;
}

export async function create(
  inputs: UserLinkInputs & { __provider?: unknown },
): Promise<{ id: string; outs: UserLinkOutputs }> {
  const { engine } = getSession();
  try {
    const outs = await engine.apply(inputs.linkName, inputs, inputs.__provider);
    return { id: linkId(outs.resolved!), outs: plainJson(outs) };
  } catch (err) {
    rethrowPartial(err);
  }
}

export async function update(
  _id: string,
  olds: UserLinkOutputs,
  news: UserLinkInputs & { __provider?: unknown },
): Promise<{ outs: UserLinkOutputs }> {
  const { engine } = getSession();
  try {
    const outs = await engine.apply(news.linkName, news, news.__provider, olds);
    return { outs: plainJson(outs) };
  } catch (err) {
    rethrowPartial(err);
  }
}

export async function read(
  id: string,
  props: UserLinkOutputs,
): Promise<{ id?: string; props?: UserLinkOutputs; inputs?: UserLinkInputs }> {
  const { engine } = getSession();
  const refreshed = await engine.refresh(props);
  if (refreshed === undefined) return {};
  return { id, props: plainJson(refreshed) };
}

export async function remove(_id: string, props: UserLinkOutputs): Promise<void> {
  if (props.onDelete !== "restore") {
    log(
      `link "${props.linkName}" removed from the stack; both directories left as they are (onDelete: retain).`,
    );
    return;
  }
  const { engine } = getSession();
  const notes = await engine.restore(props);
  for (const n of notes) log(`link "${props.linkName}": ${n}`);
}

/** For tests and benchmarks: connection reuse counters and a way to close the shared clients. */
export function sessionStats(): { ldapConnections: number } | undefined {
  return session ? { ldapConnections: session.ad.connectionsOpened } : undefined;
}

export async function shutdown(): Promise<void> {
  await session?.ad.close();
  session = undefined;
  claims.clear();
}
