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
    (v) => (v === '' || v === undefined || v === null ? fallback : typeof v === 'string' ? Number(v) : v),
    z
      .number({ error: `${label} must be a number` })
      .int(`${label} must be a whole number`)
      .min(min, `${label} must be at least ${min}`)
      .max(max, `${label} must be at most ${max}`),
  );
}
