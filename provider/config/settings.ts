/**
 * Connection settings: read once per provider process from Pulumi stack config (namespace
 * `ad-entra-link:`), with documented environment variables as the fallback. Values are checked
 * here so a missing or contradictory setting fails at preview with the key's name — never its value.
 */
import * as fs from "node:fs";
import { ConfigurationError } from "../errors";

export const CONFIG_NAMESPACE = "ad-entra-link";

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
  /** Verification switched off by explicit opt-in only (warned loudly on every use). */
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
  /** Where each setting came from, for logs: key → "config" | "env:NAME". Never values. */
  sources: Record<string, string>;
}

/** A source of raw values: stack config (in `configure`) or nothing. */
export type ConfigLookup = (key: string) => string | undefined;

interface KeySpec {
  key: string;
  env: string[];
}

const KEYS = {
  ldapUrl: { key: "ldapUrl", env: ["AD_ENTRA_LINK_LDAP_URL"] },
  ldapStartTls: { key: "ldapStartTls", env: ["AD_ENTRA_LINK_LDAP_START_TLS"] },
  ldapBindDn: { key: "ldapBindDn", env: ["AD_ENTRA_LINK_LDAP_BIND_DN"] },
  ldapBindPassword: { key: "ldapBindPassword", env: ["AD_ENTRA_LINK_LDAP_BIND_PASSWORD"] },
  ldapCaCertificate: { key: "ldapCaCertificate", env: ["AD_ENTRA_LINK_LDAP_CA_CERTIFICATE"] },
  ldapCaCertificatePath: { key: "ldapCaCertificatePath", env: ["AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH"] },
  ldapTlsInsecureSkipVerify: {
    key: "ldapTlsInsecureSkipVerify",
    env: ["AD_ENTRA_LINK_LDAP_TLS_INSECURE_SKIP_VERIFY"],
  },
  ldapBaseDn: { key: "ldapBaseDn", env: ["AD_ENTRA_LINK_LDAP_BASE_DN"] },
  ldapTimeoutInMs: { key: "ldapTimeoutInMs", env: ["AD_ENTRA_LINK_LDAP_TIMEOUT_IN_MS"] },
  allowedSearchBases: { key: "allowedSearchBases", env: ["AD_ENTRA_LINK_ALLOWED_SEARCH_BASES"] },
  tenantId: { key: "tenantId", env: ["AZURE_TENANT_ID"] },
  clientId: { key: "clientId", env: ["AZURE_CLIENT_ID"] },
  credential: { key: "credential", env: ["AD_ENTRA_LINK_CREDENTIAL"] },
  clientSecret: { key: "clientSecret", env: ["AZURE_CLIENT_SECRET"] },
  clientCertificate: { key: "clientCertificate", env: ["AD_ENTRA_LINK_CLIENT_CERTIFICATE"] },
  clientCertificatePath: { key: "clientCertificatePath", env: ["AZURE_CLIENT_CERTIFICATE_PATH"] },
  federatedTokenFile: { key: "federatedTokenFile", env: ["AZURE_FEDERATED_TOKEN_FILE"] },
  authorityHost: { key: "authorityHost", env: ["AZURE_AUTHORITY_HOST"] },
  graphBaseUrl: { key: "graphBaseUrl", env: ["AD_ENTRA_LINK_GRAPH_BASE_URL"] },
  graphScope: { key: "graphScope", env: ["AD_ENTRA_LINK_GRAPH_SCOPE"] },
} satisfies Record<string, KeySpec>;

/** The full config key as users type it: `ad-entra-link:ldapUrl`. */
export function configKey(spec: KeySpec): string {
  return `${CONFIG_NAMESPACE}:${spec.key}`;
}

