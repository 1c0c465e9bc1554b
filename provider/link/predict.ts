/**
 * Adapts what the engine read into the core join predictor's facts: the on-premises side as it
 * will be after this link's planned changes, the cloud candidate, the tenant, and collisions.
 */
import { primarySmtpOf } from "../core/proxy-addresses";
import { type JoinPrediction, predictJoin } from "../core/join-prediction";
import type { CloudRoles, CloudUser, TenantFacts } from "../entra/graph-directory";
import type { LinkPlan } from "./plan";
import type { UserLinkDeclaration } from "./types";

export interface PredictionInputs {
  decl: UserLinkDeclaration;
  plan: LinkPlan;
  cloud: CloudUser;
  roles: CloudRoles;
  tenant: TenantFacts;
  adHolders: { value: string; dn: string; attribute: string }[];
  cloudHolders: { value: string; id: string; attribute: string }[];
  /** Other cloud objects already carrying this anchor as ImmutableId. */
  anchorHolders: { id: string }[];
  onPremisesObjectGuid: string;
}

function secondaries(proxies: readonly string[]): string[] {
  return proxies.filter((p) => p.startsWith("smtp:")).map((p) => p.slice(5));
}

export function predictLinkJoin(i: PredictionInputs): JoinPrediction {
  const upn = i.plan.target.userPrincipalName.toLowerCase();
  const smtp = i.plan.target.primarySmtp?.toLowerCase() ?? null;
  const plannedPrimary = primarySmtpOf(i.plan.target.proxyAddresses, i.plan.target.mail);
  const suffix = i.cloud.userPrincipalName.split("@")[1]?.toLowerCase() ?? "";
  const federated = i.tenant.domains.some(
    (d) => d.id.toLowerCase() === suffix && d.authenticationType === "Federated",
  );
  const f = i.tenant.features;
  return predictJoin({
    asOf: new Date(),
    onPremises: {
      sourceAnchor: i.plan.immutableId,
      userPrincipalName: i.plan.target.userPrincipalName,
      primarySmtp: plannedPrimary,
      primarySmtpFromMail: i.plan.target.proxyAddresses.length === 0 && plannedPrimary !== null,
      secondarySmtp: secondaries(i.plan.target.proxyAddresses),
      // ldapBaseDn is documented as the Entra Connect sync scope, and findUser only returns users under it.
      inSyncScope: true,
      objectGuid: i.onPremisesObjectGuid,
    },
    cloud: {
      id: i.cloud.id,
      userPrincipalName: i.cloud.userPrincipalName,
      primarySmtp: primarySmtpOf(i.cloud.proxyAddresses, null),
      secondarySmtp: secondaries(i.cloud.proxyAddresses),
      // After `up`, a hard link has stamped the anchor: predict the cycle after this change.
      onPremisesImmutableId: i.plan.target.onPremisesImmutableId,
      onPremisesSyncEnabled: i.cloud.onPremisesSyncEnabled ?? null,
      activeRoles: i.roles.active,
      eligibleRoles: i.roles.eligible,
      isFederatedDomainUpn: federated,
    },
    tenant: {
      features: {
        blockSoftMatchEnabled: f?.blockSoftMatchEnabled,
        blockCloudObjectTakeoverThroughHardMatchEnabled: f?.blockCloudObjectTakeoverThroughHardMatchEnabled,
        softMatchOnUpnEnabled: f?.softMatchOnUpnEnabled,
      },
      verifiedDomains: i.tenant.domains.filter((d) => d.isVerified).map((d) => d.id),
    },
    collisions: {
      cloudObjectsWithSourceAnchor: i.anchorHolders.map((h) => ({ id: h.id, objectType: "user" as const })),
      cloudObjectsWithUpn: i.cloudHolders
        .filter((h) => h.value === upn && h.attribute === "userPrincipalName")
        .map((h) => ({ id: h.id, objectType: "user" as const })),
      cloudObjectsWithSmtp: i.cloudHolders
        .filter((h) => smtp !== null && h.value === smtp && h.attribute !== "userPrincipalName")
        .map((h) => ({ id: h.id, objectType: "user" as const, asPrimary: h.attribute === "mail" })),
      adObjectsWithUpn: i.adHolders
        .filter((h) => h.value === upn && h.attribute === "userPrincipalName")
        .map((h) => h.dn),
      adObjectsWithSmtp: i.adHolders
        .filter((h) => smtp !== null && h.value === smtp && h.attribute !== "userPrincipalName")
        .map((h) => h.dn),
    },
  });
}
