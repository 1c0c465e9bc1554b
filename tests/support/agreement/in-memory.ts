/**
 * In-memory test doubles of the directory ports (provider/domain/ports.ts): AD over a list of
 * records, Entra ID over the emulator's TenantState. They behave like the real adapters where the
 * link engine can tell — holders classified by way held and object type, case-insensitive values,
 * case-sensitive anchors, tenant facts from the tenant's domains with features unknown unless the
 * case states them, the same error kinds, LDAP modify semantics — and know nothing of the matching
 * rules. Also: the TenantState and the simulator's OnPremUserRecords a case materializes into.
 */
import type {
  AdHolder,
  AdModification,
  AdPort,
  AdSelector,
  AdUser,
  AnchorHolder,
  CloudHolder,
  CloudRoles,
  CloudSelector,
  CloudUser as PortCloudUser,
  EntraPort,
  HeldAs,
  Ownership,
  SyncFeatures,
  TenantFacts,
} from "../../../provider/domain/ports";
import {
  AmbiguousMatchError,
  DirectoryRequestError,
  NotFoundError,
  PermissionDeniedError,
  SafetyBlockError,
} from "../../../provider/errors";
import { ROLE_TEMPLATES } from "../../fixtures/seed-scenario";
import {
  type CloudContact,
  type CloudGroup,
  type CloudUser,
  DEFAULT_BEHAVIOR,
  DEFAULT_FEATURES,
  type TenantState,
} from "../../emulator/model";
import type { OnPremUserRecord } from "../../emulator/sync/types";
import {
  type AdIdentity,
  type AgreementCase,
  bytesLeToGuid,
  concreteCloudUsers,
  guidToBytesLe,
  TENANT_DOMAINS,
} from "./generate";

// ---- AD ------------------------------------------------------------------------------------------

/** One AD object as stored. */
export interface AdRecord {
  dn: string;
  cn: string;
  objectGuid: string;
  objectSid?: string;
  /** Full class chain, most specific last ("top", "person", "organizationalPerson", "user"). */
  objectClass: string[];
  /** "person" for users, inetOrgPersons and contacts; "computer"; "group". */
  objectCategory: "person" | "computer" | "group";
  sAMAccountName?: string;
  userPrincipalName?: string;
  mail?: string;
  proxyAddresses: string[];
  consistencyGuid?: Buffer;
}

const CLASS_CHAINS: Record<string, { classes: string[]; category: AdRecord["objectCategory"] }> = {
  user: { classes: ["top", "person", "organizationalPerson", "user"], category: "person" },
  inetOrgPerson: {
    classes: ["top", "person", "organizationalPerson", "user", "inetOrgPerson"],
    category: "person",
  },
  computer: { classes: ["top", "person", "organizationalPerson", "user", "computer"], category: "computer" },
  group: { classes: ["top", "group"], category: "group" },
  contact: { classes: ["top", "person", "organizationalPerson", "contact"], category: "person" },
};

/** LDAP result-code errors as the real adapter maps them (provider/ad/ldap-errors.ts). */
function ldapRefusal(name: string, code: number, operation: string, text: string): DirectoryRequestError {
  return new DirectoryRequestError(
    `LDAP_${name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`,
    `ad-entra-link: ${operation}: the domain controller refused the request (${name}Error, result code ${code}): ${text}`,
    { side: "onPremises", requestSent: true },
  );
}

function norm(dn: string): string {
  return dn.toLowerCase().replace(/\s*,\s*/g, ",");
}

function dnUnder(dn: string, base: string): boolean {
  const d = norm(dn);
  const b = norm(base);
  return d === b || d.endsWith(`,${b}`);
}

function isPersonUser(r: AdRecord): boolean {
  return r.objectCategory === "person" && r.objectClass.includes("user");
}

export interface InMemoryAdOptions {
  baseDn: string;
  allowedSearchBases?: string[];
}

export class InMemoryAd implements AdPort {
  /** Every modify applied, in order (for assertions). */
  readonly writes: { dn: string; modification: AdModification }[] = [];

  constructor(
    readonly records: AdRecord[],
    private readonly o: InMemoryAdOptions,
  ) {}

