/**
 * The link engine: reads both directories, plans, judges safety, applies, re-reads and restores.
 * It is what the dynamic provider's methods delegate to; it holds no Pulumi types. The phases of
 * apply are in apply.ts, the ownership rule in ownership.ts, restore in restore.ts, and what the
 * state records of both directories in recorded.ts.
 */
import type { AdPort, AdSelector, CloudSelector, EntraPort, SyncFeatures } from "../domain/ports";
import type { SafetyBlockError } from "../errors";
import {
  adModification,
  convergedOutputs,
  nothingChanged,
  type Progress,
  partialApplyError,
  recordedOf,
  writeBothSides,
} from "./apply";
import { claimOwnership, ownedElsewhere } from "./ownership";
import { type LinkPlan, planLink, syncStateOf } from "./plan";
import { exportedViewOf, predictLinkJoin } from "./predict";
import { cloudState, inputsOf, onPremisesState } from "./recorded";
import type { Resolution } from "./resolution";
import { restoreLink } from "./restore";
import { joinLine, objectsLine } from "./review";
import { assessSafety } from "./safety";
import type { UserLinkDeclaration, UserLinkInputs, UserLinkOutputs } from "./types";
import { validateDeclaration } from "./validate";

export { PartialApplyError } from "./apply";
export { linkId } from "./recorded";
export type { Resolution } from "./resolution";

export interface LinkEngineOptions {
  /** Tenant sync features stated in config (they win over what Graph returns). */
  tenantSyncFeatures?: SyncFeatures;
  /** Which sync client joins the users (default entraConnect); the prediction follows its rules. */
  syncEngine?: "entraConnect" | "cloudSync";
}

/** What refresh returns: the outputs to record, and the inputs later diffs compare with. */
export interface Refreshed {
  outputs: UserLinkOutputs;
  inputs: UserLinkInputs;
}

/** The declaration recorded in a link's state, defaults applied (undefined if it no longer validates). */
function declarationIn(props: UserLinkInputs): UserLinkDeclaration | undefined {
  return validateDeclaration(props as unknown as Record<string, unknown>).decl;
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
   * Re-reads live state first, so a re-run after a failure only does what is still missing.
   */
  async apply(
    linkName: string,
    decl: UserLinkDeclaration,
    previous?: UserLinkOutputs,
    owner?: string,
    checked?: UserLinkInputs,
  ): Promise<UserLinkOutputs> {
    const r = await this.resolve(decl);
    if (r.errors.length > 0) throw r.errors[0];
    const claimed = owner !== undefined && (await claimOwnership(this.entra, r, linkName, owner));
    const shown = checked ?? { ...decl, linkName, ...this.review(r) };
    const recorded = recordedOf(r, linkName, shown, previous, owner);
    const adWrite = adModification(r);
    const progress: Progress = { adTouched: "no", step: "graph" };
    try {
      await writeBothSides(this.ad, this.entra, r, adWrite, progress);
      progress.step = "reread";
      return await convergedOutputs(this.ad, this.entra, r, recorded);
    } catch (err) {
      if (nothingChanged(err, progress)) {
        // Nothing changed in either directory: the ownership record made for this run goes too.
        if (claimed && owner !== undefined)
          await this.entra.releaseOwnership(r.cloud.id, owner).catch(() => undefined);
        throw err;
      }
      throw await partialApplyError(this.ad, r, linkName, recorded, err, progress);
    }
  }

  /** The refusal when another stack owns the cloud user (preview's check of the one ownership rule). */
  async ownershipConflict(r: Resolution, owner: string): Promise<SafetyBlockError | undefined> {
    return ownedElsewhere(r, owner, await this.entra.getOwnership(r.cloud.id));
  }

  /** Removes this stack's ownership record (destroy); another owner's record is left alone. */
  async releaseOwnership(outputs: UserLinkOutputs, owner: string): Promise<void> {
    const id = outputs.resolved?.cloudUserId;
    if (id !== undefined) await this.entra.releaseOwnership(id, owner);
  }

  /** Re-reads both sides for refresh; undefined when either object is gone. */
  async refresh(outputs: UserLinkOutputs): Promise<Refreshed | undefined> {
    const identity = outputs.resolved;
    if (identity === undefined) return { outputs, inputs: inputsOf(outputs) };
    const [ad, cloud] = await Promise.all([
      this.ad.readByGuid(identity.onPremisesObjectGuid, "report"),
      this.entra.findUserById(identity.cloudUserId, "report"),
    ]);
    if (ad === undefined || cloud === undefined) return undefined;
    let plan: LinkPlan | undefined;
    const decl = declarationIn(outputs);
    try {
      if (decl !== undefined) plan = planLink(decl, ad, cloud);
    } catch {
      // A declaration that no longer plans (e.g. anchor removed by hand) shows up at the next preview.
    }
    // Converged: outputs keep the recorded plan, so a refresh of an unchanged link reports no
    // difference. Drifted: they record what is to change now, and the next preview repairs it.
    const drifted = plan?.hasChanges === true;
    const refreshed: UserLinkOutputs = {
      ...outputs,
      resolved: { ...identity, onPremisesDistinguishedName: ad.dn },
      ...(drifted ? { plan: plan!.summary } : {}),
      drift: drifted ? plan!.summary : [],
      onPremisesState: onPremisesState(ad),
      cloudState: cloudState(cloud),
      syncState: syncStateOf(cloud, outputs.immutableId ?? "", !drifted),
    };
    // Pulumi diffs the refreshed outputs against the recorded inputs: those carry what is left to
    // change now (nothing, once converged), not the plan of the first `up`.
    const inputs = inputsOf(refreshed);
    if (plan !== undefined) inputs.plan = plan.summary;
    return { outputs: refreshed, inputs };
  }

  /** `onDelete: restore`: put back what the link changed, leaving values it never managed alone. */
  restore(outputs: UserLinkOutputs): Promise<string[]> {
    return restoreLink(this.ad, this.entra, outputs);
  }
}
