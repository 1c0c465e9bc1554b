/**
 * A read-only AD service account for pull-request previews (examples/github-actions, "Two
 * identities"): a plain enabled user with no group beyond Domain Users and no ACE of its own, so it
 * reads what every authenticated user may read (AD's default, enough for a complete preview) and
 * writes nothing. Unlike service-account.ts it never touches an ACL.
 */
import { Attribute, type Client } from "ldapts";
import { rdn } from "./escape";
import { withAdminClient } from "./ldap";
import type { SambaDc } from "./types";

export const READ_ONLY_ACCOUNT_PASSWORD = "Svc-AdEntra-Re4d!only";

/** NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD. */
const ENABLED_SERVICE_UAC = 0x200 | 0x10000;

export interface ReadOnlyAccount {
  dn: string;
  sAMAccountName: string;
  userPrincipalName: string;
  password: string;
}

/**
 * Creates `CN=<name>` in `containerDn` (an existing OU or container). `name` is also the
 * sAMAccountName: at most 20 characters, unique in the domain.
 */
export function createReadOnlyAccount(
  dc: SambaDc,
  o: { containerDn: string; name: string; password?: string; client?: Client },
): Promise<ReadOnlyAccount> {
  if (o.name.length > 20) throw new Error(`read-only account name ${o.name} is longer than 20 characters`);
  const password = o.password ?? READ_ONLY_ACCOUNT_PASSWORD;
  return withAdminClient(
    dc,
    async (client) => {
      const dn = `${rdn("CN", o.name)},${o.containerDn}`;
      // The realm from the base DN (DC=corp,DC=local → corp.local): sharedDc handles carry no realm.
      const realm = dc.baseDn
        .split(",")
        .map((p) => p.replace(/^DC=/i, ""))
        .join(".");
      const upn = `${o.name}@${realm.toLowerCase()}`;
      await client.add(dn, [
        new Attribute({ type: "objectClass", values: ["user"] }),
        new Attribute({ type: "sAMAccountName", values: [o.name] }),
        new Attribute({ type: "userPrincipalName", values: [upn] }),
        new Attribute({ type: "description", values: ["ad-entra-link previews (read only)"] }),
        new Attribute({ type: "unicodePwd", values: [Buffer.from(`"${password}"`, "utf16le")] }),
        new Attribute({ type: "userAccountControl", values: [String(ENABLED_SERVICE_UAC)] }),
      ]);
      return { dn, sAMAccountName: o.name, userPrincipalName: upn, password };
    },
    o.client,
  );
}
