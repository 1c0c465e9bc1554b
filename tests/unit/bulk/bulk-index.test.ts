/**
 * The bulk-read cache's index logic without a directory: the questions of the per-link adapters
 * answered from one snapshot (same matching, same holder records, same order), declined where the
 * snapshot cannot be exact, writes mirrored; and the decorators' gate and answer-once rule.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Entry } from "ldapts";
import type { ScanOptions } from "../../../provider/ad/ad-directory";
import { REFRESH_ATTRIBUTES } from "../../../provider/ad/entry";
import { AdIndex, dnKey, isPlainValue } from "../../../provider/bulk/ad-index";
import {
  BulkGate,
  CachedAd,
  CachedEntra,
  type AdBulkSource,
  type EntraBulkSource,
} from "../../../provider/bulk/cached";
import { EntraIndex } from "../../../provider/bulk/entra-index";
import type { AdUser, CloudUser } from "../../../provider/domain/ports";
import { CLOUD_REFRESH_PROPERTIES } from "../../../provider/entra/graph-directory";

const BASE = "OU=Sync,DC=corp,DC=example";
/** A sync scope that is the whole domain (one base: users and holders in one search). */
const DOMAIN_SCOPE = { baseDn: "DC=corp,DC=example", allowedSearchBases: ["DC=corp,DC=example"] };

function adUser(sam: string, extra: Partial<AdUser> = {}): AdUser {
  const n = sam.length.toString(16).padStart(2, "0");
  return {
    dn: `CN=${sam},${BASE}`,
    objectGuid: `0000${n}00-0000-4000-8000-${sam
      .padEnd(12, "0")
      .slice(0, 12)
      .replace(/[^0-9a-f]/g, "a")}`,
    objectGuidBytes: Buffer.alloc(16),
    sAMAccountName: sam,
    userPrincipalName: `${sam}@corp.example`,
    proxyAddresses: [],
    objectClass: ["top", "person", "organizationalPerson", "user"],
    ...extra,
  };
}

const entry = (dn: string, cls: string, attrs: Record<string, string | string[]>): Entry =>
  ({ dn, objectClass: ["top", cls], ...attrs }) as Entry;

test("plain values and DN keys", () => {
  assert.equal(isPlainValue("ann@corp.example"), true);
  assert.equal(isPlainValue(" ann"), false);
  assert.equal(isPlainValue("anné"), false);
  assert.equal(isPlainValue(""), false);
  assert.equal(dnKey("CN=Ann,OU=Sync,DC=corp,DC=example"), dnKey("cn=ann, ou=sync,dc=CORP,dc=example"));
  assert.equal(dnKey("not a dn"), undefined);
});

test("AD: users by every selector kind, case-insensitively; ambiguous answers are all returned", () => {
  const ann = adUser("ann");
  const twin1 = adUser("twin1", { userPrincipalName: "twin@corp.example" });
  const twin2 = adUser("twin2", { userPrincipalName: "TWIN@corp.example" });
  const idx = new AdIndex([ann, twin1, twin2], [], BASE);
  assert.deepEqual(
    idx.usersBy("samAccountName", "ANN")?.map((u) => u.dn),
    [ann.dn],
  );
  assert.deepEqual(
    idx.usersBy("userPrincipalName", "Ann@Corp.Example")?.map((u) => u.dn),
    [ann.dn],
  );
  assert.deepEqual(
    idx.usersBy("objectGuid", ann.objectGuid.toUpperCase())?.map((u) => u.dn),
    [ann.dn],
  );
  assert.deepEqual(
    idx.usersBy("dn", `cn=ANN,${BASE.toLowerCase()}`)?.map((u) => u.dn),
    [ann.dn],
  );
  assert.equal(idx.usersBy("userPrincipalName", "twin@corp.example")?.length, 2);
  assert.deepEqual(idx.usersBy("samAccountName", "nobody"), []);
  // A copy: the caller cannot change the index.
  idx.usersBy("samAccountName", "ann")![0]!.proxyAddresses.push("x");
  assert.deepEqual(idx.usersBy("samAccountName", "ann")![0]!.proxyAddresses, []);
});

