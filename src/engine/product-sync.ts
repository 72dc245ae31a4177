import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { articleToProduct, productFromStored, productHashOf, productValues } from '../core/product-mapping';
import { zodProblems } from '../core/schema-primitives';
import type { Framework360Client } from '../framework360/client';
import { productSchema, type Fw360Product } from '../framework360/schemas';
import { ApiError, errorSummary } from '../http/errors';
import {
  versionOf,
  type ConfirmItem,
  type ConfirmResult,
  type Known,
  type PageRecord,
  type ProductRecord,
  type ProductRow,
  ProductStore,
  type SyncResume,
} from '../store/product-store';
import type { ArticlePage, TotalGestClient } from '../totalgest/client';
import { openStateDatabase } from '../store/state-db';
import { AdaptiveLimit, WritePool } from './write-pool';

export interface SyncOptions {
  /** Re-read this much before the last run's start, so nothing changed during a run is missed. */
  overlapMs: number;
  pageSize: number;
  /** Ceiling of products/save calls in flight; the adaptive limit moves between `writeFloor` and this. */
  writeConcurrency: number;
  writeFloor: number;
  /** Where the adaptive limit starts (slow start doubles it each round trip). */
  writeInitial: number;
  /** Attempts per product within a run for 5xx/timeouts; then it waits in the retry set. */
  writeMaxAttempts: number;
  /** How long a product may wait out Retry-After answers within a run. */
  writeMaxWaitMs: number;
  retryBaseDelayMs: number;
  /** Products per emitted batch in emit mode. */
  batchSize: number;
  /** Optional reshaping of each mapped product (the node's JSONata override). */
  override?: (p: Fw360Product) => Promise<unknown>;
  overrideText?: string;
}

export const defaultSyncOptions: SyncOptions = {
  overlapMs: 60_000,
  pageSize: 500,
  writeConcurrency: 64,
  writeFloor: 1,
  writeInitial: 4,
  writeMaxAttempts: 6,
  writeMaxWaitMs: 120_000,
  retryBaseDelayMs: 500,
  batchSize: 100,
};

export interface SyncProgress {
  fetched: number;
  /** Products found to write so far (grows page by page). */
  toWrite: number;
  written: number;
  inFlight: number;
  /** The adaptive limit now. */
  limit: number;
  /** Writes per second since the first write. */
  ratePerSecond: number;
}

/** One emitted batch's place in the run: `count` is set on the last one (a core Join in automatic mode completes on it). */
export interface BatchPart {
  index: number;
  count?: number;
  /** SKU → the version emitted: a confirmation quoting it is tied to this version (a late one of an older version is ignored). */
  versions: Record<string, string>;
}

export interface RunRequest {
  full?: boolean;
  dryRun?: boolean;
  /** Write every product, changed or not. */
  forceWrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Emit mode: each batch of products for the flow to write. */
  onBatch?: (products: Fw360Product[], part: BatchPart) => void;
}

export interface SyncFailure {
  sku: string | undefined;
  id: string | undefined;
  reason: string;
}

export interface SyncSummary {
  /** One readable line, first so the debug sidebar shows it in the collapsed message. */
  summary: string;
  mode: 'write' | 'emit';
  full: boolean;
  dryRun: boolean;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Inactive or deleted in TotalGest, and (full runs) written earlier but no longer served. */
  deactivated: number;
  /** Emit mode: products handed to the flow (created + updated + deactivated), not yet written. */
  emitted: number;
  /** Failures since the run began (a run resumed after a restart counts the part before it). */
  failed: number;
  failures: SyncFailure[];
  /** Products that had failed in an earlier run and were written now. */
  retried: number;
  /** Products in the retry set after the run. */
  stillFailed: number;
  pages: number;
  durationMs: number;
  cursorBefore: string | null;
  cursorAfter: string | null;
  startedAt: string;
  /** Write mode: the adaptive concurrency of products/save. */
  concurrency?: { ceiling: number; peak: number; final: number; backoffs: number };
  /** Dry run only: what would be written. */
  wouldWrite?: { created: Fw360Product[]; updated: Fw360Product[]; deactivated: Fw360Product[] };
  aborted?: boolean;
  /** The run stopped itself on an error every write would meet (the shop refused the API key); resumed by the next run. */
  stoppedBy?: string;
}

type Kind = 'created' | 'updated' | 'deactivated';

