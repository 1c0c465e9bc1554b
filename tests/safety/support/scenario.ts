/**
 * Isolated seed slices for the safety tests, like tests/support/scenario.ts but with the choice of
 * tenant (Contoso, or the legacy tenant that never enabled SoftMatchOnUpn), its sync feature
 * flags, the parent OU and the DC. Each slice has its own emulator tenant and its own OU with
 * copies of the chosen AD users; both sides carry the slice's tag in every UPN and routable address
 * (`adam.anderson.<tag>@contoso.com`), because AD enforces UPN uniqueness across the whole domain
 * and other test files align copies of the same seed people on the shared DC.
 */
import { randomUUID } from "node:crypto";
import { AD_BASE_DN, AD_USERS, marketingUsers, type SeedAdUser } from "../../fixtures/seed-scenario";
import type { SyncFeatures, TenantSeed } from "../../emulator/model";
import type { TenantCreated } from "../../emulator/store";
import { cloneSeedUsers, createOu, type SambaDc, type SeededUser, seedUsersInto } from "../../infra/samba";
import { sharedDc, taggedTenantSeed } from "../../support/scenario";
import type { TestEnv } from "../../support/test-env";

export interface SafetyScenario {
  tenantId: string;
  tenantSeed: TenantSeed;
  /** What the emulator answered: app secrets and the generated certificate of the certificate app. */
  created: TenantCreated;
  ou: string;
  dc: SambaDc;
  tag: string;
  /** AD copies by seed key. */
  users: Record<string, SeededUser>;
  /** Cloud users of the tenant by seed key (as created, tag applied). */
  cloud: Record<string, { id: string; userPrincipalName: string; mail?: string }>;
}

export interface SafetyScenarioOptions {
  tenant?: "contoso" | "legacy";
  features?: Partial<SyncFeatures>;
  /** Parent of the scenario OU (default the domain root). */
  parentDn?: string;
  /** Also copy the 47 marketing users into the OU. */
  includeMarketing?: boolean;
  dc?: SambaDc;
}

/**
 * Creates the slice. `tag` (2-8 characters of [a-z0-9]) names the OU (`OU=t-<tag>`) and suffixes
 * the copies; it must be unique across the whole test suite.
 */
export async function safetyScenario(
  env: TestEnv,
  tag: string,
  adKeys: string[],
  o: SafetyScenarioOptions = {},
): Promise<SafetyScenario> {
  if (!/^[a-z0-9]{2,8}$/.test(tag)) throw new Error(`safetyScenario: bad tag ${tag}`);
  const tenantId = randomUUID();
  const tenantSeed = taggedTenantSeed(o.tenant ?? "contoso", tenantId, tag);
  const created = await env.control.createTenant(tenantSeed);
  if (o.features !== undefined) await env.control.setFeatures(tenantId, o.features);
  const cloud: SafetyScenario["cloud"] = {};
  for (const u of tenantSeed.users) {
    cloud[u.key] = {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      ...(u.mail !== undefined ? { mail: u.mail } : {}),
    };
  }
  const dc = o.dc ?? sharedDc(env);
  const ou = await createOu(dc, `OU=t-${tag},${o.parentDn ?? AD_BASE_DN}`);
  const picked: SeedAdUser[] = AD_USERS.filter((u) => adKeys.includes(u.key));
  const all = o.includeMarketing ? [...picked, ...marketingUsers().ad] : picked;
  const users = all.length > 0 ? await seedUsersInto(dc, ou, cloneSeedUsers(all, tag)) : {};
  return { tenantId, tenantSeed, created, ou, dc, tag, users, cloud };
}
