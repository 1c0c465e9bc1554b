/**
 * The provider's one logger: levelled, to stderr (which the Pulumi engine shows as the resource's
 * diagnostics), and redacting every secret it was told about, so no log line can carry the bind
 * password, the client secret or a certificate key even if a message quotes one by mistake.
 *
 * Level from AD_ENTRA_LINK_LOG_LEVEL (`debug`, `info` (default), `warn`, `error`).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const PREFIX: Record<LogLevel, string> = { debug: "debug: ", info: "", warn: "warning: ", error: "error: " };
const secrets = new Set<string>();

function threshold(): number {
  const v = process.env["AD_ENTRA_LINK_LOG_LEVEL"];
  return v !== undefined && v in ORDER ? ORDER[v as LogLevel] : ORDER.info;
}

/** Remembers a secret value; every later log line has it replaced by `***`. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < 6) return;
  secrets.add(value);
  // A PEM block is also redacted line by line (a message may quote one line of it).
  for (const line of value.split(/\r?\n/))
    if (line.length >= 16 && !line.startsWith("-----")) secrets.add(line);
}

/** The text with every registered secret replaced. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}

function write(level: LogLevel, message: string): void {
  if (ORDER[level] < threshold()) return;
  process.stderr.write(`ad-entra-link: ${PREFIX[level]}${redact(message)}\n`);
}

export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warn", message),
  error: (message: string) => write("error", message),
};
