/**
 * The `pulumi stack export` document a command reads: from a file (`--state`) or from the Pulumi CLI
 * (`--stack`), bounded in size either way.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { assertStackName } from "../discover/stack-config";

/** A stack export of 10,000 links is about 100 MB; anything far larger is not one. */
const MAX_STATE_BYTES = 512 * 1024 * 1024;

/** A regular file of bounded size (not a FIFO or device, which would block or never end). */
function readStateFile(file: string): string {
  const st = fs.statSync(file);
  if (!st.isFile() || st.size > MAX_STATE_BYTES) {
    throw new Error(
      `${file} is not a regular file of at most ${MAX_STATE_BYTES / 1024 / 1024} MiB (a \`pulumi stack export\` document)`,
    );
  }
  return fs.readFileSync(file, "utf8");
}

/** The parsed export of `stack` (through `pulumi stack export`) or of the file `stateFile`. */
export function readStackExport(source: { stack: string } | { stateFile: string }): unknown {
  if ("stateFile" in source) return JSON.parse(readStateFile(source.stateFile));
  assertStackName(source.stack);
  return JSON.parse(
    execFileSync("pulumi", ["stack", "export", "--stack", source.stack], {
      encoding: "utf8",
      maxBuffer: MAX_STATE_BYTES,
    }),
  );
}
