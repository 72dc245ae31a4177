import type { Article } from '../totalgest/schemas';

/**
 * A fast check of one article of the feed, for the common case: an item it accepts is one the
 * zod schema (totalgest/schemas articleSchema) accepts too, and it returns what zod would: the
 * schema's fields only (the item itself when it has no others, else a copy without them).
 * Anything it is not sure of returns undefined, and the caller asks zod, which names the field
 * and the reason. Zod builds a result object per field and a copy of every article.
 */
export function fastArticle(item: unknown): Article | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const a = item as Record<string, unknown>;
  const { id, sku, ean, name, shortDescription, description, price, vatCode, vatRate, stock } = a;
  const { unit, active, deleted, updatedAt } = a;
  if (typeof id !== 'string' || id.length === 0 || typeof sku !== 'string' || sku.length === 0) return undefined;
  if (ean !== null && typeof ean !== 'string') return undefined;
  if (typeof name !== 'string' || typeof shortDescription !== 'string' || typeof description !== 'string')
    return undefined;
  if (!isDecimal(price) || typeof vatCode !== 'string' || !isDecimal(vatRate)) return undefined;
  if (typeof stock !== 'object' || stock === null || Array.isArray(stock)) return undefined;
  const { onHand, reserved, available } = stock as Record<string, unknown>;
  if (!isDecimal(onHand) || !isDecimal(reserved) || !isDecimal(available)) return undefined;
  if (typeof unit !== 'string' || typeof active !== 'boolean' || typeof deleted !== 'boolean') return undefined;
  if (typeof updatedAt !== 'string' || !UTC_TIME.test(updatedAt)) return undefined;
  // Exactly the schema's fields (all checked above): the item itself is the result, no copy.
  if (keyCount(a) === ARTICLE_KEYS && keyCount(stock) === 3) return a as Article;
  return {
    id,
    sku,
    ean,
    name,
    shortDescription,
    description,
    price,
    vatCode,
    vatRate,
    stock: { onHand, reserved, available },
    unit,
    active,
    deleted,
    updatedAt,
  };
}

const ARTICLE_KEYS = 14;

/** Enumerable keys, counted without building the array of them. */
function keyCount(o: object): number {
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only counted ("" is a key too)
  for (const key in o) n += 1;
  return n;
}

/** schema-primitives decimalString. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

function isDecimal(v: unknown): v is string {
  return typeof v === 'string' && DECIMAL.test(v);
}

/**
 * A subset of what schema-primitives isoTime (zod's ISO date-time with offset) accepts: UTC
 * ("Z") times on a date valid in every year. A leap day or a time with an offset goes to zod.
 */
const UTC_TIME =
  /^\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;
