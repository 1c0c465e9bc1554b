/**
 * The simulator's own view of every cloud object that can hold a unique value: users, groups and
 * organizational contacts (live), and soft-deleted users (the recycle bin, for hard match row 7).
 *
 * proxyAddresses (and UPNs) are unique across users, groups and contacts (G1; E5 "unique across
 * users, groups and contacts"), so uniqueness here covers all three types. The model's `proxyOwner`
 * looks at users only and is deliberately not used. Independent of provider/** (the simulator is the
 * oracle the predictor is checked against).
 */
import {
  type CloudContact,
  type CloudGroup,
  type CloudUser,
  type DeletedCloudUser,
  proxyAddressPart,
  proxyType,
  type TenantState,
} from "../model";

export function groupsOf(t: TenantState): ReadonlyMap<string, CloudGroup> {
  return t.groups;
}

export function contactsOf(t: TenantState): ReadonlyMap<string, CloudContact> {
  return t.contacts;
}

export function deletedUsersOf(t: TenantState): ReadonlyMap<string, DeletedCloudUser> {
  return t.deletedUsers;
}

/** Moves a soft-deleted user back into `t.users` (restore from the recycle bin) and returns it. */
export function restoreDeletedUser(t: TenantState, id: string): CloudUser {
  const deleted = t.deletedUsers.get(id);
  if (deleted === undefined) throw new Error(`no soft-deleted user ${id}`);
  const { deletedDateTime: _deleted, ...user } = deleted;
  t.deletedUsers.delete(id);
  t.users.set(id, user);
  return user;
}

export type ObjectKind = "user" | "group" | "contact";

/** A live cloud object holding an SMTP address, and how it holds it. */
export interface SmtpHolder {
  kind: ObjectKind;
  id: string;
  name: string;
  /** Upper-case `SMTP:` (primary) or lower-case `smtp:` (secondary). */
  heldAs: "primary" | "secondary";
  user?: CloudUser;
}

function isSmtp(p: string): boolean {
  return proxyType(p).toLowerCase() === "smtp";
}

function holding(
  kind: ObjectKind,
  id: string,
  name: string,
  proxies: readonly string[],
  lower: string,
  user?: CloudUser,
): SmtpHolder | undefined {
  let found: SmtpHolder | undefined;
  for (const p of proxies) {
    if (!isSmtp(p) || proxyAddressPart(p).toLowerCase() !== lower) continue;
    const heldAs = proxyType(p) === "SMTP" ? "primary" : "secondary";
    if (heldAs === "primary" || found === undefined)
      found = { kind, id, name, heldAs, ...(user ? { user } : {}) };
  }
  return found;
}

/**
 * Every live object (users, then groups, then contacts) whose proxyAddresses hold `address` as an
 * SMTP value (case-insensitive), except the object `exceptId`.
 */
export function smtpHolders(t: TenantState, address: string, exceptId?: string): SmtpHolder[] {
  const lower = address.toLowerCase();
  const out: SmtpHolder[] = [];
  for (const u of t.users.values()) {
    if (u.id === exceptId) continue;
    const h = holding("user", u.id, u.userPrincipalName, u.proxyAddresses, lower, u);
    if (h) out.push(h);
  }
  for (const g of groupsOf(t).values()) {
    if (g.id === exceptId) continue;
    const h = holding("group", g.id, g.displayName, g.proxyAddresses, lower);
    if (h) out.push(h);
  }
  for (const c of contactsOf(t).values()) {
    if (c.id === exceptId) continue;
    const h = holding("contact", c.id, c.displayName, c.proxyAddresses, lower);
    if (h) out.push(h);
  }
  return out;
}

/** The first object holding `address` as any SMTP value (uniqueness, E5), or undefined. */
export function smtpOwner(t: TenantState, address: string, exceptId?: string): SmtpHolder | undefined {
  return smtpHolders(t, address, exceptId)[0];
}

/** The live object whose *primary* `SMTP:` equals `address` (soft match on SMTP, rows 9/17). */
export function primarySmtpHolder(t: TenantState, address: string): SmtpHolder | undefined {
  return smtpHolders(t, address).find((h) => h.heldAs === "primary");
}

/** The live user whose UPN equals `upn` case-insensitively. */
export function liveUserByUpn(t: TenantState, upn: string, exceptId?: string): CloudUser | undefined {
  const lower = upn.toLowerCase();
  for (const u of t.users.values())
    if (u.id !== exceptId && u.userPrincipalName.toLowerCase() === lower) return u;
  return undefined;
}
