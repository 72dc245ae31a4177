// Order export throughput and webhook acknowledgement latency (issue: order export).
//   1. outbox → TotalGest sandbox with 20 ms latency at concurrency 8 (limit 400/s),
//      against a bare HTTP client posting the same documents at the same concurrency;
//   2. webhook ack latency through a real Node-RED http in → tg-push-order → http response
//      at 200 requests/s, against the same flow without tg-push-order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { dist, percentile, pool, post, root, startSandboxes, table, waitUntil, WAIT_MS } from './lib.mjs';

const { TotalGestClient } = dist('totalgest/client.js');
const { OrderExporter } = dist('engine/order-exporter.js');
const { OrderStore } = dist('store/order-store.js');
const { openStateDatabase } = dist('store/state-db.js');
const { signBody } = dist('framework360/signature.js');
const { templateOrder } = dist('sandbox/framework360-sandbox.js');
const { prepareUserDir, startNodeRed } = await import(join(root, 'scripts/demo.mjs'));

const N = Number(process.env.BENCH_ORDERS ?? 1200);
const LATENCY = 20;
const CONCURRENCY = 8;
const creds = { shopId: 'demo-shop', ownerId: 'demo-owner', username: 'demo', password: 'demo-password' };

function documentFor(i, prefix) {
  const party = {
    company: '',
    firstName: 'A',
    lastName: 'B',
    street: 'S 1',
    zip: '6900',
    city: 'Lugano',
    region: 'TI',
    country: 'CH',
    vatNumber: '',
    email: '',
    phone: '',
  };
  return {
    externalRef: `${prefix}-${i}`,
    date: '2026-11-28',
    currency: 'CHF',
    customer: party,
    shipTo: null,
    paymentMethod: 'card',
    lines: [
      { sku: 'PEN-BLU', description: 'Penna', quantity: '3', unitPrice: '4.99', vatRate: '8.1', discount: '0.00' },
    ],
    shipping: null,
    total: '14.95',
    notes: '',
  };
}

async function throughput() {
  const sb = await startSandboxes({ tgPort: 18450, fwPort: 18451 });
  try {
    await post(`${sb.tg}/_sandbox/faults`, { latencyMs: LATENCY });
    // Baseline: a bare axios client posting documents, same concurrency, no outbox.
    const login = await axios.post(`${sb.tg}/api/v1/auth/login`, creds, { timeout: WAIT_MS });
    const auth = { Authorization: `Bearer ${login.data.token}` };
    let t0 = performance.now();
    await pool(N, CONCURRENCY, (i) =>
      axios.post(`${sb.tg}/api/v1/shops/demo-shop/orders`, documentFor(i, 'BARE'), {
        headers: { ...auth, 'Idempotency-Key': `bare-${i}` },
        timeout: WAIT_MS,
      }),
    );
    const bareRate = N / ((performance.now() - t0) / 1000);

    // The outbox: submit every order (durable write each), then drain through the worker.
    const dir = mkdtempSync(join(os.tmpdir(), 'tg-bench-'));
    const db = openStateDatabase(join(dir, 'state.sqlite'));
    const client = new TotalGestClient({ endpoint: sb.tg, ...creds, concurrency: CONCURRENCY });
    await client.getShop();
    const exporter = new OrderExporter(client, new OrderStore(db), () => {}, { concurrency: CONCURRENCY });
    const order = (i) => ({
      ...templateOrder(40_000 + i),
      carrello: [{ sku: 'PEN-BLU', nome: 'Penna', quantita: 3, prezzo: '4.99', iva: '8.1', sconto: '0' }],
      spedizione: null,
      totale: '14.95',
    });
    t0 = performance.now();
    const submitStart = performance.now();
    for (let i = 0; i < N; i++) exporter.submit(order(i));
    const submitMs = performance.now() - submitStart;
    const drainStart = performance.now();
    exporter.start();
    // Every order ends done, or the run stops and says which did not and why.
    const finished = await waitUntil(() => {
      const c = exporter.store.counts();
      return c.done + c.failed + c.dead + c.invalid + c.skipped === N;
    }, WAIT_MS);
    const c = exporter.store.counts();
    if (!finished || c.done !== N) {
      const last = exporter.store.lastError();
      throw new Error(
        `order export: ${c.done} of ${N} done after ${finished ? 'the queue drained' : `${WAIT_MS} ms`} (${JSON.stringify(c)})${last ? `; last error, order ${last.orderId}: ${last.error}` : ''}`,
      );
    }
    const outboxRate = N / ((performance.now() - t0) / 1000);
    const drainRate = N / ((performance.now() - drainStart) / 1000);
    await exporter.stop();
    client.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    const limit = CONCURRENCY / (LATENCY / 1000);
    table(`Order export: ${N} orders, sandbox latency ${LATENCY} ms, concurrency ${CONCURRENCY} (limit ${limit}/s)`, [
      {
        run: 'baseline: bare HTTP client',
        'orders/s': bareRate.toFixed(0),
        'vs limit': `${((bareRate / limit) * 100).toFixed(0)} %`,
        'vs baseline': '1.00',
      },
      {
        run: 'outbox: durable submit, then drain',
        'orders/s': outboxRate.toFixed(0),
        'vs limit': `${((outboxRate / limit) * 100).toFixed(0)} %`,
        'vs baseline': (outboxRate / bareRate).toFixed(2),
      },
      {
        run: 'outbox worker draining stored orders',
        'orders/s': drainRate.toFixed(0),
        'vs limit': `${((drainRate / limit) * 100).toFixed(0)} %`,
        'vs baseline': (drainRate / bareRate).toFixed(2),
      },
      {
        run: `  of which durable submits (${(submitMs / N).toFixed(2)} ms each)`,
        'orders/s': (N / (submitMs / 1000)).toFixed(0),
        'vs limit': '',
        'vs baseline': '',
      },
    ]);
  } finally {
    sb.stop();
  }
}

