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
  /** A Retry-After still running from before this pool (an earlier run, a redeploy): epoch ms. */
  pausedUntil?: number;
  /** Told every time the server sets a pause, so it can outlive the pool (kept per connection). */
  onPause?: (untilMs: number) => void;
  /** An error that no later request can escape (a refused API key): the pool stops at the first one. */
  isFatal?: (error: unknown) => boolean;
}

/** `superseded`: a newer item with the same key was submitted; this one was not (or no longer) sent. */
export type WriteOutcome<R> =
  { ok: true; value: R } | { ok: false; error: unknown; aborted: boolean; superseded?: boolean };

interface Job<T, R> {
  item: T;
  key: string | undefined;
  attempts: number;
  firstAt: number;
  resolve: (o: WriteOutcome<R>) => void;
  inFlight: boolean;
  /** A newer item for the same key, waiting for this one's attempt in flight to end. */
  next?: Job<T, R>;
  superseded?: boolean;
}

/** Thrown for items that cannot start before a Retry-After the pool may not wait for. */
export class PausedError extends Error {
  constructor(readonly untilMs: number) {
    super(`Framework360 asked to wait until ${new Date(untilMs).toISOString()} (Retry-After): not written before then`);
    this.name = 'PausedError';
  }
}

/**
 * Runs one-attempt writes under an AdaptiveLimit: a 429/503 with Retry-After holds every
 * new request of the pool until then; a retryable failure is tried again later, a final
 * one is reported at once. Aborting drops what has not started. Items with the same key
 * never overlap and never go out of order: a newer one replaces an older one still waiting,
 * and waits for an older one in flight (which is then not retried).
 */
export class WritePool<T, R> {
  private readonly queue: Array<Job<T, R>> = [];
  private readonly delayed = new Set<{ timer: NodeJS.Timeout; job: Job<T, R> }>();
  /** The newest job of each key, and the one of each key in flight. */
  private readonly latest = new Map<string, Job<T, R>>();
  private readonly flying = new Map<string, Job<T, R>>();
  private active = 0;
  private pausedUntil: number;
  private reportedPause = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private aborted = false;
  private lastSuccessAt = 0;
  /** Set when an item exhausted its attempts without one success in the pool meanwhile: the shop is down. */
  private down: unknown;
  /** The first fatal error (isFatal): nothing more is sent. */
  fatal: unknown;
  written = 0;

  constructor(
    readonly limit: AdaptiveLimit,
    private readonly attempt: (item: T) => Promise<R>,
    private readonly opts: WritePoolOptions,
  ) {
    this.pausedUntil = opts.pausedUntil ?? 0;
  }

  get inFlight(): number {
    return this.active;
  }

