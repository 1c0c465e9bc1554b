/**
 * The judge of the agreement test: runs one generated case through the link engine over the
 * in-memory ports, applies the link, runs the emulator's sync-cycle simulator once and compares; or,
 * when the engine refuses, checks that the refusal is justified. Shared by the pure test (thousands
 * of cases) and the end-to-end test (which compares the real stack against the same expectations).
 */
import { isDeepStrictEqual } from "node:util";
import type { JoinPrediction } from "../../../provider/core/join-prediction";
import type { SyncFeatures } from "../../../provider/domain/ports";
import { AdEntraLinkError } from "../../../provider/errors";
import { declarationKey, LinkEngine } from "../../../provider/link/engine";
import type { LinkPlan } from "../../../provider/link/plan";
import type { UserLinkDeclaration, UserLinkOutputs } from "../../../provider/link/types";
import { validateDeclaration } from "../../../provider/link/validate";
import type { TenantState } from "../../emulator/model";
import { runSyncEngine, type SyncClient } from "../../emulator/sync/engine";
import type { SyncReportEntry } from "../../emulator/sync/types";
import {
  type AdIdentity,
  type AgreementCase,
  anchorGuidOf,
  domainOf,
  FLAGS,
  type Features3,
  guidToBytesLe,
  isReserved,
  syntheticIdentities,
  TENANT_DOMAINS,
} from "./generate";
import {
  AD_BASE,
  type AdRecord,
  adRecordsOf,
  InMemoryAd,
  InMemoryEntra,
  onPremRecordOf,
  tenantStateOf,
} from "./in-memory";

export const TEST_TENANT_ID = "0a9e1e57-0000-4000-8000-00000000a9e1";
const NOW = new Date("2026-12-01T00:00:00.000Z");
const OWNER = "agreement/test/stack";

export type Outcome = JoinPrediction["outcome"];

/** The simulator's outcome in the predictor's words. */
export function simOutcomeAsPrediction(o: SyncReportEntry["outcome"]): Outcome | "filtered" {
  if (o === "updated") return "alreadyJoined";
  if (o === "provisioned") return "newObject";
  return o;
}

const JOINS = new Set<string>(["hardMatch", "softMatchSmtp", "softMatchUpn", "alreadyJoined"]);

/** Flags the provider does not know in this case (evaluated both ways by the predictor). */
export function unknownFlags(c: AgreementCase): (typeof FLAGS)[number][] {
  if (c.tenant.knowledge === "readable") return [];
  if (c.tenant.knowledge === "stated") return FLAGS.filter((f) => c.tenant.stated?.[f] === undefined);
  return [...FLAGS];
}

/** Engine options and the readable features of a case. */
export function providerView(c: AgreementCase): { stated?: SyncFeatures; readable?: SyncFeatures } {
  if (c.tenant.knowledge === "readable") return { readable: { ...c.tenant.features } };
  if (c.tenant.knowledge === "stated") return { stated: { ...c.tenant.stated } };
  return {};
}

/**
 * The prediction that applies to the tenant's real settings: the variant whose assumptions hold
 * (flags at their real values, `mail` not promoted as the simulator reads P5a), else the outcome.
 */
export function effectivePrediction(
  p: JoinPrediction,
  features: Features3,
): { outcome: Outcome; targetObjectId?: string; assumption: string } | { error: string } {
  if (p.variants === undefined || p.variants.length === 0) {
    return {
      outcome: p.outcome,
      ...(p.targetObjectId ? { targetObjectId: p.targetObjectId } : {}),
      assumption: "",
    };
  }
  const fits = p.variants.filter(
    (v) =>
      Object.entries(v.assumed.flags).every(
        ([flag, value]) => !(flag in features) || features[flag as keyof Features3] === value,
      ) &&
      v.assumed.mailPromoted !== true &&
      v.assumed.cloudSyncUpnSoftMatch !== true,
  );
  const v = fits[0];
  if (v === undefined)
    return { error: `no variant matches the tenant's settings ${JSON.stringify(features)}` };
  return {
    outcome: v.outcome,
    ...(v.targetObjectId ? { targetObjectId: v.targetObjectId } : {}),
    assumption: v.assumption,
  };
}

