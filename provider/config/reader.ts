/**
 * Reads raw setting values (stack config first, then environment variables) and collects every
 * problem instead of stopping at the first, so one run reports all of them. Problems name the key
 * and what is wrong; a value is never quoted (it may be a password pasted in the wrong place).
 */
import { type ConfigurationProblem, ConfigurationError } from "../errors";
import { configKey, KEYS, type KeySpec } from "./keys";

/** A source of raw values: stack config (in `configure`) or nothing. */
export type ConfigLookup = (key: string) => string | undefined;

const KNOWN_SCHEMES = new Set(["http:", "https:", "ldap:", "ldaps:", "ftp:", "file:", "ws:", "wss:"]);

/** The scheme of a parsed URL for a message, only when it is a well-known one (never free text). */
export function shownScheme(url: URL): string {
  return KNOWN_SCHEMES.has(url.protocol) ? `${url.protocol}//` : "another scheme";
}

export class Reader {
  readonly sources: Record<string, string> = {};
  readonly problems: ConfigurationProblem[] = [];

  constructor(
    private readonly lookup: ConfigLookup,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Records a problem with `spec`; `message` names the key and what is wrong, never the value. */
  problem(spec: KeySpec, code: string, message: string): undefined {
    this.problems.push({ key: configKey(spec), env: spec.env, code, message });
    return undefined;
  }

  get(spec: KeySpec): string | undefined {
    const fromConfig = this.lookup(configKey(spec));
    if (fromConfig !== undefined && fromConfig.trim() !== "") {
      this.sources[spec.key] = "config";
      return fromConfig;
    }
    for (const name of spec.env) {
      const v = this.env[name];
      if (v !== undefined && v.trim() !== "") {
        this.sources[spec.key] = `env:${name}`;
        return v;
      }
    }
    return undefined;
  }

  require(spec: KeySpec, what: string): string | undefined {
    const v = this.get(spec);
    if (v !== undefined) return v;
    const secret = /password|secret/i.test(spec.key) ? " --secret" : "";
    return this.problem(
      spec,
      "CONFIG_MISSING",
      `${what} is not configured. Set \`pulumi config set ${configKey(spec)} …\`${secret} or the environment variable ${spec.env.join(" / ")}.`,
    );
  }

  bool(spec: KeySpec, fallback: boolean): boolean {
    const v = this.get(spec);
    if (v === undefined) return fallback;
    const normalized = v.trim().toLowerCase();
    if (normalized === "true") return true;
    if (normalized === "false") return false;
    this.problem(
      spec,
      "CONFIG_INVALID",
      `${configKey(spec)} must be true or false (got a value of ${v.length} characters).`,
    );
    return fallback;
  }

  list(spec: KeySpec): string[] | undefined {
    const v = this.get(spec);
    if (v === undefined) return undefined;
    const trimmed = v.trim();
    if (trimmed.startsWith("[")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        return this.problem(
          spec,
          "CONFIG_INVALID",
          `${configKey(spec)} looks like a JSON list but does not parse. Use a JSON array of strings or a comma-separated list.`,
        );
      }
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string" && x.trim() !== "")) {
        return this.problem(
          spec,
          "CONFIG_INVALID",
          `${configKey(spec)} must be a list of non-empty strings.`,
        );
      }
      return parsed.map((x: string) => x.trim());
    }
    // DNs contain commas, so DN lists use ";" or newlines; URL lists may use commas too.
    const separator = spec === KEYS.allowedSearchBases ? /[;\n]/ : /[,;\s]+/;
    return trimmed
      .split(separator)
      .map((x) => x.trim())
      .filter((x) => x !== "");
  }

  /** Throws one ConfigurationError listing every problem recorded, if any. */
  throwIfProblems(): void {
    const problems = this.problems;
    if (problems.length === 0) return;
    const line = (p: ConfigurationProblem): string =>
      p.env.some((name) => p.message.includes(name))
        ? p.message
        : `${p.message} (environment variable ${p.env.join(" / ")})`;
    if (problems.length === 1) {
      const only = problems[0]!;
      throw new ConfigurationError(only.code, `ad-entra-link: ${line(only)}`, { problems });
    }
    throw new ConfigurationError(
      "CONFIG_PROBLEMS",
      `ad-entra-link: ${problems.length} configuration problems; fix them all, then re-run:\n${problems
        .map((p) => `  - [${p.code}] ${line(p)}`)
        .join("\n")}`,
      { problems },
    );
  }
}