  private toUser(r: AdRecord): AdUser {
    const u: AdUser = {
      dn: r.dn,
      objectGuid: r.objectGuid,
      objectGuidBytes: guidToBytesLe(r.objectGuid),
      sAMAccountName: r.sAMAccountName ?? "",
      proxyAddresses: [...r.proxyAddresses],
      objectClass: [...r.objectClass],
    };
    if (r.consistencyGuid !== undefined) u.consistencyGuid = Buffer.from(r.consistencyGuid);
    if (r.objectSid !== undefined) u.objectSid = r.objectSid;
    if (r.userPrincipalName !== undefined) u.userPrincipalName = r.userPrincipalName;
    if (r.mail !== undefined) u.mail = r.mail;
    return u;
  }

  private inBase(r: AdRecord): boolean {
    return dnUnder(r.dn, this.o.baseDn);
  }

  async findUser(selector: AdSelector, property = "onPremises"): Promise<AdUser> {
    const eqi = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
    const matches = (r: AdRecord): boolean => {
      if ("distinguishedName" in selector) return norm(r.dn) === norm(selector.distinguishedName);
      if ("objectGuid" in selector) return eqi(r.objectGuid, selector.objectGuid.replace(/[{}]/g, ""));
      if ("samAccountName" in selector) return eqi(r.sAMAccountName, selector.samAccountName);
      return eqi(r.userPrincipalName, selector.userPrincipalName);
    };
    const scoped = (r: AdRecord) => ("distinguishedName" in selector ? true : this.inBase(r));
    const found = this.records.filter((r) => matches(r) && scoped(r));
    const users = found.filter(isPersonUser);
    const describe = `${Object.keys(selector)[0]} ${JSON.stringify(Object.values(selector)[0])}`;
    if (users.length === 0) {
      const other = found[0];
      if (other !== undefined) {
        throw new SafetyBlockError(
          "AD_OBJECT_NOT_A_PERSON_USER",
          `ad-entra-link: ${describe} names ${other.dn}, an object of class ${other.objectClass.at(-1)}, not a person user account.`,
          { property, side: "onPremises" },
        );
      }
      throw new NotFoundError(
        "AD_USER_NOT_FOUND",
        `ad-entra-link: no Active Directory user matches ${describe}.`,
        {
          property,
          side: "onPremises",
        },
      );
    }
    if (users.length > 1) {
      throw new AmbiguousMatchError(
        "AD_USER_AMBIGUOUS",
        `ad-entra-link: ${users.length} Active Directory users match ${describe}.`,
        { property, side: "onPremises" },
      );
    }
    const user = users[0]!;
    const allowed = this.o.allowedSearchBases ?? [this.o.baseDn];
    if (!allowed.some((b) => dnUnder(user.dn, b))) {
      throw new SafetyBlockError(
        "AD_USER_OUTSIDE_ALLOWED_BASES",
        `ad-entra-link: the Active Directory user ${user.dn} is outside the allowed search bases.`,
        { property, side: "onPremises" },
      );
    }
    return this.toUser(user);
  }

  async readByDn(dn: string): Promise<AdUser | undefined> {
    const r = this.records.find((x) => norm(x.dn) === norm(dn) && isPersonUser(x));
    return r === undefined ? undefined : this.toUser(r);
  }

  async readByGuid(objectGuid: string): Promise<AdUser | undefined> {
    const g = objectGuid.replace(/[{}]/g, "").toLowerCase();
    const r = this.records.find((x) => x.objectGuid.toLowerCase() === g && isPersonUser(x) && this.inBase(x));
    return r === undefined ? undefined : this.toUser(r);
  }

