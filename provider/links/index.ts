/** Links files: many UserLinks in one reviewed YAML or CSV file (README "Links file"). */
export { checkLinksSource, type LinkArgs, type LinkEntry, type LinksFile } from "./check";
export { parseCsv } from "./csv";
export {
  type LinksFormat,
  linksFormatOf,
  loadLinksFile,
  type LoadLinksFileOptions,
  parseLinksText,
} from "./load";
export { formatProblem, LinksFileInvalidError, type LinksFileProblem } from "./problems";
export { DEFAULT_KEYS, deriveLinkName, ENTRY_KEYS, LINKS_FILE_VERSION } from "./schema";
export { type LinksFileEntryToWrite, type RenderLinksYamlOptions, renderLinksYaml } from "./write";
