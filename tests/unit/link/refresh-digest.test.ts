/**
 * The refresh digest (link/refresh-digest.ts): a stored link certified under directory facts is
 * taken as unchanged by a refresh only while every fact, the link id and the stored form are the
 * same; a fresh write is certified only when its outputs are a fixed point of refresh; and refresh
 * itself depends on the facts alone (link/refresh.ts), which is what makes the certificate sound.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { guidToBytes } from "../../../provider/core/guid";
import type { AdUser, CloudUser } from "../../../provider/domain/ports";
import {
  canonicalJson,
  isCurrentShape,
  type PackedOutputs,
  packOutputs,
  REFRESH_DIGEST_KEY,
  unpackOutputs,
} from "../../../provider/link/packed";
import { cloudState, inputsOf, linkId, onPremisesState } from "../../../provider/link/recorded";
import {
  type RefreshFacts,
  refreshFactsFromStates,
  refreshFactsOf,
  refreshWith,
} from "../../../provider/link/refresh";
import {
  certified,
  certifiedAfterWrite,
  idsOfLink,
  isCertified,
  REFRESH_LOGIC_VERSION,
} from "../../../provider/link/refresh-digest";
import type { UserLinkInputs, UserLinkOutputs } from "../../../provider/link/types";
import * as runtime from "../../../provider/runtime";
import { linkNameOf, noteChecked } from "../../../provider/session/run-book";

const GUID = "1b7a3c1e-8f4d-4c3a-9a2b-5e6f7d8c9b0a";
const CLOUD_ID = "0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01";
const DN = "CN=Adam,OU=Staff,DC=corp,DC=local";

function adUser(over: Partial<AdUser> = {}): AdUser {
  return {
    dn: DN,
    objectGuid: GUID,
    objectGuidBytes: guidToBytes(GUID),
    sAMAccountName: "adam",
    userPrincipalName: "adam@contoso.com",
    mail: "adam@contoso.com",
    proxyAddresses: ["SMTP:adam@contoso.com", "X500:/o=Org/cn=adam"],
    objectClass: ["user"],
    ...over,
  };
}

function cloudUser(over: Partial<CloudUser> = {}): CloudUser {
  return {
    id: CLOUD_ID,
    userPrincipalName: "adam@contoso.com",
    mail: "adam@contoso.com",
    proxyAddresses: ["SMTP:adam@contoso.com"],
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
    ...over,
  };
}

/** A converged soft-match link as `up` records it: its states are what the directories hold. */
const converged: UserLinkOutputs = {
  onPremises: { samAccountName: "adam" },
  cloud: { userPrincipalName: "adam@contoso.com" },
  link: "org/p/dev/adam",
  onDelete: "retain",
  objects: `AD ${DN} ⇄ cloud ${CLOUD_ID}`,
  plan: ["on-premises mail: (not set) → adam@contoso.com"],
  join: "softMatchSmtp, certain: joins the cloud user on the primary SMTP address",
  resolved: { onPremisesObjectGuid: GUID, onPremisesDistinguishedName: DN, cloudUserId: CLOUD_ID },
  immutableId: guidToBytes(GUID).toString("base64"),
  sourceAnchorAttribute: "objectGUID",
  predictedJoin: {
    outcome: "softMatchSmtp",
    reason: "The primary SMTP address matches.",
    ruleRefs: ["r9"],
    uncertain: false,
  },
  onPremisesState: onPremisesState(adUser()),
  cloudState: cloudState(cloudUser()),
  syncState: "pendingSync",
  before: {
    onPremises: {
      userPrincipalName: "adam@corp.local",
      mail: null,
      proxyAddresses: [],
      consistencyGuid: null,
    },
    cloud: { onPremisesImmutableId: null },
  },
  progress: { onPremisesWritten: true, cloudWritten: true },
  drift: [],
} as unknown as UserLinkOutputs;

const ID = linkId(converged.resolved!);

