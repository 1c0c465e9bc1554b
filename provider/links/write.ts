/**
 * Writes a links file (YAML) for review: what `discover` proposes, with the evidence for each link
 * as a comment above it. The output reads back through `parseLinksText` unchanged.
 */
import { Document, type YAMLMap, type YAMLSeq } from "yaml";
import { DECLARATION_KEYS, type UserLinkDeclaration } from "../link/types";
import type { DefaultKey } from "./schema";
import { LINKS_FILE_VERSION } from "./schema";

/** One entry to write. Only the fields given are written. */
export interface LinksFileEntryToWrite {
  name?: string;
  args: Partial<UserLinkDeclaration> & Pick<UserLinkDeclaration, "onPremises" | "cloud">;
  /** Comment lines written above the entry (without `#`). */
  comment?: string[];
}

export interface RenderLinksYamlOptions {
  /** Comment lines at the top of the file (without `#`). */
  header?: string[];
  defaults?: Partial<Pick<UserLinkDeclaration, DefaultKey>>;
}

const ORDER: readonly (keyof UserLinkDeclaration)[] = DECLARATION_KEYS;

function commentText(lines: readonly string[]): string {
  return lines.map((l) => ` ${l}`).join("\n");
}

/** Renders a links file. Entries keep their order; keys follow the README's order. */
export function renderLinksYaml(
  entries: readonly LinksFileEntryToWrite[],
  options: RenderLinksYamlOptions = {},
): string {
  const plain = entries.map((e) => {
    const out: Record<string, unknown> = {};
    if (e.name !== undefined) out["name"] = e.name;
    for (const key of ORDER) {
      const v = e.args[key];
      if (v !== undefined) out[key] = v;
    }
    return out;
  });
  const content: Record<string, unknown> = { version: LINKS_FILE_VERSION };
  if (options.defaults !== undefined && Object.keys(options.defaults).length > 0)
    content["defaults"] = options.defaults;
  content["entries"] = plain;
  const doc = new Document(content);
  if (options.header !== undefined && options.header.length > 0)
    doc.commentBefore = commentText(options.header);
  const seq = doc.get("entries") as YAMLSeq<YAMLMap>;
  seq.items.forEach((item, i) => {
    const comment = entries[i]?.comment;
    if (comment !== undefined && comment.length > 0) item.commentBefore = commentText(comment);
    if (i > 0) item.spaceBefore = true;
  });
  return doc.toString({ lineWidth: 0 });
}
