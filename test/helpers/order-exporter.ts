import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrderExporter, type Transition } from '../../src/engine/order-exporter';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { OrderStore } from '../../src/store/order-store';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { TotalGestClient } from '../../src/totalgest/client';
import { fixtures } from './fixtures';
import { demoCredentials, startFramework360, startTotalGest } from './sandboxes';

// Taken at load: a test may install sinon's fake timers, and the polling must still run on the real clock.
const realSetTimeout = globalThis.setTimeout;
export const realDelay = (ms: number) => new Promise((r) => realSetTimeout(r, ms));

/** Polls on the real clock (the fake one may be installed) until `cond` holds. */
export async function until(cond: () => boolean, what: string, tries = 2_000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await realDelay(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The paid order of fixture 01 with another id (and any fields replaced). */
export const paidOrder = (id: number, over: Record<string, unknown> = {}): Record<string, any> => ({
  ...structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order),
  id,
  ...over,
});
export const CANCELLED = { stato: { id: 5, nome: 'Annullato' } };

export type ExporterOptions = ConstructorParameters<typeof OrderExporter>[3];

/**
 * The order exporter driven directly (no Node-RED), with real HTTP to the TotalGest sandbox (and the
 * Framework360 one when asked) and real state databases in a fresh directory per test. Registers the
 * mocha hooks of the calling describe; the fields are set once its `before`/`beforeEach` ran.
 */
export function orderExporterHarness(opts: { tmpPrefix: string; framework360?: boolean }) {
  const open: Array<{ stop(): Promise<void> }> = [];
  const dbs: StateDatabase[] = [];
  const clients: TotalGestClient[] = [];
  const h = {
    tg: undefined as unknown as TotalGestSandbox,
    /** Only with `framework360: true`. */
    fw: undefined as unknown as Framework360Sandbox,
    dir: '',
    /** Closed after the test (a database the test opened itself). */
    closeAfter(db: StateDatabase): void {
      dbs.push(db);
    },
    /** Order creations that reached TotalGest. */
    posts: () => h.tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders')),
    /** The TotalGest documents for one external reference. */
    inTotalGest: (ref: string) => h.tg.orders.filter((o) => o.externalRef === ref),
    exporter(options: ExporterOptions = {}, file = path.join(h.dir, 'state.sqlite')) {
      const db = openStateDatabase(file);
      dbs.push(db);
      const client = new TotalGestClient({
        endpoint: h.tg.url,
        ...demoCredentials,
        retry: { baseDelayMs: 10, maxDelayMs: 50 },
      });
      clients.push(client);
      const ex = new OrderExporter(client, new OrderStore(db), () => undefined, { dbKey: file, ...options });
      const transitions: Transition[] = [];
      ex.on('transition', (t: Transition) => transitions.push(t));
      open.push(ex);
      return { ex, db, client, transitions };
    },
  };

  before(async () => {
    h.tg = await startTotalGest();
    if (opts.framework360) h.fw = await startFramework360();
  });
  after(async () => {
    await h.tg.stop();
    if (opts.framework360) await h.fw.stop();
  });
  beforeEach(() => {
    h.tg.reset();
    if (opts.framework360) h.fw.reset();
    h.dir = mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  });
  afterEach(async () => {
    for (const e of open.splice(0)) await e.stop();
    for (const c of clients.splice(0)) c.close();
    for (const db of dbs.splice(0)) db.close();
    rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}
