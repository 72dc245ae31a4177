import { createHash } from 'node:crypto';
import type { Fw360Address, Fw360Order } from '../framework360/schemas';
import type { OrderDocument, Party, PaymentMethod } from '../totalgest/schemas';
import { cashRound, Decimal, parseMoney } from './decimal';

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
export function eligibility(
  order: Fw360Order,
  rule: EligibilityRule = defaultEligibility,
): { eligible: true } | { eligible: false; reason: SkipReason } {
  const cancelled = rule.cancelledStatuses.some(
    (s) => s === String(order.stato.id) || s.toLowerCase() === order.stato.nome.toLowerCase(),
  );
  if (cancelled) return { eligible: false, reason: 'cancelled' };
  if (order.pagato || (rule.cashOnDelivery && order.pagamento.tipo === 'contrassegno')) return { eligible: true };
  return { eligible: false, reason: 'not_paid' };
}

export const DEFAULT_REF_PREFIX = 'FW360-';

/**
 * What a Framework360 connection's externalRef prefix may be: 1-20 of [A-Za-z0-9_-], short and safe
 * in any reference field, and not ending in a digit — "SHOP1" + order 12 and "SHOP" + order 112
 * would both be "SHOP112"; with a non-digit last, a ref splits into prefix and id one way only.
 */
export const REF_PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,19}[A-Za-z_-]$/;

/** Why `prefix` is not a valid externalRef prefix, or `undefined` when it is. */
export function refPrefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return 'must be text';
  if (REF_PREFIX_PATTERN.test(prefix)) return undefined;
  if (prefix.length === 0 || prefix.length > 20) return `must be 1 to 20 characters long, got ${prefix.length}`;
  if (!/^[A-Za-z0-9_-]*$/.test(prefix))
    return `may only hold letters A-Z, digits, "_" and "-", got ${JSON.stringify(prefix)}`;
  return `must not end with a digit, got ${JSON.stringify(prefix)} (order ids follow it: end it with "-" or "_")`;
}

/**
 * `<prefix><order id>`: the order's identity in TotalGest. Two shops feeding one TotalGest
 * shop need different prefixes, or their orders would collide.
 */
export function externalRefOf(orderId: number | string, prefix: string = DEFAULT_REF_PREFIX): string {
  const problem = refPrefixProblem(prefix);
  if (problem) throw new RangeError(`externalRef prefix ${problem}`);
  return `${prefix}${orderId}`;
}

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
 * Spreads a coupon over line amounts in proportion, by the largest-remainder method: each share
 * is cut down to the cent, then the cents still missing go one each to the lines with the
 * largest cut-off fraction (the earliest on a tie). The shares add up to the coupon exactly, and
 * none is negative or larger than its line (a share is only rounded up when its exact value is
 * above the cut, and the lines are whole cents).
 */
export function spreadCoupon(amounts: Decimal[], coupon: Decimal): Decimal[] {
  const cents = amounts.map((a) => a.toCents());
  const c = coupon.toCents();
  const total = cents.reduce((s, a) => s + a, 0n);
  if (c < 0n || cents.some((a) => a < 0n)) throw new RangeError('a coupon is spread over non-negative amounts only');
  if (c > total)
    throw new RangeError(`coupon ${coupon.toMoney()} exceeds the goods ${Decimal.ofCents(total).toMoney()}`);
  if (c === 0n) return amounts.map(() => Decimal.ofCents(0n));
  // Exact share = c·a/total; BigInt division cuts down (all operands are non-negative).
  const shares = cents.map((a) => (c * a) / total);
  const cutOff = cents.map((a) => (c * a) % total);
  let missing = c - shares.reduce((s, x) => s + x, 0n);
  const order = cents
    .map((_, i) => i)
    .sort((i, j) => (cutOff[j]! > cutOff[i]! ? 1 : cutOff[j]! < cutOff[i]! ? -1 : i - j));
  for (const i of order) {
    if (missing === 0n) break;
    shares[i]! += 1n;
    missing -= 1n;
  }
  return shares.map((s) => Decimal.ofCents(s));
}

export type MappingResult =
  | { ok: true; document: OrderDocument }
  | { ok: false; reason: 'total_mismatch'; computed: string; given: string; message: string }
  | { ok: false; reason: 'invalid_order'; message: string; problems: Array<{ path: string; message: string }> }
  /** Final: the same order never maps into this shop, whoever retries. */
  | {
      ok: false;
      reason: 'currency_mismatch';
      orderCurrency: string;
      shopCurrency: string;
      message: string;
      problems: Array<{ path: string; message: string }>;
    };

