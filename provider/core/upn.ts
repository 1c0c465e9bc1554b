/**
 * Syntax checks for user principal names and SMTP addresses, before anything is written to AD.
 *
 * UPN rules follow Entra ID's username policy (matching-rules §4.1): a UPN that breaks them is not
 * rejected by AD, but Entra Connect silently replaces it with `<mailNickname>@<tenant>.onmicrosoft.com`,
 * which defeats a UPN soft match. SMTP rules follow IdFix's multi-tenant checks (§4.3), because Entra
 * Connect's proxy calculation drops malformed addresses (§4.2) and with them an SMTP soft match.
 *
 * Each check returns every problem found (`*Problems`) so a plan can show them all at once; the
 * `validate*` functions throw the first one.
 */
import { InvalidInputError } from "../errors";

/** Entra username policy, matching-rules §4.1. */
export const UPN_MAX_LENGTH = 113;
/**
 * Characters allowed before the `@`. [UNCERTAIN] on the 64/48 split: Microsoft's policy page says
 * 64 before and 48 after the `@`; an IdFix code comment states them the other way round, and IdFix
 * itself only checks the total of 113 (matching-rules §4.3). We follow Microsoft's page.
 */
export const UPN_MAX_LOCAL_PART_LENGTH = 64;
/** Characters allowed after the `@`; see {@link UPN_MAX_LOCAL_PART_LENGTH} for the uncertainty. */
export const UPN_MAX_DOMAIN_LENGTH = 48;
/** IdFix limit for `mail` and each proxy address (matching-rules §4.3). */
export const SMTP_ADDRESS_MAX_LENGTH = 256;
/** RFC 5321 §4.5.3.1.1 limit of the local part of a mailbox. */
export const SMTP_MAX_LOCAL_PART_LENGTH = 64;

