/**
 * The generator of the agreement test: seeded, reproducible situations of one AD user (the
 * subject), the cloud user a link declares (the target), the link itself and the neighbourhood that
 * decides between "joins the target", "takes over another account", "creates a duplicate" and
 * "blocked". A case is symbolic where the values depend on identifiers the directory assigns
 * (objectGUID, objectSid): `materialize` turns it into concrete values once they are known (from the
 * PRNG for the in-memory run, from Samba for the end-to-end run).
 *
 * Replay: every case depends only on (seed, index, options), so AEL_AGREEMENT_SEED=<seed> reproduces a
 * whole run and `generateCase(seed, index)` one case.
 */
import { randomBytes } from "node:crypto";

// ---- PRNG ------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough for test generation. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)] as T;
  }
  /** Weighted choice: [[value, weight], ...]. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [v, w] of items) {
      x -= w;
      if (x < 0) return v;
    }
    return items[items.length - 1]![0];
  }
  guid(): string {
    const h = Array.from({ length: 32 }, () => this.int(16).toString(16)).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((this.int(4) | 8) >>> 0).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** A 32-bit seed from AEL_AGREEMENT_SEED, or a fresh random one. */
export function agreementSeed(): number {
  const env = process.env["AEL_AGREEMENT_SEED"];
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new Error(`AEL_AGREEMENT_SEED must be an integer 0..4294967295, got ${JSON.stringify(env)}`);
    }
    return n;
  }
  return randomBytes(4).readUInt32BE(0);
}

/** The PRNG of case `index` of run `seed` (independent of the other cases). */
export function casePrng(seed: number, index: number): Prng {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return new Prng((h ^ (h >>> 16)) >>> 0);
}

// ---- the tenant and the AD domain --------------------------------------------------------------------

export const DOMAINS = {
  initial: "agrlab.onmicrosoft.com",
  /** A subdomain of the reserved onmicrosoft.com, also discarded by proxy calculation. */
  reservedSub: "agrlab.mail.onmicrosoft.com",
  verified: "contoso.com",
  verified2: "fabrikam.com",
  unverified: "contoso.net",
  local: "corp.local",
} as const;

export const TENANT_DOMAINS = [
  {
    id: DOMAINS.initial,
    isVerified: true,
    isDefault: false,
    isInitial: true,
    authenticationType: "Managed" as const,
  },
  {
    id: DOMAINS.verified,
    isVerified: true,
    isDefault: true,
    isInitial: false,
    authenticationType: "Managed" as const,
  },
  {
    id: DOMAINS.verified2,
    isVerified: true,
    isDefault: false,
    isInitial: false,
    authenticationType: "Managed" as const,
  },
  {
    id: DOMAINS.unverified,
    isVerified: false,
    isDefault: false,
    isInitial: false,
    authenticationType: "Managed" as const,
  },
];

export const FLAGS = [
  "softMatchOnUpnEnabled",
  "blockSoftMatchEnabled",
  "blockCloudObjectTakeoverThroughHardMatchEnabled",
] as const;
export type Flag = (typeof FLAGS)[number];
export type Features3 = Record<Flag, boolean>;

/**
 * How the provider learns the tenant's flags: `unknown` (app-only Graph: 403), `stated` (config
 * `tenantSyncFeatures`, possibly only some flags), `readable` (delegated Global Administrator: Graph
 * returns all three in tenantFacts).
 */
export type Knowledge = "unknown" | "stated" | "readable";

export interface TenantSpec {
  features: Features3;
  knowledge: Knowledge;
  /** With `stated`: the flags given in config (a subset, each with its real value). */
  stated?: Partial<Features3>;
}

// ---- symbolic values ------------------------------------------------------------------------------

/** Forms an ImmutableId of an AD object's anchor can take (right, and the known mistakes). */
export const ENCODINGS = ["right", "guidText", "base64OfGuidText", "bigEndian", "base64url", "hex"] as const;
export type Encoding = (typeof ENCODINGS)[number];

export type ImmutableSpec =
  | { kind: "none" }
  /** The anchor of AD object `of` (ConsistencyGuid when set, else objectGUID) in `encoding`. */
  | { kind: "anchor"; of: string; encoding: Encoding }
  /** Base64 of a GUID no AD object of the case has (another forest's object). */
  | { kind: "foreign"; guid: string };

export type SidSpec = { kind: "none" } | { kind: "of"; of: string } | { kind: "foreign"; value: string };

export type AdClass = "user" | "inetOrgPerson" | "group" | "contact" | "computer";

export interface AdSpec {
  /** "S" for the subject, "A1", "A2"… for other objects. */
  key: string;
  cn: string;
  objectClass: AdClass;
  /** Inside the provider's base DN (= Entra Connect's sync scope). */
  inScope: boolean;
  sAMAccountName?: string;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses: string[];
  /** mS-DS-ConsistencyGuid: the object's own objectGUID, or another GUID. */
  consistencyGuid?: { kind: "own" } | { kind: "other"; guid: string };
}

