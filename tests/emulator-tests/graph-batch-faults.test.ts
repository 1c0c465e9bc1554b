/**
 * JSON batching and fault injection, observed through the real Graph client: per-item failures and
 * dependsOn, out-of-order responses, the 20-request limit, per-item throttling, and 429/503 that the
 * client's RetryHandler waits out (visible in the request log), dropped connections, latency, and a
 * throttled token endpoint that @azure/identity retries.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import { CLOUD_USERS } from "../fixtures/seed-scenario";
import {
  createContosoTenant,
  GRAPH_SCOPE,
  graphFailure,
  secretCredential,
  useContosoTenant,
} from "./helpers";

const adam = CLOUD_USERS.find((u) => u.key === "adam")!;
const alva = CLOUD_USERS.find((u) => u.key === "alva")!;

interface BatchResponse {
  responses: {
    id: string;
    status: number;
    headers: Record<string, string>;
    body?: { error?: { code: string; message: string } };
  }[];
}

const fx = useContosoTenant({
  prepare: () => fx.graph.api("/organization").get(), // token acquired once, so logs below show Graph calls only
});

afterEach(async () => {
  await fx.emu.control.clearFaults(fx.tenant.tenantId);
});

describe("$batch", () => {
  test("per-item statuses, a failed dependency gives 424, responses are not in request order", async () => {
    const missing = randomUUID();
    const r = (await fx.graph.api("/$batch").post({
      requests: [
        { id: "1", method: "GET", url: `/users/${adam.id}?$select=id,userPrincipalName` },
        { id: "2", method: "GET", url: `/users/${missing}` },
        {
          id: "3",
          method: "PATCH",
          url: `/users/${missing}`,
          dependsOn: ["2"],
          headers: { "Content-Type": "application/json" },
          body: { jobTitle: "x" },
        },
        {
          id: "4",
          method: "GET",
          url: "/users?$filter=proxyAddresses/any(p:p eq 'SMTP:alva.wood@contoso.com')&$select=id",
        },
      ],
    })) as BatchResponse;
    const byId = new Map(r.responses.map((x) => [x.id, x]));
    assert.equal(byId.get("1")?.status, 200);
    assert.equal(byId.get("2")?.status, 404);
    assert.equal(byId.get("2")?.body?.error?.code, "Request_ResourceNotFound");
    assert.equal(byId.get("3")?.status, 424);
    assert.equal(byId.get("4")?.status, 200);
    assert.deepEqual(
      (byId.get("4")?.body as unknown as { value: { id: string }[] }).value.map((u) => u.id),
      [alva.id],
    );
    assert.notDeepEqual(
      r.responses.map((x) => x.id),
      ["1", "2", "3", "4"],
      "clients must correlate by id",
    );
    const log = await fx.emu.control.requests({ tenant: fx.tenant.tenantId });
    const items = log.filter((e) => e.kind === "batch-item");
    assert.equal(items.length, 3, "the 424 item never ran");
  });

  test("a body without Content-Type is refused for that item", async () => {
    const r = (await fx.graph.api("/$batch").post({
      requests: [{ id: "a", method: "PATCH", url: `/users/${adam.id}`, body: { jobTitle: "x" } }],
    })) as BatchResponse;
    assert.equal(r.responses[0]?.status, 400);
  });

  test("more than 20 requests: the whole batch is 400", async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: "GET",
      url: "/organization",
    }));
    const e = await graphFailure(fx.graph.api("/$batch").post({ requests }));
    assert.equal(e.statusCode, 400);
    assert.equal(e.message, "Number of requests inside batch exceeds the limit.");
  });

  test("items are throttled individually (429 + Retry-After inside a 200 batch; not retried by the SDK)", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, batchItem: true, pathRegex: `^/v1\\.0/users/${alva.id}$` },
      action: { status: 429, retryAfterSeconds: 7 },
      times: 1,
    });
    const r = (await fx.graph.api("/$batch").post({
      requests: [
        { id: "adam", method: "GET", url: `/users/${adam.id}` },
        { id: "alva", method: "GET", url: `/users/${alva.id}` },
      ],
    })) as BatchResponse;
    const throttled = r.responses.find((x) => x.id === "alva");
    assert.equal(throttled?.status, 429);
    assert.equal(throttled?.headers["Retry-After"], "7");
    assert.equal(throttled?.body?.error?.code, "TooManyRequests");
    assert.equal(r.responses.find((x) => x.id === "adam")?.status, 200);
  });
});

describe("faults", () => {
  test("429 with Retry-After: the Graph client's RetryHandler waits and retries (log: 429 then 200)", async () => {
    const rule = await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, method: "GET", pathRegex: "^/v1\\.0/organization$" },
      action: { status: 429, retryAfterSeconds: 2 },
      times: 1,
    });
    const since = (await fx.emu.control.requests()).at(-1)?.seq ?? 0;
    const started = Date.now();
    const org = (await fx.graph.api("/organization").get()) as { value: { id: string }[] };
    const elapsed = Date.now() - started;
    assert.equal(org.value[0]?.id, fx.tenant.tenantId);
    assert.ok(elapsed >= 2000, `waited ${elapsed} ms, Retry-After was 2 s`);
    const log = (await fx.emu.control.requests({ tenant: fx.tenant.tenantId, sinceSeq: since })).filter(
      (e) => e.kind === "graph",
    );
    assert.deepEqual(
      log.map((e) => e.status),
      [429, 200],
    );
    assert.equal(log[0]?.faultRuleId, rule.id);
  });

  test("a 503 burst is retried until it passes", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, pathRegex: "^/v1\\.0/domains$" },
      action: { status: 503, retryAfterSeconds: 1 },
      times: 2,
    });
    const since = (await fx.emu.control.requests()).at(-1)?.seq ?? 0;
    await fx.graph.api("/domains").get();
    const log = (await fx.emu.control.requests({ tenant: fx.tenant.tenantId, sinceSeq: since })).filter(
      (e) => e.kind === "graph",
    );
    assert.deepEqual(
      log.map((e) => e.status),
      [503, 503, 200],
    );
  });

  test("more 429s than the client retries (3) surface as a GraphError 429", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, pathRegex: "^/v1\\.0/domains$" },
      action: { status: 429, retryAfterSeconds: 0 },
      times: 4,
    });
    const e = await graphFailure(fx.graph.api("/domains").get());
    assert.equal(e.statusCode, 429);
    assert.equal(e.code, "TooManyRequests");
  });

  test("a dropped connection fails the call (no HTTP status) and is logged as dropped", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, pathRegex: "^/v1\\.0/domains$" },
      action: { drop: true },
      times: 1,
    });
    await assert.rejects(fx.graph.api("/domains").get());
    const log = await fx.emu.control.requests({ tenant: fx.tenant.tenantId });
    assert.equal(log.at(-1)?.outcome, "dropped");
  });

  test("added latency delays the answer", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, pathRegex: "^/v1\\.0/organization$" },
      action: { delayMs: 400 },
      times: 1,
    });
    const started = Date.now();
    await fx.graph.api("/organization").get();
    assert.ok(Date.now() - started >= 400);
  });

  test("a write failure for one user only", async () => {
    await fx.emu.control.addFault({
      match: { tenant: fx.tenant.tenantId, method: "PATCH", pathRegex: `^/v1\\.0/users/${adam.id}$` },
      action: { status: 500, body: { error: { code: "InternalServerError", message: "boom" } } },
      times: 1,
    });
    const e = await graphFailure(fx.graph.api(`/users/${adam.id}`).patch({ jobTitle: "x" }));
    assert.equal(e.statusCode, 500);
    await fx.graph.api(`/users/${alva.id}`).patch({ jobTitle: "y" });
  });

  test("a rule bound to another tenant does not touch this one", async () => {
    const rule = await fx.emu.control.addFault({
      match: { tenant: randomUUID(), pathRegex: "^/v1\\.0/organization$" },
      action: { status: 503 },
      times: 1,
    });
    await fx.graph.api("/organization").get();
    const remaining = (await fx.emu.control.listFaults()).find((f) => f.id === rule.id);
    assert.equal(remaining?.hits, 0);
    await fx.emu.control.removeFault(rule.id);
  });

  test("a throttled token endpoint is retried by @azure/identity", async () => {
    const t = await createContosoTenant(fx.emu);
    try {
      await fx.emu.control.addFault({
        match: { tenant: t.tenantId, method: "POST", pathRegex: "/oauth2/v2\\.0/token$" },
        action: { status: 503, retryAfterSeconds: 1 },
        times: 1,
      });
      const token = await secretCredential(fx.emu, t).getToken(GRAPH_SCOPE);
      assert.ok(token.token.length > 0);
      const log = (await fx.emu.control.requests({ tenant: t.tenantId })).filter((e) =>
        e.path.endsWith("/token"),
      );
      assert.deepEqual(
        log.map((e) => e.status),
        [503, 200],
      );
    } finally {
      await fx.emu.control.clearFaults(t.tenantId);
      await fx.emu.control.deleteTenant(t.tenantId);
    }
  });
});
