/**
 * The Entra Connect decision table (shared matching-rules §8, as docs/matching-model.md states the
 * rules) as data: one case per row a user can reach, incl. the rows the sources mark uncertain
 * ([U] in the case name, with the reading the emulator takes: 4/5 any role, 8, 15, P5a) and the
 * rows whose outcome depends on the date of Microsoft's 2026 hardening (4, 5, 6), run with the
 * emulator's default and with the switch flipped. Groups, org contacts and the recycle bin take part
 * (rows 7, 17, 18). Every case runs twice: on in-memory records and on a real Samba AD DC over LDAPS.
 */
import "./trust-bootstrap";
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { contosoTenantSeed } from "../emulator/seeds";
import { readUser, type SambaDc, startSambaDc } from "../infra/samba";
import { adUser, DECISION_CASES, runDecisionCase } from "./decision-cases";
import { startTestEmulator, type TestEmulator } from "./helpers";
import { inMemoryDirectory, type OnPremDirectory, sambaDirectory } from "./on-prem-directories";

function runTable(
  makeDirectory: () => Promise<OnPremDirectory>,
  close: () => Promise<void>,
): () => { emu: TestEmulator; dir: OnPremDirectory } {
  let emu: TestEmulator;
  let dir: OnPremDirectory;

  before(async () => {
    emu = await startTestEmulator();
    dir = await makeDirectory();
  });

  after(async () => {
    await dir.close();
    await close();
    await emu.close();
  });

  for (const c of DECISION_CASES) {
    test(`row ${c.row}: ${c.title}`, () => runDecisionCase(emu.control, dir, c));
  }
  return () => ({ emu, dir });
}

describe("decision table on in-memory records", () => {
  runTable(
    async () => inMemoryDirectory(),
    async () => undefined,
  );
});

describe("decision table on a Samba AD DC", () => {
  let dc: SambaDc | undefined;
  const current = runTable(
    async () => {
      dc = await startSambaDc({ ip: process.env["EMULATOR_TESTS_SAMBA_IP"] ?? "127.0.0.8" });
      return sambaDirectory(dc);
    },
    async () => {
      await dc?.stop();
    },
  );

  test("the cycle writes objectGUID into an empty mS-DS-ConsistencyGuid; the next cycle updates, never re-matches", async () => {
    const { emu, dir } = current();
    assert.ok(dc);
    const tenant = await emu.control.createTenant(contosoTenantSeed({ tenantId: randomUUID() }));
    await dir.beginCase(`Writeback${randomUUID().slice(0, 4)}`);
    try {
      const created = await dir.createUser(adUser({ key: "wb1", mail: "alva.wood@contoso.com" }));
      const before = await readUser(dc, created.dn);
      assert.equal(before["mS-DS-ConsistencyGuid"], undefined);

      const first = await emu.control.runSyncCycle(tenant.tenantId, dir.syncRequest());
      const e1 = first.entries.find((e) => e.dn.toLowerCase() === created.dn.toLowerCase());
      assert.equal(e1?.outcome, "softMatchSmtp");
      assert.equal(e1?.consistencyGuidWrittenBack, true);
      const written = await readUser(dc, created.dn);
      assert.equal(written.consistencyGuid, created.objectGuid, "ConsistencyGuid bytes = objectGUID bytes");

      const second = await emu.control.runSyncCycle(tenant.tenantId, dir.syncRequest());
      const e2 = second.entries.find((e) => e.dn.toLowerCase() === created.dn.toLowerCase());
      assert.equal(e2?.outcome, "updated");
      assert.equal(e2?.cloudUserId, e1?.cloudUserId);
      assert.equal(e2?.consistencyGuidWrittenBack, undefined);
      assert.equal(e2?.sourceAnchor, e1?.sourceAnchor);
    } finally {
      await dir.endCase();
      await emu.control.deleteTenant(tenant.tenantId);
    }
  });
});
