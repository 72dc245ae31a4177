import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * `npm start` as a user runs it (on other ports): the sandboxes and a real Node-RED with the
 * example flows. A webhook order reaches TotalGest within 2 s; the product sync fills the shop.
 */
describe('the demo (npm start) end to end', function () {
  this.timeout(60_000);
  const ports = { red: 18900, tg: 18901, fw: 18902 };
  let demo: ChildProcess;
  let output = '';
  const get = async (url: string): Promise<any> => (await fetch(url)).json();

  before(async () => {
    demo = spawn(process.execPath, [path.join(__dirname, '../../scripts/demo.mjs')], {
      env: {
        ...process.env,
        DEMO_NODE_RED_PORT: String(ports.red),
        TG_SANDBOX_PORT: String(ports.tg),
        FW360_SANDBOX_PORT: String(ports.fw),
        DEMO_USER_DIR: path.join(__dirname, '../artifacts/demo-userdir'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = /Started flows/.test(output);
    }
    assert.ok(up, `Node-RED did not start:\n${output}`);
  });
  after(async () => {
    demo.kill('SIGINT');
    await new Promise((r) => demo.once('exit', r));
  });

  it('syncs every TotalGest article into the Framework360 shop within one run', async () => {
    const tgCount = async () => {
      let n = 0;
      let after: string | null = null;
      const token = (
        await (
          await fetch(`http://127.0.0.1:${ports.tg}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: 'demo', password: 'demo-password', shopId: 'demo-shop', ownerId: 'demo-owner' }),
          })
        ).json()
      ).token;
      do {
        const page: any = await (
          await fetch(`http://127.0.0.1:${ports.tg}/api/v1/shops/demo-shop/articles?limit=500${after ? `&after=${after}` : ''}`, {
            headers: { Authorization: `Bearer ${token}` },
          })
        ).json();
        n += page.items.length;
        after = page.next;
      } while (after);
      return n;
    };
    const expected = await tgCount();
    let have = 0;
    for (let i = 0; i < 100 && have !== expected; i++) {
      have = (await get(`http://127.0.0.1:${ports.fw}/_sandbox/products`)).items.length;
      if (have !== expected) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(have, expected);
  });

  it('exports an order placed in the shop to TotalGest within 2 s, by signed webhook', async () => {
    const placed: any = await (await fetch(`http://127.0.0.1:${ports.fw}/_sandbox/orders`, { method: 'POST', body: '{}' })).json();
    const t0 = Date.now();
    let found = false;
    while (!found && Date.now() - t0 < 2000) {
      const orders = (await get(`http://127.0.0.1:${ports.tg}/_sandbox/orders`)).items as Array<{ externalRef: string }>;
      found = orders.some((o) => o.externalRef === `FW360-${placed.id}`);
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(found, 'the order reached TotalGest within 2 s');
    const deliveries = (await get(`http://127.0.0.1:${ports.fw}/_sandbox/deliveries`)).items as Array<{ orderId: number; statuses: number[] }>;
    assert.deepEqual(deliveries.find((d) => d.orderId === placed.id)!.statuses, [202]);
  });

  it('runs the manual export inject and exports the fixture orders', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.red}/inject/mx-inject-export`, { method: 'POST' });
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    const refs = ((await get(`http://127.0.0.1:${ports.tg}/_sandbox/orders`)).items as Array<{ externalRef: string }>).map((o) => o.externalRef);
    assert.ok(refs.includes('FW360-10452') && refs.includes('FW360-10453'), refs.join(','));
  });
});
