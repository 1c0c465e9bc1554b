/**
 * The Entra adapter (EntraDirectory, the EntraPort implementation) against the emulator: holders of
 * every kind and way (users, guests, groups, contacts; UPN, mail, SMTP:, smtp:), hostile values that
 * must round-trip exactly through percent-encoding and OData quoting, batching and per-item
 * Retry-After, anchor holders live and soft-deleted, ownership claim/re-claim/release, roles, and
 * the encoded-by-construction query builder.
 */
import "../emulator-tests/trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { EntraSettings } from "../../provider/config/settings";
import type { CloudHolder } from "../../provider/domain/ports";
import { EntraDirectory } from "../../provider/entra/graph-directory";
import { holderRequests } from "../../provider/entra/holders";
import { GraphPath, graphPath, odataFilter, odataOr, odataString } from "../../provider/entra/odata-query";
import { OWNERSHIP_EXTENSION } from "../../provider/entra/ownership";
import { roleFact } from "../../provider/entra/roles";
import type { CloudUserInput } from "../emulator/model";
import type { TenantCreated } from "../emulator/store";
import { CLOUD_USERS } from "../fixtures/seed-scenario";
import {
  app,
  createContosoTenant,
  graphClient,
  PROVIDER_ROLES,
  SECRET_APP,
  secretCredential,
  startTestEmulator,
  type TestEmulator,
} from "../emulator-tests/helpers";

let emu: TestEmulator;
let tenant: TenantCreated;
let entra: EntraDirectory;

function person(key: string, extra: Partial<CloudUserInput> = {}): CloudUserInput {
  return {
    key,
    id: randomUUID(),
    userPrincipalName: `${key}@contoso.com`,
    displayName: key,
    givenName: key,
    surname: key,
    mailNickname: key,
    ...extra,
  };
}

const TARGET = person("target", { mail: "target@contoso.com", proxyAddresses: ["SMTP:target@contoso.com"] });
const PLUS = person("plus", {
  userPrincipalName: "a+b@contoso.com",
  mail: "m.x@contoso.com",
  proxyAddresses: ["SMTP:m.x@contoso.com", "smtp:a+b@contoso.com"],
  onPremisesSecurityIdentifier: "S-1-5-21-1-2-3-1001",
  onPremisesSyncEnabled: true,
});
const SPACE = person("space", { mail: "a b@contoso.com", proxyAddresses: ["SMTP:a b@contoso.com"] });
const DUAL = person("dual", { mail: "dual@contoso.com", proxyAddresses: ["SMTP:dual@contoso.com"] });
const GUEST = person("guest", {
  userPrincipalName: "guest_ext.example#EXT#@contoso.com",
  mail: "guest@ext.example",
  userType: "Guest",
});
const ODD = person("odd", {
  mail: "h#1&2;3@contoso.com",
  proxyAddresses: ["SMTP:h#1&2;3@contoso.com", "Smtp:pct%2B@contoso.com", "smtp:o'brien%27x@contoso.com"],
});
const BULK = Array.from({ length: 25 }, (_, i) => person(`bulk${i}`, { mail: `bulk${i}@contoso.com` }));
const GROUP_ID = randomUUID();
const CONTACT_ID = randomUUID();
const ANCHOR = "Ab+c/dEfGh==";
const ANCHOR_LIVE = person("anchorlive", { onPremisesImmutableId: ANCHOR });
const ANCHOR_CASE = person("anchorcase", { onPremisesImmutableId: ANCHOR.toLowerCase() });
const ANCHOR_DELETED = person("anchordeleted", {
  onPremisesImmutableId: ANCHOR,
  onPremisesSyncEnabled: true,
});

function settings(t: TenantCreated): EntraSettings {
  const a = app(t, SECRET_APP);
  return {
    tenantId: t.tenantId,
    clientId: a.clientId,
    credential: "clientSecret",
    clientSecret: a.secret as string,
    authorityHost: emu.baseUrl,
    graphBaseUrl: emu.baseUrl,
  };
}

