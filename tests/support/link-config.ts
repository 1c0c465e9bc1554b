/**
 * Stack configuration that points the provider at the test DC and the Entra ID emulator, the same
 * way a user points it at their DC and at a sovereign cloud: only URLs, CAs and credentials differ.
 */
import { APPS } from "../fixtures/seed-scenario";
import type { TestEnvFile } from "./test-env";

export interface LinkConfigOptions {
  tenantId: string;
  /** Base DN the provider searches (tests use their own OU). */
  baseDn: string;
  allowedSearchBases?: string[];
  /** App registration to authenticate as; default the seed's client-secret app. */
  clientId?: string;
  clientSecret?: string;
}

export function linkStackConfig(
  env: TestEnvFile,
  o: LinkConfigOptions,
): { config: Record<string, string>; secrets: Record<string, string> } {
  const app = APPS.find((a) => a.secret !== undefined && a.roles.includes("User.ReadWrite.All"))!;
  return {
    config: {
      "ad-entra-link:ldapUrl": env.samba.url,
      "ad-entra-link:ldapBindDn": env.samba.adminBindDn,
      "ad-entra-link:ldapCaCertificatePath": env.samba.caCertPath,
      "ad-entra-link:ldapBaseDn": o.baseDn,
      "ad-entra-link:allowedSearchBases": JSON.stringify(o.allowedSearchBases ?? [o.baseDn]),
      "ad-entra-link:tenantId": o.tenantId,
      "ad-entra-link:clientId": o.clientId ?? app.clientId,
      "ad-entra-link:authorityHost": env.emulator.baseUrl,
      "ad-entra-link:graphBaseUrl": env.emulator.baseUrl,
    },
    secrets: {
      "ad-entra-link:ldapBindPassword": env.samba.adminPassword,
      "ad-entra-link:clientSecret": o.clientSecret ?? app.secret!,
    },
  };
}

/** The same settings as environment variables (the documented fallback), for in-process use. */
export function linkEnvironment(env: TestEnvFile, o: LinkConfigOptions): Record<string, string> {
  const { config, secrets } = linkStackConfig(env, o);
  const all = { ...config, ...secrets };
  const get = (k: string) => all[`ad-entra-link:${k}`]!;
  return {
    AD_ENTRA_LINK_LDAP_URL: get("ldapUrl"),
    AD_ENTRA_LINK_LDAP_BIND_DN: get("ldapBindDn"),
    AD_ENTRA_LINK_LDAP_BIND_PASSWORD: get("ldapBindPassword"),
    AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH: get("ldapCaCertificatePath"),
    AD_ENTRA_LINK_LDAP_BASE_DN: get("ldapBaseDn"),
    AD_ENTRA_LINK_ALLOWED_SEARCH_BASES: get("allowedSearchBases"),
    AZURE_TENANT_ID: get("tenantId"),
    AZURE_CLIENT_ID: get("clientId"),
    AZURE_CLIENT_SECRET: get("clientSecret"),
    AZURE_AUTHORITY_HOST: get("authorityHost"),
    AD_ENTRA_LINK_GRAPH_BASE_URL: get("graphBaseUrl"),
  };
}
