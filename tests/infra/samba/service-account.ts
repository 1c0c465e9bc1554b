/**
 * The provider's least-privilege service account: reads what every authenticated user may read
 * (AD's default), and may write only the four attributes the provider manages, and only on user
 * objects below the OUs it is allowed to touch.
 *
 * The ACEs are added with `samba-tool dsacl set` on the DC's local sam.ldb (one run per OU): Samba
 * then recomputes the inherited ACLs of the existing users below, exactly as on Windows.
 */
import { execFile } from "node:child_process";
import { Attribute, type Client } from "ldapts";
import { eq, rdn } from "./escape";
import { bytesToGuid, sidToString } from "./guid";
import { withAdminClient } from "./ldap";
import { asBuffers, asStrings } from "./read";
import type { SambaDc } from "./types";

/** What the provider writes. Anything else (displayName, member, unicodePwd...) stays denied. */
export const SERVICE_ACCOUNT_WRITABLE_ATTRIBUTES = [
  "userPrincipalName",
  "mail",
  "proxyAddresses",
  "mS-DS-ConsistencyGuid",
];

export const SERVICE_ACCOUNT_NAME = "svc-adentralink";
export const SERVICE_ACCOUNT_PASSWORD = "Svc-AdEntra-L1nk!pw";

/** NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD. */
const ENABLED_SERVICE_UAC = 0x200 | 0x10000;

export interface ServiceAccount {
  dn: string;
  sAMAccountName: string;
  userPrincipalName: string;
  password: string;
  sid: string;
  /** OUs whose user objects it may write. */
  writableOuDns: string[];
  writableAttributes: string[];
}

/** schemaIDGUID (string form) by lDAPDisplayName, read from the schema partition. */
async function schemaGuids(client: Client, baseDn: string, names: string[]): Promise<Map<string, string>> {
  const { searchEntries } = await client.search(`CN=Schema,CN=Configuration,${baseDn}`, {
    scope: "one",
    filter: `(|${names.map((n) => eq("lDAPDisplayName", n)).join("")})`,
    attributes: ["lDAPDisplayName", "schemaIDGUID"],
    explicitBufferAttributes: ["schemaIDGUID"],
  });
  const out = new Map<string, string>();
  for (const e of searchEntries) {
    const name = asStrings(e["lDAPDisplayName"])[0];
    const guid = asBuffers(e["schemaIDGUID"])[0];
    if (name && guid) out.set(name.toLowerCase(), bytesToGuid(guid));
  }
  for (const n of names) if (!out.has(n.toLowerCase())) throw new Error(`schema: ${n} not found`);
  return out;
}

function samba(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("samba-tool", args, (error, stdout, stderr) => {
      if (error) reject(new Error(`samba-tool ${args.slice(0, 2).join(" ")} failed: ${stderr || stdout}`));
      else resolve();
    });
  });
}

/** UTF-16LE of the quoted password: the only form AD accepts for unicodePwd. */
function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, "utf16le");
}

export function createServiceAccount(
  dc: SambaDc,
  o: { parentDn: string; writableOuDns: string[]; password?: string; client?: Client },
): Promise<ServiceAccount> {
  const password = o.password ?? SERVICE_ACCOUNT_PASSWORD;
  return withAdminClient(
    dc,
    async (client) => {
      const ouDn = `${rdn("OU", "Service Accounts")},${o.parentDn}`;
      await client.add(ouDn, [new Attribute({ type: "objectClass", values: ["organizationalUnit"] })]);
      const dn = `${rdn("CN", SERVICE_ACCOUNT_NAME)},${ouDn}`;
      const upn = `${SERVICE_ACCOUNT_NAME}@${dc.realm.toLowerCase()}`;
      await client.add(dn, [
        new Attribute({ type: "objectClass", values: ["user"] }),
        new Attribute({ type: "sAMAccountName", values: [SERVICE_ACCOUNT_NAME] }),
        new Attribute({ type: "userPrincipalName", values: [upn] }),
        new Attribute({ type: "description", values: ["ad-entra-link provider (least privilege)"] }),
        new Attribute({ type: "unicodePwd", values: [unicodePwd(password)] }),
        new Attribute({ type: "userAccountControl", values: [String(ENABLED_SERVICE_UAC)] }),
      ]);
      const { searchEntries } = await client.search(dn, {
        scope: "base",
        attributes: ["objectSid"],
        explicitBufferAttributes: ["objectSid"],
      });
      const sidBytes = asBuffers(searchEntries[0]?.["objectSid"])[0];
      if (!sidBytes) throw new Error(`${dn}: no objectSid`);
      const sid = sidToString(sidBytes);

      const guids = await schemaGuids(client, dc.baseDn, ["user", ...SERVICE_ACCOUNT_WRITABLE_ATTRIBUTES]);
      const userClass = guids.get("user")!;
      // OA = object ACE, CIIO = inherited by children only, WP = write property <attr> on <user objects>.
      const sddl = SERVICE_ACCOUNT_WRITABLE_ATTRIBUTES.map(
        (a) => `(OA;CIIO;WP;${guids.get(a.toLowerCase())!};${userClass};${sid})`,
      ).join("");
      // Sequential: each run rewrites the SDs of a whole subtree in one transaction.
      for (const target of o.writableOuDns) {
        await samba([
          "dsacl",
          "set",
          "-H",
          dc.samLdbPath,
          "-s",
          dc.configPath,
          `--objectdn=${target}`,
          `--sddl=${sddl}`,
        ]);
      }
      return {
        dn,
        sAMAccountName: SERVICE_ACCOUNT_NAME,
        userPrincipalName: upn,
        password,
        sid,
        writableOuDns: [...o.writableOuDns],
        writableAttributes: [...SERVICE_ACCOUNT_WRITABLE_ATTRIBUTES],
      };
    },
    o.client,
  );
}