class Reader {
  readonly sources: Record<string, string> = {};
  constructor(
    private readonly lookup: ConfigLookup,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get(spec: KeySpec): string | undefined {
    const fromConfig = this.lookup(configKey(spec));
    if (fromConfig !== undefined && fromConfig.trim() !== "") {
      this.sources[spec.key] = "config";
      return fromConfig;
    }
    for (const name of spec.env) {
      const v = this.env[name];
      if (v !== undefined && v.trim() !== "") {
        this.sources[spec.key] = `env:${name}`;
        return v;
      }
    }
    return undefined;
  }

  require(spec: KeySpec, what: string): string {
    const v = this.get(spec);
    if (v === undefined) {
      throw new ConfigurationError(
        "CONFIG_MISSING",
        `ad-entra-link: ${what} is not configured. Set \`pulumi config set ${configKey(spec)} …\`` +
          `${spec.key.toLowerCase().includes("password") || spec.key.toLowerCase().includes("secret") ? " --secret" : ""}` +
          ` or the environment variable ${spec.env.join(" / ")}.`,
      );
    }
    return v;
  }

  bool(spec: KeySpec, fallback: boolean): boolean {
    const v = this.get(spec);
    if (v === undefined) return fallback;
    const normalized = v.trim().toLowerCase();
    if (normalized === "true") return true;
    if (normalized === "false") return false;
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(spec)} must be true or false (got a value of ${v.length} characters).`,
    );
  }

  list(spec: KeySpec): string[] | undefined {
    const v = this.get(spec);
    if (v === undefined) return undefined;
    const trimmed = v.trim();
    if (trimmed.startsWith("[")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        throw new ConfigurationError(
          "CONFIG_INVALID",
          `ad-entra-link: ${configKey(spec)} looks like a JSON list but does not parse. Use a JSON array of strings or a comma-separated list.`,
        );
      }
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string" && x.trim() !== "")) {
        throw new ConfigurationError(
          "CONFIG_INVALID",
          `ad-entra-link: ${configKey(spec)} must be a list of non-empty strings.`,
        );
      }
      return parsed.map((x: string) => x.trim());
    }
    // DNs contain commas, so DN lists use ";" or newlines; URL lists may use commas too.
    const separator = spec === KEYS.allowedSearchBases ? /[;\n]/ : /[,;\s]+/;
    return trimmed
      .split(separator)
      .map((x) => x.trim())
      .filter((x) => x !== "");
  }
}

function validateLdapUrl(url: string, startTls: boolean, insecure: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(KEYS.ldapUrl)} contains "${url}", which is not a URL. Use ldaps://dc.example.com:636.`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(KEYS.ldapUrl)} must not carry credentials; use ${configKey(KEYS.ldapBindDn)} and ${configKey(KEYS.ldapBindPassword)}.`,
    );
  }
  if (parsed.protocol === "ldaps:") return;
  if (parsed.protocol === "ldap:") {
    if (startTls) return;
    if (insecure) return;
    throw new ConfigurationError(
      "CONFIG_PLAINTEXT_LDAP",
      `ad-entra-link: ${configKey(KEYS.ldapUrl)} uses plain ldap:// (${parsed.host}) without StartTLS; the bind password would cross the network in clear text and hardened DCs refuse it. Use ldaps://${parsed.hostname}:636, or set ${configKey(KEYS.ldapStartTls)} to true.`,
    );
  }
  throw new ConfigurationError(
    "CONFIG_INVALID",
    `ad-entra-link: ${configKey(KEYS.ldapUrl)} must start with ldaps:// (or ldap:// with StartTLS), got ${parsed.protocol}//.`,
  );
}

function validateHttpsUrl(spec: KeySpec, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigurationError("CONFIG_INVALID", `ad-entra-link: ${configKey(spec)} is not a URL.`);
  }
  if (parsed.protocol !== "https:") {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(spec)} must be an https:// URL (got ${parsed.protocol}//).`,
    );
  }
  return value.replace(/\/+$/, "");
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

function chooseCredential(r: Reader): CredentialKind {
  const explicit = r.get(KEYS.credential);
  const hasSecret = r.get(KEYS.clientSecret) !== undefined;
  const hasCert =
    r.get(KEYS.clientCertificate) !== undefined || r.get(KEYS.clientCertificatePath) !== undefined;
  const hasToken = r.get(KEYS.federatedTokenFile) !== undefined;
  const kinds: CredentialKind[] = [
    "clientSecret",
    "clientCertificate",
    "workloadIdentity",
    "managedIdentity",
    "azureCli",
  ];
  if (explicit !== undefined) {
    if (!kinds.includes(explicit as CredentialKind)) {
      throw new ConfigurationError(
        "CONFIG_INVALID",
        `ad-entra-link: ${configKey(KEYS.credential)} must be one of ${kinds.join(", ")} (got "${explicit.slice(0, 40)}").`,
      );
    }
    return explicit as CredentialKind;
  }
  const present = [
    hasSecret && "clientSecret",
    hasCert && "clientCertificate",
    hasToken && "workloadIdentity",
  ].filter((x): x is CredentialKind => typeof x === "string");
  if (present.length > 1) {
    throw new ConfigurationError(
      "CONFIG_CONTRADICTORY",
      `ad-entra-link: more than one Entra ID credential is configured (${present.join(", ")}). Keep one, or choose with ${configKey(KEYS.credential)}.`,
    );
  }
  if (present.length === 1) return present[0]!;
  throw new ConfigurationError(
    "CONFIG_MISSING",
    `ad-entra-link: no Entra ID credential is configured. Set ${configKey(KEYS.clientSecret)} (--secret), ${configKey(KEYS.clientCertificatePath)}, ${configKey(KEYS.federatedTokenFile)}, or ${configKey(KEYS.credential)} = managedIdentity | azureCli.`,
  );
}

/**
 * Reads and validates all settings.
 * @throws ConfigurationError naming the offending key.
 */
