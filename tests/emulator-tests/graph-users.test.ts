/**
 * Graph /users through the real Graph client + @azure/identity: authentication and customHosts,
 * permissions, $select defaults, $filter, advanced queries, page sizes and paging, and the update
 * rules that matter for linking (read-only, synced users, ImmutableId, UPN domains, mail/proxies).
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Client } from "@microsoft/microsoft-graph-client";
import type { CloudUserInput } from "../emulator/model";
import type { TenantCreated } from "../emulator/store";
import { CLOUD_USERS, CONTOSO_DOMAINS } from "../fixtures/seed-scenario";
import { graphFailure, READER_APP, useContosoTenant, graphClient, secretCredential } from "./helpers";

function seedUser(key: string): (typeof CLOUD_USERS)[number] {
  const u = CLOUD_USERS.find((x) => x.key === key);
  if (!u) throw new Error(`no seed user ${key}`);
  return u;
}

const fx = useContosoTenant();

describe("authentication and permissions", () => {
  test("without customHosts the Graph client sends no token to the emulator: 401 InvalidAuthenticationToken", async () => {
    await fx.emu.control.clearRequests(fx.tenant.tenantId);
    const client = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant), { customHosts: null });
    const e = await graphFailure(client.api("/users").get());
    assert.equal(e.statusCode, 401);
    assert.equal(e.code, "InvalidAuthenticationToken");
    assert.equal(e.message, "Access token is empty.");
    const log = await fx.emu.control.requests({ tenant: fx.tenant.tenantId });
    assert.equal(log.length, 0, "no token was requested and the Graph call carried no tenant");
  });

  test("customHosts with host:port does not match either (the client compares host names without port)", async () => {
    const hostWithPort = new URL(fx.emu.baseUrl).host;
    const client = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant), {
      customHosts: new Set([hostWithPort]),
    });
    const e = await graphFailure(client.api("/users").get());
    assert.equal(e.statusCode, 401);
  });

  test("with customHosts = host name the call is authenticated", async () => {
    const r = (await fx.graph.api("/users").top(1).get()) as { value: unknown[] };
    assert.equal(r.value.length, 1);
  });

  test("the read-only reporter (User.Read.All) can read users but not PATCH them: 403 Authorization_RequestDenied", async () => {
    const reporter = graphClient(fx.emu, secretCredential(fx.emu, fx.tenant, READER_APP));
    const adam = seedUser("adam");
    const read = (await reporter.api(`/users/${adam.id}`).get()) as { userPrincipalName: string };
    assert.equal(read.userPrincipalName, adam.userPrincipalName);
    const e = await graphFailure(reporter.api(`/users/${adam.id}`).patch({ jobTitle: "x" }));
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Authorization_RequestDenied");
    assert.equal(e.message, "Insufficient privileges to complete the operation.");
    const domains = await graphFailure(reporter.api("/domains").get());
    assert.equal(domains.statusCode, 403);
  });
});

describe("reading users", () => {
  test("without $select Graph's default property set comes back: no onPremises*, no proxyAddresses", async () => {
    const r = (await fx.graph.api(`/users/${seedUser("sam").id}`).get()) as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(r)
        .filter((k) => !k.startsWith("@odata"))
        .sort(),
      [
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
      ],
    );
    assert.equal(r["onPremisesImmutableId"], undefined);
  });

  test("$select returns exactly the selected properties", async () => {
    const sam = seedUser("sam");
    const r = (await fx.graph
      .api(`/users/${sam.userPrincipalName}`)
      .select(["id", "onPremisesImmutableId", "proxyAddresses", "onPremisesSyncEnabled"])
      .get()) as Record<string, unknown>;
    assert.match(
      String(r["@odata.context"]),
      /\/v1\.0\/\$metadata#users\(id,onPremisesImmutableId,proxyAddresses,onPremisesSyncEnabled\)\/\$entity$/,
    );
    delete r["@odata.context"];
    assert.deepEqual(r, {
      id: sam.id,
      onPremisesImmutableId: sam.onPremisesImmutableId,
      proxyAddresses: sam.proxyAddresses,
      onPremisesSyncEnabled: true,
    });
  });

  test("an unknown user is 404 Request_ResourceNotFound", async () => {
    const e = await graphFailure(fx.graph.api("/users/nobody@contoso.com").get());
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, "Request_ResourceNotFound");
    assert.equal(
      e.message,
      "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  test("$filter on proxyAddresses/any finds the owner of a primary SMTP address", async () => {
    const alva = seedUser("alva");
    const r = (await fx.graph
      .api("/users")
      .filter("proxyAddresses/any(p:p eq 'SMTP:alva.wood@contoso.com')")
      .select(["id", "proxyAddresses"])
      .get()) as { value: { id: string }[] };
    assert.deepEqual(
      r.value.map((u) => u.id),
      [alva.id],
    );
    const none = (await fx.graph
      .api("/users")
      .filter("proxyAddresses/any(p:p eq 'SMTP:nobody@contoso.com')")
      .get()) as { value: unknown[] };
    assert.equal(none.value.length, 0);
  });

  test("$filter with and/or, eq on several properties, startswith, and '' escaping", async () => {
    await fx.emu.control.addUsers(fx.tenant.tenantId, [
      {
        key: "oneil",
        id: randomUUID(),
        userPrincipalName: "o'neil@contoso.com",
        displayName: "Sean O'Neil",
        givenName: "Sean",
        surname: "O'Neil",
        mailNickname: "oneil",
        employeeId: "E9001",
      },
    ]);
    const byUpn = (await fx.graph
      .api("/users")
      .filter("userPrincipalName eq 'o''neil@contoso.com'")
      .get()) as {
      value: { displayName: string }[];
    };
    assert.deepEqual(
      byUpn.value.map((u) => u.displayName),
      ["Sean O'Neil"],
    );
    const or = (await fx.graph
      .api("/users")
      .filter("employeeId eq 'E1001' or mailNickname eq 'chen.li' or startswith(displayName,'Bruno')")
      .select(["employeeId"])
      .get()) as { value: { employeeId: string }[] };
    assert.deepEqual(or.value.map((u) => u.employeeId).sort(), ["E1001", "E1003", "E1004"]);
    const and = (await fx.graph
      .api("/users")
      .filter(
        `onPremisesImmutableId eq '${seedUser("sam").onPremisesImmutableId}' and mail eq 'sam.taylor@contoso.com'`,
      )
      .get()) as { value: unknown[] };
    assert.equal(and.value.length, 1);
  });

  test("advanced operators need ConsistencyLevel: eventual and $count=true (documented 400 otherwise)", async () => {
    const e = await graphFailure(fx.graph.api("/users").filter("endswith(mail,'@fabrikam.com')").get());
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "Request_UnsupportedQuery");
    assert.match(
      e.message,
      /^Operator 'endsWith' is not supported because the required parameters might be missing/,
    );
    const ne = await graphFailure(
      fx.graph.api("/users").filter("onPremisesSyncEnabled ne true").count(true).get(),
    );
    assert.equal(ne.statusCode, 400, "$count=true alone is not enough");
    const ok = (await fx.graph
      .api("/users")
      .header("ConsistencyLevel", "eventual")
      .count(true)
      .filter("endswith(mail,'@fabrikam.com')")
      .get()) as { value: { id: string }[]; "@odata.count": number };
    assert.equal(ok["@odata.count"], 1);
    assert.deepEqual(
      ok.value.map((u) => u.id),
      [seedUser("fiona").id],
    );
    const search = await graphFailure(fx.graph.api("/users").search('"displayName:Alva"').get());
    assert.equal(search.statusCode, 400);
    assert.equal(
      search.message,
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  });

  test("$top=1000 is refused; 999 is the maximum page size", async () => {
    const e = await graphFailure(fx.graph.api("/users").top(1000).get());
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "Request_UnsupportedQuery");
    assert.equal(e.message, "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
    const r = (await fx.graph.api("/users").top(999).get()) as { value: unknown[] };
    assert.ok(r.value.length > 50);
  });
});

describe("paging through 2,500 users", () => {
  let big: TenantCreated;
  let bigGraph: Client;

  before(async () => {
    big = await fx.emu.control.createTenant({
      tenantId: randomUUID(),
      displayName: "Paging",
      domains: CONTOSO_DOMAINS,
      users: [],
      apps: [
        { clientId: randomUUID(), displayName: "pager", secret: "pager-secret", roles: ["User.Read.All"] },
      ],
    });
    const users: CloudUserInput[] = [];
    for (let i = 0; i < 2500; i++) {
      users.push({
        key: `u${i}`,
        id: randomUUID(),
        userPrincipalName: `user${String(i).padStart(4, "0")}@contoso.com`,
        displayName: `User ${i}`,
        givenName: "User",
        surname: String(i),
        mailNickname: `user${i}`,
      });
    }
    await fx.emu.control.addUsers(big.tenantId, users);
    bigGraph = graphClient(fx.emu, secretCredential(fx.emu, big, "pager"));
  });

  after(async () => {
    await fx.emu.control.deleteTenant(big.tenantId);
  });

  async function readAll(first: string, top?: number): Promise<{ ids: string[]; pages: number[] }> {
    let page = (await (top === undefined ? bigGraph.api(first) : bigGraph.api(first).top(top))
      .select(["id"])
      .get()) as {
      value: { id: string }[];
      "@odata.nextLink"?: string;
    };
    const ids = page.value.map((u) => u.id);
    const pages = [page.value.length];
    while (page["@odata.nextLink"] !== undefined) {
      page = (await bigGraph.api(page["@odata.nextLink"]).get()) as typeof page;
      ids.push(...page.value.map((u) => u.id));
      pages.push(page.value.length);
    }
    return { ids, pages };
  }

  test("default page size is 100 and @odata.nextLink leads through every user once", async () => {
    const { ids, pages } = await readAll("/users");
    assert.equal(ids.length, 2500);
    assert.equal(new Set(ids).size, 2500);
    assert.equal(pages.length, 25);
    assert.ok(pages.every((n) => n === 100));
  });

  test("$top=999 gives three pages and the request log shows three calls", async () => {
    await fx.emu.control.clearRequests(big.tenantId);
    const { ids, pages } = await readAll("/users", 999);
    assert.deepEqual(pages, [999, 999, 502]);
    assert.equal(new Set(ids).size, 2500);
    const log = await fx.emu.control.requests({ tenant: big.tenantId });
    const calls = log.filter((e) => e.kind === "graph");
    assert.equal(calls.length, 3);
    assert.ok(calls.slice(1).every((e) => e.query.includes("$skiptoken=") && e.query.includes("$top=999")));
  });

  test("a filter survives paging (nextLink repeats the query)", async () => {
    const { ids } = await readAll("/users?$filter=startswith(userPrincipalName,'user1')", 50);
    assert.equal(ids.length, 1000); // user1000..user1999 (numbers are zero-padded to 4 digits)
  });
});

describe("updating users", () => {
  test("read-only properties are refused: proxyAddresses, onPremisesSyncEnabled", async () => {
    const id = seedUser("adam").id;
    const e = await graphFailure(
      fx.graph.api(`/users/${id}`).patch({ proxyAddresses: ["SMTP:x@contoso.com"] }),
    );
    assert.equal(e.statusCode, 400);
    assert.equal(e.message, "Property 'proxyAddresses' is read-only and cannot be set.");
    const e2 = await graphFailure(fx.graph.api(`/users/${id}`).patch({ onPremisesSyncEnabled: true }));
    assert.equal(e2.message, "Property 'onPremisesSyncEnabled' is read-only and cannot be set.");
  });

  test("AD-mastered properties of a synced user are refused", async () => {
    const e = await graphFailure(
      fx.graph.api(`/users/${seedUser("sam").id}`).patch({ displayName: "Samuel" }),
    );
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "Request_BadRequest");
    assert.equal(
      e.message,
      "Unable to update the specified properties for objects that have originated within an external service.",
    );
    const e2 = await graphFailure(
      fx.graph
        .api(`/users/${seedUser("sam").id}`)
        .patch({ onPremisesImmutableId: "eFY0Erya8N4SNFZ4mrze8A==" }),
    );
    assert.equal(e2.statusCode, 400);
  });

  test("onPremisesImmutableId: set on a cloud user, unique across the tenant, no '_' or '$'", async () => {
    const chen = seedUser("chen");
    const status = await fx.graph
      .api(`/users/${chen.id}`)
      .patch({ onPremisesImmutableId: "bAr/a1Wci02i5Ds/PA8dLg==" });
    assert.equal(status, undefined, "204 No Content");
    const r = (await fx.graph.api(`/users/${chen.id}`).select("onPremisesImmutableId").get()) as {
      onPremisesImmutableId: string;
    };
    assert.equal(r.onPremisesImmutableId, "bAr/a1Wci02i5Ds/PA8dLg==");

    const taken = await graphFailure(
      fx.graph
        .api(`/users/${seedUser("dana").id}`)
        .patch({ onPremisesImmutableId: seedUser("sam").onPremisesImmutableId }),
    );
    assert.equal(taken.statusCode, 400);
    assert.equal(
      taken.message,
      "Another object with the same value for property onPremisesImmutableId already exists.",
    );

    const base64url = await graphFailure(
      fx.graph
        .api(`/users/${seedUser("dana").id}`)
        .patch({ onPremisesImmutableId: "bAr_a1Wci02i5Ds_PA8dLg==" }),
    );
    assert.equal(base64url.statusCode, 400);
    assert.equal(
      base64url.message,
      "Invalid value specified for property 'onPremisesImmutableId' of resource 'User'.",
    );
  });

  test("a privileged user's sensitive properties cannot be changed by an app: 403", async () => {
    const e = await graphFailure(
      fx.graph
        .api(`/users/${seedUser("gina").id}`)
        .patch({ onPremisesImmutableId: "AAAAAAAAAAAAAAAAAAAAAA==" }),
    );
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Authorization_RequestDenied");
  });

  test("userPrincipalName must use a verified domain and be unique", async () => {
    const id = seedUser("olivia").id;
    const unverified = await graphFailure(
      fx.graph.api(`/users/${id}`).patch({ userPrincipalName: "olivia@contoso.net" }),
    );
    assert.equal(unverified.statusCode, 400);
    assert.equal(
      unverified.message,
      "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
    );
    const taken = await graphFailure(
      fx.graph.api(`/users/${id}`).patch({ userPrincipalName: "ADAM.anderson@contoso.com" }),
    );
    assert.equal(
      taken.message,
      "Another object with the same value for property userPrincipalName already exists.",
    );
    await fx.graph.api(`/users/${id}`).patch({ userPrincipalName: "olivia@fabrikam.com" });
    const r = (await fx.graph.api(`/users/${id}`).get()) as { userPrincipalName: string };
    assert.equal(r.userPrincipalName, "olivia@fabrikam.com");
  });

  test("setting mail makes it the primary SMTP and demotes the old primary", async () => {
    const dana = seedUser("dana");
    await fx.graph.api(`/users/${dana.id}`).patch({ mail: "dana@fabrikam.com" });
    const r = (await fx.graph.api(`/users/${dana.id}`).select(["mail", "proxyAddresses"]).get()) as {
      mail: string;
      proxyAddresses: string[];
    };
    assert.equal(r.mail, "dana@fabrikam.com");
    assert.deepEqual(r.proxyAddresses, [
      "SMTP:dana@fabrikam.com",
      "smtp:dana.scott@contoso.com",
      "smtp:dana.scott@contosolab.onmicrosoft.com",
    ]);
  });

  test("mail equal to another object's proxy address: mail is updated, no proxy is added (G1)", async () => {
    const bruno = seedUser("bruno");
    await fx.graph.api(`/users/${bruno.id}`).patch({ mail: "alva.wood@contoso.com" });
    const r = (await fx.graph.api(`/users/${bruno.id}`).select(["mail", "proxyAddresses"]).get()) as {
      mail: string;
      proxyAddresses: string[];
    };
    assert.equal(r.mail, "alva.wood@contoso.com");
    assert.deepEqual(r.proxyAddresses, []);
  });

  test("PATCH of an unknown user is 404", async () => {
    const e = await graphFailure(fx.graph.api(`/users/${randomUUID()}`).patch({ jobTitle: "x" }));
    assert.equal(e.statusCode, 404);
  });
});
