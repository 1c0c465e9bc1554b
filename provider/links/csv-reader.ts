/**
 * Reads a CSV links file (one link per row, header row first) into the reader-neutral form of
 * ./check. Made to accept what admins export with `Get-ADUser … | Select-Object … | Export-Csv`:
 * a `#TYPE …` first line and a UTF-8 byte order mark are skipped, headers are matched without
 * regard to case, and the AD identity columns keep Get-ADUser's names.
 *
 * Columns (see README "Links file"):
 * - AD user: `SamAccountName`, `DistinguishedName`, `ObjectGUID`, `UserPrincipalName` (the AD user's
 *   own UPN, as Get-ADUser exports it). Exactly one may be filled per row: two filled columns cannot
 *   be proven offline to name the same user, and a reviewer reading one would not see the link
 *   select by the other (`CSV_AD_COLUMNS_CONFLICT`).
 * - Cloud user: `CloudUserPrincipalName` or `CloudId` (object id); exactly one per row
 *   (`CSV_CLOUD_COLUMNS_CONFLICT`).
 * - Link settings: `Name`, `Match`, `TargetUserPrincipalName`, `TargetMail`,
 *   `TargetPrimarySmtpAddress`, `AdditionalProxyAddresses` (separated by `;`), `SourceAnchor`,
 *   `WriteConsistencyGuid`, `OnDelete`, `AllowPrivilegedCloudUser` (`true`/`false`), `Reason`.
 * File-wide defaults go on a comment line before the header:
 * `# defaults: match=soft; sourceAnchor=auto; onDelete=retain; writeConsistencyGuid=false`.
 */
import type { FieldPath, SourceEntry, SourceFile } from "./check";
import { type CsvRecord, parseCsv } from "./csv";
import { isPlainName } from "./excerpt";
import { MAX_CSV_COLUMNS, MAX_LINKS_ENTRIES } from "./limits";
import type { LinksFileProblem } from "./problems";

type ColumnKind = "adSelector" | "cloudSelector" | "string" | "boolean" | "list";

interface ColumnSpec {
  /** Property path in the entry. */
  path: readonly string[];
  kind: ColumnKind;
}

const COLUMNS: Record<string, ColumnSpec> = {
  samaccountname: { path: ["onPremises", "samAccountName"], kind: "adSelector" },
  distinguishedname: { path: ["onPremises", "distinguishedName"], kind: "adSelector" },
  objectguid: { path: ["onPremises", "objectGuid"], kind: "adSelector" },
  userprincipalname: { path: ["onPremises", "userPrincipalName"], kind: "adSelector" },
  clouduserprincipalname: { path: ["cloud", "userPrincipalName"], kind: "cloudSelector" },
  cloudid: { path: ["cloud", "id"], kind: "cloudSelector" },
  name: { path: ["name"], kind: "string" },
  match: { path: ["match"], kind: "string" },
  targetuserprincipalname: { path: ["userPrincipalName"], kind: "string" },
  targetmail: { path: ["mail"], kind: "string" },
  targetprimarysmtpaddress: { path: ["primarySmtpAddress"], kind: "string" },
  additionalproxyaddresses: { path: ["additionalProxyAddresses"], kind: "list" },
  sourceanchor: { path: ["sourceAnchor"], kind: "string" },
  writeconsistencyguid: { path: ["writeConsistencyGuid"], kind: "boolean" },
  ondelete: { path: ["onDelete"], kind: "string" },
  allowprivilegedclouduser: { path: ["allowPrivilegedCloudUser"], kind: "boolean" },
  reason: { path: ["reason"], kind: "string" },
};

/** Hints for columns Get-ADUser commonly exports that are not link settings. */
const COLUMN_HINTS: Record<string, string> = {
  mail: "Get-ADUser's current mail is not a link setting; remove the column, or rename it TargetMail to set the AD mail.",
  proxyaddresses:
    "the current proxyAddresses are read from AD; to add addresses use AdditionalProxyAddresses.",
};

