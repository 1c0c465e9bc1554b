/** Tenants of one emulator instance: creation from seeds, reset, and mutation helpers for the control API. */
import { type JsonWebKey, randomUUID } from "node:crypto";
import { ROLE_TEMPLATES, type SeedApp } from "../fixtures/seed-scenario";
import { deterministicGuid, GUID_RE } from "./ids";
import { certificateThumbprints } from "./jwt";
import {
  type AppRecord,
  type CloudContact,
  type CloudContactInput,
  type CloudGroup,
  type CloudGroupInput,
  type CloudUser,
  type CloudUserInput,
  DEFAULT_BEHAVIOR,
  DEFAULT_FEATURES,
  type DeletedCloudUser,
  type DeletedCloudUserInput,
  type RoleAssignmentRecord,
  type RoleTemplate,
  type TenantSeed,
  type TenantState,
} from "./model";
import { type AppCertificate, generateAppCertificate } from "./pki";

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

/** What creating a tenant returns: ids and the credentials tests need (incl. generated certificates). */
export interface TenantCreated {
  tenantId: string;
  initialDomain: string;
  apps: CreatedApp[];
}

export interface CreatedApp {
  clientId: string;
  displayName: string;
  roles: string[];
  secret?: string;
  /** PEM certificate and its private key, for ClientCertificateCredential. */
  certificatePem?: string;
  privateKeyPem?: string;
  federated?: { issuer: string; subject: string; audience: string };
}

export class StoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function roleTemplates(): RoleTemplate[] {
  return ROLE_TEMPLATES;
}

export function findRoleTemplate(nameOrId: string): RoleTemplate | undefined {
  const lower = nameOrId.toLowerCase();
  return ROLE_TEMPLATES.find((r) => r.id === lower || r.displayName.toLowerCase() === lower);
}

export function userFromInput(input: CloudUserInput, now: string): CloudUser {
  if (!input.id || !GUID_RE.test(input.id))
    throw new StoreError(400, `user ${input.key ?? "?"}: id must be a GUID`);
  if (!input.userPrincipalName) throw new StoreError(400, `user ${input.id}: userPrincipalName is required`);
  return {
    id: input.id.toLowerCase(),
    userPrincipalName: input.userPrincipalName,
    displayName: input.displayName ?? null,
    givenName: input.givenName ?? null,
    surname: input.surname ?? null,
    mail: input.mail ?? null,
    mailNickname: input.mailNickname ?? null,
    proxyAddresses: [...(input.proxyAddresses ?? [])],
    employeeId: input.employeeId ?? null,
    jobTitle: input.jobTitle ?? null,
    businessPhones: [],
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    usageLocation: input.usageLocation ?? null,
    accountEnabled: input.accountEnabled ?? true,
    userType: input.userType ?? "Member",
    createdDateTime: now,
    onPremisesImmutableId: input.onPremisesImmutableId ?? null,
    onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
    onPremisesLastSyncDateTime:
      input.onPremisesLastSyncDateTime ?? (input.onPremisesSyncEnabled ? now : null),
    onPremisesSamAccountName: input.onPremisesSamAccountName ?? null,
    onPremisesDistinguishedName: input.onPremisesDistinguishedName ?? null,
    onPremisesUserPrincipalName: input.onPremisesUserPrincipalName ?? null,
    onPremisesDomainName: input.onPremisesDomainName ?? null,
    onPremisesSecurityIdentifier: input.onPremisesSecurityIdentifier ?? null,
    onPremisesObjectIdentifier: input.onPremisesObjectIdentifier ?? null,
    onPremisesProvisioningErrors: [],
  };
}

export class EmulatorStore {
  readonly tenants = new Map<string, TenantState>();
  /** Generated app certificates per tenant/app, kept across resets so tests' PEMs stay valid. */
  private readonly generatedCerts = new Map<string, AppCertificate>();
  /** Trusted external token issuers for federated credentials: issuer → JWKs. */
  readonly federatedIssuers = new Map<string, JsonWebKey[]>();

  /** Tenant by id (GUID) or by one of its domain names, as the authority path accepts both. */
  findTenant(idOrDomain: string): TenantState | undefined {
    const lower = idOrDomain.toLowerCase();
    const byId = this.tenants.get(lower);
    if (byId) return byId;
    for (const t of this.tenants.values()) if (t.domains.some((d) => d.id.toLowerCase() === lower)) return t;
    return undefined;
  }

  getTenant(id: string): TenantState {
    const t = this.tenants.get(id.toLowerCase());
    if (!t) throw new StoreError(404, `no tenant ${id}`);
    return t;
  }

  async createTenant(seed: TenantSeed): Promise<TenantCreated> {
    const tenantId = (seed.tenantId ?? randomUUID()).toLowerCase();
    if (!GUID_RE.test(tenantId)) throw new StoreError(400, `tenantId must be a GUID, got ${tenantId}`);
    if (this.tenants.has(tenantId)) throw new StoreError(409, `tenant ${tenantId} already exists`);
    const state = await this.build({ ...seed, tenantId });
    this.tenants.set(tenantId, state);
    return this.describe(state);
  }

