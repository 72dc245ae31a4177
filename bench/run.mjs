// npm run bench [orders|products]: the benchmarks, one after another. Not part of npm test.
const which = process.argv[2];
if (!which || which === 'products') await import('./products.mjs');
if (!which || which === 'orders') await import('./orders.mjs');
