type Queued<F, R> = { kind: string; flags: F; settles: Array<(r: R | Error) => void> };

/**
 * At most one run at a time; triggers that arrive during a run merge into the queued run of
 * their kind (flags OR-ed), so there is never an overlap nor a backlog. Kinds never merge: a
 * dry run merged into a real one would make it write nothing (and tell its sender it ran).
 * Each trigger's `settle` is called with the result of the run that covered it.
 */
export class Coalescer<F extends Record<string, boolean>, R> {
  private running: Promise<void> | undefined;
  private readonly queued: Array<Queued<F, R>> = [];

  constructor(
    private readonly runOnce: (flags: F) => Promise<R>,
    /** Triggers of different kinds queue separately; by default a dry run (`dryRun`) is its own kind. */
    private readonly kindOf: (flags: F) => string = (f) => (f['dryRun'] === true ? 'dry' : 'real'),
  ) {}

  trigger(flags: F, settle: (result: R | Error) => void): 'started' | 'queued' | 'merged' {
    if (!this.running) {
      this.start(flags, [settle]);
      return 'started';
    }
    const kind = this.kindOf(flags);
    const same = this.queued.find((q) => q.kind === kind);
    if (!same) {
      this.queued.push({ kind, flags: { ...flags }, settles: [settle] });
      return 'queued';
    }
    for (const [k, v] of Object.entries(flags)) if (v) (same.flags as Record<string, boolean>)[k] = true;
    same.settles.push(settle);
    return 'merged';
  }

  /** Resolves when nothing is running (queued runs are dropped and settled with `reason`). */
  async drain(reason: Error): Promise<void> {
    for (const q of this.queued.splice(0)) for (const s of q.settles) s(reason);
    await this.running;
  }

  private start(flags: F, settles: Array<(r: R | Error) => void>): void {
    this.running = this.runOnce(flags)
      .then(
        (r) => settles.forEach((s) => s(r)),
        (err: unknown) => settles.forEach((s) => s(err instanceof Error ? err : new Error(String(err)))),
      )
      .finally(() => {
        this.running = undefined;
        const next = this.queued.shift();
        if (next) this.start(next.flags, next.settles);
      });
  }
}
