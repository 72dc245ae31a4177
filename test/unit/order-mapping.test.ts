import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cashRound, Decimal } from '../../src/core/decimal';
import { assertSameDocument, fixtures } from '../helpers/fixtures';
import {
  DEFAULT_REF_PREFIX,
  REF_PREFIX_PATTERN,
  eligibility,
  externalRefOf,
  idempotencyKey,
  orderToDocument,
  refPrefixProblem,
  spreadCoupon,
  type MappingOptions,
  type MappingResult,
} from '../../src/core/order-mapping';
import { orderSchema, type Fw360Order } from '../../src/framework360/schemas';
import type { OrderDocument } from '../../src/totalgest/schemas';

/** The document of a successful mapping; a failure fails the test with its reason. */
function documentOf(r: MappingResult): OrderDocument {
  if (!r.ok) assert.fail(`expected a document, got ${r.reason}: ${r.message}`);
  return r.document;
}

/** The failure of a mapping that must fail. */
function failureOf(r: MappingResult): Exclude<MappingResult, { ok: true }> {
  if (r.ok) assert.fail(`expected a failure, got the document ${JSON.stringify(r.document)}`);
  return r;
}

const map = (raw: unknown, opts?: MappingOptions): MappingResult => orderToDocument(orderSchema.parse(raw), opts);
const cents = (xs: Decimal[]): string[] => xs.map((x) => x.toFixed(2));
const d = (xs: string[]): Decimal[] => xs.map((x) => Decimal.parse(x));

describe('core/order-mapping: the shared fixtures', () => {
  for (const [name, fx] of fixtures) {
    it(`${name} → ${fx.expected.outcome}${fx.expected.reason ? ` (${fx.expected.reason})` : ''}`, () => {
      const parsed = orderSchema.safeParse(fx.order);
      if (!parsed.success) {
        // Only 08 is refused by the schema: it names both bad fields and why.
        const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        assert.deepEqual(issues, ['carrello.0.quantita: must be greater than 0', 'carrello.1.sku: is required']);
        assert.equal(fx.expected.reason, 'invalid_order');
        return;
      }
      const elig = eligibility(parsed.data);
      if (fx.expected.outcome === 'skipped') {
        assert.deepEqual(elig, { eligible: false, reason: fx.expected.reason });
        return;
      }
      assert.deepEqual(elig, { eligible: true });
      const mapped = orderToDocument(parsed.data);
      if (fx.expected.outcome === 'failed') {
        assert.equal(failureOf(mapped).reason, fx.expected.reason);
        return;
      }
      assertSameDocument(documentOf(mapped), fx.expected.document);
    });
  }

  it('covers every outcome the spec names', () => {
    const outcomes = fixtures.map(
      ([, fx]) => `${fx.expected.outcome}${fx.expected.reason ? `:${fx.expected.reason}` : ''}`,
    );
    assert.deepEqual([...new Set(outcomes)].sort(), [
      'exported',
      'failed:currency_mismatch',
      'failed:invalid_order',
      'skipped:cancelled',
      'skipped:not_paid',
    ]);
  });

  it('writes every amount of an exported fixture with exactly two decimals', () => {
    for (const [name, fx] of fixtures.filter(([, f]) => f.expected.outcome === 'exported')) {
      const doc = documentOf(map(fx.order));
      const money = [
        ...doc.lines.flatMap((l) => [l.unitPrice, l.discount]),
        ...(doc.shipping ? [doc.shipping.amount] : []),
        doc.total,
      ];
      assert.deepEqual(
        money.filter((m) => !/^\d+\.\d\d$/.test(m)),
        [],
        name,
      );
    }
  });
});

