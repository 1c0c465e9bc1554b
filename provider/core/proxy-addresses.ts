/**
 * AD `proxyAddresses`: parsing, validation, and the minimal LDAP modify that makes a user's addresses
 * say what the link needs without losing anything we don't manage.
 *
 * Format `TYPE:address`. For SMTP the prefix case carries meaning: `SMTP:` is the primary address,
 * `smtp:` a secondary one; only the primary takes part in an SMTP soft match (matching-rules §2.1).
 * Other types (X500:, X400:, SIP:, EUM:, ...) are carried verbatim: X500 values hold the legacy
 * Exchange DNs that keep old mail and meeting replies deliverable, so dropping one is a real outage.
 *
 * AD compares proxyAddresses values case-insensitively (so `smtp:a@x` and `SMTP:a@x` are the same value
 * to LDAP), and so do Exchange and Entra ID for the address part; comparisons here ignore case on
 * the address and on the type, and only the SMTP prefix case is treated as significant.
 */
import { InvalidInputError } from "../errors";
import { SMTP_ADDRESS_MAX_LENGTH, smtpAddressProblems } from "./upn";

/** IdFix limit for one proxy address, prefix included (matching-rules §4.3). */
export const PROXY_ADDRESS_MAX_LENGTH = SMTP_ADDRESS_MAX_LENGTH;

