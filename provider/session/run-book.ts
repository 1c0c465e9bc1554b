/**
 * What one provider process remembers across the methods of a run: Pulumi calls check for every
 * link, then diff, create and update, in the same process. Which link claimed which object or value
 * (two links must never share one), which links were checked, what each resolved to, and who
 * declares each link by its selectors.
 */
import { InvalidInputError, SafetyBlockError } from "../errors";
import type { Resolution } from "../link/resolution";
import { type LinkIdentity, linkIdentityOf } from "../link/identity";
import type { CheckedLink } from "../link/engine";
import type { ResolvedIdentity } from "../link/types";

/** A refusal and the input property it is reported on. */
export interface Refusal {
  error: SafetyBlockError;
  property: string;
}

/** Which link claimed which object in this process: two links must never share one. */
const claims = new Map<string, Set<string>>();

/** Links checked by this provider process (preview and up check every link; refresh checks none). */
const checkedLinks = new Set<string>();

/** Links named in a claim conflict of this run: create/update refuses them (no write for any of them). */
const conflicted = new Set<string>();

/** The objects each link checked in this process resolved to: diff compares them with the state's. */
const resolvedNow = new Map<string, ResolvedIdentity>();

/** What each link's check read and judged, for create/update of the same declaration (engine.apply). */
const checkedNow = new Map<string, CheckedLink>();

/**
 * Who declares each link checked in this process, by its selectors: Pulumi calls check before
 * create and update in the same provider process, and two links with the same selectors are
 * refused (DUPLICATE_CLAIM), so the selectors identify the link.
 */
const identities = new Map<string, LinkIdentity>();

type ClaimKind = "ad" | "cloud" | "upn" | "address";
const CLAIM_WHAT: Record<ClaimKind, string> = {
  ad: "Active Directory user",
  cloud: "cloud user",
  upn: "userPrincipalName",
  address: "SMTP address",
};

function claim(kind: ClaimKind, key: string, linkName: string, property: string): Refusal | undefined {
  const k = `${kind}:${key.toLowerCase()}`;
  const holders = claims.get(k) ?? new Set<string>();
  holders.add(linkName);
  claims.set(k, holders);
  const others = [...holders].filter((h) => h !== linkName);
  if (others.length === 0) return undefined;
  // Every link involved is refused: this one now, and the others when `up` re-checks or creates them.
  for (const other of others) conflicted.add(other);
  conflicted.add(linkName);
  const error = new SafetyBlockError(
    "DUPLICATE_CLAIM",
    `ad-entra-link: links ${namesOf([...holders])} ${holders.size === 2 ? "both" : "all"} claim the ${CLAIM_WHAT[kind]} ${key}. One object or value can belong to one link only; change or remove all but one of them. Nothing was written.`,
  );
  return { error, property };
}

/** `"a" and "b"`, `"a", "b" and "c"`. */
function namesOf(names: string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length < 2
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** Every object and value a resolved link claims in this run (docs/matching-model.md §3). */
export function claimsOf(r: Resolution, linkName: string): Refusal[] {
  const objects = [
    claim("ad", r.ad.objectGuid, linkName, "onPremises"),
    claim("cloud", r.cloud.id, linkName, "cloud"),
  ].filter((f): f is Refusal => f !== undefined);
  const values = [
    claim("upn", r.plan.target.userPrincipalName, linkName, "userPrincipalName"),
    ...r.exported.allSmtp.map((a) => claim("address", a, linkName, "onPremises")),
  ].filter((f): f is Refusal => f !== undefined);
  // Two links of one object also share its values: name the object, not each of its values.
  return objects.length > 0 ? objects : values;
}

/** True when the link is named in a claim conflict of this run. */
export function isConflicted(linkName: string): boolean {
  return conflicted.has(linkName);
}

export function noteChecked(linkName: string): void {
  checkedLinks.add(linkName);
}

export function wasChecked(linkName: string): boolean {
  return checkedLinks.has(linkName);
}

export function noteResolved(linkName: string, identity: ResolvedIdentity): void {
  resolvedNow.set(linkName, identity);
}

export function resolvedOf(linkName: string): ResolvedIdentity | undefined {
  return resolvedNow.get(linkName);
}

/** Remembers what the check of `linkName` read and judged (it replaces an earlier check's; undefined forgets it). */
export function noteCheckedLink(linkName: string, checked: CheckedLink | undefined): void {
  if (checked === undefined) checkedNow.delete(linkName);
  else checkedNow.set(linkName, checked);
}

/** What this process's check of `linkName` read and judged, if it checked this declaration. */
export function checkedLinkOf(linkName: string, declarationKey: string): CheckedLink | undefined {
  const c = checkedNow.get(linkName);
  return c !== undefined && c.declarationKey === declarationKey ? c : undefined;
}

function selectorKey(props: Record<string, unknown>): string {
  return JSON.stringify([props["onPremises"], props["cloud"]]);
}

/** Records who declares the link with these selectors (check, from the program's `link`). */
export function noteIdentity(
  selectors: { onPremises: unknown; cloud: unknown },
  identity: LinkIdentity,
): void {
  identities.set(selectorKey(selectors), identity);
}

/** The name of the link with these inputs: as check recorded it, else from the inputs themselves. */
export function linkNameOf(inputs: Record<string, unknown>): string {
  return identities.get(selectorKey(inputs))?.name ?? linkIdentityOf(inputs).name;
}

/** The link's identity: in its inputs (tests, states before 0.3.0), else recorded by check. */
export function identityFor(inputs: Record<string, unknown>): LinkIdentity {
  // What check recorded wins: it came from the `link` the program set after the arguments.
  const known = identities.get(selectorKey(inputs));
  if (known === undefined && (inputs["link"] !== undefined || inputs["linkName"] !== undefined)) {
    return linkIdentityOf(inputs);
  }
  if (known === undefined) {
    throw new InvalidInputError(
      "LINK_NOT_CHECKED",
      "(inputs)",
      "ad-entra-link: this link was not checked in this run, so its stack and name are unknown; nothing was written. Run `pulumi up` again.",
    );
  }
  return known;
}

/** Forgets the run (tests and benchmarks start the next run in the same process). */
export function clearRunBook(): void {
  claims.clear();
  conflicted.clear();
  checkedLinks.clear();
  resolvedNow.clear();
  checkedNow.clear();
  identities.clear();
}