const DEFAULTABLE: Record<string, ColumnKind> = {
  match: "string",
  sourceanchor: "string",
  ondelete: "string",
  writeconsistencyguid: "boolean",
};
const DEFAULT_KEY_NAMES: Record<string, string> = {
  match: "match",
  sourceanchor: "sourceAnchor",
  ondelete: "onDelete",
  writeconsistencyguid: "writeConsistencyGuid",
};

function convert(kind: ColumnKind, value: string): unknown {
  if (kind === "boolean") {
    const v = value.toLowerCase();
    return v === "true" ? true : v === "false" ? false : value;
  }
  if (kind === "list") return value.split(";").filter((s) => s !== "");
  return value;
}

type Defaults = NonNullable<SourceFile["defaults"]>;

/**
 * Reads the comment lines before the header: `#TYPE …` from Export-Csv, `# defaults: …`, or free
 * comments. Returns where the header starts and the defaults, if a defaults line was written.
 */
function readLeadingComments(
  body: string,
  file: string,
  problems: LinksFileProblem[],
): { offset: number; line: number; defaults?: Defaults } {
  let offset = 0;
  let line = 1;
  // Null-prototype objects: a key such as `__proto__` in the file stays an ordinary (reported) key.
  const defaultsRaw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let defaultsLine: number | undefined;
  const defaultLines: Record<string, number> = Object.create(null) as Record<string, number>;
  while (offset < body.length) {
    const end = body.indexOf("\n", offset);
    const raw = body.slice(offset, end < 0 ? body.length : end).replace(/\r$/, "");
    if (raw.trim() !== "" && !raw.startsWith("#")) break;
    const m = /^#\s*defaults\s*:(.*)$/i.exec(raw);
    if (m !== null) {
      defaultsLine ??= line;
      readDefaultsLine(m[1]!, line, file, problems, defaultsRaw, defaultLines);
    }
    offset = end < 0 ? body.length : end + 1;
    line++;
  }
  if (defaultsLine === undefined) return { offset, line };
  const dl = defaultsLine;
  const lineOf = (path: FieldPath) => (typeof path[0] === "string" ? (defaultLines[path[0]] ?? dl) : dl);
  return { offset, line, defaults: { raw: defaultsRaw, line: dl, lineOf } };
}

/** One `# defaults: k=v; …` line into `into` (file key names), noting each key's line. */
function readDefaultsLine(
  text: string,
  line: number,
  file: string,
  problems: LinksFileProblem[],
  into: Record<string, unknown>,
  lines: Record<string, number>,
): void {
  for (const part of text.split(/[;,]/)) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? "" : part.slice(eq + 1).trim();
    const kind = DEFAULTABLE[key.toLowerCase()];
    const name = DEFAULT_KEY_NAMES[key.toLowerCase()] ?? key;
    lines[name] = line;
    into[name] = kind === undefined ? value : convert(kind, value);
    if (eq < 0) {
      problems.push({
        file,
        line,
        path: `defaults.${isPlainName(name) ? name : "{key}"}`,
        code: "DEFAULTS_SYNTAX",
        message: "write defaults as key=value pairs separated by ';'.",
      });
    }
  }
}

/** The problem that stops reading before any row (no header, too many columns or rows), if any. */
function shapeProblem(
  records: readonly CsvRecord[],
  file: string,
  line: number,
): LinksFileProblem | undefined {
  const [header, ...rows] = records;
  if (header === undefined) {
    return {
      file,
      line,
      path: "",
      code: "LINKS_FILE_EMPTY",
      message: "no header row; the first row names the columns, e.g. SamAccountName,CloudUserPrincipalName.",
    };
  }
  if (header.fields.length > MAX_CSV_COLUMNS) {
    return {
      file,
      line: header.line,
      path: "",
      code: "CSV_TOO_MANY_COLUMNS",
      message: `the header has ${header.fields.length} columns (at most ${MAX_CSV_COLUMNS}); is this a links file? Known columns are listed in README "Links file".`,
    };
  }
  if (rows.length > MAX_LINKS_ENTRIES) {
    return {
      file,
      line: rows[MAX_LINKS_ENTRIES]!.line,
      path: "",
      code: "LINKS_FILE_TOO_MANY_ENTRIES",
      message: `the file has ${rows.length} rows; a links file declares at most ${MAX_LINKS_ENTRIES} links (split it into several stacks).`,
    };
  }
  return undefined;
}

