/**
 * Validates a links file read by either reader (YAML or CSV) and turns it into link declarations.
 * Every rule of a single UserLink (`validateDeclaration`) runs on every entry, then the rules that
 * need the whole file: duplicate entries, two entries for one AD user or one cloud user, and
 * resource-name collisions. All problems are collected; nothing is declared unless there are none.
 */
import { validateDeclaration } from "../link/validate";
import type { UserLinkDeclaration } from "../link/types";
import { excerpt, hiddenKeysIn, isPathKey, scrubMessage, stringsIn } from "./excerpt";
import { bareMessage, LinksFileInvalidError, type LinksFileProblem } from "./problems";
import { DEFAULT_KEYS, type DefaultKey, deriveLinkName, ENTRY_KEYS, LINK_NAME_PATTERN } from "./schema";

/** A path inside an entry or the defaults, e.g. `["cloud", "userPrincipalName"]` or `["additionalProxyAddresses", 1]`. */
export type FieldPath = readonly (string | number)[];

/** Where things are in the file, as the reader knows it. */
export interface SourceLocator {
  /** Line of the field at `path`, or of its nearest ancestor that exists in the file. */
  lineOf(path: FieldPath): number;
  /** Extra words for a message about `path`, e.g. ` (column CloudUserPrincipalName)` in a CSV file. */
  describe?(path: FieldPath): string;
}

/** One entry as read, before validation. */
export interface SourceEntry extends SourceLocator {
  /** 0-based position in the file. */
  index: number;
  /** Line where the entry starts. */
  line: number;
  /** The entry's value (a mapping is expected). */
  raw: unknown;
  /**
   * Declaration failures (`<property>/<code>`) the reader already reported in its own words, e.g. a
   * CSV row that fills two AD user columns (`onPremises/SELECTOR_MULTIPLE`).
   */
  reportedByReader?: ReadonlySet<string>;
}

/** A links file as a reader produced it. */
export interface SourceFile {
  file: string;
  format: "yaml" | "csv";
  /** Problems the reader already found (syntax, unknown columns, ...). */
  problems: LinksFileProblem[];
  defaults?: SourceLocator & { raw: unknown; line: number };
  entries: SourceEntry[];
}

/** The declared link values, ready to pass as `UserLinkArgs`. */
export type LinkArgs = UserLinkDeclaration;

/** One valid entry. */
export interface LinkEntry {
  /** The Pulumi resource name (explicit `name`, or derived from the on-premises selector). */
  name: string;
  /** Whether `name` was written in the file. */
  explicitName: boolean;
  index: number;
  line: number;
  /** Normalized declaration (defaults applied, GUIDs in canonical form). */
  args: LinkArgs;
}

/** A validated links file. */
export interface LinksFile {
  file: string;
  format: "yaml" | "csv";
  defaults: Partial<Pick<UserLinkDeclaration, DefaultKey>>;
  entries: LinkEntry[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `onPremises.samAccountName` → ["onPremises", "samAccountName"]; `a[1]` → ["a", 1]. */
export function parsePropertyPath(property: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of property.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== "") out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** A key as a path may show it: identifiers as written, anything else (file content) as `{key}`. */
function pathSegment(seg: string): string {
  return isPathKey(seg) ? seg : "{key}";
}

/** A property path of the declaration rules with every hidden key replaced by `{key}` before it is split. */
function hideKeys(property: string, hidden: readonly string[]): string {
  let out = property;
  for (const key of [...hidden].sort((a, b) => b.length - a.length)) out = out.split(key).join("{key}");
  return out;
}

export function formatPath(prefix: string, path: FieldPath): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? pathSegment(seg) : `.${pathSegment(seg)}`;
  }
  return out;
}

// Placeholder selectors that satisfy the declaration rules, to check the defaults on their own.
const PLACEHOLDER = {
  onPremises: { samAccountName: "placeholder" },
  cloud: { id: "00000000-0000-4000-8000-000000000000" },
};

function selectorKey(selector: Record<string, string | undefined>): string | undefined {
  const [kind, value] = Object.entries(selector).find(([, v]) => v !== undefined) ?? [];
  return kind === undefined || value === undefined ? undefined : `${kind}=${value.toLowerCase()}`;
}

function describeSelector(selector: Record<string, string | undefined>): string {
  const [kind, value] = Object.entries(selector).find(([, v]) => v !== undefined) ?? ["?", "?"];
  return `${kind} ${excerpt(String(value))}`;
}

/**
 * Collects problems in file order of discovery. Messages are scrubbed against the values and hidden
 * keys of the part being checked (`scope`): declaration rules quote values in full, a message shows
 * at most an excerpt of the file's text.
 */
class ProblemList {
  readonly items: LinksFileProblem[];
  private values: string[] = [];
  private hidden: string[] = [];

  constructor(
    private readonly file: string,
    readerProblems: readonly LinksFileProblem[],
  ) {
    this.items = [...readerProblems];
  }