  async findHolders(values: readonly string[], excludeDn: string): Promise<AdHolder[]> {
    const wanted = new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ""));
    const out: AdHolder[] = [];
    for (const r of this.records) {
      if (norm(r.dn) === norm(excludeDn)) continue;
      const inSyncScope = this.inBase(r);
      const objectClass = r.objectClass.at(-1) ?? "top";
      const add = (value: string, heldAs: HeldAs) => {
        const v = value.toLowerCase();
        if (!wanted.has(v)) return;
        if (out.some((h) => h.dn === r.dn && h.value === v && h.heldAs === heldAs)) return;
        out.push({ value: v, dn: r.dn, objectClass, heldAs, inSyncScope });
      };
      // UPNs domain-wide (AD refuses duplicates anywhere); addresses only in the sync scope.
      if (r.userPrincipalName !== undefined) add(r.userPrincipalName, "userPrincipalName");
      if (!inSyncScope) continue;
      if (r.mail !== undefined) add(r.mail, "mail");
      for (const p of r.proxyAddresses) {
        if (p.slice(0, 5).toLowerCase() !== "smtp:") continue;
        add(p.slice(5), p.startsWith("SMTP:") ? "primarySmtp" : "secondarySmtp");
      }
    }
    return out;
  }

  /**
   * One atomic LDAP modify with the real adapter's order (delete, add, replace). proxyAddresses is
   * a case-insensitive string attribute: deleting a value that is not there fails (noSuchAttribute),
   * adding one that exists in any letter case fails (attributeOrValueExists). A UPN another object
   * of the domain holds is refused (constraintViolation), as Samba and AD do.
   */
  async modify(dn: string, m: AdModification): Promise<void> {
    const target = this.records.find((x) => norm(x.dn) === norm(dn));
    const op = `modify ${dn}`;
    if (target === undefined) throw ldapRefusal("NoSuchObject", 32, op, "no such object");
    const next: AdRecord = { ...target, proxyAddresses: [...target.proxyAddresses] };
    const multi = (attr: string): string[] => {
      if (attr.toLowerCase() !== "proxyaddresses") throw new Error(`in-memory AD: no multi-valued ${attr}`);
      return next.proxyAddresses;
    };
    // Single-valued attributes by value (a compare-and-swap modify): deleting a value the object does
    // not hold fails (noSuchAttribute), adding to a set one fails (attributeOrValueExists), as in AD.
    const singles = {
      userprincipalname: "userPrincipalName",
      mail: "mail",
      "ms-ds-consistencyguid": "consistencyGuid",
    } as const;
    const singleOf = (attr: string) => singles[attr.toLowerCase() as keyof typeof singles];
    const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : String(v).toLowerCase());
    for (const [attr, vals] of Object.entries(m.delete ?? {})) {
      const single = singleOf(attr);
      for (const v of vals) {
        if (single !== undefined) {
          const held = next[single];
          if (held === undefined || text(held) !== text(v))
            throw ldapRefusal("NoSuchAttribute", 16, op, `value ${v} not present`);
          delete next[single];
          continue;
        }
        const list = multi(attr);
        const i = list.findIndex((x) => x.toLowerCase() === v.toLowerCase());
        if (i < 0) throw ldapRefusal("NoSuchAttribute", 16, op, `value ${v} not present`);
        list.splice(i, 1);
      }
    }
    for (const [attr, vals] of Object.entries(m.add ?? {})) {
      const single = singleOf(attr);
      for (const v of vals) {
        if (single !== undefined) {
          if (next[single] !== undefined)
            throw ldapRefusal("AttributeOrValueExists", 20, op, `${attr} is set`);
          if (single === "consistencyGuid") next.consistencyGuid = Buffer.from(v as Buffer);
          else if (single === "mail") next.mail = String(v);
          else {
            const clash = this.records.find(
              (x) => x !== target && x.userPrincipalName?.toLowerCase() === String(v).toLowerCase(),
            );
            if (clash !== undefined)
              throw ldapRefusal("ConstraintViolation", 19, op, "UPN not unique in the domain");
            next.userPrincipalName = String(v);
          }
          continue;
        }
        const list = multi(attr);
        if (list.some((x) => x.toLowerCase() === String(v).toLowerCase())) {
          throw ldapRefusal("AttributeOrValueExists", 20, op, `value ${v} exists`);
        }
        list.push(String(v));
      }
    }
    for (const [attr, value] of Object.entries(m.replace ?? {})) {
      const a = attr.toLowerCase();
      if (a === "userprincipalname") {
        if (value === null) delete next.userPrincipalName;
        else {
          const v = String(value);
          const clash = this.records.find(
            (x) => x !== target && x.userPrincipalName?.toLowerCase() === v.toLowerCase(),
          );
          if (clash !== undefined)
            throw ldapRefusal("ConstraintViolation", 19, op, "UPN not unique in the domain");
          next.userPrincipalName = v;
        }
      } else if (a === "mail") {
        if (value === null) delete next.mail;
        else next.mail = String(value);
      } else if (a === "ms-ds-consistencyguid") {
        if (value === null) delete next.consistencyGuid;
        else
          next.consistencyGuid = Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(value, "binary");
      } else if (a === "proxyaddresses") {
        next.proxyAddresses = value === null ? [] : [String(value)];
      } else throw new Error(`in-memory AD: replace of ${attr} not modelled`);
    }
    Object.assign(target, next);
    if (next.userPrincipalName === undefined) delete target.userPrincipalName;
    if (next.mail === undefined) delete target.mail;
    if (next.consistencyGuid === undefined) delete target.consistencyGuid;
    this.writes.push({ dn, modification: m });
  }
}