  submit(item: T, key?: string): Promise<WriteOutcome<R>> {
    if (this.aborted) return Promise.resolve({ ok: false, error: new Error('stopped'), aborted: true });
    if (this.fatal !== undefined) return Promise.resolve({ ok: false, error: this.fatal, aborted: false });
    if (this.down !== undefined) return Promise.resolve({ ok: false, error: this.down, aborted: false });
    if (this.tooLongPaused())
      return Promise.resolve({ ok: false, error: new PausedError(this.pausedUntil), aborted: false });
    return new Promise((resolve) => {
      const job: Job<T, R> = { item, key, attempts: 0, firstAt: 0, resolve, inFlight: false };
      if (key !== undefined) {
        // The newest version is the one that must land last: an older one still waiting is dropped.
        const older = this.latest.get(key);
        if (older && !older.inFlight)
          this.settle(older, { ok: false, error: new Error('superseded'), aborted: false, superseded: true }, true);
        this.latest.set(key, job);
        const flying = this.flying.get(key);
        if (flying) {
          flying.superseded = true;
          flying.next = job;
          return;
        }
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Starts nothing more; queued and waiting items settle as aborted. In-flight ones finish. */
  abort(): void {
    this.aborted = true;
    this.failAll({ ok: false, error: new Error('stopped'), aborted: true });
  }

  private notePause(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
    // Reported rounded up to the second: a 429 storm costs one report a second, never an early end.
    const reported = Math.ceil(this.pausedUntil / 1000) * 1000;
    if (reported > this.reportedPause) {
      this.reportedPause = reported;
      this.opts.onPause?.(reported);
    }
  }

  private tooLongPaused(): boolean {
    return this.pausedUntil - Date.now() > this.opts.maxWaitMs;
  }

  /** Resolves a job and keeps the per-key record; `dequeue`: it may be queued or delayed. */
  private settle(job: Job<T, R>, outcome: WriteOutcome<R>, dequeue = false): void {
    if (dequeue) {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
      for (const d of this.delayed)
        if (d.job === job) {
          clearTimeout(d.timer);
          this.delayed.delete(d);
        }
      // A job waiting behind one in flight.
      for (const j of this.flying.values()) if (j.next === job) j.next = undefined;
    }
    if (job.key !== undefined && this.latest.get(job.key) === job) this.latest.delete(job.key);
    job.resolve(outcome);
  }

  private failAll(outcome: WriteOutcome<R>): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    const jobs = [...[...this.delayed].map((d) => d.job), ...this.queue.splice(0)];
    for (const d of this.delayed) clearTimeout(d.timer);
    this.delayed.clear();
    for (const j of this.flying.values())
      if (j.next) {
        jobs.push(j.next);
        j.next = undefined;
      }
    for (const job of jobs) this.settle(job, outcome);
  }

  private failQueued(error: unknown): void {
    this.down = error;
    this.failAll({ ok: false, error, aborted: false });
  }

  private pump(): void {
    if (this.aborted || this.fatal !== undefined) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      // A pause longer than an item may wait: they go to the retry set now, not after it.
      if (this.tooLongPaused())
        return this.failAll({ ok: false, error: new PausedError(this.pausedUntil), aborted: false });
      // Retry-After: not one request before it.
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, this.pausedUntil - now);
      return;
    }
    while (this.active < this.limit.limit && this.queue.length > 0) void this.run(this.queue.shift()!);
  }

  /** The attempt in flight ended: a newer item for the same key may go now. */
  private release(job: Job<T, R>): void {
    job.inFlight = false;
    if (job.key !== undefined) this.flying.delete(job.key);
    const next = job.next;
    job.next = undefined;
    if (next) this.queue.unshift(next);
  }

  private async run(job: Job<T, R>): Promise<void> {
    this.active += 1;
    job.inFlight = true;
    if (job.key !== undefined) this.flying.set(job.key, job);
    const startedAt = Date.now();
    job.firstAt ||= startedAt;
    const saturated = this.active >= this.limit.limit;
    try {
      const value = await this.attempt(job.item);
      this.limit.success(Date.now() - startedAt, saturated);
      this.lastSuccessAt = Date.now();
      this.down = undefined;
      this.written += 1;
      this.release(job);
      this.settle(job, { ok: true, value });
    } catch (error) {
      const now = Date.now();
      this.release(job);
      // A server's pause holds whatever happens next, a stop included: the next run honours it.
      const serverPause = retryAfterOf(error);
      if (serverPause !== undefined) this.notePause(now + serverPause);
      if (this.aborted && isRetryable(error)) {
        // Stopped: not the item's fault; the resumed run reads it again.
        this.settle(job, { ok: false, error, aborted: true });
      } else if (this.opts.isFatal?.(error)) {
        this.fatal = error;
        this.settle(job, { ok: false, error, aborted: false });
        this.failAll({ ok: false, error, aborted: false });
      } else if (job.superseded) {
        // A newer version is queued: this one is not tried again.
        this.settle(job, { ok: false, error, aborted: false, superseded: true });
      } else if (!isRetryable(error)) {
        this.settle(job, { ok: false, error, aborted: false });
      } else {
        this.limit.congestion(startedAt, now);
        const retryAfter = retryAfterOf(error);
        if (retryAfter === undefined) job.attempts += 1;
        if (job.attempts >= this.opts.maxAttempts || now - job.firstAt + (retryAfter ?? 0) > this.opts.maxWaitMs) {
          this.settle(job, { ok: false, error, aborted: false });
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
