/**
 * Connection settings: read once per provider process from Pulumi stack config (namespace
 * `ad-entra-link:`), with documented environment variables as the fallback. Values are checked
 * here so a missing or contradictory setting fails at preview with the key's name — never its
 * value — and every problem of one read is reported at once.
 */
import * as fs from "node:fs";
import type { SyncFeatures } from "../domain/ports";
import { configKey, KEYS, type KeySpec } from "./keys";
import { type ConfigLookup, Reader } from "./reader";
import { checkLdapUrl, httpsUrl } from "./urls";

export { CONFIG_NAMESPACE, configKey } from "./keys";
export type { ConfigLookup } from "./reader";

export type BulkReadMode = "auto" | "on" | "off";
const BULK_READ_MODES: readonly BulkReadMode[] = ["auto", "on", "off"];

export type CredentialKind =
  | "clientSecret"
  | "clientCertificate"
  | "workloadIdentity"
  | "managedIdentity"
  | "azureCli";

export interface LdapSettings {
  /** One or more `ldaps://` URLs (or `ldap://` with StartTLS); tried in order. */
  urls: string[];
  startTls: boolean;
  bindDn: string;
  bindPassword: string;
  /** PEM text of the CA(s) that issued the DC certificates; system CAs when absent. */
  caCertificate?: string;
  /** Verification switched off by explicit opt-in only (warned loudly on every use). Never allows plain LDAP. */
  tlsInsecureSkipVerify: boolean;
  baseDn: string;
  /** Links may only touch AD users under one of these DNs (default: the base DN). */
  allowedSearchBases: string[];
  timeoutInMs: number;
}

export interface EntraSettings {
  tenantId: string;
  clientId?: string;
  credential: CredentialKind;
  clientSecret?: string;
  /** PEM with certificate and private key. */
  clientCertificate?: string;
  clientCertificatePath?: string;
  federatedTokenFile?: string;
  /** e.g. https://login.microsoftonline.us for US Government; the emulator in tests. */
  authorityHost?: string;
  /** e.g. https://graph.microsoft.us; the emulator in tests. */
  graphBaseUrl: string;
  /** Token scope; default `<graph origin>/.default` for Microsoft's Graph hosts, else Graph's resource id. */
  graphScope?: string;
}

export interface Settings {
  ldap: LdapSettings;
  entra: EntraSettings;
  /** Tenant sync features stated by the user (`tenantSyncFeatures`); absent = not stated. */
  tenantSyncFeatures?: SyncFeatures;
  /**
   * When checks read the directories in bulk (provider/bulk): `auto` (default) once a run checks
   * more than 200 links, `on` from the first link, `off` never.
   */
  bulkRead?: BulkReadMode;
  /** Which sync client joins the users (`syncEngine`, default entraConnect) and how `up` confirms the join. */
  join?: JoinSettings;
  /** Where each setting came from, for logs: key → "config" | "env:NAME". Never values. */
  sources: Record<string, string>;
}

const CREDENTIAL_KINDS: CredentialKind[] = [
  "clientSecret",
  "clientCertificate",
  "workloadIdentity",
  "managedIdentity",
  "azureCli",
];

/** The keys `tenantSyncFeatures` may have (Graph `onPremisesDirectorySynchronization.features`). */
export const SYNC_FEATURE_KEYS = [
  "softMatchOnUpnEnabled",
  "blockSoftMatchEnabled",
  "blockCloudObjectTakeoverThroughHardMatchEnabled",
  "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
] as const satisfies readonly (keyof SyncFeatures)[];

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const MAX_JSON_SETTING_LENGTH = 4096;

