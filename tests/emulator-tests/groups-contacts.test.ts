/**
 * /groups and /contacts through the real Graph client: permissions, $filter on mail and
 * proxyAddresses (any), $select, paging, unsupported clauses, and the same in $batch.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import type { CloudContactInput, CloudGroupInput } from "../emulator/model";
import {
  app,
  createContosoTenant,
  graphClient,
  graphFailure,
  identityOptions,
  PROVIDER_ROLES,
  SECRET_APP,
  useContosoTenant,
} from "./helpers";

const SALES: CloudGroupInput = {
  id: randomUUID(),
  displayName: "Sales",
  mail: "sales@contoso.com",
  mailEnabled: true,
  proxyAddresses: ["SMTP:sales@contoso.com", "smtp:verkauf@contoso.com"],
};
const SECURITY: CloudGroupInput = { id: randomUUID(), displayName: "Badge readers", securityEnabled: true };
const PARTNER: CloudContactInput = {
  id: randomUUID(),
  displayName: "Partner Pat",
  mail: "pat@partner.example",
  proxyAddresses: ["SMTP:pat@partner.example", "smtp:alias+tag@partner.example"],
  onPremisesSyncEnabled: true,
};
const MANY_GROUPS: CloudGroupInput[] = Array.from({ length: 5 }, (_, i) => ({
  id: randomUUID(),
  displayName: `Paged ${i}`,
  mail: `paged${i}@contoso.com`,
}));

const fx = useContosoTenant({
  patch: { groups: [SALES, SECURITY, ...MANY_GROUPS], contacts: [PARTNER] },
  prepare: () =>
    fx.emu.control.updateApp(fx.tenant.tenantId, app(fx.tenant, SECRET_APP).clientId, {
      roles: [...PROVIDER_ROLES, "GroupMember.Read.All", "OrgContact.Read.All"],
    }),
});

describe("permissions", () => {
  test("an app with user permissions only cannot read groups or contacts: 403", async () => {
    const t = await createContosoTenant(fx.emu);
    try {
      const narrow = await fx.emu.control.addApp(t.tenantId, {
        clientId: "11111111-aaaa-4bbb-8ccc-0000000000e1",
        displayName: "users only",
        secret: "users-only-Qm3~x7",
        roles: ["User.Read.All"],
      });
      const client = graphClient(
        fx.emu,
        new ClientSecretCredential(t.tenantId, narrow.clientId, narrow.secret!, identityOptions(fx.emu)),
      );
      assert.equal((await graphFailure(client.api("/groups").get())).statusCode, 403);
      assert.equal((await graphFailure(client.api("/contacts").get())).statusCode, 403);
    } finally {
      await fx.emu.control.deleteTenant(t.tenantId);
    }
  });
});

describe("/groups", () => {
  test("$filter mail eq finds the group; default properties include proxyAddresses", async () => {
    const res = (await fx.graph.api("/groups").filter("mail eq 'SALES@contoso.com'").get()) as {
      value: Record<string, unknown>[];
    };
    assert.equal(res.value.length, 1);
    assert.equal(res.value[0]?.["id"], SALES.id);
    assert.deepEqual(res.value[0]?.["proxyAddresses"], SALES.proxyAddresses);
    assert.equal(res.value[0]?.["mailEnabled"], true);
  });

  test("proxyAddresses/any(p:p eq …) matches case-insensitively, and the returned prefix tells primary from secondary", async () => {
    const res = (await fx.graph
      .api("/groups")
      .filter("proxyAddresses/any(p:p eq 'SMTP:verkauf@contoso.com')")
      .select("id,proxyAddresses")
      .get()) as { value: Record<string, unknown>[] };
    assert.deepEqual(
      res.value.map((g) => g["id"]),
      [SALES.id],
    );
    assert.deepEqual(Object.keys(res.value[0] ?? {}).sort(), ["id", "proxyAddresses"]);
    assert.ok((res.value[0]?.["proxyAddresses"] as string[]).includes("smtp:verkauf@contoso.com"));
  });

  test("$top pages with a nextLink that the client follows to the end", async () => {
    const seen: string[] = [];
    let page = (await fx.graph.api("/groups").filter("startsWith(mail,'paged')").top(2).get()) as {
      value: { id: string }[];
      "@odata.nextLink"?: string;
    };
    for (;;) {
      seen.push(...page.value.map((g) => g.id));
      const next = page["@odata.nextLink"];
      if (next === undefined) break;
      page = (await fx.graph.api(next).get()) as typeof page;
    }
    assert.deepEqual(seen.sort(), MANY_GROUPS.map((g) => g.id).sort());
  });

  test("unsupported clauses and unknown properties are 400", async () => {
    const e1 = await graphFailure(fx.graph.api("/groups").filter("securityIdentifier eq 'x'").get());
    assert.equal(e1.statusCode, 400);
    assert.match(e1.message, /resource 'Group'/);
    const e2 = await graphFailure(fx.graph.api("/groups").select("nope").get());
    assert.equal(e2.statusCode, 400);
    assert.match(e2.message, /microsoft\.graph\.group/);
  });

  test("GET /groups/{id}", async () => {
    const g = (await fx.graph.api(`/groups/${SECURITY.id}`).get()) as Record<string, unknown>;
    assert.equal(g["displayName"], "Badge readers");
    assert.equal(g["mail"], null);
    assert.deepEqual(g["proxyAddresses"], []);
    assert.equal((await graphFailure(fx.graph.api(`/groups/${randomUUID()}`).get())).statusCode, 404);
  });
});

describe("/contacts", () => {
  test("$filter on mail and on proxyAddresses; $select returns exactly the selected properties", async () => {
    const byMail = (await fx.graph.api("/contacts").filter("mail eq 'pat@partner.example'").get()) as {
      value: Record<string, unknown>[];
    };
    assert.deepEqual(
      byMail.value.map((c) => c["id"]),
      [PARTNER.id],
    );
    const byProxy = (await fx.graph
      .api("/contacts")
      .filter("proxyAddresses/any(p:p eq 'smtp:alias+tag@partner.example')".replace("+", "%2B"))
      .select("id,onPremisesSyncEnabled")
      .get()) as { value: Record<string, unknown>[] };
    assert.deepEqual(byProxy.value, [{ id: PARTNER.id, onPremisesSyncEnabled: true }]);
  });

  test("a raw '+' in the query is a space (form decoding), so it matches nothing", async () => {
    const res = (await fx.graph
      .api("/contacts")
      .filter("proxyAddresses/any(p:p eq 'smtp:alias+tag@partner.example')")
      .get()) as { value: unknown[] };
    assert.equal(res.value.length, 0);
  });
});

describe("$batch", () => {
  test("users, groups and contacts look-ups in one batch", async () => {
    const res = (await fx.graph.api("/$batch").post({
      requests: [
        { id: "g", method: "GET", url: "/groups?$filter=mail%20eq%20'sales@contoso.com'&$select=id" },
        { id: "c", method: "GET", url: "/contacts?$filter=mail%20eq%20'pat@partner.example'&$select=id" },
        { id: "x", method: "GET", url: "/contacts?$filter=nope%20eq%201" },
      ],
    })) as { responses: { id: string; status: number; body: { value?: { id: string }[] } }[] };
    const by = new Map(res.responses.map((r) => [r.id, r]));
    assert.deepEqual(by.get("g")?.body.value, [{ id: SALES.id }]);
    assert.deepEqual(by.get("c")?.body.value, [{ id: PARTNER.id }]);
    assert.equal(by.get("x")?.status, 400);
  });
});

describe("uniqueness across object types", () => {
  test("PATCH mail onto a group's proxy: 400 with mailProxyConflict 'observed', no proxy added otherwise", async () => {
    const users = await fx.emu.control.listUsers(fx.tenant.tenantId);
    const u = users.find((x) => x.onPremisesSyncEnabled !== true && x.proxyAddresses.length === 0);
    assert.ok(u);
    await fx.emu.control.setBehavior(fx.tenant.tenantId, { mailProxyConflict: "observed" });
    try {
      const e = await graphFailure(fx.graph.api(`/users/${u.id}`).patch({ mail: "verkauf@contoso.com" }));
      assert.equal(e.statusCode, 400);
      assert.match(e.message, /proxyAddresses/);
    } finally {
      await fx.emu.control.setBehavior(fx.tenant.tenantId, { mailProxyConflict: "documented" });
    }
    await fx.graph.api(`/users/${u.id}`).patch({ mail: "verkauf@contoso.com" });
    const after = await fx.emu.control.getUser(fx.tenant.tenantId, u.id);
    assert.equal(after.mail, "verkauf@contoso.com");
    assert.deepEqual(after.proxyAddresses, [], "G1: the address another object holds is not added");
  });
});

describe("control API", () => {
  test("rejects a group whose id is taken by a user or is not a GUID", async () => {
    const users = await fx.emu.control.listUsers(fx.tenant.tenantId);
    await assert.rejects(
      fx.emu.control.addGroups(fx.tenant.tenantId, [{ id: users[0]?.id ?? "", displayName: "dup" }]),
      /already exists/,
    );
    await assert.rejects(
      fx.emu.control.addGroups(fx.tenant.tenantId, [{ id: "x", displayName: "bad" }]),
      /GUID/,
    );
    const groups = await fx.emu.control.listGroups(fx.tenant.tenantId);
    assert.equal(groups.length, 2 + MANY_GROUPS.length);
  });
});
