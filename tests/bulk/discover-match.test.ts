/**
 * The pure matcher of `discover` (provider/discover/match.ts): evidence, confidence, conflicts,
 * unmatched users and predicted joins, as table tests over small hand-made directories and over the
 * whole seed scenario; and the reports rendered from a result.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { guidToImmutableId } from "../../provider/core/immutable-id";
import {
  type DiscoveryAdUser,
  type DiscoveryCloudUser,
  EVIDENCE_WEIGHTS,
  type EvidenceKind,
  proposeLinks,
  renderDiscoveredLinks,
  renderHtmlReport,
  renderMarkdownReport,
} from "../../provider/discover";
import { parseLinksText } from "../../provider/links";
import { adUserOf, cloudUserOf, seedDirectories, seedRoles, seedTenant, stableGuid } from "./seed-directory";
import { guidToBytes } from "../../provider/core/guid";

function ad(sam: string, extra: Partial<DiscoveryAdUser> = {}): DiscoveryAdUser {
  const objectGuid = stableGuid(`t/${sam}`);
  return {
    dn: `CN=${sam},OU=T,DC=corp,DC=local`,
    objectGuid,
    objectGuidBytes: guidToBytes(objectGuid),
    sAMAccountName: sam,
    proxyAddresses: [],
    ...extra,
  };
}

function cloud(id: string, upn: string, extra: Partial<DiscoveryCloudUser> = {}): DiscoveryCloudUser {
  return {
    id: stableGuid(`c/${id}`),
    userPrincipalName: upn,
    proxyAddresses: [],
    userType: "Member",
    ...extra,
  };
}

const combined = (kinds: EvidenceKind[]) =>
  Math.round((1 - kinds.reduce((miss, k) => miss * (1 - EVIDENCE_WEIGHTS[k]), 1)) * 1000) / 1000;

test("each kind of evidence is found, and confidence combines the weights", () => {
  const x = ad("x");
  const cases: { name: string; ad: DiscoveryAdUser; cloud: DiscoveryCloudUser; kinds: EvidenceKind[] }[] = [
    {
      name: "same UPN",
      ad: ad("u1", { userPrincipalName: "Pat.Lee@contoso.com" }),
      cloud: cloud("u1", "pat.lee@contoso.com"),
      kinds: ["userPrincipalName"],
    },
    {
      name: "same primary SMTP (AD SMTP: proxy vs cloud mail)",
      ad: ad("u2", { proxyAddresses: ["SMTP:kim@contoso.com", "smtp:k@contoso.com"] }),
      cloud: cloud("u2", "kim.x@contoso.com", {
        mail: "kim@contoso.com",
        proxyAddresses: ["SMTP:kim@contoso.com"],
      }),
      kinds: ["primarySmtp"],
    },
    {
      name: "AD mail is a secondary cloud proxy address",
      ad: ad("u3", { mail: "lo@contoso.com", proxyAddresses: ["smtp:lo@contoso.com"] }),
      cloud: cloud("u3", "lo.w@contoso.com", {
        proxyAddresses: ["SMTP:lo.w@contoso.com", "smtp:lo@contoso.com"],
      }),
      kinds: ["mailIsCloudProxyAddress"],
    },
    {
      name: "sAMAccountName equals mailNickname, plus names",
      ad: ad("jdoe", { displayName: "Jo Doe", givenName: "Jo", sn: "Doe" }),
      cloud: cloud("u4", "jo.doe@contoso.com", {
        mailNickname: "JDOE",
        displayName: "Jo  Doe",
        givenName: "jo",
        surname: "DOE",
      }),
      kinds: ["mailNickname", "displayName", "givenNameAndSurname"],
    },
    {
      name: "same employeeId and accents ignored in names",
      ad: ad("u5", { employeeID: "E77", displayName: "Zoë Ríos" }),
      cloud: cloud("u5", "zoe@contoso.com", { employeeId: "e77", displayName: "Zoe Rios" }),
      kinds: ["employeeId", "displayName"],
    },
    {
      name: "cloud ImmutableId is the AD anchor",
      ad: x,
      cloud: cloud("u6", "x@contoso.com", {
        onPremisesImmutableId: guidToImmutableId(x.objectGuid),
        onPremisesSyncEnabled: true,
      }),
      kinds: ["sourceAnchor"],
    },
  ];
  for (const c of cases) {
    const r = proposeLinks([c.ad], [c.cloud]);
    const p = r.proposals[0];
    assert.ok(p, `${c.name}: proposed`);
    assert.deepEqual(p.evidence.map((e) => e.kind).sort(), [...c.kinds].sort(), c.name);
    assert.equal(p.confidence, combined(c.kinds), c.name);
  }
  // An already-synced pair from this very anchor is predicted alreadyJoined, not a conflict.
  const joined = proposeLinks([cases[5]!.ad], [cases[5]!.cloud]);
  assert.equal(joined.proposals[0]!.predictedJoin.outcome, "alreadyJoined");
  assert.equal(joined.conflicts.length, 0);
});

test("weak evidence alone is not a candidate; min confidence is a knob", () => {
  const a = ad("u1", { displayName: "Sam Lee" });
  const c = cloud("c1", "s.lee@contoso.com", { displayName: "Sam Lee" });
  const r = proposeLinks([a], [c]);
  assert.equal(r.proposals.length, 0);
  assert.equal(r.stats.candidatePairs, 0);
  assert.deepEqual([r.unmatchedAd.length, r.unmatchedCloud.length], [1, 1]);
  const lax = proposeLinks([a], [c], {}, { minConfidence: 0.4 });
  assert.equal(lax.proposals.length, 1);
  assert.equal(lax.proposals[0]!.confidence, 0.4);
});

test("conflicts: one cloud user claimed by two AD users, one AD user matching two cloud users", () => {
  const names = { displayName: "Dana Scott", givenName: "Dana", sn: "Scott" };
  const c = cloud("dana", "dana.scott@contoso.com", {
    displayName: "Dana Scott",
    givenName: "Dana",
    surname: "Scott",
  });
  const r = proposeLinks([ad("dscott", names), ad("dscott2", names)], [c]);
  assert.equal(r.proposals.length, 0);
  assert.equal(r.conflicts.length, 1);
  assert.equal(r.conflicts[0]!.kind, "cloudUserClaimedByMany");
  assert.deepEqual(r.conflicts[0]!.ad.map((a) => a.samAccountName).sort(), ["dscott", "dscott2"]);
  assert.match(r.conflicts[0]!.message, /matches 2 AD users equally well .*on their names only/);
  assert.deepEqual([r.unmatchedAd.length, r.unmatchedCloud.length], [0, 0]);

  // A stronger piece of evidence on one of them settles it: the other is simply unmatched.
  const settled = proposeLinks(
    [ad("dscott", { ...names, employeeID: "E9" }), ad("dscott2", names)],
    [{ ...c, employeeId: "E9" }],
  );
  assert.deepEqual(
    settled.proposals.map((p) => p.ad.samAccountName),
    ["dscott"],
  );
  assert.deepEqual(
    settled.unmatchedAd.map((a) => a.samAccountName),
    ["dscott2"],
  );
  assert.equal(settled.conflicts.length, 0);

  const many = proposeLinks(
    [ad("lee", { employeeID: "E1" })],
    [
      cloud("a", "lee.a@contoso.com", { employeeId: "E1" }),
      cloud("b", "lee.b@contoso.com", { employeeId: "E1" }),
    ],
  );
  assert.equal(many.conflicts.length, 1);
  assert.equal(many.conflicts[0]!.kind, "adUserMatchesMany");
  assert.deepEqual(many.conflicts[0]!.cloud.map((x) => x.userPrincipalName).sort(), [
    "lee.a@contoso.com",
    "lee.b@contoso.com",
  ]);
});

test("assignment is one-to-one, strongest pair first", () => {
  // a1 fits c1 strongly and c2 weakly; a2 fits c2 strongly: both get their strong partner.
  const a1 = ad("a1", { employeeID: "1", displayName: "Al Bo", givenName: "Al", sn: "Bo" });
  const a2 = ad("a2", { employeeID: "2" });
  const c1 = cloud("c1", "al@contoso.com", { employeeId: "1" });
  const c2 = cloud("c2", "al.bo@contoso.com", {
    employeeId: "2",
    displayName: "Al Bo",
    givenName: "Al",
    surname: "Bo",
  });
  const r = proposeLinks([a1, a2], [c1, c2]);
  assert.deepEqual(
    r.proposals.map((p) => [p.ad.samAccountName, p.cloud.userPrincipalName]),
    [
      ["a1", "al@contoso.com"],
      ["a2", "al.bo@contoso.com"],
    ],
  );
});

test("guests are skipped, names shared by too many users are not evidence", () => {
  const guest = cloud("g", "kim_ext#EXT#@contoso.onmicrosoft.com", { userType: "Guest", employeeId: "E5" });
  const r = proposeLinks([ad("kim", { employeeID: "E5" })], [guest]);
  assert.equal(r.proposals.length, 0);
  assert.equal(r.stats.cloudGuestsSkipped, 1);
  assert.equal(r.unmatchedCloud.length, 0, "guests are not listed as unmatched");

  const crowd = Array.from({ length: 4 }, (_, i) =>
    cloud(`j${i}`, `j${i}@contoso.com`, { displayName: "J Smith", givenName: "J", surname: "Smith" }),
  );
  const capped = proposeLinks(
    [ad("js", { displayName: "J Smith", givenName: "J", sn: "Smith" })],
    crowd,
    {},
    { maxNameBucket: 3 },
  );
  assert.equal(capped.stats.namesTooCommon, 2);
  assert.equal(capped.stats.candidatePairs, 0);
  assert.equal(capped.conflicts.length, 0);
});

test("the seed scenario: 47 marketing users and the five people proposed; Dana, Gina, Pat, Sam are conflicts", () => {
  const { ad: adUsers, cloud: cloudUsers } = seedDirectories();
  const r = proposeLinks(adUsers, cloudUsers, {
    tenant: seedTenant(),
    roles: seedRoles(),
    allowedSearchBases: ["OU=Staff,DC=corp,DC=local", "OU=Marketing,DC=corp,DC=local"],
  });
  const bySam = new Map(r.proposals.map((p) => [p.ad.samAccountName, p]));
  for (let i = 1; i <= 47; i++) {
    const n = String(i).padStart(2, "0");
    const p = bySam.get(`mkt${n}`);
    assert.ok(p, `mkt${n} proposed`);
    assert.equal(p.cloud.id, `c0ffee00-0000-4000-8000-0000000000${n}`);
    assert.deepEqual(
      p.evidence.map((e) => e.kind),
      ["employeeId", "displayName", "givenNameAndSurname"],
    );
    assert.equal(p.confidence, combined(["employeeId", "displayName", "givenNameAndSurname"]));
    assert.equal(p.predictedJoin.outcome, "softMatchSmtp");
    assert.equal(p.joins, true);
  }
  const outcomes = Object.fromEntries(
    ["aanderson", "awood", "bcosta", "cli", "sobrien", "fwalsh"].map((s) => [
      s,
      bySam.get(s)?.predictedJoin.outcome,
    ]),
  );
  assert.deepEqual(outcomes, {
    aanderson: "softMatchSmtp",
    awood: "softMatchSmtp",
    bcosta: "softMatchUpn",
    cli: "softMatchSmtp",
    sobrien: "softMatchSmtp",
    // Federated domain: the documented rules soft-match; a 2018 report says otherwise (row 26 [U]).
    fwalsh: "softMatchSmtp",
  });
  assert.deepEqual(
    bySam.get("bcosta")!.evidence.map((e) => e.kind),
    ["employeeId", "userPrincipalName", "displayName", "givenNameAndSurname"],
  );
  assert.deepEqual(
    bySam.get("cli")!.evidence.map((e) => e.kind),
    ["employeeId", "primarySmtp", "displayName", "givenNameAndSurname"],
  );
  // Fiona's UPN is on a federated domain: the join rests on an uncertain rule, so it is proposed
  // for review, not written.
  assert.equal(bySam.get("fwalsh")!.joins, false);
  assert.match(bySam.get("fwalsh")!.predictedJoin.uncertainRules?.join(" ") ?? "", /row 26 \[U\]/);
  assert.equal(r.proposals.length, 53);
  assert.equal(r.stats.proposalsThatJoin, 52);

  assert.deepEqual(
    r.conflicts.map((c) => [
      c.kind,
      c.cloud.map((x) => x.userPrincipalName).join(),
      c.ad
        .map((a) => a.samAccountName)
        .sort()
        .join(),
    ]),
    [
      ["cloudUserClaimedByMany", "dana.scott@contoso.com", "dscott,dscott2"],
      ["privilegedCloudUser", "gina.marsh@contoso.com", "gmarsh"],
      ["privilegedCloudUser", "pat.kowalski@contoso.com", "pkowalski"],
      ["cloudUserSyncedElsewhere", "sam.taylor@contoso.com", "staylor"],
    ],
  );
  assert.deepEqual(
    r.unmatchedAd.map((a) => a.samAccountName),
    ["svc-backup"],
  );
  assert.deepEqual(
    r.unmatchedCloud.map((c) => c.userPrincipalName),
    ["olivia.cloud@contoso.com"],
  );
  // Without role data, Gina would have been proposed: the report says roles were not read.
  const noRoles = proposeLinks(adUsers, cloudUsers, { tenant: seedTenant() });
  assert.ok(noRoles.proposals.some((p) => p.ad.samAccountName === "gmarsh"));
});

test("a proposal outside the allowed search bases is warned", () => {
  const a = adUserOf({
    key: "k",
    ou: "OU=Restricted",
    cn: "Kai",
    sAMAccountName: "kai",
    userPrincipalName: "kai@contoso.com",
    givenName: "Kai",
    sn: "Ng",
    displayName: "Kai Ng",
  });
  const c = cloudUserOf({
    key: "k",
    id: stableGuid("kai"),
    userPrincipalName: "kai@contoso.com",
    displayName: "Kai Ng",
    givenName: "Kai",
    surname: "Ng",
    mailNickname: "kai",
  });
  const r = proposeLinks([a], [c], { allowedSearchBases: ["OU=Staff,DC=corp,DC=local"] });
  assert.match(
    r.proposals[0]?.warnings[0] ?? "",
    /outside the allowed search bases \(OU=Staff,DC=corp,DC=local\)/,
  );
});

test("reports: a links file of the joining proposals, Markdown, and a self-contained sortable HTML page", () => {
  const { ad: adUsers, cloud: cloudUsers } = seedDirectories();
  const result = proposeLinks(adUsers, cloudUsers, { tenant: seedTenant(), roles: seedRoles() });
  const run = {
    result,
    searchBases: ["DC=corp,DC=local"],
    tenantId: "t",
    startedAt: "2026-01-01T00:00:00.000Z",
    notes: ["note <b>"],
  };

  const links = parseLinksText(renderDiscoveredLinks(run), "links.discovered.yaml", "yaml");
  assert.equal(links.entries.length, 52);
  const ava = links.entries.find((e) => e.name === "ava-hart01");
  assert.deepEqual(ava?.args.onPremises, { samAccountName: "mkt01" });
  assert.deepEqual(ava?.args.cloud, { userPrincipalName: "ava.hart01@contoso.com" });
  assert.ok(!links.entries.some((e) => e.args.onPremises.samAccountName === "fwalsh"));
  assert.ok(!links.entries.some((e) => e.args.onPremises.samAccountName?.startsWith("dscott")));

  const md = renderMarkdownReport(run);
  for (const heading of [
    "## Proposed links (52)",
    "## Proposed, but not predicted to join (1)",
    "## Conflicts (4)",
    "## Unmatched AD users (1)",
    "## Unmatched cloud users (1)",
  ]) {
    assert.ok(md.includes(heading), heading);
  }
  assert.match(
    md,
    /\| ava-hart01 \| mkt01 \| CN=Ava Hart01,OU=Marketing,DC=corp,DC=local \| ava\.hart01@contoso\.com \| 0\.961 \|/,
  );

  const html = renderHtmlReport(run);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(!/\b(src|href)=/i.test(html), "no external assets");
  assert.ok(html.includes('<table class="sortable" id="proposals">'));
  assert.ok(html.includes('addEventListener("click", sort)'));
  assert.ok(html.includes("note &lt;b&gt;"), "text is escaped");
  assert.equal(
    (html.match(/<tr>/g) ?? []).length,
    4 + 53 + 5 + 1 + 1,
    "header rows + one row per proposal, conflict pair and unmatched user",
  );
});
