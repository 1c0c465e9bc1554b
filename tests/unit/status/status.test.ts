/**
 * `status`, pure parts: the state of a link from one observation (the same reading `up`'s Connect
 * wait uses), the one-line form, the JSON shape and the links read from a `pulumi stack export`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SyncObservation } from "../../../provider/domain/ports";
import {
  needsAttention,
  type LinkStatus,
  linksFromStackExport,
  renderStatus,
  type StatusLink,
  statusLine,
  statusOf,
} from "../../../provider/status/status";
import { readSyncState } from "../../../provider/status/sync-state";

const LINKED = "0b7e4a51-9c1d-4f2e-8a3b-5d6c7e8f9a01";
const ANCHOR = "2fi1M7SO90qttd3Bz/TvKg==";
const link: StatusLink = { linkName: "bruno-costa", cloudUserId: LINKED, immutableId: ANCHOR };

function user(patch: Partial<SyncObservation> = {}): SyncObservation {
  return {
    id: LINKED,
    userPrincipalName: "bruno.costa@contoso.com",
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
    onPremisesLastSyncDateTime: null,
    provisioningErrors: [],
    ...patch,
  };
}

const duplicate = user({
  id: "9d9d9d9d-0000-4000-8000-000000000001",
  userPrincipalName: "bruno.costa1234@contoso.onmicrosoft.com",
  onPremisesImmutableId: ANCHOR,
  onPremisesSyncEnabled: true,
  provisioningErrors: [
    {
      category: "PropertyConflict",
      propertyCausingError: "UserPrincipalName",
      value: "bruno.costa@contoso.com",
      occurredDateTime: "2026-01-01T00:00:00Z",
    },
  ],
});

describe("the state of a link", () => {
  it("synced: joined with the link's ImmutableId", () => {
    const joined = user({
      onPremisesImmutableId: ANCHOR,
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: "2026-01-02T03:04:05Z",
    });
    const s = statusOf(link, joined, [joined]);
    assert.equal(s.state, "synced");
    assert.equal(s.join, "joined to bruno.costa@contoso.com");
    assert.equal(s.lastSync, "2026-01-02T03:04:05Z");
    assert.deepEqual(s.duplicates, [], "the linked user holding its own anchor is no duplicate");
  });

  it("the linked user matches by id case-insensitively, the anchor case-sensitively", () => {
    const upper = user({
      id: LINKED.toUpperCase(),
      onPremisesImmutableId: ANCHOR,
      onPremisesSyncEnabled: true,
    });
    assert.equal(statusOf(link, upper, [upper]).duplicates.length, 0);
    const otherCase = user({ onPremisesImmutableId: ANCHOR.toLowerCase(), onPremisesSyncEnabled: true });
    assert.equal(statusOf(link, otherCase, []).state, "syncedElsewhere");
  });

  it("synced elsewhere: synced, but from another AD object", () => {
    const s = statusOf(link, user({ onPremisesImmutableId: "other==", onPremisesSyncEnabled: true }), []);
    assert.equal(s.state, "syncedElsewhere");
    assert.match(s.join, /another AD object \(ImmutableId other==\)/);
  });

  it("pending: cloud-only with the ImmutableId stamped; cloud-only: nothing stamped", () => {
    const pending = statusOf(link, user({ onPremisesImmutableId: ANCHOR }), []);
    assert.equal(pending.state, "pending");
    assert.match(pending.join, /next sync cycle hard-matches it/);
    const cloudOnly = statusOf(link, user(), []);
    assert.equal(cloudOnly.state, "cloudOnly");
    assert.equal(cloudOnly.join, "not joined yet");
  });

  it("a duplicate: the synced holder of the anchor is named, with what was quarantined on it", () => {
    const s = statusOf(link, user(), [duplicate]);
    assert.equal(s.state, "cloudOnly");
    assert.deepEqual(s.duplicates, [{ id: duplicate.id, userPrincipalName: duplicate.userPrincipalName }]);
    assert.match(s.join, /a DUPLICATE bruno\.costa1234@contoso\.onmicrosoft\.com/);
    assert.deepEqual(s.provisioningErrors, ["UserPrincipalName bruno.costa@contoso.com (PropertyConflict)"]);
  });

  it("a cloud-only holder of the anchor is not a duplicate (only the sync service creates those)", () => {
    const holder = { ...duplicate, onPremisesSyncEnabled: null };
    assert.deepEqual(readSyncState(link, user(), [holder]).duplicates, []);
  });

  it("missing: the linked user is gone; a duplicate is still reported", () => {
    const s = statusOf(link, undefined, [duplicate]);
    assert.equal(s.state, "missing");
    assert.equal(s.userPrincipalName, undefined);
    assert.equal(s.duplicates.length, 1);
  });

  it("the recorded outcome of the last confirmed up is carried", () => {
    assert.equal(
      statusOf({ ...link, recordedOutcome: "duplicate" }, user(), []).recordedOutcome,
      "duplicate",
    );
    assert.equal("recordedOutcome" in statusOf(link, user(), []), false);
  });
});

describe("what status prints", () => {
  const withDuplicate = statusOf({ ...link, recordedOutcome: "duplicate" }, user(), [duplicate]);

  it("one line per link: state in words, the join, duplicates, errors, the last up", () => {
    assert.equal(
      statusLine(withDuplicate),
      `bruno-costa: cloud-only — a DUPLICATE bruno.costa1234@contoso.onmicrosoft.com (${duplicate.id}) took the AD user — duplicates: bruno.costa1234@contoso.onmicrosoft.com — provisioning errors: UserPrincipalName bruno.costa@contoso.com (PropertyConflict) — last up: duplicate`,
    );
    const elsewhere = statusOf(link, user({ onPremisesImmutableId: "x", onPremisesSyncEnabled: true }), []);
    assert.match(statusLine(elsewhere), /^bruno-costa: synced elsewhere — /);
    assert.equal(statusLine(statusOf(link, user(), [])), "bruno-costa: cloud-only — not joined yet");
  });

  it("text: one line per link, in order", () => {
    const other = statusOf({ ...link, linkName: "chen-li" }, user({ onPremisesImmutableId: ANCHOR }), []);
    const text = renderStatus([withDuplicate, other], false);
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? "", /^bruno-costa: cloud-only/);
    assert.match(lines[1] ?? "", /^chen-li: pending/);
  });

  it("--json: an array of LinkStatus with the machine words for the state", () => {
    const parsed = JSON.parse(renderStatus([withDuplicate], true)) as LinkStatus[];
    assert.equal(parsed.length, 1);
    assert.deepEqual(Object.keys(parsed[0] as object).sort(), [
      "cloudUserId",
      "duplicates",
      "join",
      "linkName",
      "provisioningErrors",
      "recordedOutcome",
      "state",
      "userPrincipalName",
    ]);
    assert.equal(parsed[0]?.state, "cloudOnly");
    assert.equal(parsed[0]?.duplicates[0]?.id, duplicate.id);
    assert.equal(renderStatus([], true), "[]\n");
  });
});

describe("the links of a stack export", () => {
  it("reads every UserLink with a resolved cloud user and an ImmutableId, with its last joinResult", () => {
    const doc = {
      deployment: {
        resources: [
          { urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", outputs: {} },
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/ad-entra-link:UserLink::bruno-costa",
            outputs: {
              resolved: { cloudUserId: LINKED, onPremisesDistinguishedName: "CN=Bruno,OU=Staff,DC=corp" },
              immutableId: ANCHOR,
              joinResult: { outcome: "joined" },
            },
          },
          // Created but never applied (no immutableId): nothing to observe.
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/ad-entra-link:UserLink::half",
            outputs: { resolved: { cloudUserId: LINKED } },
          },
        ],
      },
    };
    assert.deepEqual(linksFromStackExport(doc), [
      {
        linkName: "bruno-costa",
        cloudUserId: LINKED,
        immutableId: ANCHOR,
        onPremisesDistinguishedName: "CN=Bruno,OU=Staff,DC=corp",
        recordedOutcome: "joined",
      },
    ]);
  });

  it("reads the joinResult from state as 0.3.0 stores it (packed in `recorded`), and skips a hand-edited record", () => {
    const link = (name: string, recorded: string) => ({
      urn: `urn:pulumi:s::p::pulumi-nodejs:dynamic/ad-entra-link:UserLink::${name}`,
      outputs: { resolved: { cloudUserId: LINKED }, immutableId: ANCHOR, recorded },
    });
    const doc = {
      deployment: {
        resources: [
          link("packed", JSON.stringify({ joinResult: { outcome: "joinedElsewhere" } })),
          link("edited", "{not json"),
        ],
      },
    };
    assert.deepEqual(
      linksFromStackExport(doc).map((l) => [l.linkName, l.recordedOutcome]),
      [
        ["packed", "joinedElsewhere"],
        ["edited", undefined],
      ],
    );
  });

  it("anything that is not an export has no links", () => {
    assert.deepEqual(linksFromStackExport(null), []);
    assert.deepEqual(linksFromStackExport({ deployment: {} }), []);
  });
});

describe("needsAttention (status --check)", () => {
  const base = {
    linkName: "l",
    cloudUserId: "c",
    join: "",
    duplicates: [] as { id: string; userPrincipalName: string }[],
    provisioningErrors: [] as string[],
  };
  it("fails duplicates, provisioning errors, another source and a gone user", () => {
    assert.equal(needsAttention({ ...base, state: "syncedElsewhere" }), true);
    assert.equal(needsAttention({ ...base, state: "missing" }), true);
    assert.equal(
      needsAttention({ ...base, state: "cloudOnly", duplicates: [{ id: "d", userPrincipalName: "d@x" }] }),
      true,
    );
    assert.equal(
      needsAttention({
        ...base,
        state: "synced",
        provisioningErrors: ["UserPrincipalName x (PropertyConflict)"],
      }),
      true,
    );
  });
  it("lets joined and waiting links pass", () => {
    for (const state of ["synced", "pending", "cloudOnly"] as const) {
      assert.equal(needsAttention({ ...base, state }), false, state);
    }
  });
});
