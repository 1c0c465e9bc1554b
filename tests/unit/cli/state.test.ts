/**
 * `ad-entra-link state`: a link's record is stored deflated (link/packed.ts); the command prints it
 * decoded, for every link of a stack export or for one, and refuses what is not an export as
 * `status` does (same reader).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { stateCommand } from "../../../provider/cli/state";
import { packOutputs } from "../../../provider/link/packed";
import type { UserLinkOutputs } from "../../../provider/link/types";

const resolved = {
  onPremisesObjectGuid: "g-1",
  onPremisesDistinguishedName: "CN=Ana,DC=corp",
  cloudUserId: "c-1",
};
const outputs = {
  onPremises: { samAccountName: "ana" },
  cloud: { userPrincipalName: "ana@contoso.com" },
  objects: "AD CN=Ana,DC=corp ⇄ cloud c-1",
  plan: [],
  join: "softMatchSmtp, certain: joins",
  resolved,
  immutableId: "AQID",
  before: {
    onPremises: {
      userPrincipalName: "ana@corp.local",
      mail: null,
      proxyAddresses: [],
      consistencyGuid: null,
    },
    cloud: { onPremisesImmutableId: null },
  },
} as unknown as UserLinkOutputs;

function exportFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-state-"));
  const file = path.join(dir, "export.json");
  const link = (name: string) => ({
    urn: `urn:pulumi:dev::p::pulumi-nodejs:dynamic/ad-entra-link:UserLink::${name}`,
    type: "pulumi-nodejs:dynamic/ad-entra-link:UserLink",
    id: "g-1/c-1",
    outputs: { ...packOutputs(outputs), __provider: "exports.handler = …" },
  });
  const stackResource = { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack" };
  fs.writeFileSync(
    file,
    JSON.stringify({ deployment: { resources: [stackResource, link("ana"), link("bo")] } }),
  );
  return file;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await stateCommand.run(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

test("prints every link's record decoded, without the provider code", async () => {
  const r = await run(["--state", exportFile()]);
  assert.equal(r.code, 0, r.stderr);
  const links = JSON.parse(r.stdout) as { name: string; id: string; outputs: Record<string, unknown> }[];
  assert.deepEqual(
    links.map((l) => l.name),
    ["ana", "bo"],
  );
  assert.deepEqual(links[0]!.outputs["resolved"], resolved);
  assert.deepEqual(links[0]!.outputs["before"], (outputs as unknown as Record<string, unknown>)["before"]);
  assert.equal(links[0]!.outputs["__provider"], undefined);
  assert.equal(links[0]!.id, "g-1/c-1");
});

test("--link prints one link, and names a link that is not there", async () => {
  const file = exportFile();
  const one = await run(["--state", file, "--link", "bo"]);
  assert.equal(one.code, 0);
  assert.deepEqual(
    (JSON.parse(one.stdout) as { name: string }[]).map((l) => l.name),
    ["bo"],
  );
  const none = await run(["--state", file, "--link", "zed"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no link named zed/);
});

test("needs exactly one of --stack and --state; a flag as stack name is refused", async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run(["--stack", "a", "--state", "b"])).code, 2);
  const flag = await run(["--stack", "--show-secrets"]);
  assert.equal(flag.code, 1);
  assert.match(flag.stderr, /--stack needs a Pulumi stack name/);
});

test("a hand-edited record is named for its link; the other links are still printed", async () => {
  const file = exportFile();
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    deployment: { resources: { outputs?: Record<string, unknown> }[] };
  };
  doc.deployment.resources[1]!.outputs!["recorded"] = "deflate:cut";
  fs.writeFileSync(file, JSON.stringify(doc));
  const r = await run(["--state", file]);
  assert.equal(r.code, 0, r.stderr);
  const links = JSON.parse(r.stdout) as { name: string; error?: string; outputs?: Record<string, unknown> }[];
  assert.match(links[0]!.error ?? "", /STATE_UNREADABLE|not the record the provider writes/);
  assert.equal(links[0]!.outputs, undefined);
  assert.deepEqual(links[1]!.outputs?.["resolved"], resolved);
});
