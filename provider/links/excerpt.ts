/**
 * How text taken from a links file may appear in a message: never more than a short, escaped and
 * labelled excerpt of the offending field. A links file is written by whoever opens a pull request,
 * and its problems are printed into CI logs and PR comments; a file that is really something else
 * (an environment dump, a key file) must not be echoed through them, and a line break or an ANSI
 * escape in a value must not start a new line or a heading in the reviewer's view.
 */

/** At most this many characters of escaped file content appear in one excerpt. */
export const EXCERPT_MAX_CHARS = 40;

function escapeChar(ch: string): string {
  if (ch === "\\") return "\\\\";
  if (ch === '"') return '\\"';
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp <= 0x7e) return ch;
  // Astral characters as their two UTF-16 units, so every escape has the same \uXXXX shape.
  let out = "";
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * `text` with `\`, `"`, control characters and every non-ASCII character written as an escape
 * (`\\`, `\"`, `\uXXXX`), cut after `max` characters of output. Returns the escaped text and whether
 * it was cut.
 */
export function escapeExcerpt(text: string, max = EXCERPT_MAX_CHARS): { text: string; cut: boolean } {
  let out = "";
  for (const ch of text) {
    const e = escapeChar(ch);
    if (out.length + e.length > max) return { text: out, cut: true };
    out += e;
  }
  return { text: out, cut: false };
}

/**
 * A value from the file as a message may show it: `"aanderson"`, or for a long value
 * `"the first forty escaped characters…" (excerpt of 5000 characters)`.
 */
export function excerpt(value: string): string {
  const { text, cut } = escapeExcerpt(value);
  return cut ? `"${text}…" (excerpt of ${value.length} characters)` : `"${text}"`;
}

/** A short description of a value that is not a string (never its content). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return excerpt(value);
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "number" || typeof value === "boolean") return excerpt(String(value));
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/**
 * Whether a key or column name from the file may be shown as it is: a plain name of letters,
 * digits, `_`, `.`, `-` and spaces, starting with a letter, at most 40 characters. Anything else
 * (`PULUMI_CONFIG_PASSPHRASE=…`, a base64 blob with `+/=`, control characters) is not a name a
 * person typed as a key, and is referred to by position only.
 */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_. -]{0,39}$/.test(name) && !name.endsWith(" ");
}

// Typographic characters the messages' own templates use; everything else non-ASCII is escaped.
const TEMPLATE_CHARACTERS = new Set(["…", "→", "—", "–", "−", "Π"]);

/**
 * Escapes control characters and non-ASCII characters in a finished message, except the few
 * typographic characters the templates use; a message then always stays on its own line.
 */
export function escapeMessage(message: string): string {
  let out = "";
  for (const ch of message) {
    const cp = ch.codePointAt(0)!;
    out += (cp >= 0x20 && cp <= 0x7e) || TEMPLATE_CHARACTERS.has(ch) ? ch : escapeChar(ch);
  }
  return out;
}

/**
 * Rewrites a message built by code that quotes values in full (the declaration rules do) so that
 * each of `values` appears at most as an {@link excerpt}: every run of more than
 * {@link EXCERPT_MAX_CHARS} characters of a value (as written, or JSON-escaped) is replaced by the
 * value's excerpt, then every control or non-ASCII character left is escaped.
 */
export function scrubMessage(
  message: string,
  values: Iterable<string>,
  hiddenKeys: Iterable<string> = [],
): string {
  let out = message;
  // Keys that are not plain names are file content too: a message names them by `{key}` only
  // (one or two characters are left, escaped below, so that a key "-" cannot garble the text).
  for (const key of [...hiddenKeys].sort((a, b) => b.length - a.length)) {
    if (key.length >= 3) out = out.split(key).join("{key}");
  }
  const seen = new Set<string>();
  const longFirst = [...values]
    .filter((v) => v.length > EXCERPT_MAX_CHARS)
    .sort((a, b) => b.length - a.length);
  for (const value of longFirst) {
    if (seen.has(value)) continue;
    seen.add(value);
    const { text } = escapeExcerpt(value);
    const replacement = `${text}… (excerpt of ${value.length} characters)`;
    for (const form of [value, JSON.stringify(value).slice(1, -1)]) {
      const probe = form.slice(0, EXCERPT_MAX_CHARS + 1);
      let from = 0;
      for (;;) {
        const at = out.indexOf(probe, from);
        if (at < 0) break;
        let end = at + probe.length;
        while (end < out.length && end - at < form.length && out[end] === form[end - at]) end++;
        out = out.slice(0, at) + replacement + out.slice(end);
        from = at + replacement.length;
      }
    }
  }
  return escapeMessage(out);
}

/** Whether a key may appear in a field path as written (else it is shown as `{key}`). */
export function isPathKey(key: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/.test(key);
}

/** Every key inside `value` that is not a plain path key. */
export function hiddenKeysIn(value: unknown, limit = 10_000): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0 && seen++ < limit) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (!isPathKey(k)) out.push(k);
        stack.push(x);
      }
    }
  }
  return out;
}

/** Every string (values and keys) inside `value`, depth-first; bounded by `limit` strings. */
export function stringsIn(value: unknown, limit = 10_000): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0 && out.length < limit) {
    const v = stack.pop();
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) stack.push(...v);
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        stack.push(x);
      }
    }
  }
  return out;
}
