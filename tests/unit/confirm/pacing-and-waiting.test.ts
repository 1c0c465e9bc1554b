/**
 * The two process-wide pieces of confirmation: the provisionOnDemand pacer (5 starts per 10 s,
 * callers in arrival order) on a fake clock, and the Entra Connect waiter, which polls every link
 * still waiting in one batched read per interval.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JoinWaiter, type LinkToWatch } from "../../../provider/confirm/connect-wait";
import { PROVISION_ON_DEMAND_LIMIT, SlidingWindowPacer } from "../../../provider/confirm/rate-limit";
import type { JoinObservationPort, ObservedLink, SyncObservation } from "../../../provider/domain/ports";

describe("SlidingWindowPacer", () => {
  /** A clock that only moves when the pacer sleeps. */
  function fakeClock() {
    let t = 0;
    const sleeps: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
      sleeps,
      advance: (ms: number) => {
        t += ms;
      },
    };
  }

  it("admits `limit` starts at once, then each next one when the oldest leaves the window", async () => {
    const clock = fakeClock();
    const pacer = new SlidingWindowPacer(5, 10_000, clock.now, clock.sleep);
    const started: number[] = [];
    await Promise.all(Array.from({ length: 7 }, () => pacer.acquire().then(() => started.push(clock.now()))));
    assert.deepEqual(started, [0, 0, 0, 0, 0, 10_000, 10_000]);
    assert.deepEqual(clock.sleeps, [10_000], "one wait, for the sixth; the seventh fits the same window");
  });

  it("admits in arrival order", async () => {
    const clock = fakeClock();
    const pacer = new SlidingWindowPacer(1, 1_000, clock.now, clock.sleep);
    const order: string[] = [];
    await Promise.all(["a", "b", "c"].map((n) => pacer.acquire().then(() => order.push(n))));
    assert.deepEqual(order, ["a", "b", "c"]);
  });

  it("starts older than the window do not count", async () => {
    const clock = fakeClock();
    const pacer = new SlidingWindowPacer(2, 1_000, clock.now, clock.sleep);
    await pacer.acquire();
    await pacer.acquire();
    clock.advance(1_000);
    await pacer.acquire();
    assert.deepEqual(clock.sleeps, []);
  });

  it("is set to Graph's provisionOnDemand limit", () => {
    assert.deepEqual({ ...PROVISION_ON_DEMAND_LIMIT }, { limit: 5, windowMs: 10_000 });
  });
});

describe("JoinWaiter", () => {
  const link = (n: number): LinkToWatch => ({
    linkName: `user-${n}`,
    cloudUserId: `00000000-0000-4000-8000-00000000000${n}`,
    immutableId: `anchor${n}==`,
  });

  /** A port whose users join after `joinAfterPolls` observations; records each batch. */
  function port(joinAfterPolls: Map<string, number>, fail?: Error) {
    const batches: string[][] = [];
    const p: JoinObservationPort = {
      async observe(links: readonly ObservedLink[]) {
        if (fail) throw fail;
        batches.push(links.map((l) => l.cloudUserId));
        const users = new Map<string, SyncObservation | undefined>();
        const byAnchor = new Map<string, SyncObservation[]>();
        for (const l of links) {
          const joined = batches.length >= (joinAfterPolls.get(l.cloudUserId) ?? Number.POSITIVE_INFINITY);
          const u: SyncObservation = {
            id: l.cloudUserId,
            userPrincipalName: `${l.cloudUserId}@contoso.com`,
            onPremisesImmutableId: joined ? l.immutableId : null,
            onPremisesSyncEnabled: joined ? true : null,
            onPremisesLastSyncDateTime: null,
            provisioningErrors: [],
          };
          users.set(l.cloudUserId, u);
          byAnchor.set(l.immutableId, joined ? [u] : []);
        }
        return { users, byAnchor };
      },
    };
    return { p, batches };
  }

  it("polls all waiting links in one read per interval and resolves each when it joins", async () => {
    const [a, b, c] = [link(1), link(2), link(3)];
    const { p, batches } = port(
      new Map([
        [a.cloudUserId, 1],
        [b.cloudUserId, 2],
        [c.cloudUserId, 2],
      ]),
    );
    const waiter = new JoinWaiter(p, 5, 60_000);
    const results = await Promise.all([waiter.wait(a), waiter.wait(b), waiter.wait(c)]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ["joined", "joined", "joined"],
    );
    assert.equal(batches.length, 2, "two polls for three links");
    assert.deepEqual(batches[0], [a.cloudUserId, b.cloudUserId, c.cloudUserId]);
    assert.deepEqual(batches[1], [b.cloudUserId, c.cloudUserId], "a resolved link is not read again");
  });

  it("reports timedOut once the deadline passes, and polls again for a link that arrives later", async () => {
    const { p, batches } = port(new Map());
    const waiter = new JoinWaiter(p, 5, 20);
    const first = await waiter.wait(link(1));
    assert.equal(first.outcome, "timedOut");
    const polls = batches.length;
    assert.ok(polls >= 2, `polled until the deadline (${polls})`);
    const second = await waiter.wait(link(2));
    assert.equal(second.outcome, "timedOut");
    assert.ok(batches.length > polls, "the loop restarts for a new waiter");
  });

  it("a failed read rejects the links it was for", async () => {
    const { p } = port(new Map(), new Error("Graph 503"));
    const waiter = new JoinWaiter(p, 5, 60_000);
    await assert.rejects(waiter.wait(link(1)), /Graph 503/);
  });
});
