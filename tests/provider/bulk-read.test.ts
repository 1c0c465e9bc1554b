/**
 * bulkRead against the real Samba DC and the emulator: the same links checked with bulkRead off and
 * on give identical checked inputs and failures (seed people, the 47 marketing users, and hostile
 * holders: a cloud group and an org contact holding planned addresses, an AD user holding one, a
 * soft-deleted cloud user holding an anchor), and the cached run makes at most 0.2 Graph requests
 * and 0.1 LDAP searches per link.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { guidToImmutableId } from "../../provider/core/immutable-id";
import * as runtime from "../../provider/runtime";
import type { RequestLogEntry } from "../emulator/faults";
import { seedUsersInto } from "../infra/samba";
import { clearSettingEnvironment, configLookup } from "../safety/support/in-process";
import { type SafetyScenario, safetyScenario } from "../safety/support/scenario";
import { getTestEnv, type TestEnv } from "../support/test-env";

const TAG = "bulkrd";
let env: TestEnv;
let s: SafetyScenario;
let links: { name: string; args: Record<string, unknown> }[] = [];

interface Outcome {
  name: string;
  inputs: Record<string, unknown>;
  failures: runtime.CheckFailure[];
}

/** Checks every link in one provider session (one preview); counts the directory requests it made. */
async function checkAll(
  bulkRead: "on" | "off" | "auto",
): Promise<{ out: Outcome[]; graph: number; ldapSearches: number; log: string }> {
  await runtime.shutdown();
  runtime.configure(
    configLookup(env, { tenantId: s.tenantId, baseDn: s.ou }, { "ad-entra-link:bulkRead": bulkRead }),
  );
  await env.control.clearRequests(s.tenantId);
  let log = "";
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.startsWith("ad-entra-link: ")) {
      log += text;
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  const out: Outcome[] = [];
  let ldapSearches = 0;
  try {
    for (const l of links) {
      const r = await runtime.check({}, { ...l.args, linkName: l.name });
      out.push({ name: l.name, inputs: r.inputs, failures: r.failures });
    }
    ldapSearches = runtime.getSession().ad.operations.searches;
  } finally {
    process.stderr.write = write;
    await runtime.shutdown();
  }
  const requests = await env.control.requests({ tenant: s.tenantId });
  if (process.env["AEL_BULK_DEBUG"] === "1" && bulkRead === "on")
    console.log(requests.map((r) => `${r.kind} ${r.method} ${r.path}?${r.query}`).join("\n"));
  return { out, graph: graphRequests(requests), ldapSearches, log };
}

/** Graph requests as Graph counts them: every request, each item of a $batch on its own. */
function graphRequests(log: RequestLogEntry[]): number {
  return log.filter((r) => r.kind === "batch-item" || (r.kind === "graph" && !r.path.endsWith("$batch")))
    .length;
}

before(async () => {
  clearSettingEnvironment();
  env = await getTestEnv();
  s = await safetyScenario(env, TAG, ["adam", "alva", "bruno", "chen", "siobhan", "gina", "pat", "sam"], {
    includeMarketing: true,
  });
  const keys = Object.keys(s.users)
    .filter((k) => s.cloud[k] !== undefined)
    .sort();
  links = keys.map((k) => ({
    name: `bulk-${k}`,
    args: {
      onPremises: { samAccountName: s.users[k]!.seed.sAMAccountName },
      cloud: { userPrincipalName: s.cloud[k]!.userPrincipalName },
    },
  }));
  // One link selects by objectGuid, one by distinguishedName (each of a user of its own); one names
  // nobody (NotFoundError).
  links[1]!.args["onPremises"] = { objectGuid: s.users[keys[1]!]!.objectGuid };
  links[1]!.args["cloud"] = { id: s.cloud[keys[1]!]!.id };
  links[2]!.args["onPremises"] = { distinguishedName: s.users[keys[2]!]!.dn };
  links.push({
    name: "bulk-nobody",
    args: {
      onPremises: { samAccountName: `nobody-${TAG}` },
      cloud: { userPrincipalName: s.cloud[keys[3]!]!.userPrincipalName },
    },
  });
  const mkt = keys.filter((k) => k.startsWith("mkt"));
  const mailOf = (k: string) => {
    const m = s.cloud[k]!.mail;
    assert.ok(m, `seed cloud user ${k} has a mailbox`);
    return m;
  };
  await env.control.addGroups(s.tenantId, [
    {
      id: "b01c0000-0000-4000-8000-00000000aaa1",
      displayName: `Team ${TAG}`,
      mail: mailOf(mkt[0]!),
      mailEnabled: true,
      securityEnabled: false,
      proxyAddresses: [`SMTP:${mailOf(mkt[0]!)}`],
    },
  ]);
  await env.control.addContacts(s.tenantId, [
    {
      id: "b01c0000-0000-4000-8000-00000000aaa2",
      displayName: `Desk ${TAG}`,
      mail: `desk.${TAG}@contoso.com`,
      proxyAddresses: [`smtp:${mailOf(mkt[1]!).toUpperCase()}`],
    },
  ]);
  await env.control.addDeletedUsers(s.tenantId, [
    {
      id: "b01c0000-0000-4000-8000-00000000aaa3",
      userPrincipalName: `ghost.${TAG}@contoso.com`,
      displayName: `Ghost ${TAG}`,
      onPremisesImmutableId: guidToImmutableId(s.users[mkt[2]!]!.objectGuid),
    } as never,
  ]);
  await seedUsersInto(s.dc, s.ou, [
    {
      key: "holder",
      ou: "",
      cn: `holder (${TAG})`,
      sAMAccountName: `holder-${TAG}`,
      userPrincipalName: `holder.${TAG}@contoso.local`,
      givenName: "holder",
      sn: TAG,
      displayName: `holder ${TAG}`,
      mail: mailOf(mkt[3]!),
    },
  ]);
});

