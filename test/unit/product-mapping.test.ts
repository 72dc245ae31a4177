import assert from 'node:assert/strict';
import { articleToProduct, productHash } from '../../src/core/product-mapping';
import type { Article } from '../../src/totalgest/schemas';

const article: Article = {
  id: 'A-10023',
  sku: 'CAF-250',
  ean: '7610000000017',
  name: 'Caffè in grani 250 g',
  shortDescription: 'Miscela ticinese',
  description: '<p>...</p>',
  price: '12.9',
  vatCode: 'R',
  vatRate: '2.60',
  stock: { onHand: '40', reserved: '3', available: '37.000' },
  unit: 'pz',
  active: true,
  deleted: false,
  updatedAt: '2026-11-28T10:00:00.123Z',
};

describe('core/product-mapping', () => {
  it('maps each field of an article to the Framework360 product', () => {
    assert.deepEqual(articleToProduct(article), {
      sku: 'CAF-250',
      ean: '7610000000017',
      name: 'Caffè in grani 250 g',
      shortDescription: 'Miscela ticinese',
      description: '<p>...</p>',
      price: '12.90',
      vatRate: '2.6',
      vatCode: 'R',
      stock: '37',
      active: true,
      totalgestId: 'A-10023',
    });
  });

  it('keeps a null EAN and fractional stock exactly', () => {
    const p = articleToProduct({
      ...article,
      ean: null,
      stock: { onHand: '1.250', reserved: '0', available: '1.250' },
    });
    assert.equal(p.ean, null);
    assert.equal(p.stock, '1.25');
  });

  it('turns deleted and inactive articles into deactivations with stock 0', () => {
    for (const a of [
      { ...article, deleted: true },
      { ...article, active: false },
    ]) {
      const p = articleToProduct(a);
      assert.deepEqual([p.active, p.stock], [false, '0']);
    }
  });

  it('hashes the mapped product: same for the same product, different for any field or override', () => {
    const p = articleToProduct(article);
    assert.equal(
      productHash(p),
      productHash(articleToProduct({ ...article, price: '12.90', updatedAt: '2027-01-01T00:00:00.000Z' })),
    );
    for (const change of [{ price: '13.00' }, { stock: '36' }, { name: 'x' }, { ean: null }, { active: false }]) {
      assert.notEqual(productHash(p), productHash({ ...p, ...change }), JSON.stringify(change));
    }
    assert.notEqual(productHash(p), productHash(p, '$merge([$, {"name": "x"}])'));
  });
});
