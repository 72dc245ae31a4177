import { createHash } from 'node:crypto';
import type { Fw360Address, Fw360Order } from '../framework360/schemas';
import type { OrderDocument, Party, PaymentMethod } from '../totalgest/schemas';
import { cashRound, Decimal } from './decimal';

/** Framework360 `pagamento.tipo` → TotalGest `paymentMethod`; anything unknown is `other`. */
const PAYMENT: Record<string, PaymentMethod> = {
  carta: 'card',
  paypal: 'paypal',
  twint: 'twint',
  bonifico: 'bank_transfer',
  fattura: 'invoice',
  contrassegno: 'cash_on_delivery',
  altro: 'other',
};

export interface EligibilityRule {
  /** Status ids (as text) or names that mean cancelled. */
  cancelledStatuses: string[];
  /** Export unpaid orders paid by cash on delivery. */
  cashOnDelivery: boolean;
}

export const defaultEligibility: EligibilityRule = { cancelledStatuses: ['5', 'Annullato'], cashOnDelivery: true };

export type SkipReason = 'cancelled' | 'not_paid';

/** Paid, or cash on delivery, and not cancelled (docs/api-assumptions.md). */
export function eligibility(order: Fw360Order, rule: EligibilityRule = defaultEligibility): { eligible: true } | { eligible: false; reason: SkipReason } {
  const cancelled = rule.cancelledStatuses.some((s) => s === String(order.stato.id) || s.toLowerCase() === order.stato.nome.toLowerCase());
  if (cancelled) return { eligible: false, reason: 'cancelled' };
  if (order.pagato || (rule.cashOnDelivery && order.pagamento.tipo === 'contrassegno')) return { eligible: true };
  return { eligible: false, reason: 'not_paid' };
}

export const externalRefOf = (orderId: number | string): string => `FW360-${orderId}`;

/** The Idempotency-Key: stable for a shop and order, whoever retries and however often. */
export function idempotencyKey(shopId: string, externalRef: string): string {
  return createHash('sha256').update(`${shopId}\n${externalRef}`).digest('hex');
}

function party(a: Fw360Address): Party {
  return {
    company: a.ragione_sociale,
    firstName: a.nome,
    lastName: a.cognome,
    street: a.indirizzo,
    zip: a.cap,
    city: a.comune,
    region: a.citta,
    country: a.nazione,
    vatNumber: a.piva,
    email: a.email,
    phone: a.telefono,
  };
}

/**
 * Spreads a coupon over line amounts in proportion, to 0.01; the rounding remainder goes to
 * the largest line (the first on a tie), so the shares add up to the coupon exactly.
 */
export function spreadCoupon(amounts: Decimal[], coupon: Decimal): Decimal[] {
  const total = amounts.reduce((s, a) => s.add(a), Decimal.ZERO);
  if (coupon.isZero() || total.isZero()) return amounts.map(() => Decimal.parse('0'));
  const shares = amounts.map((a) => coupon.mul(a).divide(total, 2));
  const remainder = coupon.sub(shares.reduce((s, x) => s.add(x), Decimal.ZERO));
  let largest = 0;
  amounts.forEach((a, i) => {
    if (a.cmp(amounts[largest]!) > 0) largest = i;
  });
  shares[largest] = shares[largest]!.add(remainder);
  return shares;
}

export type MappingResult =
  | { ok: true; document: OrderDocument }
  | { ok: false; reason: 'total_mismatch'; computed: string; given: string; message: string }
  | { ok: false; reason: 'invalid_order'; message: string; problems: Array<{ path: string; message: string }> };

/** A validated Framework360 order → the TotalGest document the spec prescribes. */
export function orderToDocument(order: Fw360Order): MappingResult {
  const amounts = order.carrello.map((l) => Decimal.parse(l.quantita).mul(Decimal.parse(l.prezzo)).round(2).sub(Decimal.parse(l.sconto)));
  const negative = amounts.findIndex((a) => a.isNegative());
  if (negative >= 0) {
    const problems = [{ path: `carrello[${negative}].sconto`, message: 'discount exceeds the line amount' }];
    return { ok: false, reason: 'invalid_order', message: `carrello[${negative}].sconto: discount exceeds the line amount`, problems };
  }
  const goods = amounts.reduce((s, a) => s.add(a), Decimal.ZERO);
  const coupon = order.coupon ? Decimal.parse(order.coupon.sconto) : Decimal.ZERO;
  if (coupon.cmp(goods) > 0) {
    const problems = [{ path: 'coupon.sconto', message: `coupon ${coupon.toMoney()} exceeds the goods ${goods.toMoney()}` }];
    return { ok: false, reason: 'invalid_order', message: `coupon.sconto: coupon ${coupon.toMoney()} exceeds the goods ${goods.toMoney()}`, problems };
  }
  const shares = spreadCoupon(amounts, coupon);
  const shipping = order.spedizione && !Decimal.parse(order.spedizione.costo).isZero() ? order.spedizione : null;
  const shippingAmount = shipping ? Decimal.parse(shipping.costo) : Decimal.ZERO;
  const total = cashRound(goods.sub(coupon).add(shippingAmount));
  const given = Decimal.parse(order.totale);
  if (total.sub(given).abs().cmp(Decimal.parse('0.01')) > 0) {
    return {
      ok: false,
      reason: 'total_mismatch',
      computed: total.toFixed(2),
      given: given.toMoney(),
      message: `total_mismatch: the lines, coupon and shipping give ${total.toFixed(2)} CHF but the order says totale ${given.toMoney()}`,
    };
  }
  return {
    ok: true,
    document: {
      externalRef: externalRefOf(order.id),
      // The calendar date in the order's own offset: the first ten characters of its ISO time.
      date: order.data_ordine.slice(0, 10),
      currency: order.valuta,
      customer: party(order.dati_fatturazione),
      shipTo: order.dati_spedizione ? party(order.dati_spedizione) : null,
      paymentMethod: PAYMENT[order.pagamento.tipo] ?? 'other',
      lines: order.carrello.map((l, i) => ({
        sku: l.sku,
        description: l.nome,
        quantity: Decimal.parse(l.quantita).toString(),
        unitPrice: Decimal.parse(l.prezzo).toMoney(),
        vatRate: Decimal.parse(l.iva).toString(),
        discount: Decimal.parse(l.sconto).add(shares[i]!).toMoney(),
      })),
      shipping: shipping ? { description: shipping.nome, amount: shippingAmount.toMoney(), vatRate: Decimal.parse(shipping.iva).toString() } : null,
      total: total.toFixed(2),
      notes: order.note,
    },
  };
}
