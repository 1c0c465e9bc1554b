/**
 * Problems found in a links file, each pinned to a file, a line and a field path, and the one error
 * that carries all of them. A links file is validated completely before any resource is declared, so
 * a reviewer sees every mistake of a pull request in one run.
 */
import { InvalidInputError } from "../errors";
import { escapeMessage } from "./excerpt";

/** At most this many problems are written into the error message (all are in `problems`, up to {@link MAX_PROBLEMS_KEPT}). */
export const MAX_PROBLEMS_SHOWN = 100;
/** At most this many problems are kept on the error. */
export const MAX_PROBLEMS_KEPT = 1000;

/** One problem of a links file. */
export interface LinksFileProblem {
  /** The file as the user named it (e.g. `links.yaml`). */
  file: string;
  /** 1-based line the problem is reported at (the start of a multi-line CSV record). */
  line: number;
  /** Field path inside the file, e.g. `entries[3].cloud.userPrincipalName`, `defaults.match`, or `` for the file. */
  path: string;
  /** Stable code of the rule, e.g. `LINK_CONFLICT_CLOUD` or a declaration code such as `UPN_INVALID_CHARACTER`. */
  code: string;
  /** What is wrong and what to do, without the `ad-entra-link:` prefix. */
  message: string;
}

/** `links.yaml:12: entries[3].cloud: …` (the path is left out for file-level problems). */
export function formatProblem(p: LinksFileProblem): string {
  // Escaped once more as a last net: a problem is always exactly one line of plain text.
  return escapeMessage(`${p.file}:${p.line}: ${p.path === "" ? "" : `${p.path}: `}${p.message}`);
}

/** Problems in reading order: by line, then by path. */
export function sortProblems(problems: readonly LinksFileProblem[]): LinksFileProblem[] {
  return [...problems].sort(
    (a, b) => a.line - b.line || a.path.localeCompare(b.path) || a.code.localeCompare(b.code),
  );
}

/**
 * A links file that cannot be used: every problem is listed in `problems` and in the message.
 * Its `name` is `InvalidInputError` (code `LINKS_FILE_INVALID`, property `linksFile`).
 */
export class LinksFileInvalidError extends InvalidInputError {
  readonly problems: readonly LinksFileProblem[];

  constructor(file: string, problems: readonly LinksFileProblem[]) {
    const sorted = sortProblems(problems);
    const shown = sorted.slice(0, MAX_PROBLEMS_SHOWN);
    const more = sorted.length - shown.length;
    super(
      "LINKS_FILE_INVALID",
      "linksFile",
      `ad-entra-link: ${escapeMessage(file)} has ${sorted.length} problem${sorted.length === 1 ? "" : "s"}; nothing was declared. Fix them all and run again:\n` +
        shown.map((p) => `  ${formatProblem(p)}`).join("\n") +
        (more > 0 ? `\n  … and ${more} more problem${more === 1 ? "" : "s"} (not shown).` : ""),
    );
    this.problems = sorted.slice(0, MAX_PROBLEMS_KEPT);
  }
}

/** Drops the `ad-entra-link: ` prefix that error messages of the declaration rules carry. */
export function bareMessage(message: string): string {
  return message.replace(/^ad-entra-link: /, "");
}
