/**
 * Refresh by digest, against the real Samba DC and the emulator, through the methods as Pulumi's
 * host calls them (`runtime.hosted`): links written by `create` are certified; a refresh answers
 * the unchanged ones by digest and gives, for every link, exactly what the full refresh gives,
 * whichever side drifted (AD by hand, the cloud user by hand, a user gone).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Attribute, Change } from "ldapts";
import { type PackedOutputs, REFRESH_DIGEST_KEY, unpackOutputs } from "../../provider/link/packed";
import type { UserLinkInputs } from "../../provider/link/types";
import * as runtime from "../../provider/runtime";
import { withAdminClient } from "../infra/samba";
import { clearSettingEnvironment, configLookup } from "../safety/support/in-process";
import { type SafetyScenario, safetyScenario } from "../safety/support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const TAG = "rdigest";
const KEYS = ["adam", "alva", "bruno", "chen", "mkt01", "mkt02"];
let env: TestEnv;
let s: SafetyScenario;
const links: { name: string; id: string; outs: PackedOutputs; inputs: UserLinkInputs }[] = [];

function useSession(): void {
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": "on" }),
  );
}

/** One refresh pass over every link, as one provider process of `pulumi refresh` runs it. */
async function readAll(strip: boolean): Promise<{
  results: { id?: string; props?: PackedOutputs }[];
  byDigest: number;
  ldapSearches: number;
  cloudUserReads: number;
}> {
  await runtime.shutdown();
  useSession();
  await env.control.clearRequests(s.tenantId);
  try {
    const results: { id?: string; props?: PackedOutputs }[] = [];
    for (const l of links) {
      const { [REFRESH_DIGEST_KEY]: _d, ...bare } = l.outs;
      const props = strip ? (bare as PackedOutputs) : l.outs;
      results.push((await runtime.hosted.read(l.id, props)) as { id?: string; props?: PackedOutputs });
    }
    const ldapSearches = runtime.getSession().ad.operations.searches;
    const log = await env.control.requests({ tenant: s.tenantId });
    const cloudUserReads = log.filter(
      (r) => r.method === "GET" && /\/users\/[0-9a-f-]{36}$/i.test(r.path),
    ).length;
    return { results, byDigest: runtime.refreshStats().readsByDigest, ldapSearches, cloudUserReads };
  } finally {
    await runtime.shutdown();
  }
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, KEYS.slice(0, 4), { includeMarketing: true });
  useSession();
  for (const k of KEYS) {
    const news = {
      onPremises: { samAccountName: s.users[k]!.seed.sAMAccountName },
      cloud: { userPrincipalName: s.cloud[k]!.userPrincipalName },
      link: `org/proj/${TAG}/link-${k}`,
    };
    const checked = await runtime.hosted.check({}, news);
    assert.deepEqual(checked.failures, [], `${k}: ${JSON.stringify(checked.failures)}`);
    const inputs = checked.inputs as unknown as UserLinkInputs;
    const created = await runtime.hosted.create(inputs);
    links.push({ name: k, id: created.id, outs: created.outs as PackedOutputs, inputs });
  }
  await runtime.shutdown();
});

after(async () => {
  await runtime.shutdown();
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("create certifies converged links, and a refresh of them is answered by digest", async () => {
  for (const l of links)
    assert.equal(typeof l.outs[REFRESH_DIGEST_KEY], "string", `${l.name}: not certified`);
  const { results, byDigest } = await readAll(false);
  assert.equal(byDigest, links.length, "every unchanged link answered by digest");
  results.forEach((r, i) => {
    assert.equal(r.props, links[i]!.outs, `${links[i]!.name}: the state goes back as it came`);
  });
  // The full refresh agrees: nothing changed, and it certifies the same digests.
  const full = await readAll(true);
  assert.equal(full.byDigest, 0);
  assert.deepEqual(full.results, results);
  // The Diff Pulumi runs next (refreshed outputs against the inputs recorded at `up`): answered by
  // digest, and what the full diff answers.
  for (const l of links) {
    const byDigest = await runtime.hosted.diff(l.id, l.outs, l.inputs);
    const fullDiff = await runtime.diff(l.id, unpackOutputs(l.outs), l.inputs);
    assert.deepEqual(byDigest, fullDiff, l.name);
    assert.equal(byDigest.changes, false, l.name);
  }
  assert.equal(runtime.refreshStats().diffsByDigest, links.length);
  await runtime.shutdown();
});

test("after drift on either side, refresh by digest gives exactly what the full refresh gives", async () => {
  const [adam, , bruno] = links;
  await withAdminClient(s.dc, async (c) => {
    const dn = s.users["alva"]!.dn;
    await c.modify(
      dn,
      new Change({
        operation: "replace",
        modification: new Attribute({ type: "mail", values: [`hand.${TAG}@contoso.com`] }),
      }),
    );
  });
  const bruno0 = s.cloud["bruno"]!;
  await env.control.patchUser(s.tenantId, bruno0.id, {
    proxyAddresses: [`SMTP:${bruno0.userPrincipalName}`, `smtp:alias.${TAG}@contoso.com`],
  });
  await env.control.deleteUser(s.tenantId, s.cloud["chen"]!.id);

  const byDigest = await readAll(false);
  const full = await readAll(true);
  assert.deepEqual(byDigest.results, full.results);
  // Only the link nobody touched (and the two untouched marketing links) were answered by digest.
  assert.equal(byDigest.byDigest, links.length - 3);
  // The others were refreshed from what their digest check had read: one bulk search of AD and
  // one look-up of the deleted cloud user, as the full refresh reads (a second read of a user in
  // a run would go to the directory).
  assert.equal(byDigest.ldapSearches, 1, "one bulk LDAP search");
  assert.equal(byDigest.cloudUserReads, 1, "only the deleted cloud user is looked up live");
  assert.deepEqual(
    { ldap: full.ldapSearches, cloud: full.cloudUserReads },
    { ldap: byDigest.ldapSearches, cloud: byDigest.cloudUserReads },
  );
  const [rAdam, rAlva, rBruno, rChen] = byDigest.results;
  assert.equal(rAdam!.props, adam!.outs, "untouched: as it came");
  assert.ok(
    (rAlva!.props!.drift ?? []).some((d) => d.includes("mail")),
    `Alva's AD mail drift reported: ${JSON.stringify(rAlva!.props?.drift)}`,
  );
  assert.equal(rAlva!.props![REFRESH_DIGEST_KEY], undefined, "a drifted link is not certified");
  assert.notEqual(rBruno!.props!.recorded, bruno!.outs.recorded, "Bruno's new cloud proxy recorded");
  assert.deepEqual(rChen, {}, "a deleted cloud user ends the link");
});