function readCaCertificate(r: Reader): string | undefined {
  let caCertificate = r.get(KEYS.ldapCaCertificate);
  const caPath = r.get(KEYS.ldapCaCertificatePath);
  if (caCertificate !== undefined && caPath !== undefined) {
    return r.problem(
      KEYS.ldapCaCertificate,
      "CONFIG_CONTRADICTORY",
      `both ${configKey(KEYS.ldapCaCertificate)} and ${configKey(KEYS.ldapCaCertificatePath)} are set; keep one.`,
    );
  }
  if (caPath !== undefined) {
    try {
      caCertificate = fs.readFileSync(caPath, "utf8");
    } catch (cause) {
      return r.problem(
        KEYS.ldapCaCertificatePath,
        "CONFIG_INVALID",
        `${configKey(KEYS.ldapCaCertificatePath)} points at a file that cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"}).`,
      );
    }
  }
  if (caCertificate !== undefined && !caCertificate.includes("-----BEGIN CERTIFICATE-----")) {
    return r.problem(
      caPath !== undefined ? KEYS.ldapCaCertificatePath : KEYS.ldapCaCertificate,
      "CONFIG_INVALID",
      `the LDAP CA certificate (${r.sources["ldapCaCertificate"] ?? "file"}) is not PEM text with a "BEGIN CERTIFICATE" block.`,
    );
  }
  return caCertificate;
}

function readTimeout(r: Reader): number {
  const text = r.get(KEYS.ldapTimeoutInMs);
  const timeoutInMs = text === undefined ? 30_000 : Number(text);
  if (!Number.isInteger(timeoutInMs) || timeoutInMs < 1000 || timeoutInMs > 600_000) {
    r.problem(
      KEYS.ldapTimeoutInMs,
      "CONFIG_INVALID",
      `${configKey(KEYS.ldapTimeoutInMs)} must be an integer number of milliseconds between 1000 and 600000.`,
    );
    return 30_000;
  }
  return timeoutInMs;
}

function readLdapSettings(r: Reader): Partial<LdapSettings> {
  const startTls = r.bool(KEYS.ldapStartTls, false);
  const insecure = r.bool(KEYS.ldapTlsInsecureSkipVerify, false);
  const urls = r.list(KEYS.ldapUrl);
  if (urls === undefined || urls.length === 0) r.require(KEYS.ldapUrl, "the domain controller URL");
  (urls ?? []).forEach((url, i, all) => {
    checkLdapUrl(r, url, all.length > 1 ? ` (entry ${i + 1})` : "", startTls, insecure);
  });
  const bindDn = r.require(KEYS.ldapBindDn, "the LDAP bind DN (a service account)");
  const bindPassword = r.require(KEYS.ldapBindPassword, "the LDAP bind password");
  const baseDn = r.require(KEYS.ldapBaseDn, "the LDAP base DN (e.g. DC=corp,DC=example,DC=com)");
  const caCertificate = readCaCertificate(r);
  const allowedSearchBases = r.list(KEYS.allowedSearchBases) ?? (baseDn !== undefined ? [baseDn] : []);
  const timeoutInMs = readTimeout(r);
  return {
    urls: urls ?? [],
    startTls,
    ...(bindDn !== undefined ? { bindDn } : {}),
    ...(bindPassword !== undefined ? { bindPassword } : {}),
    ...(caCertificate !== undefined ? { caCertificate } : {}),
    tlsInsecureSkipVerify: insecure,
    ...(baseDn !== undefined ? { baseDn } : {}),
    allowedSearchBases,
    timeoutInMs,
  };
}

