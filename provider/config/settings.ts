/**
 * Connection settings: read once per provider process from Pulumi stack config (namespace
 * `ad-entra-link:`), with documented environment variables as the fallback. Values are checked
 * here so a missing or contradictory setting fails at preview with the key's name — never its
 * value — and every problem of one read is reported at once. This module composes the readers
 * (ldap.ts, entra.ts, behaviour.ts) over the key table (keys.ts); the shapes are in types.ts.
 */
import { readBulkRead, readJoinSettings, readTenantSyncFeatures } from "./behaviour";
import { readEntraSettings } from "./entra";
import { configKey, KEYS } from "./keys";
import { readLdapSettings } from "./ldap";
import { type ConfigLookup, Reader } from "./reader";
import type { EntraSettings, LdapSettings, Settings } from "./types";

export { readJoinSettings, readTenantSyncFeatures, SYNC_FEATURE_KEYS } from "./behaviour";
export { CONFIG_NAMESPACE, configKey } from "./keys";
export type { ConfigLookup } from "./reader";
export type {
  BulkReadMode,
  CredentialKind,
  EntraSettings,
  JoinSettings,
  LdapSettings,
  Settings,
  SyncEngineSetting,
} from "./types";

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
