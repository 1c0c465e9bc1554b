/**
 * The links-file part of the bad-input corpus: hostile `ad-entra-link:linksFile` values and files, as
 * whoever opens a pull request can write them. Pure data; bad-input-corpus.test.ts lays out each
 * case's files in a fresh project folder (symlinks, FIFOs, directories, a file next to the project),
 * loads the file exactly as the root program does, and asserts the error kind, code and message,
 * that no secret of the environment nor more than an escaped excerpt of the file appears, and that
 * both directories are unchanged. The ones marked `viaEngine` also run through the root program
 * with the real engine.
 */
import type { CorpusCase, CorpusContext, LinksFileFixture } from "./bad-input-corpus";

const MIB = 1024 * 1024;

function lf(setting: string, ...files: LinksFileFixture[]): CorpusCase["input"] {
  return { kind: "linksFile", setting, files };
}

const text = (path: string, body: (c: CorpusContext) => string): LinksFileFixture => ({ path, text: body });
const link = (path: string, symlinkTo: string): LinksFileFixture => ({ path, symlinkTo });

const cfg = (code: string, message: RegExp) => ({ name: "ConfigurationError", code, message });
const invalidFile = (message: RegExp) => ({ name: "InvalidInputError", code: "LINKS_FILE_INVALID", message });

const OUTSIDE_LINK =
  /^ad-entra-link: ad-entra-link:linksFile "[^"]+" is a symbolic link \(or lies under one\) that leads outside the project folder; a links file must be a regular file inside the folder of Pulumi\.yaml\.$/;
const OUTSIDE_PATH =
  /^ad-entra-link: ad-entra-link:linksFile "[^"]+" is outside the project folder; a links file must be a file inside the folder of Pulumi\.yaml \(give a path relative to it\)\.$/;
const TOO_LARGE =
  /^ad-entra-link: ad-entra-link:linksFile "[^"]+" is larger than 5242880 bytes \(the limit for a links file\); split it or remove entries\.$/;
const NOT_TEXT_NUL = /is not a text file \(it contains NUL bytes\); a links file is UTF-8 YAML or CSV\.$/;

/** A valid YAML links file for Adam, with extra lines in his entry. */
function adamYaml(c: CorpusContext, extra = ""): string {
  return `version: 1\nentries:\n  - onPremises: { samAccountName: ${c.adamSam} }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n${extra}`;
}

function csv(header: string, ...rows: string[]): string {
  return `${[header, ...rows].join("\n")}\n`;
}

/** An environment dump as `env` prints it, with the test's secrets in it. */
function envDump(c: CorpusContext, separator: string): string {
  return [
    "HOME=/home/runner",
    `PULUMI_CONFIG_PASSPHRASE=${c.secrets.passphrase}`,
    `AZURE_CLIENT_SECRET=${c.secrets.clientSecret}`,
    "PATH=/usr/bin:/bin",
  ].join(separator);
}

function nested(open: string, close: string, depth: number, inner = "x"): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

