/**
 * Builds the @azure/identity credential the settings ask for. Sovereign clouds (and the test
 * emulator) differ only by authority host; hosts that are not Microsoft's public authorities skip
 * instance discovery, which would otherwise call login.microsoftonline.com.
 */
import {
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import type { EntraSettings } from "../config/settings";

const MICROSOFT_AUTHORITIES = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

export function createCredential(settings: EntraSettings): TokenCredential {
  const authorityHost = settings.authorityHost;
  const common = {
    ...(authorityHost !== undefined ? { authorityHost } : {}),
    disableInstanceDiscovery:
      authorityHost !== undefined && !MICROSOFT_AUTHORITIES.has(new URL(authorityHost).hostname),
  };
  switch (settings.credential) {
    case "clientSecret":
      return new ClientSecretCredential(
        settings.tenantId,
        settings.clientId!,
        settings.clientSecret!,
        common,
      );
    case "clientCertificate":
      return settings.clientCertificate !== undefined
        ? new ClientCertificateCredential(
            settings.tenantId,
            settings.clientId!,
            { certificate: settings.clientCertificate },
            common,
          )
        : new ClientCertificateCredential(
            settings.tenantId,
            settings.clientId!,
            { certificatePath: settings.clientCertificatePath! },
            common,
          );
    case "workloadIdentity":
      return new WorkloadIdentityCredential({
        ...common,
        tenantId: settings.tenantId,
        clientId: settings.clientId!,
        tokenFilePath: settings.federatedTokenFile!,
      });
    case "managedIdentity":
      return settings.clientId !== undefined
        ? new ManagedIdentityCredential({ clientId: settings.clientId })
        : new ManagedIdentityCredential();
    case "azureCli":
      return new AzureCliCredential({ tenantId: settings.tenantId });
  }
}
