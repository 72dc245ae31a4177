import { z } from 'zod';
import { decimalString, isoTime, looseDecimal } from '../core/schema-primitives';
import { Decimal, parseMoney } from '../core/decimal';

/**
 * Framework360 orders, webhooks and API answers (partly assumed, see
 * docs/api-assumptions.md). Numbers arrive as JSON numbers or numeric strings; the
 * schemas normalise them to exact decimal text.
 */

const text = z
  .string()
  .max(10_000)
  .nullish()
  .transform((v) => v ?? '');

const positive = looseDecimal.refine((v) => Decimal.parse(v).cmp(Decimal.ZERO) > 0, 'must be greater than 0');
const nonNegative = looseDecimal.refine((v) => !Decimal.parse(v).isNegative(), 'must not be negative');
/**
 * Money: rounded half-up to the cent ("12.9000" → "12.90", 0.30000000000000004 → "0.30"), after
 * the sign check so that -0.001 is refused, not turned into 0.00. Quantities and rates keep their decimals.
 */
const money = nonNegative.transform((v) => parseMoney(v).toFixed(2));

const orderId = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a positive whole number')
    .transform(Number),
]);

const flag = z.union([
  z.boolean(),
  z.literal(0).transform(() => false),
  z.literal(1).transform(() => true),
  z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true'),
]);

export const addressSchema = z.object({
  ragione_sociale: text,
  nome: text,
  cognome: text,
  indirizzo: z.string().min(1, 'is required'),
  cap: text,
  comune: z.string().min(1, 'is required'),
  citta: text,
  nazione: z.string().min(2, 'is required (country code)').max(3),
  piva: text,
  email: text,
  telefono: text,
});

export const orderSchema = z.object({
  id: orderId,
  numero: text,
  data_ordine: isoTime,
  stato: z.object({ id: z.union([z.number(), z.string()]), nome: z.string() }),
  pagato: flag,
  valuta: z.string().length(3, 'must be a 3-letter currency code'),
  pagamento: z.object({
    id: z.union([z.number(), z.string()]).optional(),
    nome: text,
    tipo: z.string().min(1, 'is required'),
  }),
  cliente: z.looseObject({}).nullish(),
  dati_fatturazione: addressSchema,
  dati_spedizione: addressSchema
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  carrello: z
    .array(
      z.object({
        id_prodotto: z.union([z.number(), z.string()]).nullish(),
        sku: z.string().min(1, 'is required').max(64),
        nome: z.string().max(1000),
        quantita: positive,
        prezzo: money,
        iva: nonNegative,
        sconto: money.optional().transform((v) => v ?? '0.00'),
      }),
    )
    .min(1, 'must hold at least one line')
    .max(1000),
  spedizione: z
    .object({ id: z.union([z.number(), z.string()]).optional(), nome: text, costo: money, iva: nonNegative })
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  coupon: z
    .object({ codice: text, sconto: money })
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  totale: money,
  note: text,
});
export type Fw360Order = z.infer<typeof orderSchema>;
export type Fw360Address = z.infer<typeof addressSchema>;

export const webhookSchema = z.object({
  event: z.string().min(1),
  site: z.string().optional(),
  sentAt: isoTime.optional(),
  data: z.unknown(),
});
export type WebhookEnvelope = z.infer<typeof webhookSchema>;

/** Every API answer: `{status:1,data}` or — with HTTP 200 — `{status:0,error}`. */
export const apiEnvelopeSchema = z.union([
  z.object({ status: z.literal(1), data: z.unknown() }),
  z.object({ status: z.literal(0), error: z.string() }),
]);

export const checkDataSchema = z.looseObject({ site: z.string().optional(), name: z.string().optional() });

/** orders/list (assumed shape): one page of orders, each validated on its own. */
export const orderListDataSchema = z.object({
  items: z.array(z.unknown()),
  page: z.number().int(),
  pages: z.number().int(),
  total: z.number().int(),
});

export const productSchema = z.object({
  sku: z.string().min(1),
  ean: z.string().nullable(),
  name: z.string(),
  shortDescription: z.string(),
  description: z.string(),
  price: decimalString,
  vatRate: decimalString,
  vatCode: z.string(),
  stock: decimalString,
  active: z.boolean(),
  totalgestId: z.string(),
});
export type Fw360Product = z.infer<typeof productSchema>;

export const productSavedSchema = z.object({ id: z.union([z.number(), z.string()]) });
