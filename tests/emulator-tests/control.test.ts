/** The control API itself: snapshots, tenant isolation, seeds, the child-process mode and its control key. */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { EmulatorControlError } from "../emulator/control-client";
import { startEmulatorProcess } from "../emulator/process";
import { legacyTenantSeed } from "../emulator/seeds";
import { CLOUD_USERS, LEGACY_TENANT_INITIAL_DOMAIN } from "../fixtures/seed-scenario";
import {
  createContosoTenant,
  GRAPH_SCOPE,
  graphClient,
  identityOptions,
  secretCredential,
  useContosoTenant,
} from "./helpers";

const fx = useContosoTenant({ tenantMayBeGone: true });

const adam = CLOUD_USERS.find((u) => u.key === "adam")!;

describe("snapshots", () => {
  test("are byte-for-byte stable, change with the directory, and return after a reset", async () => {
    const first = await fx.emu.control.snapshot(fx.tenant.tenantId);
    assert.equal(await fx.emu.control.snapshot(fx.tenant.tenantId), first);
    const parsed = JSON.parse(first) as { users: { id: string }[]; features: Record<string, boolean> };
    assert.equal(parsed.users.length, 11 + 47);
    assert.deepEqual(
      parsed.users.map((u) => u.id),
      [...parsed.users.map((u) => u.id)].sort(),
    );
    assert.doesNotMatch(first, /createdDateTime/, "volatile timestamps are left out by default");

    const graph = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant));
    await graph.api(`/users/${adam.id}`).patch({ jobTitle: "Engineer" });
    const changed = await fx.emu.control.snapshot(fx.tenant.tenantId);
    assert.notEqual(changed, first);
    assert.match(changed, /"jobTitle": "Engineer"/);

    await fx.emu.control.resetTenant(fx.tenant.tenantId);
    assert.equal(await fx.emu.control.snapshot(fx.tenant.tenantId), first);
  });

  test("the request log is not part of the snapshot", async () => {
    const before = await fx.emu.control.snapshot(fx.tenant.tenantId);
    await graphClient(fx.emu, secretCredential(fx.emu, fx.tenant)).api("/organization").get();
    assert.equal(await fx.emu.control.snapshot(fx.tenant.tenantId), before);
  });
});

describe("tenants", () => {
  test("tenants are isolated: users, features, request log", async () => {
    const other = await createContosoTenant(fx.emu);
    try {
      await fx.emu.control.setFeatures(other.tenantId, { blockSoftMatchEnabled: true });
      await fx.emu.control.patchUser(other.tenantId, adam.id, { displayName: "Changed elsewhere" });
      assert.equal((await fx.emu.control.getFeatures(fx.tenant.tenantId)).blockSoftMatchEnabled, false);
      assert.equal((await fx.emu.control.getUser(fx.tenant.tenantId, adam.id)).displayName, "Adam Anderson");

      await fx.emu.control.clearRequests(fx.tenant.tenantId);
      await secretCredential(fx.emu, other).getToken(GRAPH_SCOPE);
      assert.equal((await fx.emu.control.requests({ tenant: fx.tenant.tenantId })).length, 0);
      assert.ok((await fx.emu.control.requests({ tenant: other.tenantId })).length >= 2);
    } finally {
      await fx.emu.control.deleteTenant(other.tenantId);
    }
  });

  test("a token of one tenant does not open another tenant's data", async () => {
    const other = await createContosoTenant(fx.emu);
    try {
      await fx.emu.control.patchUser(other.tenantId, adam.id, { jobTitle: "Only in other" });
      const graph = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant));
      const r = (await graph.api(`/users/${adam.id}`).select("jobTitle").get()) as {
        jobTitle: string | null;
      };
      assert.equal(r.jobTitle, null);
    } finally {
      await fx.emu.control.deleteTenant(other.tenantId);
    }
  });

  test("the legacy seed has SoftMatchOnUpn off and its own initial domain", async () => {
    const legacy = await fx.emu.control.createTenant(legacyTenantSeed({ tenantId: randomUUID() }));
    try {
      assert.equal(legacy.initialDomain, LEGACY_TENANT_INITIAL_DOMAIN);
      assert.equal((await fx.emu.control.getFeatures(legacy.tenantId)).softMatchOnUpnEnabled, false);
    } finally {
      await fx.emu.control.deleteTenant(legacy.tenantId);
    }
  });

  test("creating a tenant twice, or touching a missing one, is a control error", async () => {
    await assert.rejects(
      fx.emu.control.createTenant({
        ...(await fx.emu.control.getTenant(fx.tenant.tenantId)),
        displayName: "x",
        domains: [],
        users: [],
        apps: [],
      }),
      (e: Error) => {
        assert.ok(e instanceof EmulatorControlError);
        assert.equal(e.status, 409);
        return true;
      },
    );
    await assert.rejects(
      fx.emu.control.getFeatures(randomUUID()),
      (e: Error) => e instanceof EmulatorControlError && e.status === 404,
    );
  });
});

describe("child process", () => {
  test("startEmulatorProcess serves tokens and Graph; stop() ends the process", async () => {
    const proc = await startEmulatorProcess({ controlKey: "k-123", seeds: ["contoso"] });
    let stopped = false;
    try {
      assert.ok((await proc.control.health()).ok);
      const t = await proc.control.getTenant("8a1c3f5e-2b4d-4e6f-9a0b-1c2d3e4f5a6b");
      const remote = {
        baseUrl: proc.baseUrl,
        caCertPem: proc.caCertPem,
        control: proc.control,
        close: async () => undefined,
      };
      assert.deepEqual(identityOptions(remote).authorityHost, proc.baseUrl);
      const graph = graphClient(remote, secretCredential(remote, t));
      const org = (await graph.api("/organization").get()) as { value: { displayName: string }[] };
      assert.equal(org.value[0]?.displayName, "Contoso Lab");

      const { EmulatorControl } = await import("../emulator/control-client");
      const wrongKey = new EmulatorControl(proc.baseUrl, proc.caCertPem, "wrong");
      await assert.rejects(
        wrongKey.health(),
        (e: Error) => e instanceof EmulatorControlError && e.status === 401,
      );
      wrongKey.close();

      await proc.stop();
      stopped = true;
      assert.throws(() => process.kill(proc.pid, 0), /ESRCH/);
    } finally {
      if (!stopped) await proc.stop();
    }
  });
});
