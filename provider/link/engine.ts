/**
 * The link engine: reads both directories, plans, judges safety, applies, re-reads and restores.
 * It is what the dynamic provider's methods delegate to; it holds no Pulumi types. The phases of
 * apply are in apply.ts, the ownership rule in ownership.ts, restore in restore.ts, and what the
 * state records of both directories in recorded.ts.
 */
import type { AdPort, AdSelector, CloudSelector, EntraPort, Ownership, SyncFeatures } from "../domain/ports";
import type { SafetyBlockError } from "../errors";
import {
  adModification,
  computedOutputs,
  convergedOutputs,
  isStaleWrite,
  nothingChanged,
  type Progress,
  partialApplyError,
  type Recorded,
  recordedOf,
  writeBothSides,
} from "./apply";
import { claimOwnership, ownedElsewhere } from "./ownership";
import { planLink } from "./plan";
import { exportedViewOf, predictLinkJoin } from "./predict";
import { type Refreshed, type RefreshFacts, refreshFactsOf, refreshWith } from "./refresh";
import type { Resolution } from "./resolution";
import { restoreLink } from "./restore";
import { joinLine, objectsLine } from "./review";
import { assessSafety } from "./safety";
import type { UserLinkDeclaration, UserLinkInputs, UserLinkOutputs } from "./types";

export { PartialApplyError } from "./apply";
export { linkId } from "./recorded";
export type { Refreshed, RefreshFacts } from "./refresh";
export type { Resolution } from "./resolution";

export interface LinkEngineOptions {
  /** Tenant sync features stated in config (they win over what Graph returns). */
  tenantSyncFeatures?: SyncFeatures;
  /** Which sync client joins the users (default entraConnect); the prediction follows its rules. */
  syncEngine?: "entraConnect" | "cloudSync";
}

/**
 * What a check read and judged, kept by the run book (session/run-book.ts) so that create or update
 * of the same declaration in the same run writes from it instead of reading everything again.
 */
export interface CheckedLink {
  /** `declarationKey` of the checked declaration: apply uses the check only for the same one. */
  declarationKey: string;
  resolution: Resolution;
  /** The ownership record the check read (`recorded` undefined: none), when the link names a stack. */
  ownership?: { recorded: Ownership | undefined };
}

/** The identity of a declaration, defaults applied, for matching a create with its check. */
export function declarationKey(decl: UserLinkDeclaration): string {
  return JSON.stringify(decl);
}

export function adSelectorOf(decl: UserLinkDeclaration): AdSelector {
  const s = decl.onPremises;
  if (s.objectGuid !== undefined) return { objectGuid: s.objectGuid };
  if (s.distinguishedName !== undefined) return { distinguishedName: s.distinguishedName };
  if (s.samAccountName !== undefined) return { samAccountName: s.samAccountName };
  return { userPrincipalName: s.userPrincipalName ?? "" };
}

export function cloudSelectorOf(decl: UserLinkDeclaration): CloudSelector {
  return decl.cloud.id !== undefined
    ? { id: decl.cloud.id }
    : { userPrincipalName: decl.cloud.userPrincipalName ?? "" };
}

/** What one apply knows beyond the resolution, and whether it created the ownership record. */
interface ApplyRun {
  linkName: string;
  owner: string | undefined;
  previous: UserLinkOutputs | undefined;
  checked: UserLinkInputs | undefined;
  claimed: boolean;
}

/** Thrown inside apply when a write from the check's reads found the directories changed. */
const STALE = Symbol("changed since the check");

export class LinkEngine {
  constructor(
    private readonly ad: AdPort,
    private readonly entra: EntraPort,
    private readonly options: LinkEngineOptions = {},
  ) {}

