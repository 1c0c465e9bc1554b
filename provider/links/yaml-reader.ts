/**
 * Reads a YAML links file into the reader-neutral form of ./check, with the line of every key and
 * value (the `yaml` package's CST positions through a LineCounter). YAML 1.2 core schema, so `yes`
 * is a string, not a boolean; a plain number where a string belongs (`samAccountName: 0123`) is read
 * as the text written, not as 123.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar } from "yaml";
import type { FieldPath, SourceEntry, SourceFile, SourceLocator } from "./check";
import type { LinksFileProblem } from "./problems";
import { FILE_KEYS, isStringPath, LINKS_FILE_VERSION } from "./schema";

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === "string") return key;
  return undefined;
}

/** Plain JS value of a node; numbers in string positions keep their source text. */
function toValue(node: unknown, path: (string | number)[]): unknown {
  if (node === null || node === undefined) return null;
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
      out[k] = toValue(pair.value, [...path, k]);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item, i) => toValue(item, [...path, i]));
  return (node as { toJSON?: () => unknown }).toJSON?.() ?? null;
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

/** Reads YAML text. `file` is the name used in problems (e.g. `links.yaml`). Never throws. */
export function readLinksYaml(text: string, file: string): SourceFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems: LinksFileProblem[] = [];
  const source: SourceFile = { file, format: "yaml", problems, entries: [] };
  for (const e of doc.errors) {
    problems.push({
      file,
      line: e.linePos?.[0]?.line ?? 1,
      path: "",
      code: `YAML_${e.code}`,
      message: `YAML syntax: ${e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}.`,
    });
  }
  if (doc.errors.length > 0) return source; // positions after a syntax error are not trustworthy

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    problems.push({
      file,
      line: 1,
      path: "",
      code: "LINKS_FILE_EMPTY",
      message:
        "the file is empty; it needs `entries:` with a list of links (an empty list `entries: []` is allowed).",
    });
    return source;
  }
  if (!isMap(root)) {
    problems.push({
      file,
      line: lines.linePos(root.range?.[0] ?? 0).line,
      path: "",
      code: "LINKS_FILE_NOT_A_MAPPING",
      message: "the top level must be a mapping with `entries:` (and optionally `version:` and `defaults:`).",
    });
    return source;
  }
  const top = locator(root, 1, lines);
  const value = toValue(root, []) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      problems.push({
        file,
        line: top.lineOf([key]),
        path: key,
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
      message: `unsupported version ${JSON.stringify(version)}; this release reads version ${LINKS_FILE_VERSION}.`,
    });
  }
  if ("defaults" in value) {
    const node = root.get("defaults", true) as Node | null | undefined;
    const line = top.lineOf(["defaults"]);
    source.defaults = { ...locator(node, line, lines), raw: value["defaults"], line };
  }
  const entriesNode = root.get("entries", true) as Node | null | undefined;
  if (!("entries" in value)) {
    problems.push({
      file,
      line: 1,
      path: "entries",
      code: "LINKS_FILE_NO_ENTRIES",
      message: "missing; list the links under `entries:` (an empty list `entries: []` is allowed).",
    });
  } else if (entriesNode !== null && entriesNode !== undefined && !isSeq(entriesNode)) {
    problems.push({
      file,
      line: top.lineOf(["entries"]),
      path: "entries",
      code: "LINKS_FILE_ENTRIES_NOT_A_LIST",
      message: "must be a list (each item starting with `- `).",
    });
  } else if (isSeq(entriesNode)) {
    const raw = value["entries"] as unknown[];
    entriesNode.items.forEach((item, index) => {
      const loc = locator(item as Node, top.lineOf(["entries"]), lines);
      const entry: SourceEntry = { ...loc, index, line: loc.lineOf([]), raw: raw[index] };
      source.entries.push(entry);
    });
  }
  return source;
}
