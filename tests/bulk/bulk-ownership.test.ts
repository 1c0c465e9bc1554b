/**
 * Ownership records in bulk (issue 15) against the real Samba DC and the emulator: with bulkRead on,
 * the check of every link of a stack (`stackOwner` set, as the UserLink program sets it) takes the
 * ownership records from the tenant's bulk read (`$expand=extensions` on the users list) and gives
 * exactly the per-link answers — another stack's record (refused, naming it), this stack's own
 * record, a malformed record (the same error), no record — with no per-link extension read; the
 * second question about a user (the claim before a write) and any user whose record this process
 * wrote read Graph again, so a record changed after the bulk read is seen.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BulkGate, CachedEntra } from "../../provider/bulk/cached";
import { EntraDirectory } from "../../provider/entra/graph-directory";
import { OWNERSHIP_EXTENSION } from "../../provider/entra/ownership";
import * as runtime from "../../provider/runtime";
import type { RequestLogEntry } from "../emulator/faults";
import { clearSettingEnvironment, configLookup, settingsFor } from "../safety/support/in-process";
import { type SafetyScenario, safetyScenario } from "../safety/support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const TAG = "bulkown";
const US = "org/ownership/a";
const THEM = "org/ownership/b";
let env: TestEnv;
let s: SafetyScenario;
let links: { name: string; args: Record<string, unknown>; cloudId: string }[] = [];

type Outcome =
  | { name: string; inputs: Record<string, unknown>; failures: runtime.CheckFailure[] }
  | {
      name: string;
      error: string;
    };

function graphRequests(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")));
}

function extensionReads(log: RequestLogEntry[]): RequestLogEntry[] {
  return graphRequests(log).filter((r) => r.method === "GET" && /\/extensions(\/|$)/i.test(r.path));
}

/** Checks every link as this stack in one provider session; returns outcomes and the Graph requests. */
async function checkAll(bulkRead: "on" | "off"): Promise<{ out: Outcome[]; log: RequestLogEntry[] }> {
  await runtime.shutdown();
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": bulkRead }),
  );
  await env.control.clearRequests(s.tenantId);
  const out: Outcome[] = [];
  try {
    for (const l of links) {
      try {
        const r = await runtime.check({}, { ...l.args, linkName: l.name, stackOwner: US });
        out.push({ name: l.name, inputs: r.inputs, failures: r.failures });
      } catch (err) {
        out.push({ name: l.name, error: `${(err as { code?: string }).code}: ${(err as Error).message}` });
      }
    }
  } finally {
    await runtime.shutdown();
  }
  return { out, log: await env.control.requests({ tenant: s.tenantId }) };
}

function record(owner: string, linkName: string): Record<string, unknown> {
  return { owner, linkName, onPremisesObjectGuid: "00000000-0000-4000-8000-000000000001" };
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, ["adam", "alva", "bruno", "chen", "siobhan", "gina"], {
    includeMarketing: true,
  });
  const keys = Object.keys(s.users)
    .filter((k) => s.cloud[k] !== undefined)
    .sort();
  links = keys.map((k) => ({
    name: `own-${k}`,
    args: {
      onPremises: { samAccountName: s.users[k]!.seed.sAMAccountName },
      cloud: { userPrincipalName: s.cloud[k]!.userPrincipalName },
    },
    cloudId: s.cloud[k]!.id,
  }));
  // Another stack's record, this stack's own record, a malformed one (no owner), and one that only
  // carries somebody else's unrelated extension.
  await env.control.setExtensions(s.tenantId, links[0]!.cloudId, {
    [OWNERSHIP_EXTENSION]: record(THEM, "their-link"),
  });
  await env.control.setExtensions(s.tenantId, links[1]!.cloudId, {
    [OWNERSHIP_EXTENSION]: record(US, links[1]!.name),
  });
  await env.control.setExtensions(s.tenantId, links[2]!.cloudId, {
    [OWNERSHIP_EXTENSION]: { linkName: "x", onPremisesObjectGuid: "y" },
  });
  await env.control.setExtensions(s.tenantId, links[3]!.cloudId, {
    "com.contoso.roamingSettings": { theme: "dark" },
  });
});

