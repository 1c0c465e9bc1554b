/**
 * Entry points for reading a links file: from text (tests, the CLI) or from disk (the Pulumi
 * program). The format follows the extension: `.yaml`/`.yml` or `.csv`.
 */
import * as path from "node:path";
import { ConfigurationError } from "../errors";
import { checkLinksSource, type LinksFile } from "./check";
import { readLinksCsv } from "./csv-reader";
import { MAX_LINKS_FILE_BYTES } from "./limits";
import { LinksFileInvalidError } from "./problems";
import { displayFileName, readLinksFileText } from "./read-file";
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
  const shown = displayFileName(file);
  if (Buffer.byteLength(text, "utf8") > MAX_LINKS_FILE_BYTES) {
    throw new LinksFileInvalidError(shown, [
      {
        file: shown,
        line: 1,
        path: "",
        code: "LINKS_FILE_TOO_LARGE",
        message: `the file is larger than ${MAX_LINKS_FILE_BYTES} bytes (the limit for a links file); split it or remove entries.`,
      },
    ]);
  }
  const source = format === "yaml" ? readLinksYaml(text, shown) : readLinksCsv(text, shown);
  return checkLinksSource(source);
}

export interface LoadLinksFileOptions {
  /** Name used in problems. Default: the path as given. */
  displayName?: string;
  /**
   * The project folder (where Pulumi.yaml is). The links file must be a regular file inside it,
   * symlinks resolved. Default: the current working directory (Pulumi runs a program there).
   */
  projectDir?: string;
  /** Size limit in bytes. Default {@link MAX_LINKS_FILE_BYTES} (5 MiB). */
  maxBytes?: number;
}

/**
 * Reads and validates a links file from disk (see ./read-file for what is refused).
 * @throws ConfigurationError (`LINKS_FILE_FORMAT`, `LINKS_FILE_UNREADABLE`, `LINKS_FILE_OUTSIDE_PROJECT`,
 *   `LINKS_FILE_NOT_REGULAR`, `LINKS_FILE_TOO_LARGE`, `LINKS_FILE_NOT_TEXT`) when it cannot be used as a file
 * @throws LinksFileInvalidError when its content has problems
 */
export function loadLinksFile(filePath: string, options: LoadLinksFileOptions = {}): LinksFile {
  const file = options.displayName ?? filePath;
  const format = linksFormatOf(filePath);
  if (format === undefined) {
    throw new ConfigurationError(
      "LINKS_FILE_FORMAT",
      `ad-entra-link: ad-entra-link:linksFile "${displayFileName(file)}" has an unknown links file format; use a .yaml, .yml or .csv file.`,
    );
  }
  const text = readLinksFileText(filePath, {
    projectDir: options.projectDir ?? process.cwd(),
    displayName: file,
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  });
  return parseLinksText(text, file, format);
}