before(async () => {
  emu = await startTestEmulator();
  tenant = await createContosoTenant(emu, {
    groups: [
      {
        id: GROUP_ID,
        displayName: "Sales",
        mail: "sales@contoso.com",
        proxyAddresses: ["SMTP:sales@contoso.com", "smtp:verkauf@contoso.com"],
      },
    ],
    contacts: [
      {
        id: CONTACT_ID,
        displayName: "Partner Pat",
        mail: "pat@partner.example",
        proxyAddresses: ["SMTP:pat@partner.example", "smtp:dual@contoso.com"],
        onPremisesSyncEnabled: true,
      },
    ],
    deletedUsers: [ANCHOR_DELETED],
  });
  await emu.control.addUsers(tenant.tenantId, [
    TARGET,
    PLUS,
    SPACE,
    DUAL,
    GUEST,
    ODD,
    ...BULK,
    ANCHOR_LIVE,
    ANCHOR_CASE,
  ]);
  await emu.control.updateApp(tenant.tenantId, app(tenant, SECRET_APP).clientId, {
    roles: [...PROVIDER_ROLES, "GroupMember.Read.All", "OrgContact.Read.All"],
  });
  entra = new EntraDirectory(settings(tenant));
});

after(async () => {
  await emu.control.clearFaults(tenant.tenantId);
  await emu.control.deleteTenant(tenant.tenantId);
  await emu.close();
});

function summary(holders: CloudHolder[]): string[] {
  return holders.map((h) => `${h.objectType}:${h.id}:${h.value}:${h.heldAs}`).sort();
}