function chooseCredential(r: Reader): CredentialKind | undefined {
  const explicit = r.get(KEYS.credential);
  if (explicit !== undefined) {
    if (!CREDENTIAL_KINDS.includes(explicit as CredentialKind)) {
      return r.problem(
        KEYS.credential,
        "CONFIG_INVALID",
        `${configKey(KEYS.credential)} must be one of ${CREDENTIAL_KINDS.join(", ")}.`,
      );
    }
    return explicit as CredentialKind;
  }
  const present = [
    r.get(KEYS.clientSecret) !== undefined && "clientSecret",
    (r.get(KEYS.clientCertificate) !== undefined || r.get(KEYS.clientCertificatePath) !== undefined) &&
      "clientCertificate",
    r.get(KEYS.federatedTokenFile) !== undefined && "workloadIdentity",
  ].filter((x): x is CredentialKind => typeof x === "string");
  if (present.length > 1) {
    return r.problem(
      KEYS.credential,
      "CONFIG_CONTRADICTORY",
      `more than one Entra ID credential is configured (${present.join(", ")}). Keep one, or choose with ${configKey(KEYS.credential)}.`,
    );
  }
  if (present.length === 1) return present[0];
  return r.problem(
    KEYS.credential,
    "CONFIG_MISSING",
    `no Entra ID credential is configured. Set ${configKey(KEYS.clientSecret)} (--secret), ${configKey(KEYS.clientCertificatePath)}, ${configKey(KEYS.federatedTokenFile)}, or ${configKey(KEYS.credential)} = managedIdentity | azureCli.`,
  );
}

/** The secret material the chosen credential needs. */
function readCredentialMaterial(r: Reader, credential: CredentialKind): Partial<EntraSettings> {
  if (credential === "clientSecret") {
    const clientSecret = r.require(KEYS.clientSecret, "the client secret");
    return clientSecret !== undefined ? { clientSecret } : {};
  }
  if (credential === "clientCertificate") {
    const pem = r.get(KEYS.clientCertificate);
    const path = r.get(KEYS.clientCertificatePath);
    if (pem !== undefined && path !== undefined) {
      r.problem(
        KEYS.clientCertificate,
        "CONFIG_CONTRADICTORY",
        `both ${configKey(KEYS.clientCertificate)} and ${configKey(KEYS.clientCertificatePath)} are set; keep one.`,
      );
      return {};
    }
    if (pem !== undefined) return { clientCertificate: pem };
    const certPath = r.require(KEYS.clientCertificatePath, "the client certificate (PEM path)");
    return certPath !== undefined ? { clientCertificatePath: certPath } : {};
  }
  if (credential === "workloadIdentity") {
    const file = r.require(KEYS.federatedTokenFile, "the federated token file (workload identity)");
    return file !== undefined ? { federatedTokenFile: file } : {};
  }
  return {};
}

