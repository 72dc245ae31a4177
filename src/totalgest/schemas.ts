import { z } from 'zod';
import { decimalString, isoTime } from '../core/schema-primitives';

/**
 * The TotalGest wire format (assumed, see docs/api-assumptions.md).
 * Adapting to the real API touches this file, client.ts and their tests.
 */

export const errorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string().optional(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    existingId: z.string().optional(),
  }),
});

export const loginResponseSchema = z.object({ token: z.string().min(1), expiresAt: isoTime });

export const shopSchema = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  currency: z.string(),
  vatRates: z.array(z.object({ code: z.string(), rate: decimalString })),
});
export type Shop = z.infer<typeof shopSchema>;

export const articleSchema = z.object({
  id: z.string().min(1),
  sku: z.string().min(1),
  ean: z.string().nullable(),
  name: z.string(),
  shortDescription: z.string(),
  description: z.string(),
  price: decimalString,
  vatCode: z.string(),
  vatRate: decimalString,
  stock: z.object({ onHand: decimalString, reserved: decimalString, available: decimalString }),
  unit: z.string(),
  active: z.boolean(),
  deleted: z.boolean(),
  updatedAt: isoTime,
});
export type Article = z.infer<typeof articleSchema>;

/** Items stay unknown here: each article is validated on its own, so one bad article fails alone. */
export const articlePageSchema = z.object({
  items: z.array(z.unknown()),
  next: z.string().nullable(),
  serverTime: isoTime,
});

export const partySchema = z.object({
  company: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  street: z.string(),
  zip: z.string(),
  city: z.string(),
  region: z.string(),
  country: z.string(),
  vatNumber: z.string(),
  email: z.string(),
  phone: z.string(),
});

export const paymentMethods = [
  'card',
  'paypal',
  'twint',
  'bank_transfer',
  'invoice',
  'cash_on_delivery',
  'other',
] as const;

export const orderDocumentSchema = z.object({
  externalRef: z.string().min(1).max(64),
  date: z.iso.date(),
  currency: z.string().length(3),
  customer: partySchema,
  shipTo: partySchema.nullable(),
  paymentMethod: z.enum(paymentMethods),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1),
        description: z.string(),
        quantity: decimalString,
        unitPrice: decimalString,
        vatRate: decimalString,
        discount: decimalString,
      }),
    )
    .min(1),
  shipping: z.object({ description: z.string(), amount: decimalString, vatRate: decimalString }).nullable(),
  total: decimalString,
  notes: z.string(),
});
export type OrderDocument = z.infer<typeof orderDocumentSchema>;
export type Party = z.infer<typeof partySchema>;
export type PaymentMethod = (typeof paymentMethods)[number];

export const orderCreatedSchema = z.object({ id: z.string().min(1), number: z.string().min(1), status: z.string() });
export type OrderCreated = z.infer<typeof orderCreatedSchema>;

export const orderLookupSchema = z.object({
  items: z.array(
    z.object({ id: z.string(), number: z.string(), externalRef: z.string(), status: z.string(), total: decimalString }),
  ),
});
export type OrderSummary = z.infer<typeof orderLookupSchema>['items'][number];
