/**
 * At most one run at a time and one queued behind it: triggers that arrive during a run
 * merge into the queued one (flags OR-ed), so there is never an overlap nor a backlog.
 * Each trigger's `settle` is called with the result of the run that covered it.
 */
export class Coalescer<F extends Record<string, boolean>, R> {
  private running: Promise<void> | undefined;
  private queued: { flags: F; settles: Array<(r: R | Error) => void> } | undefined;

  constructor(private readonly runOnce: (flags: F) => Promise<R>) {}

  trigger(flags: F, settle: (result: R | Error) => void): 'started' | 'queued' | 'merged' {
    if (!this.running) {
      this.start(flags, [settle]);
      return 'started';
    }
    if (!this.queued) {
      this.queued = { flags: { ...flags }, settles: [settle] };
      return 'queued';
    }
    for (const [k, v] of Object.entries(flags)) if (v) (this.queued.flags as Record<string, boolean>)[k] = true;
    this.queued.settles.push(settle);
    return 'merged';
  }

  /** Resolves when nothing is running (the queued run is dropped and settled with `reason`). */
  async drain(reason: Error): Promise<void> {
    const q = this.queued;
    this.queued = undefined;
    for (const s of q?.settles ?? []) s(reason);
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
        const next = this.queued;
        this.queued = undefined;
        if (next) this.start(next.flags, next.settles);
      });
  }
}
