import path from 'node:path';
import type { Verdict } from '../../src/core/order-lifecycle';
import { OrderStore } from '../../src/store/order-store';
import { ProductStore } from '../../src/store/product-store';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';

/** Rows in every state, written through the stores as the exporter and the sync write them. */
export function seedStatusRows(db: StateDatabase, products = 0): { orders: OrderStore; products: ProductStore } {
  const orders = new OrderStore(db);
  const store = new ProductStore(db);
  const now = Date.now();
  // The pending order's next attempt is an hour away: the connection's worker (running whenever the config node
  // is deployed) leaves it as seeded while a test reads it.
  const timing = { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, maxAgeMs: 86_400_000 };
  const intake = (orderId: string, verdict: Verdict) =>
    orders.applyIntake(
      {
        orderId,
        externalRef: `FW360-${orderId}`,
        idempotencyKey: `k${orderId}`,
        verdict,
        event: { at: now, fromShop: true },
      },
      now,
    );
  for (const id of ['1001', '1002', '1003'])
    intake(id, { kind: 'export', document: '{}', docHash: `h${id}`, total: '32.80' });
  orders.claimDue(now, 10, 60_000, 'seed', []);
  orders.settle('1001', 'seed', { kind: 'retry', message: 'server error 503', maybeSent: false }, now, timing); // stays pending
  orders.settle('1002', 'seed', { kind: 'created', totalgestId: 'D-000002', number: '2026-000002' }, now, timing);
  orders.settle(
    '1003',
    'seed',
    { kind: 'final', reason: 'validation_failed', message: 'lines[0].sku: unknown article', details: [] },
    now,
    timing,
  );
  intake('1004', { kind: 'skip', reason: 'cancelled', message: 'order 1004 skipped: cancelled' });
  intake('1005', { kind: 'invalid', reason: 'total_mismatch', message: 'total_mismatch: 32.80 vs 32.90' });
  const records = [
    { sku: 'CAF-250', totalgestId: 'A-1', fw360Id: '55', hash: 'h1', state: 'linked' as const, body: '{}' },
    { sku: 'OLD-1', totalgestId: 'A-2', fw360Id: '56', hash: 'h2', state: 'deactivated' as const, body: '{}' },
  ];
  for (let i = 0; i < products; i++)
    records.push({
      sku: `SKU-${String(i).padStart(6, '0')}`,
      totalgestId: `A-${i + 10}`,
      fw360Id: String(i + 100),
      hash: `x${i}`,
      state: 'linked' as const,
      body: '{}',
    });
  store.recordPage(
    {
      done: records,
      failed: [{ sku: 'BAD-1', totalgestId: 'A-3', error: 'products/save: Invalid product: price', pending: null }],
    },
    undefined,
    now,
  );
  return { orders, products: store };
}

/** The state database of connection c1 in a Node-RED user directory, seeded with seedStatusRows. */
export function seedStatusDatabase(userDir: string, products = 0): void {
  const db = openStateDatabase(path.join(userDir, 'totalgest', 'state-c1.sqlite'));
  seedStatusRows(db, products);
  db.close();
}
