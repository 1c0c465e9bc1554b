/** The setting keys: config key (namespace `ad-entra-link:`) and the environment variables that may set each. */

export const CONFIG_NAMESPACE = "ad-entra-link";

export interface KeySpec {
  key: string;
  env: string[];
}

export const KEYS = {
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
  tenantSyncFeatures: { key: "tenantSyncFeatures", env: ["AD_ENTRA_LINK_TENANT_SYNC_FEATURES"] },
  bulkRead: { key: "bulkRead", env: ["AD_ENTRA_LINK_BULK_READ"] },
  syncEngine: { key: "syncEngine", env: ["AD_ENTRA_LINK_SYNC_ENGINE"] },
  confirmJoin: { key: "confirmJoin", env: ["AD_ENTRA_LINK_CONFIRM_JOIN"] },
  cloudSyncServicePrincipalId: {
    key: "cloudSyncServicePrincipalId",
    env: ["AD_ENTRA_LINK_CLOUD_SYNC_SERVICE_PRINCIPAL_ID"],
  },
  cloudSyncJobId: { key: "cloudSyncJobId", env: ["AD_ENTRA_LINK_CLOUD_SYNC_JOB_ID"] },
  waitForJoin: { key: "waitForJoin", env: ["AD_ENTRA_LINK_WAIT_FOR_JOIN"] },
  waitForJoinTimeoutSeconds: {
    key: "waitForJoinTimeoutSeconds",
    env: ["AD_ENTRA_LINK_WAIT_FOR_JOIN_TIMEOUT_SECONDS"],
  },
  waitForJoinPollSeconds: {
    key: "waitForJoinPollSeconds",
    env: ["AD_ENTRA_LINK_WAIT_FOR_JOIN_POLL_SECONDS"],
  },
} satisfies Record<string, KeySpec>;

/** The full config key as users type it: `ad-entra-link:ldapUrl`. */
export function configKey(spec: KeySpec): string {
  return `${CONFIG_NAMESPACE}:${spec.key}`;
}