interface Change {
  product: Fw360Product;
  /** productValues of the product: hashed, and kept by the store. */
  body: string;
  hash: string;
  kind: Kind;
  /**
   * What the retry set keeps if the write fails (made only then): the mapped product (the
   * override is applied again), the stored text of a retried one, or else the product itself.
   */
  mapped?: Fw360Product;
  pendingText?: string;
  /** From the retry set; `carried`: failed earlier in this same run (before a restart). */
  retry?: { carried: boolean };
  /** A failure record under another SKU (TotalGest's, the override renamed it) that this write supersedes. */
  forget?: string;
}

/** A page's outcome, committed to the store in page order. */
interface Work extends PageRecord {
  failures: SyncFailure[];
  /** Failures that count in this run's summary. */
  failCount: number;
  counts: Record<Kind, number>;
  retried: number;
  /** Failures of this run (before a restart) written now: no longer failed. */
  resolved: string[];
  aborted: number;
  /** Resume record after this page; null leaves the stored one. */
  resume: Partial<SyncResume> | undefined | null;
  settled: Promise<unknown>;
  /** Emit mode: the page's products, handed to the flow once the page is recorded. */
  emit?: Change[];
  /** SKUs the override gave products of this page (marked seen by a full run). */
  shopSkus?: string[];
  /** TotalGest SKUs the override replaced: not marked seen, so a product still under one is swept. */
  renamed?: Set<string>;
  /** Articles the override failed on: the shop SKU is unknown, so a full run marks their products by id. */
  overrideFailed?: string[];
}

/** SKU → the article that holds it after a page (live or not). */
type Holders = Map<string, Pick<Known, 'totalgestId' | 'state'>>;

/** The retry set keeps either the mapped product (the override is applied again) or the final one. */
const pendingSchema = z.union([z.object({ mapped: productSchema }), z.object({ final: productSchema })]);

const MAX_FAILURES_LISTED = 200;
const MAX_FAILURES_RESUMED = 20;
const STORE_PAGE = 500;
const MAX_PAUSE_KEPT_MS = 3_600_000;

/**
 * Keeps the Framework360 catalogue equal to TotalGest: pages through the article feed
 * (incrementally from the stored cursor), maps, detects changes by hash and writes (or
 * emits) only what changed. Failed products wait in a retry set that every later run tries;
 * a full run ends by deactivating what TotalGest no longer serves. Holds at most two pages.
 */
export class ProductSync {
  private readonly opts: SyncOptions;

  constructor(
    private readonly client: TotalGestClient,
    private readonly store: ProductStore,
    private readonly writer: Framework360Client | undefined,
    opts: Partial<SyncOptions> = {},
  ) {
    this.opts = { ...defaultSyncOptions, ...opts };
  }

  async run(req: RunRequest = {}): Promise<SyncSummary> {
    const t0 = Date.now();
    const dryRun = req.dryRun === true;
    // The kept state belongs to one shop: another one's run switches to its own state first.
    const preview = await this.forShop(req);
    if (preview) return preview;
    const cursorBefore = this.store.cursor() ?? null;
    const resume = dryRun ? undefined : this.store.resume();
    // An interrupted run is continued where it stopped; an interrupted full run also by an
    // incremental trigger (it reads all an incremental one would, and its sweep is still owed).
    const full = req.full === true || cursorBefore === null || (resume?.full === true && resume.mark !== undefined);
    // A full run recorded without its mark (an older version) starts over: its pages carry no mark to sweep by.
    // So does a run stopped under another mapping (override): the pages it read were written with that one.
    const mapping = this.hashOf('[]');
    const continuing =
      resume && resume.full === full && (!full || resume.mark) && (resume.mapping ?? mapping) === mapping
        ? resume
        : undefined;
    if (resume && !continuing) this.store.setResume(undefined);
    const updatedSince = continuing ? continuing.updatedSince : full ? null : cursorBefore;
    const summary: SyncSummary = {
      summary: '',
      mode: this.writer ? 'write' : 'emit',
      full,
      dryRun,
      fetched: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      emitted: 0,
      failed: continuing?.failed ?? 0,
      failures: (continuing?.failures ?? []).map((f) => ({ sku: f.sku, id: f.id, reason: f.reason })),
      retried: 0,
      stillFailed: 0,
      pages: 0,
      durationMs: 0,
      cursorBefore,
      cursorAfter: cursorBefore,
      startedAt: new Date(t0).toISOString(),
      ...(dryRun ? { wouldWrite: { created: [], updated: [], deactivated: [] } } : {}),
    };
    const runStartedAt = continuing?.startedAt ?? t0;
    // The mark is the run's start: a product is swept when no full run since then has seen it, so
    // two runs on one connection never sweep what the other saw.
    // Never earlier than a mark already given: after the host's clock stepped back, a start-time
    // mark would count every product the last full run saw as seen again.
    const mark = full ? (continuing?.mark ?? this.newMark(runStartedAt, !dryRun)) : undefined;
    let startServerTime = continuing?.startServerTime;

    const limit = new AdaptiveLimit({
      floor: Math.min(this.opts.writeFloor, this.opts.writeConcurrency),
      ceiling: this.opts.writeConcurrency,
      initial: this.opts.writeInitial,
      latencyFactor: 2,
      latencySlackMs: 10,
    });
    const writer = this.writer;
    const pool =
      writer && !dryRun
        ? new WritePool<Fw360Product, { id: string | number }>(limit, (p) => writer.saveProductOnce(p), {
            maxAttempts: this.opts.writeMaxAttempts,
            maxWaitMs: this.opts.writeMaxWaitMs,
            baseDelayMs: this.opts.retryBaseDelayMs,
            maxDelayMs: 30_000,
            // The shop's Retry-After outlives this run: a new run, or one after a redeploy, waits too.
            pausedUntil: this.store.writePausedUntil(),
            // Kept at most an hour: a bogus far-future Retry-After date must not stop writes for good.
            onPause: (until) => this.store.setWritePausedUntil(Math.min(until, Date.now() + MAX_PAUSE_KEPT_MS)),
            // A refused key refuses every product: stop at the first answer instead of one per product.
            isFatal: (err) => err instanceof ApiError && (err.kind === 'auth' || err.kind === 'forbidden'),
          })
        : undefined;
    const onAbort = (): void => pool?.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) onAbort();
    const aborted = (): boolean => req.signal?.aborted === true || pool?.fatal !== undefined;