export const LINKS_FILE_CASES: CorpusCase[] = [
  // ---- the file itself: where it is and what it is ------------------------------------------------
  {
    id: "lf-symlink-environ-csv",
    title: "environ.csv is a symlink to /proc/self/environ (prints the CI environment if read)",
    input: lf("environ.csv", link("environ.csv", "/proc/self/environ")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
    viaEngine: true,
  },
  {
    id: "lf-symlink-environ-yaml",
    title: "a .yaml symlink to /proc/self/environ",
    input: lf("links.yaml", link("links.yaml", "/proc/self/environ")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-environ-in-subfolder",
    title: "a symlink to /proc/self/environ in a subfolder, named with ./ and ../ detours",
    input: lf("config/../config/./env.csv", link("config/env.csv", "/proc/self/environ")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-pid1-environ",
    title: "a symlink to another process's environment (/proc/1/environ)",
    input: lf("links.csv", link("links.csv", "/proc/1/environ")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-proc-cmdline",
    title: "a symlink to /proc/self/cmdline",
    input: lf("links.csv", link("links.csv", "/proc/self/cmdline")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-proc-status",
    title: "a symlink to /proc/self/status (size 0, plain text)",
    input: lf("links.yaml", link("links.yaml", "/proc/self/status")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-proc-version",
    title: "a symlink to /proc/version",
    input: lf("links.yaml", link("links.yaml", "/proc/version")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-dev-zero",
    title: "a symlink to /dev/zero (endless NUL bytes; crashed with std::bad_alloc)",
    input: lf("links.yaml", link("links.yaml", "/dev/zero")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
    viaEngine: true,
  },
  {
    id: "lf-symlink-dev-zero-csv",
    title: "a .csv symlink to /dev/zero",
    input: lf("links.csv", link("links.csv", "/dev/zero")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-dev-urandom",
    title: "a symlink to /dev/urandom (endless random bytes)",
    input: lf("links.csv", link("links.csv", "/dev/urandom")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-dev-null",
    title: "a symlink to /dev/null (would read as an empty file)",
    input: lf("links.yaml", link("links.yaml", "/dev/null")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-etc-passwd",
    title: "a symlink to /etc/passwd (colon-separated, reads as CSV header)",
    input: lf("passwd.csv", link("passwd.csv", "/etc/passwd")),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-outside-valid-file",
    title: "a symlink to a valid links file next to (outside) the project folder",
    input: lf(
      "links.yaml",
      text("../outside-links.yaml", (c) => adamYaml(c)),
      link("links.yaml", "../outside-links.yaml"),
    ),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlink-chain-outside",
    title: "a chain of symlinks inside the project whose last link leaves it",
    input: lf(
      "a.yaml",
      text("../outside-links.yaml", (c) => adamYaml(c)),
      link("a.yaml", "b.yaml"),
      link("b.yaml", "../outside-links.yaml"),
    ),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-symlinked-folder-outside",
    title: "a folder of the project that is a symlink to a folder outside it",
    input: lf(
      "shared/links.yaml",
      text("../elsewhere/links.yaml", (c) => adamYaml(c)),
      link("shared", "../elsewhere"),
    ),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_LINK),
  },
  {
    id: "lf-parent-path",
    title: "linksFile ../outside-links.yaml (a file of another repository)",
    input: lf(
      "../outside-links.yaml",
      text("../outside-links.yaml", (c) => adamYaml(c)),
    ),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_PATH),
  },
  {
    id: "lf-detour-path",
    title: "linksFile that climbs out through a subfolder (sub/../../outside-links.yaml)",
    input: lf(
      "sub/../../outside-links.yaml",
      text("../outside-links.yaml", (c) => adamYaml(c)),
    ),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_PATH),
  },
  {
    id: "lf-absolute-etc",
    title: "linksFile is an absolute path outside the project (/etc/hosts.yaml)",
    input: lf("/etc/hosts.yaml"),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_PATH),
  },
  {
    id: "lf-absolute-proc",
    title: "linksFile is /proc/self/environ.csv (absolute, never even looked at)",
    input: lf("/proc/self/environ.csv"),
    error: cfg("LINKS_FILE_OUTSIDE_PROJECT", OUTSIDE_PATH),
  },
  {
    id: "lf-dangling-symlink",
    title: "a dangling symlink",
    input: lf("links.yaml", link("links.yaml", "does-not-exist.yaml")),
    error: cfg(
      "LINKS_FILE_UNREADABLE",
      /"links\.yaml" cannot be read \(ENOENT\): no such file, or a symbolic link to nothing\./,
    ),
  },
  {
    id: "lf-symlink-loop",
    title: "two symlinks pointing at each other",
    input: lf("a.yaml", link("a.yaml", "b.yaml"), link("b.yaml", "a.yaml")),
    error: cfg(
      "LINKS_FILE_UNREADABLE",
      /"a\.yaml" cannot be read \(ELOOP\)\. Check the setting and the file's permissions\.$/,
    ),
  },
  {
    id: "lf-missing",
    title: "the file does not exist",
    input: lf("missing.yaml"),
    error: cfg("LINKS_FILE_UNREADABLE", /"missing\.yaml" cannot be read \(ENOENT\)/),
  },
  {
    id: "lf-directory",
    title: "linksFile names a directory",
    input: lf("links.yaml", { path: "links.yaml", directory: true }),
    error: cfg("LINKS_FILE_NOT_REGULAR", /"links\.yaml" is a directory, not a regular file\.$/),
  },
  {
    id: "lf-project-folder-itself",
    title: "a symlink named links.yml to the project folder itself",
    input: lf("links.yml", link("links.yml", ".")),
    error: cfg("LINKS_FILE_NOT_REGULAR", /"links\.yml" is a directory, not a regular file\.$/),
  },
  {
    id: "lf-fifo",
    title: "a FIFO (opening it for reading would wait for a writer forever)",
    input: lf("links.yaml", { path: "links.yaml", fifo: true }),
    error: cfg("LINKS_FILE_NOT_REGULAR", /"links\.yaml" is a FIFO \(named pipe\), not a regular file\.$/),
    viaEngine: true,
  },
  {
    id: "lf-fifo-csv",
    title: "a FIFO named .csv",
    input: lf("links.csv", { path: "links.csv", fifo: true }),
    error: cfg("LINKS_FILE_NOT_REGULAR", /is a FIFO \(named pipe\), not a regular file\.$/),
  },
  {
    id: "lf-symlink-to-fifo",
    title: "a symlink to a FIFO inside the project",
    input: lf("links.yaml", { path: "pipe", fifo: true }, link("links.yaml", "pipe")),
    error: cfg("LINKS_FILE_NOT_REGULAR", /is a FIFO \(named pipe\), not a regular file\.$/),
  },
  {
    id: "lf-symlink-to-directory",
    title: "a symlink to a directory inside the project",
    input: lf("links.yaml", { path: "data", directory: true }, link("links.yaml", "data")),
    error: cfg("LINKS_FILE_NOT_REGULAR", /is a directory, not a regular file\.$/),
  },
  {
    id: "lf-6mb-yaml",
    title: "a 6 MB YAML file (50 MB ran 165 s and printed 108 MB)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => `${adamYaml(c)}${"# padding\n".repeat((6 * MIB) / 10)}`),
    ),
    error: cfg("LINKS_FILE_TOO_LARGE", TOO_LARGE),
    viaEngine: true,
  },
  {
    id: "lf-6mb-csv",
    title: "a 6 MB CSV file of unknown columns",
    input: lf(
      "links.csv",
      text("links.csv", () => `${"Column,".repeat((6 * MIB) / 7)}x\n`),
    ),
    error: cfg("LINKS_FILE_TOO_LARGE", TOO_LARGE),
  },
  {
    id: "lf-one-byte-over",
    title: "exactly one byte over the 5 MiB limit",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries: []\n${"#".repeat(5 * MIB + 1 - 13)}\n`),
    ),
    error: cfg("LINKS_FILE_TOO_LARGE", TOO_LARGE),
  },
  {
    id: "lf-sparse-huge",
    title: "a sparse 4 GiB file (refused by its size before any byte is read)",
    input: lf("links.yaml", { path: "links.yaml", sparseBytes: 4 * 1024 * MIB }),
    error: cfg("LINKS_FILE_TOO_LARGE", TOO_LARGE),
  },
  {
    id: "lf-environ-copy-nul",
    title: "a copy of an environment dump, NUL-separated like /proc/self/environ",
    input: lf(
      "environ.csv",
      text("environ.csv", (c) => envDump(c, "\u0000")),
    ),
    error: cfg("LINKS_FILE_NOT_TEXT", NOT_TEXT_NUL),
  },
  {
    id: "lf-utf16-csv",
    title: "a CSV saved as UTF-16 (Export-Csv's old default)",
    input: lf("links.csv", {
      path: "links.csv",
      bytes: (c) =>
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(
            csv("SamAccountName,CloudUserPrincipalName", `${c.adamSam},${c.adamCloudUpn}`),
            "utf16le",
          ),
        ]),
    }),
    error: cfg("LINKS_FILE_NOT_TEXT", NOT_TEXT_NUL),
  },
  {
    id: "lf-invalid-utf8",
    title: "bytes that are not UTF-8 (Latin-1 é in a name)",
    input: lf("links.yaml", {
      path: "links.yaml",
      bytes: (c) =>
        Buffer.concat([
          Buffer.from(adamYaml(c, '    reason: "caf')),
          Buffer.from([0xe9]),
          Buffer.from('"\n'),
        ]),
    }),
    error: cfg(
      "LINKS_FILE_NOT_TEXT",
      /is not valid UTF-8 text; save it as UTF-8 \(Export-Csv -Encoding utf8\)\.$/,
    ),
  },
  {
    id: "lf-binary-gzip",
    title: "a gzip file renamed .yaml",
    input: lf("links.yaml", {
      path: "links.yaml",
      bytes: () => Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]),
    }),
    error: cfg("LINKS_FILE_NOT_TEXT", NOT_TEXT_NUL),
  },
  {
    id: "lf-format-json",
    title: "a .json links file",
    input: lf(
      "links.json",
      text("links.json", () => "{}"),
    ),
    error: cfg(
      "LINKS_FILE_FORMAT",
      /"links\.json" has an unknown links file format; use a \.yaml, \.yml or \.csv file\.$/,
    ),
  },
  {
    id: "lf-format-env",
    title: "linksFile .env (an environment file)",
    input: lf(
      ".env",
      text(".env", (c) => envDump(c, "\n")),
    ),
    error: cfg("LINKS_FILE_FORMAT", /"\.env" has an unknown links file format/),
  },
  {
    id: "lf-setting-control-characters",
    title: "a linksFile setting with a line break and an ANSI escape (shown escaped)",
    input: lf("links\n\u001b[2J.yaml"),
    error: cfg(
      "LINKS_FILE_UNREADABLE",
      /^ad-entra-link: ad-entra-link:linksFile "links\\u000a\\u001b\[2J\.yaml" cannot be read \(ENOENT\)/,
    ),
  },
  // ---- YAML that would exhaust the stack, memory or time ------------------------------------------
  {
    id: "lf-deep-flow-seq",
    title: "20,000 nested flow sequences (threw an uncaught RangeError)",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries: ${nested("[", "]", 20_000, "")}\n`),
    ),
    error: invalidFile(/links\.yaml:1: YAML nested more than 16 levels deep; a links file needs 4/),
    problems: ["LINKS_FILE_TOO_DEEP"],
    viaEngine: true,
  },
  {
    id: "lf-deep-flow-map",
    title: "20,000 nested flow mappings",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries: ${nested("{a: ", "}", 20_000, "1")}\n`),
    ),
    error: invalidFile(/YAML nested more than 16 levels deep/),
    problems: ["LINKS_FILE_TOO_DEEP"],
  },
  {
    id: "lf-deep-block-seq-one-line",
    title: '20,000 "- " on one line (the YAML lexer recurses on each)',
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries:\n  ${"- ".repeat(20_000)}x\n`),
    ),
    error: invalidFile(/links\.yaml:2: a line with more than 16 nested "- ", "\? ", ": ", anchors or tags/),
    problems: ["LINKS_FILE_TOO_DEEP"],
  },
  {
    id: "lf-deep-anchor-run",
    title: "a run of 5,000 anchors and tags on one line",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries: ${"&a !t ".repeat(5_000)}[]\n`),
    ),
    error: invalidFile(/a line with more than 16 nested/),
    problems: ["LINKS_FILE_TOO_DEEP"],
  },
  {
    id: "lf-deep-block-maps",
    title: "block mappings nested 300 levels by indentation",
    input: lf(
      "links.yaml",
      text("links.yaml", () => {
        let out = "entries:\n";
        for (let i = 1; i <= 300; i++) out += `${" ".repeat(i)}k${i}:\n`;
        return out;
      }),
    ),
    error: invalidFile(/YAML nested more than 16 levels deep/),
    problems: ["LINKS_FILE_TOO_DEEP"],
  },
  {
    id: "lf-deep-just-over",
    title: "17 nested levels (one past the limit) inside an entry's selector",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries:\n  - onPremises: { samAccountName: ${nested("[", "]", 15)} }\n`),
    ),
    error: invalidFile(/links\.yaml:2: YAML nested more than 16 levels deep/),
    problems: ["LINKS_FILE_TOO_DEEP"],
  },
  {
    id: "lf-billion-laughs",
    title: "exponential alias expansion (billion laughs)",
    input: lf(
      "links.yaml",
      text("links.yaml", () => {
        const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
        for (let i = 1; i <= 8; i++)
          lines.push(
            `a${i}: &a${i} [${Array(10)
              .fill(`*a${i - 1}`)
              .join(",")}]`,
          );
        return `${lines.join("\n")}\nentries: []\n`;
      }),
    ),
    error: invalidFile(/the YAML aliases expand to more than 250000 nodes or 16 levels/),
    problems: ["LINKS_FILE_TOO_COMPLEX"],
  },
  {
    id: "lf-alias-cycle",
    title: "an alias inside its own anchor",
    input: lf(
      "links.yaml",
      text("links.yaml", () => "entries: &loop [ *loop ]\n"),
    ),
    error: invalidFile(/the YAML aliases expand to more than 250000 nodes or 16 levels/),
    problems: ["LINKS_FILE_TOO_COMPLEX"],
  },
  {
    id: "lf-too-many-aliases",
    title: "150 aliases",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `x: &x 1\ny: [${Array(150).fill("*x").join(", ")}]\nentries: []\n`),
    ),
    error: invalidFile(/more than 100 YAML aliases \(\*name\); write the values out\./),
    problems: ["LINKS_FILE_TOO_COMPLEX"],
  },
  {
    id: "lf-map-too-many-keys",
    title: "an entry with 150 keys (duplicate-key checks are quadratic)",
    input: lf(
      "links.yaml",
      text("links.yaml", () => {
        const keys = Array.from({ length: 150 }, (_, i) => `    k${i}: ${i}`).join("\n");
        return `entries:\n  - name: x\n${keys}\n`;
      }),
    ),
    error: invalidFile(/a mapping with more than 100 keys; an entry has at most 13\./),
    problems: ["LINKS_FILE_TOO_COMPLEX"],
  },
  {
    id: "lf-flow-map-same-key",
    title: "one flow mapping repeating one key 5,000 times",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `entries: [{${Array(5000).fill("a: 1").join(", ")}}]\n`),
    ),
    error: invalidFile(/a mapping with more than 100 keys/),
    problems: ["LINKS_FILE_TOO_COMPLEX"],
  },
  {
    id: "lf-yaml-too-many-entries",
    title: "5,001 entries",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        () =>
          `entries:\n${Array.from({ length: 5001 }, (_, i) => `  - { onPremises: { samAccountName: u${i} }, cloud: { userPrincipalName: u${i}@contoso.com } }`).join("\n")}\n`,
      ),
    ),
    error: invalidFile(/a list with more than 5000 items; a links file declares at most 5000 links/),
    problems: ["LINKS_FILE_TOO_MANY_ENTRIES"],
  },
  {
    id: "lf-csv-too-many-rows",
    title: "a CSV of 5,001 rows",
    input: lf(
      "links.csv",
      text("links.csv", () =>
        csv(
          "SamAccountName,CloudUserPrincipalName",
          ...Array.from({ length: 5001 }, (_, i) => `u${i},u${i}@contoso.com`),
        ),
      ),
    ),
    error: invalidFile(/links\.csv:5002: the file has 5001 rows; a links file declares at most 5000 links/),
    problems: ["LINKS_FILE_TOO_MANY_ENTRIES"],
  },
  {
    id: "lf-csv-too-many-columns",
    title: "a CSV header of 1,000 columns",
    input: lf(
      "links.csv",
      text("links.csv", () => csv(Array.from({ length: 1000 }, (_, i) => `C${i}`).join(","), "a")),
    ),
    error: invalidFile(/links\.csv:1: the header has 1000 columns \(at most 64\); is this a links file\?/),
    problems: ["CSV_TOO_MANY_COLUMNS"],
  },
  // ---- content that must never be printed ---------------------------------------------------------
  {
    id: "lf-csv-environ-header",
    title: "a CSV whose header is environment variables (PULUMI_CONFIG_PASSPHRASE=…, AZURE_CLIENT_SECRET=…)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          `PULUMI_CONFIG_PASSPHRASE=${c.secrets.passphrase},AZURE_CLIENT_SECRET=${c.secrets.clientSecret},SamAccountName,CloudUserPrincipalName`,
          `x,y,${c.adamSam},${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(
      /links\.csv:1: column 1: unknown column \(its header is not shown: it is not a plain column name\); known columns are 17/,
    ),
    problems: ["CSV_UNKNOWN_COLUMN", "CSV_UNKNOWN_COLUMN"],
    mustNotContain: "PULUMI_CONFIG_PASSPHRASE=",
    viaEngine: true,
  },
  {
    id: "lf-csv-environ-lines",
    title: "an environment dump (one VAR=value per line) saved as .csv",
    input: lf(
      "env.csv",
      text("env.csv", (c) => `${envDump(c, "\n")}\n`),
    ),
    error: invalidFile(/env\.csv:1: column 1: unknown column \(its header is not shown/),
    problems: [
      "CSV_NO_AD_COLUMN",
      "CSV_NO_CLOUD_COLUMN",
      "CSV_UNKNOWN_COLUMN",
      ...Array(3).fill(["SELECTOR_MISSING", "SELECTOR_MISSING"]).flat(),
    ],
    mustNotContain: "HOME=",
  },
  {
    id: "lf-yaml-environ-lines",
    title: "an environment dump saved as .yaml (one plain scalar)",
    input: lf(
      "env.yaml",
      text("env.yaml", (c) => `${envDump(c, "\n")}\n`),
    ),
    error: invalidFile(/env\.yaml:1: the top level must be a mapping with `entries:`/),
    problems: ["LINKS_FILE_NOT_A_MAPPING"],
    mustNotContain: "HOME=",
  },
  {
    id: "lf-yaml-environ-as-keys",
    title: "environment variables written as YAML keys",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `PULUMI_CONFIG_PASSPHRASE=${c.secrets.passphrase}: 1\nAZURE_CLIENT_SECRET: ${c.secrets.clientSecret}\nentries: []\n`,
      ),
    ),
    error: invalidFile(
      /links\.yaml:1: \{key\}: unknown top-level key; a links file has version, defaults, entries\./,
    ),
    problems: ["LINKS_FILE_UNKNOWN_KEY", "LINKS_FILE_UNKNOWN_KEY"],
  },
  {
    id: "lf-csv-secret-column-values",
    title: "an extra ClientSecret column: the column is named, its values never shown",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName,ClientSecret",
          `${c.adamSam},${c.adamCloudUpn},${c.secrets.clientSecret}`,
        ),
      ),
    ),
    error: invalidFile(/links\.csv:1: column 3 "ClientSecret": unknown column; known columns are 17/),
    problems: ["CSV_UNKNOWN_COLUMN"],
  },
  {
    id: "lf-csv-header-base64",
    title: "a header that is a base64 blob (a key pasted as a column name)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName,c2VjcmV0LWtleS1tYXRlcmlhbA+/==",
          `${c.adamSam},${c.adamCloudUpn},x`,
        ),
      ),
    ),
    error: invalidFile(/links\.csv:1: column 3: unknown column \(its header is not shown/),
    problems: ["CSV_UNKNOWN_COLUMN"],
    mustNotContain: "c2VjcmV0",
  },
  {
    id: "lf-csv-header-long",
    title: "a 300-character column name",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(`SamAccountName,CloudUserPrincipalName,${"Q".repeat(300)}`, `${c.adamSam},${c.adamCloudUpn},x`),
      ),
    ),
    error: invalidFile(/column 3: unknown column \(its header is not shown/),
    problems: ["CSV_UNKNOWN_COLUMN"],
    mustNotContain: "QQQQQQQQQQ",
  },
  {
    id: "lf-csv-header-newline-heading",
    title: "a quoted header with a line break and a Markdown heading (PR comment injection)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          `SamAccountName,CloudUserPrincipalName,"Note\n# Approved by security"`,
          `${c.adamSam},${c.adamCloudUpn},x`,
        ),
      ),
    ),
    error: invalidFile(/column 3: unknown column \(its header is not shown/),
    problems: ["CSV_UNKNOWN_COLUMN"],
    mustNotContain: "# Approved",
  },
  {
    id: "lf-csv-header-ansi",
    title: "a header with an ANSI escape sequence",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          `SamAccountName,CloudUserPrincipalName,\u001b[2J\u001b[31mRed`,
          `${c.adamSam},${c.adamCloudUpn},x`,
        ),
      ),
    ),
    error: invalidFile(/column 3: unknown column \(its header is not shown/),
    problems: ["CSV_UNKNOWN_COLUMN"],
    mustNotContain: "\u001b",
  },
  {
    id: "lf-csv-header-bidi",
    title: "a header with a right-to-left override that reads as SamAccountName",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(`Sam\u202eemaNtnuocca,CloudUserPrincipalName`, `${c.adamSam},${c.adamCloudUpn}`),
      ),
    ),
    error: invalidFile(/column 1: unknown column \(its header is not shown/),
    problems: ["CSV_NO_AD_COLUMN", "CSV_UNKNOWN_COLUMN", "SELECTOR_MISSING"],
    mustNotContain: "\u202e",
  },
  {
    id: "lf-csv-defaults-secret",
    title: "a secret on the # defaults: line (the key is named, the value never shown)",
    input: lf(
      "links.csv",
      text(
        "links.csv",
        (c) =>
          `# defaults: match=soft; PULUMI_CONFIG_PASSPHRASE=${c.secrets.passphrase}\n${csv("SamAccountName,CloudUserPrincipalName", `${c.adamSam},${c.adamCloudUpn}`)}`,
      ),
    ),
    error: invalidFile(
      /links\.csv:1: defaults\.PULUMI_CONFIG_PASSPHRASE: unknown key; defaults may set match, sourceAnchor, onDelete, writeConsistencyGuid\./,
    ),
    problems: ["DEFAULTS_UNKNOWN_KEY"],
  },
  {
    id: "lf-csv-quote-junk",
    title: "100 characters after a closing quote (shown as a short escaped excerpt only)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv("SamAccountName,CloudUserPrincipalName", `"${c.adamSam}"${"J".repeat(100)},${c.adamCloudUpn}`),
      ),
    ),
    error: invalidFile(/CSV syntax: unexpected text "J{20}" after a closing quote/),
    problems: ["CSV_SYNTAX", "SAM_ACCOUNT_NAME_TOO_LONG"],
    mustNotContain: "J".repeat(41),
  },
  {
    id: "lf-yaml-selector-key-secret",
    title: "an onPremises selector whose key is VAR=secret",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - onPremises: { "AZURE_CLIENT_SECRET=${c.secrets.clientSecret}": x }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(/entries\[0\]\.onPremises\.\{key\}: onPremises\.\{key\} is not a selector/),
    problems: ["SELECTOR_UNKNOWN"],
    mustNotContain: "AZURE_CLIENT_SECRET=",
  },
  {
    id: "lf-yaml-entry-key-secret",
    title: "an entry key that is a secret",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, `    "${c.secrets.clientSecret}": 1\n`)),
    ),
    error: invalidFile(
      /links\.yaml:5: entries\[0\]\.\{key\}: unknown key; an entry may have name, onPremises/,
    ),
    problems: ["ENTRY_UNKNOWN_KEY"],
  },
  {
    id: "lf-yaml-long-value-whitespace",
    title: "a 3,000-character selector with a trailing space (was quoted in full)",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - onPremises: { samAccountName: "${"S".repeat(3000)} " }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(
      /onPremises\.samAccountName "S{40}… \(excerpt of 3001 characters\)" has leading or trailing whitespace\./,
    ),
    problems: ["INPUT_SURROUNDING_WHITESPACE"],
    mustNotContain: "S".repeat(41),
  },
  {
    id: "lf-yaml-long-secret-reason",
    title: "a reason of 2,000 characters (only its length is reported)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, `    reason: "${c.secrets.clientSecret.repeat(100)}"\n`)),
    ),
    error: invalidFile(/entries\[0\]\.reason: reason is \d+ characters long \(at most 1024\)\./),
    problems: ["INPUT_TOO_LONG"],
  },
  {
    id: "lf-yaml-match-long",
    title: "a 100-character match value (shown as an excerpt)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, `    match: "${"M".repeat(100)}"\n`)),
    ),
    error: invalidFile(/match must be one of "soft", "hard" \(got "M{40}… \(excerpt of 100 characters\)/),
    problems: ["INPUT_NOT_ALLOWED"],
    mustNotContain: "M".repeat(41),
  },
  {
    id: "lf-yaml-version-long",
    title: "a version that is a long string",
    input: lf(
      "links.yaml",
      text("links.yaml", () => `version: "${"V".repeat(200)}"\nentries: []\n`),
    ),
    error: invalidFile(/links\.yaml:1: version: unsupported version "V{40}…" \(excerpt of 200 characters\)/),
    problems: ["LINKS_FILE_VERSION"],
    mustNotContain: "V".repeat(41),
  },
  {
    id: "lf-yaml-reason-heading-injection",
    title: "a reason with a line break and a Markdown heading",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, '    reason: "CHG-1\\n# Approved by CAB"\n')),
    ),
    error: invalidFile(
      /entries\[0\]\.reason: reason contains a control character \(e\.g\. NUL or a line break\)\./,
    ),
    problems: ["INPUT_CONTROL_CHARACTER"],
  },
  {
    id: "lf-yaml-name-injection",
    title: "a resource name with a line break and a heading (shown escaped)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, '    name: "a\\n## pwned"\n')),
    ),
    error: invalidFile(/entries\[0\]\.name: "a\\u000a## pwned" is not a usable resource name/),
    problems: ["LINK_NAME_INVALID"],
  },
  {
    id: "lf-yaml-name-too-long",
    title: "a 300-character resource name",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, `    name: ${"n".repeat(300)}\n`)),
    ),
    error: invalidFile(
      /entries\[0\]\.name: "n{40}…" \(excerpt of 300 characters\) is not a usable resource name/,
    ),
    problems: ["LINK_NAME_INVALID"],
    mustNotContain: "n".repeat(41),
  },
  {
    id: "lf-yaml-upn-homoglyph",
    title: "a Cyrillic homoglyph in a target UPN (escaped in the message)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => adamYaml(c, "    userPrincipalName: \u0430dam@contoso.com\n")),
    ),
    error: invalidFile(/entries\[0\]\.userPrincipalName: .*"\\u0430dam@contoso\.com"/),
    problems: ["UPN_NON_ASCII_CHARACTER"],
    mustNotContain: "\u0430",
  },
  {
    id: "lf-yaml-proto-key",
    title: "an entry __proto__ carrying onPremises (must not be inherited)",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - __proto__: { onPremises: { samAccountName: ${c.adamSam} } }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(/entries\[0\]\.__proto__: unknown key/),
    problems: ["ENTRY_UNKNOWN_KEY", "SELECTOR_MISSING"],
  },
  {
    id: "lf-yaml-multiple-documents",
    title: "two YAML documents (a second, unreviewed one after ---)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => `${adamYaml(c)}---\nentries: []\n`),
    ),
    error: invalidFile(/YAML syntax: Source contains multiple documents/),
    problems: ["YAML_MULTIPLE_DOCS"],
  },
  {
    id: "lf-yaml-duplicate-entries-key",
    title: "entries given twice (the second would silently win elsewhere)",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => `${adamYaml(c)}entries: []\n`),
    ),
    error: invalidFile(/YAML syntax: Map keys must be unique/),
    problems: ["YAML_DUPLICATE_KEY"],
  },
  // ---- selectors that disagree ----------------------------------------------------------------------
  {
    id: "lf-csv-sam-and-guid",
    title: "CSV: SamAccountName of Adam and ObjectGUID of Alva on one row (silently used the GUID)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,ObjectGUID,CloudUserPrincipalName",
          `${c.adamSam},${c.alvaGuid},${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(
      /links\.csv:2: entries\[0\]\.onPremises \(columns SamAccountName, ObjectGUID\): the row fills 2 AD user columns; they may name different users/,
    ),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
    viaEngine: true,
  },
  {
    id: "lf-csv-sam-and-dn",
    title: "CSV: SamAccountName and DistinguishedName on one row",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,DistinguishedName,CloudUserPrincipalName",
          `${c.adamSam},"${c.alvaDn}",${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(
      /entries\[0\]\.onPremises \(columns SamAccountName, DistinguishedName\): the row fills 2 AD user columns/,
    ),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-sam-and-upn",
    title: "CSV: SamAccountName and the AD UserPrincipalName on one row",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,UserPrincipalName,CloudUserPrincipalName",
          `${c.adamSam},${c.alvaUpn},${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(/\(columns SamAccountName, UserPrincipalName\): the row fills 2 AD user columns/),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-guid-and-dn",
    title: "CSV: ObjectGUID and DistinguishedName on one row",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "ObjectGUID,DistinguishedName,CloudUserPrincipalName",
          `${c.adamGuid},"${c.alvaDn}",${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(/\(columns ObjectGUID, DistinguishedName\): the row fills 2 AD user columns/),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-all-four-ad",
    title: "CSV: all four AD user columns filled (a full Get-ADUser export)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,ObjectGUID,DistinguishedName,UserPrincipalName,CloudUserPrincipalName",
          `${c.adamSam},${c.adamGuid},"${c.adamDn}",${c.adamUpn},${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(
      /\(columns SamAccountName, ObjectGUID, DistinguishedName, UserPrincipalName\): the row fills 4 AD user columns/,
    ),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-same-user-twice",
    title: "CSV: SamAccountName and ObjectGUID of the same user (cannot be proven offline: still refused)",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,ObjectGUID,CloudUserPrincipalName",
          `${c.adamSam},${c.adamGuid},${c.adamCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(/\(columns SamAccountName, ObjectGUID\): the row fills 2 AD user columns/),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-lowercase-columns",
    title: "CSV: lower-case, reordered AD columns that disagree",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "objectguid,clouduserprincipalname,samaccountname",
          `${c.alvaGuid},${c.adamCloudUpn},${c.adamSam}`,
        ),
      ),
    ),
    error: invalidFile(/\(columns objectguid, samaccountname\): the row fills 2 AD user columns/),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-one-row-of-many",
    title: "CSV: one disagreeing row among valid ones is named by its line",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,ObjectGUID,CloudUserPrincipalName",
          `${c.adamSam},,${c.adamCloudUpn}`,
          `${c.alvaSam},${c.adamGuid},${c.alvaCloudUpn}`,
        ),
      ),
    ),
    error: invalidFile(/links\.csv:3: entries\[1\]\.onPremises \(columns SamAccountName, ObjectGUID\)/),
    problems: ["CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-cloud-upn-and-id",
    title: "CSV: CloudUserPrincipalName of Adam and CloudId of Alva",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName,CloudId",
          `${c.adamSam},${c.adamCloudUpn},${c.alvaCloudId}`,
        ),
      ),
    ),
    error: invalidFile(
      /entries\[0\]\.cloud \(columns CloudUserPrincipalName, CloudId\): the row fills 2 cloud user columns; they may name different users/,
    ),
    problems: ["CSV_CLOUD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-csv-both-sides-disagree",
    title: "CSV: both the AD and the cloud columns disagree on one row",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,ObjectGUID,CloudUserPrincipalName,CloudId",
          `${c.adamSam},${c.alvaGuid},${c.adamCloudUpn},${c.alvaCloudId}`,
        ),
      ),
    ),
    error: invalidFile(/the row fills 2 cloud user columns/),
    problems: ["CSV_CLOUD_COLUMNS_CONFLICT", "CSV_AD_COLUMNS_CONFLICT"],
  },
  {
    id: "lf-yaml-two-onprem-selectors",
    title: "YAML: onPremises with samAccountName and objectGuid (refused by the declaration rules)",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - onPremises: { samAccountName: ${c.adamSam}, objectGuid: ${c.alvaGuid} }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(
      /entries\[0\]\.onPremises: onPremises has 2 selectors \(samAccountName, objectGuid\); give exactly one\./,
    ),
    problems: ["SELECTOR_MULTIPLE"],
  },
  {
    id: "lf-yaml-four-onprem-selectors",
    title: "YAML: onPremises with all four selectors",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - onPremises:\n      samAccountName: ${c.adamSam}\n      objectGuid: ${c.adamGuid}\n      distinguishedName: "${c.adamDn}"\n      userPrincipalName: ${c.adamUpn}\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(/onPremises has 4 selectors/),
    problems: ["SELECTOR_MULTIPLE"],
  },
  {
    id: "lf-yaml-two-cloud-selectors",
    title: "YAML: cloud with userPrincipalName and id",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `entries:\n  - onPremises: { samAccountName: ${c.adamSam} }\n    cloud: { userPrincipalName: ${c.adamCloudUpn}, id: ${c.alvaCloudId} }\n`,
      ),
    ),
    error: invalidFile(
      /entries\[0\]\.cloud: cloud has 2 selectors \(userPrincipalName, id\); give exactly one\./,
    ),
    problems: ["SELECTOR_MULTIPLE"],
  },
  {
    id: "lf-yaml-anchor-merges-selectors",
    title: "YAML: an alias smuggling a second selector into onPremises through a merge key",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `x: &alva { objectGuid: ${c.alvaGuid} }\nentries:\n  - onPremises: { samAccountName: ${c.adamSam}, <<: *alva }\n    cloud: { userPrincipalName: ${c.adamCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(/links\.yaml:1: x: unknown top-level key/),
    problems: ["LINKS_FILE_UNKNOWN_KEY", "SELECTOR_UNKNOWN"],
  },
  {
    id: "lf-yaml-same-ad-user-twice",
    title: "YAML: one AD user linked to two cloud users (second entry, differently cased)",
    input: lf(
      "links.yaml",
      text(
        "links.yaml",
        (c) =>
          `${adamYaml(c)}  - onPremises: { samAccountName: ${c.adamSam.toUpperCase()} }\n    cloud: { userPrincipalName: ${c.alvaCloudUpn} }\n`,
      ),
    ),
    error: invalidFile(
      /entries\[1\]\.onPremises: the AD user samAccountName "[^"]+" is already linked by entries\[0\] \(line 3\)/,
    ),
    problems: ["LINK_CONFLICT_AD"],
  },
  {
    id: "lf-csv-same-cloud-user-twice",
    title: "CSV: two AD users taking over one cloud user",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName",
          `${c.adamSam},${c.adamCloudUpn}`,
          `${c.alvaSam},${c.adamCloudUpn.toUpperCase()}`,
        ),
      ),
    ),
    error: invalidFile(
      /links\.csv:3: entries\[1\]\.cloud \(column CloudUserPrincipalName\): the cloud user userPrincipalName/,
    ),
    problems: ["LINK_CONFLICT_CLOUD"],
  },
  {
    id: "lf-csv-filter-injection",
    title: "CSV: an LDAP filter injection in SamAccountName",
    input: lf(
      "links.csv",
      text("links.csv", (c) => csv("SamAccountName,CloudUserPrincipalName", `"a)(|(cn=*",${c.adamCloudUpn}`)),
    ),
    error: invalidFile(/entries\[0\]\.onPremises\.samAccountName \(column SamAccountName\)/),
    problems: ["SAM_ACCOUNT_NAME_INVALID_CHARACTER"],
  },
  {
    id: "lf-csv-formula",
    title: "CSV: a spreadsheet formula (=1+2) as SamAccountName",
    input: lf(
      "links.csv",
      text("links.csv", (c) => csv("SamAccountName,CloudUserPrincipalName", `=1+2,${c.adamCloudUpn}`)),
    ),
    error: invalidFile(/entries\[0\]\.onPremises\.samAccountName \(column SamAccountName\)/),
    problems: ["SAM_ACCOUNT_NAME_INVALID_CHARACTER"],
  },
  {
    id: "lf-csv-reason-line-break",
    title: "CSV: a quoted Reason with a line break and a heading",
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName,Reason",
          `${c.adamSam},${c.adamCloudUpn},"CHG-1\n# Approved"`,
        ),
      ),
    ),
    error: invalidFile(
      /links\.csv:2: entries\[0\]\.reason \(column Reason\): reason contains a control character/,
    ),
    problems: ["INPUT_CONTROL_CHARACTER"],
  },
  {
    id: "lf-csv-optin-yes",
    title: 'CSV: AllowPrivilegedCloudUser "yes" (must not count as an opt-in)',
    input: lf(
      "links.csv",
      text("links.csv", (c) =>
        csv(
          "SamAccountName,CloudUserPrincipalName,AllowPrivilegedCloudUser",
          `${c.adamSam},${c.adamCloudUpn},yes`,
        ),
      ),
    ),
    error: invalidFile(
      /entries\[0\]\.allowPrivilegedCloudUser \(column AllowPrivilegedCloudUser\): allowPrivilegedCloudUser must be true or false\./,
    ),
    problems: ["INPUT_NOT_A_BOOLEAN"],
  },
  {
    id: "lf-csv-bom-only",
    title: "CSV: only a byte order mark",
    input: lf(
      "links.csv",
      text("links.csv", () => "\uFEFF"),
    ),
    error: invalidFile(/links\.csv:1: no header row/),
    problems: ["LINKS_FILE_EMPTY"],
  },
  {
    id: "lf-yaml-top-level-list",
    title: "YAML: a top-level list instead of a mapping",
    input: lf(
      "links.yaml",
      text("links.yaml", (c) => `- onPremises: { samAccountName: ${c.adamSam} }\n`),
    ),
    error: invalidFile(/the top level must be a mapping with `entries:`/),
    problems: ["LINKS_FILE_NOT_A_MAPPING"],
  },
];
