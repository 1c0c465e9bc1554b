/**
 * Where the on-premises side of a sync test comes from. The decision-table test is written against
 * this interface, so the same cases run on in-memory records and on a real Samba AD DC.
 */
import { randomBytes } from "node:crypto";
import type { Client } from "ldapts";
import { bytesLeToGuid, guidToBytesLe } from "../emulator/sync/anchor";
import type { OnPremUserRecord, SyncCycleRequest } from "../emulator/sync/types";
import type { SeedAdUser } from "../fixtures/seed-scenario";
import { AD_BASE_DN } from "../fixtures/seed-scenario";
import { adminClient, createOu, rdn, type SambaDc, seedUsersInto } from "../infra/samba";

/** The seed OU an AD user names that is NOT in sync scope; every other OU is in scope. */
export const OUT_OF_SCOPE_OU = "OU=Restricted";

export interface CreatedOnPremUser {
  dn: string;
  /** objectGUID as ADUC shows it. */
  objectGuid: string;
}

export interface OnPremDirectory {
  readonly name: string;
  /** Starts a case: a fresh in-scope and out-of-scope container. */
  beginCase(caseId: string): Promise<void>;
  /** Creates `user` (in scope unless its ou is OUT_OF_SCOPE_OU). */
  createUser(user: SeedAdUser): Promise<CreatedOnPremUser>;
  /** Body of the emulator's sync-cycle call covering the current case (scope = the in-scope container). */
  syncRequest(): SyncCycleRequest;
  /** Removes what the case created (AD keeps UPN and sAMAccountName unique, later cases reuse them). */
  endCase(): Promise<void>;
  close(): Promise<void>;
}

function caseOus(caseId: string): { inScope: string; outOfScope: string } {
  const parent = `OU=EmulatorCases,${AD_BASE_DN}`;
  return { inScope: `OU=${caseId},${parent}`, outOfScope: `OU=${caseId}-out,${parent}` };
}

/** Records built in memory the way the LDAP import would build them. */
export function inMemoryDirectory(): OnPremDirectory {
  let records: OnPremUserRecord[] = [];
  let ous = caseOus("none");
  return {
    name: "in-memory records",
    async beginCase(caseId) {
      records = [];
      ous = caseOus(caseId);
    },
    async createUser(user) {
      const ouDn = user.ou === OUT_OF_SCOPE_OU ? ous.outOfScope : ous.inScope;
      const guid = randomBytes(16);
      const rec: OnPremUserRecord = {
        dn: `${rdn("CN", user.cn)},${ouDn}`,
        objectGUID: guid.toString("base64"),
        msDsConsistencyGuid: user.consistencyGuid
          ? guidToBytesLe(user.consistencyGuid).toString("base64")
          : null,
        objectClass: ["top", "person", "organizationalPerson", "user"],
        cn: user.cn,
        sAMAccountName: user.sAMAccountName,
        userPrincipalName: user.userPrincipalName,
        givenName: user.givenName,
        sn: user.sn,
        displayName: user.displayName,
        mail: user.mail ?? null,
        proxyAddresses: user.proxyAddresses ?? [],
        employeeID: user.employeeID ?? null,
        isCriticalSystemObject: false,
        userAccountControl: 514,
      };
      records.push(rec);
      return { dn: rec.dn, objectGuid: bytesLeToGuid(guid) };
    },
    syncRequest() {
      return { records: structuredClone(records), scope: [ous.inScope], writeBackConsistencyGuid: true };
    },
    async endCase() {
      records = [];
    },
    async close() {},
  };
}

/** Users created over LDAPS in a real DC (tests/infra/samba), imported by the emulator over LDAPS. */
export function sambaDirectory(dc: SambaDc): OnPremDirectory {
  let ous = caseOus("none");
  let created: string[] = [];
  let client: Client | undefined;
  const admin = async (): Promise<Client> => {
    client ??= await adminClient(dc);
    return client;
  };
  return {
    name: "Samba AD DC over LDAPS",
    async beginCase(caseId) {
      ous = caseOus(caseId);
      created = [];
      const c = await admin();
      const parent = `OU=EmulatorCases,${AD_BASE_DN}`;
      const found = await c.search(AD_BASE_DN, {
        scope: "one",
        filter: "(ou=EmulatorCases)",
        attributes: ["1.1"],
      });
      if (found.searchEntries.length === 0) await createOu(dc, parent, { client: c });
      await createOu(dc, ous.inScope, { client: c });
      await createOu(dc, ous.outOfScope, { client: c });
    },
    async createUser(user) {
      const c = await admin();
      const ouDn = user.ou === OUT_OF_SCOPE_OU ? ous.outOfScope : ous.inScope;
      const seeded = await seedUsersInto(dc, ouDn, [user], { client: c });
      const s = seeded[user.key];
      if (!s) throw new Error(`seedUsersInto did not return ${user.key}`);
      created.push(s.dn);
      return { dn: s.dn, objectGuid: s.objectGuid };
    },
    syncRequest() {
      return {
        ldap: {
          url: dc.url,
          bindDn: dc.adminBindDn,
          bindPassword: dc.adminPassword,
          caCertPem: dc.caCertPem,
        },
        scope: [ous.inScope],
        writeBackConsistencyGuid: true,
      };
    },
    async endCase() {
      const c = await admin();
      for (const dn of created) await c.del(dn);
      await c.del(ous.inScope);
      await c.del(ous.outOfScope);
      created = [];
    },
    async close() {
      await client?.unbind().catch(() => undefined);
      client = undefined;
    },
  };
}