export interface MappingOptions {
  /** The TotalGest shop's currency; money is never converted. Default CHF. */
  currency?: string;
  /** The Framework360 connection's externalRef prefix. Default `FW360-`. */
  refPrefix?: string;
}

/** A validated Framework360 order → the TotalGest document the spec prescribes. */
export function orderToDocument(order: Fw360Order, opts: MappingOptions = {}): MappingResult {
  const shopCurrency = (opts.currency ?? 'CHF').toUpperCase();
  const orderCurrency = order.valuta.toUpperCase();
  if (orderCurrency !== shopCurrency) {
    const problem = `the order is in ${orderCurrency}, the TotalGest shop keeps ${shopCurrency}`;
    return {
      ok: false,
      reason: 'currency_mismatch',
      orderCurrency,
      shopCurrency,
      message: `currency_mismatch: ${problem}; amounts are never converted`,
      problems: [{ path: 'valuta', message: problem }],
    };
  }
  // Money to the cent before any sum: "12.9000" and 0.30000000000000004 are shop noise.
  const lines = order.carrello.map((l) => ({
    quantity: Decimal.parse(l.quantita),
    price: parseMoney(l.prezzo),
    discount: parseMoney(l.sconto),
  }));
  const amounts = lines.map((l) => l.quantity.mul(l.price).round(2).sub(l.discount));
  const negative = amounts.findIndex((a) => a.isNegative());
  if (negative >= 0) {
    const problems = [{ path: `carrello[${negative}].sconto`, message: 'discount exceeds the line amount' }];
    return {
      ok: false,
      reason: 'invalid_order',
      message: `carrello[${negative}].sconto: discount exceeds the line amount`,
      problems,
    };
  }
  const goods = amounts.reduce((s, a) => s.add(a), Decimal.ZERO);
  const coupon = order.coupon ? parseMoney(order.coupon.sconto) : Decimal.ZERO;
  if (coupon.cmp(goods) > 0) {
    const problems = [
      { path: 'coupon.sconto', message: `coupon ${coupon.toMoney()} exceeds the goods ${goods.toMoney()}` },
    ];
    return {
      ok: false,
      reason: 'invalid_order',
      message: `coupon.sconto: coupon ${coupon.toMoney()} exceeds the goods ${goods.toMoney()}`,
      problems,
    };
  }
  const shares = spreadCoupon(amounts, coupon);
  const shipping = order.spedizione && !parseMoney(order.spedizione.costo).isZero() ? order.spedizione : null;
  const shippingAmount = shipping ? parseMoney(shipping.costo) : Decimal.ZERO;
  const total = cashRound(goods.sub(coupon).add(shippingAmount));
  const given = parseMoney(order.totale);
  if (total.sub(given).abs().cmp(Decimal.parse('0.01')) > 0) {
    return {
      ok: false,
      reason: 'total_mismatch',
      computed: total.toFixed(2),
      given: given.toMoney(),
      message: `total_mismatch: the lines, coupon and shipping give ${total.toFixed(2)} ${shopCurrency} but the order says totale ${given.toMoney()}`,
    };
  }
  return {
    ok: true,
    document: {
      externalRef: externalRefOf(order.id, opts.refPrefix),
      // The calendar date in the order's own offset: the first ten characters of its ISO time.
      date: order.data_ordine.slice(0, 10),
      currency: shopCurrency,
      customer: party(order.dati_fatturazione),
      shipTo: order.dati_spedizione ? party(order.dati_spedizione) : null,
      paymentMethod: PAYMENT[order.pagamento.tipo] ?? 'other',
      lines: order.carrello.map((l, i) => ({
        sku: l.sku,
        description: l.nome,
        quantity: lines[i]!.quantity.toString(),
        unitPrice: lines[i]!.price.toFixed(2),
        vatRate: Decimal.parse(l.iva).toString(),
        discount: lines[i]!.discount.add(shares[i]!).toFixed(2),
      })),
      shipping: shipping
        ? {
            description: shipping.nome,
            amount: shippingAmount.toMoney(),
            vatRate: Decimal.parse(shipping.iva).toString(),
          }
        : null,
      total: total.toFixed(2),
      notes: order.note,
    },
  };
}