async function measureAcks(url, secret, rate, seconds) {
  const lat = [];
  const statuses = new Map();
  const total = rate * seconds;
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify({
      event: 'order.completed',
      site: 'bench',
      sentAt: new Date().toISOString(),
      data: templateOrder(60_000 + Math.floor(Math.random() * 1e9)),
    });
    const t = performance.now();
    inflight.push(
      fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Fw360-Delivery': `b-${i}-${Math.random()}`,
          'X-Fw360-Signature': signBody(secret, body),
        },
        body,
        signal: AbortSignal.timeout(WAIT_MS),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          lat.push(performance.now() - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        },
        // An unanswered request is counted and named in the table, not waited for forever.
        (err) => {
          const kind = err?.name === 'TimeoutError' ? 'no answer' : 'error';
          statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(inflight);
  lat.sort((a, b) => a - b);
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.at(-1),
    statuses: [...statuses].map(([s, n]) => `${s}×${n}`).join(' '),
  };
}

/**
 * The figure the end-to-end test no longer asserts: from a signed webhook to the document in
 * TotalGest, one order at a time, each wait bounded.
 */
async function measureEndToEnd(url, secret, tg, n) {
  const lat = [];
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const order = templateOrder(80_000 + i);
    const body = JSON.stringify({
      event: 'order.completed',
      site: 'bench',
      sentAt: new Date().toISOString(),
      data: order,
    });
    const t = performance.now();
    await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Fw360-Delivery': `e2e-${i}`,
        'X-Fw360-Signature': signBody(secret, body),
      },
      body,
      signal: AbortSignal.timeout(WAIT_MS),
    }).then((res) => res.arrayBuffer());
    const seen = await waitUntil(
      async () => {
        const res = await fetch(`${tg}/_sandbox/orders`, { signal: AbortSignal.timeout(WAIT_MS) });
        return (await res.json()).items.some((o) => o.externalRef === `FW360-${order.id}`);
      },
      WAIT_MS,
      2,
    );
    if (seen) lat.push(performance.now() - t);
    else missing++;
  }
  lat.sort((a, b) => a - b);
  if (missing) console.error(`end to end: ${missing} of ${n} orders not in TotalGest within ${WAIT_MS} ms each`);
  return { n, missing, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1) ?? NaN };
}

