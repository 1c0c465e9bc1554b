/**
 * `ad-entra-link discover`: reads AD under the search bases and the whole tenant, proposes links with
 * their evidence, and writes a links file to review plus a Markdown and an HTML report.
 *
 * Connection settings are read as the provider reads them (`readSettings`, README "Configuration"):
 * with `--stack <name>` that stack's `ad-entra-link:` config first (../discover/stack-config), then
 * the environment variables the provider falls back to (AD_ENTRA_LINK_LDAP_URL, AZURE_TENANT_ID, ...).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Settings } from "../config/settings";
import type { DiscoveryProgress, DiscoveryRun } from "../discover";
import type { RunSummary } from "../discover/output";
import type { StackConfigCommand } from "../discover/stack-config";
import { type CliCommand, type CliIo, EXIT_OK, EXIT_USAGE } from "./io";

const USAGE =
  "discover [--stack <name>] [--search-base <dn>]... [--out <links.yaml>] [--report <prefix>] [--json <file>] " +
  "[--min-confidence <0-1>] [--ambiguity-margin <0-1>] [--no-roles] [--force]";

const HELP = `Usage: ad-entra-link ${USAGE}

Reads Active Directory under the search bases (default: ad-entra-link allowed search bases, else the
base DN) and every Entra ID user, and proposes links with the evidence for each pair.

  --stack <name>            read that stack's ad-entra-link: config, as the provider does (runs
                            \`pulumi config --json --stack <name>\` here; secrets stay in memory)
  --search-base <dn>        where to read AD users (repeatable)
  --out <file>              links file to write (default links.discovered.yaml); only proposals
                            predicted to join are written, each with its evidence as a comment
  --report <prefix>         writes <prefix>.md and <prefix>.html (default discover-report)
  --json <file>             also writes the whole result as JSON
  --min-confidence <n>      pairs below this confidence are not candidates (default 0.5)
  --ambiguity-margin <n>    candidates this close are a conflict, not a proposal (default 0.1)
  --no-roles                do not read directory roles (privileged users are then NOT flagged)
  --force                   overwrite existing output files

Connection settings: the provider's (README "Configuration"): with --stack, that stack's config
first, then the environment variables, e.g. AD_ENTRA_LINK_LDAP_URL, AD_ENTRA_LINK_LDAP_BIND_DN,
AD_ENTRA_LINK_LDAP_BIND_PASSWORD, AD_ENTRA_LINK_LDAP_CA_CERTIFICATE_PATH, AD_ENTRA_LINK_LDAP_BASE_DN,
AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE. Without
--stack only the environment is read.
Exit codes: 0 done (review the files), 1 directory or configuration failure, 2 usage error.
`;

/** A value from the command line as a message shows it: escaped, at most 100 characters. */
function cliExcerpt(value: string): string {
  let out = "";
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    const e =
      cp >= 0x20 && cp <= 0x7e && ch !== '"' && ch !== "\\"
        ? ch
        : [...ch].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    if (out.length + e.length > 100) return `"${out}…"`;
    out += e;
  }
  return `"${out}"`;
}

/**
 * Why `file` cannot be an output, or undefined. A symbolic link (dangling or not) is never written
 * through, even with --force: it could point at a reviewed links file, a CI script or a file
 * outside the folder. Only a regular file is ever overwritten, and only with --force.
 */
export function outputRefusal(file: string, force: boolean): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return `${file} cannot be checked (${(err as NodeJS.ErrnoException).code ?? "error"}).`;
  }
  if (st.isSymbolicLink())
    return `${file} is a symbolic link; discover never writes through one (remove it or choose another name).`;
  if (!st.isFile()) return `${file} exists and is not a regular file; choose another name.`;
  if (!force)
    return (
      `${file} already exists; choose another name or pass --force to overwrite ` +
      "(a reviewed links.yaml is never overwritten by accident)."
    );
  return undefined;
}

/**
 * Writes `text` to `file` without following a symbolic link at its name: created exclusively
 * (O_CREAT|O_EXCL, which also refuses a dangling link), or with --force truncated with O_NOFOLLOW.
 */
