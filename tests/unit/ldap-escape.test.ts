/**
 * LDAP escaping and DN comparison. The injection cases are the point: a value chosen by whoever can
 * edit AD or the Pulumi program must never widen a filter or escape an allowed search base.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  dnEquals,
  escapeDnValue,
  escapeFilterValue,
  formatDn,
  isDnUnder,
  parseDn,
} from "../../provider/core";
import { assertCode } from "./assert-code";

describe("escapeFilterValue (RFC 4515)", () => {
  const cases = [
    ["alice", "alice"],
    ["*", "\\2a"],
    ["a*b(c)d\\e", "a\\2ab\\28c\\29d\\5ce"],
    ["x\u0000y", "x\\00y"],
    ["*)(objectClass=*", "\\2a\\29\\28objectClass=\\2a"],
    ["admin)(|(sAMAccountName=*", "admin\\29\\28|\\28sAMAccountName=\\2a"],
    ["Zoë Müller", "Zoë Müller"], // RFC 4515 allows raw UTF-8
    ["\\2a", "\\5c2a"], // an already-escaped-looking value is escaped again, not trusted
  ] as const;
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeFilterValue(input), expected);
    });
  }
  it("bytes are escaped byte by byte (objectGUID of vector 1)", () => {
    assert.equal(
      escapeFilterValue(Buffer.from("78563412bc9af0de123456789abcdef0", "hex")),
      "\\78\\56\\34\\12\\bc\\9a\\f0\\de\\12\\34\\56\\78\\9a\\bc\\de\\f0",
    );
    assert.equal(escapeFilterValue(Uint8Array.from([0x2a, 0x28, 0x00])), "\\2a\\28\\00");
  });
});

describe("escapeDnValue (RFC 4514)", () => {
  const cases = [
    ["Alice Smith", "Alice Smith"],
    ["Smith, Alice", "Smith\\, Alice"],
    ["a+b", "a\\+b"],
    ['say "hi"', 'say \\"hi\\"'],
    ["back\\slash", "back\\\\slash"],
    ["<x>;y=z", "\\<x\\>\\;y\\=z"],
    [" leading", "\\ leading"],
    ["trailing ", "trailing\\ "],
    ["#hash", "\\#hash"],
    ["mid#hash", "mid#hash"],
    [" ", "\\ "],
    ["nul\u0000", "nul\\00"],
    ["line\nbreak", "line\\0abreak"],
    ["x,OU=Admins", "x\\,OU\\=Admins"],
  ] as const;
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeDnValue(input), expected);
    });
  }
  it("an escaped value round-trips through parseDn as one component (control characters are refused there)", () => {
    for (const [input] of cases.filter(([i]) => !/[\u0000-\u001f]/.test(i))) {
      assert.deepEqual(parseDn(`CN=${escapeDnValue(input)},OU=Staff,DC=corp,DC=local`)[0], [
        { type: "CN", value: input },
      ]);
    }
  });
});

describe("parseDn", () => {
  it("splits RDNs and unescapes values", () => {
    assert.deepEqual(parseDn("CN=Smith\\, Alice,OU=Staff,DC=corp,DC=local"), [
      [{ type: "CN", value: "Smith, Alice" }],
      [{ type: "OU", value: "Staff" }],
      [{ type: "DC", value: "corp" }],
      [{ type: "DC", value: "local" }],
    ]);
  });
  it("handles hex escapes as UTF-8 and multi-valued RDNs", () => {
    assert.deepEqual(parseDn("CN=Ren\\c3\\a9+UID=rene,DC=corp"), [
      [
        { type: "CN", value: "René" },
        { type: "UID", value: "rene" },
      ],
      [{ type: "DC", value: "corp" }],
    ]);
  });
  it("tolerates spaces around separators but keeps escaped trailing spaces", () => {
    assert.deepEqual(parseDn("CN = a\\ , OU=Staff , DC=corp"), [
      [{ type: "CN", value: "a " }],
      [{ type: "OU", value: "Staff" }],
      [{ type: "DC", value: "corp" }],
    ]);
  });
  it("formatDn re-escapes", () => {
    assert.equal(formatDn(parseDn("CN=Smith\\2C Alice,OU=Staff")), "CN=Smith\\, Alice,OU=Staff");
  });
  const malformed = [
    ["", "DN_EMPTY"],
    ["   ", "DN_EMPTY"],
    ["OU=Staff,", "DN_MALFORMED"],
    [",OU=Staff", "DN_MALFORMED"],
    ["OU=Staff,,DC=corp", "DN_MALFORMED"],
    ["Staff", "DN_MALFORMED"],
    ["OU=", "DN_EMPTY_VALUE"],
    ["OU=Staff,DC=", "DN_EMPTY_VALUE"],
    ["1OU=Staff", "DN_MALFORMED"],
    ["OU=Staff;DC=corp", "DN_MALFORMED"],
    ['CN="quoted",DC=corp', "DN_UNSUPPORTED_VALUE"],
    ["CN=#04024869,DC=corp", "DN_UNSUPPORTED_VALUE"],
    ["CN=a\\q,DC=corp", "DN_INVALID_ESCAPE"],
    ["CN=a\\", "DN_INVALID_ESCAPE"],
    ["CN=\\ff\\fe,DC=corp", "DN_INVALID_ESCAPE"],
    ["CN=a<b,DC=corp", "DN_MALFORMED"],
  ] as const;
  for (const [input, code] of malformed) {
    it(`rejects ${JSON.stringify(input)} with ${code}`, () => {
      assertCode(() => parseDn(input), code);
    });
  }
});

describe("isDnUnder (allowed search bases)", () => {
  const base = "OU=Staff,DC=corp,DC=local";
  const cases = [
    ["CN=x,OU=Staff,DC=corp,DC=local", true],
    ["CN=x,OU=Team,OU=Staff,DC=corp,DC=local", true],
    ["cn=x,ou=staff,dc=CORP,dc=Local", true], // AD compares case-insensitively
    ["CN=x, OU=Staff, DC=corp, DC=local", true],
    ["CN=x,2.5.4.11=Staff,DC=corp,DC=local", true], // OID form of OU
    ["OU=Staff,DC=corp,DC=local", true], // the base itself (subtree scope)
    ["CN=x,OU=Staff2,DC=corp,DC=local", false],
    ["CN=x,OU=Staff,DC=corp,DC=local2", false],
    ["CN=x,OU=Admins,DC=corp,DC=local", false],
    ["DC=corp,DC=local", false],
    ["CN=x,OU=Staff,DC=corp", false],
    // Injection: one CN whose value contains ",OU=Staff"; a string suffix test would accept it.
    ["CN=evil\\,OU=Staff,DC=corp,DC=local", false],
    ["CN=evil\\2COU=Staff,DC=corp,DC=local", false],
    ["CN=x\\,OU=Staff\\,DC=corp\\,DC=local,OU=Restricted,DC=corp,DC=local", false],
    ["CN=x+OU=Staff,DC=corp,DC=local", false], // multi-valued RDN, not an OU level
  ] as const;
  for (const [dn, expected] of cases) {
    it(`${dn} ${expected ? "is" : "is not"} under ${base}`, () => {
      assert.equal(isDnUnder(dn, base), expected);
    });
  }
  it("a DN built with escapeDnValue from a hostile CN stays where it was put", () => {
    const hostile = "x,OU=Staff,DC=corp,DC=local";
    const dn = `CN=${escapeDnValue(hostile)},OU=Restricted,DC=corp,DC=local`;
    assert.equal(isDnUnder(dn, base), false);
    assert.equal(isDnUnder(dn, "OU=Restricted,DC=corp,DC=local"), true);
  });
  it("a malformed DN or base throws instead of answering", () => {
    assertCode(() => isDnUnder("CN=x,OU=Staff,,DC=corp,DC=local", base), "DN_MALFORMED");
    assertCode(() => isDnUnder("CN=x,OU=Staff,DC=corp,DC=local", ""), "DN_EMPTY");
  });
  it("dnEquals compares component-wise", () => {
    assert.equal(dnEquals("CN=A\\2C B,OU=Staff", "cn=a\\, b, ou=STAFF"), true);
    assert.equal(dnEquals("CN=A,OU=Staff", "CN=A,OU=Staff,DC=corp"), false);
  });
});
