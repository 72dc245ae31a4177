// npm run bench: every benchmark, one after another. Not part of npm test.
const which = process.argv[2];
if (!which || which === 'orders') await import('./orders.mjs');
