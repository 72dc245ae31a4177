/** Adversarial review of issue 12: the adaptive write limit under storms, timeouts and latency spikes. */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { maxInFlight, productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

type Logged = { at: number; doneAt?: number; status?: number; retryAfter?: string; path: string };

describe('regression (issue 12 review): adaptive limit', function () {
  this.timeout(120_000);
  let { fw, db, client, writer } = {} as ProductSyncSandboxes;

  const sandboxes = productSyncSandboxes({ articles: 600, writerTimeoutMs: 300 });
  beforeEach(() => ({ fw, db, client, writer } = sandboxes));

  it('L1: mixed storm (429 with Retry-After, 503 without, hangs to timeout, latency spike): within [floor, ceiling], nothing before Retry-After, all written', async () => {
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