export interface RoleSpec {
  role: string;
  kind: "active" | "eligible";
}

export interface CloudUserSpec {
  /** "T" for the target, "C1", "C2"… for others. */
  key: string;
  id: string;
  userPrincipalName: string;
  mail: string | null;
  proxyAddresses: string[];
  userType: "Member" | "Guest";
  immutable: ImmutableSpec;
  synced: boolean;
  sid: SidSpec;
  roles: RoleSpec[];
  /** In the recycle bin (/directory/deletedItems). */
  deleted: boolean;
  /** The connector space already joins its anchor to it (it was joined by this sync server). */
  inConnector: boolean;
}

export interface CloudObjectSpec {
  key: string;
  id: string;
  kind: "group" | "contact";
  displayName: string;
  mail: string | null;
  proxyAddresses: string[];
}

export interface AgreementCase {
  seed: number;
  index: number;
  /** Embedded in every name of the case, so cases sharing a tenant and a DC never collide. */
  tag: string;
  tenant: TenantSpec;
  ad: AdSpec[];
  cloudUsers: CloudUserSpec[];
  cloudObjects: CloudObjectSpec[];
  /** The UserLink arguments (as a program passes them; validated like the provider does). */
  args: Record<string, unknown>;
  /** What the generator chose, for reading a failure dump. */
  notes: string[];
  /** The sync client (default entraConnect); the Cloud Sync agreement test sets cloudSync. */
  syncEngine?: "entraConnect" | "cloudSync";
}

export interface GenerateOptions {
  /** Tag prefix (e2e: a run id, so names are unique on the shared DC). */
  tagPrefix?: string;
  /** End-to-end mode: only situations the real CLI + Samba + emulator can set up. */
  e2e?: boolean;
  /** Fixed tenant facts (e2e groups cases by tenant). */
  tenant?: TenantSpec;
}

// ---- helpers -------------------------------------------------------------------------------------

const NAMES = [
  "ann",
  "bob",
  "carla",
  "dev",
  "eve",
  "finn",
  "gus",
  "hana",
  "ivan",
  "jo",
  "kim",
  "lea",
  "max",
  "nia",
];
const APOSTROPHE_NAMES = ["o'brien", "d'arcy", "o'neil"];
const PRIVILEGED_ROLES = ["Global Administrator", "User Administrator", "Privileged Role Administrator"];
const ORDINARY_ROLES = ["Directory Readers", "Reports Reader"];

