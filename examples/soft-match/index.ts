// The seed's first procedure: make Entra Connect *soft-match* on-premises users to the cloud users
// that already own the mailboxes, by aligning userPrincipalName, mail and the primary SMTP: proxy
// address on-premises. Nothing is written to the cloud.
import * as pulumi from "@pulumi/pulumi";
import { summarizeLinks, UserLink } from "ad-entra-link";

// Defaults are the seed scenario; point them at your own users with `pulumi config set`.
const config = new pulumi.Config();

// `match` defaults to "soft": align UPN, mail and the primary SMTP address; write nothing to the cloud.
// Adam's AD account has a non-routable UPN (aanderson@corp.local) and no mail at all.
const adam = new UserLink("adam-anderson", {
  onPremises: { samAccountName: config.get("adamSamAccountName") ?? "aanderson" },
  cloud: { userPrincipalName: config.get("adamCloudUpn") ?? "adam.anderson@contoso.com" },
});

// Alva's "primary" address is written in lower case (smtp:), so Entra Connect sees no primary SMTP.
// The link re-cases it to SMTP: and leaves her X500:, SIP: and other smtp: addresses alone.
const alva = new UserLink("alva-wood", {
  onPremises: { samAccountName: config.get("alvaSamAccountName") ?? "awood" },
  cloud: { userPrincipalName: config.get("alvaCloudUpn") ?? "alva.wood@contoso.com" },
});

// Known at preview: what changes per link and what Entra Connect will do; the table at the end of
// the run (under "Diagnostics") sums it up.
export const plan = { adam: adam.plan, alva: alva.plan };
export const join = { adam: adam.join, alva: alva.join };
// After `up`: pendingSync until Entra Connect's next cycle, then synced.
export const syncState = { adam: adam.syncState, alva: alva.syncState };
summarizeLinks([adam, alva]);
