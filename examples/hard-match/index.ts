// The seed's second procedure: *hard-match* by writing the on-premises source anchor, as a base64
// ImmutableId in Microsoft's byte order, onto the cloud user. The UPN/mail alignment of the soft
// procedure is done as well, as the seed recommends, so both matching paths agree.
import * as pulumi from "@pulumi/pulumi";
import { summarizeLinks, UserLink } from "ad-entra-link";

// Defaults are the seed scenario; point them at your own users with `pulumi config set`.
const config = new pulumi.Config();
// `onDelete: restore` puts the recorded values back on destroy; the default (`retain`) leaves both sides.
const onDelete = config.get("onDelete") === "restore" ? { onDelete: "restore" as const } : {};

// Bruno has no mailbox in the cloud, so there is no SMTP address to soft-match on: hard match it.
const bruno = new UserLink("bruno-costa", {
  onPremises: { samAccountName: config.get("brunoSamAccountName") ?? "bcosta" },
  cloud: { userPrincipalName: config.get("brunoCloudUpn") ?? "bruno.costa@contoso.com" },
  match: "hard",
  ...onDelete,
  reason: "CHG-1042: Bruno has no Exchange Online mailbox",
});

// Chen's mS-DS-ConsistencyGuid is already set and differs from the objectGUID: Entra Connect
// sends the ConsistencyGuid, so that is what the ImmutableId must be made of (the default
// `sourceAnchor: "auto"` does this).
const chen = new UserLink("chen-li", {
  onPremises: { samAccountName: config.get("chenSamAccountName") ?? "cli" },
  cloud: { userPrincipalName: config.get("chenCloudUpn") ?? "chen.li@contoso.com" },
  match: "hard",
  ...onDelete,
  reason: "CHG-1043: ConsistencyGuid already set by the old sync tool",
});

// Known at preview: what changes per link and what Entra Connect will do; after `up`, the
// ImmutableIds written. The table at the end of the run (under "Diagnostics") sums it up.
export const plan = { bruno: bruno.plan, chen: chen.plan };
export const join = { bruno: bruno.join, chen: chen.join };
export const immutableIds = { bruno: bruno.immutableId, chen: chen.immutableId };
export const sourceAnchors = { bruno: bruno.sourceAnchorAttribute, chen: chen.sourceAnchorAttribute };
export const syncState = { bruno: bruno.syncState, chen: chen.syncState };
summarizeLinks([bruno, chen]);
