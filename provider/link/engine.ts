/**
 * The link engine: reads both directories, plans, judges safety, applies, re-reads and restores.
 * It is what the dynamic provider's methods delegate to; it holds no Pulumi types.
 *
 * Over 400 lines on purpose: resolve, apply, refresh and restore share one read → plan → write
 * sequence and its partial-state rules; split, each part would re-derive them.
 */
import type { ExportedView } from "../core/exported-view";
import { bytesToGuid, guidToBytes } from "../core/guid";
import { restoreProxyAddresses } from "../core/proxy-addresses";
import type {
  AdModification,
  AdPort,
  AdSelector,
  AdUser,
  CloudSelector,
  CloudUser,
  EntraPort,
  Ownership,
  SyncFeatures,
} from "../domain/ports";
import { type AdEntraLinkError, DirectoryRequestError, SafetyBlockError } from "../errors";
import { type LinkPlan, planLink, syncStateOf } from "./plan";
import { exportedViewOf, predictLinkJoin } from "./predict";
import { assessSafety } from "./safety";
import { formatLinkIdentity } from "./identity";
import { joinLine, objectsLine } from "./review";
import {
  type BeforeState,
  type CloudState,
  INPUT_KEYS,
  type OnPremisesState,
  type PredictedJoin,
  type ResolvedIdentity,
  type UserLinkDeclaration,
  type UserLinkInputs,
  type UserLinkOutputs,
} from "./types";
import { validateDeclaration } from "./validate";

export interface Resolution {
  decl: UserLinkDeclaration;
  ad: AdUser;
  cloud: CloudUser;
  plan: LinkPlan;
  exported: ExportedView;
  prediction: PredictedJoin;
  warnings: string[];
  /** Refusals found; empty when the link may proceed. */
  errors: AdEntraLinkError[];
}

export interface LinkEngineOptions {
  /** Tenant sync features stated in config (they win over what Graph returns). */
  tenantSyncFeatures?: SyncFeatures;
  /** Which sync client joins the users (default entraConnect); the prediction follows its rules. */
  syncEngine?: "entraConnect" | "cloudSync";
}

/**
 * Thrown by apply when one side was written and the other failed: `outputs` is what the link looks
 * like now, so the caller can record partial state and the next run finishes the job.
 */
export class PartialApplyError extends Error {
  constructor(
    message: string,
    readonly linkId: string,
    readonly outputs: UserLinkOutputs,
  ) {
    super(message);
    this.name = "PartialApplyError";
  }
}

/** What refresh returns: the outputs to record, and the inputs later diffs compare with. */
export interface Refreshed {
  outputs: UserLinkOutputs;
  inputs: UserLinkInputs;
}

/** The checked inputs contained in a link's outputs (outputs extend inputs with directory state). */
function inputsOf(outputs: UserLinkOutputs): UserLinkInputs {
  const picked: Record<string, unknown> = {};
  for (const k of INPUT_KEYS) if (outputs[k] !== undefined) picked[k] = outputs[k];
  return picked as unknown as UserLinkInputs;
}

/** The declaration recorded in a link's state, defaults applied (undefined if it no longer validates). */
function declarationIn(props: UserLinkInputs): UserLinkDeclaration | undefined {
  return validateDeclaration(props as unknown as Record<string, unknown>).decl;
}

/**
 * The one ownership rule: a record of another stack refuses the link. Values read from the record
 * are shown escaped and shortened: another stack (or anyone with write access to the user) wrote them.
 */
