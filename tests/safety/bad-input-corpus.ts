/**
 * The bad-input corpus: malformed and hostile inputs, each with the exact refusal it must get.
 * Pure data (no I/O); `bad-input-corpus.test.ts` runs every case against the real DC and the
 * emulator and proves that neither changed.
 *
 * Four entry points take user input: a UserLink's arguments (`link`), the provider's stack
 * configuration (`config`), the `ad-entra-link immutable-id` command (`cli`, the place anchors
 * are pasted in), and the links file of the root program (`linksFile`, cases in links-file-corpus.ts). Link arguments that pass validation but are hostile (LDAP filter metacharacters,
 * confusables, a DN outside the base) must still match nothing or be refused by a safety rule.
 */

import { LINKS_FILE_CASES } from "./links-file-corpus";

/** Facts about the test slice that cases may use (a real user they can aim at). */
export interface CorpusContext {
  /** sAMAccountName, DN, objectGUID and UPN of the AD copy of Adam. */
  adamSam: string;
  adamDn: string;
  adamGuid: string;
  adamUpn: string;
  /** UPN and id of Adam's cloud user. */
  adamCloudUpn: string;
  adamCloudId: string;
  /** The slice's OU (the provider's base DN). */
  ou: string;
  /** The DC's ldaps:// URL and its IP. */
  ldapUrl: string;
  dcIp: string;
  /** Alva's AD copy and cloud user: a second real user a hostile file may aim at. */
  alvaSam: string;
  alvaDn: string;
  alvaGuid: string;
  alvaUpn: string;
  alvaCloudUpn: string;
  alvaCloudId: string;
  /**
   * Secrets the test puts in its environment while links-file cases run (a fake client secret and
   * PULUMI_CONFIG_PASSPHRASE); no output may ever contain them.
   */
  secrets: { passphrase: string; clientSecret: string };
}

/**
 * One file system entry of a links-file case, relative to the project folder (`../x` lands next to
 * it, outside the project). Exactly one of text, bytes, sparseBytes, symlinkTo, fifo, directory.
 */
export interface LinksFileFixture {
  path: string;
  text?: (c: CorpusContext) => string;
  bytes?: (c: CorpusContext) => Buffer;
  /** A sparse file of this many bytes. */
  sparseBytes?: number;
  /** A symbolic link to this target (absolute, or relative to the link's folder). */
  symlinkTo?: string;
  fifo?: true;
  directory?: true;
}

/** One expected check failure: the property path and `<name> [<code>]: <message>`. */
export interface ExpectedFailure {
  property: string;
  name: string;
  code: string;
  /** The message (after `<name> [<code>]: `) must match this. */
  message: RegExp;
}

export type CorpusInput =
  | { kind: "link"; args: (c: CorpusContext) => Record<string, unknown> }
  | { kind: "config"; overrides: (c: CorpusContext) => Record<string, string | undefined> }
  | { kind: "cli"; argv: string[] }
  /** `ad-entra-link:linksFile` = `setting`, in a fresh project folder holding `files`. */
  | { kind: "linksFile"; setting: string; files: LinksFileFixture[] };

export interface CorpusCase {
  id: string;
  title: string;
  input: CorpusInput;
  /** For link inputs: the exact list of check failures, in order. */
  failures?: ExpectedFailure[];
  /**
   * For config inputs (and links the DC itself rejects): the error check throws instead of
   * returning failures, which stops preview just the same; for cli inputs: what parseAnchor throws.
   */
  error?: { name: string; code: string; message: RegExp };
  /** For a links file refused for its content: the exact problem codes, in the order reported. */
  problems?: string[];
  /** Text that must NOT appear in the error (e.g. a password pasted into a URL). */
  mustNotContain?: string;
  /** Also run through `pulumi up` with the real engine (a handful, to prove it surfaces the same). */
  viaEngine?: boolean;
}

/** A valid link (Adam → his cloud user) with some arguments replaced or removed (undefined). */
function adam(over: Record<string, unknown> = {}): (c: CorpusContext) => Record<string, unknown> {
  return (c) => {
    const args: Record<string, unknown> = {
      onPremises: { samAccountName: c.adamSam },
      cloud: { userPrincipalName: c.adamCloudUpn },
      ...over,
    };
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete args[k];
    return args;
  };
}