export type CaseResult =
  | { kind: "agree"; outcome: Outcome; variant: string }
  | {
      kind: "refused";
      codes: string[];
      justification: string;
      /** Whether the prediction (not shown, the link is refused) matches the sync of the link applied anyway. */
      predictionMatches?: boolean;
    }
  | {
      kind: "disagree";
      problem: string;
      detail: string /** Set when the engine refused. */;
      codes?: string[];
    };

function describePrediction(p: JoinPrediction | undefined): string {
  if (p === undefined) return "(none)";
  const head = `${p.outcome}${p.targetObjectId ? ` → ${p.targetObjectId}` : ""}${p.errorName ? ` (${p.errorName})` : ""}${p.uncertain ? " [uncertain]" : ""}`;
  const variants = (p.variants ?? []).map(
    (v) =>
      `\n      variant [${v.assumption}]: ${v.outcome}${v.targetObjectId ? ` → ${v.targetObjectId}` : ""}`,
  );
  return `${head}\n    reason: ${p.reason}${variants.join("")}`;
}

function describeEntry(e: SyncReportEntry | undefined): string {
  return e === undefined ? "(no entry)" : JSON.stringify(e);
}

/** The situation of one case, materialized for the in-memory run. */
export interface Materialized {
  ids: Map<string, AdIdentity>;
  records: AdRecord[];
  tenant: TenantState;
  subject: AdRecord;
  anchor: string;
}

export function materialize(c: AgreementCase): Materialized {
  const ids = syntheticIdentities(c);
  const records = adRecordsOf(c, ids);
  const tenant = tenantStateOf(c, ids, TEST_TENANT_ID);
  const subject = records[0]!;
  const anchor = guidToBytesLe(anchorGuidOf(c.ad[0]!, ids.get("S")!)).toString("base64");
  return { ids, records, tenant, subject, anchor };
}

function cloneRecords(rs: AdRecord[]): AdRecord[] {
  return rs.map((r) => ({
    ...r,
    proxyAddresses: [...r.proxyAddresses],
    objectClass: [...r.objectClass],
    ...(r.consistencyGuid ? { consistencyGuid: Buffer.from(r.consistencyGuid) } : {}),
  }));
}

/** One sync cycle of the subject against a copy of `t` (with `features` overriding the tenant's). */
export function simulate(
  t: TenantState,
  subject: AdRecord,
  features?: Partial<Features3>,
  syncEngine: SyncClient = "entraConnect",
): SyncReportEntry | undefined {
  const copy = structuredClone(t);
  if (features !== undefined) copy.features = { ...copy.features, ...features };
  const { entries } = runSyncEngine(copy, [onPremRecordOf(subject)], {
    scope: [AD_BASE],
    // Cloud Sync writes no ConsistencyGuid back and does not soft-match on the UPN (row 27, as reported).
    writeBackConsistencyGuid: syncEngine === "entraConnect",
    engine: syncEngine,
    now: NOW,
  });
  return entries[0];
}

/** The plan applied as written, without any of the engine's or Graph's checks (what `up` would do). */
function applyPlanLoosely(
  records: AdRecord[],
  subjectDn: string,
  t: TenantState,
  targetId: string,
  plan: LinkPlan,
): void {
  const s = records.find((r) => r.dn === subjectDn)!;
  const c = plan.changes.onPremises;
  if (c.userPrincipalName) {
    if (c.userPrincipalName.planned === null) delete s.userPrincipalName;
    else s.userPrincipalName = c.userPrincipalName.planned;
  }
  if (c.mail) {
    if (c.mail.planned === null) delete s.mail;
    else s.mail = c.mail.planned;
  }
  if (c.proxyAddresses) s.proxyAddresses = [...c.proxyAddresses.planned];
  if (plan.writeConsistencyGuid) s.consistencyGuid = Buffer.from(plan.writeConsistencyGuid);
  const imm = plan.changes.cloud.onPremisesImmutableId;
  if (imm !== undefined) {
    const u = t.users.get(targetId)!;
    t.users.set(targetId, { ...u, onPremisesImmutableId: imm.planned });
  }
}

