// One measured product sync in a fresh process (so peak RSS belongs to this run alone).
// argv: <tgUrl> <fwUrl|-> <mode: bare|bare-write|emit|write|incremental>
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { dist } from './lib.mjs';

const [tgUrl, fwUrl, mode] = process.argv.slice(2);
const creds = { shopId: 'demo-shop', ownerId: 'demo-owner', username: 'demo', password: 'demo-password' };
const rssBefore = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
let result;
// RSS when the measured run starts: modules loaded, logged in (the sync: its database open).
let rssAtStart;
if (mode === 'bare') {
  // Baseline: download the same pages with a bare HTTP client, parse the JSON, nothing else.
  const token = (await axios.post(`${tgUrl}/api/v1/auth/login`, creds)).data.token;
  rssAtStart = process.memoryUsage().rss;
  const t0 = performance.now();
  let after;
  let n = 0;
  do {
    const res = await axios.get(`${tgUrl}/api/v1/shops/demo-shop/articles`, {
      params: { limit: 500, after },
      headers: { Authorization: `Bearer ${token}` },
    });
    n += res.data.items.length;
    after = res.data.next ?? undefined;
  } while (after);
  result = { products: n, ms: performance.now() - t0 };
} else if (mode === 'bare-write') {
  // Baseline for writes: the same products/save bodies, all fired at once (no limit, no
  // retry): what the shop sandbox itself can take. The catalogue is read and mapped first,
  // outside the measurement.
  const { articleToProduct } = dist('core/product-mapping.js');
  const token = (await axios.post(`${tgUrl}/api/v1/auth/login`, creds)).data.token;
  const products = [];
  let after;
  do {
    const res = await axios.get(`${tgUrl}/api/v1/shops/demo-shop/articles`, {
      params: { limit: 500, after },
      headers: { Authorization: `Bearer ${token}` },
    });
    for (const a of res.data.items) products.push(articleToProduct(a));
    after = res.data.next ?? undefined;
  } while (after);
  const save = (p) =>
    fetch(`${fwUrl}/m/api/products/save`, {
      method: 'POST',
      headers: { 'X-Fw360-Key': 'demo-key', 'Content-Type': 'application/json' },
      body: JSON.stringify(p),
    })
      .then((r) => r.json())
      .then(
        (b) => b.status === 1,
        () => false,
      );
  // BENCH_BARE_CONCURRENCY: the same client with a fixed number in flight instead of all at once.
  const fixed = Number(process.env.BENCH_BARE_CONCURRENCY ?? 0);
  const t0 = performance.now();
  let answers;
  if (fixed > 0) {
    answers = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: fixed }, async () => {
        while (next < products.length) answers.push(await save(products[next++]));
      }),
    );
  } else answers = await Promise.all(products.map(save));
  result = { products: products.length, written: answers.filter(Boolean).length, ms: performance.now() - t0 };
} else {
  const { TotalGestClient } = dist('totalgest/client.js');
  const { Framework360Client } = dist('framework360/client.js');
  const { ProductSync } = dist('engine/product-sync.js');
  const { ProductStore } = dist('store/product-store.js');
  const { openStateDatabase } = dist('store/state-db.js');
  const dir = mkdtempSync(join(os.tmpdir(), 'tg-bench-products-'));
  const db = openStateDatabase(join(dir, 'state.sqlite'));
  const client = new TotalGestClient({ endpoint: tgUrl, ...creds });
  const writer = mode === 'write' ? new Framework360Client({ siteUrl: fwUrl, apiKey: 'demo-key' }) : undefined;
  await client.getShop();
  // Defaults: adaptive write concurrency up to 64.
  const sync = () => new ProductSync(client, new ProductStore(db), writer, { pageSize: 500 });
  let emitted = 0;
  rssAtStart = process.memoryUsage().rss;
  const t0 = performance.now();
  const s = await sync().run({ onBatch: (b) => (emitted += b.length) });
  const ms = performance.now() - t0;
  result = {
    products: s.fetched,
    written: s.created + s.updated,
    emitted,
    ms,
    failed: s.failed,
    concurrency: s.concurrency,
  };
  if (mode === 'incremental') {
    const t1 = performance.now();
    const inc = await sync().run({});
    result.incrementalMs = performance.now() - t1;
    result.incrementalFetched = inc.fetched;
  }
  client.close();
  writer?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
const cpu = process.cpuUsage(cpuBefore);
result.cpuMs = (cpu.user + cpu.system) / 1000;
result.peakRssMb = process.resourceUsage().maxRSS / 1024;
result.rssBeforeMb = rssBefore / 1024 / 1024;
if (rssAtStart) result.rssAtStartMb = rssAtStart / 1024 / 1024;
console.log(JSON.stringify(result));