test("AD holders: UPN domain-wide, addresses in scope only, the link's own object excluded, per-search order", () => {
  const outside = entry("CN=Svc,OU=Other,DC=corp,DC=example", "user", {
    userPrincipalName: "shared@corp.example",
    mail: "desk@corp.example",
  });
  const grp = entry(`CN=Sales,${BASE}`, "group", {
    mail: "sales@corp.example",
    proxyAddresses: ["SMTP:sales@corp.example"],
  });
  const contact = entry(`CN=Desk,${BASE}`, "contact", {
    proxyAddresses: ["smtp:DESK@corp.example", "x500:/o=desk@corp.example"],
  });
  const self = entry(`CN=Ann,${BASE}`, "user", {
    userPrincipalName: "ann@corp.example",
    mail: "sales@corp.example",
  });
  const idx = new AdIndex(
    [],
    [
      { entries: [outside, self], role: "upn" },
      { entries: [self, grp, contact], role: "address" },
    ],
    BASE,
  );
  const got = idx.findHolders(
    ["Sales@corp.example", "desk@corp.example", "shared@corp.example", "ann@corp.example"],
    `CN=Ann,${BASE}`,
  );
  assert.deepEqual(got, [
    {
      value: "shared@corp.example",
      dn: outside.dn,
      objectClass: "user",
      heldAs: "userPrincipalName",
      inSyncScope: false,
    },
    { value: "sales@corp.example", dn: grp.dn, objectClass: "group", heldAs: "mail", inSyncScope: true },
    {
      value: "sales@corp.example",
      dn: grp.dn,
      objectClass: "group",
      heldAs: "primarySmtp",
      inSyncScope: true,
    },
    {
      value: "desk@corp.example",
      dn: contact.dn,
      objectClass: "contact",
      heldAs: "secondarySmtp",
      inSyncScope: true,
    },
  ]);
  // Without exclusion the link's own user holds its UPN and mail.
  assert.equal(idx.findHolders(["ann@corp.example"], "")?.length, 1);
  // A value the directory may compare differently is declined (asked live).
  assert.equal(idx.findHolders(["straße@corp.example"], ""), undefined);
});

test("AD writes are mirrored into the holder index and the written user is read live", () => {
  const ann = adUser("ann", { proxyAddresses: ["SMTP:ann@corp.example"] });
  const annEntry = entry(ann.dn, "user", {
    userPrincipalName: "ann@corp.example",
    proxyAddresses: ["SMTP:ann@corp.example"],
  });
  const idx = new AdIndex([ann], [{ entries: [annEntry], role: "both" }], "DC=corp,DC=example");
  idx.applyModify(ann.dn, {
    replace: { mail: "new@corp.example" },
    add: { proxyAddresses: ["SMTP:new@corp.example"] },
    delete: { proxyAddresses: ["smtp:ANN@corp.example"] },
  });
  assert.deepEqual(
    idx.findHolders(["new@corp.example", "ann@corp.example"], "")?.map((h) => `${h.value} ${h.heldAs}`),
    ["ann@corp.example userPrincipalName", "new@corp.example mail", "new@corp.example primarySmtp"],
  );
  assert.equal(idx.usersBy("samAccountName", "ann"), undefined);
});

const cloudUser = (id: string, upn: string, extra: Partial<CloudUser> = {}): CloudUser => ({
  id,
  userPrincipalName: upn,
  proxyAddresses: [],
  ...extra,
});

