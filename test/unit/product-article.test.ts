import assert from 'node:assert/strict';
import { fastArticle } from '../../src/core/product-article';
import { articleSchema } from '../../src/totalgest/schemas';

const base = {
  id: 'A-000001',
  sku: 'SKU-000001',
  ean: '7610000000100',
  name: 'Biscotti 000001',
  shortDescription: 'Biscotti del Ticino',
  description: '<p>Biscotti 000001</p>',
  price: '106.31',
  vatCode: 'R',
  vatRate: '2.6',
  stock: { onHand: '89', reserved: '8', available: '81' },
  unit: 'pz',
  active: true,
  deleted: false,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** Values of every kind a field may wrongly (or rightly) carry. */
const odd: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x',
  '12.90',
  '-3',
  '1e3',
  '.5',
  '5.',
  '12,90',
  ' 12.90',
  0,
  12.9,
  true,
  false,
  [],
  {},
  ['12.90'],
  { onHand: '1', reserved: '0', available: '1' },
  { onHand: '1', reserved: '0' },
  { onHand: 1, reserved: '0', available: '1' },
  { onHand: '1', reserved: '0', available: '1', extra: 'x' },
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.123456Z',
  '2026-01-01T00:00:00+02:00',
  '2026-01-01T00:00:00',
  '2026-01-01',
  '2026-02-29T00:00:00Z',
  '2024-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-12-31T23:59:59.9Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01t00:00:00z',
];

/** fastArticle may decline (zod then decides), but what it accepts zod accepts, with the same result. */
function agrees(item: unknown): 'fast' | 'zod' {
  const fast = fastArticle(item);
  const zod = articleSchema.safeParse(item);
  if (!fast) return 'zod';
  assert.ok(zod.success, `fastArticle accepted what zod refuses: ${JSON.stringify(item)}`);
  // Same fields, same values (the order of the fields is the item's when it is returned as it is).
  assert.deepEqual(fast, zod.data);
  assert.deepEqual(Object.keys(fast).sort(), Object.keys(zod.data).sort());
  return 'fast';
}

describe('core/product-article (fast article check)', () => {
  it('takes a typical feed article without zod, as zod would return it', () => {
    assert.equal(agrees(base), 'fast');
    assert.equal(agrees({ ...base, ean: null, extra: 'dropped', stock: { ...base.stock, more: 1 } }), 'fast');
    const out = fastArticle({ ...base, extra: 'dropped' })!;
    assert.equal('extra' in out, false);
    assert.notEqual(out.stock, base.stock);
    // An item with exactly the schema's fields is taken as it is, in any order.
    const reordered = Object.fromEntries(Object.entries(base).reverse());
    assert.equal(agrees(reordered), 'fast');
    assert.equal(fastArticle(base), base);
    const proto = JSON.parse(`{"__proto__": 1, ${JSON.stringify(base).slice(1)}`) as object;
    assert.equal(agrees(proto), 'fast');
    assert.equal(Object.keys(fastArticle(proto)!).includes('__proto__'), false);
    assert.equal(Object.keys(fastArticle({ ...base, '': 1 })!).includes(''), false);
    assert.equal(Object.keys(proto).includes('__proto__'), true, 'the feed item did carry it');
  });

  it('never accepts what zod refuses: every field with every odd value', () => {
    let fast = 0;
    for (const field of Object.keys(base))
      for (const v of odd) {
        const item: Record<string, unknown> = { ...base, [field]: v };
        if (v === undefined) delete item[field];
        if (agrees(item) === 'fast') fast += 1;
      }
    for (const item of [null, undefined, 'x', 1, [], [base], {}]) assert.equal(agrees(item), 'zod');
    assert.ok(fast > 20, `the fast path took ${fast} items`);
  });

  it('agrees with zod on random dates and decimals', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) + 0;
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    for (let i = 0; i < 5000; i++) {
      const date = `${pad(rnd(2200), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(26), 2)}:${pad(rnd(61), 2)}:${pad(rnd(61), 2)}${rnd(2) ? `.${rnd(1000)}` : ''}${['Z', '+01:00', '', 'z'][rnd(4)]}`;
      const dec = `${rnd(5) ? '' : '-'}${rnd(3) ? rnd(10000) : ''}${rnd(2) ? `.${rnd(3) ? rnd(100) : ''}` : ''}`;
      agrees({ ...base, updatedAt: date, price: dec, stock: { ...base.stock, available: dec } });
    }
  });
});