  /** Reads both sides and everything the safety rules and the prediction need. */
  async resolve(decl: UserLinkDeclaration): Promise<Resolution> {
    const [ad, cloud, tenant] = await Promise.all([
      this.ad.findUser(adSelectorOf(decl)),
      this.entra.getUser(cloudSelectorOf(decl)),
      this.entra.tenantFacts(),
    ]);
    const plan = planLink(decl, ad, cloud);
    const exported = exportedViewOf(plan, ad.mail ?? null);
    // Every value Entra Connect will export, and the planned ones even where proxy calculation
    // discards them (a holder of a discarded value still clashes in AD and Exchange).
    const values = [
      ...new Set(
        [exported.userPrincipalName, ...exported.allSmtp, plan.target.primarySmtp, plan.target.mail]
          .filter((v): v is string => !!v)
          .map((v) => v.toLowerCase()),
      ),
    ];
    const [roles, anchorHolders, adHolders, cloudHolders] = await Promise.all([
      this.entra.getRoles(cloud.id),
      this.entra.findAnchorHolders(plan.immutableId, cloud.id),
      this.ad.findHolders(values, ad.dn),
      this.entra.findHolders(values, cloud.id),
    ]);
    const prediction = predictLinkJoin(
      {
        plan,
        exported,
        ...(ad.objectSid !== undefined ? { onPremisesSecurityIdentifier: ad.objectSid } : {}),
        cloud,
        roles,
        tenant,
        holders: cloudHolders,
        anchorHolders,
      },
      this.options.tenantSyncFeatures,
      this.options.syncEngine,
    );
    const verdict = assessSafety(decl, plan, {
      adDn: ad.dn,
      cloud,
      roles,
      verifiedDomains: tenant.domains.filter((d) => d.isVerified).map((d) => d.id),
      exported,
      prediction,
      adHolders: adHolders.filter((h) => h.heldAs === "userPrincipalName" || h.inSyncScope),
      cloudHolders,
      anchorHolders,
    });
    const warnings = [...new Set(verdict.warnings)];
    return {
      decl,
      ad,
      cloud,
      plan,
      exported,
      prediction: { ...prediction, warnings },
      warnings,
      errors: verdict.errors,
    };
  }

  /** The review fields of the checked inputs (review.ts): what preview shows per link. */
  review(r: Resolution): Pick<UserLinkInputs, "objects" | "plan" | "join"> {
    return {
      objects: objectsLine(r.ad.dn, r.cloud.id),
      plan: r.plan.summary,
      join: joinLine(r.prediction, r.cloud.id),
    };
  }

  /**
   * Converges both directories to the plan: AD first (one atomic LDAP modify), then Graph.
   *
   * With `fromCheck` (this run's check of the same declaration, which found nothing to refuse) it
   * writes from what the check read, and the writes verify that: the LDAP modify deletes the values
   * the check saw (a compare-and-swap the DC enforces atomically), creating the ownership record
   * fails when one appeared, and a hard match re-reads the cloud user before its PATCH. When any of
   * them finds the directories changed, nothing has been written and the link is read and judged
   * again from live reads, as it is without `fromCheck`. Those re-read both sides first, so a re-run
   * after a failure only does what is still missing.
   */
  async apply(
    linkName: string,
    decl: UserLinkDeclaration,
    previous?: UserLinkOutputs,
    owner?: string,
    checked?: UserLinkInputs,
    fromCheck?: CheckedLink,
  ): Promise<UserLinkOutputs> {
    const run: ApplyRun = { linkName, owner, previous, checked, claimed: false };
    if (fromCheck !== undefined && fromCheck.resolution.errors.length === 0) {
      const r = fromCheck.resolution;
      const progress: Progress = { adTouched: "no", step: "graph" };
      try {
        await this.claim(run, r, fromCheck.ownership);
        if (await this.cloudChangedSinceCheck(r)) throw STALE;
        const adWrite = adModification(r, "compareAndSwap");
        await writeBothSides(this.ad, this.entra, r, adWrite, progress);
        return computedOutputs(r, this.recorded(run, r));
      } catch (err) {
        const stale = err === STALE || (progress.adTouched === "maybe" && isStaleWrite(err));
        if (!stale) return this.failed(run, r, err, progress);
        // Changed since the check and nothing written: judged again from live reads below.
      }
    }
    const r = await this.resolve(decl).catch(async (err: unknown) => {
      // Read again after the check's claim was made: the record goes if nothing else will be written.
      if (run.claimed && owner !== undefined && fromCheck !== undefined)
        await this.entra.releaseOwnership(fromCheck.resolution.cloud.id, owner).catch(() => undefined);
      throw err;
    });
    const progress: Progress = { adTouched: "no", step: "graph" };
    try {
      if (r.errors.length > 0) throw r.errors[0];
      await this.claim(run, r);
      await writeBothSides(this.ad, this.entra, r, adModification(r, "replace"), progress);
      progress.step = "reread";
      return await convergedOutputs(this.ad, this.entra, r, this.recorded(run, r));
    } catch (err) {
      return this.failed(run, r, err, progress);
    }
  }

