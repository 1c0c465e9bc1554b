/**
 * An isolated slice of the seed scenario for one test file: its own emulator tenant and its own OU
 * on the shared DC. AD enforces userPrincipalName uniqueness domain-wide, so every test file works
 * with its own copies on BOTH sides: AD users from `cloneSeedUsers(users, suffix)` and cloud users
 * whose UPN, mail and proxy addresses carry the same suffix (`adam.anderson.<suffix>@contoso.com`).
 * The seed's situations stay intact (Alva's lower-case primary, her X500/SIP values, Chen's
 * ConsistencyGuid); the provider is pointed at the OU as its base DN, which is also the sync scope.
 */
import { randomUUID } from "node:crypto";
import { AD_BASE_DN, AD_USERS, marketingUsers, type SeedAdUser } from "../fixtures/seed-scenario";
import type { TenantSeed } from "../emulator/model";
import { contosoTenantSeed, legacyTenantSeed } from "../emulator/seeds";
import type { TenantCreated } from "../emulator/store";
import {
  cloneSeedUsers,
  createOu,
  type SambaDc,
  type SeededUser,
  seedUsersInto,
  suffixAddress,
} from "../infra/samba";
import type { TestEnv } from "./test-env";

export interface Scenario {
  tenantId: string;
  tenant: TenantCreated;
  ou: string;
  suffix: string;
  /** AD copies, by seed key. */
  users: Record<string, SeededUser>;
  /** The cloud user's UPN for a seed key, in this scenario's tenant. */
  cloudUpn(key: string): string;
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

/** The tenant seed with `tag` in every UPN and routable address (the onmicrosoft alias stays). */
export function taggedTenantSeed(kind: "contoso" | "legacy", tenantId: string, tag: string): TenantSeed {
  const seed = kind === "legacy" ? legacyTenantSeed({ tenantId }) : contosoTenantSeed({ tenantId });
  const onmicrosoft = seed.domains.find((d) => d.isInitial)!.id;
  seed.users = seed.users.map((u) => {
    const copy = { ...u, userPrincipalName: suffixAddress(u.userPrincipalName, tag) };
    if (u.mail !== undefined) copy.mail = suffixAddress(u.mail, tag);
    if (u.proxyAddresses !== undefined) {
      copy.proxyAddresses = u.proxyAddresses.map((p) => {
        const colon = p.indexOf(":");
        const address = p.slice(colon + 1);
        return address.endsWith(`@${onmicrosoft}`)
          ? p
          : `${p.slice(0, colon + 1)}${suffixAddress(address, tag)}`;
      });
    }
    return copy;
  });
  return seed;
}

export async function isolatedScenario(
  env: TestEnv,
  name: string,
  keys: string[],
  options: { includeMarketing?: boolean } = {},
): Promise<Scenario> {
  const suffix = name.replace(/[^a-z0-9]/g, "").slice(0, 8);
  const tenantId = randomUUID();
  const seed = taggedTenantSeed("contoso", tenantId, suffix);
  const upns = new Map(seed.users.map((u) => [u.key, u.userPrincipalName]));
  const tenant = await env.control.createTenant(seed);
  const dc = sharedDc(env);
  const ou = await createOu(dc, `OU=t-${name},${AD_BASE_DN}`);
  const picked: SeedAdUser[] = AD_USERS.filter((u) => keys.includes(u.key));
  const all = options.includeMarketing ? [...picked, ...marketingUsers().ad] : picked;
  const users = await seedUsersInto(dc, ou, cloneSeedUsers(all, suffix));
  return {
    tenantId,
    tenant,
    ou,
    suffix,
    users,
    dc,
    cloudUpn: (key) => {
      const upn = upns.get(key);
      if (upn === undefined) throw new Error(`no cloud user with seed key ${key}`);
      return upn;
    },
  };
}
