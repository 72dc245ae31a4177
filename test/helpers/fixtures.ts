import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from '../../src/core/decimal';

/** The shared order fixtures (the orders in test/fixtures/orders) and a field-for-field comparison. */

export interface Fixture {
  order: Record<string, any>;
  expected: { outcome: 'exported' | 'skipped' | 'failed'; document?: Record<string, any>; reason?: string };
}

const dir = path.join(__dirname, '../fixtures/orders');
export const fixtures: Array<[string, Fixture]> = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Fixture]);

const DECIMAL_FIELDS = new Set(['quantity', 'unitPrice', 'vatRate', 'discount', 'amount', 'total']);

/** Field-for-field equality; decimals compared as numbers ("2" equals "2.000"). */
export function assertSameDocument(actual: unknown, expected: unknown, at = 'document'): void {
  if (expected === null || typeof expected !== 'object') {
    const key = at
      .split('.')
      .pop()!
      .replace(/\[\d+\]$/, '');
    if (DECIMAL_FIELDS.has(key) && typeof expected === 'string') {
      assert.equal(typeof actual, 'string', `${at} must be a decimal string`);
      assert.ok(Decimal.parse(actual as string).eq(Decimal.parse(expected)), `${at}: ${String(actual)} ≠ ${expected}`);
    } else assert.deepEqual(actual, expected, at);
    return;
  }
  assert.equal(typeof actual, 'object', `${at} must be an object`);
  assert.ok(actual !== null, `${at} must not be null`);
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${at} length`);
    expected.forEach((e, i) => assertSameDocument((actual as unknown[])[i], e, `${at}[${i}]`));
    return;
  }
  assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${at} keys`);
  for (const [k, v] of Object.entries(expected))
    assertSameDocument((actual as Record<string, unknown>)[k], v, `${at}.${k}`);
}
