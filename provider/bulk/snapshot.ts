/**
 * One bulk read shared by every question of a process: started by the first question that needs
 * it, and kept current with this process's own writes (those made while it was still being read
 * are applied the moment it lands).
 */
export class LazySnapshot<Index, Write> {
  private loading: Promise<Index | undefined> | undefined;
  private index: Index | undefined;
  private readonly pendingWrites: Write[] = [];

  constructor(
    private readonly read: () => Promise<Index | undefined>,
    private readonly applyWrite: (index: Index, write: Write) => void,
  ) {}

  /** Whether the bulk read was asked for (it may still be in flight). */
  get started(): boolean {
    return this.loading !== undefined;
  }

  /** The index, reading the directory in bulk the first time; undefined when that read failed. */
  get(): Promise<Index | undefined> {
    if (this.loading === undefined) this.loading = this.read();
    return this.loading;
  }

  /** Called by `read` with the fresh index: the writes made meanwhile are applied to it first. */
  install(index: Index): Index {
    for (const write of this.pendingWrites) this.applyWrite(index, write);
    this.pendingWrites.length = 0;
    this.index = index;
    return index;
  }

  /** Mirrors a write this process made into the index (or keeps it for the index being read). */
  mirror(write: Write): void {
    if (this.index !== undefined) this.applyWrite(this.index, write);
    else if (this.loading !== undefined) this.pendingWrites.push(write);
  }
}

/**
 * One bulk read as the decorators run it: what it found and how long it took are logged; a failure
 * is logged and answered undefined, and every link then reads the directory itself.
 */
export async function loggedBulkRead<Index>(
  what: string,
  log: (message: string) => void,
  read: () => Promise<{ index: Index; found: string }>,
): Promise<Index | undefined> {
  const started = Date.now();
  try {
    const { index, found } = await read();
    log(`bulk read of ${what}: ${found} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return index;
  } catch (err) {
    log(
      `bulk read of ${what} failed (${(err as { code?: string }).code ?? (err as Error).name}); every link reads it directly instead`,
    );
    return undefined;
  }
}