async function webhookLatency() {
  const port = 18880;
  const sb = await startSandboxes({ tgPort: 18452, fwPort: 18453 });
  const userDir = mkdtempSync(join(os.tmpdir(), 'tg-bench-red-'));
  prepareUserDir(userDir, { port, tgPort: 18452, fwPort: 18453 });
  // Endpoint and a second route without tg-push-order: the baseline in the same runtime.
  const flows = JSON.parse((await import('node:fs')).readFileSync(join(userDir, 'flows.json'), 'utf8'));
  flows.push(
    {
      id: 'bench-in',
      type: 'http in',
      z: 'tab-order-webhook',
      url: '/bench/baseline',
      method: 'post',
      upload: false,
      skipBodyParsing: true,
      wires: [['bench-out']],
    },
    { id: 'bench-out', type: 'http response', z: 'tab-order-webhook', statusCode: '202', headers: {}, wires: [] },
  );
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  const red = startNodeRed(userDir, {
    stdio: 'ignore',
    execArgv: process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : process.env.BENCH_REQUIRE
        ? ['--require', process.env.BENCH_REQUIRE]
        : [],
  });
  try {
    const up = await waitUntil(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) })).ok;
      } catch {
        return false;
      }
    }, WAIT_MS);
    if (!up) throw new Error(`Node-RED did not answer on port ${port} within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    const endToEnd = await measureEndToEnd(
      `http://127.0.0.1:${port}/fw360/webhook`,
      'demo-webhook-secret',
      sb.tg,
      Number(process.env.BENCH_E2E ?? 50),
    );
    const seconds = Number(process.env.BENCH_SECONDS ?? 5);
    // Warm-up of both routes: first login, database open, JIT.
    await measureAcks(`http://127.0.0.1:${port}/bench/baseline`, 'demo-webhook-secret', 100, 2);
    await measureAcks(`http://127.0.0.1:${port}/fw360/webhook`, 'demo-webhook-secret', 100, 2);
    const base = await measureAcks(`http://127.0.0.1:${port}/bench/baseline`, 'demo-webhook-secret', 200, seconds);
    const push = await measureAcks(`http://127.0.0.1:${port}/fw360/webhook`, 'demo-webhook-secret', 200, seconds);
    // The same with TotalGest not answering: the acknowledgement path alone, without the
    // export worker and the sandbox competing for this machine's two cores.
    await post(`${sb.tg}/_sandbox/faults`, { hang: true, forSeconds: 3600 });
    const alone = await measureAcks(`http://127.0.0.1:${port}/fw360/webhook`, 'demo-webhook-secret', 200, seconds);
    table(
      `Order placed → document in TotalGest, one order at a time (real Node-RED with the example flows, sandbox latency 0)`,
      [
        {
          orders: endToEnd.n,
          'p50 ms': endToEnd.p50.toFixed(1),
          'p99 ms': endToEnd.p99.toFixed(1),
          'max ms': endToEnd.max.toFixed(1),
          'not exported': endToEnd.missing,
        },
      ],
    );
    table(
      `Webhook acknowledgement latency at 200 requests/s for ${seconds} s (real Node-RED, durable write before the answer)`,
      [
        {
          flow: 'baseline: http in → http response',
          'p50 ms': base.p50.toFixed(2),
          'p99 ms': base.p99.toFixed(2),
          'max ms': base.max.toFixed(1),
          answers: base.statuses,
          'p99 vs baseline': '1.00',
        },
        {
          flow: 'http in → tg-push-order → http response, exporting meanwhile',
          'p50 ms': push.p50.toFixed(2),
          'p99 ms': push.p99.toFixed(2),
          'max ms': push.max.toFixed(1),
          answers: push.statuses,
          'p99 vs baseline': (push.p99 / base.p99).toFixed(2),
        },
        {
          flow: 'the same, TotalGest not answering (ack path alone)',
          'p50 ms': alone.p50.toFixed(2),
          'p99 ms': alone.p99.toFixed(2),
          'max ms': alone.max.toFixed(1),
          answers: alone.statuses,
          'p99 vs baseline': (alone.p99 / base.p99).toFixed(2),
        },
      ],
    );
  } finally {
    if (red.exitCode === null) {
      const exited = new Promise((r) => red.once('exit', r));
      red.kill('SIGINT');
      if (!(await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))])))
        red.kill('SIGKILL');
    }
    sb.stop();
    rmSync(userDir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_PART !== 'latency') await throughput();
if (process.env.BENCH_PART !== 'throughput') await webhookLatency();