after(async () => {
  await runtime.shutdown();
  await env?.control.deleteTenant(s.tenantId).catch(() => undefined);
});

test("bulkRead on answers every check exactly as the per-link reads do, in a fraction of the requests", async () => {
  assert.ok(links.length >= 50, `enough links (${links.length})`);
  const off = await checkAll("off");
  const on = await checkAll("on");
  assert.match(off.log, /bulkRead: off/);
  assert.match(on.log, /bulkRead: on/);
  assert.match(on.log, /bulk read of Active Directory: \d+ users/);
  assert.match(on.log, /bulk read of Entra ID: \d+ users, \d+ groups, \d+ contacts, \d+ deleted users/);
  assert.doesNotMatch(on.log, /failed/);
  assert.equal(on.out.length, off.out.length);
  for (let i = 0; i < off.out.length; i++) {
    assert.deepEqual(on.out[i], off.out[i], `link ${off.out[i]!.name}: same inputs and failures`);
  }
  // The hostile holders are seen (else the comparison above proves little).
  const reasons = off.out.flatMap((o) => o.failures.map((f) => `${o.name}: ${f.reason}`)).join("\n");
  assert.match(reasons, /bulk-nobody: NotFoundError \[AD_USER_NOT_FOUND\]/);
  assert.match(reasons, new RegExp(`Team ${TAG}`));
  assert.match(reasons, /ghost\.bulkrd@contoso\.com/);
  const n = links.length;
  console.log(
    `bulk-read: ${n} links; Graph requests off ${off.graph} (${(off.graph / n).toFixed(2)}/link), on ${on.graph} (${(on.graph / n).toFixed(2)}/link); LDAP searches off ${off.ldapSearches}, on ${on.ldapSearches}`,
  );
  assert.ok(off.graph / n >= 3, "the per-link run reads Graph per link");
  assert.ok(on.graph / n <= 0.2, `Graph requests per link with bulkRead on: ${on.graph}/${n}`);
  assert.ok(on.ldapSearches / n <= 0.1, `LDAP searches per link with bulkRead on: ${on.ldapSearches}/${n}`);
});

test("bulkRead auto stays per-link for a small stack (it never reads the whole domain)", async () => {
  const saved = links;
  links = saved.slice(0, 3);
  try {
    const auto = await checkAll("auto");
    assert.match(auto.log, /bulkRead: auto/);
    assert.doesNotMatch(auto.log, /bulk read of/);
    assert.equal(auto.ldapSearches >= 3 * 3, true, `per-link LDAP searches: ${auto.ldapSearches}`);
  } finally {
    links = saved;
  }
});

test("a bad bulkRead value is a configuration error naming the key, never the value", async () => {
  await runtime.shutdown();
  runtime.configure(
    configLookup(
      env,
      { tenantId: s.tenantId, baseDn: s.ou },
      { "ad-entra-link:bulkRead": "sometimes-secret" },
    ),
  );
  assert.throws(
    () => runtime.getSession(),
    (err: Error & { code?: string }) =>
      /ad-entra-link:bulkRead/.test(err.message) && !err.message.includes("sometimes-secret"),
  );
  await runtime.shutdown();
});
