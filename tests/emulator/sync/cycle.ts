/** A full sync cycle: import (LDAPS or in-memory records) → engine → write-backs to AD → report. */
import type { TenantState } from "../model";
import { runSyncEngine } from "./engine";
import { applyWriteBacks, importUsers, withLdap } from "./ldap-source";
import type { SyncCycleReport, SyncCycleRequest } from "./types";

export class SyncRequestError extends Error {}

export async function runSyncCycle(t: TenantState, req: SyncCycleRequest): Promise<SyncCycleReport> {
  const startedAt = new Date().toISOString();
  const engine = req.engine ?? "entraConnect";
  // Cloud Sync does not stamp mS-DS-ConsistencyGuid back (MS staff comment, entra-docs#184).
  const writeBack = req.writeBackConsistencyGuid ?? engine !== "cloudSync";
  if (req.ldap && req.records) throw new SyncRequestError("give either ldap or records, not both");
  if (req.ldap) {
    const scope = req.scope ?? [];
    if (scope.length === 0) throw new SyncRequestError("scope (base DNs) is required with ldap");
    const ldap = req.ldap;
    const entries = await withLdap(ldap, async (client) => {
      const records = await importUsers(client, scope);
      const result = runSyncEngine(t, records, { scope, writeBackConsistencyGuid: writeBack, engine });
      await applyWriteBacks(client, result.writeBacks);
      return result.entries;
    });
    return { tenantId: t.id, startedAt, finishedAt: new Date().toISOString(), entries };
  }
  if (!req.records) throw new SyncRequestError("give ldap (with scope) or records");
  const opts = req.scope
    ? { scope: req.scope, writeBackConsistencyGuid: writeBack, engine }
    : { writeBackConsistencyGuid: writeBack, engine };
  const result = runSyncEngine(t, req.records, opts);
  return { tenantId: t.id, startedAt, finishedAt: new Date().toISOString(), entries: result.entries };
}
