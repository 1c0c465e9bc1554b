/**
 * Entry points for reading a links file: from text (tests, the CLI) or from disk (the Pulumi
 * program). The format follows the extension: `.yaml`/`.yml` or `.csv`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigurationError } from "../errors";
import { checkLinksSource, type LinksFile } from "./check";
import { readLinksCsv } from "./csv-reader";
import { readLinksYaml } from "./yaml-reader";

export type LinksFormat = "yaml" | "csv";

/** The format of a links file by its extension, or undefined for anything else. */
export function linksFormatOf(filePath: string): LinksFormat | undefined {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".csv") return "csv";
  return undefined;
}

/**
 * Parses and validates links file text.
 * @param file the name problems are reported under, e.g. `links.yaml`
 * @throws LinksFileInvalidError (name `InvalidInputError`, code `LINKS_FILE_INVALID`) listing every problem
 */
export function parseLinksText(text: string, file: string, format: LinksFormat): LinksFile {
  const source = format === "yaml" ? readLinksYaml(text, file) : readLinksCsv(text, file);
  return checkLinksSource(source);
}

export interface LoadLinksFileOptions {
  /** Name used in problems. Default: the path as given. */
  displayName?: string;
}

/**
 * Reads and validates a links file from disk.
 * @throws ConfigurationError (`LINKS_FILE_UNREADABLE`, `LINKS_FILE_FORMAT`) when it cannot be read
 * @throws LinksFileInvalidError when its content has problems
 */
export function loadLinksFile(filePath: string, options: LoadLinksFileOptions = {}): LinksFile {
  const file = options.displayName ?? filePath;
  const format = linksFormatOf(filePath);
  if (format === undefined) {
    throw new ConfigurationError(
      "LINKS_FILE_FORMAT",
      `ad-entra-link: ${file}: unknown links file format; use a .yaml, .yml or .csv file.`,
    );
  }
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (cause) {
    throw new ConfigurationError(
      "LINKS_FILE_UNREADABLE",
      `ad-entra-link: the links file ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"}). Check ad-entra-link:linksFile and the working directory.`,
      { cause },
    );
  }
  return parseLinksText(text, file, format);
}