    let toWrite = 0;
    let firstWriteAt = 0;
    const progress = (): void =>
      req.onProgress?.({
        fetched: summary.fetched,
        toWrite,
        written: pool?.written ?? 0,
        inFlight: pool?.inFlight ?? 0,
        limit: limit.limit,
        ratePerSecond: pool && firstWriteAt ? ((pool.written * 1000) / Math.max(1, Date.now() - firstWriteAt)) | 0 : 0,
      });

    // Emit mode: the newest batch is held back until the next one or the end, so the last
    // one can carry the count.
    let held: { products: Fw360Product[]; index: number; versions: Record<string, string> } | undefined;
    let batchIndex = 0;
    const emit = (changes: Change[]): void => {
      if (held) req.onBatch?.(held.products, { index: held.index, versions: held.versions });
      const products: Fw360Product[] = [];
      const versions: Record<string, string> = {};
      for (const c of changes) {
        products.push(c.product);
        versions[c.product.sku] = versionOf(c.hash);
      }
      held = { products, index: batchIndex++, versions };
    };

    const newWork = (resumeAfter: Work['resume']): Work => ({
      done: [],
      failed: [],
      failures: [],
      failCount: 0,
      counts: { created: 0, updated: 0, deactivated: 0 },
      retried: 0,
      resolved: [],
      aborted: 0,
      resume: resumeAfter,
      settled: Promise.resolve(),
    });

    const dispatch = (changes: Change[], work: Work): void => {
      if (dryRun) {
        for (const c of changes) {
          summary.wouldWrite![c.kind].push(c.product);
          work.counts[c.kind] += 1;
        }
        return;
      }
      if (!pool) {
        // Recorded with the rest of the page (one transaction, each row written once), and
        // handed to the flow only after that: a flow that confirms at once finds them emitted.
        for (const c of changes) this.succeeded(work, c, this.recordOf(c, null, 'emitted'));
        // A full run's mark on every emitted product, deactivations of the sweep included.
        if (mark && changes.length) work.seen ??= { mark, skus: [] };
        work.emit = changes;
        return;
      }
      toWrite += changes.length;
      if (changes.length && !firstWriteAt) firstWriteAt = Date.now();
      work.settled = Promise.all(
        changes.map((c) =>
          // Keyed by SKU: two versions of one product never overlap, the newest lands last.
          pool.submit(c.product, c.product.sku).then((outcome) => {
            if (outcome.ok) this.succeeded(work, c, this.recordOf(c, String(outcome.value.id)));
            // A newer version of this product is written (or fails) in its place; its page records it.
            else if (outcome.superseded) toWrite -= 1;
            else if (outcome.aborted) work.aborted += 1;
            else this.failedWrite(work, c, `products/save: ${errorSummary(outcome.error)}`);
            progress();
          }),
        ),
      );
    };

