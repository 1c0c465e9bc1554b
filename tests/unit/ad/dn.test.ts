/**
 * Strict DN parsing for selectors and allow-lists: control characters (raw or escaped), lone
 * surrogates and anything that does not survive parse → format → parse are refused with a code,
 * so a DN can never be cut short by the server and select the entry before it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalDn, dnEquals, isDnUnder, parseDn } from "../../../provider/core/ldap-escape";
import { InvalidInputError } from "../../../provider/errors";

function refused(fn: () => unknown, code: string, property = "dn"): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.property, property);
    assert.match(err.message, /is not a valid distinguished name/);
    return true;
  });
}

describe("control characters in a DN", () => {
  const cases: [string, string][] = [
    ["CN=Alice\\00x,OU=Staff,DC=corp,DC=local", "U+0000"],
    ["CN=Alice\\0ax,OU=Staff,DC=corp,DC=local", "U+000A"],
    ["CN=Alice\\0Dx,OU=Staff,DC=corp,DC=local", "U+000D"],
    ["CN=Alice\\1f,OU=Staff,DC=corp,DC=local", "U+001F"],
    ["CN=Alice\\7f,OU=Staff,DC=corp,DC=local", "U+007F"],
    ["CN=Alice\nx,OU=Staff,DC=corp,DC=local", "U+000A"],
    ["CN=Alice\tx,OU=Staff,DC=corp,DC=local", "U+0009"],
    ["CN=Alice,OU=Sta\\00ff,DC=corp,DC=local", "U+0000"],
  ];
  for (const [dn, shown] of cases) {
    it(`${JSON.stringify(dn)} is refused (${shown})`, () => {
      refused(() => parseDn(dn), "DN_CONTROL_CHARACTER");
      refused(
        () => canonicalDn(dn, "onPremises.distinguishedName"),
        "DN_CONTROL_CHARACTER",
        "onPremises.distinguishedName",
      );
      assert.throws(() => parseDn(dn), new RegExp(shown.replace("+", "\\+")));
    });
  }
  it("a raw NUL is refused too", () => {
    refused(() => parseDn("CN=Alice\u0000x,DC=corp,DC=local"), "DN_MALFORMED");
  });
  it("an allow-list check on such a DN throws (callers treat it as not allowed)", () => {
    refused(
      () => isDnUnder("CN=Alice\\00,OU=Staff,DC=corp,DC=local", "OU=Staff,DC=corp,DC=local"),
      "DN_CONTROL_CHARACTER",
    );
  });
});

describe("canonicalDn", () => {
  it("gives one escaping for equivalent spellings", () => {
    assert.equal(
      canonicalDn("cn = O'Brien\\2c Siobh\\c3\\a1n , ou=Staff,DC=corp,DC=local"),
      "cn=O'Brien\\, Siobhán,ou=Staff,DC=corp,DC=local",
    );
    assert.equal(canonicalDn("CN=\\ lead\\ ,DC=x"), "CN=\\ lead\\ ,DC=x");
    assert.equal(canonicalDn("CN=a\\+b+UID=c,DC=x"), "CN=a\\+b+UID=c,DC=x");
    assert.ok(dnEquals(canonicalDn("CN=x\\3dy,DC=x"), "cn=X\\=Y,dc=X"));
  });
  it("keeps a character beyond U+FFFF whole, raw or escaped (not two U+FFFD)", () => {
    const raw = "CN=Ana \u{1F600} Li,OU=Staff,DC=corp,DC=local";
    const escaped = "CN=Ana \\f0\\9f\\98\\80 Li,OU=Staff,DC=corp,DC=local";
    assert.equal(parseDn(raw)[0]![0]!.value, "Ana \u{1F600} Li");
    assert.equal(parseDn(escaped)[0]![0]!.value, "Ana \u{1F600} Li");
    assert.ok(dnEquals(raw, escaped));
    assert.ok(!dnEquals(raw, "CN=Ana \u{1F601} Li,OU=Staff,DC=corp,DC=local"));
    assert.equal(canonicalDn(canonicalDn(raw)), canonicalDn(raw));
  });

  it("refuses a lone surrogate (UTF-8 would turn it into U+FFFD, another DN)", () => {
    refused(() => canonicalDn("CN=\uD800x,DC=corp,DC=local"), "DN_MALFORMED");
  });
  it("refuses malformed DNs with their codes", () => {
    refused(() => canonicalDn(""), "DN_EMPTY");
    refused(() => canonicalDn("CN=a,,DC=x"), "DN_MALFORMED");
    refused(() => canonicalDn("CN=a\\zz,DC=x"), "DN_INVALID_ESCAPE");
    refused(() => canonicalDn("CN=#04,DC=x"), "DN_UNSUPPORTED_VALUE");
    refused(() => canonicalDn("CN=,DC=x"), "DN_EMPTY_VALUE");
  });
  it("quotes a huge DN only in part", () => {
    const dn = `CN=${"a".repeat(5000)}\\00`;
    assert.throws(
      () => canonicalDn(dn),
      (err: Error) => err.message.length < 600 && err.message.includes("…"),
    );
  });
});
