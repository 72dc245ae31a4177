/** Adversarial review of issue 12: the adaptive write limit under storms, timeouts and latency spikes. */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { Framework360Client } from '../../src/framework360/client';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { ProductStore } from '../../src/store/product-store';
import { TotalGestClient } from '../../src/totalgest/client';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import { control, demoCredentials, startFramework360, startTotalGest } from '../helpers/sandboxes';

type Logged = { at: number; doneAt?: number; status?: number; retryAfter?: string; path: string };

function maxInFlight(log: Logged[]): number {
  const events = log.flatMap((r) => [
    [r.at, 1],
    [r.doneAt ?? Infinity, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let n = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (n += d!));
  return max;
}

describe('regression (issue 12 review): adaptive limit', function () {
  this.timeout(120_000);
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let db: StateDatabase;
  let client: TotalGestClient;
  let writer: Framework360Client;

  before(async () => {
    tg = await startTotalGest({ articles: 600, demoArticles: false });
    fw = await startFramework360();
  });
  after(async () => {
    client.close();
    writer.close();
    db.close();
    await tg.stop();
    await fw.stop();
  });

  it('L1: mixed storm (429 with Retry-After, 503 without, hangs to timeout, latency spike): within [floor, ceiling], nothing before Retry-After, all written', async () => {
    db = openStateDatabase(':memory:');
    client = new TotalGestClient({ endpoint: tg.url, ...demoCredentials });
    writer = new Framework360Client({ siteUrl: fw.url, apiKey: 'demo-key', timeoutMs: 300 });
    await control(fw.url, '/_sandbox/faults', {
      latencyMs: 15,
      rules: [
        { status: 503, every: 7, count: 20, path: '/products/save' },
        { hang: true, every: 11, count: 6, path: '/products/save' },
        { status: 429, retryAfter: 1, every: 13, count: 4, path: '/products/save' },
      ],
    });
    const limits: number[] = [];
    const inFlight: number[] = [];
    const s = await new ProductSync(client, new ProductStore(db), writer, {
      writeConcurrency: 12,
      writeFloor: 2,
      retryBaseDelayMs: 20,
    }).run({
      onProgress: (p) => {
        limits.push(p.limit);
        inFlight.push(p.inFlight);
      },
    });
    // A held request has no answer: it ends when the client gives up (its 300 ms timeout, counted from the client's send).
    const saves = (fw.requests as Logged[])
      .filter((r) => r.path === '/m/api/products/save')
      .map((r) => ({ ...r, doneAt: r.doneAt ?? r.at + 290 }));
    assert.equal(s.failed, 0, JSON.stringify(s.failures.slice(0, 3)));
    assert.equal(fw.products.size, 600);
    assert.ok(
      Math.max(...limits) <= 12 && Math.min(...limits) >= 2,
      `limit left [2, 12]: ${Math.min(...limits)}..${Math.max(...limits)}`,
    );
    assert.ok(maxInFlight(saves) <= 12, `the shop held ${maxInFlight(saves)} at once`);
    const early = saves.filter((r) =>
      saves.some((q) => q.status === 429 && r.at > q.doneAt + 20 && r.at < q.doneAt + Number(q.retryAfter) * 1000),
    );
    assert.equal(early.length, 0, `${early.length} requests within a Retry-After`);
    assert.ok(s.concurrency!.backoffs >= 1);
  });
});
