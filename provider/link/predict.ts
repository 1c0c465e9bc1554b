/**
 * Adapts what the engine read into the join predictor's facts: the AD user as Entra Connect will
 * export it after this link's planned changes, the declared cloud user as it will be after them,
 * and the neighbourhood of other objects holding exported values or the anchor.
 */
import { type ExportedView, exportedView } from "../core/exported-view";
import { type JoinPrediction, predictJoin, type SyncEngine } from "../core/join-prediction";
import { primarySmtpOf } from "../core/proxy-addresses";
import type {
  AnchorHolder,
  CloudHolder,
  CloudRoles,
  CloudUser,
  SyncFeatures,
  TenantFacts,
} from "../domain/ports";
import type { LinkPlan } from "./plan";

export interface PredictionInputs {
  plan: LinkPlan;
  /** The AD user's values the link does not manage stay as read; `exported` is computed from the plan's target. */
  exported: ExportedView;
  onPremisesSecurityIdentifier?: string;
  cloud: CloudUser;
  roles: CloudRoles;
  tenant: TenantFacts;
  holders: readonly CloudHolder[];
  anchorHolders: readonly AnchorHolder[];
}

/** The exported view of the AD user after `up`: planned UPN, mail and proxy addresses. */
export function exportedViewOf(plan: LinkPlan, currentMail: string | null): ExportedView {
  return exportedView({
    userPrincipalName: plan.target.userPrincipalName,
    // The link writes mail only when it has a value to align to; otherwise AD keeps its own.
    mail: plan.target.mail ?? currentMail,
    proxyAddresses: plan.target.proxyAddresses,
  });
}

/** Features known for the tenant: read from Graph, or stated in config (config wins). */
export function knownFeatures(tenant: TenantFacts, stated: SyncFeatures | undefined): SyncFeatures {
  return { ...(tenant.features ?? {}), ...(stated ?? {}) };
}

export function predictLinkJoin(
  i: PredictionInputs,
  stated?: SyncFeatures,
  syncEngine: SyncEngine = "entraConnect",
): JoinPrediction {
  const suffix = i.cloud.userPrincipalName.split("@")[1]?.toLowerCase() ?? "";
  const federated = i.tenant.domains.some(
    (d) => d.id.toLowerCase() === suffix && d.authenticationType === "Federated",
  );
  return predictJoin({
    syncEngine,
    sourceAnchor: i.plan.immutableId,
    view: i.exported,
    ...(i.onPremisesSecurityIdentifier !== undefined
      ? { onPremisesSecurityIdentifier: i.onPremisesSecurityIdentifier }
      : {}),
    candidate: {
      id: i.cloud.id,
      userPrincipalName: i.cloud.userPrincipalName,
      primarySmtp: primarySmtpOf(i.cloud.proxyAddresses, null),
      // After `up`, a hard link has stamped the anchor: predict the cycle after this change.
      onPremisesImmutableId: i.plan.target.onPremisesImmutableId,
      onPremisesSyncEnabled: i.cloud.onPremisesSyncEnabled ?? null,
      onPremisesSecurityIdentifier: i.cloud.onPremisesSecurityIdentifier ?? null,
      userType: i.cloud.userType ?? null,
      roles: i.roles,
      isFederatedDomainUpn: federated,
    },
    holders: i.holders,
    anchorHolders: i.anchorHolders,
    features: knownFeatures(i.tenant, stated),
    verifiedDomains: i.tenant.domains.filter((d) => d.isVerified).map((d) => d.id),
  });
}