const UPN_LOCAL_ALLOWED = /^[A-Za-z0-9'.\-_!#^~]$/;
const NON_ASCII = /[^\u0000-\u007f]/gu;
// IdFix InvalidProxyAddressSMTPRegex, plus ":" (IdFix's fixer strips stray colons from SMTP addresses).
// The apostrophe is RFC 5322 atext (o'brien@contoso.com); Exchange Online and Entra ID accept it.
const SMTP_FORBIDDEN = /[<>();,[\]":]/g;
// IdFix Rfc2822Regex local part: dot-atom of these characters.
const SMTP_LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// IdFix requires an alphabetic TLD; punycode TLDs (xn--...) are accepted as well.
const TOP_LEVEL_LABEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

function distinct(chars: Iterable<string>): string {
  return [...new Set(chars)].map((c) => JSON.stringify(c)).join(", ");
}

/**
 * Why `domain` is not a usable DNS domain name for a UPN suffix or mail domain, or `undefined` if it
 * is: at least two labels, each 1-63 letters/digits/hyphens not starting or ending with a hyphen, an
 * alphabetic (or punycode) top-level label, at most 253 characters.
 */
export function domainNameProblem(domain: string): string | undefined {
  if (domain.length === 0) {
    return "the domain part is empty";
  }
  if (domain.length > 253) {
    return "the domain part is longer than 253 characters";
  }
  const labels = domain.split(".");
  if (labels.length < 2) {
    return `the domain "${domain}" has a single label; a UPN suffix or mail domain needs at least two`;
  }
  const bad = labels.find((l) => !DNS_LABEL.test(l));
  if (bad !== undefined) {
    return bad.length === 0
      ? `the domain "${domain}" has an empty label (leading, trailing or doubled ".")`
      : `the domain label "${bad}" is not valid (letters, digits and inner hyphens only, 1-63 characters)`;
  }
  const tld = labels[labels.length - 1] as string;
  if (!TOP_LEVEL_LABEL.test(tld)) {
    return `the top-level label "${tld}" must be letters only`;
  }
  return undefined;
}

/** Records one problem: its code, what is wrong (after the quoted value), and what to do. */
type AddProblem = (code: string, what: string, fix: string) => void;

/**
 * The parts before and after the one "@", or undefined (with `<prefix>MISSING_AT` or
 * `<prefix>MULTIPLE_AT` recorded) when there is none or more than one.
 */
function splitAtSign(
  value: string,
  add: AddProblem,
  prefix: string,
  writeAs: string,
): [string, string] | undefined {
  const at = value.split("@");
  if (at.length === 1) {
    add(`${prefix}MISSING_AT`, 'has no "@"', `Write it as ${writeAs}.`);
    return undefined;
  }
  if (at.length > 2) {
    add(`${prefix}MULTIPLE_AT`, `has ${at.length - 1} "@" characters`, 'Keep exactly one "@".');
    return undefined;
  }
  return at as [string, string];
}

const UPN_CONSEQUENCE =
  "Entra Connect would replace it with <mailNickname>@<tenant>.onmicrosoft.com and no UPN soft match could happen.";

/** The rules on the part before the "@" of a UPN. */
function upnLocalPartProblems(local: string, add: AddProblem): void {
  if (local.length === 0) {
    add("UPN_LOCAL_PART_EMPTY", 'has nothing before the "@"', "Put the user name before the @.");
    return;
  }
  const invalid = [...local].filter((c) => !/\s/.test(c) && c <= "\u007f" && !UPN_LOCAL_ALLOWED.test(c));
  if (invalid.length > 0) {
    add(
      "UPN_INVALID_CHARACTER",
      `contains ${distinct(invalid)} before the "@"`,
      `Only A-Z a-z 0-9 ' . - _ ! # ^ ~ are allowed there; ${UPN_CONSEQUENCE}`,
    );
  }
  if (local.startsWith(".")) {
    add("UPN_LEADING_DOT", 'starts with "."', "Remove the leading dot.");
  }
  if (local.endsWith(".")) {
    add("UPN_DOT_BEFORE_AT", 'has "." right before the "@"', "Remove that dot.");
  }
  // Not in Microsoft's policy text; IdFix's RFC 2822 check flags it and Exchange rejects such addresses.
  if (local.includes("..")) {
    add("UPN_CONSECUTIVE_DOTS", 'contains ".." before the "@"', "Use single dots.");
  }
  if (local.length > UPN_MAX_LOCAL_PART_LENGTH) {
    add(
      "UPN_LOCAL_PART_TOO_LONG",
      `has ${local.length} characters before the "@"`,
      `Entra ID allows at most ${UPN_MAX_LOCAL_PART_LENGTH} there; shorten it.`,
    );
  }
}

/** The rules on the suffix after the "@" of a UPN. */
function upnDomainProblems(domain: string, add: AddProblem): void {
  if (domain.length > UPN_MAX_DOMAIN_LENGTH) {
    add(
      "UPN_DOMAIN_TOO_LONG",
      `has ${domain.length} characters after the "@"`,
      `Entra ID allows at most ${UPN_MAX_DOMAIN_LENGTH} there; use a shorter UPN suffix.`,
    );
  }
  // Whitespace and non-ASCII were reported on the whole UPN; don't report the same characters twice.
  const domainProblem = /[\s\u0080-\uffff]/.test(domain) ? undefined : domainNameProblem(domain);
  if (domainProblem !== undefined) {
    add("UPN_INVALID_DOMAIN", `has an invalid suffix: ${domainProblem}`, "Use a routable, verified domain.");
  }
}

/**
 * Every reason `upn` breaks Entra ID's username policy; empty when it is valid. Codes:
 * `UPN_EMPTY`, `UPN_WHITESPACE`, `UPN_NON_ASCII_CHARACTER`, `UPN_MISSING_AT`, `UPN_MULTIPLE_AT`,
 * `UPN_LOCAL_PART_EMPTY`, `UPN_INVALID_CHARACTER`, `UPN_LEADING_DOT`, `UPN_DOT_BEFORE_AT`,
 * `UPN_CONSECUTIVE_DOTS`, `UPN_TOO_LONG`, `UPN_LOCAL_PART_TOO_LONG`, `UPN_DOMAIN_TOO_LONG`,
 * `UPN_INVALID_DOMAIN`.
 */
export function upnProblems(upn: string, property = "userPrincipalName"): InvalidInputError[] {
  const quoted = JSON.stringify(upn);
  const problems: InvalidInputError[] = [];
  const add: AddProblem = (code, what, fix) => {
    problems.push(new InvalidInputError(code, property, `userPrincipalName: ${quoted} ${what}. ${fix}`));
  };
  if (upn.length === 0) {
    add("UPN_EMPTY", "is empty", "Set a UPN of the form name@verified-domain.");
    return problems;
  }
  if (/\s/.test(upn)) {
    add("UPN_WHITESPACE", "contains whitespace", `Remove spaces and line breaks; ${UPN_CONSEQUENCE}`);
  }
  const nonAscii = upn.match(NON_ASCII);
  if (nonAscii !== null) {
    add(
      "UPN_NON_ASCII_CHARACTER",
      `contains ${distinct(nonAscii)} (accented or non-ASCII characters are not allowed)`,
      `Use A-Z a-z 0-9 ' . - _ ! # ^ ~ only, e.g. replace "é" with "e"; ${UPN_CONSEQUENCE}`,
    );
  }
  if (upn.length > UPN_MAX_LENGTH) {
    add(
      "UPN_TOO_LONG",
      `has ${upn.length} characters`,
      `Entra ID allows at most ${UPN_MAX_LENGTH}; shorten it.`,
    );
  }
  const parts = splitAtSign(upn, add, "UPN_", "name@verified-domain");
  if (parts === undefined) return problems;
  upnLocalPartProblems(parts[0], add);
  upnDomainProblems(parts[1], add);
  return problems;
}

/**
 * Returns `upn` unchanged when it satisfies Entra ID's username policy.
 *
 * @throws InvalidInputError with the first code of {@link upnProblems}.
 */
export function validateUpn(upn: string, property = "userPrincipalName"): string {
  const [first] = upnProblems(upn, property);
  if (first !== undefined) {
    throw first;
  }
  return upn;
}

/**
 * The UPN suffix (the part after the `@`) in lower case, as compared with the tenant's verified
 * domains (DNS names are case-insensitive).
 *
 * @throws InvalidInputError with code `UPN_MISSING_AT` or `UPN_MULTIPLE_AT`.
 */
export function upnSuffix(upn: string, property = "userPrincipalName"): string {
  const parts = upn.split("@");
  if (parts.length !== 2) {
    throw new InvalidInputError(
      parts.length === 1 ? "UPN_MISSING_AT" : "UPN_MULTIPLE_AT",
      property,
      `userPrincipalName: ${JSON.stringify(upn)} must contain exactly one "@".`,
    );
  }
  return (parts[1] as string).toLowerCase();
}

/**
 * Every reason `address` is not a usable SMTP address (IdFix multi-tenant SMTP rules, §4.3); empty
 * when it is valid. Codes are `<codePrefix>_EMPTY`, `_TOO_LONG`, `_WHITESPACE`,
 * `_NON_ASCII_CHARACTER`, `_INVALID_CHARACTER`, `_MISSING_AT`, `_MULTIPLE_AT`, `_INVALID_LOCAL_PART`,
 * `_LOCAL_PART_TOO_LONG`, `_INVALID_DOMAIN`.
 *
 * Note: IdFix flags `'` in SMTP addresses although RFC 5322 allows it. We accept it (issue 9): a
 * cloud mailbox `o'brien@contoso.com` exists, Entra Connect exports it, and refusing it would make
 * such users impossible to link (docs/matching-model.md P2).
 *
 * @param label - How the value is named in messages, e.g. `mail` or `proxyAddresses`.
 * @param maxLength - Limit for the whole value (the caller adds the `smtp:` prefix length if needed).
 */
export function smtpAddressProblems(
  address: string,
  property: string,
  codePrefix: string,
  label: string,
  maxLength = SMTP_ADDRESS_MAX_LENGTH,
): InvalidInputError[] {
  const quoted = JSON.stringify(address);
  const problems: InvalidInputError[] = [];
  const add: AddProblem = (code, what, fix) => {
    problems.push(
      new InvalidInputError(`${codePrefix}_${code}`, property, `${label}: ${quoted} ${what}. ${fix}`),
    );
  };
  if (address.length === 0) {
    add("EMPTY", "is empty", "Give an address of the form name@domain.");
    return problems;
  }
  if (address.length > maxLength) {
    add("TOO_LONG", `has ${address.length} characters`, `At most ${maxLength} are allowed; shorten it.`);
  }
  if (/\s/.test(address)) {
    add("WHITESPACE", "contains whitespace", "Remove spaces and line breaks.");
  }
  const nonAscii = address.match(NON_ASCII);
  if (nonAscii !== null) {
    add(
      "NON_ASCII_CHARACTER",
      `contains ${distinct(nonAscii)}`,
      "Use ASCII letters and digits; accented characters are rejected by IdFix's RFC 2822 check.",
    );
  }
  const forbidden = address.match(SMTP_FORBIDDEN);
  if (forbidden !== null) {
    add(
      "INVALID_CHARACTER",
      `contains ${distinct(forbidden)}`,
      `Remove them; < > ( ) ; , [ ] " : are not allowed in an SMTP address.`,
    );
  }
  const parts = splitAtSign(address, add, "", "name@domain");
  if (parts === undefined) return problems;
  const [local, domain] = parts;
  const atoms = local.split(".");
  if (local.length === 0 || atoms.some((a) => a.length === 0)) {
    add(
      "INVALID_LOCAL_PART",
      'has an empty part before the "@" (empty, leading/trailing dot or "..")',
      'Fix the part before the "@".',
    );
  } else if (
    !atoms.every((a) => SMTP_LOCAL_ATOM.test(a)) &&
    forbidden === null &&
    !/[\s\u0080-\uffff]/.test(local)
  ) {
    // Only reported when no more specific character problem was, to avoid two messages for one cause.
    add("INVALID_LOCAL_PART", 'has characters RFC 2822 does not allow before the "@"', "Remove them.");
  }
  if (local.length > SMTP_MAX_LOCAL_PART_LENGTH) {
    add(
      "LOCAL_PART_TOO_LONG",
      `has ${local.length} characters before the "@"`,
      `At most ${SMTP_MAX_LOCAL_PART_LENGTH} are allowed.`,
    );
  }
  const domainProblem = /[\s\u0080-\uffff]/.test(domain) ? undefined : domainNameProblem(domain);
  if (domainProblem !== undefined) {
    add("INVALID_DOMAIN", `has an invalid domain: ${domainProblem}`, "Use a valid mail domain.");
  }
  return problems;
}

/**
 * Every reason `mail` is not a usable value for AD `mail`; empty when valid. Codes `MAIL_*` as
 * {@link smtpAddressProblems}.
 */
export function mailAddressProblems(mail: string, property = "mail"): InvalidInputError[] {
  return smtpAddressProblems(mail, property, "MAIL", "mail");
}

/**
 * Returns `mail` unchanged when it is a usable SMTP address.
 *
 * @throws InvalidInputError with the first `MAIL_*` code of {@link mailAddressProblems}.
 */
export function validateMailAddress(mail: string, property = "mail"): string {
  const [first] = mailAddressProblems(mail, property);
  if (first !== undefined) {
    throw first;
  }
  return mail;
}
