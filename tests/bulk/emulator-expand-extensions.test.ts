/**
 * The emulator's `$expand=extensions` on users (tests/emulator/graph/extensions.ts), as Microsoft
 * documents it: a user read or listed with `$expand=extensions` carries an `extensions` array of its
 * open extensions (each shaped like GET …/extensions/{name}); `extensions($filter=id eq '…')` keeps
 * one; paging keeps the expansion; anything else the emulator cannot expand is a 400, not ignored.
 */
import "../emulator-tests/trust-bootstrap";
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { CLOUD_USERS } from "../fixtures/seed-scenario";
import { graphFailure, useContosoTenant } from "../emulator-tests/helpers";

const NAME = "com.adentralink.ownership";

const fx = useContosoTenant();

type Page = { value: Record<string, unknown>[]; "@odata.nextLink"?: string };

test("users listed and read with $expand=extensions carry their open extensions", async () => {
  const [a, b] = CLOUD_USERS;
  assert.ok(a && b);
  await fx.emu.control.setExtensions(fx.tenant.tenantId, a.id, {
    [NAME]: { owner: "org/p/dev", linkName: "a" },
    "com.contoso.roamingSettings": { theme: "dark" },
  });
  const all: Record<string, unknown>[] = [];
  let page = (await fx.graph
    .api("/users?$select=id,userPrincipalName&$expand=extensions&$top=20")
    .get()) as Page;
  all.push(...page.value);
  let pages = 1;
  while (page["@odata.nextLink"] !== undefined) {
    pages++;
    assert.match(page["@odata.nextLink"], /expand=extensions/);
    page = (await fx.graph.api(page["@odata.nextLink"]).get()) as Page;
    all.push(...page.value);
  }
  assert.ok(pages > 1 && all.length >= CLOUD_USERS.length, `${all.length} users in ${pages} pages`);
  assert.ok(
    all.every((u) => Array.isArray(u["extensions"])),
    "every user of every page is expanded",
  );
  const ua = all.find((u) => u["id"] === a.id);
  const ub = all.find((u) => u["id"] === b.id);
  assert.deepEqual(Object.keys(ua ?? {}).sort(), ["extensions", "id", "userPrincipalName"]);
  const exts = ua?.["extensions"] as Record<string, unknown>[];
  assert.equal(exts.length, 2);
  const ours = exts.find((e) => e["id"] === NAME);
  assert.deepEqual(ours, {
    "@odata.type": "#microsoft.graph.openTypeExtension",
    extensionName: NAME,
    id: NAME,
    owner: "org/p/dev",
    linkName: "a",
  });
  assert.deepEqual(ub?.["extensions"], []);

  const one = (await fx.graph
    .api(`/users/${a.id}?$select=id&$expand=extensions($filter=id eq '${NAME}')`)
    .get()) as Record<string, unknown>;
  assert.deepEqual(
    (one["extensions"] as Record<string, unknown>[]).map((e) => e["id"]),
    [NAME],
  );
  const plain = (await fx.graph.api(`/users/${a.id}?$select=id`).get()) as Record<string, unknown>;
  assert.equal("extensions" in plain, false, "no expansion unless asked");
});

test("an expansion the emulator does not implement is refused, not ignored", async () => {
  const f = await graphFailure(fx.graph.api("/users?$select=id&$expand=manager").get());
  assert.equal(f.statusCode, 400);
});
