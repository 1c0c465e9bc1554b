/**
 * Validates a link's declaration before any directory is read: every problem is reported at once,
 * each with its property path, so a bad input fails at preview and nothing is written.
 */
import { normalizeGuid } from "../core/guid";
import { parseDn } from "../core/ldap-escape";
import { proxyAddressProblems } from "../core/proxy-addresses";
import { mailAddressProblems, upnProblems } from "../core/upn";
import { InvalidInputError } from "../errors";
import type { MatchMode, OnDelete, SourceAnchorChoice, UserLinkDeclaration } from "./types";

// Unknown values are checked apart from the declaration rules; re-exported for existing importers.
export { UNKNOWN_VALUE, unknownPaths } from "./unknowns";

export interface InputFailure {
  property: string;
  error: InvalidInputError;
}

const MAX_VALUE_LENGTH = 1024;
const SAM_ACCOUNT_NAME_FORBIDDEN = /["/\\[\]:;|=,+*?<>@]/;
// Control characters (incl. NUL) never belong in a selector; they are a classic injection vector.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function fail(failures: InputFailure[], code: string, property: string, message: string): void {
  failures.push({ property, error: new InvalidInputError(code, property, `ad-entra-link: ${message}`) });
}

function optionalString(
  failures: InputFailure[],
  raw: Record<string, unknown>,
  key: string,
  property: string,
): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    fail(failures, "INPUT_NOT_A_STRING", property, `${property} must be a string.`);
    return undefined;
  }
  if (v.trim() === "") {
    fail(failures, "INPUT_EMPTY", property, `${property} is empty. Give a value or leave the property out.`);
    return undefined;
  }
  if (v !== v.trim()) {
    fail(
      failures,
      "INPUT_SURROUNDING_WHITESPACE",
      property,
      `${property} "${v}" has leading or trailing whitespace.`,
    );
    return undefined;
  }
  if (v.length > MAX_VALUE_LENGTH) {
    fail(
      failures,
      "INPUT_TOO_LONG",
      property,
      `${property} is ${v.length} characters long (at most ${MAX_VALUE_LENGTH}).`,
    );
    return undefined;
  }
  if (CONTROL_CHARACTERS.test(v)) {
    fail(
      failures,
      "INPUT_CONTROL_CHARACTER",
      property,
      `${property} contains a control character (e.g. NUL or a line break).`,
    );
    return undefined;
  }
  return v;
}

function oneOf<T extends string>(
  failures: InputFailure[],
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  fail(
    failures,
    "INPUT_NOT_ALLOWED",
    key,
    `${key} must be one of ${allowed.map((a) => `"${a}"`).join(", ")} (got ${JSON.stringify(v)?.slice(0, 60)}).`,
  );
  return fallback;
}

function bool(failures: InputFailure[], raw: Record<string, unknown>, key: string): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  fail(failures, "INPUT_NOT_A_BOOLEAN", key, `${key} must be true or false.`);
  return false;
}

/** The selector object, or undefined (with its failure recorded) when it is missing or not an object. */
function selectorObject(
  failures: InputFailure[],
  raw: Record<string, unknown>,
  key: string,
): Record<string, unknown> | undefined {
  const v = raw[key];
  if (v === undefined || v === null) {
    fail(failures, "SELECTOR_MISSING", key, `${key} is required: give exactly one way to find the user.`);
    return undefined;
  }
  if (typeof v !== "object" || Array.isArray(v)) {
    fail(
      failures,
      "SELECTOR_NOT_AN_OBJECT",
      key,
      `${key} must be an object such as { samAccountName: "jdoe" }.`,
    );
    return undefined;
  }
  return v as Record<string, unknown>;
}

function exactlyOne(
  failures: InputFailure[],
  obj: Record<string, unknown> | undefined,
  key: string,
  allowed: string[],
): string | undefined {
  // One failure per cause: a missing or malformed selector object was reported already.
  if (obj === undefined) return undefined;
  const unknownKeys = Object.keys(obj).filter((k) => !allowed.includes(k) && obj[k] !== undefined);
  for (const k of unknownKeys) {
    fail(
      failures,
      "SELECTOR_UNKNOWN",
      `${key}.${k}`,
      `${key}.${k} is not a selector; use one of ${allowed.join(", ")}.`,
    );
  }
  const given = allowed.filter((k) => obj[k] !== undefined && obj[k] !== null);
  if (given.length === 0 && unknownKeys.length === 0) {
    fail(failures, "SELECTOR_MISSING", key, `${key} needs exactly one of ${allowed.join(", ")}.`);
    return undefined;
  }
  if (given.length > 1) {
    fail(
      failures,
      "SELECTOR_MULTIPLE",
      key,
      `${key} has ${given.length} selectors (${given.join(", ")}); give exactly one.`,
    );
    return undefined;
  }
  return given[0];
}