describe("query builder (encoded by construction)", () => {
  test("values are quoted literals and percent-encoded; the template text cannot carry quotes", () => {
    const v = "o'brien+x%27#&;@contoso.com";
    const f = odataFilter`mail eq ${v}`;
    assert.equal(f.text, "mail eq 'o''brien+x%27#&;@contoso.com'");
    const p = graphPath`/users`.withQuery({ filter: f, select: ["id", "mail"], top: 5 });
    assert.equal(p.text, `/users?$filter=${encodeURIComponent(f.text)}&$select=id,mail&$top=5`);
    const param = /\$filter=([^&]*)/.exec(p.text)?.[1] ?? "";
    assert.doesNotMatch(param, /[+#& ]/, "no character the query decoding would change");
    assert.equal(
      decodeURIComponent(param.replace(/\+/g, " ")),
      f.text,
      "form-decoding gives back the filter",
    );
    assert.throws(() => odataFilter(Object.assign(["mail eq 'x' or 1 eq ", ""], { raw: ["", ""] }), "y"));
    assert.throws(() => graphPath`/users?$filter=x`, /quotes or escapes/);
    assert.throws(() => graphPath`/users`.withQuery({ select: ["id,mail"] }));
    assert.equal(graphPath`/users/${"a/b?c#d"}`.text, "/users/a%2Fb%3Fc%23d");
    assert.equal(odataString("''"), "''''''");
    assert.equal(
      odataOr([odataFilter`a eq ${"1"}`, odataFilter`b eq ${"2"} or c eq ${"3"}`]).text,
      "a eq '1' or (b eq '2' or c eq '3')",
    );
  });

  test("nextLinks are accepted only on the Graph host", () => {
    assert.equal(
      GraphPath.nextLink("https://graph.example/v1.0/users?$skiptoken=a%2Bb", "https://graph.example").text,
      "/users?$skiptoken=a%2Bb",
    );
    assert.throws(() => GraphPath.nextLink("https://evil.example/v1.0/users", "https://graph.example"));
  });

  test("holder look-ups stay within 15 clauses per request", () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i}@contoso.com`);
    const reqs = holderRequests(values);
    for (const r of reqs) {
      const filter = decodeURIComponent(/\$filter=([^&]*)/.exec(r.path.text)?.[1] ?? "");
      assert.ok(filter.split(" or ").length <= 15, filter);
    }
    assert.deepEqual([...new Set(reqs.map((r) => r.id.split("-")[0]))], ["users", "groups", "contacts"]);
  });

  test("one privileged-role rule", () => {
    assert.equal(roleFact("62e90394-69f5-4237-9190-012177145e10", undefined).isPrivileged, true);
    assert.equal(
      roleFact("x", { id: "x", templateId: "62e90394-69f5-4237-9190-012177145e10" }).isPrivileged,
      true,
    );
    assert.equal(
      roleFact("x", { id: "x", isPrivileged: false, templateId: "62e90394-69f5-4237-9190-012177145e10" })
        .isPrivileged,
      false,
    );
    assert.equal(roleFact("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", undefined).isPrivileged, false);
  });
});

describe("findHolders", () => {
  test("a holder of a+b@contoso.com is found as UPN and secondary smtp:, never the 'a b' user", async () => {
    const holders = await entra.findHolders(["A+B@contoso.com"], TARGET.id);
    assert.deepEqual(summary(holders), [
      `user:${PLUS.id}:a+b@contoso.com:secondarySmtp`,
      `user:${PLUS.id}:a+b@contoso.com:userPrincipalName`,
    ]);
    const h = holders[0] as CloudHolder;
    assert.equal(h.name, "a+b@contoso.com");
    assert.equal(h.onPremisesSecurityIdentifier, "S-1-5-21-1-2-3-1001");
    assert.equal(h.onPremisesSyncEnabled, true);
    assert.equal(h.userType, "Member");
  });

  test("one object holding a value several ways gives one record per way; groups and contacts too", async () => {
    const holders = await entra.findHolders(
      ["dual@contoso.com", "verkauf@contoso.com", "pat@partner.example"],
      TARGET.id,
    );
    assert.deepEqual(summary(holders), [
      `contact:${CONTACT_ID}:dual@contoso.com:secondarySmtp`,
      `contact:${CONTACT_ID}:pat@partner.example:mail`,
      `contact:${CONTACT_ID}:pat@partner.example:primarySmtp`,
      `group:${GROUP_ID}:verkauf@contoso.com:secondarySmtp`,
      `user:${DUAL.id}:dual@contoso.com:mail`,
      `user:${DUAL.id}:dual@contoso.com:primarySmtp`,
      `user:${DUAL.id}:dual@contoso.com:userPrincipalName`,
    ]);
    const contact = holders.find((h) => h.objectType === "contact");
    assert.equal(contact?.name, "Partner Pat <pat@partner.example>");
    assert.equal(contact?.onPremisesSyncEnabled, true);
  });

  test("the excluded object and guests: guests are reported with their userType", async () => {
    assert.deepEqual(await entra.findHolders(["target@contoso.com"], TARGET.id), []);
    const guest = await entra.findHolders([GUEST.userPrincipalName, "guest@ext.example"], TARGET.id);
    assert.deepEqual(summary(guest), [
      `user:${GUEST.id}:guest@ext.example:mail`,
      `user:${GUEST.id}:${GUEST.userPrincipalName.toLowerCase()}:userPrincipalName`,
    ]);
    assert.ok(guest.every((h) => h.userType === "Guest"));
  });

  test("reserved characters round-trip exactly: # & ; %2B %27 and quotes", async () => {
    const holders = await entra.findHolders(
      ["h#1&2;3@contoso.com", "pct%2B@contoso.com", "o'brien%27x@contoso.com", "pct+@contoso.com"],
      TARGET.id,
    );
    assert.deepEqual(summary(holders), [
      `user:${ODD.id}:h#1&2;3@contoso.com:mail`,
      `user:${ODD.id}:h#1&2;3@contoso.com:primarySmtp`,
      `user:${ODD.id}:o'brien%27x@contoso.com:secondarySmtp`,
      `user:${ODD.id}:pct%2b@contoso.com:secondarySmtp`,
    ]);
  });

  test("a quote or %27 cannot break out of the literal", async () => {
    for (const hostile of [
      "x' or startswith(userPrincipalName,'a') or userPrincipalName eq 'y",
      "x%27 or startswith(userPrincipalName,%27a%27) or userPrincipalName eq %27y",
      "x') or proxyAddresses/any(p:startswith(p,'SMTP",
    ]) {
      assert.deepEqual(await entra.findHolders([hostile], TARGET.id), [], hostile);
    }
    // Control: spliced in raw, the first value widens the search to many users.
    const raw = (await graphClient(emu, secretCredential(emu, tenant))
      .api("/users")
      .filter("userPrincipalName eq 'x' or startswith(userPrincipalName,'a') or userPrincipalName eq 'y'")
      .select("id")
      .get()) as { value: unknown[] };
    assert.ok(raw.value.length > 0);
  });

  test("many values go out as several $batches of at most 20 requests", async () => {
    await emu.control.clearRequests(tenant.tenantId);
    const values = [
      ...BULK.map((u) => u.mail as string),
      ...Array.from({ length: 45 }, (_, i) => `none${i}@contoso.com`),
    ];
    const holders = await entra.findHolders(values, TARGET.id);
    assert.deepEqual([...new Set(holders.map((h) => h.id))].sort(), BULK.map((u) => u.id).sort());
    assert.ok(holders.every((h) => h.heldAs === "mail" || h.heldAs === "userPrincipalName"));
    const log = await emu.control.requests({ tenant: tenant.tenantId });
    const batches = log.filter((e) => e.kind !== "batch-item" && e.path.endsWith("/$batch"));
    const items = log.filter((e) => e.kind === "batch-item");
    // 70 values: users 3 per request (24), groups and contacts 5 per request (14 each) = 52 items.
    assert.equal(items.length, 52);
    assert.equal(batches.length, 3);
    const perBatch = new Map<number, number>();
    for (const i of items) perBatch.set(i.batchSeq as number, (perBatch.get(i.batchSeq as number) ?? 0) + 1);
    assert.ok([...perBatch.values()].every((n) => n <= 20));
  });

  test("batch items answered 429 are retried after their Retry-After", async () => {
    await emu.control.addFault({
      match: { tenant: tenant.tenantId, batchItem: true, pathRegex: "^/v1\\.0/groups$" },
      action: { status: 429, retryAfterSeconds: 1 },
      times: 2,
    });
    const started = Date.now();
    const holders = await entra.findHolders(["sales@contoso.com"], TARGET.id);
    assert.ok(Date.now() - started >= 2000, "waited Retry-After twice");
    assert.deepEqual(summary(holders), [
      `group:${GROUP_ID}:sales@contoso.com:mail`,
      `group:${GROUP_ID}:sales@contoso.com:primarySmtp`,
    ]);
  });

  test("throttling that does not end is a DirectoryUnavailableError", async () => {
    await emu.control.addFault({
      match: { tenant: tenant.tenantId, batchItem: true, pathRegex: "^/v1\\.0/contacts$" },
      action: { status: 429, retryAfterSeconds: 0 },
      times: 20,
    });
    try {
      await assert.rejects(
        entra.findHolders(["x@contoso.com"], TARGET.id),
        (e: Error & { code?: string }) => {
          assert.equal(e.name, "DirectoryUnavailableError");
          assert.equal(e.code, "ENTRA_UNAVAILABLE");
          return true;
        },
      );
    } finally {
      await emu.control.clearFaults(tenant.tenantId);
    }
  });

  test("without group/contact read permissions the look-up fails closed, naming the permission", async () => {
    const t = await createContosoTenant(emu);
    try {
      const narrow = await emu.control.addApp(t.tenantId, {
        clientId: "11111111-aaaa-4bbb-8ccc-0000000000e2",
        displayName: "users only",
        secret: "users-only-Vb8~k2",
        roles: ["User.Read.All"],
      });
      const plain = new EntraDirectory({
        ...settings(t),
        clientId: narrow.clientId,
        clientSecret: narrow.secret!,
      });
      await assert.rejects(plain.findHolders(["sales@contoso.com"], ""), (e: Error & { code?: string }) => {
        assert.equal(e.name, "PermissionDeniedError");
        assert.match(e.message, /GroupMember\.Read\.All|OrgContact\.Read\.All/);
        return true;
      });
    } finally {
      await emu.control.deleteTenant(t.tenantId);
    }
  });
});

