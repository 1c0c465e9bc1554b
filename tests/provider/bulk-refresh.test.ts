/**
 * Refresh from the run's bulk read, against the real Samba DC and the emulator: the same recorded
 * links refreshed with bulkRead off and on give identical results, for a converged link, a link whose
 * AD user drifted, a link whose AD user moved out of the base DN (a snapshot miss, read live), and
 * a link whose cloud user was deleted; with bulkRead on, a refresh reads each directory in bulk
 * instead of once per link.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Change, Attribute } from "ldapts";
import { CLOUD_REFRESH_PROPERTIES } from "../../provider/entra/graph-directory";
import type { UserLinkInputs, UserLinkOutputs } from "../../provider/link/types";
import * as runtime from "../../provider/runtime";
import type { RequestLogEntry } from "../emulator/faults";
import { createOu, withAdminClient } from "../infra/samba";
import { clearSettingEnvironment, configLookup } from "../safety/support/in-process";
import { type SafetyScenario, safetyScenario } from "../safety/support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const TAG = "bulkrf";
const KEYS = ["adam", "alva", "bruno", "chen", "mkt01", "mkt02", "mkt03", "mkt04"];
let env: TestEnv;
let s: SafetyScenario;
const recorded: { name: string; id: string; outs: UserLinkOutputs }[] = [];

function useSession(bulkRead: "on" | "off"): void {
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": bulkRead }),
  );
}

/** Graph requests as Graph counts them: every request, each item of a $batch on its own. */
function graphRequests(log: RequestLogEntry[]): number {
  return log.filter((r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")))
    .length;
}

/** Refreshes every recorded link in one provider session, as one `pulumi refresh` does. */
async function refreshAll(bulkRead: "on" | "off"): Promise<{
  results: unknown[];
  graph: number;
  userReads: number;
  ldap: number;
  paths: string[];
  userLists: string[];
}> {
  await runtime.shutdown();
  useSession(bulkRead);
  await env.control.clearRequests(s.tenantId);
  const results: unknown[] = [];
  let ldap = 0;
  try {
    for (const r of recorded) results.push(await runtime.read(r.id, r.outs));
    ldap = runtime.getSession().ad.operations.searches;
  } finally {
    await runtime.shutdown();
  }
  const log = await env.control.requests({ tenant: s.tenantId });
  const userReads = log.filter((r) => r.method === "GET" && /\/users\/[0-9a-f-]{36}$/i.test(r.path)).length;
  const userLists = log.filter((r) => r.method === "GET" && /\/users$/.test(r.path)).map((r) => r.query);
  return { results, graph: graphRequests(log), userReads, ldap, paths: log.map((r) => r.path), userLists };
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, KEYS.slice(0, 4), { includeMarketing: true });
  useSession("off");
  for (const k of KEYS) {
    const checked = await runtime.check(
      {},
      {
        onPremises: { samAccountName: s.users[k]!.seed.sAMAccountName },
        cloud: { userPrincipalName: s.cloud[k]!.userPrincipalName },
        link: `org/proj/${TAG}/link-${k}`,
      },
    );
    assert.deepEqual(checked.failures, [], `${k}: ${JSON.stringify(checked.failures)}`);
    const created = await runtime.create(checked.inputs as unknown as UserLinkInputs);
    recorded.push({ name: k, id: created.id, outs: created.outs });
  }
  await runtime.shutdown();
  // Drift: a hand edit of Alva's mail; Bruno moved out of the sync scope; Chen's cloud user deleted.
  const alva = recorded[1]!.outs.resolved!.onPremisesDistinguishedName;
  const bruno = recorded[2]!.outs.resolved!.onPremisesDistinguishedName;
  const outside = await createOu(s.dc, `OU=outside-${TAG},${env.samba.baseDn}`);
  await withAdminClient(s.dc, async (c) => {
    await c.modify(
      alva,
      new Change({
        operation: "replace",
        modification: new Attribute({ type: "mail", values: [`hand.${TAG}@contoso.com`] }),
      }),
    );
    await c.modifyDN(bruno, `${bruno.split(",")[0]},${outside}`);
  });
  await env.control.deleteUser(s.tenantId, recorded[3]!.outs.resolved!.cloudUserId);
});

after(async () => {
  await runtime.shutdown();
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("refresh from the bulk read gives exactly what per-link reads give, drift and misses included", async () => {
  const off = await refreshAll("off");
  const on = await refreshAll("on");
  assert.deepEqual(on.results, off.results);
  // The cases are really there (else the comparison proves little).
  const byName = new Map(recorded.map((r, i) => [r.name, off.results[i] as { props?: UserLinkOutputs }]));
  assert.deepEqual(byName.get("adam")!.props!.drift, []);
  assert.ok(
    (byName.get("alva")!.props!.drift ?? []).some((d) => d.includes("mail")),
    "Alva's mail drift",
  );
  assert.deepEqual(byName.get("bruno"), {}, "a user moved out of the base DN is gone for the link");
  assert.deepEqual(byName.get("chen"), {}, "a deleted cloud user ends the link");
  // Per link: with bulkRead off every refresh reads each side; on, the bulk reads answer all but the
  // misses (Chen's deleted cloud user is looked up live; Bruno, moved out, is searched live in AD).
  const n = recorded.length;
  assert.equal(off.userReads, n, "per-link refresh reads every cloud user");
  assert.equal(on.userReads, 1, "bulk refresh reads only the missing cloud user live");
  assert.ok(on.ldap < off.ldap, `LDAP searches: bulk ${on.ldap} vs per-link ${off.ldap}`);
  // Refresh asks only for users: the bulk read is the scope's users (one paged search, plus Bruno's
  // live miss), not the holders, groups, contacts, deleted users and roles a check reads.
  assert.equal(on.ldap, 2, "one paged search of the scope's users and one live search for the miss");
  const extra = on.paths.filter((p) => /groups|contacts|deletedItems|roleManagement|directoryRoles/i.test(p));
  assert.deepEqual(extra, [], "no Graph read a refresh does not need");
  // ...and of each user only what refresh uses (the results above are equal all the same).
  assert.equal(on.userLists.length, 1, "one list of the tenant's users");
  const selected = new URLSearchParams(on.userLists[0]).get("$select")?.split(",");
  assert.deepEqual(selected?.sort(), [...CLOUD_REFRESH_PROPERTIES].sort());
  console.log(
    `bulk-refresh: ${n} links; Graph requests off ${off.graph}, on ${on.graph} (per-user reads ${off.userReads} vs ${on.userReads}); LDAP searches off ${off.ldap}, on ${on.ldap}`,
  );
});
