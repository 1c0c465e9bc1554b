/**
 * The predicted join of a proposed link, computed exactly as the provider does at preview
 * (`planLink` + `predictLinkJoin`), but with collisions looked up in the in-memory indexes of the
 * discovery run instead of one directory query per value.
 */
import { bytesToImmutableId } from "../core/immutable-id";
import { heldAsOf } from "../core/held-as";
import type { AnchorHolder, CloudHolder, CloudRoles, TenantFacts } from "../domain/ports";
import { type LinkPlan, planLink } from "../link/plan";
import { exportedViewOf, predictLinkJoin } from "../link/predict";
import type { PredictedJoin, UserLinkDeclaration } from "../link/types";
import type { DiscoveryAdUser, DiscoveryCloudUser } from "./types";

/** Lower-case address of a proxy value (`SMTP:a@b` → `a@b`), or undefined for other types. */
export function smtpOf(proxy: string): string | undefined {
  return /^smtp:/i.test(proxy) ? proxy.slice(5).toLowerCase() : undefined;
}

/** The source anchor Entra Connect would send for an AD user (ConsistencyGuid, else objectGUID). */
export function anchorOf(ad: Pick<DiscoveryAdUser, "objectGuidBytes" | "consistencyGuid">): string {
  return bytesToImmutableId(ad.consistencyGuid ?? ad.objectGuidBytes);
}

/** In-memory holders of values, built once per run. Keys are lower-case. */
export interface HolderIndex {
  adByUpn: Map<string, DiscoveryAdUser[]>;
  adByMail: Map<string, DiscoveryAdUser[]>;
  adByProxy: Map<string, DiscoveryAdUser[]>;
  cloudByUpn: Map<string, DiscoveryCloudUser[]>;
  cloudByMail: Map<string, DiscoveryCloudUser[]>;
  cloudByProxy: Map<string, DiscoveryCloudUser[]>;
  cloudByAnchor: Map<string, DiscoveryCloudUser[]>;
}

const NO_ROLES: CloudRoles = { active: [], eligible: [] };
const NO_TENANT: TenantFacts = {
  domains: [],
  featuresUnreadableReason: "discovery ran without reading the tenant's sync features",
};

export interface LinkPrediction {
  plan: LinkPlan;
  predictedJoin: PredictedJoin;
}

/** Plans a soft link of `ad` to `cloud` and predicts the join. Never throws for a soft link. */
export function predictProposal(
  ad: DiscoveryAdUser,
  cloud: DiscoveryCloudUser,
  index: HolderIndex,
  context: { tenant?: TenantFacts; roles?: CloudRoles },
): LinkPrediction {
  const decl: UserLinkDeclaration = {
    onPremises: { samAccountName: ad.sAMAccountName },
    cloud: { id: cloud.id },
    match: "soft",
    sourceAnchor: "auto",
    writeConsistencyGuid: false,
    onDelete: "retain",
    allowPrivilegedCloudUser: false,
  };
  const plan = planLink(
    decl,
    {
      dn: ad.dn,
      objectGuidBytes: ad.objectGuidBytes,
      ...(ad.consistencyGuid !== undefined ? { consistencyGuid: ad.consistencyGuid } : {}),
      ...(ad.userPrincipalName !== undefined ? { userPrincipalName: ad.userPrincipalName } : {}),
      ...(ad.mail !== undefined ? { mail: ad.mail } : {}),
      proxyAddresses: ad.proxyAddresses,
    },
    cloud,
  );
  const exported = exportedViewOf(plan, ad.mail ?? null);
  const values = [
    ...new Set(
      [exported.userPrincipalName, ...exported.allSmtp, plan.target.primarySmtp]
        .filter((v): v is string => !!v)
        .map((v) => v.toLowerCase()),
    ),
  ];
  const holders: CloudHolder[] = [];
  for (const value of values) {
    const others = new Map<string, DiscoveryCloudUser>();
    for (const map of [index.cloudByUpn, index.cloudByMail, index.cloudByProxy]) {
      for (const other of map.get(value) ?? []) if (other.id !== cloud.id) others.set(other.id, other);
    }
    for (const other of others.values()) {
      for (const heldAs of heldAsOf(value, other)) {
        holders.push({
          value,
          id: other.id,
          objectType: "user",
          name: other.userPrincipalName,
          heldAs,
          userType: other.userType === "Guest" ? "Guest" : "Member",
          onPremisesSyncEnabled: other.onPremisesSyncEnabled ?? null,
          onPremisesImmutableId: other.onPremisesImmutableId ?? null,
        });
      }
    }
  }
  const anchorHolders: AnchorHolder[] = (index.cloudByAnchor.get(plan.immutableId) ?? [])
    .filter((c) => c.id !== cloud.id)
    .map((c) => ({
      id: c.id,
      userPrincipalName: c.userPrincipalName,
      deleted: false,
      onPremisesSyncEnabled: c.onPremisesSyncEnabled ?? null,
    }));
  const prediction = predictLinkJoin({
    plan,
    exported,
    cloud,
    roles: context.roles ?? NO_ROLES,
    tenant: context.tenant ?? NO_TENANT,
    holders,
    anchorHolders,
  });
  const predictedJoin: PredictedJoin = prediction;
  return { plan, predictedJoin };
}