function ownedElsewhere(
  r: Resolution,
  owner: string,
  recorded: Ownership | undefined,
): SafetyBlockError | undefined {
  if (recorded === undefined || recorded.owner === owner) return undefined;
  const shown = (v: string) => JSON.stringify(v.slice(0, 200));
  return new SafetyBlockError(
    "LINK_OWNED_BY_OTHER_STACK",
    `ad-entra-link: the cloud user ${r.cloud.userPrincipalName} (${r.cloud.id}) is already linked by stack ${shown(recorded.owner)} (link ${shown(recorded.linkName)}, AD object ${shown(recorded.onPremisesObjectGuid)}). Two stacks linking one user would undo each other on every run; nothing was written. Remove the link there (pulumi destroy releases it) or here.`,
    { property: "cloud", side: "cloud" },
  );
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

export function linkId(identity: ResolvedIdentity): string {
  return `${identity.onPremisesObjectGuid}/${identity.cloudUserId}`;
}

function onPremisesState(ad: AdUser): OnPremisesState {
  return {
    distinguishedName: ad.dn,
    objectGuid: ad.objectGuid,
    userPrincipalName: ad.userPrincipalName ?? null,
    mail: ad.mail ?? null,
    proxyAddresses: [...ad.proxyAddresses],
    consistencyGuid: ad.consistencyGuid ? bytesToGuid(ad.consistencyGuid) : null,
  };
}

function cloudState(cloud: CloudUser): CloudState {
  return {
    id: cloud.id,
    userPrincipalName: cloud.userPrincipalName,
    mail: cloud.mail ?? null,
    proxyAddresses: [...cloud.proxyAddresses],
    onPremisesImmutableId: cloud.onPremisesImmutableId ?? null,
    onPremisesSyncEnabled: cloud.onPremisesSyncEnabled ?? null,
  };
}

function beforeState(ad: AdUser, cloud: CloudUser): BeforeState {
  const s = onPremisesState(ad);
  return {
    onPremises: {
      userPrincipalName: s.userPrincipalName,
      mail: s.mail,
      proxyAddresses: s.proxyAddresses,
      consistencyGuid: s.consistencyGuid,
    },
    cloud: { onPremisesImmutableId: cloud.onPremisesImmutableId ?? null },
  };
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
    const claimed = owner !== undefined && (await this.claimOwnership(r, linkName, owner));
    const before = previous?.before ?? beforeState(r.ad, r.cloud);
    const proxyAddressesAdded = [...new Set([...(previous?.proxyAddressesAdded ?? []), ...r.plan.proxy.add])];
    const resolved: ResolvedIdentity = {
      onPremisesObjectGuid: r.ad.objectGuid,
      onPremisesDistinguishedName: r.ad.dn,
      cloudUserId: r.cloud.id,
    };
    const id = linkId(resolved);
    // Outputs repeat the checked inputs as preview showed them: Pulumi's update plans (`up --plan`)
    // compare a created resource's outputs with what preview recorded, so they are not recomputed.
    const inputs: Omit<UserLinkOutputs, "onPremisesState" | "cloudState" | "syncState" | "before"> = {
      ...(checked ?? { ...decl, linkName, ...this.review(r) }),
      // Refresh and destroy need to know who declared the link (preview shows it in the URN).
      ...(owner !== undefined ? { link: formatLinkIdentity(owner, linkName) } : {}),
      resolved,
      immutableId: r.plan.immutableId,
      sourceAnchorAttribute: r.plan.sourceAnchorAttribute,
      predictedJoin: r.prediction,
    };

    const adWrite = this.adModification(r);
    // Once AD may have changed, every failure must leave partial state: otherwise the next run would
    // record the already-changed values as "before", and `onDelete: restore` would restore those.
    let adTouched: "no" | "maybe" | "yes" = "no";
    let step: "graph" | "reread" = "graph";
    try {
      if (adWrite !== undefined) {
        adTouched = "maybe"; // a dropped connection during the modify leaves it unknown
        await this.ad.modify(r.ad.dn, adWrite);
        adTouched = "yes";
      }
      const immutable = r.plan.changes.cloud.onPremisesImmutableId;
      if (immutable !== undefined) {
        if (r.cloud.onPremisesSyncEnabled === true) {
          throw new DirectoryRequestError(
            "CLOUD_USER_NOT_CLOUD_MANAGED",
            `ad-entra-link: cannot set the ImmutableId of ${r.cloud.userPrincipalName}: it is synchronized from on-premises now and Graph refuses writes to it.`,
          );
        }
        await this.entra.setImmutableId(r.cloud.id, immutable.planned);
      }
      step = "reread";
      const [adAfter, cloudAfter] = await Promise.all([
        this.ad.readByDn(r.ad.dn),
        this.entra.findUserById(r.cloud.id),
      ]);
      const cloudNow = cloudAfter ?? r.cloud;
      const adNow = adAfter ?? r.ad;
      return {
        ...inputs,
        onPremisesState: onPremisesState(adNow),
        cloudState: cloudState(cloudNow),
        syncState: syncStateOf(cloudNow, r.plan.immutableId, true),
        before,
        proxyAddressesAdded,
        progress: { onPremisesWritten: true, cloudWritten: true },
      };
    } catch (err) {
      const notSent = (err as { requestSent?: boolean }).requestSent === false;
      const writeFailed =
        adTouched === "maybe" && (notSent || (err as { name?: string }).name !== "DirectoryUnavailableError");
      if (adTouched === "no" || writeFailed) {
        // Nothing changed in either directory: the ownership record made for this run goes too.
        if (claimed && owner !== undefined)
          await this.entra.releaseOwnership(r.cloud.id, owner).catch(() => undefined);
        throw err;
      }
      const ad = (await this.ad.readByDn(r.ad.dn).catch(() => undefined)) ?? r.ad;
      const partial: UserLinkOutputs = {
        ...inputs,
        onPremisesState: onPremisesState(ad),
        cloudState: cloudState(r.cloud),
        syncState: syncStateOf(r.cloud, r.plan.immutableId, adTouched === "yes"),
        before,
        proxyAddressesAdded,
        progress: { onPremisesWritten: adTouched === "yes", cloudWritten: false },
      };
      const what =
        adTouched === "maybe"
          ? "the domain controller stopped answering during the Active Directory write, which may or may not have been applied"
          : step === "graph"
            ? "Active Directory was updated, but setting the ImmutableId in Entra ID failed"
            : "Active Directory was updated, but reading the result back failed";
      const message = `ad-entra-link: link ${linkName}: ${what}: ${(err as Error).message} Run \`pulumi up\` again to finish; nothing will be lost.`;
      throw new PartialApplyError(message, id, partial);
    }
  }

  /** The refusal when another stack owns the cloud user (preview's check of the one ownership rule). */
  async ownershipConflict(r: Resolution, owner: string): Promise<SafetyBlockError | undefined> {
    return ownedElsewhere(r, owner, await this.entra.getOwnership(r.cloud.id));
  }

  /**
   * Records this stack as the owner of the cloud user before anything is written, so a second
   * stack is refused at its preview; refuses when another stack got there first. True when the
   * record was created by this call (and must go again if nothing else is written).
   */
  private async claimOwnership(r: Resolution, linkName: string, owner: string): Promise<boolean> {
    const recorded = await this.entra.getOwnership(r.cloud.id);
    const conflict = ownedElsewhere(r, owner, recorded);
    if (conflict !== undefined) throw conflict;
    if (recorded?.linkName !== linkName || recorded.onPremisesObjectGuid !== r.ad.objectGuid) {
      await this.entra.setOwnership(r.cloud.id, { owner, linkName, onPremisesObjectGuid: r.ad.objectGuid });
      return recorded === undefined;
    }
    return false;
  }

  /** Removes this stack's ownership record (destroy); another owner's record is left alone. */
  async releaseOwnership(outputs: UserLinkOutputs, owner: string): Promise<void> {
    const id = outputs.resolved?.cloudUserId;
    if (id !== undefined) await this.entra.releaseOwnership(id, owner);
  }

  /** The single LDAP modify that aligns the AD user, or undefined when nothing changes there. */
  private adModification(r: Resolution): AdModification | undefined {
    const c = r.plan.changes.onPremises;
    const replace: Record<string, string | Buffer | null> = {};
    if (c.userPrincipalName) replace["userPrincipalName"] = c.userPrincipalName.planned;
    if (c.mail) replace["mail"] = c.mail.planned;
    if (r.plan.writeConsistencyGuid) replace["mS-DS-ConsistencyGuid"] = r.plan.writeConsistencyGuid;
    const add: Record<string, string[]> = c.proxyAddresses ? { proxyAddresses: c.proxyAddresses.add } : {};
    const del: Record<string, string[]> = c.proxyAddresses ? { proxyAddresses: c.proxyAddresses.remove } : {};
    if (Object.keys(replace).length === 0 && !c.proxyAddresses) return undefined;
    return { replace, add, delete: del };
  }

  /** Re-reads both sides for refresh; undefined when either object is gone. */
  async refresh(outputs: UserLinkOutputs): Promise<Refreshed | undefined> {
    const identity = outputs.resolved;
    if (identity === undefined) return { outputs, inputs: inputsOf(outputs) };
    const [ad, cloud] = await Promise.all([
      this.ad.readByGuid(identity.onPremisesObjectGuid),
      this.entra.findUserById(identity.cloudUserId),
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
  async restore(outputs: UserLinkOutputs): Promise<string[]> {
    const notes: string[] = [];
    const identity = outputs.resolved;
    if (identity === undefined) return notes;
    const ad = await this.ad.readByGuid(identity.onPremisesObjectGuid);
    if (ad !== undefined) {
      const b = outputs.before.onPremises;
      const replace: Record<string, string | Buffer | null> = {};
      if ((ad.userPrincipalName ?? null) !== b.userPrincipalName)
        replace["userPrincipalName"] = b.userPrincipalName;
      if ((ad.mail ?? null) !== b.mail) replace["mail"] = b.mail;
      const currentCg = ad.consistencyGuid ? bytesToGuid(ad.consistencyGuid) : null;
      if (currentCg !== b.consistencyGuid) {
        replace["mS-DS-ConsistencyGuid"] = b.consistencyGuid === null ? null : guidToBytes(b.consistencyGuid);
      }
      // Proxy addresses: undo exactly the values the link added/re-cased; others added since stay.
      const restoredProxies = restoreProxyAddresses(
        ad.proxyAddresses,
        b.proxyAddresses,
        outputs.proxyAddressesAdded ?? [],
      );
      const add = { proxyAddresses: restoredProxies.add };
      const del = { proxyAddresses: restoredProxies.remove };
      if (
        Object.keys(replace).length > 0 ||
        restoredProxies.add.length > 0 ||
        restoredProxies.remove.length > 0
      ) {
        await this.ad.modify(ad.dn, { replace, add, delete: del });
        notes.push(`restored ${ad.dn}`);
      }
    } else {
      notes.push(
        `on-premises object ${identity.onPremisesObjectGuid} no longer exists; nothing to restore there`,
      );
    }
    const cloud = await this.entra.findUserById(identity.cloudUserId);
    if (cloud !== undefined) {
      const want = outputs.before.cloud.onPremisesImmutableId;
      if ((cloud.onPremisesImmutableId ?? null) !== want) {
        if (cloud.onPremisesSyncEnabled === true) {
          notes.push(
            `${cloud.userPrincipalName} is synchronized now; its ImmutableId belongs to Entra Connect and was left as is`,
          );
        } else {
          await this.entra.setImmutableId(cloud.id, want);
          notes.push(`restored the ImmutableId of ${cloud.userPrincipalName}`);
        }
      }
    }
    return notes;
  }
}
