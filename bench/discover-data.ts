/**
 * Synthetic directories for the discover benchmark: `n` AD users and about `n` cloud users with a
 * realistic mix of evidence (deterministic for a given n and seed), as seed records (to load into
 * Samba and the emulator) and as the records discovery reads (for the pure matcher).
 *
 * Mix per person: 60% share an employeeId (and names), 15% a primary SMTP address, 10% the UPN,
 * 5% only their names (always shared by two people: ambiguous), 5% exist only in AD, 5% only
 * in the cloud. First names and surnames come from small pools, so names collide as in real life.
 */
import { createHash } from "node:crypto";
import { guidToBytes } from "../provider/core/guid";
import type { DiscoveryAdUser, DiscoveryCloudUser } from "../provider/discover";
import type { SeedAdUser, SeedCloudUser } from "../tests/fixtures/seed-scenario";

const GIVEN = [
  "Ada",
  "Ben",
  "Cai",
  "Dee",
  "Eva",
  "Finn",
  "Gil",
  "Hana",
  "Ian",
  "Jo",
  "Kai",
  "Lea",
  "Max",
  "Nia",
  "Oli",
  "Pia",
];
const SURNAMES = [
  "Abbot",
  "Berg",
  "Cruz",
  "Diaz",
  "Ek",
  "Fox",
  "Gray",
  "Holm",
  "Ivo",
  "Jung",
  "Kerr",
  "Lind",
  "Moor",
  "Nord",
];

/** A stable GUID from a label. */
export function syntheticGuid(label: string): string {
  const h = createHash("sha256").update(label).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface SyntheticDirectories {
  ad: SeedAdUser[];
  cloud: SeedCloudUser[];
  /** How many pairs were generated per kind of shared evidence. */
  kinds: Record<string, number>;
}

/**
 * Generates the directories. `tag` (a-z0-9) makes the values unique per run so several runs can
 * share a DC; `domain` is the cloud's routable domain.
 */
export function syntheticDirectories(n: number, tag = "s", domain = "contoso.com"): SyntheticDirectories {
  const ad: SeedAdUser[] = [];
  const cloud: SeedCloudUser[] = [];
  const kinds: Record<string, number> = {
    employeeId: 0,
    primarySmtp: 0,
    upn: 0,
    namesOnly: 0,
    adOnly: 0,
    cloudOnly: 0,
  };
  for (let i = 0; i < n; i++) {
    const bucket = i % 20;
    // Names-only people come in twos with the same name (i and i + 20): ambiguous on both sides.
    const twin = bucket === 17;
    const given = twin ? GIVEN[Math.floor(i / 40) % GIVEN.length]! : GIVEN[i % GIVEN.length]!;
    const surname = twin
      ? `Twin${Math.floor(i / 40)}`
      : `${SURNAMES[Math.floor(i / GIVEN.length) % SURNAMES.length]!}${i}`;
    const display = `${given} ${surname}`;
    const alias = `${given}.${surname}${twin ? `.${i}` : ""}`.toLowerCase();
    const sam = `${tag}${i}`.slice(0, 20);
    const adUser: SeedAdUser = {
      key: `u${i}`,
      ou: "OU=Bench",
      cn: `${display} ${i}`,
      sAMAccountName: sam,
      userPrincipalName: `${sam}@corp.local`,
      givenName: given,
      sn: surname,
      displayName: display,
    };
    const cloudUser: SeedCloudUser = {
      key: `u${i}`,
      id: syntheticGuid(`${tag}/cloud/${i}`),
      userPrincipalName: `${alias}.${tag}@${domain}`,
      displayName: display,
      givenName: given,
      surname,
      mailNickname: `${alias}.${tag}`,
      mail: `${alias}.${tag}@${domain}`,
      proxyAddresses: [`SMTP:${alias}.${tag}@${domain}`],
    };
    let kind: string;
    if (bucket < 12) {
      kind = "employeeId";
      adUser.employeeID = `${tag.toUpperCase()}${i}`;
      cloudUser.employeeId = `${tag.toUpperCase()}${i}`;
    } else if (bucket < 15) {
      kind = "primarySmtp";
      adUser.mail = cloudUser.mail!;
      adUser.proxyAddresses = [`SMTP:${cloudUser.mail}`];
    } else if (bucket < 17) {
      kind = "upn";
      adUser.userPrincipalName = cloudUser.userPrincipalName;
    } else if (bucket < 18) {
      kind = "namesOnly";
    } else if (bucket < 19) {
      kind = "adOnly";
      adUser.displayName = `${display} (local)`;
      adUser.sn = `${surname}x`;
    } else {
      kind = "cloudOnly";
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (kind !== "cloudOnly") ad.push(adUser);
    if (kind !== "adOnly") cloud.push(cloudUser);
  }
  return { ad, cloud, kinds };
}

/** The AD records as discovery reads them (objectGUID derived from the sAMAccountName). */
export function asDiscoveryAd(users: readonly SeedAdUser[]): DiscoveryAdUser[] {
  return users.map((u) => {
    const objectGuid = syntheticGuid(`ad/${u.sAMAccountName}`);
    const d: DiscoveryAdUser = {
      dn: `CN=${u.cn},${u.ou},DC=corp,DC=local`,
      objectGuid,
      objectGuidBytes: guidToBytes(objectGuid),
      sAMAccountName: u.sAMAccountName,
      userPrincipalName: u.userPrincipalName,
      proxyAddresses: [...(u.proxyAddresses ?? [])],
      displayName: u.displayName,
      givenName: u.givenName,
      sn: u.sn,
    };
    if (u.mail !== undefined) d.mail = u.mail;
    if (u.employeeID !== undefined) d.employeeID = u.employeeID;
    return d;
  });
}

/** The cloud records as discovery reads them. */
export function asDiscoveryCloud(users: readonly SeedCloudUser[]): DiscoveryCloudUser[] {
  return users.map((u) => ({
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    mail: u.mail ?? null,
    mailNickname: u.mailNickname,
    proxyAddresses: [...(u.proxyAddresses ?? [])],
    employeeId: u.employeeId ?? null,
    userType: "Member",
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
  }));
}