// ---- Entra ID ---------------------------------------------------------------------------------------

const OWNERSHIP_EXTENSION = "com.adEntraLink.ownership";

export interface InMemoryEntraOptions {
  /** Features Graph returns (a delegated Global Administrator's view); undefined = 403, unknown. */
  readableFeatures?: SyncFeatures;
}

function graphRefusal(status: number, code: string, message: string): DirectoryRequestError {
  return new DirectoryRequestError(
    `ENTRA_${status}`,
    `ad-entra-link: Microsoft Graph refused the request (${status} ${code}: ${message}).`,
    { side: "cloud", requestSent: true },
  );
}

function toPortUser(u: CloudUser): PortCloudUser {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    mail: u.mail,
    mailNickname: u.mailNickname,
    proxyAddresses: [...u.proxyAddresses],
    employeeId: u.employeeId,
    userType: u.userType,
    onPremisesImmutableId: u.onPremisesImmutableId,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled,
    onPremisesLastSyncDateTime: u.onPremisesLastSyncDateTime,
    onPremisesSamAccountName: u.onPremisesSamAccountName,
    onPremisesDistinguishedName: u.onPremisesDistinguishedName,
    onPremisesUserPrincipalName: u.onPremisesUserPrincipalName,
    onPremisesSecurityIdentifier: u.onPremisesSecurityIdentifier,
  };
}

/** Every way `o` holds lower-case `v` (UPN for users only; `SMTP:` exact case is primary). */
function waysHeld(
  v: string,
  o: { userPrincipalName?: string; mail: string | null; proxyAddresses: string[] },
): HeldAs[] {
  const ways: HeldAs[] = [];
  if (o.userPrincipalName?.toLowerCase() === v) ways.push("userPrincipalName");
  if (o.mail?.toLowerCase() === v) ways.push("mail");
  for (const p of o.proxyAddresses) {
    if (p.slice(0, 5).toLowerCase() !== "smtp:" || p.slice(5).toLowerCase() !== v) continue;
    const way: HeldAs = p.startsWith("SMTP:") ? "primarySmtp" : "secondarySmtp";
    if (!ways.includes(way)) ways.push(way);
  }
  return ways;
}

export class InMemoryEntra implements EntraPort {
  readonly immutableIdWrites: { userId: string; value: string | null }[] = [];

  constructor(
    readonly t: TenantState,
    private readonly o: InMemoryEntraOptions = {},
  ) {}

  async getUser(selector: CloudSelector): Promise<PortCloudUser> {
    const u =
      "id" in selector
        ? this.t.users.get(selector.id.toLowerCase())
        : [...this.t.users.values()].find(
            (x) => x.userPrincipalName.toLowerCase() === selector.userPrincipalName.toLowerCase(),
          );
    if (u === undefined) {
      const key = "id" in selector ? selector.id : selector.userPrincipalName;
      throw new NotFoundError("CLOUD_USER_NOT_FOUND", `ad-entra-link: no Entra ID user "${key}".`, {
        side: "cloud",
      });
    }
    return toPortUser(u);
  }

  async findUserById(id: string): Promise<PortCloudUser | undefined> {
    const u = this.t.users.get(id.toLowerCase());
    return u === undefined ? undefined : toPortUser(u);
  }

