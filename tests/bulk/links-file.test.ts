/**
 * Links files (provider/links): a deliberately broken links.yaml and links.csv report every problem
 * at once with exact line and field (hostile files: tests/unit/links and tests/safety/links-*); valid files (the root links.yaml, a Get-ADUser CSV export)
 * become the same declarations; what discover writes reads back unchanged.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import {
  formatProblem,
  type LinksFileInvalidError,
  loadLinksFile,
  parseCsv,
  parseLinksText,
  renderLinksYaml,
} from "../../provider/links";
import { REPO_ROOT } from "../support/pulumi";

const FIXTURES = path.join(REPO_ROOT, "tests", "bulk", "fixtures");

function problemsOf(fn: () => unknown): { line: number; path: string; code: string; text: string }[] {
  try {
    fn();
  } catch (err) {
    const e = err as LinksFileInvalidError;
    assert.equal(e.name, "InvalidInputError");
    assert.equal(e.code, "LINKS_FILE_INVALID");
    assert.ok(e.message.includes(`has ${e.problems.length} problem`), e.message);
    for (const p of e.problems)
      assert.ok(e.message.includes(formatProblem(p)), `message lists ${formatProblem(p)}`);
    return e.problems.map((p) => ({ line: p.line, path: p.path, code: p.code, text: formatProblem(p) }));
  }
  assert.fail("expected the links file to be rejected");
}

/** The problems of a fixture file loaded as the root program loads `displayName`. */
function fixtureProblems(file: string, displayName: string) {
  return problemsOf(() => loadLinksFile(path.join(FIXTURES, file), { displayName, projectDir: REPO_ROOT }));
}

/** One of the problem lines starts with `start`. */
function assertSomeStartsWith(text: readonly string[], start: string): void {
  assert.ok(
    text.some((t) => t.startsWith(start)),
    `a problem line starts with ${start}`,
  );
}

/** Where a problem is: line, path and code (its text is asserted separately). */
const where = ({ line, path: p, code }: { line: number; path: string; code: string }) => ({
  line,
  path: p,
  code,
});

test("a broken links.yaml reports every problem with its line and field", () => {
  const problems = fixtureProblems("broken-links.yaml", "links.yaml");
  assert.deepEqual(problems.map(where), [
    { line: 3, path: "defaults.match", code: "INPUT_NOT_ALLOWED" },
    { line: 4, path: "defaults.reason", code: "DEFAULTS_UNKNOWN_KEY" },
    { line: 9, path: "entries[1]", code: "LINK_DUPLICATE" },
    { line: 14, path: "entries[2].cloud.userPrincipalName", code: "UPN_WHITESPACE" },
    { line: 15, path: "entries[2].colour", code: "ENTRY_UNKNOWN_KEY" },
    { line: 17, path: "entries[3].cloud", code: "LINK_CONFLICT_CLOUD" },
    { line: 21, path: "entries[4].cloud.id", code: "GUID_INVALID_FORMAT" },
    { line: 23, path: "entries[4].writeConsistencyGuid", code: "INPUT_CONTRADICTORY" },
    { line: 24, path: "entries[5].name", code: "LINK_NAME_DUPLICATE" },
    { line: 27, path: "entries[6].onPremises", code: "SELECTOR_MULTIPLE" },
    { line: 31, path: "entries[6].allowPrivilegedCloudUser", code: "INPUT_NOT_A_BOOLEAN" },
    { line: 32, path: "entries[7].onPremises", code: "LINK_CONFLICT_AD" },
  ]);
  const text = problems.map((p) => p.text);
  assert.ok(
    text.includes('links.yaml:3: defaults.match: match must be one of "soft", "hard" (got "gentle").'),
  );
  assertSomeStartsWith(text, "links.yaml:9: entries[1]: duplicate of entries[0] (line 6)");
  assertSomeStartsWith(
    text,
    'links.yaml:17: entries[3].cloud: the cloud user userPrincipalName "ADAM.Anderson@contoso.com" is already claimed by entries[0] (line 6)',
  );
  assertSomeStartsWith(
    text,
    'links.yaml:32: entries[7].onPremises: the AD user samAccountName "aanderson" is already linked by entries[0] (line 6)',
  );
});