describe('core/order-mapping: rules', () => {
  const base = () => structuredClone(fixtures[0]![1].order);

  it('dates an order in its own offset, not in UTC', () => {
    const o = base();
    o.data_ordine = '2026-11-28T00:30:00+01:00';
    assert.equal(documentOf(map(o)).date, '2026-11-28');
  });

  it('fails a total that differs by more than 0.01, showing both figures', () => {
    const o = base();
    o.totale = '32.90';
    const f = failureOf(map(o));
    assert.deepEqual(f, {
      ok: false,
      reason: 'total_mismatch',
      computed: '32.80',
      given: '32.90',
      message: 'total_mismatch: the lines, coupon and shipping give 32.80 CHF but the order says totale 32.90',
    });
  });

  it('accepts a total within 0.01', () => {
    const o = base();
    o.totale = '32.81';
    assert.equal(documentOf(map(o)).total, '32.80');
  });

  it('drops shipping that costs nothing', () => {
    const o = base();
    o.spedizione.costo = 0;
    o.totale = '25.80';
    assert.equal(documentOf(map(o)).shipping, null);
  });

  it('maps every payment type, unknown ones to other', () => {
    const expected: Record<string, string> = {
      carta: 'card',
      paypal: 'paypal',
      twint: 'twint',
      bonifico: 'bank_transfer',
      fattura: 'invoice',
      contrassegno: 'cash_on_delivery',
      altro: 'other',
      bitcoin: 'other',
    };
    const got: Record<string, string> = {};
    for (const tipo of Object.keys(expected)) {
      const o = base();
      o.pagamento.tipo = tipo;
      got[tipo] = documentOf(map(o)).paymentMethod;
    }
    assert.deepEqual(got, expected);
  });

  it('refuses a coupon larger than the goods, naming coupon.sconto', () => {
    const o = base();
    o.coupon = { codice: 'X', sconto: '50.00' };
    const f = failureOf(map(o));
    assert.deepEqual(f, {
      ok: false,
      reason: 'invalid_order',
      message: 'coupon.sconto: coupon 50.00 exceeds the goods 25.80',
      problems: [{ path: 'coupon.sconto', message: 'coupon 50.00 exceeds the goods 25.80' }],
    });
  });

  it('refuses a line discount larger than its line, naming the line', () => {
    const o = base();
    o.carrello[0].sconto = '30.00';
    const f = failureOf(map(o));
    assert.deepEqual(f, {
      ok: false,
      reason: 'invalid_order',
      message: 'carrello[0].sconto: discount exceeds the line amount',
      problems: [{ path: 'carrello[0].sconto', message: 'discount exceeds the line amount' }],
    });
  });

  it('takes a coupon equal to the goods: every line fully discounted, total is the shipping', () => {
    const o = base();
    o.coupon = { codice: 'ALL', sconto: '25.80' };
    o.totale = '7.00';
    const doc = documentOf(map(o));
    assert.deepEqual([doc.lines[0]!.discount, doc.total], ['25.80', '7.00']);
  });

  it('accepts numbers as JSON numbers or numeric strings', () => {
    const o = base();
    o.carrello[0].quantita = '2.000';
    o.carrello[0].prezzo = 12.9;
    const line = documentOf(map(o)).lines[0]!;
    assert.deepEqual([line.quantity, line.unitPrice], ['2', '12.90']);
  });

  it('names every bad field of an order', () => {
    const bad = base();
    bad.carrello[0].prezzo = 'twelve';
    bad.dati_fatturazione.comune = '';
    delete bad.totale;
    const p = orderSchema.safeParse(bad);
    assert.deepEqual(p.error?.issues.map((i) => i.path.join('.')).sort(), [
      'carrello.0.prezzo',
      'dati_fatturazione.comune',
      'totale',
    ]);
  });
});