  async findHolders(values: readonly string[], excludeId: string): Promise<CloudHolder[]> {
    const wanted = [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ""))];
    const out: CloudHolder[] = [];
    const exclude = excludeId.toLowerCase();
    for (const v of wanted) {
      for (const u of this.t.users.values()) {
        if (u.id === exclude) continue;
        for (const heldAs of waysHeld(v, u)) {
          out.push({
            value: v,
            id: u.id,
            objectType: "user",
            name: u.userPrincipalName,
            heldAs,
            userType: u.userType,
            onPremisesSyncEnabled: u.onPremisesSyncEnabled,
            onPremisesImmutableId: u.onPremisesImmutableId,
            onPremisesSecurityIdentifier: u.onPremisesSecurityIdentifier,
          });
        }
      }
      const others: [CloudGroup | CloudContact, "group" | "contact"][] = [
        ...[...this.t.groups.values()].map((g) => [g, "group"] as [CloudGroup, "group"]),
        ...[...this.t.contacts.values()].map((c) => [c, "contact"] as [CloudContact, "contact"]),
      ];
      for (const [o, objectType] of others) {
        if (o.id === exclude) continue;
        for (const heldAs of waysHeld(v, o)) {
          out.push({
            value: v,
            id: o.id,
            objectType,
            name: o.mail ?? o.displayName,
            heldAs,
            onPremisesSyncEnabled: o.onPremisesSyncEnabled,
          });
        }
      }
    }
    return out;
  }

  async findAnchorHolders(immutableId: string, excludeId: string): Promise<AnchorHolder[]> {
    const out: AnchorHolder[] = [];
    const exclude = excludeId.toLowerCase();
    for (const [users, deleted] of [
      [this.t.users, false],
      [this.t.deletedUsers, true],
    ] as const) {
      for (const u of users.values()) {
        if (u.id === exclude || u.onPremisesImmutableId !== immutableId) continue;
        out.push({
          id: u.id,
          userPrincipalName: u.userPrincipalName,
          deleted,
          onPremisesSyncEnabled: u.onPremisesSyncEnabled,
        });
      }
    }
    return out;
  }

  async getRoles(userId: string): Promise<CloudRoles> {
    const id = userId.toLowerCase();
    const fact = (roleDefinitionId: string) => {
      const tpl = ROLE_TEMPLATES.find((r) => r.id === roleDefinitionId);
      return {
        roleDefinitionId,
        displayName: tpl?.displayName ?? roleDefinitionId,
        isPrivileged: tpl?.isPrivileged ?? false,
      };
    };
    const of = (kind: "active" | "eligible") =>
      this.t.roleAssignments
        .filter((r) => r.principalId === id && r.kind === kind)
        .map((r) => fact(r.roleDefinitionId));
    return { active: of("active"), eligible: of("eligible") };
  }

  async tenantFacts(): Promise<TenantFacts> {
    const initial = this.t.domains.find((d) => d.isInitial)?.id;
    const facts: TenantFacts = {
      domains: this.t.domains.map((d) => ({
        id: d.id,
        isVerified: d.isVerified,
        isInitial: d.isInitial,
        authenticationType: d.authenticationType,
      })),
      tenantSyncEnabled: this.t.organizationOnPremisesSyncEnabled,
    };
    if (initial !== undefined) facts.initialDomain = initial;
    if (this.o.readableFeatures !== undefined) facts.features = { ...this.o.readableFeatures };
    else {
      facts.featuresUnreadableReason =
        "GET /directory/onPremisesSynchronization needs delegated Global Administrator rights (application permissions are not supported), so the tenant's sync features could not be read";
    }
    return facts;
  }

  /** Graph's PATCH rules the emulator implements: synced users are read-only, admins are sensitive, anchors unique. */
  async setImmutableId(userId: string, immutableId: string | null): Promise<void> {
    const u = this.t.users.get(userId.toLowerCase());
    if (u === undefined) {
      throw new NotFoundError(
        "ENTRA_NOT_FOUND",
        `ad-entra-link: set onPremisesImmutableId of ${userId}: not found.`,
        {
          side: "cloud",
        },
      );
    }
    if (u.onPremisesSyncEnabled === true) {
      throw graphRefusal(
        400,
        "Request_BadRequest",
        "Unable to update the specified properties for objects that have originated within an external service.",
      );
    }
    const privileged = this.t.roleAssignments.some(
      (r) =>
        r.principalId === u.id &&
        r.kind === "active" &&
        ROLE_TEMPLATES.find((x) => x.id === r.roleDefinitionId)?.isPrivileged === true,
    );
    if (privileged) {
      throw new PermissionDeniedError(
        "ENTRA_PERMISSION_DENIED",
        "ad-entra-link: set onPremisesImmutableId: Microsoft Graph answered 403 (Authorization_RequestDenied: Insufficient privileges to complete the operation.).",
        { side: "cloud", requestSent: true },
      );
    }
    if (immutableId !== null && (immutableId === "" || /[$_\s]/.test(immutableId))) {
      throw graphRefusal(
        400,
        "Request_BadRequest",
        "Invalid value specified for property 'onPremisesImmutableId' of resource 'User'.",
      );
    }
    if (
      immutableId !== null &&
      [...this.t.users.values()].some((x) => x.id !== u.id && x.onPremisesImmutableId === immutableId)
    ) {
      throw graphRefusal(
        400,
        "Request_BadRequest",
        "Another object with the same value for property onPremisesImmutableId already exists.",
      );
    }
    this.t.users.set(u.id, { ...u, onPremisesImmutableId: immutableId });
    this.immutableIdWrites.push({ userId: u.id, value: immutableId });
  }

  private extensions(userId: string): Map<string, Record<string, unknown>> {
    const id = userId.toLowerCase();
    let m = this.t.openExtensions.get(id);
    if (m === undefined) {
      m = new Map();
      this.t.openExtensions.set(id, m);
    }
    return m;
  }

  async getOwnership(userId: string): Promise<Ownership | undefined> {
    const e = this.t.openExtensions.get(userId.toLowerCase())?.get(OWNERSHIP_EXTENSION);
    if (e === undefined) return undefined;
    return {
      owner: String(e["owner"]),
      linkName: String(e["linkName"]),
      onPremisesObjectGuid: String(e["onPremisesObjectGuid"]),
    };
  }

  async setOwnership(userId: string, ownership: Ownership): Promise<void> {
    if (!this.t.users.has(userId.toLowerCase())) {
      throw new NotFoundError("ENTRA_NOT_FOUND", `ad-entra-link: record owner of ${userId}: not found.`, {
        side: "cloud",
      });
    }
    this.extensions(userId).set(OWNERSHIP_EXTENSION, { extensionName: OWNERSHIP_EXTENSION, ...ownership });
  }

  async releaseOwnership(userId: string, owner: string): Promise<void> {
    const m = this.t.openExtensions.get(userId.toLowerCase());
    if (m?.get(OWNERSHIP_EXTENSION)?.["owner"] === owner) m.delete(OWNERSHIP_EXTENSION);
  }
}

