/**
 * The predicted join of a proposed link, computed exactly as the provider does at preview
 * (`planLink` + `predictLinkJoin`), but with collisions looked up in the in-memory indexes of the
 * discovery run instead of one directory query per value.
 */
import { bytesToImmutableId } from "../core/immutable-id";
import type { CloudRoles, TenantFacts } from "../entra/graph-directory";
import { type LinkPlan, planLink } from "../link/plan";
import { predictLinkJoin } from "../link/predict";
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
  const values = [
    ...new Set(
      [plan.target.userPrincipalName, plan.target.primarySmtp]
        .filter((v): v is string => !!v)
        .map((v) => v.toLowerCase()),
    ),
  ];
  const adHolders: { value: string; dn: string; attribute: string }[] = [];
  const cloudHolders: { value: string; id: string; attribute: string }[] = [];
  for (const value of values) {
    const seenAd = new Set<string>([ad.dn.toLowerCase()]);
    for (const [attribute, map] of [
      ["userPrincipalName", index.adByUpn],
      ["mail", index.adByMail],
      ["proxyAddresses", index.adByProxy],
    ] as const) {
      for (const other of map.get(value) ?? []) {
        const key = other.dn.toLowerCase();
        if (seenAd.has(key)) continue;
        seenAd.add(key);
        adHolders.push({ value, dn: other.dn, attribute });
      }
    }
    const seenCloud = new Set<string>([cloud.id]);
    for (const [attribute, map] of [
      ["userPrincipalName", index.cloudByUpn],
      ["mail", index.cloudByMail],
      ["proxyAddresses", index.cloudByProxy],
    ] as const) {
      for (const other of map.get(value) ?? []) {
        if (seenCloud.has(other.id)) continue;
        seenCloud.add(other.id);
        cloudHolders.push({ value, id: other.id, attribute });
      }
    }
  }
  const anchorHolders = (index.cloudByAnchor.get(plan.immutableId) ?? [])
    .filter((c) => c.id !== cloud.id)
    .map((c) => ({ id: c.id }));
  const prediction = predictLinkJoin({
    decl,
    plan,
    cloud,
    roles: context.roles ?? NO_ROLES,
    tenant: context.tenant ?? NO_TENANT,
    adHolders,
    cloudHolders,
    anchorHolders,
    onPremisesObjectGuid: ad.objectGuid,
  });
  const predictedJoin: PredictedJoin = {
    outcome: prediction.outcome,
    reason: prediction.reason,
    uncertain: prediction.uncertain,
    warnings: prediction.warnings,
    ...(prediction.errorName !== undefined ? { errorName: prediction.errorName } : {}),
  };
  return { plan, predictedJoin };
}
