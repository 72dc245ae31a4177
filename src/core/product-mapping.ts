import { hash } from 'node:crypto';
import type { Fw360Product } from '../framework360/schemas';
import type { Article } from '../totalgest/schemas';
import { Decimal } from './decimal';

/** Bump when the mapping changes: every product's hash changes with it, so all are written once. */
export const PRODUCT_MAPPING_VERSION = 1;

/**
 * A TotalGest article → the Framework360 product (docs/api-assumptions.md, products/save).
 * A deleted or inactive article becomes a deactivation: active false, stock 0 — never a skip.
 */
export function articleToProduct(a: Article): Fw360Product {
  const live = a.active && !a.deleted;
  return {
    sku: a.sku,
    ean: a.ean,
    name: a.name,
    shortDescription: a.shortDescription,
    description: a.description,
    price: money(a.price),
    vatRate: plain(a.vatRate),
    vatCode: a.vatCode,
    stock: live ? plain(a.stock.available) : '0',
    active: live,
    totalgestId: a.id,
  };
}

/** A decimal already in its shortest form ("12.9", "81", "0.05"): Decimal would return it unchanged. */
const SHORTEST = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/** Decimal.parse(text).toString(), without the BigInt round trip for text already in that form. */
function plain(text: string): string {
  return SHORTEST.test(text) ? text : Decimal.parse(text).toString();
}

/** Decimal.parse(text).toMoney(): the shortest form with at least two decimals. */
function money(text: string): string {
  if (SHORTEST.test(text)) {
    const dot = text.indexOf('.');
    if (dot >= 0 && text.length - dot > 2) return text;
  }
  return Decimal.parse(text).toMoney();
}

/**
 * The product's fields in a fixed order, as JSON text: what the hash covers and the compact
 * form the store keeps of a product (no field names: a third smaller than the object's JSON).
 */
export function productValues(p: Fw360Product): string {
  return JSON.stringify([
    p.sku,
    p.ean,
    p.name,
    p.shortDescription,
    p.description,
    p.price,
    p.vatRate,
    p.vatCode,
    p.stock,
    p.active,
    p.totalgestId,
  ]);
}

/** Position of `active` in productValues (the store's SQL reads it). */
export const VALUES_ACTIVE_INDEX = 9;

/**
 * The product from either form the store keeps: productValues' array, or the object's JSON
 * (rows written before 0.2). Unchecked: the caller validates it (productSchema).
 */
export function productFromStored(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return v;
  if (v.length !== 11) return undefined;
  const [sku, ean, name, shortDescription, description, price, vatRate, vatCode, stock, active, totalgestId] =
    v as unknown[];
  return { sku, ean, name, shortDescription, description, price, vatRate, vatCode, stock, active, totalgestId };
}

/**
 * Change detection: a hash of the product as it will be written (fields in a fixed order),
 * the mapping version and the user's override, so a changed override rewrites everything.
 * The hashed text is JSON.stringify([version, override, ...fields]).
 */
export function productHash(p: Fw360Product, overrideText = ''): string {
  return productHashOf(productValues(p), overrideText);
}

/** productHash from productValues' text (the same bytes hashed: an array's JSON is its elements' JSON joined). */
export function productHashOf(values: string, overrideText = ''): string {
  return hash('sha256', `[${PRODUCT_MAPPING_VERSION},${JSON.stringify(overrideText)},${values.slice(1)}`, 'base64url');
}
