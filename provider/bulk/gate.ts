/**
 * When the bulk snapshot may answer: the gate opens once enough links are checked in this process,
 * and each question is answered from the snapshot at most once (see cached.ts for why).
 */
import type { BulkReadMode } from "../config/settings";

/** `auto`: links checked in one process before the cache is used (small stacks never bulk read). */
export const AUTO_BULK_READ_AFTER = 200;

/**
 * Decides when the cache answers: `on` from the first link, `auto` once more than `threshold`
 * distinct links were resolved in this process, `off` never.
 */
export class BulkGate {
  private readonly links = new Set<string>();
  private opened = false;

  constructor(
    readonly mode: BulkReadMode,
    private readonly threshold = AUTO_BULK_READ_AFTER,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Records the link resolving `selectorKey`; true when the cache may answer it. */
  noteLink(selectorKey: string): boolean {
    if (this.mode === "off") return false;
    if (!this.opened) {
      this.links.add(selectorKey);
      if (this.mode === "on" || this.links.size > this.threshold) {
        this.opened = true;
        this.links.clear();
        this.log(
          this.mode === "on"
            ? "bulkRead on: reading the sync scope and the tenant in bulk; links are checked from that read"
            : `bulkRead auto: more than ${this.threshold} links in this run; reading the sync scope and the tenant in bulk for the rest`,
        );
      }
    }
    return this.opened;
  }

  get open(): boolean {
    return this.opened;
  }
}

/** A question answered from the snapshot at most once (see cached.ts). */
export class Once {
  private readonly asked = new Set<string>();
  first(key: string): boolean {
    if (this.asked.has(key)) return false;
    this.asked.add(key);
    return true;
  }
}
