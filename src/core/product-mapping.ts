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
 * Change detection: a hash of the product as it will be written (fields in a fixed order),
 * the mapping version and the user's override, so a changed override rewrites everything.
 */
export function productHash(p: Fw360Product, overrideText = ''): string {
  const canonical = JSON.stringify([
    PRODUCT_MAPPING_VERSION,
    overrideText,
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
  return hash('sha256', canonical, 'base64url');
}