const PREFIXED = /^([A-Za-z][A-Za-z0-9]*):(.*)$/s;
// IdFix InvalidX400/X500ProxyAddressRegex without "(" and ")": legacy Exchange DNs contain
// "(FYDIBOHF23SPDLT)", and IdFix 2.3.0.0 fixed exactly that false positive (matching-rules §4.3).
// Without "'" either: a legacy Exchange DN carries the alias (cn=o'neil…), and Entra Connect keeps it.
const X400_X500_FORBIDDEN = /[\f\n\r\t\v[\]"]/g;
// IdFix InvalidProxyAddressRegex, for types other than SMTP, X400 and X500.
const OTHER_TYPE_FORBIDDEN = /[\s<>(),[\]"']/g;

/** One parsed proxy address. */
export interface ProxyAddress {
  /** The prefix exactly as written, e.g. `SMTP`, `smtp`, `X500`. */
  prefix: string;
  /** The prefix in upper case: the address type, e.g. `SMTP`. */
  type: string;
  /** Everything after the first `:`, as written. */
  address: string;
  /** True for `SMTP:` (upper-case prefix): the primary SMTP address. */
  isPrimarySmtp: boolean;
}

/**
 * Splits `TYPE:address`.
 *
 * @throws InvalidInputError with code `PROXY_ADDRESS_MISSING_PREFIX` when there is no `TYPE:` prefix,
 *   or `PROXY_ADDRESS_EMPTY_ADDRESS` when nothing follows it.
 */
export function parseProxyAddress(value: string, property = "proxyAddresses"): ProxyAddress {
  const m = PREFIXED.exec(value);
  if (m === null) {
    throw new InvalidInputError(
      "PROXY_ADDRESS_MISSING_PREFIX",
      property,
      `proxyAddresses: ${JSON.stringify(value)} has no address type prefix. Write "SMTP:${value}" for ` +
        `the primary address or "smtp:${value}" for a secondary one; Entra Connect discards values ` +
        `without a prefix.`,
    );
  }
  const prefix = m[1] as string;
  const address = m[2] as string;
  if (address.length === 0) {
    throw new InvalidInputError(
      "PROXY_ADDRESS_EMPTY_ADDRESS",
      property,
      `proxyAddresses: ${JSON.stringify(value)} has nothing after "${prefix}:". Remove it or add the address.`,
    );
  }
  return { prefix, type: prefix.toUpperCase(), address, isPrimarySmtp: prefix === "SMTP" };
}

/** `TYPE:address` for a parsed value. */
export function formatProxyAddress(proxy: Pick<ProxyAddress, "prefix" | "address">): string {
  return `${proxy.prefix}:${proxy.address}`;
}

function sameAddress(a: ProxyAddress, b: ProxyAddress): boolean {
  return a.type === b.type && a.address.toLowerCase() === b.address.toLowerCase();
}

function tryParse(value: string): ProxyAddress | undefined {
  try {
    return parseProxyAddress(value);
  } catch {
    return undefined;
  }
}

function valueProblems(value: string, property: string): InvalidInputError[] {
  let proxy: ProxyAddress;
  try {
    proxy = parseProxyAddress(value, property);
  } catch (error) {
    return [error as InvalidInputError];
  }
  const problems: InvalidInputError[] = [];
  const quoted = JSON.stringify(value);
  if (value.length > PROXY_ADDRESS_MAX_LENGTH) {
    problems.push(
      new InvalidInputError(
        "PROXY_ADDRESS_TOO_LONG",
        property,
        `proxyAddresses: ${quoted} has ${value.length} characters; at most ${PROXY_ADDRESS_MAX_LENGTH} are allowed.`,
      ),
    );
  }
  if (proxy.type === "SMTP") {
    // The whole-value length was checked above; don't report it twice.
    problems.push(
      ...smtpAddressProblems(proxy.address, property, "PROXY_ADDRESS", "proxyAddresses", Infinity),
    );
    return problems;
  }
  const forbidden = proxy.address.match(
    proxy.type === "X400" || proxy.type === "X500" ? X400_X500_FORBIDDEN : OTHER_TYPE_FORBIDDEN,
  );
  if (forbidden !== null) {
    const chars = [...new Set(forbidden)].map((c) => JSON.stringify(c)).join(", ");
    problems.push(
      new InvalidInputError(
        "PROXY_ADDRESS_INVALID_CHARACTER",
        property,
        `proxyAddresses: ${quoted} contains ${chars}, which IdFix flags for ${proxy.type} addresses. Remove them.`,
      ),
    );
  }
  return problems;
}

/**
 * Every problem of a proxyAddresses value set; empty when valid. Per value: missing prefix, length
 * over 256, and IdFix's character rules (SMTP: whitespace `< > ( ) ; , [ ] " '` and RFC 2822 shape;
 * X400/X500: control characters and `[ ] " '`; others: whitespace `< > ( ) , [ ] " '`). Across values:
 * `PROXY_ADDRESS_MULTIPLE_PRIMARY` (more than one `SMTP:`) and `PROXY_ADDRESS_DUPLICATE` (same type and
 * address ignoring case, which AD would reject anyway).
 *
 * @param property - Argument path; each problem names `property[index]`.
 */
export function proxyAddressProblems(
  values: readonly string[],
  property = "proxyAddresses",
): InvalidInputError[] {
  const problems: InvalidInputError[] = [];
  const seen: ProxyAddress[] = [];
  const primaries: string[] = [];
  values.forEach((value, index) => {
    const path = `${property}[${index}]`;
    problems.push(...valueProblems(value, path));
    const proxy = tryParse(value);
    if (proxy === undefined) {
      return;
    }
    if (seen.some((s) => sameAddress(s, proxy))) {
      problems.push(
        new InvalidInputError(
          "PROXY_ADDRESS_DUPLICATE",
          path,
          `proxyAddresses: ${JSON.stringify(value)} repeats an earlier value (addresses compare ` +
            `case-insensitively). Keep one of them.`,
        ),
      );
    }
    seen.push(proxy);
    if (proxy.isPrimarySmtp) {
      primaries.push(value);
      if (primaries.length === 2) {
        problems.push(
          new InvalidInputError(
            "PROXY_ADDRESS_MULTIPLE_PRIMARY",
            path,
            `proxyAddresses: more than one primary address (${primaries.join(", ")}). Keep one "SMTP:" ` +
              `value and write the others as "smtp:".`,
          ),
        );
      }
    }
  });
  return problems;
}

/**
 * Returns `values` unchanged when {@link proxyAddressProblems} finds nothing.
 *
 * @throws InvalidInputError with the first problem's code.
 */
export function validateProxyAddresses(values: readonly string[], property = "proxyAddresses"): string[] {
  const [first] = proxyAddressProblems(values, property);
  if (first !== undefined) {
    throw first;
  }
  return [...values];
}

/** What the link wants in `proxyAddresses`; everything else is left alone. */
export interface DesiredProxyAddresses {
  /** Address to make the primary (`SMTP:`). Bare (`alice@contoso.com`) or `SMTP:`-prefixed. */
  primarySmtp?: string;
  /** Values that must be present. A bare address means `smtp:address`; other values need a prefix. */
  additional?: readonly string[];
}

/** Options of {@link planProxyAddresses}. */
export interface PlanProxyAddressesOptions {
  /** Argument path used in errors. Default `proxyAddresses`. */
  property?: string;
}

/** Result of {@link planProxyAddresses}. */
export interface ProxyAddressPlan {
  /** The values after the change: `current` without `remove`, then `add` appended. */
  result: string[];
  /** Values to add, in this order: the new primary, demoted primaries, missing additional values. */
  add: string[];
  /**
   * Values to delete, spelled exactly as in `current`. Apply in ONE LDAP modify with the delete before
   * the add: AD matches these values case-insensitively, so adding `SMTP:a@x` while `smtp:a@x` is still
   * present fails with attributeOrValueExists.
   */
  remove: string[];
}

function normalizeDesiredPrimary(value: string, property: string): string {
  const m = PREFIXED.exec(value);
  let address = value;
  if (m !== null) {
    if (m[1] !== "SMTP") {
      throw new InvalidInputError(
        "PROXY_ADDRESS_PRIMARY_PREFIX",
        property,
        `proxyAddresses: the primary SMTP address ${JSON.stringify(value)} must be a bare address or ` +
          `start with "SMTP:" (upper case); "${m[1]}:" does not denote a primary SMTP address.`,
      );
    }
    address = m[2] as string;
  }
  const [first] = smtpAddressProblems(address, property, "PROXY_ADDRESS", "proxyAddresses");
  if (first !== undefined) {
    throw first;
  }
  return address;
}

function normalizeAdditional(value: string, property: string): ProxyAddress {
  const proxy = PREFIXED.test(value) ? parseProxyAddress(value, property) : undefined;
  const full = proxy === undefined ? `smtp:${value}` : value;
  if (proxy?.isPrimarySmtp === true) {
    throw new InvalidInputError(
      "PROXY_ADDRESS_PRIMARY_IN_ADDITIONAL",
      property,
      `proxyAddresses: ${JSON.stringify(value)} is a primary address; set it as primarySmtp instead of ` +
        `listing it among the additional addresses.`,
    );
  }
  const [first] = valueProblems(full, property);
  if (first !== undefined) {
    throw first;
  }
  return parseProxyAddress(full, property);
}

/**
 * Plans the change of a user's `proxyAddresses`:
 *
 * - the desired primary becomes the only `SMTP:` value; if it exists as `smtp:` it is re-cased (old
 *   spelling removed, `SMTP:` spelling added); if it already is `SMTP:` with different letter case in
 *   the address it is left alone (the same address to AD, Exchange and Entra ID);
 * - any other `SMTP:` value is demoted to `smtp:` with the same address (kept, never dropped);
 * - every `additional` value is ensured present (ignoring case; an SMTP address counts as present
 *   whether it is primary or secondary);
 * - everything else (X500:, SIP:, other smtp:, even malformed values we don't own) stays untouched.
 *
 * A converged input yields empty `add` and `remove`.
 *
 * @throws InvalidInputError when `desired.primarySmtp` or an `additional` value is invalid (codes
 *   `PROXY_ADDRESS_*`, e.g. `PROXY_ADDRESS_PRIMARY_IN_ADDITIONAL`, `PROXY_ADDRESS_INVALID_CHARACTER`).
 */
export function planProxyAddresses(
  current: readonly string[],
  desired: DesiredProxyAddresses,
  options: PlanProxyAddressesOptions = {},
): ProxyAddressPlan {
  const property = options.property ?? "proxyAddresses";
  const parsed = current.map(tryParse);
  const removed = new Set<number>();
  const add: string[] = [];
  // The values as they will be, for "already present" checks.
  const planned = (): ProxyAddress[] => [
    ...parsed.filter((p, i): p is ProxyAddress => p !== undefined && !removed.has(i)),
    ...add.map((v) => parseProxyAddress(v)),
  ];

  if (desired.primarySmtp !== undefined) {
    const address = normalizeDesiredPrimary(desired.primarySmtp, `${property}.primarySmtp`);
    const wanted = parseProxyAddress(`SMTP:${address}`);
    const demotions: string[] = [];
    let primaryPresent = false;
    parsed.forEach((p, i) => {
      if (p === undefined || p.type !== "SMTP") {
        return;
      }
      if (sameAddress(p, wanted)) {
        if (p.isPrimarySmtp && !primaryPresent) {
          primaryPresent = true;
        } else {
          removed.add(i); // the secondary spelling (or a duplicate primary) of the wanted primary
        }
      } else if (p.isPrimarySmtp) {
        removed.add(i);
        demotions.push(`smtp:${p.address}`);
      }
    });
    if (!primaryPresent) {
      add.push(formatProxyAddress(wanted));
    }
    for (const demoted of demotions) {
      const d = parseProxyAddress(demoted);
      if (!planned().some((p) => sameAddress(p, d))) {
        add.push(demoted);
      }
    }
  }

  (desired.additional ?? []).forEach((value, index) => {
    const proxy = normalizeAdditional(value, `${property}.additional[${index}]`);
    if (!planned().some((p) => sameAddress(p, proxy))) {
      add.push(formatProxyAddress(proxy));
    }
  });

  return {
    result: [...current.filter((_, i) => !removed.has(i)), ...add],
    add,
    remove: current.filter((_, i) => removed.has(i)),
  };
}

/**
 * The primary SMTP address Entra Connect's proxy calculation derives from AD (matching-rules §2.1,
 * K3): the address of the `SMTP:` value if there is one (the first, should AD hold several), else
 * `mail` when `proxyAddresses` is empty (K3 scenario 2), else `null`.
 *
 * [UNCERTAIN] When proxyAddresses holds values but no `SMTP:` one, the doc does not say whether `mail`
 * is promoted; we return `null` so that callers never predict an SMTP soft match on a guess.
 */
export function primarySmtpOf(proxies: readonly string[], mail: string | null | undefined): string | null {
  for (const value of proxies) {
    const proxy = tryParse(value);
    if (proxy?.isPrimarySmtp === true) {
      return proxy.address;
    }
  }
  if (proxies.length === 0 && mail !== null && mail !== undefined && mail.length > 0) {
    return mail;
  }
  return null;
}

/**
 * The delta that puts back the proxy addresses of `before`, undoing only what the link did:
 * values the link added are removed, values it removed or re-cased come back, and values someone
 * else added since are kept.
 */
export function restoreProxyAddresses(
  current: string[],
  before: string[],
  addedByLink: string[],
): { add: string[]; remove: string[] } {
  const remove = current.filter((v) => addedByLink.includes(v) && !before.includes(v));
  const add = before.filter((v) => !current.includes(v));
  // AD compares proxy addresses case-insensitively: an old spelling must go before the other is added.
  const adding = new Set(add.map((v) => v.toLowerCase()));
  for (const v of current) {
    if (adding.has(v.toLowerCase()) && !remove.includes(v)) remove.push(v);
  }
  return { add, remove };
}
