// The identity repository's Pulumi program: one UserLink per entry of the links file. The links file
// is the only thing a pull request is expected to change; this program, the policy pack and the
// dependencies are what the preview job runs from the base branch (README "Threat model").
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type LinksFile, loadLinksFile, summarizeLinks, UserLink } from "ad-entra-link";

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

const declared: UserLink[] = [];
const links: Record<
  string,
  { objects: pulumi.Output<string>; plan: pulumi.Output<string[]>; join: pulumi.Output<string> }
> = {};
for (const entry of file.entries) {
  const link = new UserLink(entry.name, entry.args);
  declared.push(link);
  links[entry.name] = { objects: link.objects, plan: link.plan, join: link.join };
}
// One table row per link at the end of the run (known at preview).
summarizeLinks(declared);

/** Per link, known at preview: the objects resolved, what changes (current → planned), the predicted join. */
export const summary = links;
export const linkCount = file.entries.length;