  async resetTenant(id: string): Promise<TenantCreated> {
    const old = this.getTenant(id);
    const state = await this.build({ ...old.seed, tenantId: old.id });
    this.tenants.set(state.id, state);
    return this.describe(state);
  }

  deleteTenant(id: string): void {
    const t = this.getTenant(id);
    this.tenants.delete(t.id);
    for (const key of [...this.generatedCerts.keys()])
      if (key.startsWith(`${t.id}/`)) this.generatedCerts.delete(key);
  }

  private async build(seed: TenantSeed & { tenantId: string }): Promise<TenantState> {
    const now = new Date().toISOString();
    const domains = seed.domains.map((d) => ({ ...d }));
    if (domains.filter((d) => d.isInitial).length !== 1)
      throw new StoreError(400, "a tenant needs exactly one initial domain");
    if (domains.filter((d) => d.isDefault).length !== 1)
      throw new StoreError(400, "a tenant needs exactly one default domain");
    const state: TenantState = {
      id: seed.tenantId,
      displayName: seed.displayName,
      domains,
      users: new Map(),
      groups: new Map(),
      contacts: new Map(),
      deletedUsers: new Map(),
      openExtensions: new Map(),
      roleAssignments: [],
      apps: new Map(),
      features: { ...DEFAULT_FEATURES, ...seed.features },
      behavior: { ...DEFAULT_BEHAVIOR, ...seed.behavior },
      tokenLifetimeSeconds: seed.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      organizationOnPremisesSyncEnabled: seed.organizationOnPremisesSyncEnabled ?? null,
      organizationOnPremisesLastSyncDateTime: null,
      connector: new Map(),
      directoryRoleIds: new Map(
        ROLE_TEMPLATES.map((r) => [r.id, deterministicGuid(seed.tenantId, "directoryRole", r.id)]),
      ),
      seed: structuredClone(seed),
    };
    this.addUsers(state, seed.users, now);
    this.addGroups(state, seed.groups ?? []);
    this.addContacts(state, seed.contacts ?? []);
    this.addDeletedUsers(state, seed.deletedUsers ?? [], now);
    for (const app of seed.apps) await this.addApp(state, app);
    return state;
  }

  /** Adds users and their role assignments; rejects duplicate ids/UPNs like the directory would. */
  addUsers(t: TenantState, inputs: CloudUserInput[], now: string = new Date().toISOString()): CloudUser[] {
    const added: CloudUser[] = [];
    const upns = new Set([...t.users.values()].map((u) => u.userPrincipalName.toLowerCase()));
    for (const input of inputs) {
      const user = userFromInput(input, now);
      if (t.users.has(user.id)) throw new StoreError(409, `user ${user.id} already exists`);
      if (upns.has(user.userPrincipalName.toLowerCase())) {
        throw new StoreError(409, `userPrincipalName ${user.userPrincipalName} already exists`);
      }
      upns.add(user.userPrincipalName.toLowerCase());
      t.users.set(user.id, user);
      for (const role of input.activeRoles ?? []) this.assignRole(t, user.id, role, "active");
      for (const role of input.eligibleRoles ?? []) this.assignRole(t, user.id, role, "eligible");
      added.push(user);
    }
    return added;
  }

  /** Adds groups; ids must be GUIDs and new across users, groups, contacts and deleted users. */
  addGroups(t: TenantState, inputs: CloudGroupInput[]): CloudGroup[] {
    return inputs.map((input) => {
      const id = this.newObjectId(t, input.id, `group ${input.displayName ?? "?"}`);
      if (typeof input.displayName !== "string" || input.displayName === "")
        throw new StoreError(400, `group ${id}: displayName is required`);
      const group: CloudGroup = {
        id,
        displayName: input.displayName,
        mail: input.mail ?? null,
        mailEnabled: input.mailEnabled ?? input.mail != null,
        securityEnabled: input.securityEnabled ?? false,
        proxyAddresses: [...(input.proxyAddresses ?? [])],
        onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
      };
      t.groups.set(id, group);
      return group;
    });
  }

  addContacts(t: TenantState, inputs: CloudContactInput[]): CloudContact[] {
    return inputs.map((input) => {
      const id = this.newObjectId(t, input.id, `contact ${input.displayName ?? "?"}`);
      if (typeof input.displayName !== "string" || input.displayName === "")
        throw new StoreError(400, `contact ${id}: displayName is required`);
      const contact: CloudContact = {
        id,
        displayName: input.displayName,
        mail: input.mail ?? null,
        proxyAddresses: [...(input.proxyAddresses ?? [])],
        onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
      };
      t.contacts.set(id, contact);
      return contact;
    });
  }