// ---- materializing a case ------------------------------------------------------------------------

export const AD_ROOT = "DC=corp,DC=local";
export const AD_BASE = `OU=Sync,OU=Agreement,${AD_ROOT}`;
export const AD_OUTSIDE = `OU=Outside,OU=Agreement,${AD_ROOT}`;

/** The AD records of a case, given the identities the directory assigned. */
export function adRecordsOf(
  c: AgreementCase,
  ids: ReadonlyMap<string, AdIdentity>,
  bases: { inScope: string; outside: string } = { inScope: AD_BASE, outside: AD_OUTSIDE },
): AdRecord[] {
  return c.ad.map((a) => {
    const id = ids.get(a.key)!;
    const chain = CLASS_CHAINS[a.objectClass]!;
    const r: AdRecord = {
      dn: `CN=${a.cn},${a.inScope ? bases.inScope : bases.outside}`,
      cn: a.cn,
      objectGuid: id.objectGuid,
      objectClass: [...chain.classes],
      objectCategory: chain.category,
      proxyAddresses: [...a.proxyAddresses],
    };
    if (a.objectClass !== "contact") r.objectSid = id.objectSid;
    if (a.sAMAccountName !== undefined) r.sAMAccountName = a.sAMAccountName;
    if (a.userPrincipalName !== undefined) r.userPrincipalName = a.userPrincipalName;
    if (a.mail !== undefined) r.mail = a.mail;
    if (a.consistencyGuid !== undefined) {
      r.consistencyGuid = guidToBytesLe(
        a.consistencyGuid.kind === "own" ? id.objectGuid : a.consistencyGuid.guid,
      );
    }
    return r;
  });
}

function blankUser(id: string, upn: string): CloudUser {
  return {
    id,
    userPrincipalName: upn,
    displayName: upn.split("@")[0] ?? upn,
    givenName: null,
    surname: null,
    mail: null,
    mailNickname: upn.split("@")[0] ?? null,
    proxyAddresses: [],
    employeeId: null,
    jobTitle: null,
    businessPhones: [],
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    usageLocation: null,
    accountEnabled: true,
    userType: "Member",
    createdDateTime: "2026-01-01T00:00:00.000Z",
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
    onPremisesLastSyncDateTime: null,
    onPremisesSamAccountName: null,
    onPremisesDistinguishedName: null,
    onPremisesUserPrincipalName: null,
    onPremisesDomainName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesObjectIdentifier: null,
    onPremisesProvisioningErrors: [],
  };
}