after(async () => {
  await runtime.shutdown();
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("bulkRead on answers ownership from the bulk read exactly as the per-link reads do", async () => {
  assert.ok(links.length >= 50, `enough links (${links.length})`);
  const off = await checkAll("off");
  const on = await checkAll("on");
  assert.equal(on.out.length, off.out.length);
  for (let i = 0; i < off.out.length; i++) {
    assert.deepEqual(on.out[i], off.out[i], `link ${off.out[i]!.name}: same outcome`);
  }
  // The arranged records are seen (else the comparison proves little).
  const first = off.out[0]!;
  assert.ok("failures" in first);
  assert.match(
    first.failures.map((f) => f.reason).join("\n"),
    /LINK_OWNED_BY_OTHER_STACK.*org\/ownership\/b/,
  );
  const own = off.out[1]!;
  assert.ok("failures" in own && own.failures.length === 0, JSON.stringify(own));
  assert.match(JSON.stringify(off.out[2]), /ENTRA_OWNERSHIP_UNREADABLE/);
  const n = links.length;
  assert.ok(extensionReads(off.log).length >= n - 1, "the per-link run reads every record");
  assert.equal(extensionReads(on.log).length, 0, "no per-link ownership read with bulkRead on");
  const bulk = graphRequests(on.log).filter(
    (r) => r.path.endsWith("/users") && /\$expand=extensions/.test(r.query),
  );
  assert.ok(bulk.length >= 1, "the users list expands extensions");
  const perLink = graphRequests(on.log).length / n;
  console.log(
    `bulk-ownership: ${n} links; Graph requests off ${graphRequests(off.log).length}, on ${graphRequests(on.log).length} (${perLink.toFixed(3)}/link)`,
  );
  assert.ok(perLink <= 0.2, `Graph requests per link with bulkRead on and stackOwner: ${perLink}`);
});

test("the second ownership question, and any record this process wrote, read Graph", async () => {
  const settings = settingsFor(env, { tenantId: s.tenantId, baseDn: s.ou });
  const inner = new EntraDirectory(settings.entra);
  const gate = new BulkGate("on");
  gate.noteLink("open");
  const cached = new CachedEntra(inner, gate);
  const [theirs, mine, , , free] = links.map((l) => l.cloudId);
  await env.control.clearRequests(s.tenantId);
  assert.equal((await cached.getOwnership(theirs!))?.owner, THEM);
  assert.equal(extensionReads(await env.control.requests({ tenant: s.tenantId })).length, 0);
  // The record changes after the bulk read: the claim's question sees the change.
  await env.control.setExtensions(s.tenantId, theirs!, {});
  assert.equal(await cached.getOwnership(theirs!), undefined);
  assert.equal(extensionReads(await env.control.requests({ tenant: s.tenantId })).length, 1);
  // A record written by this process is read live from then on, even on a first question.
  await cached.setOwnership(free!, { owner: US, linkName: "fresh", onPremisesObjectGuid: "g" });
  await env.control.clearRequests(s.tenantId);
  assert.equal((await cached.getOwnership(free!))?.linkName, "fresh");
  assert.equal(extensionReads(await env.control.requests({ tenant: s.tenantId })).length, 1);
  // Released too.
  await cached.releaseOwnership(mine!, US);
  await env.control.clearRequests(s.tenantId);
  assert.equal(await cached.getOwnership(mine!), undefined);
  assert.equal(extensionReads(await env.control.requests({ tenant: s.tenantId })).length, 1);
});

test("the users list expanded with extensions carries each user's ownership record apart from the user", async () => {
  const settings = settingsFor(env, { tenantId: s.tenantId, baseDn: s.ou });
  const inner = new EntraDirectory(settings.entra);
  const seen = new Map<string, Record<string, unknown> | undefined>();
  await inner.listUsersWithOwnership(["id", "userPrincipalName"], (page) => {
    for (const u of page) {
      assert.equal("extensions" in u.user, false, "the user carries no extensions property");
      seen.set(u.user.id, u.ownership);
    }
  });
  assert.equal(seen.get(links[3]!.cloudId), undefined, "another app's extension is not ours");
  assert.equal(seen.get(links[2]!.cloudId)?.["extensionName"], OWNERSHIP_EXTENSION);
  assert.ok(seen.size >= links.length);
});
