/**
 * One discovery run against the real directories: reads AD (paged LDAP) and the tenant (paged
 * Graph) at the same time, then matches in memory. Connection settings are the provider's
 * (`readSettings`), so the same stack config or environment variables serve both.
 */
import { AdDirectory } from "../ad/ad-directory";
import type { Settings } from "../config/settings";
import { EntraDirectory } from "../entra/graph-directory";
import type { CloudRoles, TenantFacts } from "../entra/graph-directory";
import { proposeLinks } from "./match";
import { readAdUsers } from "./read-ad";
import { readAllRoles, readCloudUsers, readTenant } from "./read-entra";
import type { DiscoveryAdUser, DiscoveryCloudUser, DiscoveryResult, MatchOptions } from "./types";

export interface DiscoveryProgress {
  adUsersRead: number;
  cloudUsersRead: number;
  phase: "reading" | "matching" | "done";
}

export interface RunDiscoveryOptions {
  /** Where to look for AD users. Default: ad-entra-link:allowedSearchBases (which defaults to the base DN). */
  searchBases?: readonly string[];
  match?: MatchOptions;
  /** Read role assignments and eligibilities (needs RoleManagement.Read.Directory). Default true. */
  readRoles?: boolean;
  onProgress?: (p: DiscoveryProgress) => void;
}

/** A run's result plus where it looked and how long each part took. */
export interface DiscoveryRun {
  result: DiscoveryResult;
  searchBases: string[];
  tenantId: string;
  startedAt: string;
  timingsMs: { readAd: number; readCloud: number; match: number; total: number };
  /** Notes for the report, e.g. roles that could not be read. */
  notes: string[];
}

/** What both directories gave, and when each read finished (ms after the run started). */
interface DirectoryReads {
  adUsers: DiscoveryAdUser[];
  cloudUsers: DiscoveryCloudUser[];
  tenant: TenantFacts | undefined;
  roles: Map<string, CloudRoles> | undefined;
  readAdMs: number;
  readCloudMs: number;
}

/**
 * Reads AD users, cloud users, tenant facts and roles at the same time. Tenant facts and roles are
 * optional: when they cannot be read, a note says what the report then does not show.
 */
async function readDirectories(
  ad: AdDirectory,
  entra: EntraDirectory,
  searchBases: readonly string[],
  options: RunDiscoveryOptions,
  progress: { counted: (side: "adUsersRead" | "cloudUsersRead", n: number) => void; started: number },
  notes: string[],
): Promise<DirectoryReads> {
  const finished = { readAdMs: 0, readCloudMs: 0 };
  const timed = <T>(read: Promise<T>, key: keyof typeof finished): Promise<T> =>
    read.then((value) => {
      finished[key] = performance.now() - progress.started;
      return value;
    });
  const [adUsers, cloudUsers, tenant, roles] = await Promise.all([
    timed(
      readAdUsers(ad, searchBases, { onProgress: (n) => progress.counted("adUsersRead", n) }),
      "readAdMs",
    ),
    timed(readCloudUsers(entra, { onProgress: (n) => progress.counted("cloudUsersRead", n) }), "readCloudMs"),
    readTenant(entra).catch((err: Error): TenantFacts | undefined => {
      notes.push(
        `Tenant facts could not be read (${err.message}); predictions assume nothing about domains and features.`,
      );
      return undefined;
    }),
    options.readRoles === false
      ? Promise.resolve(undefined)
      : readAllRoles(entra).catch((err: Error): Map<string, CloudRoles> | undefined => {
          notes.push(
            `Directory roles could not be read (${err.message}); privileged cloud users are NOT flagged in this report. The provider still checks each link.`,
          );
          return undefined;
        }),
  ]);
  return { adUsers, cloudUsers, tenant, roles, ...finished };
}

/** The notes every report carries about what this run did not see. */
function coverageNotes(options: RunDiscoveryOptions, tenant: TenantFacts | undefined): string[] {
  const notes: string[] = [];
  if (options.readRoles === false)
    notes.push("Directory roles were not read (--no-roles): privileged cloud users are NOT flagged.");
  if (tenant?.featuresUnreadableReason !== undefined)
    notes.push(`Tenant sync features unknown: ${tenant.featuresUnreadableReason}.`);
  notes.push(
    `Collision checks cover the users read here (search bases and tenant); the provider checks the whole domain again at preview.`,
  );
  return notes;
}

/**
 * Runs discovery.
 * @throws the provider's error kinds (ConfigurationError, PermissionDeniedError, DirectoryUnavailableError, ...)
 */
export async function runDiscovery(
  settings: Settings,
  options: RunDiscoveryOptions = {},
): Promise<DiscoveryRun> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const searchBases = [...(options.searchBases ?? settings.ldap.allowedSearchBases)];
  const progress: DiscoveryProgress = { adUsersRead: 0, cloudUsersRead: 0, phase: "reading" };
  const report = () => options.onProgress?.({ ...progress });
  const counted = (side: "adUsersRead" | "cloudUsersRead", n: number) => {
    progress[side] = n;
    report();
  };
  const ad = new AdDirectory(settings.ldap);
  const entra = new EntraDirectory(settings.entra);
  const notes: string[] = [];
  try {
    const read = await readDirectories(ad, entra, searchBases, options, { counted, started }, notes);
    const { adUsers, cloudUsers, tenant, roles } = read;
    notes.push(...coverageNotes(options, tenant));
    progress.phase = "matching";
    report();
    const matchStarted = performance.now();
    const result = proposeLinks(
      adUsers,
      cloudUsers,
      {
        ...(tenant !== undefined ? { tenant } : {}),
        ...(roles !== undefined ? { roles } : {}),
        allowedSearchBases: settings.ldap.allowedSearchBases,
      },
      options.match ?? {},
    );
    const matchMs = performance.now() - matchStarted;
    progress.phase = "done";
    report();
    return {
      result,
      searchBases,
      tenantId: settings.entra.tenantId,
      startedAt,
      timingsMs: {
        readAd: Math.round(read.readAdMs),
        readCloud: Math.round(read.readCloudMs),
        match: Math.round(matchMs),
        total: Math.round(performance.now() - started),
      },
      notes,
    };
  } finally {
    await ad.close();
  }
}
