/**
 * The main job on a local sandbox (`npm run sandbox`): a Samba AD DC and the Entra ID emulator,
 * both seeded with the seed scenario; `pulumi preview` then `pulumi up` of the two examples; one
 * Entra Connect sync cycle; the outcome per user. Everything it starts is stopped at the end.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AD_BASE_DN, TENANT_ID } from "../fixtures/seed-scenario";
import { contosoTenantSeed } from "../emulator/seeds";
import type { SyncReportEntry } from "../emulator/sync/types";
import { startTestInfrastructure } from "../support/test-env";
import { linkStackConfig } from "../support/link-config";
import { openStack, pulumiSandbox, REPO_ROOT } from "../support/pulumi";
import { EmulatorControl } from "../emulator/control-client";

const SANDBOX_IP = "127.0.0.3";
const EXAMPLES = ["soft-match", "hard-match"];
/** The users the examples link, by the CN the seed gives them. */
const LINKED: { cn: string; example: string }[] = [
  { cn: "Adam Anderson", example: "soft-match" },
  { cn: "Alva Wood", example: "soft-match" },
  { cn: "Bruno Costa", example: "hard-match" },
  { cn: "Chen Li", example: "hard-match" },
];
const linkOf = (e: SyncReportEntry) => LINKED.find((l) => e.dn.startsWith(`CN=${l.cn},`));

function heading(text: string): void {
  console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ael-sandbox-"));
  heading("starting a Samba AD DC and the Entra ID emulator");
  const infra = await startTestInfrastructure({ ip: SANDBOX_IP, workDir });
  try {
    const env = infra.env;
    const control = new EmulatorControl(
      env.emulator.baseUrl,
      fs.readFileSync(env.emulator.caCertPath, "utf8"),
    );
    await control.createTenant(contosoTenantSeed({ tenantId: TENANT_ID }));
    console.log(`DC ${env.samba.url} (${AD_BASE_DN}), emulator ${env.emulator.baseUrl}, tenant ${TENANT_ID}`);

    const sandbox = await pulumiSandbox(path.join(workDir, "pulumi"), {
      NODE_EXTRA_CA_CERTS: env.caBundlePath,
    });
    const staff = `OU=Staff,${AD_BASE_DN}`;
    const { config, secrets } = linkStackConfig(env, {
      tenantId: TENANT_ID,
      baseDn: AD_BASE_DN,
      allowedSearchBases: [staff, `OU=Marketing,${AD_BASE_DN}`],
    });
    for (const example of EXAMPLES) {
      const stack = await openStack(sandbox, {
        workDir: path.join(REPO_ROOT, "examples", example),
        stackName: "sandbox",
        config,
        secrets,
      });
      heading(`pulumi preview --diff (examples/${example})`);
      const preview = await stack.preview({ diff: true });
      console.log(preview.stdout.trim());
      heading(`pulumi up (examples/${example})`);
      const up = await stack.up();
      console.log(`result: ${up.summary.result}; changes: ${JSON.stringify(up.summary.resourceChanges)}`);
      for (const [k, v] of Object.entries(up.outputs)) console.log(`  ${k}: ${JSON.stringify(v.value)}`);
    }

    heading("Entra Connect sync cycle (scope: OU=Staff)");
    const report = await control.runSyncCycle(TENANT_ID, {
      ldap: {
        url: env.samba.url,
        bindDn: env.samba.adminBindDn,
        bindPassword: env.samba.adminPassword,
        caCertPem: fs.readFileSync(env.samba.caCertPath, "utf8"),
      },
      scope: [staff],
    });
    const describe = (e: SyncReportEntry) =>
      `${e.outcome}${e.error ? ` (${e.error.name}: ${e.error.message})` : ""}${
        e.quarantined?.length
          ? ` quarantined: ${e.quarantined.map((q) => `${q.property} ${q.value}`).join(", ")}`
          : ""
      }`;
    console.log("Linked by ad-entra-link:");
    for (const e of report.entries) {
      const link = linkOf(e);
      if (link) console.log(`  ${link.cn.padEnd(14)} (${link.example}) → ${describe(e)}`);
    }
    console.log("Not linked (what Entra Connect does with them without ad-entra-link):");
    for (const e of report.entries) if (!linkOf(e)) console.log(`  ${e.dn} → ${describe(e)}`);
    const joined = report.entries.filter((e) => linkOf(e) && /^(hard|soft)Match/.test(e.outcome));
    heading(
      `done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${joined.length}/${LINKED.length} linked users joined`,
    );
    if (joined.length !== LINKED.length) process.exitCode = 1;
  } finally {
    await infra.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
