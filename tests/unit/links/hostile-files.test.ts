/**
 * Links files as an attacker writes them, pure (no directory): what the loader accepts from disk,
 * the limits of its parsers, and that messages show at most a short escaped excerpt of the file.
 * The same refusals against the real DC and emulator: tests/safety/links-file-corpus.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { escapeExcerpt, excerpt, isPlainName, scrubMessage } from "../../../provider/links/excerpt";
import { MAX_LINKS_FILE_BYTES } from "../../../provider/links/limits";
import {
  formatProblem,
  type LinksFileInvalidError,
  loadLinksFile,
  parseLinksText,
} from "../../../provider/links";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "ael-unit-links-"));
const project = path.join(root, "project");
fs.mkdirSync(project);
after(() => fs.rmSync(root, { recursive: true, force: true }));

const VALID =
  "entries:\n  - onPremises: { samAccountName: aanderson }\n    cloud: { userPrincipalName: adam@contoso.com }\n";

function codesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    const e = err as LinksFileInvalidError;
    assert.equal(e.code, "LINKS_FILE_INVALID", e.message);
    return e.problems.map((p) => p.code);
  }
  assert.fail("expected a LinksFileInvalidError");
}

test("excerpts: escaped, at most 40 characters, labelled when cut", () => {
  assert.equal(excerpt("aanderson"), '"aanderson"');
  assert.equal(excerpt('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(excerpt("x\ny\u001b[2J\u202e"), '"x\\u000ay\\u001b[2J\\u202e"');
  assert.equal(excerpt("😀"), '"\\ud83d\\ude00"');
  assert.equal(excerpt("s".repeat(41)), `"${"s".repeat(40)}…" (excerpt of 41 characters)`);
  assert.deepEqual(escapeExcerpt("\n".repeat(20)), { text: "\\u000a".repeat(6), cut: true });
  assert.equal(isPlainName("SamAccountName"), true);
  assert.equal(isPlainName("Cloud User"), true);
  for (const bad of [
    "PULUMI_CONFIG_PASSPHRASE=x",
    "a\nb",
    "c2VjcmV0+/==",
    "x".repeat(41),
    "_x",
    "Sam\u202e",
    "",
  ])
    assert.equal(isPlainName(bad), false, bad);
});

test("scrubMessage cuts every long run of a value and escapes what is left", () => {
  const v = "S".repeat(3000);
  const m = scrubMessage(
    `samAccountName "${v} " has whitespace; got ${JSON.stringify(`${v}\n`).slice(0, 60)}`,
    [`${v} `, `${v}\n`],
  );
  assert.ok(!m.includes("S".repeat(41)), m);
  assert.match(m, /"S{40}… \(excerpt of 3001 characters\)" has whitespace/);
  assert.equal(scrubMessage("a\u202eb\nc — ok …", []), "a\\u202eb\\u000ac — ok …");
  assert.equal(scrubMessage("key k=secret-value is bad", [], ["k=secret-value"]), "key {key} is bad");
});

test("a regular file inside the project, directly or through a symlink inside it, is read", () => {
  fs.mkdirSync(path.join(project, "links"), { recursive: true });
  fs.writeFileSync(path.join(project, "links", "main.yaml"), VALID);
  fs.symlinkSync("links/main.yaml", path.join(project, "alias.yaml"));
  for (const name of [
    "links/main.yaml",
    "alias.yaml",
    "./links/../alias.yaml",
    path.join(project, "alias.yaml"),
  ]) {
    const file = loadLinksFile(name, { projectDir: project });
    assert.equal(file.entries.length, 1, name);
  }
  // The project folder itself may be reached through a symlink (e.g. /tmp -> /private/tmp).
  fs.symlinkSync(project, path.join(root, "project-link"));
  assert.equal(
    loadLinksFile("alias.yaml", { projectDir: path.join(root, "project-link") }).entries.length,
    1,
  );
});

test("anything but a regular file of the project is refused before it is read", () => {
  const refused = (name: string, code: string, projectDir = project) =>
    assert.throws(
      () => loadLinksFile(name, { projectDir }),
      (e: Error & { code?: string }) => e.name === "ConfigurationError" && e.code === code,
      name,
    );
  fs.symlinkSync("/proc/self/environ", path.join(project, "env.csv"));
  refused("env.csv", "LINKS_FILE_OUTSIDE_PROJECT");
  fs.symlinkSync("/dev/zero", path.join(project, "zero.yaml"));
  refused("zero.yaml", "LINKS_FILE_OUTSIDE_PROJECT");
  execFileSync("mkfifo", [path.join(project, "pipe.yaml")]);
  refused("pipe.yaml", "LINKS_FILE_NOT_REGULAR");
  fs.mkdirSync(path.join(project, "dir.yaml"));
  refused("dir.yaml", "LINKS_FILE_NOT_REGULAR");
  refused("../outside.yaml", "LINKS_FILE_OUTSIDE_PROJECT");
  // Even a project at / never reads kernel files (they report size 0 and hold the environment).
  refused("proc/self/environ.csv", "LINKS_FILE_UNREADABLE", "/");
  fs.symlinkSync("/proc/self/environ", path.join(project, "environ.yaml"));
  assert.throws(
    () => loadLinksFile(path.join(project, "environ.yaml"), { projectDir: "/" }),
    (e: Error & { code?: string }) =>
      e.code === "LINKS_FILE_NOT_REGULAR" && /kernel or device file/.test(e.message),
  );
});

test("the size limit holds at the byte, and is checked on text too", () => {
  fs.writeFileSync(
    path.join(project, "at-limit.yaml"),
    `${VALID}${"#".repeat(MAX_LINKS_FILE_BYTES - VALID.length - 1)}\n`,
  );
  assert.equal(loadLinksFile("at-limit.yaml", { projectDir: project }).entries.length, 1);
  fs.writeFileSync(path.join(project, "small-limit.yaml"), VALID);
  assert.throws(() => loadLinksFile("small-limit.yaml", { projectDir: project, maxBytes: 10 }), {
    code: "LINKS_FILE_TOO_LARGE",
  });
  assert.deepEqual(
    codesOf(() => parseLinksText("#".repeat(MAX_LINKS_FILE_BYTES + 1), "l.yaml", "yaml")),
    ["LINKS_FILE_TOO_LARGE"],
  );
});

test("YAML structure limits: depth, aliases, keys, entries; a valid file of 5,000 entries still loads", () => {
  assert.deepEqual(
    codesOf(() => parseLinksText(`entries: ${"[".repeat(30_000)}`, "l.yaml", "yaml")),
    ["LINKS_FILE_TOO_DEEP"],
  );
  assert.deepEqual(
    codesOf(() => parseLinksText(`entries:\n${"? ".repeat(30_000)}x\n`, "l.yaml", "yaml")),
    ["LINKS_FILE_TOO_DEEP"],
  );
  assert.deepEqual(
    codesOf(() => parseLinksText("a: &a [*a, *a]\nentries: *a\n", "l.yaml", "yaml")),
    ["LINKS_FILE_TOO_COMPLEX"],
  );
  const entries = Array.from(
    { length: 5000 },
    (_, i) =>
      `  - { onPremises: { samAccountName: u${i} }, cloud: { userPrincipalName: u${i}@contoso.com } }`,
  );
  const started = Date.now();
  assert.equal(parseLinksText(`entries:\n${entries.join("\n")}\n`, "l.yaml", "yaml").entries.length, 5000);
  assert.ok(Date.now() - started < 20_000, "5,000 entries load in reasonable time");
  // A harmless alias is still allowed.
  const withAlias = parseLinksText(
    "defaults: &d { match: soft }\nentries:\n  - onPremises: { samAccountName: a }\n    cloud: { userPrincipalName: a@contoso.com }\n    match: hard\n",
    "l.yaml",
    "yaml",
  );
  assert.equal(withAlias.entries[0]!.args.match, "hard");
});

test("CSV: disagreeing selector columns name the row and the columns; one column per row is fine", () => {
  const csv = (rows: string[]) => `${rows.join("\n")}\n`;
  assert.throws(
    () =>
      parseLinksText(
        csv([
          "SamAccountName,ObjectGUID,CloudUserPrincipalName,CloudId",
          "aanderson,,adam@contoso.com,",
          "awood,1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a,alva@contoso.com,0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01",
        ]),
        "links.csv",
        "csv",
      ),
    (e: LinksFileInvalidError) => {
      assert.deepEqual(
        e.problems.map((p) => formatProblem(p).split(":").slice(0, 3).join(":")),
        [
          "links.csv:3: entries[1].cloud (columns CloudUserPrincipalName, CloudId)",
          "links.csv:3: entries[1].onPremises (columns SamAccountName, ObjectGUID)",
        ],
      );
      assert.deepEqual(
        e.problems.map((p) => p.code),
        ["CSV_CLOUD_COLUMNS_CONFLICT", "CSV_AD_COLUMNS_CONFLICT"],
      );
      return true;
    },
  );
  const ok = parseLinksText(
    csv([
      "SamAccountName,ObjectGUID,CloudUserPrincipalName",
      "aanderson,,adam@contoso.com",
      ",1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a,alva@contoso.com",
    ]),
    "links.csv",
    "csv",
  );
  assert.deepEqual(
    ok.entries.map((e) => e.args.onPremises),
    [{ samAccountName: "aanderson" }, { objectGuid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a" }],
  );
});

test("YAML: more than one selector in onPremises or cloud is refused by the declaration rules", () => {
  const text =
    "entries:\n  - onPremises: { samAccountName: a, objectGuid: 1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a }\n" +
    "    cloud: { userPrincipalName: a@contoso.com, id: 0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01 }\n";
  assert.deepEqual(
    codesOf(() => parseLinksText(text, "l.yaml", "yaml")),
    ["SELECTOR_MULTIPLE", "SELECTOR_MULTIPLE"],
  );
});

test("CSV: an environment as a header is never printed; the problem list is capped", () => {
  const secret = "hunter2-passphrase-value";
  let message = "";
  assert.throws(
    () =>
      parseLinksText(
        `PULUMI_CONFIG_PASSPHRASE=${secret},${Array.from({ length: 60 }, (_, i) => `Extra${i}`).join(",")}\na\n`,
        "links.csv",
        "csv",
      ),
    (err: Error) => {
      message = err.message;
      return true;
    },
  );
  assert.ok(message.includes("column 1: unknown column (its header is not shown"), message);
  assert.ok(!message.includes(secret));
  assert.ok(!message.includes("PULUMI_CONFIG_PASSPHRASE"));
  const many = Array.from({ length: 300 }, (_, i) => `u${i},bad ${i}@contoso.com`).join("\n");
  assert.throws(
    () => parseLinksText(`SamAccountName,CloudUserPrincipalName\n${many}\n`, "links.csv", "csv"),
    (e: LinksFileInvalidError) => {
      assert.equal(e.problems.length, 300);
      assert.match(e.message, /has 300 problems;/);
      assert.match(e.message, /\n {2}… and 200 more problems \(not shown\)\.$/);
      assert.equal(e.message.split("\n").length, 1 + 100 + 1);
      return true;
    },
  );
});
