/** proxyAddresses parsing, validation (IdFix rules, matching-rules §4.3) and the LDAP modify planner. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DesiredProxyAddresses,
  formatProxyAddress,
  parseProxyAddress,
  planProxyAddresses,
  primarySmtpOf,
  proxyAddressProblems,
  validateProxyAddresses,
} from "../../provider/core";
import { InvalidInputError } from "../../provider/errors";

const X500 =
  "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=4f1d-alice";
const SIP = "SIP:alice@contoso.com";
const EUM = "EUM:4711;phone-context=Contoso.DialPlan.contoso.com";

function assertCode(fn: () => unknown, code: string, property?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (property !== undefined) assert.equal(error.property, property);
    return true;
  });
}

describe("parseProxyAddress / formatProxyAddress", () => {
  const cases = [
    [
      "SMTP:Alice@Contoso.com",
      { prefix: "SMTP", type: "SMTP", address: "Alice@Contoso.com", isPrimarySmtp: true },
    ],
    [
      "smtp:alice@corp.local",
      { prefix: "smtp", type: "SMTP", address: "alice@corp.local", isPrimarySmtp: false },
    ],
    [
      "Smtp:alice@contoso.com",
      { prefix: "Smtp", type: "SMTP", address: "alice@contoso.com", isPrimarySmtp: false },
    ],
    [X500, { prefix: "X500", type: "X500", address: X500.slice(5), isPrimarySmtp: false }],
    [EUM, { prefix: "EUM", type: "EUM", address: EUM.slice(4), isPrimarySmtp: false }],
    [
      "x400:c=US;a= ;p=Contoso;o=Exchange;s=Smith;",
      {
        prefix: "x400",
        type: "X400",
        address: "c=US;a= ;p=Contoso;o=Exchange;s=Smith;",
        isPrimarySmtp: false,
      },
    ],
  ] as const;
  for (const [value, expected] of cases) {
    it(value, () => {
      const parsed = parseProxyAddress(value);
      assert.deepEqual(parsed, expected);
      assert.equal(formatProxyAddress(parsed), value); // verbatim round trip
    });
  }
  it("rejects a value without prefix or without address", () => {
    assertCode(() => parseProxyAddress("alice@contoso.com"), "PROXY_ADDRESS_MISSING_PREFIX");
    assertCode(() => parseProxyAddress(":alice@contoso.com"), "PROXY_ADDRESS_MISSING_PREFIX");
    assertCode(() => parseProxyAddress("SMTP:"), "PROXY_ADDRESS_EMPTY_ADDRESS");
  });
});

describe("proxyAddressProblems", () => {
  it("accepts a realistic set, X500 parentheses and EUM semicolons included", () => {
    const values = ["SMTP:alice@contoso.com", "smtp:alice@corp.local", X500, SIP, EUM];
    assert.deepEqual(proxyAddressProblems(values), []);
    assert.deepEqual(validateProxyAddresses(values), values);
  });
  const cases: [string[], [string, string][]][] = [
    [["alice@contoso.com"], [["PROXY_ADDRESS_MISSING_PREFIX", "proxyAddresses[0]"]]],
    [["SMTP:a@contoso.com", "SMTP:b@contoso.com"], [["PROXY_ADDRESS_MULTIPLE_PRIMARY", "proxyAddresses[1]"]]],
    [["SMTP:a@contoso.com", "smtp:A@Contoso.com"], [["PROXY_ADDRESS_DUPLICATE", "proxyAddresses[1]"]]],
    [["smtp:alice smith@contoso.com"], [["PROXY_ADDRESS_WHITESPACE", "proxyAddresses[0]"]]],
    [["smtp:alice@contoso.com "], [["PROXY_ADDRESS_WHITESPACE", "proxyAddresses[0]"]]],
    // RFC 5322 atext: the apostrophe is valid (IdFix flags it; Entra Connect exports it).
    [["smtp:o'brien@contoso.com"], []],
    [['smtp:o"brien@contoso.com'], [["PROXY_ADDRESS_INVALID_CHARACTER", "proxyAddresses[0]"]]],
    [["smtp:a:b@contoso.com"], [["PROXY_ADDRESS_INVALID_CHARACTER", "proxyAddresses[0]"]]],
    [["smtp:alice@contoso"], [["PROXY_ADDRESS_INVALID_DOMAIN", "proxyAddresses[0]"]]],
    [["smtp:alice"], [["PROXY_ADDRESS_MISSING_AT", "proxyAddresses[0]"]]],
    [["SIP:alice smith@contoso.com"], [["PROXY_ADDRESS_INVALID_CHARACTER", "proxyAddresses[0]"]]],
    [['X500:/o=Org/cn="quoted"'], [["PROXY_ADDRESS_INVALID_CHARACTER", "proxyAddresses[0]"]]],
    [["X500:/o=Org/cn=a\tb"], [["PROXY_ADDRESS_INVALID_CHARACTER", "proxyAddresses[0]"]]],
    [[`X500:/o=${"x".repeat(252)}`], [["PROXY_ADDRESS_TOO_LONG", "proxyAddresses[0]"]]], // 257 characters
    [
      [`smtp:${"a".repeat(60)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(60)}.com`],
      [["PROXY_ADDRESS_TOO_LONG", "proxyAddresses[0]"]],
    ],
  ];
  for (const [values, expected] of cases) {
    it(`${JSON.stringify(values).slice(0, 70)} -> ${expected.map(([c]) => c).join(", ")}`, () => {
      assert.deepEqual(
        proxyAddressProblems(values).map((p) => [p.code, p.property]),
        expected,
      );
    });
  }
  it("a 256-character value is still allowed", () => {
    assert.deepEqual(proxyAddressProblems([`X500:/o=${"x".repeat(248)}`]), []);
  });
  it("validateProxyAddresses throws the first problem", () => {
    assertCode(
      () => validateProxyAddresses(["SMTP:a@contoso.com", "b@contoso.com"]),
      "PROXY_ADDRESS_MISSING_PREFIX",
      "proxyAddresses[1]",
    );
  });
});

/** Applies a plan the way AD does: delete the listed values (exact spelling), then add. */
function apply(current: readonly string[], remove: readonly string[], add: readonly string[]): string[] {
  return [...current.filter((v) => !remove.includes(v)), ...add];
}

