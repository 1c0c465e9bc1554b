/** Domains, organization, directory roles (active, PIM-eligible, memberOf) and onPremisesSynchronization. */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { CLOUD_USERS, ROLE_TEMPLATES } from "../fixtures/seed-scenario";
import { graphFailure, READER_APP, useContosoTenant, graphClient, secretCredential } from "./helpers";

const gina = CLOUD_USERS.find((u) => u.key === "gina")!;
const pat = CLOUD_USERS.find((u) => u.key === "pat")!;
const globalAdmin = ROLE_TEMPLATES.find((r) => r.displayName === "Global Administrator")!;
const privilegedRoleAdmin = ROLE_TEMPLATES.find((r) => r.displayName === "Privileged Role Administrator")!;

const fx = useContosoTenant();

describe("domains and organization", () => {
  test("GET /domains lists verified and unverified domains with their flags", async () => {
    const r = (await fx.graph.api("/domains").get()) as { value: Record<string, unknown>[] };
    const pick = r.value.map((d) => [
      d["id"],
      d["isVerified"],
      d["isDefault"],
      d["isInitial"],
      d["authenticationType"],
    ]);
    assert.deepEqual(pick, [
      ["contosolab.onmicrosoft.com", true, false, true, "Managed"],
      ["contoso.com", true, true, false, "Managed"],
      ["fabrikam.com", true, false, false, "Federated"],
      ["contoso.net", false, false, false, "Managed"],
    ]);
  });

  test("GET /organization: never synced yet, verified domains only", async () => {
    const r = (await fx.graph.api("/organization").get()) as { value: Record<string, unknown>[] };
    const org = r.value[0] as {
      id: string;
      onPremisesSyncEnabled: unknown;
      verifiedDomains: { name: string }[];
    };
    assert.equal(org.id, fx.tenant.tenantId);
    assert.equal(org.onPremisesSyncEnabled, null);
    assert.deepEqual(
      org.verifiedDomains.map((d) => d.name),
      ["contosolab.onmicrosoft.com", "contoso.com", "fabrikam.com"],
    );
  });
});

describe("directory roles", () => {
  test("active assignments by principalId, and the role definition marks it privileged", async () => {
    const r = (await fx.graph
      .api("/roleManagement/directory/roleAssignments")
      .filter(`principalId eq '${gina.id}'`)
      .get()) as {
      value: { principalId: string; roleDefinitionId: string; directoryScopeId: string }[];
    };
    assert.equal(r.value.length, 1);
    assert.equal(r.value[0]?.roleDefinitionId, globalAdmin.id);
    assert.equal(r.value[0]?.directoryScopeId, "/");
    const def = (await fx.graph
      .api(`/roleManagement/directory/roleDefinitions/${globalAdmin.id}`)
      .get()) as Record<string, unknown>;
    assert.equal(def["displayName"], "Global Administrator");
    assert.equal(def["isBuiltIn"], true);
    assert.equal(def["isPrivileged"], true);
    assert.equal(def["templateId"], globalAdmin.id);
    const none = (await fx.graph
      .api("/roleManagement/directory/roleAssignments")
      .filter(`principalId eq '${pat.id}'`)
      .get()) as { value: unknown[] };
    assert.equal(none.value.length, 0, "PIM eligibility is not an active assignment");
  });

  test("PIM eligibility shows in roleEligibilityScheduleInstances", async () => {
    const r = (await fx.graph
      .api("/roleManagement/directory/roleEligibilityScheduleInstances")
      .filter(`principalId eq '${pat.id}'`)
      .get()) as {
      value: { roleDefinitionId: string; memberType: string }[];
    };
    assert.deepEqual(
      r.value.map((x) => x.roleDefinitionId),
      [privilegedRoleAdmin.id],
    );
  });

  test("memberOf/microsoft.graph.directoryRole: limited information with User.Read.All, full with Directory.Read.All", async () => {
    const limited = (await fx.graph
      .api(`/users/${gina.id}/memberOf/microsoft.graph.directoryRole`)
      .get()) as {
      value: Record<string, unknown>[];
    };
    assert.equal(limited.value.length, 1);
    assert.deepEqual(Object.keys(limited.value[0] ?? {}).sort(), ["@odata.type", "id"]);

    const clientId = randomUUID();
    await fx.emu.control.addApp(fx.tenant.tenantId, {
      clientId,
      displayName: "directory reader",
      secret: "dir-reader",
      roles: ["Directory.Read.All"],
    });
    const reader = graphClient(
      fx.emu,
      secretCredential(fx.emu, await fx.emu.control.getTenant(fx.tenant.tenantId), "directory reader"),
    );
    const full = (await reader.api(`/users/${gina.id}/memberOf/microsoft.graph.directoryRole`).get()) as {
      value: Record<string, unknown>[];
    };
    assert.equal(full.value[0]?.["displayName"], "Global Administrator");
    assert.equal(full.value[0]?.["roleTemplateId"], globalAdmin.id);
  });

  test("reading role assignments needs RoleManagement permissions: the reporter gets 403", async () => {
    const reporter = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant, READER_APP));
    const e = await graphFailure(
      reporter.api("/roleManagement/directory/roleAssignments").filter(`principalId eq '${gina.id}'`).get(),
    );
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Authorization_RequestDenied");
  });

  test("role changes made through the control API are visible right away", async () => {
    await fx.emu.control.assignRole(fx.tenant.tenantId, {
      principalId: pat.id,
      role: "User Administrator",
      kind: "active",
    });
    const r = (await fx.graph
      .api("/roleManagement/directory/roleAssignments")
      .filter(`principalId eq '${pat.id}'`)
      .get()) as { value: unknown[] };
    assert.equal(r.value.length, 1);
    await fx.emu.control.removeRole(fx.tenant.tenantId, {
      principalId: pat.id,
      role: "User Administrator",
      kind: "active",
    });
    const after = (await fx.graph
      .api("/roleManagement/directory/roleAssignments")
      .filter(`principalId eq '${pat.id}'`)
      .get()) as { value: unknown[] };
    assert.equal(after.value.length, 0);
  });
});

describe("onPremisesSynchronization", () => {
  test("app-only callers are refused (no application permission exists); features are read through the control API", async () => {
    const e = await graphFailure(fx.graph.api("/directory/onPremisesSynchronization").get());
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Authorization_RequestDenied");
    const features = await fx.emu.control.getFeatures(fx.tenant.tenantId);
    assert.equal(features.softMatchOnUpnEnabled, true);
    assert.equal(features.blockSoftMatchEnabled, false);
  });
});