  /** The defaults or entry whose messages follow; returns its hidden keys. */
  scope(raw: unknown): readonly string[] {
    this.values = stringsIn(raw);
    this.hidden = hiddenKeysIn(raw);
    return this.hidden;
  }

  push(loc: SourceLocator, prefix: string, path: FieldPath, code: string, message: string): void {
    const where = loc.describe?.(path) ?? "";
    this.items.push({
      file: this.file,
      line: loc.lineOf(path),
      path: formatPath(prefix, path) + where,
      code,
      message: scrubMessage(message, this.values, this.hidden),
    });
  }
}

type Defaults = Partial<Record<DefaultKey, unknown>>;

/** The file-level defaults that pass the declaration rules (each bad one reported at `defaults`). */
function checkDefaults(d: NonNullable<SourceFile["defaults"]>, problems: ProblemList): Defaults {
  const defaults: Defaults = {};
  const hidden = problems.scope(d.raw);
  if (!isPlainObject(d.raw)) {
    if (d.raw !== null && d.raw !== undefined) {
      problems.push(
        d,
        "defaults",
        [],
        "DEFAULTS_NOT_A_MAPPING",
        "must be a mapping such as { match: soft }.",
      );
    }
    return defaults;
  }
  for (const key of Object.keys(d.raw)) {
    if (!(DEFAULT_KEYS as readonly string[]).includes(key)) {
      const why = (ENTRY_KEYS as readonly string[]).includes(key)
        ? `${key} cannot have a file-wide default; write it on each entry it applies to.`
        : `unknown key; defaults may set ${DEFAULT_KEYS.join(", ")}.`;
      problems.push(d, "defaults", [key], "DEFAULTS_UNKNOWN_KEY", why);
    }
  }
  const given: Record<string, unknown> = {};
  for (const key of DEFAULT_KEYS)
    if (d.raw[key] !== undefined && d.raw[key] !== null) given[key] = d.raw[key];
  const { failures } = validateDeclaration({ ...PLACEHOLDER, ...given });
  const bad = new Set<string>();
  for (const f of failures) {
    const path = parsePropertyPath(hideKeys(f.property, hidden));
    bad.add(String(path[0]));
    problems.push(d, "defaults", path, f.error.code, bareMessage(f.error.message));
  }
  for (const [k, v] of Object.entries(given)) if (!bad.has(k)) defaults[k as DefaultKey] = v;
  return defaults;
}

/** One entry being checked: where it is, its mapping, its path prefix and hidden keys, where problems go. */
interface EntryCheck {
  entry: SourceEntry;
  raw: Record<string, unknown>;
  prefix: string;
  hidden: readonly string[];
  problems: ProblemList;
}

