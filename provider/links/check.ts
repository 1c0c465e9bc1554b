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
 * Validates a links file read by a reader.
 * @throws LinksFileInvalidError listing every problem (reader's and validation's), sorted by line.
 */
export function checkLinksSource(source: SourceFile): LinksFile {
  const problems: LinksFileProblem[] = [...source.problems];
  const file = source.file;
  // Declaration rules quote values in full; a message shows at most an excerpt of the file's text.
  let values: string[] = [];
  let hidden: string[] = [];
  const push = (loc: SourceLocator, prefix: string, path: FieldPath, code: string, message: string) => {
    const where = loc.describe?.(path) ?? "";
    problems.push({
      file,
      line: loc.lineOf(path),
      path: formatPath(prefix, path) + where,
      code,
      message: scrubMessage(message, values, hidden),
    });
  };

  // File-level defaults.
  const defaults: Partial<Record<DefaultKey, unknown>> = {};
  if (source.defaults !== undefined) {
    const d = source.defaults;
    values = stringsIn(d.raw);
    hidden = hiddenKeysIn(d.raw);
    if (!isPlainObject(d.raw)) {
      if (d.raw !== null && d.raw !== undefined) {
        push(d, "defaults", [], "DEFAULTS_NOT_A_MAPPING", "must be a mapping such as { match: soft }.");
      }
    } else {
      for (const key of Object.keys(d.raw)) {
        if (!(DEFAULT_KEYS as readonly string[]).includes(key)) {
          const why = (ENTRY_KEYS as readonly string[]).includes(key)
            ? `${key} cannot have a file-wide default; write it on each entry it applies to.`
            : `unknown key; defaults may set ${DEFAULT_KEYS.join(", ")}.`;
          push(d, "defaults", [key], "DEFAULTS_UNKNOWN_KEY", why);
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
        push(d, "defaults", path, f.error.code, bareMessage(f.error.message));
      }
      for (const [k, v] of Object.entries(given)) if (!bad.has(k)) defaults[k as DefaultKey] = v;
    }
  }

  const entries: LinkEntry[] = [];
  const byAd = new Map<string, SourceEntry>();
  const byCloud = new Map<string, { entry: SourceEntry; adKey: string | undefined }>();
  const byName = new Map<string, SourceEntry>();
  const lineOfEntry = (e: SourceEntry) => e.lineOf([]);

  for (const entry of source.entries) {
    const prefix = `entries[${entry.index}]`;
    values = stringsIn(entry.raw);
    hidden = hiddenKeysIn(entry.raw);
    if (!isPlainObject(entry.raw)) {
      push(entry, prefix, [], "ENTRY_NOT_A_MAPPING", "must be a mapping with at least onPremises and cloud.");
      continue;
    }
    const raw = entry.raw;
    for (const key of Object.keys(raw)) {
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        push(
          entry,
          prefix,
          [key],
          "ENTRY_UNKNOWN_KEY",
          `unknown key; an entry may have ${ENTRY_KEYS.join(", ")}.`,
        );
      }
    }
    let name: string | undefined;
    const rawName = raw["name"];
    if (rawName !== undefined && rawName !== null) {
      if (typeof rawName !== "string" || !LINK_NAME_PATTERN.test(rawName)) {
        push(
          entry,
          prefix,
          ["name"],
          "LINK_NAME_INVALID",
          `${typeof rawName === "string" ? excerpt(rawName) : "the value"} is not a usable resource name: 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
        );
      } else name = rawName;
    }

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
      push(entry, prefix, path, f.error.code, message);
    }
    if (decl === undefined) continue;

    const explicitName = name !== undefined;
    const linkName = name ?? deriveLinkName(decl.onPremises);
    const adKey = selectorKey(decl.onPremises as Record<string, string | undefined>);
    const cloudKey = selectorKey(decl.cloud as Record<string, string | undefined>);
    let conflict = false;

    const sameAd = adKey === undefined ? undefined : byAd.get(adKey);
    const sameCloud = cloudKey === undefined ? undefined : byCloud.get(cloudKey);
    if (sameAd !== undefined && sameCloud !== undefined && sameCloud.entry === sameAd) {
      push(
        entry,
        prefix,
        [],
        "LINK_DUPLICATE",
        `duplicate of entries[${sameAd.index}] (line ${lineOfEntry(sameAd)}): both link ${describeSelector(decl.onPremises as Record<string, string>)} to cloud ${describeSelector(decl.cloud as Record<string, string>)}. Remove one.`,
      );
      conflict = true;
    } else {
      if (sameAd !== undefined) {
        push(
          entry,
          prefix,
          ["onPremises"],
          "LINK_CONFLICT_AD",
          `the AD user ${describeSelector(decl.onPremises as Record<string, string>)} is already linked by entries[${sameAd.index}] (line ${lineOfEntry(sameAd)}); one AD user can be linked to one cloud user only.`,
        );
        conflict = true;
      }
      if (sameCloud !== undefined) {
        push(
          entry,
          prefix,
          ["cloud"],
          "LINK_CONFLICT_CLOUD",
          `the cloud user ${describeSelector(decl.cloud as Record<string, string>)} is already claimed by entries[${sameCloud.entry.index}] (line ${lineOfEntry(sameCloud.entry)}); one cloud user can be taken over by one AD user only.`,
        );
        conflict = true;
      }
    }
    if (adKey !== undefined && sameAd === undefined) byAd.set(adKey, entry);
    if (cloudKey !== undefined && sameCloud === undefined) byCloud.set(cloudKey, { entry, adKey });

    const nameKey = linkName.toLowerCase();
    const sameName = byName.get(nameKey);
    if (sameName !== undefined && !conflict) {
      push(
        entry,
        prefix,
        explicitName ? ["name"] : [],
        "LINK_NAME_DUPLICATE",
        `resource name "${linkName}" is already used by entries[${sameName.index}] (line ${lineOfEntry(sameName)})${explicitName ? "" : " (derived from the on-premises selector)"}; give this entry a unique name.`,
      );
      conflict = true;
    }
    if (sameName === undefined) byName.set(nameKey, entry);
    if (!conflict)
      entries.push({
        name: linkName,
        explicitName,
        index: entry.index,
        line: lineOfEntry(entry),
        args: decl,
      });
  }

  if (problems.length > 0) throw new LinksFileInvalidError(file, problems);
  return {
    file,
    format: source.format,
    defaults: defaults as LinksFile["defaults"],
    entries,
  };
}