test("a broken links.csv reports every problem with its line, field and column", () => {
  const problems = fixtureProblems("broken-links.csv", "links.csv");
  assert.deepEqual(problems.map(where), [
    { line: 2, path: "defaults.onDelete", code: "INPUT_NOT_ALLOWED" },
    { line: 3, path: 'column 6 "Department"', code: "CSV_UNKNOWN_COLUMN" },
    // Get-ADUser's own UPN next to the sAMAccountName: two AD user columns may name two users.
    {
      line: 4,
      path: "entries[0].onPremises (columns SamAccountName, UserPrincipalName)",
      code: "CSV_AD_COLUMNS_CONFLICT",
    },
    {
      line: 5,
      path: "entries[1].onPremises (columns SamAccountName, UserPrincipalName)",
      code: "CSV_AD_COLUMNS_CONFLICT",
    },
    { line: 5, path: "entries[1].reason (column Reason)", code: "INPUT_CONTROL_CHARACTER" },
    {
      line: 8,
      path: "entries[3].cloud.userPrincipalName (column CloudUserPrincipalName)",
      code: "UPN_WHITESPACE",
    },
    { line: 9, path: "", code: "CSV_SYNTAX" },
    { line: 9, path: "entries[4]", code: "CSV_FIELD_COUNT" },
    { line: 9, path: "entries[4].cloud (column CloudUserPrincipalName)", code: "LINK_CONFLICT_CLOUD" },
    {
      line: 10,
      path: "entries[5].onPremises (column SamAccountName/UserPrincipalName)",
      code: "SELECTOR_MISSING",
    },
  ]);
  const text = problems.map((p) => p.text);
  assert.ok(
    text.includes(
      "links.csv:9: entries[4]: has 7 fields, the header has 6; quote values that contain commas.",
    ),
  );
  assertSomeStartsWith(
    text,
    "links.csv:4: entries[0].onPremises (columns SamAccountName, UserPrincipalName): the row fills 2 AD user columns",
  );
  // The same AD user in two rows is still found across rows.
  const conflict = problemsOf(() =>
    parseLinksText(
      "SamAccountName,CloudUserPrincipalName\naanderson,adam.anderson@contoso.com\nAANDERSON,chen.li@contoso.com\n",
      "links.csv",
      "csv",
    ),
  );
  assert.deepEqual(
    conflict.map((p) => [p.line, p.path, p.code]),
    [[3, "entries[1].onPremises (column SamAccountName)", "LINK_CONFLICT_AD"]],
  );
});

test("YAML syntax errors and structural mistakes are reported with their lines", () => {
  const dup = problemsOf(() => parseLinksText("version: 1\nentries: []\nentries: []\n", "l.yaml", "yaml"));
  assert.deepEqual(
    dup.map((p) => [p.line, p.code]),
    [[3, "YAML_DUPLICATE_KEY"]],
  );
  const shape = problemsOf(() =>
    parseLinksText("version: 2\nlinks:\n  - a\nentries:\n  - just-a-string\n", "l.yaml", "yaml"),
  );
  assert.deepEqual(
    shape.map((p) => [p.line, p.path, p.code]),
    [
      [1, "version", "LINKS_FILE_VERSION"],
      [2, "links", "LINKS_FILE_UNKNOWN_KEY"],
      [5, "entries[0]", "ENTRY_NOT_A_MAPPING"],
    ],
  );
  assert.deepEqual(
    problemsOf(() => parseLinksText("", "l.yaml", "yaml")).map((p) => p.code),
    ["LINKS_FILE_EMPTY"],
  );
});

test("the committed root links.yaml declares the seed scenario's four links", () => {
  const file = loadLinksFile("links.yaml", { projectDir: REPO_ROOT });
  assert.deepEqual(
    file.entries.map((e) => [
      e.name,
      e.args.onPremises.samAccountName,
      e.args.cloud.userPrincipalName,
      e.args.match,
    ]),
    [
      ["adam-anderson", "aanderson", "adam.anderson@contoso.com", "soft"],
      ["alva-wood", "awood", "alva.wood@contoso.com", "soft"],
      ["bruno-costa", "bcosta", "bruno.costa@contoso.com", "hard"],
      ["chen-li", "cli", "chen.li@contoso.com", "hard"],
    ],
  );
  assert.deepEqual(file.defaults, { match: "soft", sourceAnchor: "auto", onDelete: "retain" });
  assert.equal(file.entries[2]!.args.reason, "CHG-1042: Bruno has no Exchange Online mailbox");
  assert.equal(file.entries[3]!.line, 30);
});