export function writeOutput(file: string, text: string, force: boolean): void {
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK | (force ? c.O_TRUNC : c.O_EXCL);
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EEXIST" || code === "ENXIO")
      throw new Error(`${file} appeared (${code}) while discover ran; nothing was written to it.`);
    throw err;
  }
  try {
    if (!fs.fstatSync(fd).isFile())
      throw new Error(`${file} is not a regular file; nothing was written to it.`);
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

export interface DiscoverArgs {
  /** The stack whose config is read before the environment; absent = environment only. */
  stack?: string;
  searchBases: string[];
  out: string;
  report: string;
  json?: string;
  minConfidence?: number;
  ambiguityMargin?: number;
  readRoles: boolean;
  force: boolean;
}

/** Parses the arguments; returns a usage error message instead of throwing. */
export function parseDiscoverArgs(
  args: readonly string[],
): DiscoverArgs | { error: string } | { help: true } {
  const parsed: DiscoverArgs = {
    searchBases: [],
    out: "links.discovered.yaml",
    report: "discover-report",
    readRoles: true,
    force: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    const number = (name: string): number | { error: string } => {
      const v = value();
      const n = Number(v);
      if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
        return { error: `${name} needs a number between 0 and 1.` };
      }
      return n;
    };
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true };
      case "--stack": {
        const v = value();
        if (v === undefined || v.trim() === "") return { error: "--stack needs a stack name." };
        parsed.stack = v;
        break;
      }
      case "--search-base": {
        const v = value();
        if (v === undefined || v.trim() === "") return { error: "--search-base needs a DN." };
        parsed.searchBases.push(v);
        break;
      }
      case "--out":
      case "--report":
      case "--json": {
        const v = value();
        if (v === undefined || v.trim() === "") return { error: `${flag} needs a file name.` };
        if (flag === "--out") parsed.out = v;
        else if (flag === "--report") parsed.report = v;
        else parsed.json = v;
        break;
      }
      case "--min-confidence": {
        const n = number(flag);
        if (typeof n !== "number") return n;
        parsed.minConfidence = n;
        break;
      }
      case "--ambiguity-margin": {
        const n = number(flag);
        if (typeof n !== "number") return n;
        parsed.ambiguityMargin = n;
        break;
      }
      case "--no-roles":
        parsed.readRoles = false;
        break;
      case "--force":
        parsed.force = true;
        break;
      default:
        return { error: `unknown argument ${arg}.` };
    }
  }
  return parsed;
}

export interface DiscoverCommandOptions {
  /** Where settings are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Show a progress line (only ever on an interactive terminal). Default: stderr is a TTY. */
  progress?: boolean;
  /** Directory relative output paths are resolved against, and where `pulumi config` runs. Default process.cwd(). */
  cwd?: string;
  /** How a stack's config is read (`--stack`). Default: the pulumi CLI on PATH. */
  stackConfigCommand?: StackConfigCommand;
}

interface OutputFiles {
  links: string;
  markdown: string;
  html: string;
  json?: string;
}

function outputFiles(parsed: DiscoverArgs, cwd: string): OutputFiles {
  return {
    links: path.resolve(cwd, parsed.out),
    markdown: path.resolve(cwd, `${parsed.report}.md`),
    html: path.resolve(cwd, `${parsed.report}.html`),
    ...(parsed.json !== undefined ? { json: path.resolve(cwd, parsed.json) } : {}),
  };
}

/**
 * The provider's settings for this run: `readSettings` over the stack's config (with `--stack`) and
 * the environment, so the same keys win as in the provider (config before environment).
 * @throws ConfigurationError like readSettings, or when the stack's config cannot be read
 */
export async function discoverSettings(
  stack: string | undefined,
  options: Pick<DiscoverCommandOptions, "env" | "cwd" | "stackConfigCommand">,
): Promise<Settings> {
  const { readSettings } = await import("../config/settings");
  const { readStackConfig } = await import("../discover/stack-config");
  const lookup =
    stack === undefined
      ? () => undefined
      : await readStackConfig(stack, options.cwd ?? process.cwd(), options.stackConfigCommand);
  return readSettings(lookup, options.env ?? process.env);
}

/** Why a --search-base is refused (outside the allowed search bases), or undefined. */
async function searchBaseRefusal(
  searchBases: readonly string[],
  allowed: readonly string[],
): Promise<string | undefined> {
  const { isDnUnder } = await import("../core/ldap-escape");
  // Discover proposes only links the provider may make: it reads nowhere else.
  for (const base of searchBases) {
    let inside = false;
    try {
      inside = allowed.some((a) => isDnUnder(base, a));
    } catch {
      inside = false;
    }
    if (!inside) {
      return (
        `--search-base ${cliExcerpt(base)} is not inside ad-entra-link:allowedSearchBases ` +
        `(AD_ENTRA_LINK_ALLOWED_SEARCH_BASES, default the base DN); discover only proposes links the provider may make.`
      );
    }
  }
  return undefined;
}

/** A progress line redrawn at most every 100 ms while reading, on stderr. */
function progressLine(io: CliIo, show: boolean): (p: DiscoveryProgress) => void {
  let lastDraw = 0;
  return (p) => {
    if (!show) return;
    const now = Date.now();
    if (p.phase === "reading" && now - lastDraw < 100) return;
    lastDraw = now;
    io.stderr(
      `\r\x1b[2Kdiscover: ${p.adUsersRead} AD users, ${p.cloudUsersRead} cloud users read; ${p.phase}…`,
    );
    if (p.phase === "done") io.stderr("\n");
  };
}

