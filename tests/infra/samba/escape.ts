/**
 * String escaping for DNs (RFC 4514) and search filters (RFC 4515). The seed deliberately contains
 * a CN with a comma, an apostrophe, parentheses and an accent, so every DN and filter the fixture
 * builds goes through these two functions.
 */

/** Escapes an attribute value for use in an RDN: `O'Brien, Siobhán` → `O'Brien\, Siobhán`. */
export function escapeDnValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const first = i === 0;
    const last = i === value.length - 1;
    if (c === "\0") out += "\\00";
    else if ('"+,;<>\\='.includes(c)) out += `\\${c}`;
    else if ((first && (c === " " || c === "#")) || (last && c === " ")) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** `CN` + value → `CN=<escaped value>`. */
export function rdn(attribute: string, value: string): string {
  return `${attribute}=${escapeDnValue(value)}`;
}

/**
 * Escapes an assertion value for a string filter: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`,
 * `\29`, `\5c`, `\00`, so a value can never change the filter's structure.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** `(attribute=value)` with the value escaped. */
export function eq(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}
