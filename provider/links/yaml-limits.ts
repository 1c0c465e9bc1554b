/**
 * The structural limits of a YAML links file, checked on the text and on the concrete syntax tree
 * before the YAML is composed (composing recurses, so an unbounded file could overflow the stack).
 */
import { Parser } from "yaml";
import {
  MAX_LINKS_ENTRIES,
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  MAX_YAML_INDICATOR_RUN,
  MAX_YAML_MAP_KEYS,
  MAX_YAML_NODES,
} from "./limits";

/** The structural limits of a links file, checked before the YAML is composed (which recurses). */
export interface ShapeProblem {
  offset: number;
  code: string;
  message: string;
}

/** 1-based line of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
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

/** The first structural limit the text exceeds, checked without recursion; undefined when within all. */
export function precomposeProblem(text: string): ShapeProblem | undefined {
  const runAt = longIndicatorRun(text);
  if (runAt === undefined) return shapeProblem(text);
  return {
    offset: runAt,
    code: "LINKS_FILE_TOO_DEEP",
    message: `a line with more than ${MAX_YAML_INDICATOR_RUN} nested "- ", "? ", ": ", anchors or tags; a links file needs at most two.`,
  };
}
