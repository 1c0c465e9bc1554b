// The identity repository's Pulumi program: one UserLink per entry of the links file. The links file
// is the only thing a pull request is expected to change; this program, the policy pack and the
// dependencies are what the preview job runs from the base branch (README "Threat model").
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type LinksFile, loadLinksFile, UserLink } from "ad-entra-link";

const config = new pulumi.Config("ad-entra-link");
const linksFile = config.get("linksFile") ?? "links.yaml";

let file: LinksFile;
try {
  file = loadLinksFile(path.resolve(linksFile), { displayName: linksFile });
} catch (err) {
  // Every ad-entra-link error names the setting or the file, line and field: shown without a stack.
  const name = (err as { name?: string }).name;
  if (name === "LinksFileInvalidError" || name === "ConfigurationError") {
    throw new pulumi.RunError((err as Error).message);
  }
  throw err;
}

const links: Record<
  string,
  pulumi.Output<{ plan: string[]; predictedJoin: string; uncertain: boolean }>
> = {};
for (const entry of file.entries) {
  const link = new UserLink(entry.name, entry.args);
  links[entry.name] = pulumi.all([link.planSummary, link.predictedJoin]).apply(([plan, prediction]) => ({
    plan: plan ?? [],
    predictedJoin: prediction?.outcome ?? "unknown",
    uncertain: prediction?.uncertain ?? true,
  }));
}

/** Per link: what changed (current → planned) and the predicted Entra Connect join. */
export const summary = links;
export const linkCount = file.entries.length;
