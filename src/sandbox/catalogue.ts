import type { Article } from '../totalgest/schemas';

/** Deterministic pseudo-random numbers (mulberry32): the same seed gives the same catalogue. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'Caffè',
  'Tè',
  'Olio',
  'Vino',
  'Formaggio',
  'Cioccolato',
  'Miele',
  'Pasta',
  'Riso',
  'Biscotti',
  'Tazza',
  'Coltello',
  'Penna',
  'Quaderno',
];
const VAT = [
  { code: 'N', rate: '8.1' },
  { code: 'R', rate: '2.6' },
];

export const CATALOGUE_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

function cents(n: number): string {
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}

/** Article i of a seeded catalogue. updatedAt runs one second apart from the epoch. */
export function seededArticle(i: number, rand: () => number): Article {
  const n = String(i + 1).padStart(6, '0');
  const vat = VAT[Math.floor(rand() * VAT.length)]!;
  const onHand = Math.floor(rand() * 200);
  const reserved = Math.floor(rand() * Math.min(onHand + 1, 10));
  const word = WORDS[Math.floor(rand() * WORDS.length)]!;
  return {
    id: `A-${n}`,
    sku: `SKU-${n}`,
    ean: rand() < 0.8 ? `76100${n}${String(i % 10)}0` : null,
    name: `${word} ${n}`,
    shortDescription: `${word} del Ticino`,
    description: `<p>${word} ${n}, prodotto dimostrativo.</p>`,
    price: cents(100 + Math.floor(rand() * 20_000)),
    vatCode: vat.code,
    vatRate: vat.rate,
    stock: { onHand: String(onHand), reserved: String(reserved), available: String(onHand - reserved) },
    unit: 'pz',
    active: true,
    deleted: false,
    updatedAt: new Date(CATALOGUE_EPOCH + i * 1000).toISOString(),
  };
}

export function* seededCatalogue(count: number, seed: number): Generator<Article> {
  const rand = prng(seed);
  for (let i = 0; i < count; i++) yield seededArticle(i, rand);
}

/** The articles the orders in test/fixtures/orders use; `npm start` seeds them into the sandbox. */
export const DEMO_ARTICLES: ReadonlyArray<
  Pick<Article, 'sku' | 'name' | 'price' | 'vatCode' | 'vatRate'> & { available: string }
> = [
  { sku: 'CAF-250', name: 'Caffè in grani 250 g', price: '12.90', vatCode: 'R', vatRate: '2.6', available: '40' },
  { sku: 'TEA-100', name: 'Tè verde 100 g', price: '8.45', vatCode: 'R', vatRate: '2.6', available: '25' },
  { sku: 'MUG-01', name: 'Tazza Ticino', price: '19.90', vatCode: 'N', vatRate: '8.1', available: '12' },
  { sku: 'OIL-500', name: "Olio d'oliva 0,5 l", price: '14.50', vatCode: 'R', vatRate: '2.6', available: '30' },
  { sku: 'GIFT-BOX', name: 'Confezione regalo', price: '4.90', vatCode: 'N', vatRate: '8.1', available: '100' },
  {
    sku: 'WINE-MER',
    name: 'Merlot del Ticino DOC 75 cl',
    price: '22.00',
    vatCode: 'N',
    vatRate: '8.1',
    available: '60',
  },
  { sku: 'CHOC-70', name: 'Chocolat noir 70 %', price: '3.95', vatCode: 'R', vatRate: '2.6', available: '80' },
  {
    sku: 'KNIFE-CH',
    name: 'Couteau suisse « Classic »',
    price: '34.00',
    vatCode: 'N',
    vatRate: '8.1',
    available: '15',
  },
  { sku: 'PEN-BLU', name: 'Penna blu', price: '4.99', vatCode: 'N', vatRate: '8.1', available: '200' },
  // Fixture 09 (a coupon spread by the cent): seven postcards at alternating VAT rates.
  ...[1, 2, 3, 4, 5, 6, 7].map((n) => ({
    sku: `CARD-0${n}`,
    name: 'Cartolina',
    price: '3.00',
    vatCode: n % 2 ? 'N' : 'R',
    vatRate: n % 2 ? '8.1' : '2.6',
    available: '100',
  })),
];

export function demoArticles(now = Date.now()): Article[] {
  return DEMO_ARTICLES.map((d, i) => ({
    id: `A-DEMO-${String(i + 1).padStart(2, '0')}`,
    sku: d.sku,
    ean: null,
    name: d.name,
    shortDescription: d.name,
    description: `<p>${d.name}</p>`,
    price: d.price,
    vatCode: d.vatCode,
    vatRate: d.vatRate,
    stock: { onHand: d.available, reserved: '0', available: d.available },
    unit: 'pz',
    active: true,
    deleted: false,
    updatedAt: new Date(now).toISOString(),
  }));
}
