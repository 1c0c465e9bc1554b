/**
 * One asynchronous value shared by every caller and started by the first (a connection, facts read
 * once per process). While it is pending or after it succeeded, every caller gets the same promise;
 * a failed attempt is forgotten, so the next caller starts afresh: a failure is never cached.
 */
export class SharedAttempt<T> {
  private current: Promise<T> | undefined;

  constructor(private readonly start: () => Promise<T>) {}

  /** The shared attempt, starting one when there is none. */
  get(): Promise<T> {
    if (this.current === undefined) {
      const attempt = this.start();
      this.current = attempt;
      attempt.catch(() => {
        if (this.current === attempt) this.current = undefined;
      });
    }
    return this.current;
  }

  /** The shared attempt if one was started and not forgotten; never starts one. */
  peek(): Promise<T> | undefined {
    return this.current;
  }

  /** Forgets the shared attempt; with `attempt`, only if that is still the shared one. */
  forget(attempt?: Promise<T>): void {
    if (attempt === undefined || this.current === attempt) this.current = undefined;
  }
}
