// Builds one UserLink per entry of the JSON stack config value `links` ([{ name, args }]), so one
// program serves every scenario of tests/safety. Args are passed as given, malformed ones included:
// refusing them is the provider's job, not this program's.
import * as pulumi from "@pulumi/pulumi";
import { UserLink, type UserLinkArgs } from "ad-entra-link";

interface LinkEntry {
  name: string;
  args: UserLinkArgs;
}

const config = new pulumi.Config();
const entries = config.requireObject<LinkEntry[]>("links");
const links = entries.map((e) => new UserLink(e.name, e.args));

export const predictedJoin = Object.fromEntries(links.map((l, i) => [entries[i]!.name, l.predictedJoin]));
export const syncState = Object.fromEntries(links.map((l, i) => [entries[i]!.name, l.syncState]));
