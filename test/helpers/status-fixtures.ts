import { OrderStore } from '../../src/store/order-store';
import { ProductStore } from '../../src/store/product-store';
import type { StateDatabase } from '../../src/store/state-db';

/** Rows in every state, written through the stores as the exporter and the sync write them. */
export function seedStatusRows(db: StateDatabase, products = 0): { orders: OrderStore; products: ProductStore } {
  const orders = new OrderStore(db);
  const store = new ProductStore(db);
  const now = Date.now();
  const job = (id: string) => ({ orderId: id, externalRef: `FW360-${id}`, idempotencyKey: `k${id}`, document: '{}', docHash: `h${id}` });
  orders.enqueue(job('1001'), now); // stays pending
  orders.enqueue(job('1002'), now);
  orders.enqueue(job('1003'), now);
  for (const row of orders.claimDue(now, 10, 60_000)) {
    if (row.order_id === '1002') orders.markDone('1002', 'D-000002', '2026-000002', now);
    if (row.order_id === '1003') orders.markFailed('1003', 'failed', 'validation_failed', 'lines[0].sku unknown article', [], now);
    if (row.order_id === '1001') orders.retryLater('1001', 'server error 503', now, now);
  }
  orders.recordNotSent({ orderId: '1004', externalRef: 'FW360-1004', state: 'skipped', reason: 'cancelled' }, now);
  orders.recordNotSent(
    { orderId: '1005', externalRef: 'FW360-1005', state: 'invalid', reason: 'total_mismatch', error: 'total_mismatch: 32.80 vs 32.90' },
    now,
  );
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
    { done: records, failed: [{ sku: 'BAD-1', totalgestId: 'A-3', error: 'products/save: Invalid product: price', pending: null }] },
    undefined,
    now,
  );
  return { orders, products: store };
}
