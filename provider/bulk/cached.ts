/**
 * Caching decorators of the directory ports (this module gathers them; gate.ts decides when the
 * snapshot answers, snapshot.ts keeps it, cached-ad.ts and cached-entra.ts answer from it). Once the gate opens, the reads a link's check needs
 * (user, holders of its addresses and anchor, roles) are answered from ONE paged bulk read of the
 * sync scope and of the tenant, started at the first such read and shared by every link; before
 * that, and for anything the index cannot answer exactly (a miss, an error case, a value the
 * directory may compare differently, an object written in this process), the call goes to the real
 * adapter, so results and errors are the adapter's own.
 *
 * Freshness: every question is answered from the snapshot at most once. The same question asked
 * again in this process (the re-resolve of `up` before its writes, a second check) goes to the
 * directory, so writes always rest on live reads. Writes pass through and are mirrored into the
 * index; readByDn/readByGuid and tenant facts always read live.
 *
 * Ownership records (`com.adentralink.ownership`) come with the users of the tenant's bulk read
 * (`$expand=extensions`) when Graph answers that list; a link's first ownership question (preview's
 * check) is answered from it, the second (the claim `up` makes before writing) reads Graph, and a
 * user whose record this process wrote or released is read live from then on.
 */
export type { BulkReadMode } from "../config/settings";
export { type AdBulkSource, type AdScope, CachedAd } from "./cached-ad";
export { CachedEntra, type EntraBulkSource } from "./cached-entra";
export { AUTO_BULK_READ_AFTER, BulkGate } from "./gate";
