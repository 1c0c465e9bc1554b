/** The `ad-entra-link` CLI as users run it: a separate node process on the built main.js. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

// dist/tests/unit -> dist/provider/cli/main.js
const MAIN = path.resolve(__dirname, "..", "..", "provider", "cli", "main.js");

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VECTOR_1_TEXT = [
  "GUID                12345678-9abc-def0-1234-56789abcdef0",
  "ImmutableId         eFY0Erya8N4SNFZ4mrze8A==",
  "Hex (stored order)  78563412bc9af0de123456789abcdef0",
  "LDAP filter value   \\78\\56\\34\\12\\bc\\9a\\f0\\de\\12\\34\\56\\78\\9a\\bc\\de\\f0",
  "Connector-space DN  CN={6546593045727961384E34534E465A346D727A6538413D3D}",
].join("\n");

const USAGE = [
  "Usage:",
  "  ad-entra-link immutable-id <value> [--json]",
  "      Convert an anchor between GUID, ImmutableId, hex, LDAP filter and connector-space DN forms.",
  "  ad-entra-link discover [--search-base <dn>]... [--out <file>] [--report <prefix>] [--force]",
  "      Propose links between AD and Entra ID users with evidence; write a links file and a report.",
  "  ad-entra-link status (--stack <name> | --state <export.json>) [--json]",
  "      Per link: sync state, the join that happened, duplicates, provisioning errors (read-only).",
  "  ad-entra-link state (--stack <name> | --state <export.json>) [--link <name>]",
  "      Print what each link recorded in state (stored deflated), decoded, as JSON (read-only).",
  "",
  "Run `ad-entra-link <command> --help` for a command's options.",
  "",
].join("\n");

describe("ad-entra-link immutable-id", () => {
  const inputs = [
    ["12345678-9abc-def0-1234-56789abcdef0", "GUID"],
    ["{12345678-9ABC-DEF0-1234-56789ABCDEF0}", "GUID"],
    ["eFY0Erya8N4SNFZ4mrze8A==", "ImmutableId (Base64)"],
    ["78 56 34 12 BC 9A F0 DE 12 34 56 78 9A BC DE F0", "octet string (hex, stored byte order)"],
    ["\\78\\56\\34\\12\\bc\\9a\\f0\\de\\12\\34\\56\\78\\9a\\bc\\de\\f0", "LDAP filter value (escaped bytes)"],
    ["CN={6546593045727961384E34534E465A346D727A6538413D3D}", "connector-space DN"],
  ] as const;
  for (const [input, readAs] of inputs) {
    it(`prints every form of vector 1 from ${JSON.stringify(input)}`, () => {
      const r = run("immutable-id", input);
      assert.equal(r.stderr, "");
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `Input read as       ${readAs}\n${VECTOR_1_TEXT}\n`);
    });
  }

  it("--json prints the same forms as JSON", () => {
    const r = run("immutable-id", "--json", "12345678-9abc-def0-1234-56789abcdef0");
    assert.equal(r.status, 0);
    assert.equal(
      r.stdout,
      `${JSON.stringify(
        {
          inputForm: "guid",
          guid: "12345678-9abc-def0-1234-56789abcdef0",
          immutableId: "eFY0Erya8N4SNFZ4mrze8A==",
          hex: "78563412bc9af0de123456789abcdef0",
          ldapFilterValue: "\\78\\56\\34\\12\\bc\\9a\\f0\\de\\12\\34\\56\\78\\9a\\bc\\de\\f0",
          connectorSpaceDn: "CN={6546593045727961384E34534E465A346D727A6538413D3D}",
        },
        null,
        2,
      )}\n`,
    );
  });

  it("--help exits 0", () => {
    const r = run("immutable-id", "--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: ad-entra-link immutable-id <value> \[--json\]\n/);
  });

  const bad = [
    [
      "bAr_a1Wci02i5Ds_PA8dLg==",
      /uses the Base64url alphabet .* Use "bAr\/a1Wci02i5Ds\/PA8dLg==" if the bytes are right\./,
    ],
    ["12345678-9abc-def01234-56789abcdef0", /"12345678-9abc-def01234-56789abcdef0" is not a GUID/],
    ["MTIzNDU2NzgtOWFiYy1kZWYwLTEyMzQtNTY3ODlhYmNkZWYw", /Base64 of the text .* is eFY0Erya8N4SNFZ4mrze8A==/],
    ["78563412bc9af0de", /has 16 hex digits; the octet string of a GUID has exactly 32/],
    ["hello", /is not standard Base64/],
  ] as const;
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)} with exit code 2`, () => {
      const r = run("immutable-id", input);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^ad-entra-link immutable-id: /);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\nUsage: ad-entra-link immutable-id <value> \[--json\]\n$/);
    });
  }

  it("rejects a missing value, two values and unknown options with exit code 2", () => {
    for (const args of [[], ["a", "b"], ["--yaml", "eFY0Erya8N4SNFZ4mrze8A=="]]) {
      const r = run("immutable-id", ...args);
      assert.equal(r.status, 2, JSON.stringify(args));
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        /^ad-entra-link immutable-id: (expected exactly one value|unknown option --yaml)/,
      );
    }
  });
});

describe("ad-entra-link dispatch", () => {
  it("an unknown command prints the usage and exits 2", () => {
    const r = run("frobnicate");
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `ad-entra-link: unknown command "frobnicate".\n${USAGE}`);
  });
  it("no command prints the usage and exits 2", () => {
    const r = run();
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `ad-entra-link: missing command.\n${USAGE}`);
  });
  it("--help prints the usage and exits 0", () => {
    const r = run("--help");
    assert.equal(r.status, 0);
    assert.equal(r.stdout, USAGE);
  });
  it("main.js starts with the shebang the npm bin needs", () => {
    assert.ok(fs.readFileSync(MAIN, "utf8").startsWith("#!/usr/bin/env node\n"));
  });
  it("running immutable-id loads neither Pulumi nor a directory client", () => {
    // Prints the modules loaded after the command ran; none may come from these packages.
    const probe = `
      const { main } = require(${JSON.stringify(MAIN)});
      main(["immutable-id", "eFY0Erya8N4SNFZ4mrze8A=="], { stdout() {}, stderr() {} }).then((code) => {
        const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@pulumi|ldapts|@azure|@microsoft)/.test(f));
        process.stdout.write(JSON.stringify({ code, loaded }));
      });`;
    const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.stderr, "");
    assert.deepEqual(JSON.parse(r.stdout), { code: 0, loaded: [] });
  });
});
