import { createHash } from 'node:crypto';
import type { Verdict } from '../core/order-lifecycle';
import {
  DEFAULT_REF_PREFIX,
  defaultEligibility,
  eligibility,
  externalRefOf,
  orderToDocument,
  type EligibilityRule,
} from '../core/order-mapping';
import { describeProblems, zodProblems, type FieldProblem } from '../core/schema-primitives';
import { orderSchema } from '../framework360/schemas';
import type { OrderDocument } from '../totalgest/schemas';

/** How intake judges an order: the node's eligibility rule, the shop's externalRef prefix and TotalGest's currency. */
export interface IntakeRules {
  rule: EligibilityRule;
  refPrefix: string;
  currency: string;
}

export const defaultIntakeRules: IntakeRules = {
  rule: defaultEligibility,
  refPrefix: DEFAULT_REF_PREFIX,
  currency: 'CHF',
};

/** One version of an order, validated, judged and mapped — nothing stored yet. */
export interface Prepared {
  orderId: string | undefined;
  externalRef: string | undefined;
  verdict: Verdict;
  /** The order's own modification time (`data_modifica`), when it has one. */
  modifiedAt: number | undefined;
  document?: OrderDocument;
  problems?: FieldProblem[];
  computed?: string;
  given?: string;
}

function idOf(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) ||
    (typeof id === 'string' && /^\d{1,15}$/.test(id))
    ? String(id)
    : undefined;
}

function modifiedAtOf(raw: unknown): number | undefined {
  const text = typeof raw === 'object' && raw !== null ? (raw as { data_modifica?: unknown }).data_modifica : undefined;
  const t = typeof text === 'string' ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** Validation, eligibility and mapping of one order (`raw` as it arrived, after any override). */
export function prepareOrder(raw: unknown, rules: IntakeRules = defaultIntakeRules): Prepared {
  const modifiedAt = modifiedAtOf(raw);
  const parsed = orderSchema.safeParse(raw);
  if (!parsed.success) {
    const rawId = idOf(raw);
    const problems = zodProblems(parsed.error);
    const message = `invalid order${rawId ? ` ${rawId}` : ''}: ${describeProblems(problems)}`;
    return {
      orderId: rawId,
      externalRef: rawId && externalRefOf(rawId, rules.refPrefix),
      verdict: { kind: 'invalid', reason: 'invalid_order', message, details: problems },
      modifiedAt,
      problems,
    };
  }
  const order = parsed.data;
  const orderId = String(order.id);
  const externalRef = externalRefOf(order.id, rules.refPrefix);
  const base = { orderId, externalRef, modifiedAt };
  const elig = eligibility(order, rules.rule);
  if (!elig.eligible) {
    const why = elig.reason === 'cancelled' ? 'cancelled' : 'not paid and not cash on delivery';
    return { ...base, verdict: { kind: 'skip', reason: elig.reason, message: `order ${orderId} skipped: ${why}` } };
  }
  const mapped = orderToDocument(order, { currency: rules.currency, refPrefix: rules.refPrefix });
  if (!mapped.ok) {
    if (mapped.reason === 'total_mismatch') {
      const details = { computed: mapped.computed, given: mapped.given };
      return {
        ...base,
        ...details,
        verdict: { kind: 'invalid', reason: 'total_mismatch', message: `order ${orderId}: ${mapped.message}`, details },
      };
    }
    const message =
      mapped.reason === 'currency_mismatch'
        ? `order ${orderId}: ${mapped.message}`
        : `invalid order ${orderId}: ${mapped.message}`;
    return {
      ...base,
      problems: mapped.problems,
      verdict: { kind: 'invalid', reason: mapped.reason, message, details: mapped.problems },
    };
  }
  const document = JSON.stringify(mapped.document);
  const docHash = createHash('sha256').update(document).digest('hex');
  return {
    ...base,
    document: mapped.document,
    verdict: { kind: 'export', document, docHash, total: mapped.document.total },
  };
}