/** Reports unknown keys of an entry; returns its explicit resource name when that is usable. */
function checkEntryKeys({ entry, raw, prefix, problems }: EntryCheck): string | undefined {
  for (const key of Object.keys(raw)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      problems.push(
        entry,
        prefix,
        [key],
        "ENTRY_UNKNOWN_KEY",
        `unknown key; an entry may have ${ENTRY_KEYS.join(", ")}.`,
      );
    }
  }
  const rawName = raw["name"];
  if (rawName === undefined || rawName === null) return undefined;
  if (typeof rawName === "string" && LINK_NAME_PATTERN.test(rawName)) return rawName;
  problems.push(
    entry,
    prefix,
    ["name"],
    "LINK_NAME_INVALID",
    `${typeof rawName === "string" ? excerpt(rawName) : "the value"} is not a usable resource name: 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
  );
  return undefined;
}

/** The entry's declaration (defaults applied) when it passes the declaration rules; else undefined. */
function declarationOf(
  { entry, raw, prefix, hidden, problems }: EntryCheck,
  defaults: Defaults,
): UserLinkDeclaration | undefined {
  const declared: Record<string, unknown> = {};
  for (const key of ENTRY_KEYS) {
    if (key !== "name" && raw[key] !== undefined && raw[key] !== null) declared[key] = raw[key];
  }
  const { decl, failures } = validateDeclaration({ ...defaults, ...declared });
  const reported = new Set<string>();
  for (const f of failures) {
    // "onPremises is required" and "needs exactly one of …" say the same thing once the value is absent.
    const key = `${f.property}/${f.error.code}`;
    if (reported.has(key) || entry.reportedByReader?.has(key)) continue;
    reported.add(key);
    const path = parsePropertyPath(hideKeys(f.property, hidden));
    const top = String(path[0]);
    const fromDefaults = !(top in declared) && (DEFAULT_KEYS as readonly string[]).includes(top);
    // A bad default is reported once, at `defaults`; a contradiction with the entry's own keys is the entry's.
    if (fromDefaults && f.error.code !== "INPUT_CONTRADICTORY") continue;
    const message = bareMessage(f.error.message) + (fromDefaults ? " (the value comes from defaults)" : "");
    problems.push(entry, prefix, path, f.error.code, message);
  }
  return decl;
}

/** The whole-file rules: one link per AD user, per cloud user and per resource name. */
class Claims {
  private readonly byAd = new Map<string, SourceEntry>();
  private readonly byCloud = new Map<string, SourceEntry>();
  private readonly byName = new Map<string, SourceEntry>();

  constructor(private readonly problems: ProblemList) {}

  /** Claims the entry's users and name; true when it conflicts with an earlier entry (reported). */
  conflicts(
    entry: SourceEntry,
    prefix: string,
    decl: UserLinkDeclaration,
    linkName: string,
    explicitName: boolean,
  ): boolean {
    const conflict = this.usersConflict(entry, prefix, decl);
    const nameKey = linkName.toLowerCase();
    const sameName = this.byName.get(nameKey);
    if (sameName === undefined) this.byName.set(nameKey, entry);
    if (sameName === undefined || conflict) return conflict;
    this.problems.push(
      entry,
      prefix,
      explicitName ? ["name"] : [],
      "LINK_NAME_DUPLICATE",
      `resource name "${linkName}" is already used by entries[${sameName.index}] (line ${lineOfEntry(sameName)})${explicitName ? "" : " (derived from the on-premises selector)"}; give this entry a unique name.`,
    );
    return true;
  }

  private usersConflict(entry: SourceEntry, prefix: string, decl: UserLinkDeclaration): boolean {
    const onPremises = decl.onPremises as Record<string, string | undefined>;
    const cloud = decl.cloud as Record<string, string | undefined>;
    const adKey = selectorKey(onPremises);
    const cloudKey = selectorKey(cloud);
    const sameAd = adKey === undefined ? undefined : this.byAd.get(adKey);
    const sameCloud = cloudKey === undefined ? undefined : this.byCloud.get(cloudKey);
    if (adKey !== undefined && sameAd === undefined) this.byAd.set(adKey, entry);
    if (cloudKey !== undefined && sameCloud === undefined) this.byCloud.set(cloudKey, entry);
    if (sameAd !== undefined && sameCloud === sameAd) {
      this.problems.push(
        entry,
        prefix,
        [],
        "LINK_DUPLICATE",
        `duplicate of entries[${sameAd.index}] (line ${lineOfEntry(sameAd)}): both link ${describeSelector(onPremises)} to cloud ${describeSelector(cloud)}. Remove one.`,
      );
      return true;
    }
    if (sameAd !== undefined) {
      this.problems.push(
        entry,
        prefix,
        ["onPremises"],
        "LINK_CONFLICT_AD",
        `the AD user ${describeSelector(onPremises)} is already linked by entries[${sameAd.index}] (line ${lineOfEntry(sameAd)}); one AD user can be linked to one cloud user only.`,
      );
    }
    if (sameCloud !== undefined) {
      this.problems.push(
        entry,
        prefix,
        ["cloud"],
        "LINK_CONFLICT_CLOUD",
        `the cloud user ${describeSelector(cloud)} is already claimed by entries[${sameCloud.index}] (line ${lineOfEntry(sameCloud)}); one cloud user can be taken over by one AD user only.`,
      );
    }
    return sameAd !== undefined || sameCloud !== undefined;
  }
}

function lineOfEntry(e: SourceEntry): number {
  return e.lineOf([]);
}

/**
 * Validates a links file read by a reader.
 * @throws LinksFileInvalidError listing every problem (reader's and validation's), sorted by line.
 */
export function checkLinksSource(source: SourceFile): LinksFile {
  const file = source.file;
  const problems = new ProblemList(file, source.problems);
  const defaults = source.defaults === undefined ? {} : checkDefaults(source.defaults, problems);
  const claims = new Claims(problems);
  const entries: LinkEntry[] = [];
  for (const entry of source.entries) {
    const prefix = `entries[${entry.index}]`;
    const hidden = problems.scope(entry.raw);
    if (!isPlainObject(entry.raw)) {
      problems.push(
        entry,
        prefix,
        [],
        "ENTRY_NOT_A_MAPPING",
        "must be a mapping with at least onPremises and cloud.",
      );
      continue;
    }
    const check: EntryCheck = { entry, raw: entry.raw, prefix, hidden, problems };
    const name = checkEntryKeys(check);
    const decl = declarationOf(check, defaults);
    if (decl === undefined) continue;
    const explicitName = name !== undefined;
    const linkName = name ?? deriveLinkName(decl.onPremises);
    if (claims.conflicts(entry, prefix, decl, linkName, explicitName)) continue;
    entries.push({ name: linkName, explicitName, index: entry.index, line: lineOfEntry(entry), args: decl });
  }

  if (problems.items.length > 0) throw new LinksFileInvalidError(file, problems.items);
  return {
    file,
    format: source.format,
    defaults: defaults as LinksFile["defaults"],
    entries,
  };
}