    // Pages are committed in order; a page left incomplete by a stop blocks every later resume point.
    let resumeBlocked = false;
    const commit = (work: Work): void => {
      if (work.aborted > 0) resumeBlocked = true;
      summary.created += work.counts.created;
      summary.updated += work.counts.updated;
      summary.deactivated += work.counts.deactivated;
      summary.retried += work.retried;
      summary.failed += work.failCount - work.resolved.length;
      if (work.resolved.length)
        summary.failures = summary.failures.filter((f) => !f.sku || !work.resolved.includes(f.sku));
      for (const f of work.failures) if (summary.failures.length < MAX_FAILURES_LISTED) summary.failures.push(f);
      if (dryRun) return;
      const resumeRecord =
        resumeBlocked || work.resume === null
          ? null
          : work.resume === undefined
            ? undefined
            : ({
                after: null,
                updatedSince,
                startServerTime: startServerTime!,
                full,
                mark,
                mapping,
                startedAt: runStartedAt,
                failed: summary.failed,
                failures: summary.failures
                  .slice(0, MAX_FAILURES_RESUMED)
                  .map((f) => ({ sku: f.sku, id: f.id, reason: f.reason })),
                ...work.resume,
              } satisfies SyncResume);
      this.store.recordPage(work, resumeRecord, Date.now());
      const changes = work.emit ?? [];
      for (let i = 0; i < changes.length; i += this.opts.batchSize) emit(changes.slice(i, i + this.opts.batchSize));
    };