test("Entra: users by id and UPN, holders of every kind in per-request order, anchors case-sensitive", () => {
  const a = cloudUser("A1", "a@contoso.com", {
    mail: "a@contoso.com",
    proxyAddresses: ["SMTP:a@contoso.com"],
  });
  const b = cloudUser("b2", "b@contoso.com", {
    proxyAddresses: ["smtp:A@contoso.com"],
    onPremisesImmutableId: "QUJD",
  });
  const idx = new EntraIndex({
    users: [a, b],
    groups: [
      {
        id: "g1",
        displayName: "Sales",
        mail: "sales@contoso.com",
        proxyAddresses: ["SMTP:sales@contoso.com"],
      },
    ],
    contacts: [{ id: "c1", displayName: "Desk", mail: null, proxyAddresses: ["SMTP:a@contoso.com"] }],
    deletedUsers: [{ id: "d1", userPrincipalName: "ghost@contoso.com", onPremisesImmutableId: "QUJD" }],
    roles: new Map([
      [
        "A1",
        { active: [{ roleDefinitionId: "r", displayName: "Reader", isPrivileged: false }], eligible: [] },
      ],
    ]),
  });
  assert.equal(idx.user({ id: "a1" })?.userPrincipalName, "a@contoso.com");
  assert.equal(idx.user({ userPrincipalName: "B@CONTOSO.COM" })?.id, "b2");
  assert.equal(idx.user({ userPrincipalName: "nobody@contoso.com" }), undefined);
  const holders = idx.findHolders(["A@contoso.com", "sales@contoso.com"], "a1");
  assert.deepEqual(
    holders?.map((h) => `${h.objectType} ${h.id} ${h.value} ${h.heldAs}`),
    [
      "user b2 a@contoso.com secondarySmtp",
      "group g1 sales@contoso.com mail",
      "group g1 sales@contoso.com primarySmtp",
      "contact c1 a@contoso.com primarySmtp",
    ],
  );
  assert.deepEqual(idx.findAnchorHolders("QUJD", "x"), [
    { id: "b2", userPrincipalName: "b@contoso.com", deleted: false, onPremisesSyncEnabled: null },
    { id: "d1", userPrincipalName: "ghost@contoso.com", deleted: true, onPremisesSyncEnabled: null },
  ]);
  assert.deepEqual(idx.findAnchorHolders("qujd", "x"), []);
  assert.equal(idx.rolesOf("a1")?.active[0]?.displayName, "Reader");
  assert.deepEqual(idx.rolesOf("b2"), { active: [], eligible: [] });
  idx.applyImmutableId("A1", "WFla");
  assert.equal(idx.findAnchorHolders("WFla", "x")?.[0]?.id, "A1");
  assert.equal(idx.user({ id: "A1" }), undefined, "a written user is read live");
});

test("Entra: parts not read, unnamed role definitions and odd values are declined", () => {
  const idx = new EntraIndex({
    users: [cloudUser("u", "u@contoso.com")],
    roles: new Map([
      ["u", { active: [{ roleDefinitionId: "r9", displayName: "r9", isPrivileged: false }], eligible: [] }],
    ]),
  });
  assert.equal(idx.findHolders(["u@contoso.com"], ""), undefined);
  assert.equal(idx.findAnchorHolders("QUJD", ""), undefined);
  assert.equal(idx.rolesOf("u"), undefined);
  assert.equal(idx.user({ userPrincipalName: "ü@contoso.com" }), undefined);
});

test("gate: off never, on at once, auto only after the threshold of distinct links", () => {
  assert.equal(new BulkGate("off").noteLink("a"), false);
  assert.equal(new BulkGate("on").noteLink("a"), true);
  const auto = new BulkGate("auto", 3);
  for (const k of ["a", "b", "a", "c"]) assert.equal(auto.noteLink(k), false);
  assert.equal(auto.noteLink("d"), true);
  assert.equal(auto.open, true);
});

