/**
 * Reads a YAML links file into the reader-neutral form of ./check, with the line of every key and
 * value (the `yaml` package's CST positions through a LineCounter). YAML 1.2 core schema, so `yes`
 * is a string, not a boolean; a plain number where a string belongs (`samAccountName: 0123`) is read
 * as the text written, not as 123.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from "yaml";
import type { FieldPath, SourceEntry, SourceFile, SourceLocator } from "./check";
import { describeValue, escapeExcerpt, escapeMessage, excerpt, isPathKey } from "./excerpt";
import { MAX_YAML_DEPTH, MAX_YAML_NODES } from "./limits";
import type { LinksFileProblem } from "./problems";
import { FILE_KEYS, isStringPath, LINKS_FILE_VERSION } from "./schema";
import { lineAt, precomposeProblem } from "./yaml-limits";

/** yaml's message for a syntax error, as one escaped line with at most a short excerpt of the source. */
function yamlMessage(message: string): string {
  let first = (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  const tail = /^(.*?): (.+)$/.exec(first);
  if (tail !== null) first = `${tail[1]}: ${excerpt(tail[2]!)}`;
  const { text, cut } = escapeExcerpt(first, 120);
  return `YAML syntax: ${escapeMessage(text)}${cut ? "…" : ""}.`;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return typeof key.value === "object" ? undefined : String(key.value);
  if (typeof key === "string") return key;
  return undefined;
}

/** Thrown inside {@link toValue} when a limit is reached while aliases are expanded. */
class ExpansionLimit extends Error {}

interface ValueBudget {
  doc: Document;
  nodes: number;
}

/**
 * Plain JS value of a node; numbers in string positions keep their source text. Aliases are
 * expanded, counted against {@link MAX_YAML_NODES} and {@link MAX_YAML_DEPTH} (an alias may point
 * at its own ancestor, or expand exponentially).
 */
function toValue(node: unknown, path: (string | number)[], budget: ValueBudget, depth = 0): unknown {
  if (node === null || node === undefined) return null;
  if (++budget.nodes > MAX_YAML_NODES || depth > MAX_YAML_DEPTH + 4) throw new ExpansionLimit();
  if (isAlias(node)) return toValue(node.resolve(budget.doc), path, budget, depth + 1);
  if (isScalar(node)) {
    const s = node as Scalar;
    // Paths are from the document root: strip `entries[i]` to get the entry-relative path.
    const rel = path[0] === "entries" ? path.slice(2) : path;
    if (
      typeof s.value === "number" &&
      isStringPath(rel) &&
      s.type === "PLAIN" &&
      typeof s.source === "string"
    ) {
      return s.source;
    }
    return s.value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const k = keyText(pair.key);
      if (k === undefined) continue;
      // An own property even for `__proto__`, so every key of the file is seen (and checked) as written.
      Object.defineProperty(out, k, {
        value: toValue(pair.value, [...path, k], budget, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item, i) => toValue(item, [...path, i], budget, depth + 1));
  return null;
}

function locator(root: Node | null | undefined, fallbackLine: number, lines: LineCounter): SourceLocator {
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? fallbackLine : lines.linePos(offset).line;
  return {
    lineOf(path: FieldPath): number {
      let node: unknown = root;
      let line = lineAt((root as { range?: [number, number, number] } | null)?.range?.[0]);
      for (const seg of path) {
        if (isMap(node) && typeof seg === "string") {
          const pair = node.items.find((p) => isPair(p) && keyText(p.key) === seg);
          if (pair === undefined) return line;
          // Report a key's problems on the key's line (its value may start on the next line).
          line = lineAt((pair.key as { range?: [number, number, number] } | null)?.range?.[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          const item = node.items[seg] as { range?: [number, number, number] } | undefined;
          if (item === undefined) return line;
          line = lineAt(item.range?.[0]);
          node = item;
        } else {
          return line;
        }
      }
      return line;
    },
  };
}

/** A problem of the whole file (no property path). */
function fileProblem(file: string, line: number, code: string, message: string): LinksFileProblem {
  return { file, line, path: "", code, message };
}

/** The composed document, or the problems that stop reading (limits, syntax). */
function compose(
  text: string,
  file: string,
): { doc: Document.Parsed; lines: LineCounter } | { problems: LinksFileProblem[] } {
  const shape = precomposeProblem(text);
  if (shape !== undefined)
    return { problems: [fileProblem(file, lineAt(text, shape.offset), shape.code, shape.message)] };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    // A backstop: the checks above bound what the composer recurses on.
    if (!(err instanceof RangeError)) throw err;
    return {
      problems: [
        fileProblem(
          file,
          1,
          "LINKS_FILE_TOO_DEEP",
          "the YAML is nested too deeply to read; a links file needs 4 levels.",
        ),
      ],
    };
  }
  // Positions after a syntax error are not trustworthy: stop at the syntax errors.
  if (doc.errors.length > 0)
    return {
      problems: doc.errors.map((e) =>
        fileProblem(file, e.linePos?.[0]?.line ?? 1, `YAML_${e.code}`, yamlMessage(e.message)),
      ),
    };
  return { doc, lines };
}

/** The problem when the document is not a mapping (empty, or a scalar or list at the top). */
function rootProblem(root: unknown, file: string, lines: LineCounter): LinksFileProblem | undefined {
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    return fileProblem(
      file,
      1,
      "LINKS_FILE_EMPTY",
      "the file is empty; it needs `entries:` with a list of links (an empty list `entries: []` is allowed).",
    );
  }
  if (isMap(root)) return undefined;
  return fileProblem(
    file,
    lines.linePos((root as Node).range?.[0] ?? 0).line,
    "LINKS_FILE_NOT_A_MAPPING",
    "the top level must be a mapping with `entries:` (and optionally `version:` and `defaults:`).",
  );
}

/** Reports unknown top-level keys and an unsupported version. */
function checkTopLevel(
  value: Record<string, unknown>,
  top: SourceLocator,
  file: string,
  problems: LinksFileProblem[],
): void {
  for (const key of Object.keys(value)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      problems.push({
        file,
        line: top.lineOf([key]),
        path: isPathKey(key) ? key : "{key}",
        code: "LINKS_FILE_UNKNOWN_KEY",
        message: `unknown top-level key; a links file has ${FILE_KEYS.join(", ")}.`,
      });
    }
  }
  const version = value["version"];
  if (version !== undefined && version !== LINKS_FILE_VERSION) {
    problems.push({
      file,
      line: top.lineOf(["version"]),
      path: "version",
      code: "LINKS_FILE_VERSION",
      message: `unsupported version ${describeValue(version)}; this release reads version ${LINKS_FILE_VERSION}.`,
    });
  }
}

/** The entries with their locators, or the problem with `entries:` itself. */
function readEntries(
  root: YAMLMap,
  value: Record<string, unknown>,
  top: SourceLocator,
  lines: LineCounter,
  file: string,
  problems: LinksFileProblem[],
): SourceEntry[] {
  const entriesNode = root.get("entries", true) as Node | null | undefined;
  if (!("entries" in value)) {
    problems.push({
      file,
      line: 1,
      path: "entries",
      code: "LINKS_FILE_NO_ENTRIES",
      message: "missing; list the links under `entries:` (an empty list `entries: []` is allowed).",
    });
    return [];
  }
  if (entriesNode !== null && entriesNode !== undefined && !isSeq(entriesNode)) {
    problems.push({
      file,
      line: top.lineOf(["entries"]),
      path: "entries",
      code: "LINKS_FILE_ENTRIES_NOT_A_LIST",
      message: "must be a list (each item starting with `- `).",
    });
    return [];
  }
  if (!isSeq(entriesNode)) return [];
  const raw = value["entries"] as unknown[];
  return entriesNode.items.map((item, index) => {
    const loc = locator(item as Node, top.lineOf(["entries"]), lines);
    return { ...loc, index, line: loc.lineOf([]), raw: raw[index] };
  });
}

/** Reads YAML text. `file` is the name used in problems (e.g. `links.yaml`). Never throws. */
export function readLinksYaml(text: string, file: string): SourceFile {
  const problems: LinksFileProblem[] = [];
  const source: SourceFile = { file, format: "yaml", problems, entries: [] };
  const composed = compose(text, file);
  if ("problems" in composed) {
    problems.push(...composed.problems);
    return source;
  }
  const { doc, lines } = composed;
  const root = doc.contents;
  const notAMapping = rootProblem(root, file, lines);
  if (notAMapping !== undefined || !isMap(root)) {
    if (notAMapping !== undefined) problems.push(notAMapping);
    return source;
  }
  const top = locator(root, 1, lines);
  let value: Record<string, unknown>;
  try {
    value = toValue(root, [], { doc, nodes: 0 }) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ExpansionLimit || err instanceof RangeError)) throw err;
    problems.push(
      fileProblem(
        file,
        1,
        "LINKS_FILE_TOO_COMPLEX",
        `the YAML aliases expand to more than ${MAX_YAML_NODES} nodes or ${MAX_YAML_DEPTH} levels (an alias inside its own anchor, or nested aliases); write the values out.`,
      ),
    );
    return source;
  }
  checkTopLevel(value, top, file, problems);
  if ("defaults" in value) {
    const node = root.get("defaults", true) as Node | null | undefined;
    const line = top.lineOf(["defaults"]);
    source.defaults = { ...locator(node, line, lines), raw: value["defaults"], line };
  }
  source.entries.push(...readEntries(root, value, top, lines, file, problems));
  return source;
}
