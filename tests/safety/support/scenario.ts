/**
 * Isolated seed slices for the safety tests: an emulator tenant of their own (Contoso, or the
 * legacy tenant that never enabled SoftMatchOnUpn), an OU of their own with copies of the chosen
 * AD users (mail and proxyAddresses kept as seeded), and the tenant's feature flags as asked.
 *
 * AD enforces userPrincipalName uniqueness across the whole domain, and several test files align
 * AD users of the shared DC with the same seed cloud users. So the cloud users picked here get a
 * UPN unique to this slice (`adam.anderson.<tag>@contoso.com`): every planned UPN stays unique on
 * the DC, while each seed situation (mailbox or none, roles, sync state, domain) stays as it is.
 */
import { randomUUID } from "node:crypto";
import { AD_BASE_DN, AD_USERS, CLOUD_USERS, type SeedAdUser } from "../../fixtures/seed-scenario";
import type { SyncFeatures } from "../../emulator/model";
import { contosoTenantSeed, legacyTenantSeed } from "../../emulator/seeds";
import { cloneSeedUsers, createOu, type SambaDc, type SeededUser, seedUsersInto } from "../../infra/samba";
import { sharedDc } from "../../support/scenario";
import type { TestEnv } from "../../support/test-env";

export interface SafetyScenario {
  tenantId: string;
  ou: string;
  dc: SambaDc;
  /** AD copies by seed key. */
  users: Record<string, SeededUser>;
  /** Cloud users (as patched) by seed key: id and UPN. */
  cloud: Record<string, { id: string; userPrincipalName: string }>;
  tag: string;
}

export interface SafetyScenarioOptions {
  tenant?: "contoso" | "legacy";
  features?: Partial<SyncFeatures>;
  /** Parent of the scenario OU (default the domain root). */
  parentDn?: string;
  /** Seed AD users to copy (default: the same keys as the cloud users). */
  adKeys?: string[];
  dc?: SambaDc;
}

function withTag(upn: string, tag: string): string {
  const at = upn.lastIndexOf("@");
  return `${upn.slice(0, at)}.${tag}${upn.slice(at)}`;
}

/**
 * Creates the slice. `tag` (2-6 characters of [a-z0-9]) names the OU (`OU=t-<tag>`) and suffixes
 * the copies; it must be unique across the test suite.
 */
export async function safetyScenario(
  env: TestEnv,
  tag: string,
  cloudKeys: string[],
  o: SafetyScenarioOptions = {},
): Promise<SafetyScenario> {
  if (!/^[a-z0-9]{2,6}$/.test(tag)) throw new Error(`safetyScenario: bad tag ${tag}`);
  const tenantId = randomUUID();
  const seed = (o.tenant ?? "contoso") === "legacy" ? legacyTenantSeed({ tenantId }) : contosoTenantSeed({ tenantId });
  await env.control.createTenant(seed);
  if (o.features !== undefined) await env.control.setFeatures(tenantId, o.features);
  const cloud: SafetyScenario["cloud"] = {};
  for (const key of cloudKeys) {
    const user = CLOUD_USERS.find((u) => u.key === key);
    if (user === undefined) throw new Error(`safetyScenario: no cloud user ${key}`);
    const upn = withTag(user.userPrincipalName, tag);
    await env.control.patchUser(tenantId, user.id, { userPrincipalName: upn });
    cloud[key] = { id: user.id, userPrincipalName: upn };
  }
  const dc = o.dc ?? sharedDc(env);
  const ou = await createOu(dc, `OU=t-${tag},${o.parentDn ?? AD_BASE_DN}`);
  const adKeys = o.adKeys ?? cloudKeys;
  const picked: SeedAdUser[] = AD_USERS.filter((u) => adKeys.includes(u.key));
  const clones = cloneSeedUsers(picked, tag).map((clone, i) => {
    // Keep the seed's addresses exactly (Alva's lower-case primary, Chen's SMTP:, X500/SIP values).
    const original = picked[i]!;
    const copy: SeedAdUser = { ...clone };
    delete copy.mail;
    delete copy.proxyAddresses;
    if (original.mail !== undefined) copy.mail = original.mail;
    if (original.proxyAddresses !== undefined) copy.proxyAddresses = [...original.proxyAddresses];
    return copy;
  });
  const users = await seedUsersInto(dc, ou, clones);
  return { tenantId, ou, dc, users, cloud, tag };
}