function readEntraSettings(r: Reader): Partial<EntraSettings> {
  const tenantId = r.require(KEYS.tenantId, "the Entra ID tenant id");
  if (tenantId !== undefined && !GUID_RE.test(tenantId) && !TENANT_DOMAIN_RE.test(tenantId)) {
    r.problem(
      KEYS.tenantId,
      "CONFIG_INVALID",
      `${configKey(KEYS.tenantId)} must be the tenant's GUID or its domain name.`,
    );
  }
  const credential = chooseCredential(r);
  const clientId = r.get(KEYS.clientId);
  if (credential !== undefined && credential !== "azureCli" && credential !== "managedIdentity") {
    if (clientId === undefined)
      r.require(KEYS.clientId, "the application (client) id of the app registration");
  }
  if (clientId !== undefined && !GUID_RE.test(clientId)) {
    r.problem(KEYS.clientId, "CONFIG_INVALID", `${configKey(KEYS.clientId)} must be a GUID.`);
  }
  const graphBaseUrl = httpsUrl(
    r,
    KEYS.graphBaseUrl,
    r.get(KEYS.graphBaseUrl) ?? "https://graph.microsoft.com",
  );
  const scope = r.get(KEYS.graphScope);
  if (scope !== undefined && !/^https:\/\/[^\s?#@]+\/\.default$/.test(scope)) {
    r.problem(
      KEYS.graphScope,
      "CONFIG_INVALID",
      `${configKey(KEYS.graphScope)} must look like https://graph.microsoft.com/.default.`,
    );
  }
  const authorityText = r.get(KEYS.authorityHost);
  const authorityHost =
    authorityText === undefined ? undefined : httpsUrl(r, KEYS.authorityHost, authorityText);
  return {
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(credential !== undefined ? { credential, ...readCredentialMaterial(r, credential) } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    ...(graphBaseUrl !== undefined ? { graphBaseUrl } : {}),
    ...(scope !== undefined ? { graphScope: scope } : {}),
    ...(authorityHost !== undefined ? { authorityHost } : {}),
  };
}

/**
 * `tenantSyncFeatures`: a JSON object of the four known feature flags with JSON boolean values.
 * Messages name the offending key only when it is one of ours (a typo in case is pointed out).
 */
export function readTenantSyncFeatures(r: Reader): SyncFeatures | undefined {
  const spec = KEYS.tenantSyncFeatures;
  const key = configKey(spec);
  const text = r.get(spec);
  if (text === undefined) return undefined;
  const allowed = `allowed keys: ${SYNC_FEATURE_KEYS.join(", ")}`;
  if (text.length > MAX_JSON_SETTING_LENGTH) {
    return r.problem(spec, "CONFIG_INVALID", `${key} is longer than ${MAX_JSON_SETTING_LENGTH} characters.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return r.problem(spec, "CONFIG_INVALID", `${key} is not valid JSON; write a JSON object (${allowed}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return r.problem(spec, "CONFIG_INVALID", `${key} must be a JSON object (${allowed}).`);
  }
  const features: SyncFeatures = {};
  let unknown = 0;
  for (const [name, value] of Object.entries(parsed)) {
    const known = SYNC_FEATURE_KEYS.find((k) => k === name);
    if (known === undefined) {
      const nearly = SYNC_FEATURE_KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
      if (nearly !== undefined) {
        r.problem(
          spec,
          "CONFIG_INVALID",
          `${key} has a key spelled differently from ${nearly}; keys are case-sensitive.`,
        );
      } else unknown++;
      continue;
    }
    if (typeof value !== "boolean") {
      r.problem(
        spec,
        "CONFIG_INVALID",
        `${key}: ${known} must be a JSON boolean true or false (not a string or number).`,
      );
      continue;
    }
    features[known] = value;
  }
  if (unknown > 0) {
    r.problem(
      spec,
      "CONFIG_INVALID",
      `${key} has ${unknown} unknown key${unknown === 1 ? "" : "s"} (${allowed}).`,
    );
  }
  return features;
}

export type SyncEngineSetting = "entraConnect" | "cloudSync";

/** How `up` confirms the join (provider/confirm). */
export interface JoinSettings {
  syncEngine: SyncEngineSetting;
  /** Cloud Sync: provision each changed link on demand after `up` and read the outcome. */
  confirmJoin: boolean;
  cloudSyncServicePrincipalId?: string;
  cloudSyncJobId?: string;
  /** Entra Connect: after `up`, poll the linked users until the join shows (or the timeout). */
  waitForJoin: boolean;
  waitForJoinTimeoutSeconds: number;
  waitForJoinPollSeconds: number;
}

function readSeconds(r: Reader, spec: KeySpec, fallback: number, min: number, max: number): number {
  const text = r.get(spec);
  if (text === undefined) return fallback;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    r.problem(
      spec,
      "CONFIG_INVALID",
      `${configKey(spec)} must be a whole number of seconds from ${min} to ${max}.`,
    );
    return fallback;
  }
  return n;
}

/** `syncEngine`, `confirmJoin` (+ the Cloud Sync job), `waitForJoin` (+ timeout and poll interval). */
export function readJoinSettings(r: Reader): JoinSettings {
  const text = r.get(KEYS.syncEngine);
  let syncEngine: SyncEngineSetting = "entraConnect";
  if (text !== undefined) {
    const t = text.trim();
    if (t === "entraConnect" || t === "cloudSync") syncEngine = t;
    else
      r.problem(
        KEYS.syncEngine,
        "CONFIG_INVALID",
        `${configKey(KEYS.syncEngine)} must be entraConnect or cloudSync.`,
      );
  }
  const confirmJoin = r.bool(KEYS.confirmJoin, false);
  const waitForJoin = r.bool(KEYS.waitForJoin, false);
  const sp = r.get(KEYS.cloudSyncServicePrincipalId)?.trim();
  const job = r.get(KEYS.cloudSyncJobId)?.trim();
  if (confirmJoin && syncEngine !== "cloudSync")
    r.problem(
      KEYS.confirmJoin,
      "CONFIG_INVALID",
      `${configKey(KEYS.confirmJoin)} provisions on demand, which only Cloud Sync offers: set ${configKey(KEYS.syncEngine)} cloudSync, or use ${configKey(KEYS.waitForJoin)} with Entra Connect.`,
    );
  if (confirmJoin && syncEngine === "cloudSync") {
    if (!sp)
      r.problem(
        KEYS.cloudSyncServicePrincipalId,
        "CONFIG_MISSING",
        `${configKey(KEYS.confirmJoin)} needs ${configKey(KEYS.cloudSyncServicePrincipalId)} (the Cloud Sync configuration's service principal).`,
      );
    if (!job)
      r.problem(
        KEYS.cloudSyncJobId,
        "CONFIG_MISSING",
        `${configKey(KEYS.confirmJoin)} needs ${configKey(KEYS.cloudSyncJobId)} (its AD2AADProvisioning job id).`,
      );
  }
  return {
    syncEngine,
    confirmJoin,
    ...(sp ? { cloudSyncServicePrincipalId: sp } : {}),
    ...(job ? { cloudSyncJobId: job } : {}),
    waitForJoin,
    waitForJoinTimeoutSeconds: readSeconds(r, KEYS.waitForJoinTimeoutSeconds, 1800, 1, 86_400),
    waitForJoinPollSeconds: readSeconds(r, KEYS.waitForJoinPollSeconds, 30, 1, 3_600),
  };
}

/** `bulkRead`: auto (default), on or off. */
function readBulkRead(r: Reader): BulkReadMode {
  const text = r.get(KEYS.bulkRead);
  if (text === undefined) return "auto";
  const mode = BULK_READ_MODES.find((m) => m === text.trim().toLowerCase());
  if (mode === undefined) {
    r.problem(
      KEYS.bulkRead,
      "CONFIG_INVALID",
      `${configKey(KEYS.bulkRead)} must be ${BULK_READ_MODES.join(", ")} (default auto).`,
    );
    return "auto";
  }
  return mode;
}

/**
 * Reads and validates all settings.
 * @throws ConfigurationError naming the offending key (code of that problem), or listing every
 *   problem of the read (code `CONFIG_PROBLEMS`, `problems` holds each). Values are never quoted.
 */
export function readSettings(lookup: ConfigLookup, env: NodeJS.ProcessEnv = process.env): Settings {
  const r = new Reader(lookup, env);
  const ldap = readLdapSettings(r);
  const entra = readEntraSettings(r);
  const tenantSyncFeatures = readTenantSyncFeatures(r);
  const bulkRead = readBulkRead(r);
  const join = readJoinSettings(r);
  r.throwIfProblems();
  // Every required field is present when no problem was recorded.
  return {
    ldap: ldap as LdapSettings,
    entra: entra as EntraSettings,
    ...(tenantSyncFeatures !== undefined ? { tenantSyncFeatures } : {}),
    bulkRead,
    join,
    sources: r.sources,
  };
}

/** The keys users can set, for docs and error messages. */
export const SETTING_KEYS = Object.fromEntries(
  Object.entries(KEYS).map(([k, spec]) => [k, configKey(spec)]),
) as Record<keyof typeof KEYS, string>;

/**
 * Only the Entra ID settings, from the environment (commands such as `status` that read the tenant
 * and never AD). @throws ConfigurationError like readSettings.
 */
export function readEntraSettingsOnly(
  lookup: ConfigLookup,
  env: NodeJS.ProcessEnv = process.env,
): EntraSettings {
  const r = new Reader(lookup, env);
  const entra = readEntraSettings(r);
  r.throwIfProblems();
  return entra as EntraSettings;
}
