/** Open extensions on users: create (409 when it exists), get by name or qualified name, PATCH replaces, DELETE, permissions, $batch. */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CLOUD_USERS } from "../fixtures/seed-scenario";
import { graphFailure, READER_APP, useContosoTenant, graphClient, secretCredential } from "./helpers";

const NAME = "com.adentralink.ownership";
const user = CLOUD_USERS[2] ?? CLOUD_USERS[0];

const fx = useContosoTenant();

describe("open extensions on users", () => {
  test("create, read, conflict, replace, delete", async () => {
    assert.ok(user);
    const base = `/users/${user.id}/extensions`;
    assert.equal((await graphFailure(fx.graph.api(`${base}/${NAME}`).get())).statusCode, 404);
    const created = (await fx.graph.api(base).post({
      "@odata.type": "microsoft.graph.openTypeExtension",
      extensionName: NAME,
      owner: "org/proj/dev",
      linkName: "alice",
    })) as Record<string, unknown>;
    assert.equal(created["id"], NAME);
    assert.equal(created["owner"], "org/proj/dev");

    const again = await graphFailure(
      fx.graph
        .api(base)
        .post({ "@odata.type": "microsoft.graph.openTypeExtension", extensionName: NAME, owner: "x" }),
    );
    assert.equal(again.statusCode, 409);

    const read = (await fx.graph.api(`${base}/microsoft.graph.openTypeExtension.${NAME}`).get()) as Record<
      string,
      unknown
    >;
    assert.equal(read["linkName"], "alice");

    const patched = (await fx.graph.api(`${base}/${NAME}`).patch({
      "@odata.type": "microsoft.graph.openTypeExtension",
      extensionName: NAME,
      owner: "org/proj/prod",
    })) as Record<string, unknown>;
    assert.equal(patched["owner"], "org/proj/prod");
    assert.equal("linkName" in patched, false, "PATCH deletes properties left out");
    assert.deepEqual(await fx.emu.control.getExtensions(fx.tenant.tenantId, user.id), {
      [NAME]: { owner: "org/proj/prod" },
    });

    const list = (await fx.graph.api(base).get()) as { value: { id: string }[] };
    assert.deepEqual(
      list.value.map((e) => e.id),
      [NAME],
    );
    await fx.graph.api(`${base}/${NAME}`).delete();
    assert.equal((await graphFailure(fx.graph.api(`${base}/${NAME}`).get())).statusCode, 404);
    assert.equal((await graphFailure(fx.graph.api(`${base}/${NAME}`).delete())).statusCode, 404);
  });

  test("bad bodies are 400: wrong @odata.type, missing name, nested objects", async () => {
    assert.ok(user);
    const base = `/users/${user.id}/extensions`;
    for (const body of [
      { "@odata.type": "microsoft.graph.user", extensionName: "a.b" },
      { "@odata.type": "microsoft.graph.openTypeExtension" },
      { "@odata.type": "microsoft.graph.openTypeExtension", extensionName: "a.b", nested: { x: 1 } },
    ]) {
      assert.equal((await graphFailure(fx.graph.api(base).post(body))).statusCode, 400, JSON.stringify(body));
    }
    assert.deepEqual(await fx.emu.control.getExtensions(fx.tenant.tenantId, user.id), {});
  });

  test("reading needs User.Read.All, writing User.ReadWrite.All; unknown users are 404", async () => {
    assert.ok(user);
    await fx.emu.control.setExtensions(fx.tenant.tenantId, user.id, { [NAME]: { owner: "o" } });
    const reader = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant, READER_APP));
    const got = (await reader.api(`/users/${user.id}/extensions/${NAME}`).get()) as Record<string, unknown>;
    assert.equal(got["owner"], "o");
    const denied = await graphFailure(
      reader.api(`/users/${user.id}/extensions/${NAME}`).patch({
        "@odata.type": "microsoft.graph.openTypeExtension",
        owner: "p",
      }),
    );
    assert.equal(denied.statusCode, 403);
    assert.equal(
      (await graphFailure(fx.graph.api("/users/00000000-0000-4000-8000-000000000000/extensions").get()))
        .statusCode,
      404,
    );
  });

  test("$batch create with Content-Type, and a second create in the same batch conflicts", async () => {
    const other = CLOUD_USERS[3];
    assert.ok(other);
    const body = { "@odata.type": "microsoft.graph.openTypeExtension", extensionName: NAME, owner: "b" };
    const res = (await fx.graph.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "POST",
          url: `/users/${other.id}/extensions`,
          headers: { "Content-Type": "application/json" },
          body,
        },
        {
          id: "2",
          dependsOn: ["1"],
          method: "POST",
          url: `/users/${other.id}/extensions`,
          headers: { "Content-Type": "application/json" },
          body,
        },
        { id: "3", dependsOn: ["2"], method: "GET", url: `/users/${other.id}/extensions/${NAME}` },
      ],
    })) as { responses: { id: string; status: number }[] };
    const status = Object.fromEntries(res.responses.map((r) => [r.id, r.status]));
    assert.deepEqual(status, { "1": 201, "2": 409, "3": 424 });
  });
});
