/**
 * The setting keys: config key (namespace `ad-entra-link:`) and the environment variable that may
 * set each. The variable is derived from the key, so the two cannot drift apart: ours are
 * `AD_ENTRA_LINK_<KEY>`, and keys the Azure SDKs also read use the SDKs' own `AZURE_<KEY>`.
 */

export const CONFIG_NAMESPACE = "ad-entra-link";

export interface KeySpec {
  key: string;
  env: string[];
}

/** Every key, in the order docs and `SETTING_KEYS` list them. */
const KEY_NAMES = [
  "ldapUrl",
  "ldapStartTls",
  "ldapBindDn",
  "ldapBindPassword",
  "ldapCaCertificate",
  "ldapCaCertificatePath",
  "ldapTlsInsecureSkipVerify",
  "ldapBaseDn",
  "ldapTimeoutInMs",
  "allowedSearchBases",
  "tenantId",
  "clientId",
  "credential",
  "clientSecret",
  "clientCertificate",
  "clientCertificatePath",
  "federatedTokenFile",
  "authorityHost",
  "graphBaseUrl",
  "graphScope",
  "tenantSyncFeatures",
  "bulkRead",
  "syncEngine",
  "confirmJoin",
  "cloudSyncServicePrincipalId",
  "cloudSyncJobId",
  "waitForJoin",
  "waitForJoinTimeoutSeconds",
  "waitForJoinPollSeconds",
] as const;

/** Keys set by the Azure SDKs' environment variables (`AZURE_TENANT_ID`, …), shared with other tools. */
const AZURE_SDK_KEYS: ReadonlySet<string> = new Set([
  "tenantId",
  "clientId",
  "clientSecret",
  "clientCertificatePath",
  "federatedTokenFile",
  "authorityHost",
]);

/** `ldapTimeoutInMs` → `LDAP_TIMEOUT_IN_MS`. */
function upperSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function specOf(key: string): KeySpec {
  const prefix = AZURE_SDK_KEYS.has(key) ? "AZURE_" : "AD_ENTRA_LINK_";
  return { key, env: [`${prefix}${upperSnake(key)}`] };
}

export const KEYS = Object.fromEntries(KEY_NAMES.map((key) => [key, specOf(key)])) as Record<
  (typeof KEY_NAMES)[number],
  KeySpec
>;

/** The full config key as users type it: `ad-entra-link:ldapUrl`. */
export function configKey(spec: KeySpec): string {
  return `${CONFIG_NAMESPACE}:${spec.key}`;
}