/** Every single-fact change a directory can make to a user refresh reads. */
const factChanges: [string, Partial<AdUser>, Partial<CloudUser>][] = [
  ["AD moved", { dn: "CN=Adam,OU=Moved,DC=corp,DC=local" }, {}],
  ["AD UPN", { userPrincipalName: "adam@corp.local" }, {}],
  ["AD UPN removed", { userPrincipalName: undefined }, {}],
  ["AD mail", { mail: "a.dam@contoso.com" }, {}],
  ["AD mail removed", { mail: undefined }, {}],
  ["AD proxy order", { proxyAddresses: ["X500:/o=Org/cn=adam", "SMTP:adam@contoso.com"] }, {}],
  [
    "AD proxy added",
    { proxyAddresses: ["SMTP:adam@contoso.com", "X500:/o=Org/cn=adam", "sip:adam@contoso.com"] },
    {},
  ],
  ["AD consistency GUID", { consistencyGuid: guidToBytes(GUID) }, {}],
  ["AD consistency odd length", { consistencyGuid: Buffer.from([1, 2, 3]) }, {}],
  ["cloud UPN", {}, { userPrincipalName: "adam2@contoso.com" }],
  ["cloud mail", {}, { mail: null }],
  ["cloud proxy", {}, { proxyAddresses: ["SMTP:adam@contoso.com", "smtp:a@contoso.com"] }],
  ["cloud ImmutableId", {}, { onPremisesImmutableId: "AAAAAAAAAAAAAAAAAAAAAA==" }],
  ["cloud synced", {}, { onPremisesSyncEnabled: true }],
];

const stored = certifiedAfterWrite(ID, packOutputs(converged));
const facts = refreshFactsOf(adUser(), cloudUser());