describe("findAnchorHolders", () => {
  test("live and soft-deleted holders, case-sensitively, not the excluded user", async () => {
    const holders = await entra.findAnchorHolders(ANCHOR, TARGET.id);
    assert.deepEqual(
      holders.map((h) => `${h.id}:${h.deleted}`).sort(),
      [`${ANCHOR_LIVE.id}:false`, `${ANCHOR_DELETED.id}:true`].sort(),
    );
    assert.equal(holders.find((h) => h.deleted)?.onPremisesSyncEnabled, true);
    assert.deepEqual(
      (await entra.findAnchorHolders(ANCHOR, ANCHOR_LIVE.id)).map((h) => h.id),
      [ANCHOR_DELETED.id],
    );
    assert.deepEqual(await entra.findAnchorHolders("Ab c/dEfGh==", TARGET.id), [], "a + is not a space");
  });

  test("a user deleted through Graph is found in the recycle bin", async () => {
    const gone = person("gonenow", { onPremisesImmutableId: "Zz+9/aa==" });
    await emu.control.addUsers(tenant.tenantId, [gone]);
    await graphClient(emu, secretCredential(emu, tenant)).api(`/users/${gone.id}`).delete();
    const holders = await entra.findAnchorHolders("Zz+9/aa==", TARGET.id);
    assert.deepEqual(
      holders.map((h) => [h.id, h.deleted]),
      [[gone.id, true]],
    );
  });
});