/** Renders every output, then writes them: a rendering failure leaves no file behind. */
async function writeOutputs(
  summary: RunSummary & DiscoveryRun,
  outputs: OutputFiles,
  force: boolean,
): Promise<void> {
  const discover = await import("../discover");
  const texts: [string, string][] = [
    [outputs.links, discover.renderDiscoveredLinks(summary)],
    [outputs.markdown, discover.renderMarkdownReport(summary)],
    [outputs.html, discover.renderHtmlReport(summary)],
  ];
  if (outputs.json !== undefined) {
    texts.push([outputs.json, `${JSON.stringify({ ...summary, timingsMs: summary.timingsMs }, null, 2)}\n`]);
  }
  for (const [file, text] of texts) writeOutput(file, text, force);
}

/** What the run found and where it wrote it, for stdout. */
async function runReport(summary: RunSummary & DiscoveryRun, outputs: OutputFiles): Promise<string> {
  const { written, unwritten } = (await import("../discover/output")).partitionProposals(summary);
  const r = summary.result;
  return (
    `discover: ${r.stats.adUsers} AD users, ${r.stats.cloudUsers} cloud users read in ${(summary.timingsMs.total / 1000).toFixed(1)} s\n` +
    `  ${written.length} links written to ${outputs.links}\n` +
    (unwritten.length > 0
      ? `  ${unwritten.length} predicted to join but not written (the links file or the provider would refuse them; see the report)\n`
      : "") +
    `  ${r.stats.proposals - r.stats.proposalsThatJoin} proposals not predicted to join, ${r.conflicts.length} conflicts, ` +
    `${r.unmatchedAd.length} unmatched AD users, ${r.unmatchedCloud.length} unmatched cloud users\n` +
    `  report: ${outputs.markdown}, ${outputs.html}${outputs.json !== undefined ? `, ${outputs.json}` : ""}\n` +
    "Review every entry before committing the links file.\n"
  );
}

/** Runs a parsed `discover`: settings, checks, the run, the files, the summary. */
async function runDiscover(
  parsed: DiscoverArgs,
  io: CliIo,
  options: DiscoverCommandOptions,
): Promise<number> {
  const outputs = outputFiles(parsed, options.cwd ?? process.cwd());
  const refusals = Object.values(outputs)
    .map((file) => outputRefusal(file, parsed.force))
    .filter((x): x is string => x !== undefined);
  if (refusals.length > 0) {
    io.stderr(refusals.map((r) => `ad-entra-link discover: ${r}\n`).join(""));
    return EXIT_USAGE;
  }
  // Heavy modules only now (inside the helpers): `--help` and usage errors stay instant.
  let settings: Settings;
  try {
    settings = await discoverSettings(parsed.stack, options);
  } catch (err) {
    if (parsed.stack === undefined) {
      io.stderr(
        "ad-entra-link discover: no --stack given, so only environment variables were read; " +
          "pass --stack <name> to read that stack's config as the provider does.\n",
      );
    }
    throw err;
  }
  const allowed = settings.ldap.allowedSearchBases;
  const refused = await searchBaseRefusal(parsed.searchBases, allowed);
  if (refused !== undefined) {
    io.stderr(`ad-entra-link discover: ${refused}\nUsage: ad-entra-link ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { runDiscovery } = await import("../discover");
  const run = await runDiscovery(settings, {
    ...(parsed.searchBases.length > 0 ? { searchBases: parsed.searchBases } : {}),
    match: {
      ...(parsed.minConfidence !== undefined ? { minConfidence: parsed.minConfidence } : {}),
      ...(parsed.ambiguityMargin !== undefined ? { ambiguityMargin: parsed.ambiguityMargin } : {}),
    },
    readRoles: parsed.readRoles,
    onProgress: progressLine(io, options.progress ?? process.stderr.isTTY === true),
  });
  const summary = { ...run, notes: run.notes, allowedSearchBases: allowed };
  await writeOutputs(summary, outputs, parsed.force);
  io.stdout(await runReport(summary, outputs));
  return EXIT_OK;
}

/** Builds the command; tests pass their own environment. */
export function createDiscoverCommand(options: DiscoverCommandOptions = {}): CliCommand {
  return {
    name: "discover",
    usage: USAGE,
    async run(args, io: CliIo) {
      const parsed = parseDiscoverArgs(args);
      if ("help" in parsed) {
        io.stdout(HELP);
        return EXIT_OK;
      }
      if ("error" in parsed) {
        io.stderr(`ad-entra-link discover: ${parsed.error}\nUsage: ad-entra-link ${USAGE}\n`);
        return EXIT_USAGE;
      }
      return runDiscover(parsed, io, options);
    },
  };
}

/** The `discover` command (settings from process.env). */
export const discoverCommand: CliCommand = createDiscoverCommand();
