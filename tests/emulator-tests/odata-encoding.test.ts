/**
 * How the emulator decodes a $filter, byte for byte, as Graph does: the query is form-decoded (a raw
 * `+` is a space, `%2B` a plus), `%27` is an apostrophe once decoded (so an unencoded one ends the
 * OData literal), `''` inside a literal is one apostrophe, unbalanced quotes are a 400, and raw `#`
 * / `&` cut the filter short. Raw HTTPS requests, so nothing re-encodes what the test sends.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { CloudUserInput } from "../emulator/model";
import { GRAPH_SCOPE, rawRequest, secretCredential, useContosoTenant } from "./helpers";

let token: string;

function user(key: string, mail: string): CloudUserInput {
  return {
    key,
    id: randomUUID(),
    userPrincipalName: `${key}@contoso.com`,
    displayName: key,
    givenName: key,
    surname: key,
    mailNickname: key,
    mail,
    proxyAddresses: [`SMTP:${mail}`],
  };
}

const PLUS = user("plus", "a+b@contoso.com");
const PLUS2 = user("plus2", "a+c@contoso.com");
const SPACE = user("space", "a b@contoso.com");
const PCT = user("pct", "x%27y@contoso.com");
const QUOTE = user("quote", "o'brien@contoso.com");
const HASH = user("hash", "h#1&2;3@contoso.com");

const fx = useContosoTenant({
  prepare: async () => {
    await fx.emu.control.addUsers(fx.tenant.tenantId, [PLUS, PLUS2, SPACE, PCT, QUOTE, HASH]);
    token = (await secretCredential(fx.emu, fx.tenant).getToken(GRAPH_SCOPE)).token;
  },
});

async function query(rawQuery: string): Promise<{ status: number; ids: string[]; body: unknown }> {
  const r = await rawRequest(fx.emu, "GET", `/v1.0/users?${rawQuery}`, { token });
  const body = r.body as { value?: { id: string }[] };
  return { status: r.status, ids: (body.value ?? []).map((u) => u.id).sort(), body };
}

/** Encodes a filter the way the provider does (encodeURIComponent). */
function encoded(filter: string): string {
  return `$filter=${encodeURIComponent(filter)}&$select=id`;
}

describe("$filter decoding", () => {
  test("%2B is a plus; a raw + is a space", async () => {
    assert.deepEqual((await query(encoded("mail eq 'a+b@contoso.com'"))).ids, [PLUS.id]);
    // Unencoded, the + arrives as a space and the filter finds a different user.
    assert.deepEqual((await query("$filter=mail%20eq%20'a+b@contoso.com'&$select=id")).ids, [SPACE.id]);
    assert.deepEqual((await query("$filter=mail%20eq%20'a%20b@contoso.com'&$select=id")).ids, [SPACE.id]);
  });

  test("an encoded %27 stays three characters inside the literal; a raw %27 is an apostrophe", async () => {
    assert.deepEqual((await query(encoded("mail eq 'x%27y@contoso.com'"))).ids, [PCT.id]);
    // Unencoded: %27 decodes to ', which ends the literal: "mail eq 'x'y@contoso.com'" is a syntax error.
    const raw = await query("$filter=mail%20eq%20'x%27y@contoso.com'");
    assert.equal(raw.status, 400);
    // ...and a crafted value breaks out of the literal: the emulator evaluates what it decoded.
    const injected = await query(
      "$filter=mail%20eq%20'x%27%20or%20mail%20eq%20%27a%20b@contoso.com'&$select=id",
    );
    assert.equal(injected.status, 200);
    assert.deepEqual(injected.ids, [SPACE.id], "an unencoded %27 ends the literal");
  });

  test("'' inside a literal is one apostrophe; unbalanced quotes are 400", async () => {
    assert.deepEqual((await query(encoded("mail eq 'o''brien@contoso.com'"))).ids, [QUOTE.id]);
    for (const bad of ["mail eq 'o'brien@contoso.com'", "mail eq 'open", "mail eq open'"]) {
      const r = await query(encoded(bad));
      assert.equal(r.status, 400, bad);
      assert.equal((r.body as { error: { code: string } }).error.code, "BadRequest");
    }
  });

  test("# & ; round-trip when encoded; a raw # or & cuts the filter (400)", async () => {
    assert.deepEqual((await query(encoded("mail eq 'h#1&2;3@contoso.com'"))).ids, [HASH.id]);
    assert.deepEqual((await query(encoded("proxyAddresses/any(p:p eq 'SMTP:h#1&2;3@contoso.com')"))).ids, [
      HASH.id,
    ]);
    assert.equal((await query("$filter=mail%20eq%20'h#1&2;3@contoso.com'")).status, 400);
    assert.equal((await query("$filter=mail%20eq%20'h%231&2;3@contoso.com'")).status, 400);
  });

  test("nextLink keeps an encoded + across pages", async () => {
    const first = await query(`$filter=${encodeURIComponent("startsWith(mail,'a+')")}&$select=id&$top=1`);
    assert.equal(first.ids.length, 1);
    const next = (first.body as { "@odata.nextLink"?: string })["@odata.nextLink"];
    assert.ok(next);
    assert.doesNotMatch(next, /\+/, "no raw + in the nextLink");
    const u = new URL(next);
    const second = await rawRequest(fx.emu, "GET", `${u.pathname}${u.search}`, { token });
    const ids = [...first.ids, ...(second.body as { value: { id: string }[] }).value.map((x) => x.id)].sort();
    assert.deepEqual(ids, [PLUS.id, PLUS2.id].sort());
  });

  test("in a $batch item URL the same decoding applies", async () => {
    const r = await rawRequest(fx.emu, "POST", "/v1.0/$batch", {
      token,
      body: {
        requests: [
          { id: "enc", method: "GET", url: `/users?${encoded("mail eq 'a+b@contoso.com'")}` },
          { id: "raw", method: "GET", url: "/users?$filter=mail%20eq%20'a+b@contoso.com'&$select=id" },
        ],
      },
    });
    const by = new Map(
      (r.body as { responses: { id: string; body: { value: { id: string }[] } }[] }).responses.map((x) => [
        x.id,
        x.body.value.map((v) => v.id),
      ]),
    );
    assert.deepEqual(by.get("enc"), [PLUS.id]);
    assert.deepEqual(by.get("raw"), [SPACE.id]);
  });
});
