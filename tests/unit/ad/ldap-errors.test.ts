/**
 * mapLdapError: every failure becomes an ad-entra-link error with a code; TLS failures say they are
 * TLS trust problems and name the setting; ldapts's typed errors are recognised by class; nothing
 * raw (no Node message, no stack, no path) passes through. Also describeForUser.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BusyError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  StrongAuthRequiredError,
  UnknownStatusCodeError,
  UnwillingToPerformError,
} from "ldapts";
import { mapLdapError } from "../../../provider/ad/ldap-errors";
import {
  ConfigurationError,
  DirectoryUnavailableError,
  describeForUser,
  InvalidInputError,
  NotFoundError,
} from "../../../provider/errors";

const OP = "bind to ldaps://dc1.corp.local:636 as CN=svc,DC=corp,DC=local";

function nodeError(code: string, message = `${code} /home/runner/secret/path.pem S3cr3t`): Error {
  return Object.assign(new Error(message), { code });
}

function check(err: unknown, name: string, code: string, message: RegExp): void {
  const mapped = mapLdapError(err, OP);
  assert.equal(mapped.name, name);
  assert.equal(mapped.code, code);
  assert.match(mapped.message, message);
  assert.equal(mapped.side, "onPremises");
  assert.ok(!mapped.message.includes("S3cr3t"), "the raw message is not quoted");
  assert.ok(!mapped.message.includes("/home/runner"), "no path");
  assert.ok(!mapped.message.includes("\n"), "one line");
}

describe("TLS failures", () => {
  for (const code of [
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "CERT_UNTRUSTED",
    "CERT_SIGNATURE_FAILURE",
  ]) {
    it(`${code}: untrusted CA, fix with ldapCaCertificate`, () => {
      check(
        nodeError(code),
        "ConfigurationError",
        "LDAP_TLS_UNTRUSTED",
        new RegExp(
          `^ad-entra-link: ${OP.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: the domain controller's TLS certificate was not accepted \\(${code}\\)\\. Set ad-entra-link:ldapCaCertificate .*TLS trust problem`,
        ),
      );
    });
  }
  for (const code of ["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]) {
    it(`${code}: outside the validity period`, () => {
      check(
        nodeError(code),
        "ConfigurationError",
        "LDAP_TLS_CERT_NOT_VALID_NOW",
        new RegExp(`\\(${code}\\)\\. This is a TLS trust problem: renew`),
      );
    });
  }
  it("ERR_TLS_CERT_ALTNAME_INVALID: the URL's host is not in the certificate", () => {
    check(
      nodeError("ERR_TLS_CERT_ALTNAME_INVALID"),
      "ConfigurationError",
      "LDAP_TLS_NAME_MISMATCH",
      /TLS trust problem: set ad-entra-link:ldapUrl/,
    );
  });
  for (const code of ["EPROTO", "ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"]) {
    it(`${code}: handshake failure names ldapUrl and ldapStartTls`, () => {
      check(
        nodeError(code),
        "DirectoryUnavailableError",
        "LDAP_TLS_HANDSHAKE_FAILED",
        new RegExp(
          `\\(${code}\\)\\. This is a TLS problem, not a network outage: ad-entra-link:ldapUrl .*ad-entra-link:ldapStartTls`,
        ),
      );
    });
  }
  it("an unknown CERT_ code is still a trust problem", () => {
    check(nodeError("CERT_SOMETHING_NEW"), "ConfigurationError", "LDAP_TLS_UNTRUSTED", /CERT_SOMETHING_NEW/);
  });
  it("a TLS code on the cause is found", () => {
    const wrapped = new Error("wrapped", { cause: nodeError("CERT_HAS_EXPIRED") });
    check(wrapped, "ConfigurationError", "LDAP_TLS_CERT_NOT_VALID_NOW", /CERT_HAS_EXPIRED/);
  });
});

describe("socket failures", () => {
  it("a reset during the TLS handshake is named as a TLS problem (ldaps:// to the plain port)", () => {
    check(
      nodeError(
        "ECONNRESET",
        "Client network socket disconnected before secure TLS connection was established",
      ),
      "DirectoryUnavailableError",
      "LDAP_TLS_HANDSHAKE_FAILED",
      /closed the connection during the TLS handshake \(ECONNRESET\)\. This is most likely a TLS problem/,
    );
  });
  for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]) {
    it(`${code} → LDAP_UNAVAILABLE`, () => {
      check(
        nodeError(code),
        "DirectoryUnavailableError",
        "LDAP_UNAVAILABLE",
        new RegExp(`cannot be reached \\(${code}\\)`),
      );
    });
  }
  for (const message of [
    "Socket error. Message type: SearchRequest (0x63)\nread ECONNRESET",
    "Connection closed before message response was received. Message type: SearchRequest (0x63)",
    "Connection timeout",
    "Socket connection not established",
    "SearchRequest: Operation timed out",
  ]) {
    it(`ldapts "${message.split("\n")[0]}" → LDAP_UNAVAILABLE`, () => {
      check(new Error(message), "DirectoryUnavailableError", "LDAP_UNAVAILABLE", /connection .* failed/);
    });
  }
});

describe("LDAP results, by ldapts class", () => {
  it("invalid credentials", () => {
    check(
      new InvalidCredentialsError("80090308: LdapErr"),
      "ConfigurationError",
      "LDAP_INVALID_CREDENTIALS",
      /ldapBindDn and ad-entra-link:ldapBindPassword/,
    );
  });
  it("strong auth required", () => {
    check(
      new StrongAuthRequiredError("Transport encryption required."),
      "ConfigurationError",
      "LDAP_STRONG_AUTH_REQUIRED",
      /ldaps:\/\/ or StartTLS/,
    );
  });
  it("insufficient access", () => {
    check(
      new InsufficientAccessError("00002098"),
      "PermissionDeniedError",
      "LDAP_INSUFFICIENT_ACCESS",
      /README, Permissions/,
    );
  });
  it("busy, and result 80 (DC shutting down)", () => {
    check(new BusyError(), "DirectoryUnavailableError", "LDAP_BUSY", /BusyError/);
    check(
      new UnknownStatusCodeError(80, "other"),
      "DirectoryUnavailableError",
      "LDAP_BUSY",
      /busy or unavailable/,
    );
  });
  it("request refusals keep the DC's diagnostic, on one line", () => {
    check(
      new ConstraintViolationError("00000057: upn in use\nline two"),
      "DirectoryRequestError",
      "LDAP_CONSTRAINT_VIOLATION",
      /upn in use: line two/,
    );
    check(
      new NoSuchObjectError("0000208D"),
      "DirectoryRequestError",
      "LDAP_NO_SUCH_OBJECT",
      /NoSuchObjectError, result code 32/,
    );
    check(new InvalidDNSyntaxError(), "DirectoryRequestError", "LDAP_INVALID_DNSYNTAX", /result code 34/);
    check(
      new UnwillingToPerformError(),
      "DirectoryRequestError",
      "LDAP_UNWILLING_TO_PERFORM",
      /result code 53/,
    );
    check(
      new UnknownStatusCodeError(4711, "odd"),
      "DirectoryRequestError",
      "LDAP_REQUEST_FAILED",
      /result code 4711/,
    );
  });
});

describe("nothing raw passes through", () => {
  it("ad-entra-link errors pass unchanged", () => {
    const own = new NotFoundError("AD_USER_NOT_FOUND", "x");
    assert.equal(mapLdapError(own, OP), own);
  });
  it("a raw error with an Error-like name and a code is wrapped, its message not quoted", () => {
    const raw = Object.assign(new TypeError("cannot read /srv/app/secret.ts S3cr3t"), {
      code: "ERR_SOMETHING",
    });
    check(raw, "DirectoryRequestError", "LDAP_FAILED", /unexpected TypeError \(ERR_SOMETHING\)/);
  });
  it("a thrown string or object is wrapped", () => {
    check("S3cr3t", "DirectoryRequestError", "LDAP_FAILED", /unexpected error/);
    check({ code: 49 }, "DirectoryRequestError", "LDAP_FAILED", /unexpected error/);
  });
});

describe("describeForUser", () => {
  it("renders Name [CODE]: message for our errors", () => {
    assert.equal(
      describeForUser(new ConfigurationError("CONFIG_MISSING", "ad-entra-link: x is not configured.")),
      "ConfigurationError [CONFIG_MISSING]: ad-entra-link: x is not configured.",
    );
  });
  it("shows nothing of a foreign error but its class", () => {
    const err = new RangeError(
      "Maximum call stack size exceeded at /home/u/proj/secret.ts:1 PULUMI_CONFIG_PASSPHRASE=hunter2",
    );
    const text = describeForUser(err);
    assert.match(text, /^InternalError \[INTERNAL\]: ad-entra-link: an unexpected RangeError occurred/);
    for (const leak of ["hunter2", "/home", "secret.ts", "Maximum", "at "])
      assert.ok(!text.includes(leak), leak);
    assert.match(describeForUser("S3cr3t"), /unexpected unknown error/);
    assert.ok(!describeForUser("S3cr3t").includes("S3cr3t"));
    const evil = new Error("x");
    evil.name = "S3cr3t value with spaces";
    assert.ok(!describeForUser(evil).includes("S3cr3t"));
  });
  it("typed fields are set only when given", () => {
    const e = new DirectoryUnavailableError("LDAP_UNAVAILABLE", "m", {
      requestSent: false,
      side: "onPremises",
    });
    assert.equal(e.requestSent, false);
    assert.equal(e.side, "onPremises");
    assert.ok(!("property" in e));
    const i = new InvalidInputError("DN_EMPTY", "onPremises.distinguishedName", "m");
    assert.equal(i.property, "onPremises.distinguishedName");
    assert.ok(!("requestSent" in i));
  });
});
