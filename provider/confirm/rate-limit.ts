/**
 * A process-wide sliding-window pacer: at most `limit` starts per `windowMs`, shared by every link of
 * the run (Pulumi runs creates concurrently in one provider process). provisionOnDemand allows 5
 * requests per 10 seconds; pacing avoids the 429s instead of only retrying them.
 */
export class SlidingWindowPacer {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Resolves when the caller may start; callers are admitted in arrival order. */
  acquire(): Promise<void> {
    const turn = this.chain.then(async () => {
      for (;;) {
        const t = this.now();
        while (this.starts.length > 0 && t - (this.starts[0] as number) >= this.windowMs) this.starts.shift();
        if (this.starts.length < this.limit) {
          this.starts.push(t);
          return;
        }
        await this.sleep((this.starts[0] as number) + this.windowMs - t);
      }
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }
}

/** Graph: "The rate limit for this API is 5 requests per 10 seconds." */
export const PROVISION_ON_DEMAND_LIMIT = { limit: 5, windowMs: 10_000 } as const;