  /**
   * Puts users straight into the recycle bin (as if deleted earlier). The UPN is stored as given:
   * seed it in the deleted form (object id without hyphens + UPN) to mirror Graph exactly.
   */
  addDeletedUsers(
    t: TenantState,
    inputs: DeletedCloudUserInput[],
    now: string = new Date().toISOString(),
  ): DeletedCloudUser[] {
    return inputs.map((input) => {
      this.newObjectId(t, input.id, `deleted user ${input.key ?? "?"}`);
      const user = userFromInput(input, now);
      const deleted: DeletedCloudUser = { ...user, deletedDateTime: input.deletedDateTime ?? now };
      t.deletedUsers.set(user.id, deleted);
      return deleted;
    });
  }

  private newObjectId(t: TenantState, id: unknown, what: string): string {
    if (typeof id !== "string" || !GUID_RE.test(id)) throw new StoreError(400, `${what}: id must be a GUID`);
    const lower = id.toLowerCase();
    if (t.users.has(lower) || t.groups.has(lower) || t.contacts.has(lower) || t.deletedUsers.has(lower))
      throw new StoreError(409, `object ${lower} already exists`);
    return lower;
  }

  assignRole(
    t: TenantState,
    principalId: string,
    role: string,
    kind: "active" | "eligible",
  ): RoleAssignmentRecord {
    const template = findRoleTemplate(role);
    if (!template)
      throw new StoreError(
        400,
        `unknown role ${role}; known: ${ROLE_TEMPLATES.map((r) => r.displayName).join(", ")}`,
      );
    if (!t.users.has(principalId.toLowerCase())) throw new StoreError(404, `no user ${principalId}`);
    const existing = t.roleAssignments.find(
      (r) =>
        r.principalId === principalId.toLowerCase() && r.roleDefinitionId === template.id && r.kind === kind,
    );
    if (existing) return existing;
    const record: RoleAssignmentRecord = {
      id: deterministicGuid(t.id, kind, principalId.toLowerCase(), template.id),
      principalId: principalId.toLowerCase(),
      roleDefinitionId: template.id,
      kind,
      directoryScopeId: "/",
    };
    t.roleAssignments.push(record);
    return record;
  }

  removeRole(t: TenantState, principalId: string, role: string, kind: "active" | "eligible"): boolean {
    const template = findRoleTemplate(role);
    if (!template) throw new StoreError(400, `unknown role ${role}`);
    const before = t.roleAssignments.length;
    t.roleAssignments = t.roleAssignments.filter(
      (r) =>
        !(
          r.principalId === principalId.toLowerCase() &&
          r.roleDefinitionId === template.id &&
          r.kind === kind
        ),
    );
    return t.roleAssignments.length !== before;
  }

  async addApp(t: TenantState, app: SeedApp): Promise<CreatedApp> {
    const record: AppRecord = {
      clientId: app.clientId.toLowerCase(),
      displayName: app.displayName,
      servicePrincipalId: deterministicGuid(t.id, "servicePrincipal", app.clientId.toLowerCase()),
      secrets: app.secret ? [app.secret] : [],
      certificates: [],
      federated: app.federated
        ? [
            {
              issuer: app.federated.issuer,
              subject: app.federated.subject,
              audiences: [app.federated.audience],
            },
          ]
        : [],
      roles: [...app.roles],
    };
    const created: CreatedApp = {
      clientId: record.clientId,
      displayName: app.displayName,
      roles: [...app.roles],
    };
    if (app.secret) created.secret = app.secret;
    if (app.federated) created.federated = { ...app.federated };
    if (app.certificate === "generated") {
      const key = `${t.id}/${record.clientId}`;
      let cert = this.generatedCerts.get(key);
      if (!cert) {
        cert = await generateAppCertificate(app.displayName);
        this.generatedCerts.set(key, cert);
      }
      const tp = certificateThumbprints(cert.certificatePem);
      record.certificates.push({
        thumbprintSha1: tp.x5t,
        thumbprintSha256: tp.x5tS256,
        sha1Hex: tp.sha1Hex,
        certificatePem: cert.certificatePem,
      });
      created.certificatePem = cert.certificatePem;
      created.privateKeyPem = cert.privateKeyPem;
    }
    t.apps.set(record.clientId, record);
    return created;
  }

  describe(t: TenantState): TenantCreated {
    const apps: CreatedApp[] = [];
    for (const rec of t.apps.values()) {
      const created: CreatedApp = {
        clientId: rec.clientId,
        displayName: rec.displayName,
        roles: [...rec.roles],
      };
      const secret = rec.secrets[0];
      if (secret !== undefined) created.secret = secret;
      const fed = rec.federated[0];
      if (fed)
        created.federated = { issuer: fed.issuer, subject: fed.subject, audience: fed.audiences[0] ?? "" };
      const cert = this.generatedCerts.get(`${t.id}/${rec.clientId}`);
      if (cert) {
        created.certificatePem = cert.certificatePem;
        created.privateKeyPem = cert.privateKeyPem;
      }
      apps.push(created);
    }
    const initial = t.domains.find((d) => d.isInitial)?.id ?? "";
    return { tenantId: t.id, initialDomain: initial, apps };
  }
}
