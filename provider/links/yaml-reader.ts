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
  Parser,
  parseDocument,
  type Scalar,
} from "yaml";
import type { FieldPath, SourceEntry, SourceFile, SourceLocator } from "./check";
import { describeValue, escapeExcerpt, escapeMessage, excerpt, isPathKey } from "./excerpt";
import {
  MAX_LINKS_ENTRIES,
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  MAX_YAML_INDICATOR_RUN,
  MAX_YAML_MAP_KEYS,
  MAX_YAML_NODES,
} from "./limits";
import type { LinksFileProblem } from "./problems";
import { FILE_KEYS, isStringPath, LINKS_FILE_VERSION } from "./schema";

/** The structural limits of a links file, checked before the YAML is composed (which recurses). */
interface ShapeProblem {
  offset: number;
  code: string;
  message: string;
}

/** 1-based line of `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * A run of block indicators (`-`, `?`, `:` followed by a blank), anchors (`&a`) and tags (`!t`) on
 * one line is read by the YAML lexer with one recursive call each; a long run overflows the stack
 * before any limit on the parsed document could apply. Returns the offset of the first line whose
 * run is longer than {@link MAX_YAML_INDICATOR_RUN}.
 */
function longIndicatorRun(text: string): number | undefined {
  let lineStart = 0;
  while (lineStart <= text.length) {
    let end = text.indexOf("\n", lineStart);
    if (end < 0) end = text.length;
    let run = 0;
    let i = lineStart;
    while (i < end) {
      while (i < end && (text[i] === " " || text[i] === "\t" || text[i] === "\r")) i++;
      if (i >= end) break;
      let j = i;
      while (j < end && text[j] !== " " && text[j] !== "\t" && text[j] !== "\r") j++;
      const ch = text[i]!;
      const indicator = (j === i + 1 && (ch === "-" || ch === "?" || ch === ":")) || ch === "&" || ch === "!";
      if (indicator) {
        run++;
        if (run > MAX_YAML_INDICATOR_RUN) return lineStart;
      } else run = 0;
      i = j;
    }
    lineStart = end + 1;
  }
  return undefined;
}

type CstNode = { type?: string; offset?: number; [key: string]: unknown };

/**
 * Walks the concrete syntax tree (built without recursion by yaml's Parser) with an explicit stack
 * and reports the first structural limit exceeded: nesting depth, aliases, keys per mapping, items
 * per list. Only a document within every limit is composed.
 */
function shapeProblem(text: string): ShapeProblem | undefined {
  let aliases = 0;
  let nodes = 0;
  for (const doc of new Parser().parse(text)) {
    const stack: [unknown, number][] = [[doc, 0]];
    while (stack.length > 0) {
      const [value, depth] = stack.pop()!;
      if (Array.isArray(value)) {
        for (const v of value) stack.push([v, depth]);
        continue;
      }
      if (typeof value !== "object" || value === null) continue;
      const node = value as CstNode;
      if (++nodes > MAX_YAML_NODES) {
        return {
          offset: node.offset ?? 0,
          code: "LINKS_FILE_TOO_COMPLEX",
          message: `the file has more than ${MAX_YAML_NODES} YAML nodes; a links file is a flat list of entries.`,
        };
      }
      let d = depth;
      if (node.type === "alias" && ++aliases > MAX_YAML_ALIASES) {
        return {
          offset: node.offset ?? 0,
          code: "LINKS_FILE_TOO_COMPLEX",
          message: `more than ${MAX_YAML_ALIASES} YAML aliases (*name); write the values out.`,
        };
      }
      if (node.type === "block-map" || node.type === "block-seq" || node.type === "flow-collection") {
        d = depth + 1;
        if (d > MAX_YAML_DEPTH) {
          return {
            offset: node.offset ?? 0,
            code: "LINKS_FILE_TOO_DEEP",
            message: `YAML nested more than ${MAX_YAML_DEPTH} levels deep; a links file needs 4 (file, entries, entry, selector).`,
          };
        }
        const items = (node["items"] as unknown[] | undefined) ?? [];
        const isMapping =
          node.type === "block-map" ||
          (node.type === "flow-collection" &&
            (node["start"] as { source?: string } | undefined)?.source === "{");
        if (isMapping && items.length > MAX_YAML_MAP_KEYS) {
          return {
            offset: node.offset ?? 0,
            code: "LINKS_FILE_TOO_COMPLEX",
            message: `a mapping with more than ${MAX_YAML_MAP_KEYS} keys; an entry has at most 13.`,
          };
        }
        if (!isMapping && items.length > MAX_LINKS_ENTRIES) {
          return {
            offset: node.offset ?? 0,
            code: "LINKS_FILE_TOO_MANY_ENTRIES",
            message: `a list with more than ${MAX_LINKS_ENTRIES} items; a links file declares at most ${MAX_LINKS_ENTRIES} links (split it into several stacks).`,
          };
        }
      }
      for (const [k, v] of Object.entries(node)) {
        if (k !== "source" && typeof v === "object" && v !== null) stack.push([v, d]);
      }
    }
  }
  return undefined;
}

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

/** Reads YAML text. `file` is the name used in problems (e.g. `links.yaml`). Never throws. */
export function readLinksYaml(text: string, file: string): SourceFile {
  const problems: LinksFileProblem[] = [];
  const source: SourceFile = { file, format: "yaml", problems, entries: [] };
  const runAt = longIndicatorRun(text);
  const shape =
    runAt !== undefined
      ? {
          offset: runAt,
          code: "LINKS_FILE_TOO_DEEP",
          message: `a line with more than ${MAX_YAML_INDICATOR_RUN} nested "- ", "? ", ": ", anchors or tags; a links file needs at most two.`,
        }
      : shapeProblem(text);
  if (shape !== undefined) {
    problems.push({
      file,
      line: lineAt(text, shape.offset),
      path: "",
      code: shape.code,
      message: shape.message,
    });
    return source;
  }
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    // A backstop: the checks above bound what the composer recurses on.
    if (!(err instanceof RangeError)) throw err;
    problems.push({
      file,
      line: 1,
      path: "",
      code: "LINKS_FILE_TOO_DEEP",
      message: "the YAML is nested too deeply to read; a links file needs 4 levels.",
    });
    return source;
  }
  for (const e of doc.errors) {
    problems.push({
      file,
      line: e.linePos?.[0]?.line ?? 1,
      path: "",
      code: `YAML_${e.code}`,
      message: yamlMessage(e.message),
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
  let value: Record<string, unknown>;
  try {
    value = toValue(root, [], { doc, nodes: 0 }) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ExpansionLimit || err instanceof RangeError)) throw err;
    problems.push({
      file,
      line: 1,
      path: "",
      code: "LINKS_FILE_TOO_COMPLEX",
      message: `the YAML aliases expand to more than ${MAX_YAML_NODES} nodes or ${MAX_YAML_DEPTH} levels (an alias inside its own anchor, or nested aliases); write the values out.`,
    });
    return source;
  }
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