  /** Records the stack as the owner of the cloud user (link/ownership.ts), before any write. */
  private async claim(run: ApplyRun, r: Resolution, read?: CheckedLink["ownership"]): Promise<void> {
    if (run.owner === undefined) return;
    if (await claimOwnership(this.entra, r, run.linkName, run.owner, read)) run.claimed = true;
  }

  private recorded(run: ApplyRun, r: Resolution): Recorded {
    const shown = run.checked ?? { ...r.decl, linkName: run.linkName, ...this.review(r) };
    return recordedOf(r, run.linkName, shown, run.previous, run.owner);
  }

  /** A hard match writes the cloud user: true when it is no longer as the check read it. */
  private async cloudChangedSinceCheck(r: Resolution): Promise<boolean> {
    if (r.plan.changes.cloud.onPremisesImmutableId === undefined) return false;
    const now = await this.entra.findUserById(r.cloud.id, "write");
    return (
      now === undefined ||
      (now.onPremisesImmutableId ?? null) !== (r.cloud.onPremisesImmutableId ?? null) ||
      (now.onPremisesSyncEnabled ?? null) !== (r.cloud.onPremisesSyncEnabled ?? null)
    );
  }

  /**
   * What a failed apply throws: the error itself when neither directory changed (and an ownership
   * record made by this apply goes again), else partial state for the next run to finish.
   */
  private async failed(run: ApplyRun, r: Resolution, err: unknown, progress: Progress): Promise<never> {
    if (nothingChanged(err, progress)) {
      if (run.claimed && run.owner !== undefined)
        await this.entra.releaseOwnership(r.cloud.id, run.owner).catch(() => undefined);
      throw err;
    }
    throw await partialApplyError(this.ad, r, run.linkName, this.recorded(run, r), err, progress);
  }

  /** The ownership record on the link's cloud user (check reads it once; apply may reuse it). */
  readOwnership(r: Resolution): Promise<Ownership | undefined> {
    return this.entra.getOwnership(r.cloud.id);
  }

  /** The refusal when another stack owns the cloud user (preview's check of the one ownership rule). */
  ownershipConflict(
    r: Resolution,
    owner: string,
    recorded: Ownership | undefined,
  ): SafetyBlockError | undefined {
    return ownedElsewhere(r, owner, recorded);
  }

  /** Removes this stack's ownership record (destroy); another owner's record is left alone. */
  async releaseOwnership(outputs: UserLinkOutputs, owner: string): Promise<void> {
    const id = outputs.resolved?.cloudUserId;
    if (id !== undefined) await this.entra.releaseOwnership(id, owner);
  }

  /** Re-reads both sides for refresh; undefined when either object is gone. */
  /**
   * `read`: what this refresh already read of the link's users (`facts` undefined: one is gone), so
   * they are not read twice (a second read of a user in a run goes to the directory, not the bulk read).
   */
  async refresh(
    outputs: UserLinkOutputs,
    read?: { facts: RefreshFacts | undefined },
  ): Promise<(Refreshed & { facts?: RefreshFacts }) | undefined> {
    const identity = outputs.resolved;
    if (identity === undefined) return { outputs };
    const facts = read
      ? read.facts
      : await this.refreshFacts(identity.onPremisesObjectGuid, identity.cloudUserId);
    if (facts === undefined) return undefined;
    return { ...refreshWith(outputs, facts), facts };
  }

  /** What a refresh reads of the two users (undefined when either is gone). */
  async refreshFacts(objectGuid: string, cloudUserId: string): Promise<RefreshFacts | undefined> {
    const [ad, cloud] = await Promise.all([
      this.ad.readByGuid(objectGuid, "report"),
      this.entra.findUserById(cloudUserId, "report"),
    ]);
    return ad === undefined || cloud === undefined ? undefined : refreshFactsOf(ad, cloud);
  }

  /** `onDelete: restore`: put back what the link changed, leaving values it never managed alone. */
  restore(outputs: UserLinkOutputs): Promise<string[]> {
    return restoreLink(this.ad, this.entra, outputs);
  }
}
