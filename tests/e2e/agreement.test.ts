/**
 * The generative agreement test end to end: generated cases set up in the real Samba DC and the
 * Entra ID emulator, one program with a UserLink per case through the real Pulumi CLI, the preview's
 * predictedJoin (or refusal) read, `up` of the accepted links, one Entra Connect sync cycle over
 * LDAPS, and the comparison: the sync outcome of each applied link equals its predicted outcome
 * (the variant of the tenant's real settings), and each refusal is the one the in-memory run of the
 * same case gives (so the in-memory ports behave like the real adapters).
 *
 * Cases are grouped by tenant feature profile: one tenant, one OU pair (in/outside the sync scope)
 * and one stack per profile; every name of a case carries a run tag and the case index, so cases
 * and runs never collide on the shared DC. AEL_AGREEMENT_SEED replays; AEL_AGREEMENT_E2E_CASES sets
 * the number of cases per profile (default 60; 4 profiles; about half are refused at preview and checked in
 * process through the real adapters, the rest go through preview, `up` and a sync cycle).
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { Attribute, type Client } from "ldapts";
import type { JoinPrediction } from "../../provider/core/join-prediction";
import type { CloudUserInput, TenantSeed } from "../emulator/model";
import { contosoTenantSeed } from "../emulator/seeds";
import { bytesToGuid, createOu, rdn, sidToString, withAdminClient } from "../infra/samba";
import { LinkStack, output, type PreviewJson, syncCycle } from "../safety/support/harness";
import { checkLinks, configLookup } from "../safety/support/in-process";
import {
  type CaseResult,
  effectivePrediction,
  judgeCase,
  simOutcomeAsPrediction,
} from "../support/agreement/check";
import {
  type AdIdentity,
  type AdSpec,
  type AgreementCase,
  agreementSeed,
  concreteCloudUsers,
  describeCase,
  generateCase,
  guidToBytesLe,
  TENANT_DOMAINS,
  type TenantSpec,
} from "../support/agreement/generate";
import { sharedDc } from "../support/scenario";
import { recordedMatchesPreview } from "../support/join-view";
import { getTestEnv, type TestEnv } from "../support/test-env";

const PER_PROFILE = Number(process.env["AEL_AGREEMENT_E2E_CASES"] ?? 60);

const PROFILES: { name: string; tenant: TenantSpec }[] = [
  {
    name: "defaults, flags unknown",
    tenant: {
      features: {
        softMatchOnUpnEnabled: true,
        blockSoftMatchEnabled: false,
        blockCloudObjectTakeoverThroughHardMatchEnabled: false,
      },
      knowledge: "unknown",
    },
  },
  {
    name: "defaults, flags stated",
    tenant: {
      features: {
        softMatchOnUpnEnabled: true,
        blockSoftMatchEnabled: false,
        blockCloudObjectTakeoverThroughHardMatchEnabled: false,
      },
      knowledge: "stated",
      stated: {
        softMatchOnUpnEnabled: true,
        blockSoftMatchEnabled: false,
        blockCloudObjectTakeoverThroughHardMatchEnabled: false,
      },
    },
  },
  {
    name: "UPN soft match off, stated",
    tenant: {
      features: {
        softMatchOnUpnEnabled: false,
        blockSoftMatchEnabled: false,
        blockCloudObjectTakeoverThroughHardMatchEnabled: false,
      },
      knowledge: "stated",
      stated: { softMatchOnUpnEnabled: false },
    },
  },
  {
    name: "both block flags on, unknown",
    tenant: {
      features: {
        softMatchOnUpnEnabled: true,
        blockSoftMatchEnabled: true,
        blockCloudObjectTakeoverThroughHardMatchEnabled: true,
      },
      knowledge: "unknown",
    },
  },
];

let env: TestEnv;
const stacks: LinkStack[] = [];

before(async () => {
  env = await getTestEnv();
});

after(async () => {
  await Promise.all(stacks.map((s) => s.dispose()));
});

const OBJECT_CLASS: Record<string, string[]> = {
  user: ["user"],
  inetOrgPerson: ["inetOrgPerson"],
  group: ["group"],
  contact: ["contact"],
};

/** Adds the AD objects of `cases` and returns each object's identity by `<case index>/<key>`. */
async function seedAd(
  client: Client,
  cases: AgreementCase[],
  syncOu: string,
  outsideOu: string,
): Promise<Map<string, AdIdentity & { dn: string }>> {
  const out = new Map<string, AdIdentity & { dn: string }>();
  for (const c of cases) {
    for (const a of c.ad) {
      const dn = `${rdn("CN", a.cn)},${a.inScope ? syncOu : outsideOu}`;
      await client.add(dn, adAttributes(a));
      const { searchEntries } = await client.search(dn, {
        scope: "base",
        attributes: ["objectGUID", "objectSid"],
        explicitBufferAttributes: ["objectGUID", "objectSid"],
      });
      const e = searchEntries[0]!;
      const guid = bytesToGuid(e["objectGUID"] as Buffer);
      const sid = e["objectSid"] instanceof Buffer ? sidToString(e["objectSid"]) : "";
      out.set(`${c.index}/${a.key}`, { objectGuid: guid, objectSid: sid, dn });
    }
  }
  return out;
}

