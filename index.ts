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
import { describeForUser, type LinksFile, loadLinksFile, summarizeLinks, UserLink } from "ad-entra-link";

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

const declared: Record<string, UserLink> = {};
for (const entry of file.entries) declared[entry.name] = new UserLink(entry.name, entry.args);

/**
 * Per link, known at preview: the AD user it resolved to, what changes (current → planned) and what
 * Entra Connect will do (`<outcome>, <certain|uncertain>: …`).
 */
export const links = Object.fromEntries(
  Object.entries(declared).map(([name, link]) => [
    name,
    { objects: link.objects, plan: link.plan, join: link.join },
  ]),
);
// The run's table, printed after the links in every preview and up.
summarizeLinks(declared);
/** How many links the file declares, and from which file. */
export const linkCount = file.entries.length;
export const linksFileName = linksFile;