describe("planProxyAddresses", () => {
  const cases: {
    name: string;
    current: string[];
    desired: DesiredProxyAddresses;
    add: string[];
    remove: string[];
    result: string[];
  }[] = [
    {
      name: "converged input: nothing to do",
      current: ["SMTP:alice@contoso.com", "smtp:alice@corp.local", X500, SIP],
      desired: { primarySmtp: "alice@contoso.com", additional: ["alice@corp.local", SIP] },
      add: [],
      remove: [],
      result: ["SMTP:alice@contoso.com", "smtp:alice@corp.local", X500, SIP],
    },
    {
      name: "primary differing only in address case is converged (same value to AD and Entra ID)",
      current: ["SMTP:Alice.Smith@Contoso.com", X500],
      desired: { primarySmtp: "alice.smith@contoso.com" },
      add: [],
      remove: [],
      result: ["SMTP:Alice.Smith@Contoso.com", X500],
    },
    {
      name: "empty attribute: primary and additional values added, bare address means smtp:",
      current: [],
      desired: { primarySmtp: "alice@contoso.com", additional: ["alice@corp.local", SIP] },
      add: ["SMTP:alice@contoso.com", "smtp:alice@corp.local", SIP],
      remove: [],
      result: ["SMTP:alice@contoso.com", "smtp:alice@corp.local", SIP],
    },
    {
      name: "existing smtp: re-cased to SMTP:, old primary demoted, X500 untouched (seed scenario shape)",
      current: ["smtp:alice@contoso.com", "SMTP:alice@corp.local", X500],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["SMTP:alice@contoso.com", "smtp:alice@corp.local"],
      remove: ["smtp:alice@contoso.com", "SMTP:alice@corp.local"],
      result: [X500, "SMTP:alice@contoso.com", "smtp:alice@corp.local"],
    },
    {
      name: "re-casing takes the desired spelling of the address",
      current: ["smtp:ALICE@CONTOSO.COM"],
      desired: { primarySmtp: "SMTP:alice@contoso.com" },
      add: ["SMTP:alice@contoso.com"],
      remove: ["smtp:ALICE@CONTOSO.COM"],
      result: ["SMTP:alice@contoso.com"],
    },
    {
      name: "new primary added; old primary demoted, never dropped",
      current: ["SMTP:alice@fabrikam.com", SIP],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["SMTP:alice@contoso.com", "smtp:alice@fabrikam.com"],
      remove: ["SMTP:alice@fabrikam.com"],
      result: [SIP, "SMTP:alice@contoso.com", "smtp:alice@fabrikam.com"],
    },
    {
      name: "demoting does not duplicate an existing secondary of the same address",
      current: ["SMTP:alice@fabrikam.com", "smtp:ALICE@fabrikam.com"],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["SMTP:alice@contoso.com"],
      remove: ["SMTP:alice@fabrikam.com"],
      result: ["smtp:ALICE@fabrikam.com", "SMTP:alice@contoso.com"],
    },
    {
      name: "two existing primaries: both demoted",
      current: ["SMTP:a@fabrikam.com", "SMTP:b@fabrikam.com"],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["SMTP:alice@contoso.com", "smtp:a@fabrikam.com", "smtp:b@fabrikam.com"],
      remove: ["SMTP:a@fabrikam.com", "SMTP:b@fabrikam.com"],
      result: ["SMTP:alice@contoso.com", "smtp:a@fabrikam.com", "smtp:b@fabrikam.com"],
    },
    {
      name: "the desired primary already primary beside a second primary: the other one is demoted",
      current: ["SMTP:b@fabrikam.com", "SMTP:alice@contoso.com"],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["smtp:b@fabrikam.com"],
      remove: ["SMTP:b@fabrikam.com"],
      result: ["SMTP:alice@contoso.com", "smtp:b@fabrikam.com"],
    },
    {
      name: "additional already present as primary or in another case counts as present",
      current: ["SMTP:alice@contoso.com", "sip:Alice@Contoso.com"],
      desired: { additional: ["smtp:ALICE@contoso.com", "alice@contoso.com", SIP] },
      add: [],
      remove: [],
      result: ["SMTP:alice@contoso.com", "sip:Alice@Contoso.com"],
    },
    {
      name: "additional equal to a demoted primary is satisfied by the demotion",
      current: ["SMTP:alice@fabrikam.com"],
      desired: { primarySmtp: "alice@contoso.com", additional: ["alice@fabrikam.com", "alice@contoso.com"] },
      add: ["SMTP:alice@contoso.com", "smtp:alice@fabrikam.com"],
      remove: ["SMTP:alice@fabrikam.com"],
      result: ["SMTP:alice@contoso.com", "smtp:alice@fabrikam.com"],
    },
    {
      name: "without a desired primary, the existing primary is left alone",
      current: ["SMTP:alice@fabrikam.com"],
      desired: { additional: ["alice@contoso.com", "alice@contoso.com"] },
      add: ["smtp:alice@contoso.com"],
      remove: [],
      result: ["SMTP:alice@fabrikam.com", "smtp:alice@contoso.com"],
    },
    {
      name: "values we don't own, even malformed ones, survive untouched",
      current: ["alice@contoso.com", "x500:/o=Old", "smtp:other@fabrikam.com", EUM],
      desired: { primarySmtp: "alice@contoso.com" },
      add: ["SMTP:alice@contoso.com"],
      remove: [],
      result: ["alice@contoso.com", "x500:/o=Old", "smtp:other@fabrikam.com", EUM, "SMTP:alice@contoso.com"],
    },
    {
      name: "an empty desired state changes nothing",
      current: ["SMTP:alice@fabrikam.com", X500],
      desired: {},
      add: [],
      remove: [],
      result: ["SMTP:alice@fabrikam.com", X500],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planProxyAddresses(c.current, c.desired);
      assert.deepEqual(plan, { result: c.result, add: c.add, remove: c.remove });
      // add/remove are exactly what turns current into result...
      assert.deepEqual(apply(c.current, plan.remove, plan.add), plan.result);
      // ...and the result is converged.
      assert.deepEqual(planProxyAddresses(plan.result, c.desired), {
        result: plan.result,
        add: [],
        remove: [],
      });
      assert.ok(
        proxyAddressProblems(plan.result).every((p) => p.code === "PROXY_ADDRESS_MISSING_PREFIX"),
        "the planner never creates a duplicate or a second primary",
      );
    });
  }

  const invalid: [string, DesiredProxyAddresses, string, string][] = [
    [
      "primary with whitespace",
      { primarySmtp: "alice @contoso.com" },
      "PROXY_ADDRESS_WHITESPACE",
      "proxyAddresses.primarySmtp",
    ],
    [
      "primary given as smtp:",
      { primarySmtp: "smtp:alice@contoso.com" },
      "PROXY_ADDRESS_PRIMARY_PREFIX",
      "proxyAddresses.primarySmtp",
    ],
    [
      "primary of another type",
      { primarySmtp: "SIP:alice@contoso.com" },
      "PROXY_ADDRESS_PRIMARY_PREFIX",
      "proxyAddresses.primarySmtp",
    ],
    ["primary without @", { primarySmtp: "alice" }, "PROXY_ADDRESS_MISSING_AT", "proxyAddresses.primarySmtp"],
    [
      "SMTP: among additional",
      { additional: ["smtp:a@contoso.com", "SMTP:b@contoso.com"] },
      "PROXY_ADDRESS_PRIMARY_IN_ADDITIONAL",
      "proxyAddresses.additional[1]",
    ],
    [
      "invalid additional",
      { additional: ["a(b)@contoso.com"] },
      "PROXY_ADDRESS_INVALID_CHARACTER",
      "proxyAddresses.additional[0]",
    ],
    [
      "additional with empty address",
      { additional: ["SIP:"] },
      "PROXY_ADDRESS_EMPTY_ADDRESS",
      "proxyAddresses.additional[0]",
    ],
  ];
  for (const [name, desired, code, property] of invalid) {
    it(`rejects ${name} (${code})`, () => {
      assertCode(() => planProxyAddresses(["SMTP:x@contoso.com"], desired), code, property);
    });
  }
  it("uses the property option in errors", () => {
    assertCode(
      () =>
        planProxyAddresses([], { primarySmtp: "a b@contoso.com" }, { property: "onPremises.proxyAddresses" }),
      "PROXY_ADDRESS_WHITESPACE",
      "onPremises.proxyAddresses.primarySmtp",
    );
  });
});

describe("primarySmtpOf (Entra Connect proxy calculation, matching-rules §2.1 / K3)", () => {
  const cases: [string[], string | null | undefined, string | null][] = [
    [["smtp:a@contoso.com", "SMTP:B@Contoso.com", X500], "c@contoso.com", "B@Contoso.com"], // SMTP: wins over mail
    [[], "c@contoso.com", "c@contoso.com"], // K3 scenario 2: mail becomes primary
    [[], null, null],
    [[], undefined, null],
    [[], "", null],
    [["smtp:a@contoso.com"], "c@contoso.com", null], // [UNCERTAIN]: no primary, non-empty proxies
    [[X500], "c@contoso.com", null],
    [["Smtp:a@contoso.com"], null, null], // mixed-case prefix is not primary
    [["SMTP:first@contoso.com", "SMTP:second@contoso.com"], null, "first@contoso.com"],
  ];
  for (const [proxies, mail, expected] of cases) {
    it(`${JSON.stringify(proxies)} + mail ${JSON.stringify(mail)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(primarySmtpOf(proxies, mail), expected);
    });
  }
});