function adAttributes(a: AdSpec): Attribute[] {
  const attrs = [new Attribute({ type: "objectClass", values: OBJECT_CLASS[a.objectClass]! })];
  const put = (type: string, v: string | undefined) => {
    if (v !== undefined) attrs.push(new Attribute({ type, values: [v] }));
  };
  put("sAMAccountName", a.sAMAccountName);
  put("userPrincipalName", a.userPrincipalName);
  put("mail", a.mail);
  if (a.proxyAddresses.length > 0)
    attrs.push(new Attribute({ type: "proxyAddresses", values: a.proxyAddresses }));
  if (a.objectClass === "user" || a.objectClass === "inetOrgPerson") put("userAccountControl", "514");
  if (a.consistencyGuid?.kind === "other") {
    attrs.push(
      new Attribute({ type: "mS-DS-ConsistencyGuid", values: [guidToBytesLe(a.consistencyGuid.guid)] }),
    );
  }
  return attrs;
}

/** The emulator tenant of a group of cases, from the AD identities Samba assigned. */
function tenantSeedOf(
  cases: AgreementCase[],
  ids: Map<string, AdIdentity>,
  tenantId: string,
  tenant: TenantSpec,
): TenantSeed {
  const users: CloudUserInput[] = [];
  const deletedUsers: CloudUserInput[] = [];
  const groups: NonNullable<TenantSeed["groups"]> = [];
  const contacts: NonNullable<TenantSeed["contacts"]> = [];
  for (const c of cases) {
    const caseIds = new Map(c.ad.map((a) => [a.key, ids.get(`${c.index}/${a.key}`)!]));
    for (const cu of concreteCloudUsers(c, caseIds)) {
      const s = cu.spec;
      const local = s.userPrincipalName.split("@")[0]!;
      const input: CloudUserInput = {
        key: `${c.tag}-${s.key}`,
        id: s.id,
        userPrincipalName: s.userPrincipalName,
        displayName: local,
        givenName: local,
        surname: c.tag,
        mailNickname: local.replace(/[^A-Za-z0-9.-]/g, ""),
        proxyAddresses: [...s.proxyAddresses],
        activeRoles: s.roles.filter((r) => r.kind === "active").map((r) => r.role),
        eligibleRoles: s.roles.filter((r) => r.kind === "eligible").map((r) => r.role),
      };
      if (s.mail !== null) input.mail = s.mail;
      if (cu.onPremisesImmutableId !== null) input.onPremisesImmutableId = cu.onPremisesImmutableId;
      if (cu.onPremisesSecurityIdentifier !== null)
        input.onPremisesSecurityIdentifier = cu.onPremisesSecurityIdentifier;
      if (s.synced) input.onPremisesSyncEnabled = true;
      (s.deleted ? deletedUsers : users).push(input);
    }
    for (const o of c.cloudObjects) {
      const rec = {
        id: o.id,
        displayName: o.displayName,
        mail: o.mail,
        proxyAddresses: [...o.proxyAddresses],
      };
      if (o.kind === "group") groups.push({ ...rec, mailEnabled: o.mail !== null, securityEnabled: false });
      else contacts.push(rec);
    }
  }
  return {
    tenantId,
    displayName: "agreement e2e",
    domains: TENANT_DOMAINS.map((d) => ({ ...d })),
    users,
    apps: contosoTenantSeed().apps,
    features: { ...tenant.features },
    groups,
    contacts,
    deletedUsers,
  };
}

