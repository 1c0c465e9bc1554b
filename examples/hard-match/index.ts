// The seed's second procedure: *hard-match* by writing the on-premises source anchor, as a base64
// ImmutableId in Microsoft's byte order, onto the cloud user. The UPN/mail alignment of the soft
// procedure is done as well, as the seed recommends, so both matching paths agree.
import * as pulumi from "@pulumi/pulumi";
import { UserLink } from "ad-entra-link";

// Defaults are the seed scenario; point them at your own users with `pulumi config set`.
const config = new pulumi.Config();
const onDelete = config.get("onDelete") === "restore" ? "restore" : "retain";

// Bruno has no mailbox in the cloud, so there is no SMTP address to soft-match on: hard match it.
const bruno = new UserLink("bruno-costa", {
  onPremises: { samAccountName: config.get("brunoSamAccountName") ?? "bcosta" },
  cloud: { userPrincipalName: config.get("brunoCloudUpn") ?? "bruno.costa@contoso.com" },
  match: "hard",
  onDelete,
  reason: "CHG-1042: Bruno has no Exchange Online mailbox",
});

// Chen's mS-DS-ConsistencyGuid is already set and differs from the objectGUID: Entra Connect
// sends the ConsistencyGuid, so that is what the ImmutableId must be made of ("auto" does this).
const chen = new UserLink("chen-li", {
  onPremises: { samAccountName: config.get("chenSamAccountName") ?? "cli" },
  cloud: { userPrincipalName: config.get("chenCloudUpn") ?? "chen.li@contoso.com" },
  match: "hard",
  sourceAnchor: "auto",
  onDelete,
  reason: "CHG-1043: ConsistencyGuid already set by the old sync tool",
});

export const immutableIds = { bruno: bruno.immutableId, chen: chen.immutableId };
export const sourceAnchors = { bruno: bruno.sourceAnchorAttribute, chen: chen.sourceAnchorAttribute };
export const plan = { bruno: bruno.planSummary, chen: chen.planSummary };
export const predictedJoin = {
  bruno: bruno.predictedJoin.apply((p) => p.outcome),
  chen: chen.predictedJoin.apply((p) => p.outcome),
};
