/** Proxy calculation as docs/matching-model.md §1 states it (P1–P6): what Entra Connect exports. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  exportedView,
  isReservedDomainAddress,
  isValidSmtpAddress,
} from "../../../provider/core/exported-view";

const view = (mail: string | null, proxyAddresses: string[], upn = "a@contoso.com") =>
  exportedView({ userPrincipalName: upn, mail, proxyAddresses });

describe("exported view (docs/matching-model.md §1)", () => {
  test("P5: mail becomes the primary when proxyAddresses is empty (the takeover path through an unmanaged mail)", () => {
    const v = view("al.old@contoso.com", []);
    assert.equal(v.primarySmtp, "al.old@contoso.com");
    assert.equal(v.primarySource, "mail");
  });
  test("P4: the SMTP: proxy wins over mail", () => {
    const v = view("old@contoso.com", ["SMTP:new@contoso.com", "smtp:alias@contoso.com"]);
    assert.equal(v.primarySmtp, "new@contoso.com");
    assert.deepEqual(v.secondarySmtp, ["alias@contoso.com"]);
    assert.deepEqual(v.allSmtp.sort(), ["alias@contoso.com", "new@contoso.com"]);
  });
  test("P3: a primary on the initial domain is discarded and never matches", () => {
    const v = view("x@contoso.onmicrosoft.com", ["SMTP:x@contoso.onmicrosoft.com"]);
    assert.equal(v.primarySmtp, null);
    assert.equal(v.primarySource, "none");
    assert.deepEqual(
      v.discarded.map((d) => d.why),
      ["reservedDomain", "reservedDomain"],
    );
  });
  test("P3: a reserved-domain mail is not promoted either", () => {
    assert.equal(view("x@tenant.microsoftonline.com", []).primarySmtp, null);
  });
  test("P5: mail is promoted when every proxy value was discarded", () => {
    const v = view("a@contoso.com", ["SMTP:a@contoso.onmicrosoft.com", "X400:c=us;a= ;"]);
    assert.equal(v.primarySmtp, "a@contoso.com");
    assert.equal(v.primarySource, "mail");
  });
  test("P5a [U]: kept proxies without a primary leave the mail promotion uncertain", () => {
    const v = view("a@contoso.com", ["X500:/o=Org/ou=x/cn=a", "smtp:b@contoso.com"]);
    assert.equal(v.primarySmtp, null);
    assert.equal(v.primarySource, "uncertainMail");
    assert.deepEqual(v.alternativePrimaries, ["a@contoso.com"]);
  });
  test("P4a [U]: two kept primaries are reported, not guessed", () => {
    const v = view(null, ["SMTP:a@contoso.com", "SMTP:b@contoso.com"]);
    assert.equal(v.primarySource, "twoPrimaries");
    assert.equal(v.primarySmtp, null);
    assert.deepEqual(v.alternativePrimaries, ["a@contoso.com", "b@contoso.com"]);
  });
  test("P2: an apostrophe is valid; whitespace, double dots and missing TLDs are not", () => {
    assert.equal(view(null, ["SMTP:o'brien@contoso.com"]).primarySmtp, "o'brien@contoso.com");
    for (const bad of [
      "a b@contoso.com",
      "a..b@contoso.com",
      ".a@contoso.com",
      "a@contoso",
      "a@-x.com",
      "@contoso.com",
    ]) {
      assert.equal(isValidSmtpAddress(bad), false, bad);
      assert.equal(view(null, [`SMTP:${bad}`]).primarySmtp, null, bad);
    }
  });
  test("P1: legacy types are discarded, X500 and SIP kept but never primary", () => {
    const v = view(null, ["X400:c=us;", "MSMAIL:x", "X500:/o=a", "SIP:a@contoso.com"]);
    assert.deepEqual(
      v.discarded.map((d) => d.value),
      ["X400:c=us;", "MSMAIL:x"],
    );
    assert.equal(v.primarySmtp, null);
    assert.equal(v.primarySource, "none");
  });
  test("reserved domains include subdomains only of the reserved names", () => {
    assert.equal(isReservedDomainAddress("a@contoso.onmicrosoft.com"), true);
    assert.equal(isReservedDomainAddress("a@ONMICROSOFT.COM"), true);
    assert.equal(isReservedDomainAddress("a@notonmicrosoft.com"), false);
  });
});