describe("refresh digest", () => {
  it("certifies a freshly written link whose outputs refresh would not change", () => {
    assert.equal(typeof stored[REFRESH_DIGEST_KEY], "string");
    assert.ok(isCertified(ID, facts, stored), "the directories hold what the states record");
    // What the fast path skips is what the full refresh would have found: nothing to change.
    const full = refreshWith(unpackOutputs(stored), facts);
    assert.equal(full.inputs, undefined);
    assert.deepEqual(packOutputs(full.outputs, stored.recorded).recorded, stored.recorded);
  });

  it("stops certifying at any change of a fact refresh reads", () => {
    for (const [what, ad, cloud] of factChanges) {
      const changed = refreshFactsOf(adUser(ad), cloudUser(cloud));
      assert.ok(!isCertified(ID, changed, stored), `${what}: still certified`);
    }
  });

  it("covers every leaf of RefreshFacts, including any added later", () => {
    const leaves: string[] = [];
    const mutate = (node: Record<string, unknown>, path: string): void => {
      for (const [k, v] of Object.entries(node)) {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          mutate(v as Record<string, unknown>, `${path}.${k}`);
          continue;
        }
        leaves.push(`${path}.${k}`);
        const copy = structuredClone(facts) as unknown as Record<string, Record<string, unknown>>;
        const side = copy[path.slice(1)]!;
        side[k] = Array.isArray(v) ? [...v, "x"] : v === null ? "x" : typeof v === "boolean" ? !v : `${v}x`;
        assert.ok(
          !isCertified(ID, copy as unknown as RefreshFacts, stored),
          `${path}.${k} is not in the digest`,
        );
      }
    };
    mutate(facts as unknown as Record<string, unknown>, "");
    assert.equal(leaves.length, 12, leaves.join(", "));
  });

  it("never certifies a form with drift", () => {
    assert.ok(!isCertified(ID, facts, { ...stored, drift: ["on-premises mail: a → b"] }));
    const withDrift = certified(ID, facts, { ...stored, drift: ["x"] }, unpackOutputs(stored));
    assert.equal(withDrift[REFRESH_DIGEST_KEY], undefined);
  });

  it("stops certifying for another link id or another stored form", () => {
    assert.ok(!isCertified(`${GUID}/ffffffff-0000-4000-8000-000000000000`, facts, stored));
    const otherRecord = packOutputs({ ...converged, onDelete: "restore" } as UserLinkOutputs);
    assert.ok(
      !isCertified(ID, facts, { ...otherRecord, [REFRESH_DIGEST_KEY]: stored[REFRESH_DIGEST_KEY]! }),
      "another record under a copied digest",
    );
    assert.ok(!isCertified(ID, facts, { ...stored, [REFRESH_DIGEST_KEY]: "" }));
    // Lone surrogates encode to the same UTF-8 bytes: two ids differing only there must not collide.
    const lone = certified("\uD800/x", facts, stored, unpackOutputs(stored));
    assert.ok(isCertified("\uD800/x", facts, lone));
    assert.ok(!isCertified("\uD801/x", facts, lone), "another lone surrogate, the same UTF-8");
    const { [REFRESH_DIGEST_KEY]: _d, ...bare } = stored;
    assert.ok(!isCertified(ID, facts, bare as PackedOutputs), "no digest, no certificate");
  });

  it("does not certify a write that a refresh would change", () => {
    const drifted = { ...converged, onPremisesState: { ...converged.onPremisesState, mail: null } };
    const notConverged = certifiedAfterWrite(ID, packOutputs(drifted as UserLinkOutputs));
    assert.equal(notConverged[REFRESH_DIGEST_KEY], undefined, "AD mail unset: refresh finds drift");
    const wrongSync = certifiedAfterWrite(ID, packOutputs({ ...converged, syncState: "synced" }));
    assert.equal(wrongSync[REFRESH_DIGEST_KEY], undefined, "refresh would correct syncState");
    const otherId = certifiedAfterWrite(`${GUID}/x`, packOutputs(converged));
    assert.equal(otherId[REFRESH_DIGEST_KEY], undefined, "the id must name the recorded objects");
    const extraKey = { ...converged, cloudState: { ...converged.cloudState, displayName: "Adam" } };
    assert.equal(
      certifiedAfterWrite(ID, packOutputs(extraKey as UserLinkOutputs))[REFRESH_DIGEST_KEY],
      undefined,
      "a state key refresh does not write: refresh would drop it",
    );
    const unreadable = {
      ...converged,
      onPremisesState: { ...converged.onPremisesState, objectGuid: "nope" },
    };
    assert.equal(
      certifiedAfterWrite(ID, packOutputs(unreadable as UserLinkOutputs))[REFRESH_DIGEST_KEY],
      undefined,
    );
  });

  it("the states' facts are the directories' facts when nothing changed", () => {
    assert.deepEqual(refreshFactsFromStates(converged), facts);
  });

  it("belongs to the stored form only: unpacking drops it, the shape stays current", () => {
    assert.ok(isCurrentShape(stored));
    const unpacked = unpackOutputs(stored) as unknown as Record<string, unknown>;
    assert.equal(unpacked[REFRESH_DIGEST_KEY], undefined);
    const again = certified(ID, facts, stored, unpackOutputs(stored));
    assert.equal(again[REFRESH_DIGEST_KEY], stored[REFRESH_DIGEST_KEY], "re-certifying is stable");
  });

  it("reads the link id as linkId writes it, and nothing else", () => {
    assert.deepEqual(idsOfLink(ID), { objectGuid: GUID, cloudUserId: CLOUD_ID });
    for (const bad of ["", "/", `${GUID}/`, `/${CLOUD_ID}`, GUID])
      assert.equal(idsOfLink(bad), undefined, bad);
  });
});

describe("refresh depends on the facts alone", () => {
  it("equal facts give equal results, whatever else the directory objects carry", () => {
    const plain = refreshWith(converged, refreshFactsOf(adUser(), cloudUser()));
    const extras = refreshWith(
      converged,
      refreshFactsOf(
        adUser({
          displayName: "Adam",
          employeeID: "7",
          objectSid: "S-1-5-21-1-2-3-1104",
          sAMAccountName: "other",
        }),
        cloudUser({
          displayName: "Adam A.",
          userType: "Member",
          onPremisesLastSyncDateTime: "2026-01-01T00:00:00Z",
        }),
      ),
    );
    assert.deepEqual(extras, plain);
  });

  it("each fact change that matters to the link shows in the refreshed outputs", () => {
    const base = canonicalJson(refreshWith(converged, facts));
    for (const [what, ad, cloud] of factChanges) {
      if (what === "AD consistency odd length") continue; // not a GUID: refresh throws, as before
      const changed = canonicalJson(refreshWith(converged, refreshFactsOf(adUser(ad), cloudUser(cloud))));
      assert.notEqual(changed, base, `${what}: the refreshed outputs ignore it`);
    }
  });

  /**
   * Tripwire: what refresh returns for a fixed record and facts. When this fails, refresh logic
   * changed: bump REFRESH_LOGIC_VERSION (so every stored digest stops matching) and update the hash.
   */
  it("is the refresh logic REFRESH_LOGIC_VERSION names", () => {
    const cases: RefreshFacts[] = [
      facts,
      ...factChanges
        .filter(([w]) => !w.includes("odd"))
        .map(([, a, c]) => refreshFactsOf(adUser(a), cloudUser(c))),
    ];
    const results = cases.map((f) => refreshWith(converged, f));
    const hash = createHash("sha256").update(canonicalJson(results)).digest("hex").slice(0, 16);
    assert.deepEqual(
      { version: REFRESH_LOGIC_VERSION, hash },
      { version: "ad-entra-link/refresh/1", hash: "27bac5e2aed6f027" },
      "refresh logic changed: bump REFRESH_LOGIC_VERSION and record the new hash here",
    );
  });
});

