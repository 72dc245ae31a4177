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
    price: Decimal.parse(a.price).toMoney(),
    vatRate: Decimal.parse(a.vatRate).toString(),
    vatCode: a.vatCode,
    stock: live ? Decimal.parse(a.stock.available).toString() : '0',
    active: live,
    totalgestId: a.id,
  };
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
