/** UPN (Entra username policy, matching-rules §4.1) and mail (IdFix SMTP rules, §4.3) validation. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  domainNameProblem,
  mailAddressProblems,
  upnProblems,
  upnSuffix,
  validateMailAddress,
  validateUpn,
} from "../../provider/core";
import { InvalidInputError } from "../../provider/errors";

const codes = (problems: InvalidInputError[]): string[] => problems.map((p) => p.code);

describe("validateUpn: valid", () => {
  const valid = [
    "alice@contoso.com",
    "alice.smith@contoso.com",
    "o'brien@contoso.com", // ' is allowed by Entra's policy (IdFix flags it; Microsoft's page wins)
    "a-b_c!d#e^f~g@contoso.com",
    "ALICE@Contoso.COM",
    "x@sub.contoso.co.uk",
    "alice@corp.local", // syntactically fine; verification is a tenant question
    "alice@xn--bcher-kva.xn--p1ai",
    `${"a".repeat(64)}@${"b".repeat(44)}.com`, // 64 + 1 + 48 = 113
  ];
  for (const upn of valid) {
    it(upn, () => {
      assert.equal(validateUpn(upn), upn);
      assert.deepEqual(upnProblems(upn), []);
    });
  }
});

describe("validateUpn: each rule", () => {
  const cases: [string, string[]][] = [
    ["", ["UPN_EMPTY"]],
    ["alice smith@contoso.com", ["UPN_WHITESPACE"]],
    ["alice@contoso.com\n", ["UPN_WHITESPACE"]],
    ["rené@contoso.com", ["UPN_NON_ASCII_CHARACTER"]],
    ["alice", ["UPN_MISSING_AT"]],
    ["alice@bob@contoso.com", ["UPN_MULTIPLE_AT"]],
    ["@contoso.com", ["UPN_LOCAL_PART_EMPTY"]],
    ["alice+tag@contoso.com", ["UPN_INVALID_CHARACTER"]],
    ['a%b&c*d/e=f?g{h}i|j<k>l(m)n;o:p,q[r]s"t\\u@contoso.com', ["UPN_INVALID_CHARACTER"]],
    [".alice@contoso.com", ["UPN_LEADING_DOT"]],
    ["alice.@contoso.com", ["UPN_DOT_BEFORE_AT"]],
    ["alice..smith@contoso.com", ["UPN_CONSECUTIVE_DOTS"]],
    ["alice@contoso", ["UPN_INVALID_DOMAIN"]], // single label
    ["alice@-contoso.com", ["UPN_INVALID_DOMAIN"]],
    ["alice@contoso..com", ["UPN_INVALID_DOMAIN"]],
    ["alice@contoso.c0m", ["UPN_INVALID_DOMAIN"]],
    ["alice@", ["UPN_INVALID_DOMAIN"]],
    [`${"a".repeat(65)}@contoso.com`, ["UPN_LOCAL_PART_TOO_LONG"]],
    [`alice@${"b".repeat(45)}.com`, ["UPN_DOMAIN_TOO_LONG"]],
    [
      `${"a".repeat(65)}@${"b".repeat(45)}.com`,
      ["UPN_TOO_LONG", "UPN_LOCAL_PART_TOO_LONG", "UPN_DOMAIN_TOO_LONG"],
    ],
    [".zoë @contoso", ["UPN_WHITESPACE", "UPN_NON_ASCII_CHARACTER", "UPN_LEADING_DOT", "UPN_INVALID_DOMAIN"]],
  ];
  for (const [upn, expected] of cases) {
    it(`${JSON.stringify(upn.length > 40 ? `${upn.slice(0, 40)}...` : upn)} -> ${expected.join(", ")}`, () => {
      assert.deepEqual(codes(upnProblems(upn)), expected);
    });
  }
  it("validateUpn throws the first problem as InvalidInputError with the property and a fix", () => {
    assert.throws(
      () => validateUpn("rené@contoso.com", "target.userPrincipalName"),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.code, "UPN_NON_ASCII_CHARACTER");
        assert.equal(error.property, "target.userPrincipalName");
        assert.match(error.message, /"rené@contoso.com"/);
        assert.match(error.message, /onmicrosoft\.com/);
        return true;
      },
    );
  });
  it("length limits: 64 before / 48 after the @ [UNCERTAIN split, Microsoft's page vs IdFix comment]", () => {
    assert.deepEqual(upnProblems(`${"a".repeat(64)}@contoso.com`), []);
    assert.deepEqual(codes(upnProblems(`${"a".repeat(65)}@contoso.com`)), ["UPN_LOCAL_PART_TOO_LONG"]);
    assert.deepEqual(upnProblems(`alice@${"b".repeat(44)}.com`), []); // 48 after the @
    assert.deepEqual(codes(upnProblems(`alice@${"b".repeat(45)}.com`)), ["UPN_DOMAIN_TOO_LONG"]);
  });
});

describe("upnSuffix", () => {
  it("returns the lower-case domain part", () => {
    assert.equal(upnSuffix("Alice@Contoso.COM"), "contoso.com");
  });
  it("throws without exactly one @", () => {
    assert.throws(
      () => upnSuffix("alice"),
      (e: unknown) => e instanceof InvalidInputError && e.code === "UPN_MISSING_AT",
    );
    assert.throws(
      () => upnSuffix("a@b@c.com"),
      (e: unknown) => e instanceof InvalidInputError && e.code === "UPN_MULTIPLE_AT",
    );
  });
});

describe("validateMailAddress", () => {
  for (const mail of ["alice@contoso.com", "alice+tag@contoso.com", "a.b-c_d@mail.contoso.co.uk"]) {
    it(`${mail} is valid`, () => {
      assert.equal(validateMailAddress(mail), mail);
    });
  }
  const cases: [string, string[]][] = [
    ["", ["MAIL_EMPTY"]],
    ["alice @contoso.com", ["MAIL_WHITESPACE"]],
    ["zoë@contoso.com", ["MAIL_NON_ASCII_CHARACTER"]],
    ["o'brien@contoso.com", []], // RFC 5322 atext; IdFix flags it, Entra Connect exports it
    ['o"brien@contoso.com', ["MAIL_INVALID_CHARACTER"]],
    ["a<b>@contoso.com", ["MAIL_INVALID_CHARACTER"]],
    ['a(b)c;d,e[f]g"h:i@contoso.com', ["MAIL_INVALID_CHARACTER"]],
    ["alice", ["MAIL_MISSING_AT"]],
    ["a@b@contoso.com", ["MAIL_MULTIPLE_AT"]],
    [".alice@contoso.com", ["MAIL_INVALID_LOCAL_PART"]],
    ["alice.@contoso.com", ["MAIL_INVALID_LOCAL_PART"]],
    ["al..ice@contoso.com", ["MAIL_INVALID_LOCAL_PART"]],
    ["@contoso.com", ["MAIL_INVALID_LOCAL_PART"]],
    ["a\\b@contoso.com", ["MAIL_INVALID_LOCAL_PART"]],
    ["alice@contoso", ["MAIL_INVALID_DOMAIN"]],
    [`${"a".repeat(65)}@contoso.com`, ["MAIL_LOCAL_PART_TOO_LONG"]],
    // 60 + 1 + 196 = 257 characters, every part within its own limit
    [`${"a".repeat(60)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.info`, ["MAIL_TOO_LONG"]],
  ];
  for (const [mail, expected] of cases) {
    it(`${JSON.stringify(mail.length > 40 ? `${mail.slice(0, 40)}...` : mail)} -> ${expected.join(", ")}`, () => {
      assert.deepEqual(codes(mailAddressProblems(mail)), expected);
    });
  }
});

describe("domainNameProblem", () => {
  it("accepts normal names and rejects labels over 63 characters", () => {
    assert.equal(domainNameProblem("contoso.com"), undefined);
    assert.match(domainNameProblem(`${"a".repeat(64)}.com`) ?? "", /not valid/);
    assert.match(domainNameProblem("contoso-.com") ?? "", /not valid/);
  });
});