    let outstanding: Work | undefined;
    try {
      // 1. The feed (skipped when a stopped run had already read it and was sweeping).
      if (continuing?.phase !== 'sweep') {
        const fetchPage = (cursor: string | undefined) =>
          this.client.articlePage(
            { updatedSince: updatedSince ?? undefined, after: cursor, limit: this.opts.pageSize },
            req.signal,
          );
        let pending: Promise<ArticlePage> | undefined = fetchPage(continuing?.after ?? undefined);
        let previous: Holders | undefined;
        // With an override: the article each shop SKU was given to in this run (two must not share one).
        const owners = this.opts.override ? new Map<string, string>() : undefined;
        // A dry run records no page: each one sees the holders of every page before it.
        const dryHolders: Holders | undefined = dryRun ? new Map() : undefined;
        while (pending) {
          const page: ArticlePage = await pending;
          // Fetch the next page while this one is handled: download and work overlap.
          pending = page.next !== null && !aborted() ? fetchPage(page.next) : undefined;
          pending?.catch(() => undefined);
          // One turn of the event loop here, not after the page: the request goes out now (the
          // server prepares the next page while this one is worked on), and a stop or a
          // confirmation waiting in the loop is handled once per page.
          await yieldToLoop();
          // The earliest clock of the run: when TotalGest's clock steps back during it, the cursor follows.
          if (startServerTime === undefined || Date.parse(page.serverTime) < Date.parse(startServerTime))
            startServerTime = page.serverTime;
          summary.pages += 1;
          summary.fetched += page.articles.length + page.invalid.length;
          const work = newWork(
            page.next !== null
              ? { after: page.next, phase: 'feed' }
              : full
                ? { phase: 'sweep', sweepAfter: '' }
                : undefined,
          );
          const changes = this.goneInvalid(page.invalid, work, summary, previous);
          // Write mode records this page only after the next one is worked: that one must see who holds a SKU now.
          const holders: Holders | undefined = pool ? new Map() : dryHolders;
          changes.push(
            ...(await this.changesOf(
              page.articles,
              work,
              req.forceWrite === true,
              full,
              summary,
              previous,
              holders,
              owners,
            )),
          );
          previous = holders;
          if (mark) {
            const skus: string[] = [];
            const renamed = work.renamed;
            for (const a of page.articles) if (!renamed?.has(a.sku)) skus.push(a.sku);
            for (const sku of work.shopSkus ?? []) skus.push(sku);
            const ids: string[] = work.overrideFailed ?? [];
            for (const b of page.invalid)
              if (b.sku) skus.push(b.sku);
              // One the record says is inactive or deleted is not served: the sweep deactivates its products.
              else if (b.id && !b.gone) ids.push(b.id);
            work.seen = ids.length ? { mark, skus, ids } : { mark, skus };
          }
          dispatch(changes, work);
          if (outstanding) {
            await outstanding.settled;
            commit(outstanding);
          }
          // Emit mode and dry runs have nothing in flight: the page is committed at once.
          if (pool) outstanding = work;
          else commit(work);
          progress();
          if (page.next !== null && aborted()) {
            summary.aborted = true;
            break;
          }
        }
        // A stop leaves no request behind: the page already asked for is let finish.
        await pending?.catch(() => undefined);
        if (outstanding) {
          const last = outstanding;
          outstanding = undefined;
          await last.settled;
          commit(last);
        }
      }
      if (resumeBlocked || aborted()) summary.aborted = true;

      // 2. Mark and sweep: what this connection wrote and TotalGest no longer serves.
      if (full && mark && !dryRun && !summary.aborted) {
        let after = continuing?.phase === 'sweep' ? (continuing.sweepAfter ?? '') : '';
        for (;;) {
          const rows = this.store.unseen(mark, after, STORE_PAGE);
          if (rows.length === 0) break;
          after = rows.at(-1)!.sku;
          const work = newWork({ phase: 'sweep', sweepAfter: after });
          const forget: string[] = [];
          const changes: Change[] = [];
          for (const row of rows) {
            const last = lastCopy(row);
            if (last) {
              const product: Fw360Product = { ...last, active: false, stock: '0' };
              const body = productValues(product);
              changes.push({ product, body, hash: this.hashOf(body), kind: 'deactivated' });
            } else if (row.fw360_id === null && row.state === 'failed' && row.pending === null) {
              forget.push(row.sku); // never sent to the shop (TotalGest served it invalid): nothing to deactivate
            } else {
              const reason =
                'no longer in TotalGest, but no copy of the product was kept to deactivate it: set it inactive in the shop';
              this.noteFailure(work, { sku: row.sku, id: row.totalgest_id ?? undefined, reason });
              work.failed.push({ sku: row.sku, totalgestId: row.totalgest_id, error: reason, pending: null });
            }
          }
          if (forget.length) this.store.remove(forget);
          dispatch(changes, work);
          await work.settled;
          commit(work);
          if (resumeBlocked || aborted()) {
            summary.aborted = true;
            break;
          }
        }
        if (!summary.aborted) this.store.setResume(undefined);
      }

      // 3. The retry set: products that failed before this run began.
      if (!summary.aborted) {
        let after = '';
        // Rows this run failed carry times from t0 to now; any later one predates a step back of the host's clock.
        const now = Date.now();
        // Only a resumed run carries failures of its own from before the restart: those its record
        // names (by SKU: times lie after a step back of the host's clock), or, when the record could
        // not list them all, those stamped since it began.
        const listed = new Set((continuing?.failures ?? []).flatMap((f) => (f.sku ? [f.sku] : [])));
        const allListed = (continuing?.failures?.length ?? 0) >= (continuing?.failed ?? 0);
        const carried = (row: ProductRow): boolean =>
          continuing !== undefined &&
          (listed.has(row.sku) || (!allListed && row.updated_at >= runStartedAt && row.updated_at <= now));
        for (;;) {
          const rows = this.store.retrySet(t0, after, STORE_PAGE, now);
          if (rows.length === 0) break;
          after = rows.at(-1)!.sku;
          const work = newWork(null);
          dispatch(await this.retryChanges(rows, work, carried), work);
          await work.settled;
          commit(work);
          if (resumeBlocked || aborted()) {
            summary.aborted = true;
            break;
          }
        }
      }
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      if (outstanding) {
        // The feed failed with writes in flight: record what was written, hold the resume point.
        pool?.abort();
        await outstanding.settled;
        resumeBlocked = true;
        commit(outstanding);
      }
      if (held) req.onBatch?.(held.products, { index: held.index, count: held.index + 1, versions: held.versions });
    }

