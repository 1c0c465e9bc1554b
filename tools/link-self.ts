// Makes `require("ad-entra-link")` and `npx ad-entra-link` work inside this repository exactly as
// they do in a user's project after `npm install ad-entra-link`. The examples and the dynamic
// provider process (whose working directory is the Pulumi program's folder) load the package by
// name, never by path, so that the code stored in Pulumi state keeps working when the checkout moves.
import * as fs from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
const modules = path.join(repoRoot, "node_modules");

function ensureSymlink(link: string, target: string, expectedRealPath: string): void {
  try {
    if (fs.realpathSync(link) === fs.realpathSync(expectedRealPath)) return;
  } catch {
    // missing or dangling: recreate below
  }
  fs.rmSync(link, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(target, link);
}

ensureSymlink(path.join(modules, "ad-entra-link"), "..", repoRoot);
const cli = path.join(repoRoot, "dist", "provider", "cli", "main.js");
if (fs.existsSync(cli)) {
  fs.chmodSync(cli, 0o755);
  ensureSymlink(
    path.join(modules, ".bin", "ad-entra-link"),
    "../ad-entra-link/dist/provider/cli/main.js",
    cli,
  );
}
