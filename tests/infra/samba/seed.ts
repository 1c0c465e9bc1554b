/**
 * Seeds a Samba DC with the OUs and AD users of tests/fixtures/seed-scenario.ts over one LDAPS
 * connection, with several LDAP adds in flight at once (one samba-tool process per user would take
 * about a second each).
 */
import { Attribute, type Client, NoSuchObjectError } from "ldapts";
import { AD_OUS, AD_USERS, marketingUsers, type SeedAdUser, type SeedOu } from "../../fixtures/seed-scenario";
import { rdn } from "./escape";
import { guidToBytes } from "./guid";
import { mapConcurrent, withAdminClient } from "./ldap";
import { readUser } from "./read";
import { createServiceAccount, type ServiceAccount } from "./service-account";
import type { SambaDc } from "./types";

/** NORMAL_ACCOUNT | ACCOUNTDISABLE: seed users have no password, so they must be disabled. */
export const DISABLED_USER_UAC = 514;

export interface SeededUser {
  key: string;
  dn: string;
  /** objectGUID as ADUC shows it. */
  objectGuid: string;
  objectGuidBytes: Buffer;
  /** The seed record the object was created from. */
  seed: SeedAdUser;
}

export interface SeedResult {
  parentDn: string;
  /** OU DN by its seed rdn ("OU=Staff" → "OU=Staff,DC=corp,DC=local"). */
  ous: Record<string, string>;
  /** By seed key. */
  users: Record<string, SeededUser>;
  /** The least-privilege account for the provider (absent with `serviceAccount: false`). */
  serviceAccount?: ServiceAccount;
  /** Milliseconds per phase. */
  timings: Record<string, number>;
}

export interface SeedOptions {
  /** Where the OUs go. Default the base DN; created (as an OU) when missing. */
  parentDn?: string;
  /** Default AD_USERS plus marketingUsers().ad. */
  users?: SeedAdUser[];
  /** Default AD_OUS. */
  ous?: SeedOu[];
  /**
   * Create the provider's service account (one per domain: fixed sAMAccountName) and its ACLs.
   * Default true when seeding under the base DN with Staff and Marketing among the OUs.
   */
  serviceAccount?: boolean;
  /** Reuse a bound admin client instead of opening one. */
  client?: Client;
  /** LDAP adds in flight at once. Default 8. */
  concurrency?: number;
}

/** The DN a seed user gets under `ouDn`: CN escaped per RFC 4514. */
export function userDn(user: Pick<SeedAdUser, "cn">, ouDn: string): string {
  return `${rdn("CN", user.cn)},${ouDn}`;
}

/** LDAP add attributes for a seed user (unset optional fields are left out, not sent empty). */
export function userAttributes(user: SeedAdUser): Attribute[] {
  const attrs: Attribute[] = [];
  const put = (type: string, values: string[] | Buffer[]): void => {
    if (values.length > 0) attrs.push(new Attribute({ type, values }));
  };
  const opt = (v: string | undefined): string[] => (v === undefined || v === "" ? [] : [v]);
  put("objectClass", ["user"]);
  put("cn", [user.cn]);
  put("sAMAccountName", [user.sAMAccountName]);
  put("userPrincipalName", [user.userPrincipalName]);
  put("givenName", [user.givenName]);
  put("sn", [user.sn]);
  put("displayName", [user.displayName]);
  put("mail", opt(user.mail));
  put("proxyAddresses", user.proxyAddresses ?? []);
  put("employeeID", opt(user.employeeID));
  if (user.consistencyGuid) put("mS-DS-ConsistencyGuid", [guidToBytes(user.consistencyGuid)]);
  put("userAccountControl", [String(DISABLED_USER_UAC)]);
  return attrs;
}

async function exists(client: Client, dn: string): Promise<boolean> {
  try {
    await client.search(dn, { scope: "base", filter: "(objectClass=*)", attributes: ["1.1"] });
    return true;
  } catch (error) {
    if (error instanceof NoSuchObjectError) return false;
    throw error;
  }
}

/** Creates an organizational unit; returns its DN. */
export function createOu(
  dc: SambaDc,
  dn: string,
  options: { description?: string; client?: Client } = {},
): Promise<string> {
  return withAdminClient(
    dc,
    async (client) => {
      const attrs = [new Attribute({ type: "objectClass", values: ["organizationalUnit"] })];
      if (options.description)
        attrs.push(new Attribute({ type: "description", values: [options.description] }));
      await client.add(dn, attrs);
      return dn;
    },
    options.client,
  );
}

