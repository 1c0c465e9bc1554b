/**
 * What a kept sandbox prints for the user to paste (pure). Two alternatives, both complete:
 * `pulumi config set …` lines (stack config, secrets with --secret) or `export …` lines (the
 * documented environment fallback). Either way the shell that runs `pulumi` needs
 * NODE_EXTRA_CA_CERTS, so that the provider process trusts the sandbox's own TLS certificates
 * (the DC's LDAPS certificate and the emulator's HTTPS certificate, one PEM bundle).
 */
import { AD_BASE_DN, TENANT_ID } from "../fixtures/seed-scenario";
import { linkEnvironment, linkStackConfig } from "../support/link-config";
import type { TestEnvFile } from "../support/test-env";

/** The OUs the examples link users in; also the sync cycle's scope is OU=Staff. */
export const SANDBOX_SEARCH_BASES = [`OU=Staff,${AD_BASE_DN}`, `OU=Marketing,${AD_BASE_DN}`];
/** Passphrase of the sandbox's own file backend (it protects nothing: the state is thrown away). */
export const SANDBOX_PASSPHRASE = "ad-entra-link-sandbox";

/** Section titles, printed as `# <title>`; the kept-sandbox test finds the lines under them. */
export const SECTION = {
  shell: "1. In every shell that runs pulumi against this sandbox",
  config: "2. In your program's folder: a stack and its config",
  env: "2'. Or, instead of the stack config, these environment variables",
} as const;

/** POSIX shell single-quoting: safe for any value, including quotes, spaces, `$` and `!`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface KeptSandboxInfo {
  ip: string;
  env: TestEnvFile;
  /** The sandbox's folder (removed when it stops). */
  workDir: string;
  /** File backend for users without a Pulumi backend of their own. */
  backendDir: string;
  stackName: string;
  /** Folder of the `pulumi` to use, when it is not on the PATH already (tools/pulumi-cli). */
  pulumiBinDir?: string;
}

export interface PasteLines {
  shell: string[];
  config: string[];
  env: string[];
}

export function pasteLines(info: KeptSandboxInfo): PasteLines {
  const options = { tenantId: TENANT_ID, baseDn: AD_BASE_DN, allowedSearchBases: SANDBOX_SEARCH_BASES };
  const { config, secrets } = linkStackConfig(info.env, options);
  const variables = linkEnvironment(info.env, options);
  return {
    shell: [
      ...(info.pulumiBinDir === undefined ? [] : [`export PATH=${shellQuote(info.pulumiBinDir)}:"$PATH"`]),
      `export NODE_EXTRA_CA_CERTS=${shellQuote(info.env.caBundlePath)}`,
      `export PULUMI_BACKEND_URL=${shellQuote(`file://${info.backendDir}`)}`,
      `export PULUMI_CONFIG_PASSPHRASE=${shellQuote(SANDBOX_PASSPHRASE)}`,
    ],
    config: [
      `pulumi stack init ${info.stackName}`,
      ...Object.entries(config).map(([k, v]) => `pulumi config set ${k} ${shellQuote(v)}`),
      ...Object.entries(secrets).map(([k, v]) => `pulumi config set --secret ${k} ${shellQuote(v)}`),
    ],
    env: [
      `pulumi stack init ${info.stackName}`,
      ...Object.entries(variables).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    ],
  };
}

/** The whole text a kept sandbox prints once it is ready. */
export function keptSandboxText(info: KeptSandboxInfo): string {
  const lines = pasteLines(info);
  return [
    `DC        ${info.env.samba.url}  (base DN ${AD_BASE_DN}; admin ${info.env.samba.adminBindDn})`,
    `emulator  ${info.env.emulator.baseUrl}  (Entra ID tenant ${TENANT_ID})`,
    `files     ${info.workDir}  (removed when the sandbox stops)`,
    "",
    `# ${SECTION.shell}:`,
    "# (the CA bundle makes the provider trust the sandbox's certificates; the other two keep",
    "#  Pulumi's state in the sandbox's folder - leave them out to use your own backend)",
    ...lines.shell,
    "",
    `# ${SECTION.config} (e.g. cd examples/soft-match):`,
    ...lines.config,
    "",
    `# ${SECTION.env}:`,
    ...lines.env,
    "",
    "# Then: pulumi preview --diff, pulumi up",
    "# Entra Connect sync cycle (scope OU=Staff), outcome per user:  npm run sandbox -- --sync",
    `# Stop: Ctrl-C here, or npm run sandbox -- --stop (only this one: -- --stop --ip ${info.ip})`,
  ].join("\n");
}