describe("users and roles", () => {
  test("getUser selects userType and onPremisesSecurityIdentifier", async () => {
    const u = await entra.getUser({ userPrincipalName: PLUS.userPrincipalName });
    assert.equal(u.id, PLUS.id);
    assert.equal(u.userType, "Member");
    assert.equal(u.onPremisesSecurityIdentifier, "S-1-5-21-1-2-3-1001");
    const g = await entra.getUser({ userPrincipalName: GUEST.userPrincipalName });
    assert.equal(g.userType, "Guest");
    await assert.rejects(entra.getUser({ userPrincipalName: "nobody#x@contoso.com" }), {
      code: "CLOUD_USER_NOT_FOUND",
    });
    assert.equal(await entra.findUserById(randomUUID()), undefined);
  });

  test("roles of one user and of the whole tenant agree", async () => {
    const admin = CLOUD_USERS.find((u) => u.activeRoles?.includes("Global Administrator"));
    assert.ok(admin);
    const roles = await entra.getRoles(admin.id);
    assert.ok(roles.active.some((r) => r.displayName === "Global Administrator" && r.isPrivileged));
    const all = await entra.readAllRoles();
    assert.deepEqual(
      all.get(admin.id)?.active.map((r) => r.isPrivileged),
      roles.active.map((r) => r.isPrivileged),
    );
  });

  test("listUsers pages through every user", async () => {
    let count = 0;
    await entra.listUsers(["id", "userPrincipalName"], (page) => {
      count += page.length;
    });
    assert.equal(count, (await emu.control.listUsers(tenant.tenantId)).length);
  });
});

describe("ownership", () => {
  const OWNER = "acme/links/prod";

  test("claim, read, refuse another owner, re-record, release", async () => {
    const id = TARGET.id;
    assert.equal(await entra.getOwnership(id), undefined);
    await entra.setOwnership(id, { owner: OWNER, linkName: "alice", onPremisesObjectGuid: "g-1" });
    assert.deepEqual(await entra.getOwnership(id), {
      owner: OWNER,
      linkName: "alice",
      onPremisesObjectGuid: "g-1",
    });
    assert.deepEqual(await emu.control.getExtensions(tenant.tenantId, id), {
      [OWNERSHIP_EXTENSION]: { owner: OWNER, linkName: "alice", onPremisesObjectGuid: "g-1" },
    });

    await assert.rejects(
      entra.setOwnership(id, {
        owner: "other/repo/dev\n# injected",
        linkName: "x",
        onPremisesObjectGuid: "g-2",
      }),
      (e: Error & { code?: string }) => {
        assert.equal(e.name, "SafetyBlockError");
        assert.equal(e.code, "CLOUD_USER_OWNED_BY_OTHER_STACK");
        assert.match(e.message, /acme\/links\/prod/);
        return true;
      },
    );
    assert.equal((await entra.getOwnership(id))?.owner, OWNER, "the refused claim wrote nothing");

    await entra.setOwnership(id, { owner: OWNER, linkName: "alice-renamed", onPremisesObjectGuid: "g-1" });
    assert.equal((await entra.getOwnership(id))?.linkName, "alice-renamed");

    await entra.releaseOwnership(id, "other/repo/dev");
    assert.equal((await entra.getOwnership(id))?.owner, OWNER, "another owner's release leaves it");
    await entra.releaseOwnership(id, OWNER);
    assert.equal(await entra.getOwnership(id), undefined);
    await entra.releaseOwnership(id, OWNER);
  });

  test("a record owned elsewhere names the owner without control characters", async () => {
    const id = DUAL.id;
    await emu.control.setExtensions(tenant.tenantId, id, {
      [OWNERSHIP_EXTENSION]: { owner: "evil\r\n## heading", linkName: "l", onPremisesObjectGuid: "g" },
    });
    await assert.rejects(
      entra.setOwnership(id, { owner: OWNER, linkName: "dual", onPremisesObjectGuid: "g" }),
      (e: Error) => {
        assert.match(e.message, /evil\?\?## heading/);
        assert.doesNotMatch(e.message, /[\r\n]/);
        return true;
      },
    );
  });

  test("an unreadable record fails closed on read and is left alone on release; gone users have none", async () => {
    const id = SPACE.id;
    await emu.control.setExtensions(tenant.tenantId, id, { [OWNERSHIP_EXTENSION]: { owner: 42 } });
    await assert.rejects(entra.getOwnership(id), { code: "ENTRA_OWNERSHIP_UNREADABLE" });
    await entra.releaseOwnership(id, OWNER);
    assert.deepEqual(await emu.control.getExtensions(tenant.tenantId, id), {
      [OWNERSHIP_EXTENSION]: { owner: 42 },
    });
    assert.equal(await entra.getOwnership(randomUUID()), undefined);
  });
});
