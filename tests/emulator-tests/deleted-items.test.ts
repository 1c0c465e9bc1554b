/**
 * DELETE /users/{id} moves the user to the recycle bin; /directory/deletedItems/microsoft.graph.user
 * lists it (with $filter on onPremisesImmutableId, case-sensitive) and frees its UPN.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { CLOUD_USERS } from "../fixtures/seed-scenario";
import { graphFailure, READER_APP, useContosoTenant, graphClient, secretCredential } from "./helpers";

const ANCHOR = "Ab+c/dEfGhIjKlMnOpQrSw==";
const GONE = {
  key: "gone",
  id: randomUUID(),
  userPrincipalName: "gone@contoso.com",
  displayName: "Gone",
  givenName: "Gone",
  surname: "User",
  mailNickname: "gone",
  onPremisesImmutableId: ANCHOR,
  onPremisesSyncEnabled: true,
};

const fx = useContosoTenant({ patch: { deletedUsers: [GONE] } });

const DELETED = "/directory/deletedItems/microsoft.graph.user";

function anchorFilter(anchor: string): string {
  return `onPremisesImmutableId eq '${anchor}'`;
}

describe("deletedItems", () => {
  test("a seeded deleted user is found by its ImmutableId; the comparison is case-sensitive", async () => {
    const url = `${DELETED}?$filter=${encodeURIComponent(anchorFilter(ANCHOR))}&$select=id,userPrincipalName,deletedDateTime`;
    const res = (await fx.graph.api(url).get()) as { value: Record<string, unknown>[] };
    assert.equal(res.value.length, 1);
    assert.equal(res.value[0]?.["id"], GONE.id);
    assert.equal(typeof res.value[0]?.["deletedDateTime"], "string");
    const lower = `${DELETED}?$filter=${encodeURIComponent(anchorFilter(ANCHOR.toLowerCase()))}`;
    assert.equal(((await fx.graph.api(lower).get()) as { value: unknown[] }).value.length, 0);
    const live = `/users?$filter=${encodeURIComponent(anchorFilter(ANCHOR))}`;
    assert.equal(
      ((await fx.graph.api(live).get()) as { value: unknown[] }).value.length,
      0,
      "not a live user",
    );
  });

  test("the cast is required", async () => {
    assert.equal((await graphFailure(fx.graph.api("/directory/deletedItems").get())).statusCode, 400);
  });

  test("DELETE /users/{id} soft-deletes: gone from /users, in the recycle bin with its anchor, UPN freed", async () => {
    const victim = CLOUD_USERS.find((u) => u.key === "bruno") ?? CLOUD_USERS[1];
    assert.ok(victim);
    await fx.emu.control.patchUser(fx.tenant.tenantId, victim.id, { onPremisesImmutableId: "Zz9+x/yw==" });
    await fx.graph.api(`/users/${victim.id}`).delete();
    assert.equal((await graphFailure(fx.graph.api(`/users/${victim.id}`).get())).statusCode, 404);
    const res = (await fx.graph
      .api(
        `${DELETED}?$filter=${encodeURIComponent(anchorFilter("Zz9+x/yw=="))}&$select=id,userPrincipalName`,
      )
      .get()) as { value: { id: string; userPrincipalName: string }[] };
    assert.deepEqual(
      res.value.map((u) => u.id),
      [victim.id],
    );
    assert.equal(
      res.value[0]?.userPrincipalName,
      `${victim.id.replace(/-/g, "")}${victim.userPrincipalName}`,
    );
    const one = (await fx.graph.api(`/directory/deletedItems/${victim.id}`).get()) as Record<string, unknown>;
    assert.equal(one["@odata.type"], "#microsoft.graph.user");
    const bin = await fx.emu.control.listDeletedUsers(fx.tenant.tenantId);
    assert.ok(bin.some((u) => u.id === victim.id && u.deletedDateTime.length > 0));
    const roles = await fx.emu.control.listRoleAssignments(fx.tenant.tenantId);
    assert.ok(!roles.some((r) => r.principalId === victim.id), "role assignments go with the user");
  });

  test("deleting needs a write permission, and an admin cannot be deleted app-only", async () => {
    const reader = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant, READER_APP));
    const someone = CLOUD_USERS.find((u) => !u.activeRoles?.length && u.key !== "bruno");
    assert.ok(someone);
    assert.equal((await graphFailure(reader.api(`/users/${someone.id}`).delete())).statusCode, 403);
    const admin = CLOUD_USERS.find((u) => u.activeRoles?.includes("Global Administrator"));
    assert.ok(admin);
    assert.equal((await graphFailure(fx.graph.api(`/users/${admin.id}`).delete())).statusCode, 403);
    assert.ok(await fx.graph.api(`/users/${admin.id}`).get());
  });

  test("$batch: live and deleted anchor look-ups together", async () => {
    const f = encodeURIComponent(anchorFilter(ANCHOR));
    const res = (await fx.graph.api("/$batch").post({
      requests: [
        { id: "live", method: "GET", url: `/users?$filter=${f}&$select=id` },
        { id: "deleted", method: "GET", url: `${DELETED}?$filter=${f}&$select=id` },
      ],
    })) as { responses: { id: string; status: number; body: { value: { id: string }[] } }[] };
    const by = new Map(res.responses.map((r) => [r.id, r]));
    assert.deepEqual(by.get("live")?.body.value, []);
    assert.deepEqual(by.get("deleted")?.body.value, [{ id: GONE.id }]);
  });
});
