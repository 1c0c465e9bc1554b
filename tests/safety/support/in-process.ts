/**
 * The provider's code driven in-process, for cases where starting the Pulumi engine adds nothing:
 * the runtime's check (exactly what the provider process runs at preview), and a link engine whose
 * tenant facts include the sync features that app-only Graph access cannot read (the "delegated
 * Global Administrator" view, taken from the emulator's control API).
 */
import * as tls from "node:tls";
import { AdDirectory } from "../../../provider/ad/ad-directory";
import { readSettings, type Settings } from "../../../provider/config/settings";
import { EntraDirectory, type TenantFacts } from "../../../provider/entra/graph-directory";
import { LinkEngine } from "../../../provider/link/engine";
import type { PredictedJoin } from "../../../provider/link/types";
import { validateDeclaration } from "../../../provider/link/validate";
import * as runtime from "../../../provider/runtime";
import type { CheckFailure } from "../../../provider/runtime";
import { type LinkConfigOptions, linkStackConfig } from "../../support/link-config";
import type { TestEnv } from "../../support/test-env";

/** Stack config + secrets as one lookup, the way the provider's `configure` receives them. */
export function configLookup(
  env: TestEnv,
  o: LinkConfigOptions,
  overrides: Record<string, string | undefined> = {},
): (key: string) => string | undefined {
  const { config, secrets } = linkStackConfig(env, o);
  const all: Record<string, string | undefined> = { ...config, ...secrets, ...overrides };
  return (key) => all[key];
}

/** Settings exactly as the provider reads them (no environment fallbacks). */
export function settingsFor(
  env: TestEnv,
  o: LinkConfigOptions,
  overrides: Record<string, string | undefined> = {},
): Settings {
  return readSettings(configLookup(env, o, overrides), {});
}

/**
 * Predictions as the provider would make them if it could read the tenant's sync features
 * (reading them needs a delegated Global Administrator; the emulator, like Graph, refuses app-only).
 */
export async function predictWithFeatures(
  env: TestEnv,
  o: LinkConfigOptions,
  links: { name: string; args: Record<string, unknown> }[],
): Promise<Map<string, PredictedJoin>> {
  const settings = settingsFor(env, o);
  const ad = new AdDirectory(settings.ldap);
  const entra = new EntraDirectory(settings.entra);
  const appOnly = entra.tenantFacts.bind(entra);
  entra.tenantFacts = async (): Promise<TenantFacts> => {
    const [facts, f] = await Promise.all([appOnly(), env.control.getFeatures(o.tenantId)]);
    const { featuresUnreadableReason: _unreadable, ...rest } = facts;
    return {
      ...rest,
      features: {
        blockSoftMatchEnabled: f.blockSoftMatchEnabled,
        blockCloudObjectTakeoverThroughHardMatchEnabled: f.blockCloudObjectTakeoverThroughHardMatchEnabled,
        softMatchOnUpnEnabled: f.softMatchOnUpnEnabled,
      },
    };
  };
  const engine = new LinkEngine(ad, entra);
  try {
    const out = new Map<string, PredictedJoin>();
    for (const link of links) {
      const { decl, failures } = validateDeclaration(link.args);
      if (decl === undefined)
        throw new Error(`${link.name}: ${failures.map((f) => f.error.message).join("; ")}`);
      out.set(link.name, (await engine.resolve(decl)).prediction);
    }
    return out;
  } finally {
    await ad.close();
  }
}

/** What the provider's check said about one link. */
export interface CheckOutcome {
  name: string;
  /** Failures, as the engine prints them: property and `<ErrorName> [<CODE>]: <message>`. */
  failures: CheckFailure[];
  /** The checked inputs (objects, plan and the join line when the link resolved). */
  inputs: Record<string, unknown>;
  /**
   * The full prediction behind the join line (the engine's own resolve, run again right after the
   * check in the same session): what `predictedJoin` will record at `up`.
   */
  prediction?: PredictedJoin;
  /** An error check threw instead of returning failures (configuration, directory trouble). */
  thrown?: Error;
  /** What the runtime logged (the provider process's stderr, which Pulumi shows) during this check. */
  log: string;
}

/**
 * Runs the provider runtime's `check` for `links` and returns what it said. `session: "each"`
 * (default) checks every link in a fresh provider session, as separate previews would; `"shared"`
 * checks them in order in one session, as one preview of a program with all of them does.
 */
export async function checkLinks(
  lookup: (key: string) => string | undefined,
  links: { name: string; args: Record<string, unknown> }[],
  session: "each" | "shared" = "each",
): Promise<CheckOutcome[]> {
  if (session === "each" && links.length > 1) {
    const out: CheckOutcome[] = [];
    for (const link of links) out.push(...(await checkLinks(lookup, [link], "shared")));
    return out;
  }
  await runtime.shutdown();
  runtime.configure(lookup);
  const out: CheckOutcome[] = [];
  let captured = "";
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.startsWith("ad-entra-link: ")) {
      captured += text;
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    for (const link of links) {
      captured = "";
      try {
        const r = await runtime.check({}, { ...link.args, linkName: link.name });
        const { decl } = validateDeclaration(link.args);
        const resolution =
          decl === undefined || typeof r.inputs["join"] !== "string"
            ? undefined
            : await runtime.getSession().engine.resolve(decl);
        out.push({
          name: link.name,
          failures: r.failures,
          inputs: r.inputs,
          log: captured,
          ...(resolution !== undefined ? { prediction: resolution.prediction } : {}),
        });
      } catch (err) {
        out.push({ name: link.name, failures: [], inputs: {}, thrown: err as Error, log: captured });
      }
    }
  } finally {
    process.stderr.write = write;
    await runtime.shutdown();
  }
  return out;
}

/** Removes the documented environment fallbacks of the settings from this process (tests only). */
export function clearSettingEnvironment(): void {
  for (const k of Object.keys(process.env)) {
    if (k.startsWith("AD_ENTRA_LINK_") || k.startsWith("AZURE_")) delete process.env[k];
  }
}

/**
 * Closes LDAPS sockets the provider left open in this test process. When a check fails fast (say
 * Graph answers 403 first) while an LDAP read is still on its way, the runtime's shutdown closes
 * the connection, and ldapts then silently reconnects for that read; nobody closes the new socket
 * and the test process would wait for the DC's idle timeout (15 minutes). Reported with a fix for
 * provider/ad/ad-directory.ts (a closed AdDirectory must not reconnect).
 */
export function closeLeakedLdapSockets(): number {
  let closed = 0;
  for (const h of (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()) {
    if (h instanceof tls.TLSSocket && h.remotePort === 636) {
      h.destroy();
      closed++;
    }
  }
  return closed;
}
