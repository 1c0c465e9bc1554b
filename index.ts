// The root Pulumi program: declares one UserLink per entry of the links file, after the whole file
// has been validated (every problem is reported at once, with file, line and field, and nothing is
// declared while there is one). Connection settings are the provider's (README "Configuration").
//
// The links file is written by whoever opens a pull request: it must be a regular file inside this
// project folder (symlinks resolved; no devices, FIFOs, /proc files), at most 5 MiB, and problems
// never quote more than a short escaped excerpt of it (provider/links/read-file.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describeForUser, type LinksFile, loadLinksFile, UserLink } from "ad-entra-link";

const config = new pulumi.Config("ad-entra-link");
const linksFile = config.get("linksFile") ?? "links.yaml";
// The folder of Pulumi.yaml. Older language hosts do not report it (the SDK then answers a
// placeholder), and the engine starts the program there anyway.
const reportedRoot = pulumi.runtime.getRootDirectory();
const projectDir =
  path.isAbsolute(reportedRoot) && fs.existsSync(path.join(reportedRoot, "Pulumi.yaml"))
    ? reportedRoot
    : process.cwd();

let file: LinksFile;
try {
  file = loadLinksFile(linksFile, { displayName: linksFile, projectDir });
} catch (err) {
  // A RunError is shown without a stack trace: `<Name> [<CODE>]: <message>` names the setting and
  // every problem; anything unexpected is shown without its details (they may hold paths or secrets).
  throw new pulumi.RunError(describeForUser(err));
}

interface LinkSummary {
  onPremises: string;
  cloud: string;
  match: string;
  plan: string[];
  predictedJoin: string;
  predictedJoinReason: string;
  uncertain: boolean;
  syncState: string;
}

const summaries: Record<string, pulumi.Output<LinkSummary>> = {};
for (const entry of file.entries) {
  const link = new UserLink(entry.name, entry.args);
  const [adKind, adValue] = Object.entries(entry.args.onPremises)[0] ?? ["?", "?"];
  const [cloudKind, cloudValue] = Object.entries(entry.args.cloud)[0] ?? ["?", "?"];
  summaries[entry.name] = pulumi
    .all([link.planSummary, link.predictedJoin, link.syncState])
    .apply(([plan, prediction, syncState]) => ({
      onPremises: `${adKind}=${adValue}`,
      cloud: `${cloudKind}=${cloudValue}`,
      match: entry.args.match,
      plan: plan ?? [],
      predictedJoin: prediction?.outcome ?? "unknown",
      predictedJoinReason: prediction?.reason ?? "",
      uncertain: prediction?.uncertain ?? true,
      syncState: syncState ?? "unknown",
    }));
}

/** Per link: what changes (current → planned) and whether Entra Connect will join the pair. */
export const links = summaries;
/** How many links the file declares, and from which file. */
export const linkCount = file.entries.length;
export const linksFileName = linksFile;
