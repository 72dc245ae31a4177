import { isRetryable, retryAfterOf } from '../http/errors';

export interface AdaptiveLimitOptions {
  floor: number;
  ceiling: number;
  initial: number;
  /** Latency counts as flat while a round trip stays within `factor` × the recent minimum plus `slackMs`. */
  latencyFactor: number;
  latencySlackMs: number;
}

/**
 * AIMD concurrency limit (as TCP's congestion window): doubles per round trip in slow start,
 * then grows by one per round trip while answers are 2xx and latency stays flat; halves once
 * per congestion event (429, 503, other 5xx, timeout), never below the floor nor above the
 * ceiling.
 */
export class AdaptiveLimit {
  private value: number;
  private slowStart = true;
  private minRtt = Infinity;
  private windowMin = Infinity;
  private samples = 0;
  private lastCutAt = -Infinity;
  peak: number;
  backoffs = 0;

  constructor(private readonly opts: AdaptiveLimitOptions) {
    this.value = Math.min(opts.ceiling, Math.max(opts.floor, opts.initial));
    this.peak = this.limit;
  }

  get limit(): number {
    return Math.floor(this.value);
  }

  /** A 2xx after `rttMs`; `saturated`: the pool was using its whole limit, so growth is earned. */
  success(rttMs: number, saturated: boolean): void {
    // The minimum over a window of samples, so a lasting change of the path is learnt.
    this.windowMin = Math.min(this.windowMin, rttMs);
    if (++this.samples >= 256) {
      this.minRtt = this.windowMin;
      this.windowMin = Infinity;
      this.samples = 0;
    }
    this.minRtt = Math.min(this.minRtt, rttMs);
    const flat = rttMs <= this.minRtt * this.opts.latencyFactor + this.opts.latencySlackMs;
    if (!flat) {
      this.slowStart = false;
      return;
    }
    if (!saturated) return;
    this.value = Math.min(this.opts.ceiling, this.value + (this.slowStart ? 1 : 1 / this.value));
    this.peak = Math.max(this.peak, this.limit);
  }

  /** A congestion signal for a request started at `startedAt`: halves once per event (not once per request in flight). */
  congestion(startedAt: number, now: number): void {
    if (startedAt <= this.lastCutAt) return;
    this.lastCutAt = now;
    this.slowStart = false;
    this.value = Math.max(this.opts.floor, this.value / 2);
    this.backoffs += 1;
  }
}

export interface WritePoolOptions {
  /** Attempts per item, the first included, for retryable failures without Retry-After. */
  maxAttempts: number;
  /**
   * A Retry-After is the server's schedule, not the item's fault: it costs no attempt, but an
   * item gives up once this long has passed since its first attempt.
   */
  maxWaitMs: number;
  /** Backoff of a retryable failure without Retry-After: base × 2^(attempt-1), full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export type WriteOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown; aborted: boolean };

interface Job<T, R> {
  item: T;
  attempts: number;
  firstAt: number;
  resolve: (o: WriteOutcome<R>) => void;
}

/**
 * Runs one-attempt writes under an AdaptiveLimit: a 429/503 with Retry-After holds every
 * new request of the pool until then; a retryable failure is tried again later, a final
 * one is reported at once. Aborting drops what has not started.
 */
export class WritePool<T, R> {
  private readonly queue: Array<Job<T, R>> = [];
  private readonly delayed = new Set<{ timer: NodeJS.Timeout; job: Job<T, R> }>();
  private active = 0;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private aborted = false;
  private lastSuccessAt = 0;
  /** Set when an item exhausted its attempts without one success in the pool meanwhile: the shop is down. */
  private down: unknown;
  written = 0;

  constructor(
    readonly limit: AdaptiveLimit,
    private readonly attempt: (item: T) => Promise<R>,
    private readonly opts: WritePoolOptions,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  submit(item: T): Promise<WriteOutcome<R>> {
    if (this.aborted) return Promise.resolve({ ok: false, error: new Error('stopped'), aborted: true });
    if (this.down !== undefined) return Promise.resolve({ ok: false, error: this.down, aborted: false });
    return new Promise((resolve) => {
      this.queue.push({ item, attempts: 0, firstAt: 0, resolve });
      this.pump();
    });
  }

  /** Starts nothing more; queued and waiting items settle as aborted. In-flight ones finish. */
  abort(): void {
    this.aborted = true;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    for (const d of this.delayed) {
      clearTimeout(d.timer);
      d.job.resolve({ ok: false, error: new Error('stopped'), aborted: true });
    }
    this.delayed.clear();
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, error: new Error('stopped'), aborted: true });
  }

  private failQueued(error: unknown): void {
    this.down = error;
    for (const d of this.delayed) {
      clearTimeout(d.timer);
      d.job.resolve({ ok: false, error, aborted: false });
    }
    this.delayed.clear();
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, error, aborted: false });
  }

  private pump(): void {
    if (this.aborted) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      // Retry-After: not one request before it.
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, this.pausedUntil - now);
      return;
    }
    while (this.active < this.limit.limit && this.queue.length > 0) void this.run(this.queue.shift()!);
  }

  private async run(job: Job<T, R>): Promise<void> {
    this.active += 1;
    const startedAt = Date.now();
    job.firstAt ||= startedAt;
    const saturated = this.active >= this.limit.limit;
    try {
      const value = await this.attempt(job.item);
      this.limit.success(Date.now() - startedAt, saturated);
      this.lastSuccessAt = Date.now();
      this.down = undefined;
      this.written += 1;
      job.resolve({ ok: true, value });
    } catch (error) {
      const now = Date.now();
      if (this.aborted && isRetryable(error)) {
        // Stopped: not the item's fault; the resumed run reads it again.
        job.resolve({ ok: false, error, aborted: true });
      } else if (!isRetryable(error)) {
        job.resolve({ ok: false, error, aborted: false });
      } else {
        this.limit.congestion(startedAt, now);
        const retryAfter = retryAfterOf(error);
        if (retryAfter !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfter);
        else job.attempts += 1;
        if (job.attempts >= this.opts.maxAttempts || now - job.firstAt + (retryAfter ?? 0) > this.opts.maxWaitMs) {
          job.resolve({ ok: false, error, aborted: false });
          // Not one success while this item tried: the rest fail at once (into the retry set)
          // instead of each waiting out its own attempts against a shop that is down.
          if (this.lastSuccessAt < job.firstAt) this.failQueued(error);
        } else if (retryAfter !== undefined) {
          this.queue.unshift(job);
        } else {
          const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.max(0, job.attempts - 1));
          const entry = {
            job,
            timer: setTimeout(
              () => {
                this.delayed.delete(entry);
                this.queue.unshift(job);
                this.pump();
              },
              Math.floor(Math.random() * ceiling),
            ),
          };
          this.delayed.add(entry);
        }
      }
    } finally {
      this.active -= 1;
      this.pump();
    }
  }
}
