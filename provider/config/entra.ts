/** The Entra ID settings: tenant, app registration, which credential and its material, Graph endpoints. */
import { configKey, KEYS } from "./keys";
import type { Reader } from "./reader";
import type { CredentialKind, EntraSettings } from "./types";
import { httpsUrl } from "./urls";

const CREDENTIAL_KINDS: CredentialKind[] = [
  "clientSecret",
  "clientCertificate",
  "workloadIdentity",
  "managedIdentity",
  "azureCli",
];

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

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

export function readEntraSettings(r: Reader): Partial<EntraSettings> {
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