function codesOf(text: string): string[] {
  return [...text.matchAll(/[A-Za-z]+Error \[([A-Z0-9_]+)\]/g)].map((m) => m[1]!);
}

for (const [g, profile] of PROFILES.entries()) {
  test(`end to end: prediction = sync cycle, ${profile.name} (${PER_PROFILE} generated cases)`, async () => {
    const seed = agreementSeed();
    const run = randomBytes(3).toString("hex");
    console.log(
      `agreement e2e seed ${seed} (replay with AEL_AGREEMENT_SEED=${seed}), profile ${g}, run ${run}`,
    );
    const cases = Array.from({ length: PER_PROFILE }, (_, i) =>
      generateCase(seed, g * 1000 + i, { e2e: true, tenant: profile.tenant, tagPrefix: `${run}` }),
    );
    const dc = sharedDc(env);
    const root = await createOu(dc, `OU=ag-${run}-${g},DC=corp,DC=local`);
    const syncOu = await createOu(dc, `OU=Sync,${root}`);
    const outsideOu = await createOu(dc, `OU=Outside,${root}`);
    const ids = await withAdminClient(dc, (client) => seedAd(client, cases, syncOu, outsideOu));
    const tenantId = randomUUID();
    await env.control.createTenant(tenantSeedOf(cases, ids, tenantId, profile.tenant));

    const name = (c: AgreementCase) => `l${c.tag}`;
    const config: Record<string, string> = {};
    if (profile.tenant.stated !== undefined) {
      config["ad-entra-link:tenantSyncFeatures"] = JSON.stringify(profile.tenant.stated);
    }
    const problems: string[] = [];
    const report = (c: AgreementCase, what: string) =>
      problems.push(`=== seed ${seed} case ${c.index} (${profile.name}): ${what}\n${describeCase(c)}`);

    // The in-memory run of the same cases says which links preview must refuse, and why.
    const memory = new Map<AgreementCase, CaseResult>();
    for (const c of cases) memory.set(c, await judgeCase(c));
    const memoryCodes = (c: AgreementCase): string[] | undefined => {
      const m = memory.get(c)!;
      if (m.kind === "agree") return undefined;
      if (m.kind === "refused") return m.codes.map((x) => x.replace(/^input:/, ""));
      return m.codes?.map((x) => x.replace(/^input:/, ""));
    };
    const sameCodes = (a: string[], b: string[]) =>
      [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");

    // 1a. Links refused in memory: the provider's check through the real adapters must refuse them
    // with the same codes (a refusal stops a whole preview, so these are checked one by one in process).
    const refusedInMemory = cases.filter((c) => memoryCodes(c) !== undefined);
    const lookup = configLookup(env, { tenantId, baseDn: syncOu }, config);
    const checked = await checkLinks(
      lookup,
      refusedInMemory.map((c) => ({ name: name(c), args: c.args })),
      "shared",
    );
    for (const [i, c] of refusedInMemory.entries()) {
      const r = checked[i]!;
      const codes =
        r.thrown !== undefined
          ? codesOf(`${r.thrown.name} [${(r.thrown as { code?: string }).code}]`)
          : r.failures.flatMap((f) => codesOf(f.reason));
      if (!sameCodes(codes, memoryCodes(c)!)) {
        report(
          c,
          `real adapters refuse with [${codes.join(", ")}], in memory [${memoryCodes(c)!.join(", ")}]${r.thrown ? ` (thrown: ${r.thrown.message})` : ""}`,
        );
      }
    }

    // 1b. The others through the real CLI: one preview shows every prediction.
    let accepted = cases.filter((c) => memoryCodes(c) === undefined);
    const st = await LinkStack.open(env, {
      stackName: `agr${run}${g}`,
      tenantId,
      baseDn: syncOu,
      links: accepted.map((c) => ({ name: name(c), args: c.args })),
      config,
    });
    stacks.push(st);
    const previewLines = new Map<string, string>();
    for (let attempt = 0; accepted.length > 0; attempt++) {
      await st.setLinks(accepted.map((c) => ({ name: name(c), args: c.args })));
      const { json, result } = await st.previewJson();
      const refused = new Map<string, string[]>();
      for (const d of (json as PreviewJson).diagnostics ?? []) {
        const n = /resource '([^']+)'/.exec(d.message)?.[1];
        if (d.severity === "error" && n !== undefined)
          refused.set(n, [...(refused.get(n) ?? []), ...codesOf(d.message)]);
      }
      if (refused.size === 0) {
        assert.equal(result.code, 0, output(result));
        for (const step of json.steps ?? []) {
          const line = step.newState?.inputs?.["join"];
          if (typeof line === "string") previewLines.set(step.urn.split("::").pop()!, line);
        }
        break;
      }
      for (const [n, codes] of refused)
        report(
          cases.find((c) => name(c) === n)!,
          `refused end to end [${codes.join(", ")}], accepted in memory`,
        );
      accepted = accepted.filter((c) => !refused.has(name(c)));
      assert.ok(attempt < 6, `preview keeps refusing links: ${output(result)}`);
    }
    for (const c of accepted) if (!previewLines.has(name(c))) report(c, "preview shows no join line");
    accepted = accepted.filter((c) => previewLines.has(name(c)));
    const predictions = new Map<string, JoinPrediction>();

    // 2. Up of the accepted links only (a refusal stops a whole `up`), then one sync cycle of them.
    if (accepted.length > 0) {
      await st.setLinks(accepted.map((c) => ({ name: name(c), args: c.args })));
      const up = await st.up();
      assert.equal(up.code, 0, output(up));
      // The full prediction is recorded at up; preview showed its join line.
      const state = await st.links();
      for (const c of accepted) {
        predictions.set(
          name(c),
          recordedMatchesPreview(name(c), previewLines.get(name(c)), state.get(name(c))?.outputs),
        );
      }
      const subjects = accepted.map((c) => ids.get(`${c.index}/S`)!.dn);
      const cycle = await syncCycle(env, dc, tenantId, subjects);
      for (const c of accepted) {
        const dn = ids.get(`${c.index}/S`)!.dn;
        const entry = cycle.entries.find((e) => e.dn.toLowerCase() === dn.toLowerCase());
        const p = predictions.get(name(c))!;
        const eff = effectivePrediction(p, profile.tenant.features);
        if (entry === undefined || "error" in eff) {
          report(c, `no sync entry or no variant: ${JSON.stringify(entry)} ${JSON.stringify(eff)}`);
          continue;
        }
        const sim = simOutcomeAsPrediction(entry.outcome);
        const joins = ["hardMatch", "softMatchSmtp", "softMatchUpn", "alreadyJoined"].includes(sim);
        if (sim !== eff.outcome || (joins && entry.cloudUserId !== eff.targetObjectId)) {
          report(
            c,
            `predicted ${eff.outcome}${eff.targetObjectId ? ` → ${eff.targetObjectId}` : ""}${eff.assumption ? ` [${eff.assumption}]` : ""}, sync did ${JSON.stringify(entry)}\n  prediction: ${JSON.stringify(p)}`,
          );
        }
      }
    }
    console.log(
      `${profile.name}: ${cases.length} cases, ${accepted.length} previewed, applied and synced through the CLI, ${refusedInMemory.length} refused (checked through the real adapters), ${problems.length} disagreements`,
    );
    for (const p of problems) console.log(p);
    assert.equal(problems.length, 0, `${problems.length} disagreements (seed ${seed}); see the log`);
    assert.ok(
      accepted.length >= cases.length * 0.25,
      `only ${accepted.length} of ${cases.length} cases were applied`,
    );
  });
}
