/**
 * In-memory directories built from the seed scenario, for the pure matcher's tests: the AD users as
 * discovery reads them (objectGUIDs derived from the seed key, stable across runs) and the cloud
 * users and roles as the emulator serves them.
 */
import { createHash } from "node:crypto";
import { guidToBytes } from "../../provider/core/guid";
import type { DiscoveryAdUser, DiscoveryCloudUser } from "../../provider/discover";
import type { CloudRoles, TenantFacts } from "../../provider/entra/graph-directory";
import {
  AD_BASE_DN,
  AD_USERS,
  CLOUD_USERS,
  CONTOSO_DOMAINS,
  marketingUsers,
  ROLE_TEMPLATES,
  type SeedAdUser,
  type SeedCloudUser,
} from "../fixtures/seed-scenario";

/** A stable GUID for a test object, derived from a label. */
export function stableGuid(label: string): string {
  const h = createHash("sha256").update(label).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A seed AD user as discovery reads it from the DC. */
export function adUserOf(u: SeedAdUser, baseDn = AD_BASE_DN): DiscoveryAdUser {
  const objectGuid = stableGuid(`ad/${u.sAMAccountName}`);
  const user: DiscoveryAdUser = {
    dn: `CN=${u.cn.replace(/([,\\#+<>;"=])/g, "\\$1")},${u.ou},${baseDn}`,
    objectGuid,
    objectGuidBytes: guidToBytes(objectGuid),
    sAMAccountName: u.sAMAccountName,
    userPrincipalName: u.userPrincipalName,
    proxyAddresses: [...(u.proxyAddresses ?? [])],
    displayName: u.displayName,
    givenName: u.givenName,
    sn: u.sn,
  };
  if (u.mail !== undefined) user.mail = u.mail;
  if (u.employeeID !== undefined) user.employeeID = u.employeeID;
  if (u.consistencyGuid !== undefined) user.consistencyGuid = guidToBytes(u.consistencyGuid);
  return user;
}

/** A seed cloud user as Graph returns it with discovery's $select. */
export function cloudUserOf(u: SeedCloudUser): DiscoveryCloudUser {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    mail: u.mail ?? null,
    mailNickname: u.mailNickname,
    proxyAddresses: [...(u.proxyAddresses ?? [])],
    employeeId: u.employeeId ?? null,
    userType: "Member",
    onPremisesImmutableId: u.onPremisesImmutableId ?? null,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
  };
}

/** Roles by cloud user id, as discovery reads them. */
export function seedRoles(users: readonly SeedCloudUser[] = CLOUD_USERS): Map<string, CloudRoles> {
  const info = (name: string) => {
    const t = ROLE_TEMPLATES.find((r) => r.displayName === name);
    if (t === undefined) throw new Error(`unknown role ${name}`);
    return { roleDefinitionId: t.id, displayName: t.displayName, isPrivileged: t.isPrivileged };
  };
  const roles = new Map<string, CloudRoles>();
  for (const u of users) {
    if ((u.activeRoles ?? []).length + (u.eligibleRoles ?? []).length === 0) continue;
    roles.set(u.id, { active: (u.activeRoles ?? []).map(info), eligible: (u.eligibleRoles ?? []).map(info) });
  }
  return roles;
}

/** The contoso tenant's facts; sync features unreadable, as for an app-only credential. */
export function seedTenant(): TenantFacts {
  return {
    domains: CONTOSO_DOMAINS.map((d) => ({
      id: d.id,
      isVerified: d.isVerified,
      isInitial: d.isInitial,
      authenticationType: d.authenticationType,
    })),
    initialDomain: CONTOSO_DOMAINS.find((d) => d.isInitial)?.id,
    tenantSyncEnabled: null,
    featuresUnreadableReason: "app-only credential",
  } as TenantFacts;
}

/** The whole seed: every AD user and every cloud user, marketing included. */
export function seedDirectories(): { ad: DiscoveryAdUser[]; cloud: DiscoveryCloudUser[] } {
  const m = marketingUsers();
  return {
    ad: [...AD_USERS, ...m.ad].map((u) => adUserOf(u)),
    cloud: [...CLOUD_USERS, ...m.cloud].map(cloudUserOf),
  };
}
