// Makes `require("ad-entra-link")` resolve inside this repository, exactly as it does in a user's
// project after `npm install ad-entra-link`. The examples and the dynamic provider process (whose
// working directory is the Pulumi program's folder) load the package by name, never by path, so that
// the code stored in Pulumi state keeps working when the checkout moves.
import * as fs from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
const link = path.join(repoRoot, "node_modules", "ad-entra-link");

function pointsAtRepo(): boolean {
  try {
    return fs.realpathSync(link) === fs.realpathSync(repoRoot);
  } catch {
    return false;
  }
}

if (!pointsAtRepo()) {
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync("..", link, "dir");
}