/** The emulator tenant of a case (a TenantState built directly, as the emulator's store would). */
export function tenantStateOf(
  c: AgreementCase,
  ids: ReadonlyMap<string, AdIdentity>,
  tenantId: string,
): TenantState {
  const t: TenantState = {
    id: tenantId,
    displayName: `agreement ${c.tag}`,
    domains: TENANT_DOMAINS.map((d) => ({ ...d })),
    users: new Map(),
    groups: new Map(),
    contacts: new Map(),
    deletedUsers: new Map(),
    openExtensions: new Map(),
    roleAssignments: [],
    apps: new Map(),
    features: { ...DEFAULT_FEATURES, ...c.tenant.features },
    behavior: { ...DEFAULT_BEHAVIOR },
    tokenLifetimeSeconds: 3599,
    organizationOnPremisesSyncEnabled: null,
    organizationOnPremisesLastSyncDateTime: null,
    connector: new Map(),
    directoryRoleIds: new Map(),
    seed: { displayName: "agreement", domains: [], users: [], apps: [] },
  };
  for (const cu of concreteCloudUsers(c, ids)) {
    const s = cu.spec;
    const u = blankUser(s.id, s.userPrincipalName);
    u.mail = s.mail;
    u.proxyAddresses = [...s.proxyAddresses];
    u.userType = s.userType;
    u.onPremisesImmutableId = cu.onPremisesImmutableId;
    u.onPremisesSecurityIdentifier = cu.onPremisesSecurityIdentifier;
    if (s.synced) {
      u.onPremisesSyncEnabled = true;
      u.onPremisesLastSyncDateTime = "2026-01-01T00:00:00.000Z";
      const of = s.sid.kind === "of" ? c.ad.find((a) => a.key === (s.sid as { of: string }).of) : undefined;
      if (of !== undefined) u.onPremisesObjectIdentifier = ids.get(of.key)!.objectGuid;
    }
    if (s.deleted) t.deletedUsers.set(u.id, { ...u, deletedDateTime: "2026-01-02T00:00:00.000Z" });
    else t.users.set(u.id, u);
    if (s.inConnector && u.onPremisesImmutableId !== null) t.connector.set(u.onPremisesImmutableId, u.id);
    for (const role of s.roles) {
      const tpl = ROLE_TEMPLATES.find((r) => r.displayName === role.role)!;
      t.roleAssignments.push({
        id: `${u.id}-${tpl.id}-${role.kind}`,
        principalId: u.id,
        roleDefinitionId: tpl.id,
        kind: role.kind,
        directoryScopeId: "/",
      });
    }
  }
  for (const o of c.cloudObjects) {
    if (o.kind === "group") {
      t.groups.set(o.id, {
        id: o.id,
        displayName: o.displayName,
        mail: o.mail,
        mailEnabled: o.mail !== null,
        securityEnabled: false,
        proxyAddresses: [...o.proxyAddresses],
        onPremisesSyncEnabled: null,
      });
    } else {
      t.contacts.set(o.id, {
        id: o.id,
        displayName: o.displayName,
        mail: o.mail,
        proxyAddresses: [...o.proxyAddresses],
        onPremisesSyncEnabled: null,
      });
    }
  }
  return t;
}

/** An AD user as Entra Connect's AD connector imports it (the simulator's input). */
export function onPremRecordOf(r: AdRecord): OnPremUserRecord {
  const rec: OnPremUserRecord = {
    dn: r.dn,
    objectGUID: guidToBytesLe(r.objectGuid).toString("base64"),
    objectClass: [...r.objectClass],
    cn: r.cn,
    sAMAccountName: r.sAMAccountName ?? null,
    userPrincipalName: r.userPrincipalName ?? null,
    mail: r.mail ?? null,
    proxyAddresses: [...r.proxyAddresses],
    objectSid: r.objectSid ?? null,
    displayName: r.cn,
  };
  if (r.consistencyGuid !== undefined) rec.msDsConsistencyGuid = r.consistencyGuid.toString("base64");
  return rec;
}

export { bytesLeToGuid };