describe('core/order-mapping: coupon spread by largest remainder', () => {
  it('gives the spec example: 0.20 over eight lines of 10.00 → four 0.03, four 0.02, none negative', () => {
    const shares = spreadCoupon(d(Array(8).fill('10.00')), Decimal.parse('0.20'));
    assert.deepEqual(cents(shares), ['0.03', '0.03', '0.03', '0.03', '0.02', '0.02', '0.02', '0.02']);
  });

  it('gives the largest cut-off fraction the missing cent, not the largest line', () => {
    // Exact shares 3.1726… and 6.8273…: cut to 3.17 and 6.82; the missing cent goes to 6.82 (fraction .73 > .26).
    assert.deepEqual(cents(spreadCoupon(d(['15.80', '34.00']), Decimal.parse('10'))), ['3.17', '6.83']);
    // 1.00 over 1.00, 2.00, 7.00: exact 0.10, 0.20, 0.70, nothing missing.
    assert.deepEqual(cents(spreadCoupon(d(['1.00', '2.00', '7.00']), Decimal.parse('1.00'))), ['0.10', '0.20', '0.70']);
    // 0.05 over 0.50, 9.50: exact 0.0025 and 0.0475; the small line's fraction .25 loses to .75.
    assert.deepEqual(cents(spreadCoupon(d(['0.50', '9.50']), Decimal.parse('0.05'))), ['0.00', '0.05']);
    // 0.11 over 3.00 and 7.00: exact 0.033 and 0.077, cut to 0.03 + 0.07; the missing cent to .7 > .3.
    assert.deepEqual(cents(spreadCoupon(d(['3.00', '7.00']), Decimal.parse('0.11'))), ['0.03', '0.08']);
    // 0.11 over 7.00 and 3.00 (larger line first) → the cent still goes to the 7.00 line.
    assert.deepEqual(cents(spreadCoupon(d(['7.00', '3.00']), Decimal.parse('0.11'))), ['0.08', '0.03']);
    // Fractions .6 (line 0) and .4 (line 1), 0.01 over 6.00 and 4.00 → the 6.00 line.
    assert.deepEqual(cents(spreadCoupon(d(['6.00', '4.00']), Decimal.parse('0.01'))), ['0.01', '0.00']);
    // The smaller line has the larger fraction: 0.02 over 1.00 and 2.00 → exact 0.0067 and 0.0133, cut to
    // 0.00 + 0.01; the missing cent goes to the 1.00 line (.67 > .33), not to the larger line.
    assert.deepEqual(cents(spreadCoupon(d(['1.00', '2.00']), Decimal.parse('0.02'))), ['0.01', '0.01']);
    // 0.02 over 1.00 and 9.00 → exact 0.002 and 0.018 → 0.00 + 0.01, missing cent to .8 (line 1).
    assert.deepEqual(cents(spreadCoupon(d(['1.00', '9.00']), Decimal.parse('0.02'))), ['0.00', '0.02']);
  });

  it('breaks a tie in favour of the earliest line', () => {
    assert.deepEqual(cents(spreadCoupon(d(['10', '10', '10']), Decimal.parse('10'))), ['3.34', '3.33', '3.33']);
    assert.deepEqual(
      cents(spreadCoupon(d(['3.00', '3.00', '3.00', '3.00', '3.00', '3.00', '3.00']), Decimal.parse('0.10'))),
      ['0.02', '0.02', '0.02', '0.01', '0.01', '0.01', '0.01'],
    );
  });

  it('never gives a free line (amount 0) a share', () => {
    assert.deepEqual(cents(spreadCoupon(d(['0.00', '5.00', '0.00', '5.00']), Decimal.parse('0.03'))), [
      '0.00',
      '0.02',
      '0.00',
      '0.01',
    ]);
  });

  it('spreads nothing when there is no coupon', () => {
    assert.deepEqual(cents(spreadCoupon(d(['1', '2']), Decimal.parse('0'))), ['0.00', '0.00']);
  });

  it('refuses a coupon above the goods, a negative amount and amounts that are not whole cents', () => {
    assert.throws(
      () => spreadCoupon(d(['1.00', '2.00']), Decimal.parse('3.01')),
      /coupon 3\.01 exceeds the goods 3\.00/,
    );
    assert.throws(() => spreadCoupon(d(['-1.00', '2.00']), Decimal.parse('0.50')), /non-negative/);
    assert.throws(() => spreadCoupon(d(['1.005']), Decimal.parse('0.50')), /1\.005 is not a whole number of cents/);
  });

  const linesAndCoupon = fc
    .array(fc.bigInt({ min: 0n, max: 10_000_000n }), { minLength: 1, maxLength: 25 })
    .chain((lines) => {
      const total = lines.reduce((s, a) => s + a, 0n);
      return fc.record({ lines: fc.constant(lines), coupon: fc.bigInt({ min: 0n, max: total }) });
    });

  it('property: shares sum exactly to the coupon, none negative, none above its line', () => {
    fc.assert(
      fc.property(linesAndCoupon, ({ lines, coupon }) => {
        const shares = spreadCoupon(lines.map(Decimal.ofCents), Decimal.ofCents(coupon)).map((s) => s.toCents());
        assert.equal(
          shares.reduce((s, x) => s + x, 0n),
          coupon,
        );
        shares.forEach((s, i) => {
          assert.ok(s >= 0n, `share ${i} is ${s}`);
          assert.ok(s <= lines[i]!, `share ${i} is ${s} > line ${lines[i]}`);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('property: each share is its exact proportion cut down or up by less than a cent, the missing cents by largest fraction, earliest on a tie', () => {
    fc.assert(
      fc.property(linesAndCoupon, ({ lines, coupon }) => {
        const total = lines.reduce((s, a) => s + a, 0n);
        const shares = spreadCoupon(lines.map(Decimal.ofCents), Decimal.ofCents(coupon)).map((s) => s.toCents());
        if (total === 0n) return;
        const floor = lines.map((a) => (coupon * a) / total);
        const fraction = lines.map((a) => (coupon * a) % total);
        const up = shares.map((s, i) => s - floor[i]!);
        up.forEach((u, i) =>
          assert.ok(u === 0n || u === 1n, `share ${i} is ${shares[i]}, its exact value cut down is ${floor[i]}`),
        );
        // Whoever got a cent had a larger fraction than whoever did not, or an equal one and came first.
        for (let i = 0; i < lines.length; i++)
          for (let j = 0; j < lines.length; j++)
            if (up[i] === 1n && up[j] === 0n)
              assert.ok(
                fraction[i]! > fraction[j]! || (fraction[i] === fraction[j] && i < j),
                `line ${i} got the cent before line ${j}`,
              );
      }),
      { numRuns: 2000 },
    );
  });

  it('property: deterministic — the same input gives the same shares', () => {
    fc.assert(
      fc.property(linesAndCoupon, ({ lines, coupon }) => {
        const once = cents(spreadCoupon(lines.map(Decimal.ofCents), Decimal.ofCents(coupon)));
        const again = cents(spreadCoupon(lines.map(Decimal.ofCents), Decimal.ofCents(coupon)));
        assert.deepEqual(again, once);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a mapped order is a document TotalGest accepts — its total is the sum of its lines and shipping', () => {
    const money = fc.integer({ min: 0, max: 500_000 }).map((c) => Decimal.ofCents(BigInt(c)));
    const line = fc.record({
      quantity: fc.constantFrom('1', '2', '3', '0.5', '1.25', '0.333', '12'),
      price: money,
      discountPercent: fc.integer({ min: 0, max: 100 }),
    });
    const orderArb = fc.record({
      lines: fc.array(line, { minLength: 1, maxLength: 12 }),
      couponPercent: fc.integer({ min: 0, max: 100 }),
      shipping: money,
    });
    fc.assert(
      fc.property(orderArb, ({ lines, couponPercent, shipping }) => {
        const gross = lines.map((l) => Decimal.parse(l.quantity).mul(l.price).round(2));
        const carrello = lines.map((l, i) => {
          const sconto = gross[i]!.mul(Decimal.parse(String(l.discountPercent))).divide(Decimal.parse('100'), 2);
          return {
            sku: `SKU-${i}`,
            nome: `Line ${i}`,
            quantita: l.quantity,
            prezzo: l.price.toFixed(2),
            iva: '8.1',
            sconto: sconto.toFixed(2),
          };
        });
        const goods = carrello.reduce((s, l, i) => s.add(gross[i]!).sub(Decimal.parse(l.sconto)), Decimal.ZERO);
        const coupon = goods.mul(Decimal.parse(String(couponPercent))).divide(Decimal.parse('100'), 2);
        const totale = cashRound(goods.sub(coupon).add(shipping));
        const o = base();
        o.carrello = carrello;
        o.coupon = coupon.isZero() ? null : { codice: 'C', sconto: coupon.toFixed(2) };
        o.spedizione = { id: 1, nome: 'Posta', costo: shipping.toFixed(2), iva: '8.1' };
        o.totale = totale.toFixed(2);
        const doc = documentOf(map(o));
        // What the TotalGest server recomputes (totalgest-api.md): Σ(quantity × unitPrice rounded − discount) + shipping, cash-rounded.
        const lineAmounts = doc.lines.map((l) =>
          Decimal.parse(l.quantity).mul(Decimal.parse(l.unitPrice)).round(2).sub(Decimal.parse(l.discount)),
        );
        const server = cashRound(
          lineAmounts
            .reduce((s, a) => s.add(a), Decimal.ZERO)
            .add(doc.shipping ? Decimal.parse(doc.shipping.amount) : Decimal.ZERO),
        );
        assert.equal(server.toFixed(2), doc.total);
        assert.deepEqual(
          lineAmounts.filter((a) => a.isNegative()).map((a) => a.toFixed(2)),
          [],
        );
        const discounts = doc.lines.reduce((s, l) => s.add(Decimal.parse(l.discount)), Decimal.ZERO);
        const ownDiscounts = carrello.reduce((s, l) => s.add(Decimal.parse(l.sconto)), Decimal.ZERO);
        assert.equal(discounts.toFixed(2), ownDiscounts.add(coupon).toFixed(2));
      }),
      { numRuns: 500 },
    );
  });

  function base(): Record<string, any> {
    return structuredClone(fixtures[0]![1].order);
  }
});

describe('core/order-mapping: amounts with more than two decimals', () => {
  const base = () => structuredClone(fixtures[0]![1].order);

  it('rounds prices, discounts, coupon, shipping and total half-up to the cent', () => {
    const o = base();
    o.carrello[0].prezzo = '12.9000';
    o.carrello[0].sconto = '0.005';
    o.coupon = { codice: 'C', sconto: '1.004' };
    o.spedizione.costo = '7.0049';
    o.totale = 31.79999999999;
    const doc = documentOf(map(o));
    assert.deepEqual(
      {
        unitPrice: doc.lines[0]!.unitPrice,
        discount: doc.lines[0]!.discount,
        shipping: doc.shipping?.amount,
        total: doc.total,
      },
      // 25.80 − 0.01 − 1.00 + 7.00 = 31.79 → cash-rounded 31.80; discount 0.01 own + 1.00 coupon (one line).
      { unitPrice: '12.90', discount: '1.01', shipping: '7.00', total: '31.80' },
    );
  });

  it('rounds a float such as 0.30000000000000004 to 0.30', () => {
    const o = base();
    o.carrello[0].prezzo = 0.1 + 0.2;
    o.carrello[0].quantita = 1;
    o.totale = '7.30';
    const line = documentOf(map(o)).lines[0]!;
    assert.deepEqual([line.unitPrice, line.discount], ['0.30', '0.00']);
  });

  it('rounds exactly half a cent up: 12.905 → 12.91 (string or JSON number)', () => {
    for (const prezzo of ['12.905', 12.905]) {
      const o = base();
      o.carrello[0].prezzo = prezzo;
      o.totale = '32.80';
      assert.equal(documentOf(map(o)).lines[0]!.unitPrice, '12.91', String(prezzo));
    }
  });

  it('keeps the decimals of quantities and VAT rates: they are not money', () => {
    const o = base();
    o.carrello[0].quantita = '0.125';
    o.carrello[0].iva = '2.60';
    o.totale = '8.60';
    const line = documentOf(map(o)).lines[0]!;
    assert.deepEqual([line.quantity, line.vatRate], ['0.125', '2.6']);
  });

  it('rounds in the schema too, so the order passed on is already in cents', () => {
    const o = base();
    o.carrello[0].prezzo = '12.9000';
    o.coupon = { codice: 'C', sconto: 0.30000000000000004 };
    o.totale = '32.504';
    const parsed = orderSchema.parse(o);
    assert.deepEqual([parsed.carrello[0]!.prezzo, parsed.coupon?.sconto, parsed.totale], ['12.90', '0.30', '32.50']);
  });

  it('rounds in the mapping when handed an order that skipped the schema rounding', () => {
    const parsed: Fw360Order = orderSchema.parse(base());
    parsed.carrello[0]!.prezzo = '12.904';
    assert.equal(documentOf(orderToDocument(parsed)).lines[0]!.unitPrice, '12.90');
  });

  it('refuses a number written with more than 50 characters, naming the field', () => {
    const o = base();
    o.carrello[0].prezzo = `12.${'0'.repeat(48)}`;
    const p = orderSchema.safeParse(o);
    assert.deepEqual(
      p.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      ['carrello.0.prezzo: expected a number of at most 50 characters'],
    );
  });

  it('accepts 50 characters', () => {
    const o = base();
    o.carrello[0].prezzo = `12.${'0'.repeat(47)}`;
    assert.equal(orderSchema.parse(o).carrello[0]!.prezzo, '12.00');
  });

  it('refuses a negative amount however small, instead of rounding it to 0.00', () => {
    const o = base();
    o.carrello[0].prezzo = '-0.001';
    const p = orderSchema.safeParse(o);
    assert.deepEqual(
      p.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      ['carrello.0.prezzo: must not be negative'],
    );
  });
});

describe('core/order-mapping: currency', () => {
  const euro = () => structuredClone(fixtures.find(([n]) => n.startsWith('10-'))![1].order);

  it('fails an order in another currency with currency_mismatch, naming both', () => {
    assert.deepEqual(failureOf(map(euro())), {
      ok: false,
      reason: 'currency_mismatch',
      orderCurrency: 'EUR',
      shopCurrency: 'CHF',
      message: 'currency_mismatch: the order is in EUR, the TotalGest shop keeps CHF; amounts are never converted',
      problems: [{ path: 'valuta', message: 'the order is in EUR, the TotalGest shop keeps CHF' }],
    });
  });

  it('checks the currency before anything else: a EUR order with a wrong total is still a currency_mismatch', () => {
    const o = euro();
    o.totale = '99.00';
    assert.equal(failureOf(map(o)).reason, 'currency_mismatch');
  });

  it('maps an order in the shop currency the caller passes', () => {
    assert.equal(documentOf(map(euro(), { currency: 'EUR' })).currency, 'EUR');
  });

  it('fails a CHF order for a EUR shop', () => {
    const chf = structuredClone(fixtures[0]![1].order);
    const f = failureOf(map(chf, { currency: 'EUR' }));
    assert.equal(
      f.message,
      'currency_mismatch: the order is in CHF, the TotalGest shop keeps EUR; amounts are never converted',
    );
  });

  it('compares currency codes regardless of case', () => {
    const o = structuredClone(fixtures[0]![1].order);
    o.valuta = 'chf';
    assert.equal(documentOf(map(o)).currency, 'CHF');
  });
});

describe('core/order-mapping: externalRef prefix and idempotency key', () => {
  const order = () => structuredClone(fixtures[0]![1].order);

  it('defaults to FW360-', () => {
    assert.deepEqual(
      [DEFAULT_REF_PREFIX, externalRefOf(10452), documentOf(map(order())).externalRef],
      ['FW360-', 'FW360-10452', 'FW360-10452'],
    );
  });

  it('uses the connection prefix in the document', () => {
    assert.equal(documentOf(map(order(), { refPrefix: 'SHOP2_' })).externalRef, 'SHOP2_10452');
  });

  it('builds the same ref from a numeric or a text id', () => {
    assert.equal(externalRefOf('10452', 'B-'), externalRefOf(10452, 'B-'));
  });

  it('derives the Idempotency-Key from the shop and the prefixed ref: two shops, same order id, two keys', () => {
    const a = idempotencyKey('shop', externalRefOf(10452));
    const b = idempotencyKey('shop', externalRefOf(10452, 'SHOP2-'));
    assert.notEqual(a, b);
  });

  it('gives the same key for the same shop and ref, a different one for another shop', () => {
    const ref = externalRefOf(10452, 'SHOP2-');
    assert.deepEqual(
      [
        idempotencyKey('s', ref) === idempotencyKey('s', ref),
        idempotencyKey('s', ref) === idempotencyKey('t', ref),
        idempotencyKey('s', ref).length,
      ],
      [true, false, 64],
    );
  });

  it('accepts 1-20 characters of [A-Za-z0-9_-] not ending in a digit, and names the problem otherwise', () => {
    const problems = Object.fromEntries(
      ['A', 'shop_2-', 'x'.repeat(20), '', 'x'.repeat(21), 'a b', 'SHÖP-', 'a/b', 'SHOP1', '7'].map((p) => [
        p,
        refPrefixProblem(p),
      ]),
    );
    assert.deepEqual(problems, {
      A: undefined,
      'shop_2-': undefined,
      ['x'.repeat(20)]: undefined,
      '': 'must be 1 to 20 characters long, got 0',
      ['x'.repeat(21)]: 'must be 1 to 20 characters long, got 21',
      'a b': 'may only hold letters A-Z, digits, "_" and "-", got "a b"',
      'SHÖP-': 'may only hold letters A-Z, digits, "_" and "-", got "SHÖP-"',
      'a/b': 'may only hold letters A-Z, digits, "_" and "-", got "a/b"',
      SHOP1: 'must not end with a digit, got "SHOP1" (order ids follow it: end it with "-" or "_")',
      '7': 'must not end with a digit, got "7" (order ids follow it: end it with "-" or "_")',
    });
  });

  it('property: two different valid prefixes never give the same ref for any two order ids', () => {
    // A small alphabet and small ids, so that refs that could collide are tried often.
    const prefix = fc
      .string({ unit: fc.constantFrom('a', '1', '2', '-'), minLength: 1, maxLength: 4 })
      .filter((p) => REF_PREFIX_PATTERN.test(p));
    const id = fc.integer({ min: 1, max: 300 });
    fc.assert(
      fc.property(prefix, prefix, id, id, (p1, p2, id1, id2) => {
        fc.pre(p1 !== p2);
        assert.notEqual(externalRefOf(id1, p1), externalRefOf(id2, p2));
      }),
      { numRuns: 5000 },
    );
  });

  it('would collide without the last-character rule: SHOP1 + 12 and SHOP + 112', () => {
    assert.deepEqual(
      [refPrefixProblem('SHOP'), refPrefixProblem('SHOP1'), `SHOP1${12}` === `SHOP${112}`],
      [undefined, 'must not end with a digit, got "SHOP1" (order ids follow it: end it with "-" or "_")', true],
    );
  });

  it('refuses to build a ref with an invalid prefix', () => {
    assert.throws(() => externalRefOf(1, 'a b'), /externalRef prefix may only hold letters/);
  });
});
