/**
 * The provider process's one session: settings read once from the stack config, one LDAP
 * connection, one Graph client and the engine over their caching ports, created lazily at the first
 * method that needs them and shared by every link and method of the run.
 */
import { AdDirectory } from "../ad/ad-directory";
import { AUTO_BULK_READ_AFTER, BulkGate } from "../bulk/gate";
import { CachedAd } from "../bulk/cached-ad";
import { CachedEntra } from "../bulk/cached-entra";
import { type ConfigLookup, readSettings, type Settings } from "../config/settings";
import type { SyncFeatures } from "../domain/ports";
import { EntraDirectory } from "../entra/graph-directory";
import { LinkEngine } from "../link/engine";
import { log, registerSecret } from "../log";

export interface Session {
  settings: Settings;
  ad: AdDirectory;
  entra: EntraDirectory;
  engine: LinkEngine;
}

let lookup: ConfigLookup = () => undefined;
let session: Session | undefined;

/** Called from the provider's `configure` with the stack config (secrets arrive decrypted). */
export function configure(configLookup: ConfigLookup): void {
  lookup = configLookup;
  session = undefined;
}

/** The process-wide session; throws ConfigurationError naming the key when settings are wrong. */
export function getSession(): Session {
  if (session === undefined) session = openSession(readSettings(lookup));
  return session;
}

/** Registers the secrets with the logger, reports the settings used, and builds the clients. */
function openSession(settings: Settings): Session {
  registerSecret(settings.ldap.bindPassword);
  registerSecret(settings.entra.clientSecret);
  registerSecret(settings.entra.clientCertificate);
  const used = Object.entries(settings.sources)
    .map(([k, src]) => `${k} from ${src}`)
    .join(", ");
  log.info(`settings: ${used}`);
  if (settings.ldap.tlsInsecureSkipVerify) {
    log.warn(
      "ldapTlsInsecureSkipVerify is true: the domain controller's certificate is NOT verified. Anyone on the network path can read the bind password and change what this tool writes. Configure ldapCaCertificate instead.",
    );
  }
  const ad = new AdDirectory(settings.ldap);
  const entra = new EntraDirectory(settings.entra);
  const stated = (settings as { tenantSyncFeatures?: SyncFeatures }).tenantSyncFeatures;
  const mode = settings.bulkRead ?? "auto";
  log.info(
    `bulkRead: ${mode} (${
      mode === "on"
        ? "checks read both directories in bulk from the first link"
        : mode === "off"
          ? "every link reads both directories itself"
          : `checks read both directories in bulk once more than ${AUTO_BULK_READ_AFTER} links are checked`
    })`,
  );
  // The engine works through caching ports; the runtime's own reads (ownership) stay direct.
  const gate = new BulkGate(mode, AUTO_BULK_READ_AFTER, log.info);
  const cachedAd = new CachedAd(ad, settings.ldap, gate, log.info);
  return {
    settings,
    ad,
    entra,
    engine: new LinkEngine(
      cachedAd,
      new CachedEntra(entra, gate, log.info, () => cachedAd.bulkSearchSent()),
      {
        ...(stated !== undefined ? { tenantSyncFeatures: stated } : {}),
        ...(settings.join !== undefined ? { syncEngine: settings.join.syncEngine } : {}),
      },
    ),
  };
}

/** For tests and benchmarks: connection reuse counters. */
export function sessionStats(): { ldapConnections: number } | undefined {
  return session ? { ldapConnections: session.ad.connectionsOpened } : undefined;
}

/** Closes the shared LDAP connection; the next method opens a new session. */
export async function closeSession(): Promise<void> {
  await session?.ad.close();
  session = undefined;
}
