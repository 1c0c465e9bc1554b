/**
 * An isolated slice of the seed scenario for one test file: its own emulator tenant (same cloud
 * users as the seed) and its own OU on the shared DC with copies of the chosen AD users.
 * Copies keep the seed's mail and proxyAddresses (so the story's situations stay intact: Alva's
 * lower-case primary, her X500/SIP values) and get unique sAMAccountName/UPN/cn; the provider is
 * pointed at the OU as its base DN, which is also the sync scope, so nothing outside it interferes.
 */
import { randomUUID } from "node:crypto";
import { AD_BASE_DN, AD_USERS, marketingUsers, type SeedAdUser } from "../fixtures/seed-scenario";
import { contosoTenantSeed } from "../emulator/seeds";
import type { TenantCreated } from "../emulator/store";
import { cloneSeedUsers, createOu, type SambaDc, type SeededUser, seedUsersInto } from "../infra/samba";
import type { TestEnv } from "./test-env";

export interface Scenario {
  tenantId: string;
  tenant: TenantCreated;
  ou: string;
  users: Record<string, SeededUser>;
  dc: SambaDc;
}

/** A SambaDc-shaped handle on the shared DC for the Samba helpers (it must not be stopped). */
export function sharedDc(env: TestEnv): SambaDc {
  return {
    ...env.samba,
    caCertPem: env.sambaCaPem,
    stop: async () => {
      throw new Error("the shared DC is stopped by tests/run.ts, not by a test");
    },
  } as unknown as SambaDc;
}

export async function isolatedScenario(
  env: TestEnv,
  name: string,
  keys: string[],
  options: { keepAddresses?: boolean; includeMarketing?: boolean } = {},
): Promise<Scenario> {
  const suffix = name.replace(/[^a-z0-9]/g, "").slice(0, 6);
  const tenantId = randomUUID();
  const tenant = await env.control.createTenant(contosoTenantSeed({ tenantId }));
  const dc = sharedDc(env);
  const ou = await createOu(dc, `OU=t-${name},${AD_BASE_DN}`);
  const picked = AD_USERS.filter((u) => keys.includes(u.key));
  const all: SeedAdUser[] = options.includeMarketing ? [...picked, ...marketingUsers().ad] : picked;
  const clones = cloneSeedUsers(all, suffix).map((clone, i) => {
    if (!options.keepAddresses) return clone;
    const original = all[i]!;
    const copy: SeedAdUser = { ...clone };
    delete copy.mail;
    delete copy.proxyAddresses;
    if (original.mail !== undefined) copy.mail = original.mail;
    if (original.proxyAddresses !== undefined) copy.proxyAddresses = [...original.proxyAddresses];
    return copy;
  });
  const users = await seedUsersInto(dc, ou, clones);
  return { tenantId, tenant, ou, users, dc };
}
