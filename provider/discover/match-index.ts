/**
 * The in-memory indexes `proposeLinks` joins through: built in one pass over each side, so matching
 * never compares users pairwise. Keys are lower-case (names also without accents or repeated spaces).
 */
import { primarySmtpOf } from "../core/proxy-addresses";
import { type HolderIndex, smtpOf } from "./predict";
import type { DiscoveryAdUser, DiscoveryCloudUser } from "./types";

/** Trimmed lower-case value, or undefined for a missing or blank one. */
export function lower(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  return t === "" ? undefined : t;
}

/** Names compared without case, accents or repeated spaces. */
export function nameKey(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
  return t === "" ? undefined : t;
}

export function givenSurnameKey(
  given: string | null | undefined,
  surname: string | null | undefined,
): string | undefined {
  const g = nameKey(given);
  const s = nameKey(surname);
  return g === undefined || s === undefined ? undefined : `${g}\u0000${s}`;
}

function add<K, V>(map: Map<K, V[]>, key: K | undefined, value: V): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

/** The values evidence is looked up on (see match-score.ts), one index each. */
type EvidenceIndexKey =
  | "byAnchor"
  | "byEmployeeId"
  | "byPrimary"
  | "byUpn"
  | "byAnyProxy"
  | "byNickname"
  | "byDisplay"
  | "byGivenSurname";

/** Cloud users that may be link targets (guests excluded), by position, under each evidence value. */
export type CloudIndex = Record<EvidenceIndexKey, Map<string, number[]>> & {
  /** Per cloud user (same order as the input): false for a guest, which is never a target. */
  eligible: boolean[];
  guests: number;
  alreadySynced: number;
  /** Name keys dropped because more than `maxNameBucket` users share them. */
  namesTooCommon: number;
};

/** Indexes the cloud users that may be targets, then drops names too common to be evidence. */
export function indexCloudTargets(
  cloudUsers: readonly DiscoveryCloudUser[],
  maxNameBucket: number,
): CloudIndex {
  const index: CloudIndex = {
    byAnchor: new Map(),
    byEmployeeId: new Map(),
    byPrimary: new Map(),
    byUpn: new Map(),
    byAnyProxy: new Map(),
    byNickname: new Map(),
    byDisplay: new Map(),
    byGivenSurname: new Map(),
    eligible: [],
    guests: 0,
    alreadySynced: 0,
    namesTooCommon: 0,
  };
  cloudUsers.forEach((c, i) => {
    const guest = (c.userType ?? "").toLowerCase() === "guest";
    index.eligible.push(!guest);
    if (guest) {
      index.guests++;
      return;
    }
    if (c.onPremisesSyncEnabled === true) index.alreadySynced++;
    if (c.onPremisesImmutableId) add(index.byAnchor, c.onPremisesImmutableId, i);
    add(index.byEmployeeId, lower(c.employeeId), i);
    add(index.byPrimary, lower(primarySmtpOf(c.proxyAddresses, c.mail ?? undefined)), i);
    add(index.byUpn, lower(c.userPrincipalName), i);
    for (const p of c.proxyAddresses) add(index.byAnyProxy, smtpOf(p), i);
    add(index.byNickname, lower(c.mailNickname), i);
    add(index.byDisplay, nameKey(c.displayName), i);
    add(index.byGivenSurname, givenSurnameKey(c.givenName, c.surname), i);
  });
  // Names shared by too many people are noise, not evidence.
  for (const map of [index.byDisplay, index.byGivenSurname]) {
    for (const [k, v] of map) {
      if (v.length > maxNameBucket) {
        map.delete(k);
        index.namesTooCommon++;
      }
    }
  }
  return index;
}

/** Every holder of an address or anchor on either side (guests included), for collision checks. */
export function indexHolders(
  adUsers: readonly DiscoveryAdUser[],
  cloudUsers: readonly DiscoveryCloudUser[],
): HolderIndex {
  const holders: HolderIndex = {
    adByUpn: new Map(),
    adByMail: new Map(),
    adByProxy: new Map(),
    cloudByUpn: new Map(),
    cloudByMail: new Map(),
    cloudByProxy: new Map(),
    cloudByAnchor: new Map(),
  };
  for (const c of cloudUsers) {
    add(holders.cloudByUpn, lower(c.userPrincipalName), c);
    add(holders.cloudByMail, lower(c.mail), c);
    for (const p of c.proxyAddresses) add(holders.cloudByProxy, smtpOf(p), c);
    if (c.onPremisesImmutableId) add(holders.cloudByAnchor, c.onPremisesImmutableId, c);
  }
  for (const a of adUsers) {
    add(holders.adByUpn, lower(a.userPrincipalName), a);
    add(holders.adByMail, lower(a.mail), a);
    for (const p of a.proxyAddresses) add(holders.adByProxy, smtpOf(p), a);
  }
  return holders;
}
