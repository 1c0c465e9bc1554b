/**
 * Non-person directory objects for hostile-input tests: computers, managed service accounts
 * (standalone and group), contacts, groups, and inetOrgPerson users. Each is created disabled /
 * without a password, with whatever address-like attributes the test wants to see held.
 */
import { Attribute, type Client } from "ldapts";
import { rdn } from "./escape";
import { withAdminClient } from "./ldap";
import { bytesToGuid } from "./guid";
import type { SambaDc } from "./types";

export type DirectoryObjectKind =
  | "computer"
  | "managedServiceAccount"
  | "groupManagedServiceAccount"
  | "contact"
  | "group"
  | "inetOrgPerson";

export interface DirectoryObjectSpec {
  kind: DirectoryObjectKind;
  cn: string;
  /** Required for every kind but contact; computers and service accounts end in "$". */
  sAMAccountName?: string;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses?: string[];
}

export interface CreatedObject {
  dn: string;
  /** objectGUID as ADUC shows it. */
  objectGuid: string;
  spec: DirectoryObjectSpec;
}

const CLASS: Record<DirectoryObjectKind, string> = {
  computer: "computer",
  managedServiceAccount: "msDS-ManagedServiceAccount",
  groupManagedServiceAccount: "msDS-GroupManagedServiceAccount",
  contact: "contact",
  group: "group",
  inetOrgPerson: "inetOrgPerson",
};

/** userAccountControl: WORKSTATION_TRUST_ACCOUNT for machine-like accounts, disabled normal account for people. */
const UAC: Partial<Record<DirectoryObjectKind, string>> = {
  computer: "4096",
  managedServiceAccount: "4096",
  groupManagedServiceAccount: "4096",
  inetOrgPerson: "514",
};

function attributes(spec: DirectoryObjectSpec): Attribute[] {
  const attrs: Attribute[] = [new Attribute({ type: "objectClass", values: [CLASS[spec.kind]] })];
  const put = (type: string, values: string[] | undefined): void => {
    if (values !== undefined && values.length > 0) attrs.push(new Attribute({ type, values }));
  };
  const one = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : [v]);
  put("sAMAccountName", one(spec.sAMAccountName));
  put("userPrincipalName", one(spec.userPrincipalName));
  put("mail", one(spec.mail));
  put("proxyAddresses", spec.proxyAddresses);
  put("userAccountControl", one(UAC[spec.kind]));
  if (spec.kind === "groupManagedServiceAccount") put("msDS-ManagedPasswordInterval", ["30"]);
  return attrs;
}

/** Creates one object under `ouDn` and reads its objectGUID back. */
export async function createDirectoryObject(
  dc: SambaDc,
  ouDn: string,
  spec: DirectoryObjectSpec,
  client?: Client,
): Promise<CreatedObject> {
  const dn = `${rdn("CN", spec.cn)},${ouDn}`;
  return withAdminClient(
    dc,
    async (c) => {
      try {
        await c.add(dn, attributes(spec));
      } catch (error) {
        throw new Error(
          `adding ${spec.kind} ${dn}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const { searchEntries } = await c.search(dn, {
        scope: "base",
        filter: "(objectClass=*)",
        attributes: ["objectGUID"],
        explicitBufferAttributes: ["objectGUID"],
      });
      const guid = searchEntries[0]?.["objectGUID"];
      if (!Buffer.isBuffer(guid)) throw new Error(`${dn}: no objectGUID read back`);
      return { dn, objectGuid: bytesToGuid(guid), spec };
    },
    client,
  );
}
