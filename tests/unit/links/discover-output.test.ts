/**
 * What `discover` writes when the directories hold hostile text: the Markdown report shows it and
 * never interprets it; the links file holds only entries its own loader accepts, inside the allowed
 * search bases; no output is written through a symbolic link. Also: the CLI modules import no cycle.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { createDiscoverCommand, outputRefusal, writeOutput } from "../../../provider/cli/discover";
import { guidToBytes } from "../../../provider/core/guid";
import { type DiscoveryAdUser, type DiscoveryCloudUser, proposeLinks } from "../../../provider/discover";
import {
  md,
  partitionProposals,
  renderDiscoveredLinks,
  renderMarkdownReport,
  type RunSummary,
} from "../../../provider/discover/output";
import { parseLinksText } from "../../../provider/links";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-unit-discover-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** An AD user and its cloud twin with strong evidence (employeeId, primary SMTP): predicted to join. */
function pair(o: { display: string; sam: string; cn?: string; ou?: string; cloudUpn?: string }): {
  ad: DiscoveryAdUser;
  cloud: DiscoveryCloudUser;
} {
  n++;
  const guid = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  const mail = `${o.sam}@contoso.com`;
  return {
    ad: {
      dn: `CN=${o.cn ?? o.sam},${o.ou ?? "OU=Staff"},DC=corp,DC=local`,
      objectGuid: guid,
      objectGuidBytes: guidToBytes(guid),
      sAMAccountName: o.sam,
      userPrincipalName: mail,
      proxyAddresses: [`SMTP:${mail}`],
      displayName: o.display,
      givenName: "G",
      sn: `S${n}`,
      mail,
      employeeID: `E${n}`,
    },
    cloud: {
      id: `10000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      userPrincipalName: o.cloudUpn ?? mail,
      displayName: o.display,
      givenName: "G",
      surname: `S${n}`,
      mail,
      mailNickname: o.sam,
      proxyAddresses: [`SMTP:${mail}`],
      employeeId: `E${n}`,
      userType: "Member",
      onPremisesImmutableId: null,
      onPremisesSyncEnabled: null,
    },
  };
}

function runOf(pairs: ReturnType<typeof pair>[], allowedSearchBases?: string[]): RunSummary {
  const result = proposeLinks(
    pairs.map((p) => p.ad),
    pairs.map((p) => p.cloud),
  );
  return {
    result,
    searchBases: ["OU=Staff,DC=corp,DC=local"],
    tenantId: "t`<b>",
    startedAt: "2026-01-01T00:00:00.000Z",
    notes: ["a note\n# not a heading"],
    ...(allowedSearchBases !== undefined ? { allowedSearchBases } : {}),
  };
}

test("md() shows directory text and never lets Markdown or HTML act on it", () => {
  assert.equal(md("<script>alert(1)</script>"), "&lt;script&gt;alert\\(1\\)&lt;/script&gt;");
  assert.equal(md("[x](javascript:alert(1))"), "\\[x\\]\\(javascript\\:alert\\(1\\)\\)");
  assert.equal(md("a|b`c`*d*_e_~f~"), "a\\|b\\`c\\`\\*d\\*\\_e\\_\\~f\\~");
  assert.equal(md("x\r# h\n## h2\u2028y"), "x\\\\u000d\\# h\\\\u000a\\#\\# h2\\\\u2028y");
  assert.equal(md("admin\u202egnp.exe"), "admin\\\\u202egnp.exe");
  assert.equal(md("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
  assert.equal(md(null), "");
});

test("the Markdown report: hostile names stay inside their table cell, no heading, link or HTML is injected", () => {
  const run = runOf([
    pair({ display: "Ada <script>alert(1)</script>", sam: "ada" }),
    pair({ display: "x\r# Injected heading", sam: "bob", cn: "Bob | `code`" }),
    pair({ display: "[click](javascript:alert(1))", sam: "cat" }),
    pair({ display: "<img src=x onerror=alert(1)>", sam: "dan" }),
  ]);
  const report = renderMarkdownReport(run);
  assert.ok(!report.includes("<script"), "no raw HTML");
  assert.ok(!report.includes("<img"), "no raw HTML");
  assert.ok(!/\]\(javascript:/i.test(report), "no link");
  assert.ok(!report.includes("\r"), "no carriage return");
  const headings = report.split("\n").filter((l) => l.startsWith("#"));
  assert.deepEqual(headings, [
    "# ad-entra-link discover report",
    "## Proposed links (4)",
    "## Proposed, but not predicted to join (0)",
    "## Conflicts (0)",
    "## Unmatched AD users (0)",
    "## Unmatched cloud users (0)",
  ]);
  // Every table row of the proposals has exactly 8 unescaped cell separators.
  const rows = report.split("\n").filter((l) => /^\| [a-z0-9-]+ \| (ada|bob|cat|dan) \|/.test(l));
  assert.equal(rows.length, 4, report);
  for (const row of rows) assert.equal(row.replace(/\\\\/g, "").match(/(?<!\\)\|/g)?.length, 8, row);
  assert.ok(report.includes("tenant t\\`&lt;b&gt;"), "run facts are escaped too");
});

test("the links file holds only what its loader accepts; the rest is listed in the report", () => {
  const run = runOf(
    [
      pair({ display: "Ada", sam: "ada" }),
      // A cloud UPN the links file refuses (non-ASCII): predicted to join, but not written.
      pair({ display: "Dee", sam: "dee", cloudUpn: "d\u00e9e@contoso.com" }),
      // Outside the allowed search bases: the provider would refuse it.
      pair({ display: "Eve", sam: "eve", ou: "OU=Admins" }),
      // Two 120-character display names: names stay within 100 characters and unique.
      pair({ display: "L".repeat(120), sam: "long1" }),
      pair({ display: "L".repeat(120), sam: "long2" }),
      // A display name with a line break: the comment above the entry must stay a comment.
      pair({ display: "Fay\n  - name: injected\n    onPremises: { samAccountName: root }", sam: "fay" }),
    ],
    ["OU=Staff,DC=corp,DC=local"],
  );
  assert.equal(run.result.proposals.filter((p) => p.joins).length, 6);
  const { written, unwritten } = partitionProposals(run);
  assert.deepEqual(
    unwritten
      .map((u) => [u.proposal.ad.samAccountName, u.reasons.join(" ")])
      .map(([s, r]) => [s, /refuse/.test(r!)]),
    [
      ["dee", true],
      ["eve", true],
    ],
  );
  assert.match(unwritten[0]!.reasons[0]!, /\(UPN_NON_ASCII_CHARACTER\)/);
  assert.match(unwritten[1]!.reasons[0]!, /outside ad-entra-link:allowedSearchBases/);
  const text = renderDiscoveredLinks(run);
  const file = parseLinksText(text, "links.discovered.yaml", "yaml");
  assert.deepEqual(
    file.entries.map((e) => e.args.onPremises.samAccountName).sort(),
    written.map((p) => p.ad.samAccountName).sort(),
  );
  assert.deepEqual(file.entries.map((e) => e.args.onPremises.samAccountName).sort(), [
    "ada",
    "fay",
    "long1",
    "long2",
  ]);
  for (const e of file.entries)
    assert.ok(e.name.length <= 100 && /^[a-z0-9][a-z0-9-]*$/.test(e.name), e.name);
  assert.ok(!text.includes("\n  - name: injected"), "no injected entry");
  assert.ok(text.includes("Fay\\u000a  - name: injected"), "the line break is shown escaped in the comment");
  const report = renderMarkdownReport(run);
  assert.match(report, /## Predicted to join, but not written \(2\)/);
  assert.match(report, /- \*\*dee\*\*: the links file would refuse it \\\(UPN\\_NON\\_ASCII\\_CHARACTER\\\)/);
});

test("--out: a symbolic link (dangling or not) is never written through, even with --force", () => {
  const target = path.join(dir, "target.txt");
  const dangling = path.join(dir, "dangling.yaml");
  fs.symlinkSync(target, dangling);
  for (const force of [false, true])
    assert.match(
      outputRefusal(dangling, force) ?? "",
      /is a symbolic link; discover never writes through one/,
    );
  const existing = path.join(dir, "existing.yaml");
  fs.writeFileSync(existing, "reviewed\n");
  const toExisting = path.join(dir, "to-existing.yaml");
  fs.symlinkSync(existing, toExisting);
  assert.match(outputRefusal(toExisting, true) ?? "", /symbolic link/);
  assert.match(outputRefusal(existing, false) ?? "", /already exists; choose another name or pass --force/);
  assert.equal(outputRefusal(existing, true), undefined);
  assert.match(outputRefusal(dir, true) ?? "", /not a regular file/);
  assert.equal(outputRefusal(path.join(dir, "new.yaml"), false), undefined);

  // Race-safe too: a link that appears after the check is not followed.
  assert.throws(() => writeOutput(dangling, "x", false), /appeared \(EEXIST\)/);
  assert.throws(() => writeOutput(toExisting, "x", true), /appeared \(ELOOP\)/);
  assert.equal(fs.existsSync(target), false, "the dangling link's target was not created");
  assert.equal(fs.readFileSync(existing, "utf8"), "reviewed\n", "the linked file was not overwritten");
  writeOutput(path.join(dir, "new.yaml"), "new\n", false);
  assert.equal(fs.readFileSync(path.join(dir, "new.yaml"), "utf8"), "new\n");
});

test("discover refuses a dangling --out symlink and a --search-base outside the allowed bases, before reading anything", async () => {
  const cwd = fs.mkdtempSync(path.join(dir, "cli-"));
  fs.symlinkSync(path.join(cwd, "victim.sh"), path.join(cwd, "links.discovered.yaml"));
  let stderr = "";
  const io = {
    stdout: () => undefined,
    stderr: (t: string) => {
      stderr += t;
    },
  };
  const env = {
    AD_ENTRA_LINK_LDAP_URL: "ldaps://127.0.0.1:1",
    AD_ENTRA_LINK_LDAP_BIND_DN: "CN=svc,DC=corp,DC=local",
    AD_ENTRA_LINK_LDAP_BIND_PASSWORD: "Bind-Secret-123",
    AD_ENTRA_LINK_LDAP_BASE_DN: "OU=Staff,DC=corp,DC=local",
    AZURE_TENANT_ID: "00000000-0000-4000-8000-000000000001",
    AZURE_CLIENT_ID: "00000000-0000-4000-8000-000000000002",
    AZURE_CLIENT_SECRET: "client~secret~value",
  };
  const command = createDiscoverCommand({ env, cwd, progress: false });
  assert.equal(await command.run(["--force"], io), 2);
  assert.match(stderr, /links\.discovered\.yaml is a symbolic link; discover never writes through one/);
  assert.equal(fs.existsSync(path.join(cwd, "victim.sh")), false);

  stderr = "";
  fs.rmSync(path.join(cwd, "links.discovered.yaml"));
  const code = await command.run(["--search-base", "OU=Admins,DC=corp,DC=local\n# x"], io);
  assert.equal(code, 2, stderr);
  assert.match(
    stderr,
    /--search-base "OU=Admins,DC=corp,DC=local\\u000a# x" is not inside ad-entra-link:allowedSearchBases/,
  );
  for (const secret of ["Bind-Secret-123", "client~secret~value"]) assert.ok(!stderr.includes(secret));
  assert.deepEqual(fs.readdirSync(cwd), [], "nothing written");
});

test("CLI modules: commands are loaded by the registry and never import it back", () => {
  const cliDir = path.join(__dirname, "..", "..", "..", "provider", "cli");
  const importsOf = (file: string) =>
    [...fs.readFileSync(path.join(cliDir, file), "utf8").matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  for (const file of ["discover.js", "immutable-id.js"]) {
    assert.ok(!importsOf(file).includes("./commands"), `${file} imports ./commands`);
    assert.ok(!importsOf(file).includes("./main"), `${file} imports ./main`);
  }
  assert.deepEqual(importsOf("io.js"), [], "io imports nothing");
  assert.ok(!importsOf("commands.js").includes("./main"));
});