test("decorators: one bulk read shared by all links, each question answered from it once, misses go live", async () => {
  const calls: string[] = [];
  const users = [adUser("ann"), adUser("bob")];
  const ad = {
    findUser: async (s: unknown) => {
      calls.push(`live findUser ${JSON.stringify(s)}`);
      return users[0]!;
    },
    readByDn: async () => undefined,
    readByGuid: async () => undefined,
    findHolders: async () => {
      calls.push("live adHolders");
      return [];
    },
    modify: async () => undefined,
    scanUsers: async () => {
      calls.push("scanUsers");
      return users;
    },
    scanEntries: async () => {
      calls.push("scanEntries");
      return [];
    },
  } as unknown as AdBulkSource;
  const gate = new BulkGate("on");
  const cached = new CachedAd(ad, DOMAIN_SCOPE, gate);
  users[0]!.dn = "CN=ann,DC=corp,DC=example";
  users[1]!.dn = "CN=bob,DC=corp,DC=example";
  assert.equal((await cached.findUser({ samAccountName: "ann" })).dn, users[0]!.dn);
  assert.equal((await cached.findUser({ samAccountName: "bob" })).dn, users[1]!.dn);
  assert.deepEqual(await cached.findHolders(["x@corp.example"], users[0]!.dn), []);
  assert.deepEqual(calls, ["scanUsers", "scanEntries"], "one bulk read (one base: users + holders)");
  await cached.findUser({ samAccountName: "ann" });
  await cached.findUser({ samAccountName: "nobody" });
  await cached.findHolders(["x@corp.example"], users[0]!.dn);
  assert.deepEqual(calls.slice(2), [
    'live findUser {"samAccountName":"ann"}',
    'live findUser {"samAccountName":"nobody"}',
    "live adHolders",
  ]);

  const entraCalls: string[] = [];
  const entra = {
    getUser: async (s: unknown) => {
      entraCalls.push(`live getUser ${JSON.stringify(s)}`);
      return cloudUser("x", "x@contoso.com");
    },
    listUsers: async (_p: unknown, onPage: (u: CloudUser[]) => void) => {
      entraCalls.push("listUsers");
      onPage([cloudUser("a", "a@contoso.com")]);
    },
    listAddressObjects: async (c: string) => {
      entraCalls.push(`list ${c}`);
      return [];
    },
    listDeletedUsers: async () => {
      entraCalls.push("list deleted");
      throw Object.assign(new Error("no"), { code: "GRAPH_FORBIDDEN" });
    },
    readAllRoles: async () => new Map(),
    findAnchorHolders: async () => {
      entraCalls.push("live anchors");
      return [];
    },
    setImmutableId: async () => undefined,
  } as unknown as EntraBulkSource;
  const ce = new CachedEntra(entra, gate);
  assert.equal((await ce.getUser({ userPrincipalName: "A@contoso.com" })).id, "a");
  await ce.findAnchorHolders("QUJD", "a");
  assert.deepEqual(entraCalls, ["listUsers", "list groups", "list contacts", "list deleted", "live anchors"]);
  await ce.setImmutableId("a", "QUJD");
  await ce.getUser({ id: "a" });
  assert.equal(entraCalls.at(-1), 'live getUser {"id":"a"}', "a user written in this process is read live");
});

test("refresh's bulk reads: only the fields refresh uses, and Graph's first request waits until the DC has the search", async () => {
  const events: string[] = [];
  let sendSearch: () => void = () => undefined;
  const users = [adUser("ann", { dn: "CN=ann,DC=corp,DC=example" })];
  const ad = {
    readByGuid: async () => undefined,
    scanUsers: async (_bases: readonly string[], options: ScanOptions = {}) => {
      events.push(`scanUsers ${JSON.stringify(options.attributes)}`);
      // The search leaves only after the connection is up (a few event-loop turns).
      await new Promise<void>((resolve) => {
        sendSearch = resolve;
      });
      events.push("search sent");
      options.onRequested?.();
      return users;
    },
  } as unknown as AdBulkSource;
  const entra = {
    findUserById: async () => undefined,
    listUsers: async (properties: readonly string[], onPage: (u: CloudUser[]) => void) => {
      events.push(`listUsers ${properties.join(",")}`);
      onPage([cloudUser("a", "a@contoso.com")]);
    },
  } as unknown as EntraBulkSource;
  const gate = new BulkGate("on");
  const cachedAd = new CachedAd(ad, DOMAIN_SCOPE, gate);
  const cachedEntra = new CachedEntra(
    entra,
    gate,
    () => undefined,
    () => cachedAd.bulkSearchSent(),
  );
  const both = Promise.all([
    cachedAd.readByGuid(users[0]!.objectGuid, "report"),
    cachedEntra.findUserById("a", "report"),
  ]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events, [`scanUsers ${JSON.stringify(REFRESH_ATTRIBUTES)}`], "Graph waits for the DC");
  sendSearch();
  const [adFound, cloudFound] = await both;
  assert.equal(adFound?.dn, users[0]!.dn);
  assert.equal(cloudFound?.id, "a");
  assert.deepEqual(events.slice(1), ["search sent", `listUsers ${CLOUD_REFRESH_PROPERTIES.join(",")}`]);

  // A failed AD read does not hold Entra ID back; nor does an AD side that never read in bulk.
  const failing = new CachedAd(
    {
      readByGuid: async () => undefined,
      scanUsers: async () => {
        throw new Error("DC down");
      },
    } as unknown as AdBulkSource,
    DOMAIN_SCOPE,
    new BulkGate("on"),
  );
  assert.equal(await failing.readByGuid(users[0]!.objectGuid, "report"), undefined);
  await failing.bulkSearchSent();
  const idle = new CachedAd(ad, { baseDn: "DC=corp,DC=example", allowedSearchBases: [] }, new BulkGate("on"));
  await idle.bulkSearchSent();
});