/** What is wrong with a sync outcome for a link to `targetId`, or undefined when it is a clean join. */
export function simProblem(e: SyncReportEntry | undefined, targetId: string): string | undefined {
  if (e === undefined) return "no sync entry";
  if (e.outcome === "blocked") return `blocked (${e.error?.name ?? "?"})`;
  if (e.outcome === "provisioned") return `a new object (${e.error?.name ?? "duplicate"})`;
  if (e.outcome === "filtered") return `filtered (${e.filterReason})`;
  if (e.cloudUserId !== targetId) return `joins ${e.cloudUserId} instead (${e.outcome})`;
  if (e.quarantined !== undefined && e.quarantined.length > 0) {
    return `values quarantined (${e.quarantined.map((q) => `${q.property} ${q.value}`).join(", ")})`;
  }
  return undefined;
}

const SMTP_OK = /^[^\s@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

function smtpValues(r: AdRecord): { value: string; primary: boolean }[] {
  return r.proxyAddresses
    .filter((p) => /^smtp:/i.test(p))
    .map((p) => ({ value: p.slice(5), primary: p.startsWith("SMTP:") }));
}

/** Every UPN/address value `r` holds (lower-case), for collision facts. */
function valuesHeld(
  r: { userPrincipalName?: string | null; mail?: string | null; proxyAddresses: string[] },
  upn = true,
): Set<string> {
  const out = new Set<string>();
  if (upn && r.userPrincipalName) out.add(r.userPrincipalName.toLowerCase());
  if (r.mail) out.add(r.mail.toLowerCase());
  for (const p of r.proxyAddresses) if (/^smtp:/i.test(p)) out.add(p.slice(5).toLowerCase());
  return out;
}

function dnUnder(dn: string, base: string): boolean {
  const d = dn.toLowerCase();
  const b = base.toLowerCase();
  return d === b || d.endsWith(`,${b}`);
}

/**
 * Policy refusals whose stated fact the test checks itself on the case (the rule, not the matching
 * outcome, is the reason to refuse). Returns why the fact holds, or undefined.
 */
function policyFact(
  code: string,
  c: AgreementCase,
  m: Materialized,
  applied: { records: AdRecord[]; tenant: TenantState } | undefined,
  decl: UserLinkDeclaration | undefined,
): string | undefined {
  const T = m.tenant.users.get(c.cloudUsers[0]!.id)!;
  const roles = m.tenant.roleAssignments.filter((r) => r.principalId === T.id);
  const privileged = c.cloudUsers[0]!.roles.filter((r) =>
    ["Global Administrator", "User Administrator", "Privileged Role Administrator"].includes(r.role),
  );
  void roles;
  const subjectAfter = applied?.records.find((r) => r.dn === m.subject.dn) ?? m.subject;
  switch (code) {
    case "CLOUD_USER_PRIVILEGED":
      return privileged.length > 0 && decl?.allowPrivilegedCloudUser !== true
        ? "target holds a privileged role"
        : undefined;
    case "PRIVILEGED_HARD_MATCH":
      return privileged.some((r) => r.kind === "active") &&
        decl?.match === "hard" &&
        T.onPremisesImmutableId !== m.anchor
        ? "hard match writes the ImmutableId of an active privileged user"
        : undefined;
    case "CLOUD_USER_IS_GUEST":
      return T.userType === "Guest" ? "target is a Guest" : undefined;
    case "UPN_DOMAIN_NOT_VERIFIED": {
      const upn = decl?.userPrincipalName ?? T.userPrincipalName;
      const verified = TENANT_DOMAINS.some((d) => d.isVerified && d.id === domainOf(upn));
      return verified ? undefined : `planned UPN ${upn} is on an unverified domain`;
    }
    case "PROXY_TWO_PRIMARIES": {
      const kept = smtpValues(subjectAfter).filter(
        (p) => p.primary && SMTP_OK.test(p.value) && !isReserved(p.value),
      );
      return kept.length >= 2 ? `AD user exports ${kept.length} primaries` : undefined;
    }
    case "VALUE_HELD_BY_OTHER_AD_OBJECT": {
      const mine = valuesHeld(subjectAfter);
      for (const r of applied?.records ?? m.records) {
        if (r.dn === m.subject.dn) continue;
        const inScope = dnUnder(r.dn, AD_BASE);
        const theirs = valuesHeld(r, true);
        if (!inScope) {
          theirs.clear();
          if (r.userPrincipalName) theirs.add(r.userPrincipalName.toLowerCase());
        }
        for (const v of theirs) if (mine.has(v)) return `${r.dn} holds ${v}`;
      }
      return undefined;
    }
    case "VALUE_HELD_BY_OTHER_CLOUD_OBJECT": {
      const mine = valuesHeld(subjectAfter);
      for (const u of m.tenant.users.values()) {
        if (u.id === T.id) continue;
        for (const v of valuesHeld(u)) if (mine.has(v)) return `cloud user ${u.userPrincipalName} holds ${v}`;
      }
      for (const o of [...m.tenant.groups.values(), ...m.tenant.contacts.values()]) {
        for (const v of valuesHeld(o, false))
          if (mine.has(v)) return `cloud object ${o.displayName} holds ${v}`;
      }
      return undefined;
    }
    case "ANCHOR_HELD_BY_OTHER_CLOUD_OBJECT": {
      for (const u of [...m.tenant.users.values(), ...m.tenant.deletedUsers.values()]) {
        if (u.id !== T.id && u.onPremisesImmutableId === m.anchor)
          return `${u.userPrincipalName} holds the anchor`;
      }
      return undefined;
    }
    case "CLOUD_USER_SYNCED_ELSEWHERE":
      return T.onPremisesSyncEnabled === true && T.onPremisesImmutableId !== m.anchor
        ? "target synced from another anchor"
        : undefined;
    case "IMMUTABLE_ID_WRONG_ENCODING":
    case "IMMUTABLE_ID_MALFORMED":
    case "CLOUD_USER_HAS_OTHER_IMMUTABLE_ID":
      return decl?.match === "soft" &&
        T.onPremisesImmutableId !== null &&
        T.onPremisesImmutableId !== m.anchor
        ? "soft link onto a user carrying another ImmutableId"
        : undefined;
    case "PREDICTED_JOIN_TO_OTHER_OBJECT": {
      // P5a [U]: kept proxies but no primary; the reading that promotes `mail` soft-matches its holder.
      const kept = subjectAfter.proxyAddresses.filter((p) => {
        const colon = p.indexOf(":");
        if (
          colon <= 0 ||
          ["X400", "MSMAIL", "CCMAIL", "NOTES", "GWISE"].includes(p.slice(0, colon).toUpperCase())
        )
          return false;
        const a = p.slice(colon + 1);
        return !/^smtp$/i.test(p.slice(0, colon)) || (ADDRESS_OK.test(a) && !isReserved(a));
      });
      const primary = kept.some((p) => p.startsWith("SMTP:"));
      const mail = subjectAfter.mail;
      if (kept.length === 0 || primary || mail === undefined || !ADDRESS_OK.test(mail) || isReserved(mail))
        return undefined;
      const lower = mail.toLowerCase();
      const holder = [
        ...m.tenant.users.values(),
        ...m.tenant.groups.values(),
        ...m.tenant.contacts.values(),
      ].find(
        (o) =>
          o.id !== T.id &&
          o.proxyAddresses.some((p) => p.startsWith("SMTP:") && p.slice(5).toLowerCase() === lower),
      );
      return holder === undefined ? undefined : `P5a: promoted mail ${mail} is the primary of ${holder.id}`;
    }
    default:
      return undefined;
  }
}

/** RFC 5322 dot-atom local part (apostrophes are atext) at a dotted domain with a letters-only TLD. */
const ADDRESS_OK =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;

/** The first argument value that is really malformed (the generator makes few), or undefined. */
function invalidArgument(args: Record<string, unknown>): string | undefined {
  for (const key of ["userPrincipalName", "mail", "primarySmtpAddress"]) {
    const v = args[key];
    if (typeof v === "string" && !ADDRESS_OK.test(v)) return `${key} ${v}`;
  }
  for (const p of (args["additionalProxyAddresses"] as string[] | undefined) ?? []) {
    if (/^smtp:/i.test(p) && !ADDRESS_OK.test(p.slice(5))) return `additionalProxyAddresses ${p}`;
  }
  return undefined;
}

/** Runs one case end to end in memory. */
export async function judgeCase(c: AgreementCase): Promise<CaseResult> {
  const m = materialize(c);
  const target = c.cloudUsers[0]!.id;
  const pristine = structuredClone(m.tenant);
  const pristineRecords = cloneRecords(m.records);

  const { decl, failures } = validateDeclaration(c.args);
  if (decl === undefined || failures.length > 0) {
    const codes = failures.map((f) => `input:${f.error.code}`);
    const bad = invalidArgument(c.args);
    if (bad !== undefined) return { kind: "refused", codes, justification: `invalid argument: ${bad}` };
    return {
      kind: "disagree",
      problem: `valid declaration refused ${codes.join(", ")}`,
      codes,
      detail: failures.map((f) => `  ${f.property}: ${f.error.code}: ${f.error.message}`).join("\n"),
    };
  }

  const view = providerView(c);
  const ad = new InMemoryAd(m.records, { baseDn: AD_BASE });
  const entra = new InMemoryEntra(m.tenant, view.readable ? { readableFeatures: view.readable } : {});
  const engine = new LinkEngine(ad, entra, {
    ...(view.stated ? { tenantSyncFeatures: view.stated } : {}),
    ...(c.syncEngine !== undefined ? { syncEngine: c.syncEngine } : {}),
  });
  const syncEngine = c.syncEngine ?? "entraConnect";

  let resolution: Awaited<ReturnType<LinkEngine["resolve"]>> | undefined;
  let thrown: AdEntraLinkError | undefined;
  try {
    resolution = await engine.resolve(decl);
  } catch (err) {
    if (!(err instanceof AdEntraLinkError)) {
      return {
        kind: "disagree",
        problem: "resolve threw a non-domain error",
        detail: String((err as Error).stack ?? err),
      };
    }
    thrown = err;
  }
  const errors = thrown !== undefined ? [thrown] : (resolution?.errors ?? []);
  const prediction = resolution?.prediction;

  if (errors.length > 0) {
    const codes = errors.map((e) => e.code);
    // The link as if applied anyway, on copies.
    let applied: { records: AdRecord[]; tenant: TenantState } | undefined;
    if (resolution !== undefined) {
      applied = { records: cloneRecords(pristineRecords), tenant: structuredClone(pristine) };
      applyPlanLoosely(applied.records, m.subject.dn, applied.tenant, target, resolution.plan);
    }
    let predictionMatches: boolean | undefined;
    if (applied !== undefined && prediction !== undefined) {
      const e = simulate(
        applied.tenant,
        applied.records.find((r) => r.dn === m.subject.dn)!,
        undefined,
        syncEngine,
      );
      const eff = effectivePrediction(prediction, c.tenant.features);
      predictionMatches =
        e !== undefined &&
        !("error" in eff) &&
        simOutcomeAsPrediction(e.outcome) === eff.outcome &&
        (!JOINS.has(eff.outcome) || eff.targetObjectId === e.cloudUserId);
    }
    const refusedWith = (justification: string): CaseResult => ({
      kind: "refused",
      codes,
      justification,
      ...(predictionMatches !== undefined ? { predictionMatches } : {}),
    });
    for (const code of codes) {
      const fact = policyFact(code, c, { ...m, records: pristineRecords, tenant: pristine }, applied, decl);
      if (fact !== undefined) return refusedWith(`policy ${code}: ${fact}`);
    }
    if (applied !== undefined) {
      const subject = applied.records.find((r) => r.dn === m.subject.dn)!;
      const unknown = unknownFlags(c);
      const combos: Partial<Features3>[] = [{}];
      for (const f of unknown) {
        const next: Partial<Features3>[] = [];
        for (const combo of combos) for (const v of [false, true]) next.push({ ...combo, [f]: v });
        combos.splice(0, combos.length, ...next);
      }
      for (const combo of combos) {
        const problem = simProblem(simulate(applied.tenant, subject, combo, syncEngine), target);
        if (problem !== undefined) {
          return refusedWith(
            `sync${Object.keys(combo).length > 0 ? ` with ${JSON.stringify(combo)}` : ""}: ${problem}`,
          );
        }
      }
    }
    return {
      kind: "disagree",
      problem: `unjustified refusal ${codes.join(", ")}`,
      codes,
      detail: [
        ...errors.map((e) => `  ${e.code}: ${e.message}`),
        `  prediction: ${describePrediction(prediction)}`,
        `  sync of the applied link: ${applied ? describeEntry(simulate(applied.tenant, applied.records.find((r) => r.dn === m.subject.dn)!, undefined, syncEngine)) : "(no plan)"}`,
      ].join("\n"),
    };
  }

  // Not refused: apply through the ports as `up` does (from this check's reads: compare-and-swap
  // writes, outputs computed from the writes), then one sync cycle.
  let outputs: UserLinkOutputs;
  try {
    const recorded = await engine.readOwnership(resolution!);
    outputs = await engine.apply(`link-${c.tag}`, decl, undefined, OWNER, undefined, {
      declarationKey: declarationKey(decl),
      resolution: resolution!,
      ownership: { recorded },
    });
  } catch (err) {
    return {
      kind: "disagree",
      problem: "apply failed after a clean preview",
      detail: `  ${(err as AdEntraLinkError).code ?? ""} ${(err as Error).message}\n  prediction: ${describePrediction(prediction)}`,
    };
  }
  // What `up` recorded is what a fresh read finds: a refresh right after reports nothing.
  const reread = await engine.refresh(outputs);
  if (reread === undefined || !isDeepStrictEqual(reread.outputs, outputs)) {
    return {
      kind: "disagree",
      problem: "the outputs up recorded differ from a fresh read of both directories",
      detail: `  recorded: ${JSON.stringify(outputs)}\n  read:     ${JSON.stringify(reread?.outputs)}`,
    };
  }
  const entry = simulate(m.tenant, m.records.find((r) => r.dn === m.subject.dn)!, undefined, syncEngine);
  const p = prediction!;
  const eff = effectivePrediction(p, c.tenant.features);
  const detail = () =>
    [
      `  prediction: ${describePrediction(p)}`,
      `  sync entry: ${describeEntry(entry)}`,
      `  subject after up: ${JSON.stringify(m.records[0])}`,
    ].join("\n");
  if ("error" in eff) return { kind: "disagree", problem: eff.error, detail: detail() };
  if (entry === undefined) return { kind: "disagree", problem: "no sync entry", detail: detail() };
  const simOutcome = simOutcomeAsPrediction(entry.outcome);
  if (simOutcome !== eff.outcome) {
    return {
      kind: "disagree",
      problem: `predicted ${eff.outcome}${eff.assumption ? ` [${eff.assumption}]` : ""}, sync did ${entry.outcome}`,
      detail: detail(),
    };
  }
  if (JOINS.has(simOutcome)) {
    if (eff.targetObjectId !== entry.cloudUserId) {
      return {
        kind: "disagree",
        problem: `predicted ${eff.outcome} onto ${eff.targetObjectId}, sync joined ${entry.cloudUserId}`,
        detail: detail(),
      };
    }
    if (entry.cloudUserId !== target) {
      return {
        kind: "disagree",
        problem: "takeover of another object was predicted but not refused",
        detail: detail(),
      };
    }
    if (entry.quarantined !== undefined && entry.quarantined.length > 0) {
      return {
        kind: "disagree",
        problem: "clean preview, but the join quarantined values (a collision not found)",
        detail: detail(),
      };
    }
  }
  return { kind: "agree", outcome: simOutcome, variant: eff.assumption };
}