function recase(r: Prng, s: string): string {
  let out = "";
  for (const ch of s) out += r.chance(0.4) ? ch.toUpperCase() : ch;
  return out === s ? s.toUpperCase() : out;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

export function isReserved(address: string): boolean {
  const d = domainOf(address);
  return d === "onmicrosoft.com" || d.endsWith(".onmicrosoft.com") || d.endsWith("microsoftonline.com");
}

const VERIFIED = new Set<string>(TENANT_DOMAINS.filter((d) => d.isVerified).map((d) => d.id));

/** Bookkeeping of the values cloud objects hold, so the tenant stays a state Entra ID allows. */
class CloudRegistry {
  upns = new Set<string>();
  proxies = new Set<string>();
  takenUpn(v: string): boolean {
    return this.upns.has(v.toLowerCase());
  }
  takenProxy(v: string): boolean {
    return this.proxies.has(v.toLowerCase());
  }
  addUser(u: { userPrincipalName: string; proxyAddresses: string[] }): void {
    this.upns.add(u.userPrincipalName.toLowerCase());
    this.addProxies(u.proxyAddresses);
  }
  addProxies(ps: string[]): void {
    for (const p of ps) if (/^smtp:/i.test(p)) this.proxies.add(p.slice(5).toLowerCase());
  }
}

// ---- the generator ---------------------------------------------------------------------------------

export function generateCase(seed: number, index: number, o: GenerateOptions = {}): AgreementCase {
  const r = casePrng(seed, index);
  const tag = `${o.tagPrefix ?? ""}c${index}`;
  const notes: string[] = [];
  const note = (s: string) => notes.push(s);
  const reg = new CloudRegistry();
  const cloudUsers: CloudUserSpec[] = [];
  const cloudObjects: CloudObjectSpec[] = [];
  const ad: AdSpec[] = [];
  let otherCount = 0;
  const nextCloudKey = () => `C${++otherCount}`;
  let adCount = 0;
  const nextAdKey = () => `A${++adCount}`;
  let nameCount = 0;
  const freshLocal = () => `${r.pick(NAMES)}${++nameCount}.${tag}`;

  // Tenant.
  let tenant: TenantSpec;
  if (o.tenant !== undefined) tenant = o.tenant;
  else {
    const features: Features3 = {
      softMatchOnUpnEnabled: r.chance(0.7),
      blockSoftMatchEnabled: r.chance(0.12),
      blockCloudObjectTakeoverThroughHardMatchEnabled: r.chance(0.12),
    };
    const knowledge = r.weighted<Knowledge>([
      ["unknown", 40],
      ["stated", 35],
      ["readable", 25],
    ]);
    tenant = { features, knowledge };
    if (knowledge === "stated") {
      const stated: Partial<Features3> = {};
      for (const f of FLAGS) if (r.chance(0.7)) stated[f] = features[f];
      tenant.stated = stated;
    }
  }

  // The person (subject) and the target's local part.
  const personName = r.chance(0.12) ? r.pick(APOSTROPHE_NAMES) : r.pick(NAMES);
  const sLocal = `${personName}.${tag}`;
  const tLocal = r.chance(0.75) ? sLocal : freshLocal();
  note(`person ${sLocal}; target local part ${tLocal}`);

  // ---- target cloud user T.
  const tUpnDomain = r.weighted([
    [DOMAINS.verified, 70],
    [DOMAINS.verified2, 20],
    [DOMAINS.initial, 10],
  ]);
  const T: CloudUserSpec = {
    key: "T",
    id: r.guid(),
    userPrincipalName: `${tLocal}@${tUpnDomain}`,
    mail: null,
    proxyAddresses: [],
    userType: "Member",
    immutable: { kind: "none" },
    synced: false,
    sid: { kind: "none" },
    roles: [],
    deleted: false,
    inConnector: false,
  };
  const mailbox = r.chance(0.65);
  if (mailbox) {
    const pd = r.weighted([
      [DOMAINS.verified, 60],
      [DOMAINS.verified2, 25],
      [DOMAINS.initial, 15],
    ]);
    const primary = `${tLocal}@${pd}`;
    T.mail = primary;
    T.proxyAddresses = [`SMTP:${primary}`];
    if (pd !== DOMAINS.initial) T.proxyAddresses.push(`smtp:${tLocal}@${DOMAINS.initial}`);
    if (r.chance(0.2)) T.proxyAddresses.push(`smtp:${tLocal}.alias@${DOMAINS.verified}`);
    note(`target mailbox, primary ${primary}`);
  } else note("target has no mailbox");
  if (!o.e2e && r.chance(0.04)) {
    T.userType = "Guest";
    note("target is a Guest");
  }
  if (r.chance(0.14)) {
    const privileged = r.chance(0.5);
    const kind = r.chance(0.5) ? "active" : "eligible";
    T.roles.push({ role: r.pick(privileged ? PRIVILEGED_ROLES : ORDINARY_ROLES), kind });
    note(`target role ${T.roles[0]!.role} (${kind})`);
  }
  reg.addUser(T);
  cloudUsers.push(T);
  const tPrimary = T.mail;
  const tSecondary = T.proxyAddresses.filter((p) => p.startsWith("smtp:")).map((p) => p.slice(5));

  /** Another cloud user holding `value` as its primary SMTP (created on demand). */
  const otherPrimaryHolder = (value: string): boolean => {
    if (reg.takenProxy(value)) return false;
    const local = freshLocal();
    const u = otherUser(r, nextCloudKey(), `${local}@${DOMAINS.verified}`, reg, o);
    u.mail = value;
    u.proxyAddresses = [`SMTP:${value}`, `smtp:${local}@${DOMAINS.initial}`];
    reg.addUser(u);
    cloudUsers.push(u);
    note(`${u.key} (${describeUser(u)}) holds ${value} as primary`);
    return true;
  };

  // ---- subject AD user S.
  const S: AdSpec = {
    key: "S",
    cn: `S ${sLocal}`,
    objectClass: r.chance(0.05) ? "inetOrgPerson" : "user",
    inScope: true,
    sAMAccountName: `s${tag}`.slice(0, 20),
    proxyAddresses: [],
  };
  const upnKind = r.weighted([
    ["target", 30],
    ["targetRecased", 8],
    ["ownVerified", 15],
    ["local", 20],
    ["unverified", 10],
    ["fabrikam", 10],
    ["none", o.e2e ? 0 : 5],
  ] as const);
  const sUpn = {
    target: T.userPrincipalName,
    targetRecased: recase(r, T.userPrincipalName),
    ownVerified: `${sLocal}@${DOMAINS.verified}`,
    local: `${sLocal}@${DOMAINS.local}`,
    unverified: `${sLocal}@${DOMAINS.unverified}`,
    fabrikam: `${sLocal}@${DOMAINS.verified2}`,
    none: undefined,
  }[upnKind];
  if (sUpn !== undefined) S.userPrincipalName = sUpn;
  note(`AD UPN ${upnKind}: ${sUpn ?? "(none)"}`);

  const mailKind = r.weighted([
    ["none", 35],
    ["targetPrimary", tPrimary ? 20 : 0],
    ["targetPrimaryRecased", tPrimary ? 6 : 0],
    ["own", 12],
    ["otherUsersPrimary", 5],
    ["reserved", 7],
    ["malformed", 4],
    ["unverified", 4],
    ["old", 6],
  ] as const);
  switch (mailKind) {
    case "none":
      break;
    case "targetPrimary":
      S.mail = tPrimary!;
      break;
    case "targetPrimaryRecased":
      S.mail = recase(r, tPrimary!);
      break;
    case "own":
      S.mail = `${sLocal}@${DOMAINS.verified}`;
      break;
    case "otherUsersPrimary": {
      const v = `${sLocal}.prev@${DOMAINS.verified}`;
      otherPrimaryHolder(v);
      S.mail = v;
      break;
    }
    case "reserved":
      S.mail = `${sLocal}@${r.chance(0.7) ? DOMAINS.initial : DOMAINS.reservedSub}`;
      break;
    case "malformed":
      S.mail = `${personName} x.${tag}@${DOMAINS.verified}`;
      break;
    case "unverified":
      S.mail = `${sLocal}@${DOMAINS.unverified}`;
      break;
    case "old":
      S.mail = `${sLocal}.old@${DOMAINS.verified}`;
      break;
  }
  note(`AD mail ${mailKind}: ${S.mail ?? "(none)"}`);

  const nPrimaries = r.weighted([
    [0, 45],
    [1, 45],
    [2, 10],
  ]);
  const primaryCandidates = (): string => {
    const k = r.weighted([
      ["targetPrimary", tPrimary ? 30 : 0],
      ["own", 25],
      ["reserved", 8],
      ["old", 10],
      ["otherUsersPrimary", 5],
      ["malformed", 4],
      ["mail", S.mail ? 10 : 0],
    ] as const);
    switch (k) {
      case "targetPrimary":
        return `SMTP:${r.chance(0.2) ? recase(r, tPrimary!) : tPrimary!}`;
      case "own":
        return `SMTP:${sLocal}@${DOMAINS.verified}`;
      case "reserved":
        return `SMTP:${sLocal}@${DOMAINS.initial}`;
      case "old":
        return `SMTP:${sLocal}.old@${DOMAINS.verified}`;
      case "otherUsersPrimary": {
        const v = `${sLocal}.other@${DOMAINS.verified}`;
        otherPrimaryHolder(v);
        return `SMTP:${v}`;
      }
      case "malformed":
        return `SMTP:${personName} y.${tag}@${DOMAINS.verified}`;
      case "mail":
        return `SMTP:${S.mail}`;
    }
  };
  const addProxy = (p: string) => {
    const lower = p.toLowerCase();
    // AD itself refuses a second value equal case-insensitively (the test double enforces it too).
    if (!S.proxyAddresses.some((x) => x.toLowerCase() === lower)) S.proxyAddresses.push(p);
  };
  for (let i = 0; i < nPrimaries; i++) addProxy(primaryCandidates());
  const nSecondaries = r.weighted([
    [0, 45],
    [1, 35],
    [2, 20],
  ]);
  for (let i = 0; i < nSecondaries; i++) {
    const k = r.weighted([
      ["initial", 20],
      ["alias", 20],
      ["targetSecondary", tSecondary.length > 0 ? 10 : 0],
      ["targetPrimaryAsSecondary", tPrimary ? 6 : 0],
      ["x500", 12],
      ["sip", 8],
      ["unverified", 6],
      ["malformed", 5],
      ["legacy", 4],
    ] as const);
    switch (k) {
      case "initial":
        addProxy(`smtp:${sLocal}@${DOMAINS.initial}`);
        break;
      case "alias":
        addProxy(`smtp:${sLocal}.alias@${DOMAINS.verified}`);
        break;
      case "targetSecondary":
        addProxy(`smtp:${r.pick(tSecondary)}`);
        break;
      case "targetPrimaryAsSecondary":
        addProxy(`smtp:${tPrimary}`);
        break;
      case "x500":
        addProxy(`X500:/o=Contoso/ou=Exchange Administrative Group/cn=Recipients/cn=${sLocal}`);
        break;
      case "sip":
        addProxy(`SIP:${sLocal}@${DOMAINS.verified}`);
        break;
      case "unverified":
        addProxy(`smtp:${sLocal}@${DOMAINS.unverified}`);
        break;
      case "malformed":
        addProxy(`smtp:${personName} z.${tag}@${DOMAINS.verified}`);
        break;
      case "legacy":
        addProxy(`X400:c=US;a= ;p=Contoso;o=Exchange;s=${personName};`);
        break;
    }
  }
  note(`AD proxyAddresses: ${JSON.stringify(S.proxyAddresses)}`);
  const cgKind = r.weighted([
    ["none", 60],
    ["own", 25],
    ["other", 15],
  ] as const);
  if (cgKind === "own") S.consistencyGuid = { kind: "own" };
  if (cgKind === "other") S.consistencyGuid = { kind: "other", guid: r.guid() };
  note(`AD ConsistencyGuid ${cgKind}`);
  ad.push(S);

  // ---- target's anchor state.
  const immKind = r.weighted([
    ["none", 72],
    ["right", 10],
    ["wrongEncoding", 8],
    ["foreign", 6],
    ["otherAdObject", 4],
  ] as const);
  if (immKind === "right") T.immutable = { kind: "anchor", of: "S", encoding: "right" };
  if (immKind === "wrongEncoding") {
    T.immutable = { kind: "anchor", of: "S", encoding: r.pick(ENCODINGS.filter((e) => e !== "right")) };
  }
  if (immKind === "foreign") T.immutable = { kind: "foreign", guid: r.guid() };
  if (immKind === "otherAdObject") {
    const other: AdSpec = {
      key: nextAdKey(),
      cn: `X ${freshLocal()}`,
      objectClass: "user",
      inScope: r.chance(0.5),
      sAMAccountName: `x${tag}${adCount}`.slice(0, 20),
      proxyAddresses: [],
    };
    ad.push(other);
    T.immutable = { kind: "anchor", of: other.key, encoding: "right" };
  }
  if (T.immutable.kind !== "none" && T.immutable.kind === "anchor" && T.immutable.encoding !== "right") {
    // Hand-made wrong values are on cloud-only users.
  } else if (T.immutable.kind !== "none" && r.chance(0.3)) {
    T.synced = true;
    T.sid = r.weighted<SidSpec>([
      [{ kind: "of", of: "S" }, 40],
      [{ kind: "none" }, 20],
      [{ kind: "foreign", value: foreignSid(r) }, 40],
    ]);
    if (T.immutable.kind === "anchor" && T.immutable.of === "S" && T.sid.kind !== "foreign") {
      if (o.e2e)
        T.synced = false; // the control API cannot seed the connector space
      else T.inConnector = true;
    }
  }
  note(
    `target ImmutableId ${immKind}${T.immutable.kind === "anchor" ? ` (${T.immutable.of}, ${T.immutable.encoding})` : ""}${T.synced ? `, synced, SID ${T.sid.kind}${T.inConnector ? ", in connector" : ""}` : ""}`,
  );

  // ---- the declaration.
  const args: Record<string, unknown> = {
    onPremises: { samAccountName: S.sAMAccountName },
    cloud: r.chance(0.2) ? { id: T.id } : { userPrincipalName: T.userPrincipalName },
    match: r.chance(0.35) ? "hard" : "soft",
  };
  const declUpn = r.weighted([
    ["unset", 72],
    ["target", 8],
    ["ownVerified", 10],
    ["unverified", 4],
    ["recased", 6],
  ] as const);
  if (declUpn === "target") args["userPrincipalName"] = T.userPrincipalName;
  if (declUpn === "ownVerified") args["userPrincipalName"] = `${sLocal}.new@${DOMAINS.verified}`;
  if (declUpn === "unverified") args["userPrincipalName"] = `${sLocal}@${DOMAINS.unverified}`;
  if (declUpn === "recased") args["userPrincipalName"] = recase(r, T.userPrincipalName);
  const declMail = r.weighted([
    ["unset", 80],
    ["target", tPrimary ? 6 : 0],
    ["new", 8],
    ["othersPrimary", 4],
  ] as const);
  if (declMail === "target") args["mail"] = tPrimary;
  if (declMail === "new") args["mail"] = `${sLocal}.m@${DOMAINS.verified}`;
  if (declMail === "othersPrimary") {
    const v = `${sLocal}.taken@${DOMAINS.verified}`;
    otherPrimaryHolder(v);
    args["mail"] = v;
  }
  const declPrimary = r.weighted([
    ["unset", 75],
    ["target", tPrimary ? 8 : 0],
    ["new", 10],
    ["othersPrimary", 4],
    ["reserved", 3],
  ] as const);
  if (declPrimary === "target") args["primarySmtpAddress"] = tPrimary;
  if (declPrimary === "new") args["primarySmtpAddress"] = `${sLocal}.p@${DOMAINS.verified}`;
  if (declPrimary === "othersPrimary") {
    const v = `${sLocal}.held@${DOMAINS.verified}`;
    otherPrimaryHolder(v);
    args["primarySmtpAddress"] = v;
  }
  if (declPrimary === "reserved") args["primarySmtpAddress"] = `${sLocal}.r@${DOMAINS.initial}`;
  if (r.chance(0.25)) {
    const extra: string[] = [];
    const n = 1 + r.int(2);
    for (let i = 0; i < n; i++) {
      const k = r.weighted([
        ["alias", 40],
        ["othersPrimary", 15],
        ["othersSecondary", 10],
        ["x500", 20],
        ["targetSecondary", tSecondary.length > 0 ? 15 : 0],
      ] as const);
      let v: string;
      if (k === "alias") v = `smtp:${sLocal}.extra${i}@${DOMAINS.verified}`;
      else if (k === "othersPrimary") {
        const a = `${sLocal}.xp${i}@${DOMAINS.verified}`;
        otherPrimaryHolder(a);
        v = `smtp:${a}`;
      } else if (k === "othersSecondary") {
        const a = `${sLocal}.xs${i}@${DOMAINS.verified}`;
        if (!reg.takenProxy(a)) {
          const local = freshLocal();
          const u = otherUser(r, nextCloudKey(), `${local}@${DOMAINS.verified}`, reg, o);
          u.mail = `${local}@${DOMAINS.verified}`;
          u.proxyAddresses = [`SMTP:${u.mail}`, `smtp:${a}`];
          reg.addUser(u);
          cloudUsers.push(u);
          note(`${u.key} (${describeUser(u)}) holds ${a} as secondary`);
        }
        v = `smtp:${a}`;
      } else if (k === "x500") v = `X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=${sLocal}${i}`;
      else v = `smtp:${r.pick(tSecondary)}`;
      if (!extra.some((x) => x.toLowerCase() === v.toLowerCase())) extra.push(v);
    }
    args["additionalProxyAddresses"] = extra;
  }
  const hasPrivileged = T.roles.length > 0;
  if (r.chance(hasPrivileged ? 0.6 : 0.05)) args["allowPrivilegedCloudUser"] = true;
  if (r.chance(0.15)) args["writeConsistencyGuid"] = true;
  note(`declaration ${JSON.stringify(args)}`);

  // ---- planted holders of interesting values.
  const interesting = new Set<string>();
  const addI = (v: unknown) => {
    if (typeof v === "string" && v.includes("@") && !/\s/.test(v)) interesting.add(v.replace(/^smtp:/i, ""));
  };
  addI(S.userPrincipalName);
  addI(S.mail);
  for (const p of S.proxyAddresses) if (/^smtp:/i.test(p)) addI(p);
  addI(args["userPrincipalName"]);
  addI(args["mail"]);
  addI(args["primarySmtpAddress"]);
  for (const p of (args["additionalProxyAddresses"] as string[] | undefined) ?? [])
    if (/^smtp:/i.test(p)) addI(p);
  addI(T.userPrincipalName);
  addI(tPrimary);
  const values = [...interesting];
  const plants = r.weighted([
    [0, 68],
    [1, 26],
    [2, 6],
  ]);
  for (let i = 0; i < plants && values.length > 0; i++) {
    const v = r.chance(0.25) ? recase(r, r.pick(values)) : r.pick(values);
    const where = r.weighted([
      ["cloudUser", 40],
      ["group", 18],
      ["contact", 14],
      ["ad", 28],
    ] as const);
    if (where === "ad") {
      const cls = r.weighted<AdClass>([
        ["user", 50],
        ["group", 15],
        ["contact", 15],
        ["inetOrgPerson", 10],
        ["computer", o.e2e ? 0 : 10],
      ]);
      const key = nextAdKey();
      const spec: AdSpec = {
        key,
        cn: `H ${freshLocal()}`,
        objectClass: cls,
        inScope: r.chance(0.75),
        proxyAddresses: [],
      };
      if (cls !== "contact")
        spec.sAMAccountName = `h${tag}${adCount}${cls === "computer" ? "$" : ""}`.slice(0, 20);
      const as = r.weighted([
        ["upn", cls === "user" || cls === "inetOrgPerson" || cls === "computer" ? 30 : 0],
        ["mail", 30],
        ["primary", 25],
        ["secondary", 15],
      ] as const);
      // AD keeps UPNs unique in the domain (case-insensitively): never one the subject or another
      // AD object of the case already holds (the DC would refuse to seed the case).
      const upnHeld = [S, ...ad].some((a) => (a.userPrincipalName ?? "").toLowerCase() === v.toLowerCase());
      if (as === "upn" && !upnHeld) spec.userPrincipalName = v;
      else if (as === "mail" || as === "upn") spec.mail = v;
      else spec.proxyAddresses.push(`${as === "primary" ? "SMTP" : "smtp"}:${v}`);
      ad.push(spec);
      note(`AD ${cls} ${key} (${spec.inScope ? "in" : "outside"} sync scope) holds ${v} as ${as}`);
      continue;
    }
    if (where === "cloudUser") {
      const as = r.weighted([
        ["upn", 35],
        ["primary", 35],
        ["secondary", 20],
        ["mailOnly", 10],
      ] as const);
      const domainOk = VERIFIED.has(domainOf(v));
      if (as === "upn" && (!domainOk || reg.takenUpn(v))) continue;
      if ((as === "primary" || as === "secondary") && reg.takenProxy(v)) continue;
      const local = freshLocal();
      const u = otherUser(r, nextCloudKey(), as === "upn" ? v : `${local}@${DOMAINS.verified}`, reg, o);
      if (as === "primary") {
        u.mail = v;
        u.proxyAddresses = [`SMTP:${v}`, `smtp:${local}@${DOMAINS.initial}`];
      } else if (as === "secondary") {
        u.mail = `${local}@${DOMAINS.verified}`;
        u.proxyAddresses = [`SMTP:${u.mail}`, `smtp:${v}`];
      } else if (as === "mailOnly") u.mail = v;
      if (u.proxyAddresses.some((p) => reg.takenProxy(p.slice(5)))) continue;
      reg.addUser(u);
      cloudUsers.push(u);
      note(`${u.key} (${describeUser(u)}) holds ${v} as ${as}`);
      continue;
    }
    const as = r.weighted([
      ["primary", 50],
      ["secondary", 25],
      ["mailOnly", 25],
    ] as const);
    if (as !== "mailOnly" && reg.takenProxy(v)) continue;
    const local = freshLocal();
    const obj: CloudObjectSpec = {
      key: nextCloudKey(),
      id: r.guid(),
      kind: where,
      displayName: `${where} ${local}`,
      mail: null,
      proxyAddresses: [],
    };
    if (as === "primary") {
      obj.mail = v;
      obj.proxyAddresses = [`SMTP:${v}`];
    } else if (as === "secondary") {
      obj.mail = `${local}@${DOMAINS.verified}`;
      obj.proxyAddresses = [`SMTP:${obj.mail}`, `smtp:${v}`];
    } else obj.mail = v;
    if (obj.proxyAddresses.some((p) => reg.takenProxy(p.slice(5)))) continue;
    reg.addProxies(obj.proxyAddresses);
    cloudObjects.push(obj);
    note(`${where} ${obj.key} holds ${v} as ${as}`);
  }

  // ---- anchors held elsewhere.
  const anchorPlant = r.weighted([
    ["none", 94],
    ["deleted", 4],
    ["live", 2],
  ] as const);
  if (
    anchorPlant !== "none" &&
    !(T.immutable.kind === "anchor" && T.immutable.encoding === "right" && T.immutable.of === "S")
  ) {
    const local = freshLocal();
    const u = otherUser(r, nextCloudKey(), `${local}@${DOMAINS.verified}`, reg, o);
    u.immutable = { kind: "anchor", of: "S", encoding: "right" };
    u.deleted = anchorPlant === "deleted";
    u.synced = r.chance(0.4);
    u.sid = u.synced ? { kind: "foreign", value: foreignSid(r) } : { kind: "none" };
    u.roles = [];
    if (!u.deleted) reg.addUser(u);
    cloudUsers.push(u);
    note(`${u.key} (${describeUser(u)}) holds the subject's anchor`);
  }

  return { seed, index, tag, tenant, ad, cloudUsers, cloudObjects, args, notes };
}

function foreignSid(r: Prng): string {
  return `S-1-5-21-${1000000 + r.int(9000000)}-${1000000 + r.int(9000000)}-${1000000 + r.int(9000000)}-${1100 + r.int(5000)}`;
}

/** Another cloud user with random (non-Guest mostly) facts; the caller sets its addresses. */
function otherUser(
  r: Prng,
  key: string,
  upn: string,
  _reg: CloudRegistry,
  o: GenerateOptions,
): CloudUserSpec {
  const u: CloudUserSpec = {
    key,
    id: r.guid(),
    userPrincipalName: upn,
    mail: null,
    proxyAddresses: [],
    userType: !o.e2e && r.chance(0.04) ? "Guest" : "Member",
    immutable: { kind: "none" },
    synced: false,
    sid: { kind: "none" },
    roles: [],
    deleted: false,
    inConnector: false,
  };
  const state = r.weighted([
    ["cloudOnly", 65],
    ["synced", 20],
    ["prestamped", 10],
    ["sameSid", 5],
  ] as const);
  if (state === "synced" || state === "sameSid") {
    u.synced = true;
    u.immutable = { kind: "foreign", guid: r.guid() };
    u.sid = state === "sameSid" ? { kind: "of", of: "S" } : { kind: "foreign", value: foreignSid(r) };
  }
  if (state === "prestamped") u.immutable = { kind: "foreign", guid: r.guid() };
  if (r.chance(0.1)) {
    u.roles.push({
      role: r.pick(r.chance(0.5) ? PRIVILEGED_ROLES : ORDINARY_ROLES),
      kind: r.chance(0.5) ? "active" : "eligible",
    });
  }
  return u;
}

function describeUser(u: CloudUserSpec): string {
  const bits = [u.userPrincipalName];
  if (u.synced) bits.push("synced");
  else if (u.immutable.kind !== "none") bits.push("pre-stamped");
  if (u.userType === "Guest") bits.push("Guest");
  if (u.deleted) bits.push("soft-deleted");
  for (const role of u.roles) bits.push(`${role.role} ${role.kind}`);
  return bits.join(", ");
}

// ---- materialization -------------------------------------------------------------------------------

/** Little-endian (Microsoft) bytes of a GUID string. */
export function guidToBytesLe(guid: string): Buffer {
  const be = Buffer.from(guid.replace(/-/g, ""), "hex");
  if (be.length !== 16) throw new Error(`not a GUID: ${guid}`);
  const out = Buffer.alloc(16);
  out.writeUInt32LE(be.readUInt32BE(0), 0);
  out.writeUInt16LE(be.readUInt16BE(4), 4);
  out.writeUInt16LE(be.readUInt16BE(6), 6);
  be.copy(out, 8, 8, 16);
  return out;
}

export function bytesLeToGuid(b: Buffer): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
  const tail = b.subarray(8).toString("hex");
  return `${h(b.readUInt32LE(0), 8)}-${h(b.readUInt16LE(4), 4)}-${h(b.readUInt16LE(6), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** Identifiers the directory assigned to an AD object. */
export interface AdIdentity {
  objectGuid: string;
  objectSid: string;
}

/** The anchor GUID of an AD object: its ConsistencyGuid when set, else its objectGUID. */
export function anchorGuidOf(spec: AdSpec, id: AdIdentity): string {
  const cg = spec.consistencyGuid;
  if (cg === undefined) return id.objectGuid;
  return cg.kind === "own" ? id.objectGuid : cg.guid;
}

export function encodeAnchor(guid: string, encoding: Encoding): string {
  const le = guidToBytesLe(guid);
  switch (encoding) {
    case "right":
      return le.toString("base64");
    case "guidText":
      return guid;
    case "base64OfGuidText":
      return Buffer.from(guid, "utf8").toString("base64");
    case "bigEndian":
      return Buffer.from(guid.replace(/-/g, ""), "hex").toString("base64");
    case "base64url":
      return le.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    case "hex":
      return le.toString("hex");
  }
}

export interface ConcreteCloudUser {
  spec: CloudUserSpec;
  onPremisesImmutableId: string | null;
  onPremisesSecurityIdentifier: string | null;
}

/** Cloud users with their ImmutableIds and SIDs computed from the AD identities. */
export function concreteCloudUsers(
  c: AgreementCase,
  ids: ReadonlyMap<string, AdIdentity>,
): ConcreteCloudUser[] {
  const adByKey = new Map(c.ad.map((a) => [a.key, a]));
  return c.cloudUsers.map((u) => {
    let immutable: string | null = null;
    if (u.immutable.kind === "anchor") {
      const spec = adByKey.get(u.immutable.of)!;
      immutable = encodeAnchor(anchorGuidOf(spec, ids.get(spec.key)!), u.immutable.encoding);
    } else if (u.immutable.kind === "foreign") immutable = guidToBytesLe(u.immutable.guid).toString("base64");
    let sid: string | null = null;
    if (u.sid.kind === "of") sid = ids.get(u.sid.of)!.objectSid;
    else if (u.sid.kind === "foreign") sid = u.sid.value;
    return { spec: u, onPremisesImmutableId: immutable, onPremisesSecurityIdentifier: sid };
  });
}

/** Identities for the in-memory run: derived from the case's PRNG stream, so replays match. */
export function syntheticIdentities(c: AgreementCase): Map<string, AdIdentity> {
  const r = casePrng(c.seed ^ 0x5bd1e995, c.index);
  const out = new Map<string, AdIdentity>();
  for (const a of c.ad) {
    out.set(a.key, {
      objectGuid: r.guid(),
      objectSid: `S-1-5-21-1111111111-2222222222-3333333333-${2000 + r.int(100000)}`,
    });
  }
  return out;
}

/** A readable dump of a case for failure messages. */
export function describeCase(c: AgreementCase): string {
  const lines = [
    `case ${c.index} of seed ${c.seed} (replay: AEL_AGREEMENT_SEED=${c.seed}, index ${c.index})`,
    `tenant features ${JSON.stringify(c.tenant.features)}; provider knowledge ${c.tenant.knowledge}${c.tenant.stated ? ` ${JSON.stringify(c.tenant.stated)}` : ""}`,
    ...c.notes.map((n) => `  - ${n}`),
    "AD objects:",
    ...c.ad.map((a) => `  ${a.key}: ${JSON.stringify(a)}`),
    "cloud users:",
    ...c.cloudUsers.map((u) => `  ${u.key}: ${JSON.stringify(u)}`),
    ...(c.cloudObjects.length > 0
      ? ["cloud groups/contacts:", ...c.cloudObjects.map((o) => `  ${o.key}: ${JSON.stringify(o)}`)]
      : []),
    `link args: ${JSON.stringify(c.args)}`,
  ];
  return lines.join("\n");
}