/** Runs `check`, recording an InvalidInputError it throws as a failure (anything else propagates). */
function collect(failures: InputFailure[], property: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof InvalidInputError) failures.push({ property, error: err });
    else throw err;
  }
}

/** Records each problem as a failure of `property`; true when there were none. */
function noProblems(
  failures: InputFailure[],
  property: string,
  problems: readonly InvalidInputError[],
): boolean {
  for (const p of problems) failures.push({ property, error: p });
  return problems.length === 0;
}

/** A sAMAccountName AD would accept: at most 20 characters, none of the forbidden ones. */
function samAccountNameOk(failures: InputFailure[], property: string, value: string): boolean {
  if (value.length > 20) {
    fail(
      failures,
      "SAM_ACCOUNT_NAME_TOO_LONG",
      property,
      `${property} "${value.slice(0, 40)}…" is longer than the 20 characters AD allows.`,
    );
    return false;
  }
  if (SAM_ACCOUNT_NAME_FORBIDDEN.test(value)) {
    fail(
      failures,
      "SAM_ACCOUNT_NAME_INVALID_CHARACTER",
      property,
      `${property} "${value}" contains a character AD does not allow in sAMAccountName (" / \\ [ ] : ; | = , + * ? < > @).`,
    );
    return false;
  }
  return true;
}

/** The on-premises selector: exactly one of its four keys, its value checked for that key. */
function onPremisesSelector(
  failures: InputFailure[],
  raw: Record<string, unknown>,
): UserLinkDeclaration["onPremises"] {
  const obj = selectorObject(failures, raw, "onPremises");
  const key = exactlyOne(failures, obj, "onPremises", [
    "samAccountName",
    "distinguishedName",
    "objectGuid",
    "userPrincipalName",
  ]);
  const onPremises: UserLinkDeclaration["onPremises"] = {};
  if (key === undefined) return onPremises;
  const property = `onPremises.${key}`;
  const value = optionalString(failures, obj!, key, property);
  if (value === undefined) return onPremises;
  collect(failures, property, () => {
    if (key === "objectGuid") onPremises.objectGuid = normalizeGuid(value, property);
    else if (key === "distinguishedName") {
      parseDn(value, property);
      onPremises.distinguishedName = value;
    } else if (key === "samAccountName") {
      if (samAccountNameOk(failures, property, value)) onPremises.samAccountName = value;
    } else if (!/^[^@\s]+@[^@\s]+$/.test(value)) {
      // On-prem UPNs may use non-routable suffixes (corp.local), so only the shape is checked.
      fail(
        failures,
        "UPN_INVALID_FORMAT",
        property,
        `${property} "${value}" is not of the form name@suffix.`,
      );
    } else onPremises.userPrincipalName = value;
  });
  return onPremises;
}

/** The cloud selector: a UPN Entra ID accepts, or an object id without braces. */
function cloudSelector(failures: InputFailure[], raw: Record<string, unknown>): UserLinkDeclaration["cloud"] {
  const obj = selectorObject(failures, raw, "cloud");
  const key = exactlyOne(failures, obj, "cloud", ["userPrincipalName", "id"]);
  const cloud: UserLinkDeclaration["cloud"] = {};
  if (key === undefined) return cloud;
  const property = `cloud.${key}`;
  const value = optionalString(failures, obj!, key, property);
  if (value === undefined) return cloud;
  if (key === "id") {
    collect(failures, property, () => {
      cloud.id = normalizeGuid(value, property);
      if (/[{}]/.test(value))
        throw new InvalidInputError(
          "GUID_BRACES",
          property,
          `ad-entra-link: ${property} must be a plain object id without braces.`,
        );
    });
  } else if (noProblems(failures, property, upnProblems(value, property))) {
    cloud.userPrincipalName = value;
  }
  return cloud;
}

type LinkOptions = Pick<
  UserLinkDeclaration,
  "match" | "sourceAnchor" | "writeConsistencyGuid" | "onDelete" | "allowPrivilegedCloudUser"
>;

