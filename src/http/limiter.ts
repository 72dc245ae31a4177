/** Requests in flight per connection when it sets none (the config nodes' default). */
export const DEFAULT_CONCURRENCY = 4;

/**
 * One limiter per connection: a concurrency cap, an optional request rate, and a shared
 * pause when the server says Retry-After — so every caller of the connection waits, not
 * just the one that was told.
 */
export class RequestLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private nextStartAt = 0;
  private pausedUntil = 0;

  constructor(
    private readonly concurrency: number,
    private readonly ratePerSecond = 0,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be a whole number ≥ 1');
    if (!(ratePerSecond >= 0)) throw new RangeError('rate must be ≥ 0');
  }

  /** Hold every request of this connection until `epochMs`. */
  pauseUntil(epochMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, epochMs);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.waitForTurn();
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  /** Waits for a shared pause and for the rate slot; loops because a pause may be set while asleep. */
  private async waitForTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      let startAt = Math.max(now, this.pausedUntil);
      if (this.ratePerSecond > 0) startAt = Math.max(startAt, this.nextStartAt);
      if (startAt <= now) break;
      await sleep(startAt - now);
    }
    if (this.ratePerSecond > 0) this.nextStartAt = Date.now() + 1000 / this.ratePerSecond;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
