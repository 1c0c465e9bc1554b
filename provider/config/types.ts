/** The shapes of the settings the provider reads (settings.ts reads and checks them). */
import type { SyncFeatures } from "../domain/ports";

export type BulkReadMode = "auto" | "on" | "off";

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