    // The cursor moves after every complete run: failures wait in the retry set, not behind the cursor.
    if (!dryRun && !summary.aborted && startServerTime) {
      // Also backwards: when TotalGest's clock stepped back, its next changes carry earlier stamps.
      this.store.setCursor(new Date(Date.parse(startServerTime) - this.opts.overlapMs).toISOString());
      summary.cursorAfter = this.store.cursor() ?? null;
      this.store.setLastSuccessAt(new Date().toISOString());
    }
    if (pool)
      summary.concurrency = {
        ceiling: this.opts.writeConcurrency,
        peak: limit.peak,
        final: limit.limit,
        backoffs: limit.backoffs,
      };
    summary.stillFailed = this.store.counts().failed;
    summary.durationMs = Date.now() - t0;
    const changed = summary.created + summary.updated + summary.deactivated;
    if (summary.mode === 'emit' && !dryRun) summary.emitted = changed;
    // Emit mode writes nothing itself: it says what it handed to the flow.
    const what =
      summary.mode === 'emit' && !dryRun
        ? `${changed} emitted (${summary.created} new, ${summary.updated} changed, ${summary.deactivated} deactivations)`
        : `${summary.created} created, ${summary.updated} updated`;
    summary.summary = `${summary.fetched} fetched: ${what}, ${summary.unchanged} unchanged${summary.mode === 'emit' && !dryRun ? '' : `, ${summary.deactivated} deactivated`}, ${summary.failed} failed${summary.retried ? `, ${summary.retried} retried` : ''}${dryRun ? ' (dry run)' : ''}${summary.aborted ? ' (stopped)' : ''}`;
    if (pool?.fatal !== undefined) {
      summary.stoppedBy = `product sync stopped: ${errorSummary(pool.fatal)} — nothing more is sent until the Framework360 API key is fixed; ${summary.stillFailed} products wait in the retry set`;
      summary.summary += ` — ${summary.stoppedBy}`;
    }
    return summary;
  }

  /**
   * The product state kept belongs to the shop it was written to (`writer.baseUrl`, '' = the
   * flow). A run for another shop switches to that shop's own state (put aside before, or none)
   * once the shop answers; a dry run for another shop is answered here, from a throwaway copy.
   */
  private async forShop(req: RunRequest): Promise<SyncSummary | undefined> {
    const dryRun = req.dryRun === true;
    const target = this.writer?.baseUrl ?? '';
    // A database from before the shop was recorded: rows still `emitted` can only be the flow's.
    const keptFor = this.store.target() ?? (target !== '' && this.store.counts().emitted > 0 ? '' : undefined);
    // A dry run for another shop previews what its real run does (a dry run must not switch): from
    // that shop's state kept aside, or from nothing, in a throwaway copy.
    if (dryRun && keptFor !== undefined && keptFor !== target) {
      const scratch = openStateDatabase(':memory:');
      try {
        const preview = new ProductStore(scratch);
        this.store.copyKeptInto(target, preview);
        return await new ProductSync(this.client, preview, this.writer, this.opts).run(req);
      } finally {
        scratch.close();
      }
    }
    if (!dryRun && keptFor !== target) {
      if (keptFor === undefined) this.store.setTarget(target);
      else {
        // Switched only for a shop that answers: a mistyped URL or key must not move the kept state.
        if (this.writer)
          await this.writer.checkConnection().catch((err: unknown) => {
            throw new Error(
              `${target} does not answer (${errorSummary(err)}): nothing written, the products kept for ${keptFor || 'the flow'} are left as they are`,
            );
          });
        this.store.switchTarget(keptFor, target);
      }
    }
    return undefined;
  }

  /** Emitted products the flow has written (or failed to write): they become linked (or failed). */
  confirm(items: ConfirmItem[]): ConfirmResult {
    return this.store.confirm(items, Date.now());
  }

  private noteFailure(work: Work, f: SyncFailure): void {
    work.failCount += 1;
    work.failures.push(f);
  }

  private succeeded(work: Work, c: Change, record?: ProductRecord): void {
    if (record) work.done.push(record);
    if (c.forget) (work.forget ??= []).push(c.forget);
    if (!c.retry) work.counts[c.kind] += 1;
    else if (c.retry.carried) work.resolved.push(c.product.sku);
    else work.retried += 1;
  }

  private failedWrite(work: Work, c: Change, reason: string): void {
    work.failed.push({ sku: c.product.sku, totalgestId: c.product.totalgestId, error: reason, pending: pendingOf(c) });
    // A failure carried over from before a restart is counted once.
    if (c.retry?.carried) return;
    this.noteFailure(work, { sku: c.product.sku, id: c.product.totalgestId, reason });
  }

  /** Applies the override; a throw or an invalid result fails the product with the field and reason. */
  private async finalProduct(mapped: Fw360Product): Promise<{ product: Fw360Product } | { reason: string }> {
    if (!this.opts.override) return { product: mapped };
    let out: unknown;
    try {
      out = await this.opts.override(mapped);
    } catch (err) {
      const text = errorSummary(err);
      return { reason: text.startsWith('override') ? text : `override: ${text}` };
    }
    const reshaped = productSchema.safeParse(out);
    if (reshaped.success) return { product: reshaped.data };
    return {
      reason: `override result: ${zodProblems(reshaped.error)
        .map((p) => `${p.path}: ${p.message}`)
        .join('; ')}`,
    };
  }

  private kindOf(before: Known | undefined, product: Fw360Product): Kind {
    // A product never delivered before is created, even when it arrives inactive.
    if (!before || (before.hash === null && !before.hasBody)) return 'created';
    return product.active ? 'updated' : 'deactivated';
  }

  private async changesOf(
    articles: ArticlePage['articles'],
    work: Work,
    force: boolean,
    full: boolean,
    summary: SyncSummary,
    previous: Holders | undefined,
    holders: Holders | undefined,
    owners: Map<string, string> | undefined,
  ): Promise<Change[]> {
    const known = this.store.known(articles.map((a) => a.sku));
    if (previous)
      for (const a of articles) {
        const held = previous.get(a.sku);
        const k = known.get(a.sku);
        if (held)
          known.set(a.sku, {
            hash: k?.hash ?? null,
            hasBody: k?.hasBody ?? false,
            totalgestId: held.totalgestId,
            state: held.state,
          });
      }
    const out: Change[] = [];
    for (const a of articles) {
      const mapped = articleToProduct(a);
      const holder = known.get(a.sku);
      // A SKU moved to another article: the old article's deletion must not deactivate the live one.
      if (!mapped.active && heldByAnother(holder, a.id)) {
        summary.unchanged += 1;
        continue;
      }
      // Later articles with the same SKU (this page's, and the next page's: it is worked before
      // this one is recorded) see who holds it now, also when no row named a holder before.
      const holds: Known = {
        hash: holder?.hash ?? null,
        hasBody: holder?.hasBody ?? false,
        totalgestId: a.id,
        state: mapped.active ? 'linked' : 'deactivated',
      };
      known.set(a.sku, holds);
      holders?.set(a.sku, holds);
      let product = mapped;
      // Only an override costs a promise per article.
      if (this.opts.override) {
        const final = await this.finalProduct(mapped);
        if ('reason' in final) {
          this.noteFailure(work, { sku: a.sku, id: a.id, reason: final.reason });
          work.failed.push({ sku: a.sku, totalgestId: a.id, error: final.reason, pending: JSON.stringify({ mapped }) });
          (work.overrideFailed ??= []).push(a.id);
          continue;
        }
        product = final.product;
        // Two articles the override gives one shop SKU would overwrite each other on every run.
        const owner = owners?.get(product.sku);
        if (owner !== undefined && owner !== a.id) {
          // An inactive one (an old holder's tombstone) leaves the live product alone.
          if (!product.active) {
            summary.unchanged += 1;
            continue;
          }
          // No failure record: the row under either SKU may be the product the first article holds.
          const reason = `override result: sku: "${product.sku}" is given to article ${owner} too`;
          this.noteFailure(work, { sku: a.sku, id: a.id, reason });
          (work.overrideFailed ??= []).push(a.id);
          continue;
        }
        if (product.active) owners?.set(product.sku, a.id);
      }
      let before = holder;
      if (product.sku !== a.sku) {
        // The override gave the shop its own SKU: the product's row is kept under it.
        before = known.get(product.sku) ?? this.store.known([product.sku]).get(product.sku);
        (work.shopSkus ??= []).push(product.sku);
        (work.renamed ??= new Set()).add(a.sku);
        // This article's own failure record (override or validation, never sent to the shop) is superseded.
        if (holder?.state === 'failed' && !holder.hasBody && holder.totalgestId === a.id)
          (work.forget ??= []).push(a.sku);
        // The holder check above read TotalGest's SKU; the shop's product is kept under this one.
        if (!product.active && heldByAnother(before, a.id)) {
          summary.unchanged += 1;
          continue;
        }
      }
      const body = productValues(product);
      const hash = this.hashOf(body);
      // A full resync emits again what the flow never confirmed (a lost batch).
      if (!force && before?.hash === hash && !(full && before.state === 'emitted')) {
        summary.unchanged += 1;
        if (!before.hasBody) (work.bodies ??= []).push({ sku: product.sku, body });
        continue;
      }
      out.push({ product, body, hash, kind: this.kindOf(before, product), mapped });
    }
    return out;
  }

  /**
   * Articles TotalGest serves invalid are failed (field and reason); one deleted or inactive in
   * TotalGest is still deactivated from the copy last written, which the store keeps.
   */
  private goneInvalid(
    invalid: ArticlePage['invalid'],
    work: Work,
    summary: SyncSummary,
    previous: Holders | undefined,
  ): Change[] {
    const out: Change[] = [];
    const rows = this.store.getMany(invalid.flatMap((b) => (b.gone && b.sku ? [b.sku] : [])));
    for (const bad of invalid) {
      const row = bad.sku ? rows.get(bad.sku) : undefined;
      // The previous page (not recorded yet) may have given the SKU to another article.
      const holder =
        (bad.sku && previous?.get(bad.sku)) || (row && { totalgestId: row.totalgest_id, state: row.state });
      if (row && bad.gone && heldByAnother(holder || undefined, bad.id)) {
        summary.unchanged += 1;
        continue;
      }
      const last =
        row && (row.totalgest_id === null || bad.id === undefined || row.totalgest_id === bad.id)
          ? lastCopy(row)
          : undefined;
      if (row && last) {
        const product: Fw360Product = { ...last, active: false, stock: '0' };
        const body = productValues(product);
        const hash = this.hashOf(body);
        if (row.hash === hash) summary.unchanged += 1;
        else out.push({ product, body, hash, kind: 'deactivated' });
        continue;
      }
      const reason = `invalid article: ${bad.reason}`;
      this.noteFailure(work, { sku: bad.sku, id: bad.id, reason });
      if (bad.sku) work.failed.push({ sku: bad.sku, totalgestId: bad.id ?? null, error: reason, pending: null });
    }
    return out;
  }

  private async retryChanges(
    rows: ProductRow[],
    work: Work,
    carriedOf: (row: ProductRow) => boolean,
  ): Promise<Change[]> {
    const out: Change[] = [];
    for (const row of rows) {
      const carried = carriedOf(row);
      const parsed = pendingSchema.safeParse(safeJson(row.pending ?? ''));
      const before: Known = { hash: row.hash, state: row.state, hasBody: row.body !== null };
      if (!parsed.success) {
        work.failed.push({
          sku: row.sku,
          totalgestId: row.totalgest_id,
          error: row.error ?? 'unreadable retry record',
          pending: null,
        });
        continue;
      }
      const final =
        'final' in parsed.data ? { product: parsed.data.final } : await this.finalProduct(parsed.data.mapped);
      if ('reason' in final) {
        work.failed.push({ sku: row.sku, totalgestId: row.totalgest_id, error: final.reason, pending: row.pending });
        if (!carried) this.noteFailure(work, { sku: row.sku, id: row.totalgest_id ?? undefined, reason: final.reason });
        continue;
      }
      const product = final.product;
      // A failure record kept under TotalGest's SKU (the override renames it) whose shop SKU another
      // article took over since: superseded, never written over the new holder's product.
      if (
        product.sku !== row.sku &&
        heldByAnother(this.store.known([product.sku]).get(product.sku), row.totalgest_id ?? undefined)
      ) {
        (work.forget ??= []).push(row.sku);
        if (carried) work.resolved.push(row.sku);
        continue;
      }
      const body = productValues(product);
      out.push({
        product,
        body,
        hash: this.hashOf(body),
        kind: this.kindOf(before, product),
        pendingText: row.pending!,
        retry: { carried },
        ...(product.sku !== row.sku && row.body === null && row.fw360_id === null ? { forget: row.sku } : {}),
      });
    }
    return out;
  }

  private recordOf(c: Change, fw360Id: string | null, emitted?: 'emitted'): ProductRecord {
    return {
      sku: c.product.sku,
      totalgestId: c.product.totalgestId,
      fw360Id,
      hash: c.hash,
      state: emitted ?? (c.product.active ? 'linked' : 'deactivated'),
      body: c.body,
    };
  }

  /** A full run's mark: its start, or just after the latest one given (the host's clock stepped back); kept unless a dry run. */
  private newMark(startedAt: number, keep: boolean): string {
    const latest = this.store.latestMark();
    const latestMs = latest === undefined ? NaN : Date.parse(latest);
    const mark = new Date(latestMs >= startedAt ? latestMs + 1 : startedAt).toISOString();
    if (keep) this.store.setLatestMark(mark);
    return mark;
  }

  private hashOf(body: string): string {
    return productHashOf(body, this.opts.overrideText);
  }
}

function heldByAnother(
  holder: Pick<Known, 'totalgestId' | 'state'> | undefined,
  articleId: string | undefined,
): boolean {
  return (
    !!holder?.totalgestId &&
    articleId !== undefined &&
    holder.totalgestId !== articleId &&
    holder.state !== 'deactivated'
  );
}

/** The product as last written (or, for a write that failed, as last sent: it may have landed). */
function lastCopy(row: ProductRow): Fw360Product | undefined {
  if (row.body) {
    const last = productSchema.safeParse(productFromStored(row.body));
    if (last.success) return last.data;
  }
  const pending = row.pending ? pendingSchema.safeParse(safeJson(row.pending)) : undefined;
  if (pending?.success) return 'final' in pending.data ? pending.data.final : pending.data.mapped;
  return undefined;
}

function pendingOf(c: Change): string {
  return c.pendingText ?? JSON.stringify(c.mapped ? { mapped: c.mapped } : { final: c.product });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