describe("the Diff of a refresh, by declaration digest", () => {
  /** What a refresh's Diff gets: the stored outputs and the inputs recorded at the last `up`. */
  const recordedInputs = inputsOf(converged);

  async function bothWays(
    stored: PackedOutputs,
    news: Record<string, unknown>,
  ): Promise<{ hosted: unknown; full: unknown; byDigest: number }> {
    await runtime.shutdown();
    const hosted = await runtime.hosted.diff(ID, stored, news as unknown as UserLinkInputs);
    const byDigest = runtime.refreshStats().diffsByDigest;
    const full = await runtime.diff(ID, unpackOutputs(stored), news as unknown as UserLinkInputs);
    await runtime.shutdown();
    return { hosted, full, byDigest };
  }

  it("answers a settled link with the options its inputs declare, as the full diff does", async () => {
    assert.match(stored[REFRESH_DIGEST_KEY] ?? "", /^[\w-]+\.[\w-]+$/, "facts and declaration digests");
    const r = await bothWays(stored, recordedInputs as unknown as Record<string, unknown>);
    assert.equal(r.byDigest, 1, "answered by digest");
    assert.deepEqual(r.hosted, r.full);
    assert.deepEqual(r.hosted, { changes: false, replaces: [], deleteBeforeReplace: true });
  });

  it("leaves every other case to the full diff, which finds the change", async () => {
    const news = recordedInputs as unknown as Record<string, unknown>;
    const cases: [string, PackedOutputs, Record<string, unknown>][] = [
      ["another onDelete", stored, { ...news, onDelete: "restore" }],
      ["hard match now", stored, { ...news, match: "hard" }],
      ["an extra proxy address", stored, { ...news, additionalProxyAddresses: ["smtp:adam2@contoso.com"] }],
      ["a reason added", stored, { ...news, reason: "CHG-1" }],
      ["inputs that no longer validate", stored, { ...news, cloud: {} }],
      ["drift recorded", { ...stored, drift: ["on-premises mail: a → b"] }, news],
      [
        "a write not finished",
        certifiedAfterWrite(
          ID,
          packOutputs({
            ...converged,
            progress: { onPremisesWritten: true, cloudWritten: false },
          } as UserLinkOutputs),
        ),
        news,
      ],
    ];
    for (const [what, olds, inputs] of cases) {
      const r = await bothWays(olds, inputs);
      assert.equal(r.byDigest, 0, `${what}: answered by digest`);
      assert.deepEqual(r.hosted, r.full, what);
      assert.equal((r.full as { changes: boolean }).changes, true, `${what}: the full diff finds a change`);
    }
  });

  it("is only for a refresh: a link checked in this process is diffed in full", async () => {
    await runtime.shutdown();
    noteChecked(linkNameOf(recordedInputs as unknown as Record<string, unknown>));
    const r = await runtime.hosted.diff(ID, stored, recordedInputs as UserLinkInputs);
    assert.equal(runtime.refreshStats().diffsByDigest, 0);
    assert.equal(r.changes, true, "checked now without a resolution: diff says pending, as before");
    await runtime.shutdown();
  });
});
