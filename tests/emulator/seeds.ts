/**
 * Tenant seeds built from tests/fixtures/seed-scenario.ts (the same people the Samba seeder creates
 * on-premises). Pure data; the emulator turns them into tenants (and generates the certificate of the
 * certificate app) when a test posts them to the control API.
 */
import {
  APPS,
  CLOUD_USERS,
  CONTOSO_DOMAINS,
  LEGACY_TENANT_ID,
  LEGACY_TENANT_INITIAL_DOMAIN,
  marketingUsers,
  TENANT_ID,
  TENANT_INITIAL_DOMAIN,
} from "../fixtures/seed-scenario";
import type { CloudUserInput, TenantSeed } from "./model";

export interface SeedOverrides {
  /** Tenant id; give each test file its own (e.g. randomUUID()) to share one emulator in isolation. */
  tenantId?: string;
}

function copyUsers(): CloudUserInput[] {
  return [...CLOUD_USERS, ...marketingUsers().cloud].map((u) => structuredClone(u));
}

/**
 * The Contoso tenant of the seed story: four domains (contoso.net added but unverified), the cloud
 * users incl. admins, PIM-eligible and already-synced ones, 47 marketing users, four apps (secret,
 * generated certificate, GitHub OIDC federated, read-only reporter), SoftMatchOnUpn on (tenant
 * created after 30 Mar 2016) and duplicate-attribute resiliency on.
 */
export function contosoTenantSeed(overrides: SeedOverrides = {}): TenantSeed {
  return {
    tenantId: overrides.tenantId ?? TENANT_ID,
    displayName: "Contoso Lab",
    domains: CONTOSO_DOMAINS.map((d) => ({ ...d })),
    users: copyUsers(),
    apps: APPS.map((a) => structuredClone(a)),
    features: { softMatchOnUpnEnabled: true },
    organizationOnPremisesSyncEnabled: null,
  };
}

/**
 * A tenant created before 30 Mar 2016 that never enabled SoftMatchOnUpn (decision table row 12):
 * the Contoso people and apps under the Fabrikam legacy initial domain.
 */
export function legacyTenantSeed(overrides: SeedOverrides = {}): TenantSeed {
  const rename = (s: string): string => s.split(TENANT_INITIAL_DOMAIN).join(LEGACY_TENANT_INITIAL_DOMAIN);
  const users = copyUsers().map((u) => {
    const copy: CloudUserInput = { ...u, userPrincipalName: rename(u.userPrincipalName) };
    if (u.mail !== undefined) copy.mail = rename(u.mail);
    if (u.proxyAddresses !== undefined) copy.proxyAddresses = u.proxyAddresses.map(rename);
    return copy;
  });
  return {
    tenantId: overrides.tenantId ?? LEGACY_TENANT_ID,
    displayName: "Fabrikam (legacy)",
    domains: CONTOSO_DOMAINS.map((d) => ({ ...d, id: rename(d.id) })),
    users,
    apps: APPS.map((a) => structuredClone(a)),
    features: { softMatchOnUpnEnabled: false },
    organizationOnPremisesSyncEnabled: null,
  };
}
