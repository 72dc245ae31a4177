import assert from 'node:assert/strict';
import { Decimal } from '../../src/core/decimal';
import { assertSameDocument } from '../helpers/fixtures';
import { eligibility, idempotencyKey, orderToDocument, spreadCoupon } from '../../src/core/order-mapping';
import { orderSchema } from '../../src/framework360/schemas';
import { fixtures } from '../helpers/fixtures';

describe('core/order-mapping: the shared fixtures', () => {
  for (const [name, fx] of fixtures) {
    it(`${name} → ${fx.expected.outcome}${fx.expected.reason ? ` (${fx.expected.reason})` : ''}`, () => {
      const parsed = orderSchema.safeParse(fx.order);
      if (fx.expected.reason === 'invalid_order') {
        assert.equal(parsed.success, false);
        const paths = parsed.error!.issues.map((i) => i.path.join('.'));
        assert.ok(paths.includes('carrello.0.quantita') && paths.includes('carrello.1.sku'), paths.join(', '));
        return;
      }
      assert.ok(parsed.success, parsed.error?.message);
      const elig = eligibility(parsed.data);
      if (fx.expected.outcome === 'skipped') {
        assert.deepEqual(elig, { eligible: false, reason: fx.expected.reason });
        return;
      }
      assert.deepEqual(elig, { eligible: true });
      const mapped = orderToDocument(parsed.data);
      if (fx.expected.outcome === 'failed') {
        assert.equal(mapped.ok, false);
        assert.equal(!mapped.ok && mapped.reason, fx.expected.reason);
        return;
      }
      assert.ok(mapped.ok, JSON.stringify(mapped));
      assertSameDocument(mapped.document, fx.expected.document);
    });
  }
});

describe('core/order-mapping: rules', () => {
  const base = () => structuredClone(fixtures[0]![1].order);

  it('dates an order in its own offset, not in UTC', () => {
    const o = base();
    o.data_ordine = '2026-11-28T00:30:00+01:00';
    const r = orderToDocument(orderSchema.parse(o));
    assert.ok(r.ok && r.document.date === '2026-11-28');
  });

  it('fails a total that differs by more than 0.01, showing both figures', () => {
    const o = base();
    o.totale = '32.90';
    const r = orderToDocument(orderSchema.parse(o));
    assert.ok(!r.ok && r.reason === 'total_mismatch');
    assert.ok(!r.ok && /32\.80/.test(r.message) && /32\.90/.test(r.message));
    o.totale = '32.81';
    assert.ok(orderToDocument(orderSchema.parse(o)).ok, 'within 0.01 is accepted');
  });

  it('drops shipping that costs nothing', () => {
    const o = base();
    o.spedizione.costo = 0;
    o.totale = '25.80';
    const r = orderToDocument(orderSchema.parse(o));
    assert.ok(r.ok && r.document.shipping === null);
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
    for (const [tipo, method] of Object.entries(expected)) {
      const o = base();
      o.pagamento.tipo = tipo;
      const r = orderToDocument(orderSchema.parse(o));
      assert.ok(r.ok && r.document.paymentMethod === method, tipo);
    }
  });

  it('spreads a coupon exactly, remainder to the largest line (first on a tie)', () => {
    const d = (xs: string[]) => xs.map((x) => Decimal.parse(x));
    assert.deepEqual(
      spreadCoupon(d(['15.80', '34.00']), Decimal.parse('10')).map((x) => x.toFixed(2)),
      ['3.17', '6.83'],
    );
    assert.deepEqual(
      spreadCoupon(d(['10', '10', '10']), Decimal.parse('10')).map((x) => x.toFixed(2)),
      ['3.34', '3.33', '3.33'],
    );
    assert.deepEqual(
      spreadCoupon(d(['1', '2']), Decimal.parse('0')).map((x) => x.toFixed(2)),
      ['0.00', '0.00'],
    );
  });

  it('refuses a coupon larger than the goods and a discount larger than its line', () => {
    const o = base();
    o.coupon = { codice: 'X', sconto: '50.00' };
    const r = orderToDocument(orderSchema.parse(o));
    assert.ok(!r.ok && r.reason === 'invalid_order' && /coupon\.sconto/.test(r.message));
    const o2 = base();
    o2.carrello[0].sconto = '30.00';
    const r2 = orderToDocument(orderSchema.parse(o2));
    assert.ok(!r2.ok && r2.reason === 'invalid_order' && /carrello\[0\]\.sconto/.test(r2.message));
  });

  it('accepts numbers as JSON numbers or numeric strings, and names bad fields', () => {
    const o = base();
    o.carrello[0].quantita = '2.000';
    o.carrello[0].prezzo = 12.9;
    const r = orderToDocument(orderSchema.parse(o));
    assert.ok(r.ok && r.document.lines[0]!.quantity === '2' && r.document.lines[0]!.unitPrice === '12.90');
    const bad = base();
    bad.carrello[0].prezzo = 'twelve';
    bad.dati_fatturazione.comune = '';
    delete bad.totale;
    const p = orderSchema.safeParse(bad);
    assert.deepEqual(p.error!.issues.map((i) => i.path.join('.')).sort(), ['carrello.0.prezzo', 'dati_fatturazione.comune', 'totale']);
  });

  it('derives a stable idempotency key per shop and order', () => {
    assert.equal(idempotencyKey('s', 'FW360-1'), idempotencyKey('s', 'FW360-1'));
    assert.notEqual(idempotencyKey('s', 'FW360-1'), idempotencyKey('t', 'FW360-1'));
    assert.ok(idempotencyKey('s', 'FW360-1').length <= 128);
  });
});
