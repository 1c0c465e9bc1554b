/**
 * Reads a links file from disk, refusing anything that is not a plain, reviewable text file of
 * the project: the path, after every symlink is resolved, must stay inside the project folder; the
 * file must be a regular file (not a device such as /dev/zero, a FIFO, a socket, a directory, or a
 * kernel file under /proc or /sys, which report size 0); at most {@link MAX_LINKS_FILE_BYTES} bytes
 * (checked with fstat before reading, and the read itself stops one byte past the limit); and
 * UTF-8 text without NUL bytes. Every refusal is a ConfigurationError with its own code, naming the
 * setting and never showing any of the file's content.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigurationError } from "../errors";
import { escapeExcerpt } from "./excerpt";
import { MAX_LINKS_FILE_BYTES } from "./limits";

export interface ReadLinksFileOptions {
  /** The project folder (where Pulumi.yaml is); the file must be inside it. */
  projectDir: string;
  /** The file as the user named it, for messages. */
  displayName: string;
  /** Size limit in bytes. Default {@link MAX_LINKS_FILE_BYTES}. */
  maxBytes?: number;
}

/** Kernel and device file systems: never a links file, wherever the project folder is. */
const SPECIAL_ROOTS = ["/proc", "/sys", "/dev"];

/** The displayed file name: escaped, at most 100 characters (it comes from stack config). */
export function displayFileName(name: string): string {
  const { text, cut } = escapeExcerpt(name, 100);
  return cut ? `${text}…` : text;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

const SETTING = "ad-entra-link:linksFile";

/** Throws the ConfigurationError `code` for the file: `what` completes the sentence naming it. */
type Refuse = (code: string, what: string, cause?: unknown) => never;

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? "error";
}

/** The file's real path, refused unless it and every symlink on the way stay inside the project. */
function resolveInsideProject(filePath: string, projectDir: string, refuse: Refuse): string {
  let projectReal: string;
  try {
    projectReal = fs.realpathSync.native(path.resolve(projectDir));
  } catch (cause) {
    return refuse(
      "LINKS_FILE_UNREADABLE",
      `cannot be read: the project folder cannot be opened (${errno(cause)}).`,
      cause,
    );
  }
  const absolute = path.resolve(projectDir, filePath);
  // Refused by its name first: nothing outside the project is even looked at.
  if (!isInside(absolute, path.resolve(projectDir)) && !isInside(absolute, projectReal)) {
    refuse(
      "LINKS_FILE_OUTSIDE_PROJECT",
      "is outside the project folder; a links file must be a file inside the folder of Pulumi.yaml (give a path relative to it).",
    );
  }
  let real: string;
  try {
    real = fs.realpathSync.native(absolute);
  } catch (cause) {
    const code = errno(cause);
    return refuse(
      "LINKS_FILE_UNREADABLE",
      code === "ENOENT"
        ? "cannot be read (ENOENT): no such file, or a symbolic link to nothing. Check the setting and the working directory."
        : `cannot be read (${code}). Check the setting and the file's permissions.`,
      cause,
    );
  }
  if (!isInside(real, projectReal)) {
    refuse(
      "LINKS_FILE_OUTSIDE_PROJECT",
      "is a symbolic link (or lies under one) that leads outside the project folder; a links file must be a regular file inside the folder of Pulumi.yaml.",
    );
  }
  return real;
}