function assertUnique(users: SeedAdUser[], field: "key" | "sAMAccountName" | "userPrincipalName"): void {
  const seen = new Set<string>();
  for (const u of users) {
    const v = u[field].toLowerCase();
    if (seen.has(v)) throw new Error(`seed users: duplicate ${field} ${JSON.stringify(u[field])}`);
    seen.add(v);
  }
}

async function addUsers(
  client: Client,
  dc: SambaDc,
  placed: { user: SeedAdUser; ouDn: string }[],
  concurrency: number,
): Promise<Record<string, SeededUser>> {
  for (const field of ["key", "sAMAccountName", "userPrincipalName"] as const) {
    assertUnique(
      placed.map((p) => p.user),
      field,
    );
  }
  const seeded = await mapConcurrent(placed, concurrency, async ({ user, ouDn }) => {
    const dn = userDn(user, ouDn);
    try {
      await client.add(dn, userAttributes(user));
    } catch (error) {
      throw new Error(`adding ${dn}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const back = await readUser(dc, dn, client);
    return {
      key: user.key,
      dn: back.dn,
      objectGuid: back.objectGuid,
      objectGuidBytes: back.objectGUID,
      seed: user,
    };
  });
  return Object.fromEntries(seeded.map((s) => [s.key, s]));
}

/** Adds `users` into the existing OU `ouDn` (their `ou` field is ignored). Keyed by seed key. */
export function seedUsersInto(
  dc: SambaDc,
  ouDn: string,
  users: SeedAdUser[],
  options: { client?: Client; concurrency?: number } = {},
): Promise<Record<string, SeededUser>> {
  return withAdminClient(
    dc,
    (client) =>
      addUsers(
        client,
        dc,
        users.map((user) => ({ user, ouDn })),
        options.concurrency ?? 8,
      ),
    options.client,
  );
}

/** Creates the seed OUs and users (and by default the provider's service account). */
export function seedScenario(dc: SambaDc, options: SeedOptions = {}): Promise<SeedResult> {
  const parentDn = options.parentDn ?? dc.baseDn;
  const seedOus = options.ous ?? AD_OUS;
  const users = options.users ?? [...AD_USERS, ...marketingUsers().ad];
  const concurrency = options.concurrency ?? 8;
  const t0 = Date.now();
  const timings: Record<string, number> = {};

  return withAdminClient(
    dc,
    async (client) => {
      const underBase = parentDn.toLowerCase() === dc.baseDn.toLowerCase();
      if (!underBase && !(await exists(client, parentDn))) {
        if (!/^OU=/i.test(parentDn)) throw new Error(`seedScenario: parentDn ${parentDn} does not exist`);
        await createOu(dc, parentDn, { client });
      }
      const ous: Record<string, string> = {};
      await Promise.all(
        seedOus.map(async (ou) => {
          ous[ou.rdn] = await createOu(dc, `${ou.rdn},${parentDn}`, { description: ou.description, client });
        }),
      );
      timings["ousMs"] = Date.now() - t0;

      const placed = users.map((user) => {
        const ouDn = ous[user.ou];
        if (!ouDn) throw new Error(`seed user ${user.key}: OU ${user.ou} is not among the seeded OUs`);
        return { user, ouDn };
      });
      const seededUsers = await addUsers(client, dc, placed, concurrency);
      timings["usersMs"] = Date.now() - t0;

      const result: SeedResult = { parentDn, ous, users: seededUsers, timings };
      const staff = ous["OU=Staff"];
      const marketing = ous["OU=Marketing"];
      if (options.serviceAccount ?? (underBase && staff !== undefined && marketing !== undefined)) {
        if (!staff || !marketing)
          throw new Error("seedScenario: the service account needs OU=Staff and OU=Marketing");
        result.serviceAccount = await createServiceAccount(dc, {
          parentDn,
          writableOuDns: [staff, marketing],
          client,
        });
        timings["serviceAccountMs"] = Date.now() - t0;
      }
      timings["totalMs"] = Date.now() - t0;
      return result;
    },
    options.client,
  );
}