// A header is shown only when it is a plain column name: a file that is really something else (an
// environment dump, a key) must not be printed through "unknown column" messages.
function columnLabel(rawName: string, col: number): string {
  const name = rawName.trim();
  return isPlainName(name) ? `column ${col + 1} "${name}"` : `column ${col + 1}`;
}

function notShown(rawName: string): string {
  return isPlainName(rawName.trim()) ? "" : " (its header is not shown: it is not a plain column name)";
}

/**
 * The column spec of each header field (undefined for an unknown or repeated column, each
 * reported); reports a header that names no AD user or no cloud user column.
 */
function readHeader(
  header: CsvRecord,
  file: string,
  problems: LinksFileProblem[],
): (ColumnSpec | undefined)[] {
  const specs: (ColumnSpec | undefined)[] = [];
  const seen = new Map<string, number>();
  header.fields.forEach((rawName, col) => {
    const key = rawName.trim().toLowerCase();
    const spec = Object.hasOwn(COLUMNS, key) ? COLUMNS[key] : undefined;
    const hint = Object.hasOwn(COLUMN_HINTS, key) ? COLUMN_HINTS[key] : undefined;
    const at = { file, line: header.line, path: columnLabel(rawName, col) };
    if (spec === undefined) {
      problems.push({
        ...at,
        code: "CSV_UNKNOWN_COLUMN",
        message: `unknown column${notShown(rawName)}${hint !== undefined ? `: ${hint}` : `; known columns are ${Object.keys(COLUMNS).length} (see README "Links file"), e.g. SamAccountName, CloudUserPrincipalName, Match, Reason.`}`,
      });
    } else if (seen.has(key)) {
      problems.push({
        ...at,
        code: "CSV_DUPLICATE_COLUMN",
        message: `the same column as column ${(seen.get(key) ?? 0) + 1}; each column may appear once.`,
      });
    } else {
      seen.set(key, col);
    }
    specs.push(spec !== undefined && seen.get(key) === col ? spec : undefined);
  });
  if (!specs.some((s) => s?.kind === "adSelector")) {
    problems.push({
      file,
      line: header.line,
      path: "",
      code: "CSV_NO_AD_COLUMN",
      message:
        "no column names the AD user; add SamAccountName, ObjectGUID, DistinguishedName or UserPrincipalName.",
    });
  }
  if (!specs.some((s) => s?.kind === "cloudSelector")) {
    problems.push({
      file,
      line: header.line,
      path: "",
      code: "CSV_NO_CLOUD_COLUMN",
      message: "no column names the cloud user; add CloudUserPrincipalName or CloudId.",
    });
  }
  return specs;
}

/** The header(s) a property path was read from: its own column, or every column of its side. */
function headerFinder(header: CsvRecord, specs: readonly (ColumnSpec | undefined)[]) {
  return (path: FieldPath): string | undefined => {
    const wanted = path.filter((s) => typeof s === "string").join(".");
    const col = specs.findIndex((s) => s !== undefined && s.path.join(".") === wanted);
    if (col >= 0) return header.fields[col]?.trim();
    if (path[0] === "onPremises" || path[0] === "cloud") {
      const names = specs
        .map((s, i) => (s !== undefined && s.path[0] === path[0] ? header.fields[i]?.trim() : undefined))
        .filter((x): x is string => x !== undefined);
      return names.length > 0 ? names.join("/") : undefined;
    }
    return undefined;
  };
}