/** The file's stats, refused unless it is a regular file within the size limit. */
function statRegularFile(real: string, maxBytes: number, refuse: Refuse): fs.Stats {
  if (SPECIAL_ROOTS.some((root) => real === root || real.startsWith(`${root}/`))) {
    refuse(
      "LINKS_FILE_NOT_REGULAR",
      "is a kernel or device file, not a regular file; use a .yaml or .csv file.",
    );
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch (cause) {
    return refuse("LINKS_FILE_UNREADABLE", `cannot be read (${errno(cause)}).`, cause);
  }
  // Checked before opening: opening a FIFO for reading would wait for a writer.
  if (!st.isFile()) refuse("LINKS_FILE_NOT_REGULAR", `is ${kindOf(st)}, not a regular file.`);
  if (st.size > maxBytes) refuseTooLarge(maxBytes, refuse);
  return st;
}

function refuseTooLarge(maxBytes: number, refuse: Refuse): never {
  return refuse(
    "LINKS_FILE_TOO_LARGE",
    `is larger than ${maxBytes} bytes (the limit for a links file); split it or remove entries.`,
  );
}

/**
 * The file's bytes, read from the very file that was checked (`st`), at most one byte past the
 * limit whatever size it reports.
 */
function readBounded(real: string, st: fs.Stats, maxBytes: number, refuse: Refuse): Buffer {
  let fd: number;
  try {
    const c = fs.constants;
    fd = fs.openSync(real, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK | c.O_NOCTTY);
  } catch (cause) {
    return refuse("LINKS_FILE_UNREADABLE", `cannot be read (${errno(cause)}).`, cause);
  }
  let bytes: Buffer;
  try {
    // The file opened must be the file checked (not swapped for a FIFO or device in between).
    const opened = fs.fstatSync(fd);
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) {
      refuse("LINKS_FILE_NOT_REGULAR", "changed while it was being opened; run again.");
    }
    if (opened.size > maxBytes) refuseTooLarge(maxBytes, refuse);
    // Never trust the reported size (a kernel file reports 0): read at most one byte past the limit.
    const buffer = Buffer.alloc(maxBytes + 1);
    let total = 0;
    while (total < buffer.length) {
      const n = fs.readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    bytes = buffer.subarray(0, total);
  } catch (cause) {
    if (cause instanceof ConfigurationError) throw cause;
    return refuse("LINKS_FILE_UNREADABLE", `cannot be read (${errno(cause)}).`, cause);
  } finally {
    fs.closeSync(fd);
  }
  if (bytes.length > maxBytes) refuseTooLarge(maxBytes, refuse);
  return bytes;
}

/** The bytes as text, refused when they hold a NUL byte or are not valid UTF-8. */
function decodeText(bytes: Buffer, refuse: Refuse): string {
  if (bytes.includes(0)) {
    refuse(
      "LINKS_FILE_NOT_TEXT",
      "is not a text file (it contains NUL bytes); a links file is UTF-8 YAML or CSV.",
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    return refuse(
      "LINKS_FILE_NOT_TEXT",
      "is not valid UTF-8 text; save it as UTF-8 (Export-Csv -Encoding utf8).",
      cause,
    );
  }
}

/**
 * Reads the links file at `filePath` (relative to the project folder, or absolute).
 * @throws ConfigurationError with code
 *   `LINKS_FILE_UNREADABLE` (missing, no permission),
 *   `LINKS_FILE_OUTSIDE_PROJECT` (the path or a symlink on it leads outside the project folder),
 *   `LINKS_FILE_NOT_REGULAR` (directory, device, FIFO, socket, /proc or /sys file),
 *   `LINKS_FILE_TOO_LARGE` (more than the size limit),
 *   `LINKS_FILE_NOT_TEXT` (NUL bytes or invalid UTF-8).
 */
export function readLinksFileText(filePath: string, options: ReadLinksFileOptions): string {
  const shown = displayFileName(options.displayName);
  const maxBytes = options.maxBytes ?? MAX_LINKS_FILE_BYTES;
  const refuse: Refuse = (code, what, cause) => {
    throw new ConfigurationError(
      code,
      `ad-entra-link: ${SETTING} "${shown}" ${what}`,
      cause === undefined ? undefined : { cause },
    );
  };
  const real = resolveInsideProject(filePath, options.projectDir, refuse);
  const st = statRegularFile(real, maxBytes, refuse);
  return decodeText(readBounded(real, st, maxBytes, refuse), refuse);
}