test("a Get-ADUser export (BOM, #TYPE line, CRLF, all fields quoted) becomes links", () => {
  const csv =
    "\uFEFF#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n" +
    "# defaults: match=hard; writeConsistencyGuid=true\r\n" +
    '"SamAccountName","ObjectGUID","UserPrincipalName","CloudUserPrincipalName","Match","Reason","AdditionalProxyAddresses"\r\n' +
    '"mkt01","","","ava.hart01@contoso.com","soft","",""\r\n' +
    '"","{1B7A3C1E-8F4D-4C3A-9A2B-5E6F7D8C9B0A}","","ben.hart02@contoso.com","","CHG-7, ""approved""","smtp:ben@contoso.com;smtp:b.hart@contoso.com"\r\n' +
    "0123,,,cleo.hart03@contoso.com,soft,,\r\n";
  const file = parseLinksText(csv, "links.csv", "csv");
  assert.equal(file.format, "csv");
  assert.deepEqual(file.defaults, { match: "hard", writeConsistencyGuid: true });
  const [a, b, c] = file.entries;
  assert.deepEqual(
    [a!.name, a!.line, a!.args.onPremises, a!.args.match],
    ["mkt01", 4, { samAccountName: "mkt01" }, "soft"],
  );
  // One AD user column per row (here ObjectGUID); the default match applies.
  assert.deepEqual(b!.args.onPremises, { objectGuid: "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a" });
  assert.equal(b!.name, "guid-1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a");
  assert.equal(b!.args.match, "hard");
  assert.equal(b!.args.writeConsistencyGuid, true);
  assert.equal(b!.args.reason, 'CHG-7, "approved"');
  assert.deepEqual(b!.args.additionalProxyAddresses, ["smtp:ben@contoso.com", "smtp:b.hart@contoso.com"]);
  assert.deepEqual([c!.line, c!.args.onPremises], [6, { samAccountName: "0123" }]);
});

test("the CSV reader keeps line numbers across quoted line breaks", () => {
  const { records, problems } = parseCsv('a,b\n"x\ny",z\r\n"p""q",\n\nlast,"open\n', 1);
  assert.deepEqual(
    records.map((r) => [r.line, r.fields]),
    [
      [1, ["a", "b"]],
      [2, ["x\ny", "z"]],
      [4, ['p"q', ""]],
      [6, ["last", "open\n"]],
    ],
  );
  assert.deepEqual(problems, [{ line: 6, message: 'a quoted field is never closed (missing closing ").' }]);
});

test("what discover writes reads back as the same links (numbers stay strings)", () => {
  const text = renderLinksYaml(
    [
      {
        name: "ava-hart01",
        args: {
          onPremises: { samAccountName: "0042" },
          cloud: { userPrincipalName: "ava.hart01@contoso.com" },
        },
        comment: ["confidence 0.961: same employeeId (M2001)"],
      },
      {
        name: "ben-hart02",
        args: {
          onPremises: { samAccountName: "mkt02" },
          cloud: { id: "c0ffee00-0000-4000-8000-000000000002" },
        },
      },
    ],
    { header: ["Proposed by discover"], defaults: { match: "soft", onDelete: "retain" } },
  );
  assert.match(text, /^# Proposed by discover\n/);
  assert.match(text, /# confidence 0\.961: same employeeId \(M2001\)\n {2}- name: ava-hart01/);
  const file = parseLinksText(text, "links.yaml", "yaml");
  assert.deepEqual(
    file.entries.map((e) => [e.name, e.args.onPremises, e.args.cloud, e.args.match, e.args.onDelete]),
    [
      [
        "ava-hart01",
        { samAccountName: "0042" },
        { userPrincipalName: "ava.hart01@contoso.com" },
        "soft",
        "retain",
      ],
      [
        "ben-hart02",
        { samAccountName: "mkt02" },
        { id: "c0ffee00-0000-4000-8000-000000000002" },
        "soft",
        "retain",
      ],
    ],
  );
});

test("unknown extensions and missing files are configuration errors naming the file", () => {
  assert.throws(() => loadLinksFile("links.json"), { name: "ConfigurationError", code: "LINKS_FILE_FORMAT" });
  assert.throws(
    () =>
      loadLinksFile(path.join(FIXTURES, "absent.yaml"), {
        displayName: "absent.yaml",
        projectDir: REPO_ROOT,
      }),
    (err: Error) => {
      assert.equal(err.name, "ConfigurationError");
      assert.match(err.message, /"absent\.yaml" cannot be read \(ENOENT\)/);
      return true;
    },
  );
  assert.ok(fs.existsSync(path.join(FIXTURES, "broken-links.yaml")));
});