/** A row's values by property path, and the header of every filled selector column per side. */
function rowValues(
  row: CsvRecord,
  header: CsvRecord,
  specs: readonly (ColumnSpec | undefined)[],
): { raw: Record<string, unknown>; filled: Record<"onPremises" | "cloud", string[]> } {
  const raw: Record<string, unknown> = {};
  const filled: Record<"onPremises" | "cloud", string[]> = { onPremises: [], cloud: [] };
  row.fields.forEach((value, col) => {
    const spec = specs[col];
    if (spec === undefined || value === "") return;
    if (spec.kind === "adSelector" || spec.kind === "cloudSelector") {
      // Every filled selector column goes in: the declaration rules refuse more than one.
      const side = spec.path[0] as "onPremises" | "cloud";
      const selector = (raw[side] ?? {}) as Record<string, string>;
      selector[spec.path[1]!] = value;
      raw[side] = selector;
      filled[side].push(header.fields[col]!.trim());
    } else {
      raw[spec.path[0]!] = convert(spec.kind, value);
    }
  });
  return { raw, filled };
}

/** Reads one data row into an entry, reporting a wrong field count and doubly filled selectors. */
function readRow(
  row: CsvRecord,
  index: number,
  header: CsvRecord,
  specs: readonly (ColumnSpec | undefined)[],
  headerOf: (path: FieldPath) => string | undefined,
  file: string,
  problems: LinksFileProblem[],
): SourceEntry {
  if (row.fields.length !== header.fields.length) {
    problems.push({
      file,
      line: row.line,
      path: `entries[${index}]`,
      code: "CSV_FIELD_COUNT",
      message: `has ${row.fields.length} fields, the header has ${header.fields.length}; quote values that contain commas.`,
    });
  }
  const { raw, filled } = rowValues(row, header, specs);
  const reportedByReader = new Set<string>();
  for (const side of ["onPremises", "cloud"] as const) {
    const columns = filled[side];
    if (columns.length < 2) continue;
    const who = side === "onPremises" ? "AD user" : "cloud user";
    problems.push({
      file,
      line: row.line,
      path: `entries[${index}].${side} (columns ${columns.join(", ")})`,
      code: side === "onPremises" ? "CSV_AD_COLUMNS_CONFLICT" : "CSV_CLOUD_COLUMNS_CONFLICT",
      message:
        `the row fills ${columns.length} ${who} columns; they may name different users, and a reviewer ` +
        `reading one would not see the link select by another. Fill exactly one ${who} column per row ` +
        "and leave the others empty.",
    });
    reportedByReader.add(`${side}/SELECTOR_MULTIPLE`);
  }
  return {
    index,
    line: row.line,
    raw,
    reportedByReader,
    lineOf: () => row.line,
    describe: (path: FieldPath) => {
      const col = headerOf(path);
      return col === undefined ? "" : ` (column ${col})`;
    },
  };
}

/** Reads CSV text. `file` is the name used in problems (e.g. `links.csv`). Never throws. */
export function readLinksCsv(text: string, file: string): SourceFile {
  const problems: LinksFileProblem[] = [];
  const source: SourceFile = { file, format: "csv", problems, entries: [] };
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const { offset, line, defaults } = readLeadingComments(body, file, problems);
  if (defaults !== undefined) source.defaults = defaults;

  const parsed = parseCsv(body.slice(offset), line);
  for (const p of parsed.problems)
    problems.push({ file, line: p.line, path: "", code: "CSV_SYNTAX", message: `CSV syntax: ${p.message}` });
  const stop = shapeProblem(parsed.records, file, line);
  const [header, ...rows] = parsed.records;
  if (stop !== undefined || header === undefined) {
    if (stop !== undefined) problems.push(stop);
    return source;
  }
  const specs = readHeader(header, file, problems);
  const headerOf = headerFinder(header, specs);
  rows.forEach((row, index) => {
    source.entries.push(readRow(row, index, header, specs, headerOf, file, problems));
  });
  return source;
}
