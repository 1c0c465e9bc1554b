/**
 * The emulator's Cloud Sync model, in memory: the simulator's matching under engine "cloudSync"
 * (row 27 [U]: no UPN soft match; SMTP and hard match as Connect; no ConsistencyGuid write-back)
 * and the provisionOnDemand rate limit (5 requests per 10 seconds).
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import {
  admitOnDemandCall,
  configureCloudSync,
  ON_DEMAND_LIMIT,
  ON_DEMAND_WINDOW_MS,
} from "../../emulator/cloud-sync/state";
import type { CloudUserInput, TenantState } from "../../emulator/model";
import { EmulatorStore } from "../../emulator/store";
import { runSyncEngine, type SyncClient } from "../../emulator/sync/engine";
import type { OnPremUserRecord } from "../../emulator/sync/types";

const ALICE = "00000000-0000-4000-8000-00000000a11c";

async function tenant(): Promise<TenantState> {
  const store = new EmulatorStore();
  const created = await store.createTenant({
    tenantId: randomUUID(),
    displayName: "CloudSync",
    domains: [
      {
        id: "cs.onmicrosoft.com",
        isVerified: true,
        isDefault: false,
        isInitial: true,
        authenticationType: "Managed",
      },
      {
        id: "contoso.com",
        isVerified: true,
        isDefault: true,
        isInitial: false,
        authenticationType: "Managed",
      },
    ],
    users: [
      {
        id: ALICE,
        userPrincipalName: "alice@contoso.com",
        displayName: "Alice",
        mailNickname: "alice",
        givenName: "Alice",
        surname: "Anders",
        mail: "alice.mail@contoso.com",
        proxyAddresses: ["SMTP:alice.mail@contoso.com"],
      } as CloudUserInput,
    ],
    apps: [],
    features: { softMatchOnUpnEnabled: true },
    behavior: {},
  });
  return store.getTenant(created.tenantId);
}

function rec(patch: Partial<OnPremUserRecord>): OnPremUserRecord {
  return {
    dn: "CN=alice,OU=Staff,DC=corp,DC=local",
    objectGUID: randomBytes(16).toString("base64"),
    objectClass: ["top", "person", "organizationalPerson", "user"],
    cn: "alice",
    sAMAccountName: "alice",
    proxyAddresses: [],
    ...patch,
  };
}

async function sync(r: OnPremUserRecord, engine: SyncClient, upn = false) {
  const t = await tenant();
  const result = runSyncEngine(t, [r], {
    writeBackConsistencyGuid: engine === "entraConnect",
    engine,
    cloudSyncUpnSoftMatch: upn,
  });
  return { t, entry: result.entries[0]!, writeBacks: result.writeBacks };
}

describe("Cloud Sync matching in the simulator", () => {
  it("a UPN-only match joins under Entra Connect but provisions a duplicate under Cloud Sync (row 27 [U])", async () => {
    const r = rec({ userPrincipalName: "alice@contoso.com" });
    const connect = await sync(r, "entraConnect");
    assert.equal(connect.entry.outcome, "softMatchUpn");
    assert.equal(connect.entry.cloudUserId, ALICE);
    const cloud = await sync(r, "cloudSync");
    assert.equal(cloud.entry.outcome, "provisioned");
    assert.equal(cloud.entry.row, "27");
    assert.notEqual(cloud.entry.cloudUserId, ALICE);
    // The UPN is held by Alice: the duplicate gets the placeholder UPN (resiliency, E5).
    assert.match(cloud.entry.quarantined?.[0]?.replacement ?? "", /^alice\d{4}@cs\.onmicrosoft\.com$/);
  });

  it("the other reading of row 27 (upnSoftMatch) joins by UPN as Connect does", async () => {
    const cloud = await sync(rec({ userPrincipalName: "alice@contoso.com" }), "cloudSync", true);
    assert.equal(cloud.entry.outcome, "softMatchUpn");
    assert.equal(cloud.entry.cloudUserId, ALICE);
  });

  it("the primary SMTP address soft-matches under Cloud Sync", async () => {
    const cloud = await sync(
      rec({ userPrincipalName: "a.other@contoso.com", proxyAddresses: ["SMTP:alice.mail@contoso.com"] }),
      "cloudSync",
    );
    assert.equal(cloud.entry.outcome, "softMatchSmtp");
    assert.equal(cloud.entry.cloudUserId, ALICE);
  });

  it("Cloud Sync writes no ConsistencyGuid back", async () => {
    const cloud = await sync(rec({ userPrincipalName: "new@contoso.com" }), "cloudSync");
    assert.equal(cloud.writeBacks.length, 0);
    const connect = await sync(rec({ userPrincipalName: "new@contoso.com" }), "entraConnect");
    assert.equal(connect.writeBacks.length, 1);
  });
});

describe("provisionOnDemand rate limit", () => {
  it("admits 5 calls per 10 seconds and names the wait for the 6th", async () => {
    const t = await tenant();
    const c = configureCloudSync(t, {
      ldap: { url: "ldaps://127.0.0.1", bindDn: "x", bindPassword: "y", caCertPem: "" },
      scope: ["DC=corp,DC=local"],
    });
    const t0 = 1_000_000;
    for (let i = 0; i < ON_DEMAND_LIMIT; i++) assert.equal(admitOnDemandCall(c, t0 + i * 100), undefined);
    const wait = admitOnDemandCall(c, t0 + 1_000);
    assert.equal(wait, 9);
    assert.equal(c.throttled, 1);
    // Once the first call left the window, one more is admitted.
    assert.equal(admitOnDemandCall(c, t0 + ON_DEMAND_WINDOW_MS), undefined);
    assert.notEqual(admitOnDemandCall(c, t0 + ON_DEMAND_WINDOW_MS + 1), undefined);
  });
});
