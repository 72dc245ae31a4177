import { z } from 'zod';
import { Decimal } from './decimal';

/** Shared zod building blocks for the wire schemas; pure (zod only). */

/** A decimal as TotalGest writes it: a string like "12.90" — never a float. */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string like "12.90"');

/**
 * A decimal as Framework360 sends it: JSON number or numeric string; normalised to exact text.
 * Text is capped: a million-digit "price" would block the event loop in BigInt arithmetic.
 */
export const looseDecimal = z
  .union([z.number(), z.string().max(50, 'expected a number of at most 50 characters')])
  .transform((value, ctx) => {
    const parsed = typeof value === 'number' && !Number.isFinite(value) ? undefined : Decimal.tryParse(value);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return parsed.toString();
  });

export const isoTime = z.iso.datetime({ offset: true });

/** "lines[1].sku" from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export interface FieldProblem {
  path: string;
  message: string;
}

export function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}

/** A number field from the editor: "" or missing → default; anything else must be a whole number in range. */
export function wholeNumber(label: string, min: number, max: number, fallback: number) {
  return z.preprocess(
    // Whitespace is blank, as rangedNumber and the editor read it (not Number("  ") = 0).
    (v) =>
      v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
        ? fallback
        : typeof v === 'string'
          ? Number(v)
          : v,
    z
      .number({ error: `${label} must be a number` })
      .int(`${label} must be a whole number`)
      .min(min, `${label} must be at least ${min}`)
      .max(max, `${label} must be at most ${max}`),
  );
}

/** The bounds of a numeric node setting: the editor's validator and the runtime's check use the same ones. */
export interface NumberRange {
  min: number;
  max: number;
  /** Whole numbers only (counts, seconds, days); otherwise any finite number in range. */
  whole: boolean;
}

/** "must be a whole number from 1 to 500": the reason part of a refused setting. */
export function rangeText(r: NumberRange): string {
  return `must be ${r.whole ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}`;
}

/**
 * A numeric node setting as the editor stores it (number or text): blank or missing → `fallback`;
 * anything else must be in range, or the issue carries `params: {range, got}` so the caller can
 * name the setting, the reason and the value — never clamped, never silently replaced.
 */
export function rangedNumber(range: NumberRange, fallback: number) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): number => {
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return fallback;
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (!Number.isFinite(n) || (range.whole && !Number.isInteger(n)) || n < range.min || n > range.max) {
        ctx.addIssue({ code: 'custom', message: rangeText(range), params: { range, got: v } });
        return z.NEVER;
      }
      return n;
    });
}