function onPrem(selector: Record<string, unknown> | string): (c: CorpusContext) => Record<string, unknown> {
  return (c) => ({ onPremises: selector, cloud: { userPrincipalName: c.adamCloudUpn } });
}

const fail = (property: string, name: string, code: string, message: RegExp): ExpectedFailure => ({
  property,
  name,
  code,
  message,
});
const invalid = (property: string, code: string, message: RegExp) =>
  fail(property, "InvalidInputError", code, message);
const notFound = (what: RegExp) => fail("onPremises", "NotFoundError", "AD_USER_NOT_FOUND", what);

const LONG = "x".repeat(5000);

export const BAD_INPUT_CORPUS: CorpusCase[] = [
  // ---- selectors: missing, empty, several, wrong shape -------------------------------------------
  {
    id: "sel-missing-onprem",
    title: "onPremises left out",
    input: { kind: "link", args: adam({ onPremises: undefined }) },
    failures: [
      invalid(
        "onPremises",
        "SELECTOR_MISSING",
        /^ad-entra-link: onPremises is required: give exactly one way to find the user\.$/,
      ),
    ],
  },
  {
    id: "sel-empty-object",
    title: "onPremises is {}",
    input: { kind: "link", args: onPrem({}) },
    failures: [
      invalid(
        "onPremises",
        "SELECTOR_MISSING",
        /^ad-entra-link: onPremises needs exactly one of samAccountName, distinguishedName, objectGuid, userPrincipalName\.$/,
      ),
    ],
  },
  {
    id: "sel-empty-sam",
    title: "samAccountName is the empty string",
    input: { kind: "link", args: onPrem({ samAccountName: "" }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "INPUT_EMPTY",
        /^ad-entra-link: onPremises\.samAccountName is empty\. Give a value or leave the property out\.$/,
      ),
    ],
  },
  {
    id: "sel-whitespace-sam",
    title: "samAccountName is only spaces and a tab",
    input: { kind: "link", args: onPrem({ samAccountName: "  \t " }) },
    failures: [invalid("onPremises.samAccountName", "INPUT_EMPTY", /onPremises\.samAccountName is empty/)],
  },
  {
    id: "sel-padded-sam",
    title: "samAccountName with a leading space (would silently select another user in some tools)",
    input: { kind: "link", args: (c) => onPrem({ samAccountName: ` ${c.adamSam}` })(c) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "INPUT_SURROUNDING_WHITESPACE",
        /^ad-entra-link: onPremises\.samAccountName " aanderson-[a-z0-9]+" has leading or trailing whitespace\.$/,
      ),
    ],
  },
  {
    id: "sel-two-at-once",
    title: "two on-premises selectors at once",
    input: { kind: "link", args: (c) => onPrem({ samAccountName: c.adamSam, objectGuid: c.adamGuid })(c) },
    failures: [
      invalid(
        "onPremises",
        "SELECTOR_MULTIPLE",
        /^ad-entra-link: onPremises has 2 selectors \(samAccountName, objectGuid\); give exactly one\.$/,
      ),
    ],
    viaEngine: true,
  },
  {
    id: "sel-two-cloud",
    title: "two cloud selectors at once",
    input: {
      kind: "link",
      args: adam({
        cloud: { userPrincipalName: "a@contoso.com", id: "0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01" },
      }),
    },
    failures: [
      invalid(
        "cloud",
        "SELECTOR_MULTIPLE",
        /^ad-entra-link: cloud has 2 selectors \(userPrincipalName, id\); give exactly one\.$/,
      ),
    ],
  },
  {
    id: "sel-unknown-key",
    title: "an unknown selector (mail) instead of a supported one",
    input: { kind: "link", args: onPrem({ mail: "adam@contoso.com" }) },
    failures: [
      invalid(
        "onPremises.mail",
        "SELECTOR_UNKNOWN",
        /^ad-entra-link: onPremises\.mail is not a selector; use one of samAccountName, distinguishedName, objectGuid, userPrincipalName\.$/,
      ),
    ],
  },
  {
    id: "sel-string-not-object",
    title: "onPremises given as a bare string",
    input: { kind: "link", args: onPrem("aanderson") },
    failures: [
      invalid(
        "onPremises",
        "SELECTOR_NOT_AN_OBJECT",
        /^ad-entra-link: onPremises must be an object such as \{ samAccountName: "jdoe" \}\.$/,
      ),
    ],
  },
  {
    id: "sel-number",
    title: "samAccountName given as a number",
    input: { kind: "link", args: onPrem({ samAccountName: 42 }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "INPUT_NOT_A_STRING",
        /^ad-entra-link: onPremises\.samAccountName must be a string\.$/,
      ),
    ],
  },
  {
    id: "sel-cloud-missing",
    title: "cloud left out",
    input: { kind: "link", args: adam({ cloud: undefined }) },
    failures: [invalid("cloud", "SELECTOR_MISSING", /^ad-entra-link: cloud is required/)],
  },
  // ---- sAMAccountName rules and LDAP filter metacharacters --------------------------------------
  {
    id: "sam-too-long",
    title: "sAMAccountName longer than AD's 20 characters",
    input: { kind: "link", args: onPrem({ samAccountName: "a".repeat(21) }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "SAM_ACCOUNT_NAME_TOO_LONG",
        /is longer than the 20 characters AD allows\.$/,
      ),
    ],
  },
  {
    id: "sam-wildcard",
    title: "LDAP wildcard * in sAMAccountName",
    input: { kind: "link", args: onPrem({ samAccountName: "aand*" }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "SAM_ACCOUNT_NAME_INVALID_CHARACTER",
        /^ad-entra-link: onPremises\.samAccountName "aand\*" contains a character AD does not allow in sAMAccountName/,
      ),
    ],
  },
  {
    id: "sam-backslash",
    title: "escape character \\ in sAMAccountName",
    input: { kind: "link", args: onPrem({ samAccountName: "aand\\2a" }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "SAM_ACCOUNT_NAME_INVALID_CHARACTER",
        /"aand\\2a" contains a character/,
      ),
    ],
  },
  {
    id: "sam-nul",
    title: "NUL byte in sAMAccountName (truncation attack)",
    input: { kind: "link", args: (c) => onPrem({ samAccountName: `${c.adamSam}\u0000x` })(c) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "INPUT_CONTROL_CHARACTER",
        /^ad-entra-link: onPremises\.samAccountName contains a control character \(e\.g\. NUL or a line break\)\.$/,
      ),
    ],
  },
  {
    id: "sam-filter-injection",
    title: "filter injection with parentheses: a)(objectClass=user",
    input: { kind: "link", args: onPrem({ samAccountName: "a)(|(cn=*" }) },
    failures: [
      invalid(
        "onPremises.samAccountName",
        "SAM_ACCOUNT_NAME_INVALID_CHARACTER",
        /contains a character AD does not allow/,
      ),
    ],
  },
  {
    id: "sam-parentheses",
    title: "parentheses are legal in sAMAccountName, so they reach LDAP escaped and match nothing",
    input: { kind: "link", args: onPrem({ samAccountName: "aanderson)(cn" }) },
    failures: [
      notFound(/^ad-entra-link: no Active Directory user matches samAccountName "aanderson\)\(cn" under /),
    ],
  },
  {
    id: "sam-confusable",
    title: "Cyrillic а (U+0430) in place of Latin a: must not find the real aanderson copy",
    input: { kind: "link", args: (c) => onPrem({ samAccountName: `\u0430${c.adamSam.slice(1)}` })(c) },
    failures: [notFound(/^ad-entra-link: no Active Directory user matches samAccountName "\u0430anderson-/)],
  },
  // ---- on-premises UPN / DN selectors: injection reaches LDAP only escaped -----------------------
  {
    id: "upn-sel-wildcard",
    title: "on-prem UPN selector *@corp.local (would match every copy unescaped)",
    input: { kind: "link", args: onPrem({ userPrincipalName: "*@corp.local" }) },
    failures: [notFound(/no Active Directory user matches userPrincipalName "\*@corp\.local"/)],
    viaEngine: true,
  },
  {
    id: "upn-sel-injection",
    title: "on-prem UPN selector closing the filter: x)(|(userPrincipalName=*@corp.local",
    input: { kind: "link", args: onPrem({ userPrincipalName: "x)(|(userPrincipalName=*@corp.local" }) },
    failures: [
      notFound(
        /no Active Directory user matches userPrincipalName "x\)\(\|\(userPrincipalName=\*@corp\.local"/,
      ),
    ],
  },
  {
    id: "upn-sel-escape",
    title: "on-prem UPN selector with a pre-escaped \\2a (must stay a literal backslash)",
    input: { kind: "link", args: onPrem({ userPrincipalName: "aanderson\\2a@corp.local" }) },
    failures: [notFound(/userPrincipalName "aanderson\\2a@corp\.local"/)],
  },
  {
    id: "upn-sel-no-at",
    title: "on-prem UPN selector without @",
    input: { kind: "link", args: onPrem({ userPrincipalName: "aanderson" }) },
    failures: [
      invalid(
        "onPremises.userPrincipalName",
        "UPN_INVALID_FORMAT",
        /^ad-entra-link: onPremises\.userPrincipalName "aanderson" is not of the form name@suffix\.$/,
      ),
    ],
  },
  {
    id: "dn-filter-chars",
    title: "DN with an unescaped filter payload: CN=x)(objectClass=*",
    input: { kind: "link", args: (c) => onPrem({ distinguishedName: `CN=x)(objectClass=*,${c.ou}` })(c) },
    // Valid RFC 4514, but the DC cannot use it as a search base (Samba: invalidDNSyntax, result 34):
    // no user can have such a DN, so it is reported as not found; nothing is read beyond it.
    failures: [
      notFound(
        /no Active Directory user matches distinguishedName "CN=x\)\(objectClass=\*,OU=t-sfc,DC=corp,DC=local"/,
      ),
    ],
  },
  {
    id: "dn-raw-semicolon",
    title: "DN injection with a raw ; (RDN separator of old syntaxes)",
    input: { kind: "link", args: (c) => onPrem({ distinguishedName: `CN=x;OU=y,${c.ou}` })(c) },
    failures: [
      invalid(
        "onPremises.distinguishedName",
        "DN_MALFORMED",
        /^dn: "CN=x;OU=y,OU=.*" is not a valid distinguished name: raw ";" at position 4 must be escaped\./,
      ),
    ],
  },
  {
    id: "dn-bad-escape",
    title: "DN with an invalid escape \\zz",
    input: { kind: "link", args: (c) => onPrem({ distinguishedName: `CN=a\\zz,${c.ou}` })(c) },
    failures: [
      invalid(
        "onPremises.distinguishedName",
        "DN_INVALID_ESCAPE",
        /is not a valid distinguished name: invalid escape at position 4\./,
      ),
    ],
  },
  {
    id: "dn-empty-value",
    title: "DN with an empty RDN value",
    input: { kind: "link", args: (c) => onPrem({ distinguishedName: `CN=,${c.ou}` })(c) },
    failures: [invalid("onPremises.distinguishedName", "DN_EMPTY_VALUE", /the value of CN is empty\./)],
  },
  {
    id: "dn-outside-base",
    title: "a real DN outside the base DN (the domain Administrator)",
    input: {
      kind: "link",
      args: onPrem({ distinguishedName: "CN=Administrator,CN=Users,DC=corp,DC=local" }),
    },
    failures: [
      fail(
        "onPremises",
        "SafetyBlockError",
        "AD_USER_OUTSIDE_ALLOWED_BASES",
        /^ad-entra-link: the Active Directory user CN=Administrator,CN=Users,DC=corp,DC=local is outside the allowed search bases \(OU=t-/,
      ),
    ],
    viaEngine: true,
  },
  {
    id: "dn-nul",
    title: "NUL in a DN",
    input: { kind: "link", args: (c) => onPrem({ distinguishedName: `${c.adamDn}\u0000` })(c) },
    failures: [
      invalid("onPremises.distinguishedName", "INPUT_CONTROL_CHARACTER", /contains a control character/),
    ],
  },
  // ---- GUIDs in the wrong format ----------------------------------------------------------------
  {
    id: "guid-no-dashes",
    title: "objectGuid without dashes",
    input: { kind: "link", args: onPrem({ objectGuid: "1b7a3c1e8f4d4c3a9a2b5e6f7d8c9b0a" }) },
    failures: [
      invalid(
        "onPremises.objectGuid",
        "GUID_INVALID_FORMAT",
        /^guid: "1b7a3c1e8f4d4c3a9a2b5e6f7d8c9b0a" is not a GUID\. Write it as 8-4-4-4-12 hex digits/,
      ),
    ],
  },
  {
    id: "guid-one-brace",
    title: "objectGuid with an unbalanced brace",
    input: { kind: "link", args: onPrem({ objectGuid: "{1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a" }) },
    failures: [invalid("onPremises.objectGuid", "GUID_INVALID_FORMAT", /is not a GUID/)],
  },
  {
    id: "guid-immutable-id",
    title: "an ImmutableId pasted where the objectGUID goes",
    input: { kind: "link", args: onPrem({ objectGuid: "Hjx6G02POkyaK15vfYybCg==" }) },
    failures: [
      invalid(
        "onPremises.objectGuid",
        "GUID_INVALID_FORMAT",
        /^guid: "Hjx6G02POkyaK15vfYybCg==" is not a GUID/,
      ),
    ],
  },
  {
    id: "guid-non-hex",
    title: "objectGuid with non-hex digits",
    input: { kind: "link", args: onPrem({ objectGuid: "zzzzzzzz-8f4d-4c3a-9a2b-5e6f7d8c9b0a" }) },
    failures: [invalid("onPremises.objectGuid", "GUID_INVALID_FORMAT", /is not a GUID/)],
  },
  {
    id: "cloud-id-braces",
    title: "cloud object id in braces",
    input: { kind: "link", args: adam({ cloud: { id: "{0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01}" } }) },
    failures: [
      invalid(
        "cloud.id",
        "GUID_BRACES",
        /^ad-entra-link: cloud\.id must be a plain object id without braces\.$/,
      ),
    ],
  },
  // ---- ImmutableIds pasted into the immutable-id command ------------------------------------------
  {
    id: "iid-base64url",
    title: "Base64url ImmutableId (- and _)",
    input: { kind: "cli", argv: ["immutable-id", "bAr_a1Wci02i5Ds_PA8dLg=="] },
    error: {
      name: "InvalidInputError",
      code: "IMMUTABLE_ID_BASE64URL",
      message:
        /uses the Base64url alphabet \("-" \/ "_"\); Entra ID uses standard Base64 \("\+" \/ "\/"\) and Graph rejects "_"\. Use "bAr\/a1Wci02i5Ds\/PA8dLg==" if the bytes are right\./,
    },
  },
  {
    id: "iid-text-encoded",
    title: "Base64 of the GUID's text instead of its bytes",
    input: { kind: "cli", argv: ["immutable-id", "MWI3YTNjMWUtOGY0ZC00YzNhLTlhMmItNWU2ZjdkOGM5YjBh"] },
    error: {
      name: "InvalidInputError",
      code: "IMMUTABLE_ID_TEXT_ENCODED",
      message:
        /is the Base64 of the text "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a", not of the GUID's 16 bytes\. The ImmutableId of that GUID is Hjx6G02POkyaK15vfYybCg==\./,
    },
  },
  {
    id: "iid-short",
    title: "ImmutableId that decodes to 3 bytes",
    input: { kind: "cli", argv: ["immutable-id", "QUJD"] },
    error: {
      name: "InvalidInputError",
      code: "IMMUTABLE_ID_WRONG_LENGTH",
      message: /"QUJD" decodes to 3 bytes/,
    },
  },
  {
    id: "iid-non-canonical",
    title: "ImmutableId with non-zero padding bits (same bytes, different string)",
    input: { kind: "cli", argv: ["immutable-id", "eFY0Erya8N4SNFZ4mrze8B=="] },
    error: {
      name: "InvalidInputError",
      code: "IMMUTABLE_ID_NON_CANONICAL",
      message: /is not the canonical Base64 of its bytes; Entra Connect would send eFY0Erya8N4SNFZ4mrze8A==/,
    },
  },
  {
    id: "iid-whitespace",
    title: "ImmutableId with a space picked up while copying",
    input: { kind: "cli", argv: ["immutable-id", "eFY0Erya8N4S NFZ4mrze8A=="] },
    error: { name: "InvalidInputError", code: "ANCHOR_WHITESPACE", message: /contains whitespace/ },
  },
  {
    id: "iid-hex-short",
    title: "octet string with 30 hex digits",
    input: { kind: "cli", argv: ["immutable-id", "78563412bc9af0de123456789abcde"] },
    error: {
      name: "InvalidInputError",
      code: "HEX_WRONG_LENGTH",
      message: /has 30 hex digits; the octet string of a GUID has exactly 32/,
    },
  },
  // ---- UPNs that break Entra's username rules -------------------------------------------------------
  {
    id: "upn-space",
    title: "planned UPN with a space",
    input: { kind: "link", args: adam({ userPrincipalName: "adam anderson@contoso.com" }) },
    failures: [
      invalid(
        "userPrincipalName",
        "UPN_WHITESPACE",
        /^userPrincipalName: "adam anderson@contoso\.com" contains whitespace\./,
      ),
    ],
  },
  {
    id: "upn-accent",
    title: "planned UPN with an accent",
    input: { kind: "link", args: adam({ userPrincipalName: "siobhán.obrien@contoso.com" }) },
    failures: [
      invalid(
        "userPrincipalName",
        "UPN_NON_ASCII_CHARACTER",
        /contains "á" \(accented or non-ASCII characters are not allowed\)/,
      ),
    ],
  },
  {
    id: "upn-two-at",
    title: "planned UPN with two @",
    input: { kind: "link", args: adam({ userPrincipalName: "adam@anderson@contoso.com" }) },
    failures: [
      invalid("userPrincipalName", "UPN_MULTIPLE_AT", /has 2 "@" characters\. Keep exactly one "@"\./),
    ],
  },
  {
    id: "upn-confusable",
    title: "planned UPN with a Cyrillic а (looks like adam.anderson@contoso.com)",
    input: { kind: "link", args: adam({ userPrincipalName: "\u0430dam.anderson@contoso.com" }) },
    failures: [
      invalid("userPrincipalName", "UPN_NON_ASCII_CHARACTER", /contains "а" \(accented or non-ASCII/),
    ],
  },
  {
    id: "upn-dot-before-at",
    title: "planned UPN with a dot right before @",
    input: { kind: "link", args: adam({ userPrincipalName: "adam.@contoso.com" }) },
    failures: [invalid("userPrincipalName", "UPN_DOT_BEFORE_AT", /has "\." right before the "@"/)],
  },
  {
    id: "upn-cloud-no-at",
    title: "cloud UPN selector without @",
    input: { kind: "link", args: adam({ cloud: { userPrincipalName: "adam.anderson" } }) },
    failures: [
      invalid(
        "cloud.userPrincipalName",
        "UPN_MISSING_AT",
        /^userPrincipalName: "adam\.anderson" has no "@"\./,
      ),
    ],
  },
  {
    id: "upn-too-long",
    title: "planned UPN of 130 characters",
    input: { kind: "link", args: adam({ userPrincipalName: `${"a".repeat(118)}@contoso.com` }) },
    failures: [
      invalid("userPrincipalName", "UPN_TOO_LONG", /has 130 characters\. Entra ID allows at most 113/),
      invalid("userPrincipalName", "UPN_LOCAL_PART_TOO_LONG", /has 118 characters before the "@"/),
    ],
  },
  {
    id: "value-very-long",
    title: "a 5000-character reason",
    input: { kind: "link", args: adam({ reason: LONG }) },
    failures: [
      invalid(
        "reason",
        "INPUT_TOO_LONG",
        /^ad-entra-link: reason is 5000 characters long \(at most 1024\)\.$/,
      ),
    ],
  },
  // ---- mail and proxy addresses ----------------------------------------------------------------------
  {
    id: "mail-prefixed",
    title: "mail given with an SMTP: prefix",
    input: { kind: "link", args: adam({ mail: "SMTP:adam.anderson@contoso.com" }) },
    failures: [
      invalid(
        "mail",
        "ADDRESS_HAS_PREFIX",
        /^ad-entra-link: mail "SMTP:adam\.anderson@contoso\.com" must be a bare address without a type prefix such as SMTP:\.$/,
      ),
    ],
  },
  {
    id: "smtp-parentheses",
    title: "primary SMTP address with parentheses",
    input: { kind: "link", args: adam({ primarySmtpAddress: "adam(anderson)@contoso.com" }) },
    failures: [invalid("primarySmtpAddress", "MAIL_INVALID_CHARACTER", /contains "\(", "\)"/)],
  },
  {
    id: "proxy-no-prefix",
    title: "proxy address without a type prefix",
    input: { kind: "link", args: adam({ additionalProxyAddresses: ["adam2@contoso.com"] }) },
    failures: [
      invalid(
        "additionalProxyAddresses[0]",
        "PROXY_ADDRESS_MISSING_PREFIX",
        /"adam2@contoso\.com" has no address type prefix\. Write "SMTP:adam2@contoso\.com" for the primary address or "smtp:adam2@contoso\.com" for a secondary one/,
      ),
    ],
  },
  {
    id: "proxy-two-primaries",
    title: "two primary SMTP: addresses",
    input: {
      kind: "link",
      args: adam({ additionalProxyAddresses: ["SMTP:a1@contoso.com", "SMTP:a2@contoso.com"] }),
    },
    failures: [
      invalid(
        "additionalProxyAddresses[1]",
        "PROXY_ADDRESS_MULTIPLE_PRIMARY",
        /more than one primary address \(SMTP:a1@contoso\.com, SMTP:a2@contoso\.com\)/,
      ),
      invalid(
        "additionalProxyAddresses",
        "PROXY_PRIMARY_NOT_ALLOWED",
        /must not contain a primary SMTP: address; set primarySmtpAddress instead\./,
      ),
    ],
  },
  {
    id: "proxy-not-a-list",
    title: "additionalProxyAddresses as a string",
    input: { kind: "link", args: adam({ additionalProxyAddresses: "smtp:a@contoso.com" }) },
    failures: [invalid("additionalProxyAddresses", "INPUT_NOT_A_LIST", /must be a list of strings\./)],
  },
  // ---- modes and switches -------------------------------------------------------------------------
  {
    id: "mode-unknown",
    title: "unknown match mode",
    input: { kind: "link", args: adam({ match: "medium" }) },
    failures: [
      invalid(
        "match",
        "INPUT_NOT_ALLOWED",
        /^ad-entra-link: match must be one of "soft", "hard" \(got "medium"\)\.$/,
      ),
    ],
  },
  {
    id: "mode-case",
    title: "match mode in the wrong case",
    input: { kind: "link", args: adam({ match: "HARD" }) },
    failures: [invalid("match", "INPUT_NOT_ALLOWED", /\(got "HARD"\)/)],
  },
  {
    id: "anchor-unknown",
    title: "unknown source anchor",
    input: { kind: "link", args: adam({ sourceAnchor: "objectSid" }) },
    failures: [
      invalid(
        "sourceAnchor",
        "INPUT_NOT_ALLOWED",
        /sourceAnchor must be one of "auto", "objectGUID", "mS-DS-ConsistencyGuid"/,
      ),
    ],
  },
  {
    id: "optin-as-string",
    title: 'allowPrivilegedCloudUser as the string "true" (must not count as an opt-in)',
    input: { kind: "link", args: adam({ allowPrivilegedCloudUser: "true" }) },
    failures: [
      invalid(
        "allowPrivilegedCloudUser",
        "INPUT_NOT_A_BOOLEAN",
        /allowPrivilegedCloudUser must be true or false\./,
      ),
    ],
  },
  {
    id: "contradictory-anchor",
    title: "writeConsistencyGuid with sourceAnchor objectGUID",
    input: { kind: "link", args: adam({ writeConsistencyGuid: true, sourceAnchor: "objectGUID" }) },
    failures: [
      invalid(
        "writeConsistencyGuid",
        "INPUT_CONTRADICTORY",
        /writeConsistencyGuid: true contradicts sourceAnchor "objectGUID"/,
      ),
    ],
  },
  // ---- configuration ------------------------------------------------------------------------------
  {
    id: "cfg-plain-ldap",
    title: "plain ldap:// without StartTLS",
    input: { kind: "config", overrides: (c) => ({ "ad-entra-link:ldapUrl": `ldap://${c.dcIp}:389` }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_PLAINTEXT_LDAP",
      message:
        /ad-entra-link:ldapUrl uses plain ldap:\/\/ without StartTLS; the bind password would cross the network in clear text/,
    },
    viaEngine: true,
  },
  {
    id: "cfg-url-credentials",
    title: "credentials pasted into the LDAP URL",
    input: {
      kind: "config",
      overrides: (c) => ({ "ad-entra-link:ldapUrl": `ldaps://admin:Hunter2-Pasted@${c.dcIp}:636` }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message:
        /ad-entra-link:ldapUrl must not carry credentials; use ad-entra-link:ldapBindDn and ad-entra-link:ldapBindPassword\./,
    },
    mustNotContain: "Hunter2-Pasted",
  },
  {
    id: "cfg-http-url",
    title: "an http:// URL as the DC",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:ldapUrl": "http://dc1.corp.local" }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /must start with ldaps:\/\/ \(or ldap:\/\/ with StartTLS\), got http:\/\//,
    },
  },
  {
    id: "cfg-two-credentials",
    title: "client secret and client certificate both configured",
    input: {
      kind: "config",
      overrides: () => ({ "ad-entra-link:clientCertificatePath": "/nonexistent/cert.pem" }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_CONTRADICTORY",
      message:
        /more than one Entra ID credential is configured \(clientSecret, clientCertificate\)\. Keep one, or choose with ad-entra-link:credential\./,
    },
  },
  {
    id: "cfg-credential-without-material",
    title: "credential clientCertificate chosen, but only a client secret given",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:credential": "clientCertificate" }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_MISSING",
      message: /the client certificate \(PEM path\) is not configured/,
    },
  },
  {
    id: "cfg-two-cas",
    title: "CA given inline and as a path",
    input: {
      kind: "config",
      overrides: () => ({
        "ad-entra-link:ldapCaCertificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
      }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_CONTRADICTORY",
      message:
        /both ad-entra-link:ldapCaCertificate and ad-entra-link:ldapCaCertificatePath are set; keep one\./,
    },
  },
  {
    id: "cfg-missing-password",
    title: "LDAP bind password missing",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:ldapBindPassword": undefined }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_MISSING",
      message:
        /the LDAP bind password is not configured\. Set `pulumi config set ad-entra-link:ldapBindPassword …` --secret or the environment variable AD_ENTRA_LINK_LDAP_BIND_PASSWORD\./,
    },
  },
  {
    id: "cfg-missing-tenant",
    title: "tenant id missing",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:tenantId": undefined }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_MISSING",
      message: /the Entra ID tenant id is not configured/,
    },
  },
  {
    id: "cfg-bad-tenant",
    title: "tenant id that is neither a GUID nor a domain",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:tenantId": "contoso tenant" }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /ad-entra-link:tenantId must be the tenant's GUID or its domain name\./,
    },
  },
  {
    id: "cfg-insecure-typo",
    title: 'ldapTlsInsecureSkipVerify "yes" (a typo must not switch verification off)',
    input: { kind: "config", overrides: () => ({ "ad-entra-link:ldapTlsInsecureSkipVerify": "yes" }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message:
        /ad-entra-link:ldapTlsInsecureSkipVerify must be true or false \(got a value of 3 characters\)\./,
    },
  },
  {
    id: "cfg-graph-http",
    title: "Graph base URL over plain http",
    input: {
      kind: "config",
      overrides: () => ({ "ad-entra-link:graphBaseUrl": "http://graph.microsoft.com" }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /ad-entra-link:graphBaseUrl must be an https:\/\/ URL \(got http:\/\/\)\./,
    },
  },
  {
    id: "cfg-bases-json",
    title: "allowedSearchBases that looks like JSON but is not",
    input: {
      kind: "config",
      overrides: () => ({ "ad-entra-link:allowedSearchBases": '["OU=Staff,DC=corp,DC=local"' }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /ad-entra-link:allowedSearchBases looks like a JSON list but does not parse/,
    },
  },
  {
    id: "cfg-timeout",
    title: "LDAP timeout of 10 ms",
    input: { kind: "config", overrides: () => ({ "ad-entra-link:ldapTimeoutInMs": "10" }) },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /ldapTimeoutInMs must be an integer number of milliseconds between 1000 and 600000\./,
    },
  },
  {
    id: "cfg-ca-not-pem",
    title: "CA certificate that is not PEM",
    input: {
      kind: "config",
      overrides: () => ({
        "ad-entra-link:ldapCaCertificatePath": undefined,
        "ad-entra-link:ldapCaCertificate": "MIIB...",
      }),
    },
    error: {
      name: "ConfigurationError",
      code: "CONFIG_INVALID",
      message: /the LDAP CA certificate \(config\) is not PEM text with a "BEGIN CERTIFICATE" block\./,
    },
  },
  // ---- links file (root program): links-file-corpus.ts ------------------------------------------
  ...LINKS_FILE_CASES,
];