export function readSettings(lookup: ConfigLookup, env: NodeJS.ProcessEnv = process.env): Settings {
  const r = new Reader(lookup, env);

  const startTls = r.bool(KEYS.ldapStartTls, false);
  const insecure = r.bool(KEYS.ldapTlsInsecureSkipVerify, false);
  const urls = r.list(KEYS.ldapUrl);
  if (urls === undefined || urls.length === 0) r.require(KEYS.ldapUrl, "the domain controller URL");
  for (const url of urls ?? []) validateLdapUrl(url, startTls, insecure);
  const bindDn = r.require(KEYS.ldapBindDn, "the LDAP bind DN (a service account)");
  const bindPassword = r.require(KEYS.ldapBindPassword, "the LDAP bind password");
  const baseDn = r.require(KEYS.ldapBaseDn, "the LDAP base DN (e.g. DC=corp,DC=example,DC=com)");
  let caCertificate = r.get(KEYS.ldapCaCertificate);
  const caPath = r.get(KEYS.ldapCaCertificatePath);
  if (caCertificate !== undefined && caPath !== undefined) {
    throw new ConfigurationError(
      "CONFIG_CONTRADICTORY",
      `ad-entra-link: both ${configKey(KEYS.ldapCaCertificate)} and ${configKey(KEYS.ldapCaCertificatePath)} are set; keep one.`,
    );
  }
  if (caPath !== undefined) {
    try {
      caCertificate = fs.readFileSync(caPath, "utf8");
    } catch (cause) {
      throw new ConfigurationError(
        "CONFIG_INVALID",
        `ad-entra-link: ${configKey(KEYS.ldapCaCertificatePath)} points at a file that cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"}).`,
        { cause },
      );
    }
  }
  if (caCertificate !== undefined && !caCertificate.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: the LDAP CA certificate (${r.sources["ldapCaCertificate"] ?? "file"}) is not PEM text with a "BEGIN CERTIFICATE" block.`,
    );
  }
  const allowedSearchBases = r.list(KEYS.allowedSearchBases) ?? [baseDn];
  const timeoutText = r.get(KEYS.ldapTimeoutInMs);
  const timeoutInMs = timeoutText === undefined ? 30_000 : Number(timeoutText);
  if (!Number.isInteger(timeoutInMs) || timeoutInMs < 1000 || timeoutInMs > 600_000) {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(KEYS.ldapTimeoutInMs)} must be an integer number of milliseconds between 1000 and 600000.`,
    );
  }

  const tenantId = r.require(KEYS.tenantId, "the Entra ID tenant id");
  if (!GUID_RE.test(tenantId) && !TENANT_DOMAIN_RE.test(tenantId)) {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(KEYS.tenantId)} must be the tenant's GUID or its domain name.`,
    );
  }
  const credential = chooseCredential(r);
  const clientId = r.get(KEYS.clientId);
  if (credential !== "azureCli" && credential !== "managedIdentity" && clientId === undefined) {
    r.require(KEYS.clientId, "the application (client) id of the app registration");
  }
  if (clientId !== undefined && !GUID_RE.test(clientId)) {
    throw new ConfigurationError(
      "CONFIG_INVALID",
      `ad-entra-link: ${configKey(KEYS.clientId)} must be a GUID.`,
    );
  }
  const entra: EntraSettings = {
    tenantId,
    credential,
    graphBaseUrl: validateHttpsUrl(
      KEYS.graphBaseUrl,
      r.get(KEYS.graphBaseUrl) ?? "https://graph.microsoft.com",
    ),
  };
  if (clientId !== undefined) entra.clientId = clientId;
  const scope = r.get(KEYS.graphScope);
  if (scope !== undefined) {
    if (!/^https:\/\/[^\s]+\/\.default$/.test(scope)) {
      throw new ConfigurationError(
        "CONFIG_INVALID",
        `ad-entra-link: ${configKey(KEYS.graphScope)} must look like https://graph.microsoft.com/.default.`,
      );
    }
    entra.graphScope = scope;
  }
  const authorityHost = r.get(KEYS.authorityHost);
  if (authorityHost !== undefined) entra.authorityHost = validateHttpsUrl(KEYS.authorityHost, authorityHost);
  if (credential === "clientSecret") entra.clientSecret = r.require(KEYS.clientSecret, "the client secret");
  if (credential === "clientCertificate") {
    const pem = r.get(KEYS.clientCertificate);
    const path = r.get(KEYS.clientCertificatePath);
    if (pem !== undefined && path !== undefined) {
      throw new ConfigurationError(
        "CONFIG_CONTRADICTORY",
        `ad-entra-link: both ${configKey(KEYS.clientCertificate)} and ${configKey(KEYS.clientCertificatePath)} are set; keep one.`,
      );
    }
    if (pem !== undefined) entra.clientCertificate = pem;
    else
      entra.clientCertificatePath = r.require(
        KEYS.clientCertificatePath,
        "the client certificate (PEM path)",
      );
  }
  if (credential === "workloadIdentity") {
    entra.federatedTokenFile = r.require(
      KEYS.federatedTokenFile,
      "the federated token file (workload identity)",
    );
  }

  return {
    ldap: {
      urls: urls ?? [],
      startTls,
      bindDn,
      bindPassword,
      ...(caCertificate !== undefined ? { caCertificate } : {}),
      tlsInsecureSkipVerify: insecure,
      baseDn,
      allowedSearchBases,
      timeoutInMs,
    },
    entra,
    sources: r.sources,
  };
}

/** The keys users can set, for docs and error messages. */
export const SETTING_KEYS = Object.fromEntries(
  Object.entries(KEYS).map(([k, spec]) => [k, configKey(spec)]),
) as Record<keyof typeof KEYS, string>;