/** The link's modes and switches, defaulted, with the one contradiction between them. */
function linkOptions(failures: InputFailure[], raw: Record<string, unknown>): LinkOptions {
  const match = oneOf<MatchMode>(failures, raw, "match", ["soft", "hard"], "soft");
  const sourceAnchor = oneOf<SourceAnchorChoice>(
    failures,
    raw,
    "sourceAnchor",
    ["auto", "objectGUID", "mS-DS-ConsistencyGuid"],
    "auto",
  );
  const onDelete = oneOf<OnDelete>(failures, raw, "onDelete", ["retain", "restore"], "retain");
  const writeConsistencyGuid = bool(failures, raw, "writeConsistencyGuid");
  const allowPrivilegedCloudUser = bool(failures, raw, "allowPrivilegedCloudUser");
  if (writeConsistencyGuid && sourceAnchor === "objectGUID") {
    fail(
      failures,
      "INPUT_CONTRADICTORY",
      "writeConsistencyGuid",
      `writeConsistencyGuid: true contradicts sourceAnchor "objectGUID"; use "auto" or "mS-DS-ConsistencyGuid".`,
    );
  }
  return { match, sourceAnchor, writeConsistencyGuid, onDelete, allowPrivilegedCloudUser };
}

/** The target UPN, mail and primary SMTP address the link writes, each checked; set on `decl`. */
function targetAddresses(
  failures: InputFailure[],
  raw: Record<string, unknown>,
  decl: UserLinkDeclaration,
): void {
  const upn = optionalString(failures, raw, "userPrincipalName", "userPrincipalName");
  if (upn !== undefined && noProblems(failures, "userPrincipalName", upnProblems(upn, "userPrincipalName"))) {
    decl.userPrincipalName = upn;
  }
  for (const key of ["mail", "primarySmtpAddress"] as const) {
    const v = optionalString(failures, raw, key, key);
    if (v === undefined) continue;
    if (/^[a-z0-9]+:/i.test(v)) {
      fail(
        failures,
        "ADDRESS_HAS_PREFIX",
        key,
        `${key} "${v}" must be a bare address without a type prefix such as SMTP:.`,
      );
      continue;
    }
    if (noProblems(failures, key, mailAddressProblems(v, key))) decl[key] = v;
  }
}

/** The extra proxy addresses: a list of strings, none primary; undefined when not given or not a list. */
function additionalProxyAddresses(
  failures: InputFailure[],
  raw: Record<string, unknown>,
): string[] | undefined {
  const additional = raw["additionalProxyAddresses"];
  if (additional === undefined || additional === null) return undefined;
  if (!Array.isArray(additional)) {
    fail(
      failures,
      "INPUT_NOT_A_LIST",
      "additionalProxyAddresses",
      "additionalProxyAddresses must be a list of strings.",
    );
    return undefined;
  }
  const values: string[] = [];
  additional.forEach((item, i) => {
    if (typeof item !== "string") {
      fail(
        failures,
        "INPUT_NOT_A_STRING",
        `additionalProxyAddresses[${i}]`,
        `additionalProxyAddresses[${i}] must be a string.`,
      );
    } else values.push(item);
  });
  for (const p of proxyAddressProblems(values, "additionalProxyAddresses")) {
    failures.push({ property: p.property, error: p });
  }
  if (values.some((v) => v.startsWith("SMTP:"))) {
    fail(
      failures,
      "PROXY_PRIMARY_NOT_ALLOWED",
      "additionalProxyAddresses",
      "additionalProxyAddresses must not contain a primary SMTP: address; set primarySmtpAddress instead.",
    );
  }
  return values;
}

/** Validates and normalizes a declaration. Returns failures instead of throwing, to report all at once. */
export function validateDeclaration(raw: Record<string, unknown>): {
  decl?: UserLinkDeclaration;
  failures: InputFailure[];
} {
  const failures: InputFailure[] = [];
  const onPremises = onPremisesSelector(failures, raw);
  const cloud = cloudSelector(failures, raw);
  const decl: UserLinkDeclaration = { onPremises, cloud, ...linkOptions(failures, raw) };
  targetAddresses(failures, raw, decl);
  const additional = additionalProxyAddresses(failures, raw);
  if (additional !== undefined) decl.additionalProxyAddresses = additional;
  const reason = optionalString(failures, raw, "reason", "reason");
  if (reason !== undefined) decl.reason = reason;
  return failures.length === 0 ? { decl, failures } : { failures };
}
