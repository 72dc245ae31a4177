import assert from 'node:assert/strict';
import { exportHarness, TOKEN } from '../helpers/status-export';

describe("adversarial 14: the Framework360 sandbox's /admin/orders Send to TotalGest", function () {
  this.timeout(40_000);
  const { h, env, start, order } = exportHarness('tg-adv14-sb-');
  afterEach(() => {
    env.fw.statusUrl = undefined;
    env.fw.statusToken = undefined;
  });

  it('a cross-site form post (Origin of another site) does not make the shop export with its token', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    env.fw.statusUrl = h.base;
    env.fw.statusToken = TOKEN;
    const res = await fetch(`${env.fw.url}/admin/orders`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: 'https://evil.example',
        'Sec-Fetch-Site': 'cross-site',
      },
      body: `ids=${o.id}`,
    });
    await res.text();
    assert.equal(env.tg.orders.length, 0, 'a page on https://evil.example made the shop send the order to TotalGest');
  });

  it('credentials in the status URL never reach the browser in the error line', async () => {
    await start();
    const u = new URL(h.base);
    u.username = 'admin';
    u.password = 'basic-s3cret';
    env.fw.statusUrl = u.toString();
    env.fw.statusToken = TOKEN;
    const o = order('01');
    env.fw.placeOrder(o, false);
    const html = await (
      await fetch(`${env.fw.url}/admin/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `ids=${o.id}`,
      })
    ).text();
    const line = /<section id="tg-report"[^]*?<\/section>/.exec(html)?.[0];
    console.log('      ', line);
    assert.ok(!html.includes('basic-s3cret'), 'the Basic password is in the page');
    assert.ok(!html.includes(TOKEN));
  });

  it('order data and report reasons are escaped in the list', async () => {
    const o = order('01');
    (o as any).numero = '<img src=x onerror=alert(1)>';
    env.fw.placeOrder(o, false);
    await start();
    env.fw.statusUrl = h.base;
    env.fw.statusToken = TOKEN;
    const html = await (
      await fetch(`${env.fw.url}/admin/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `ids=${o.id}&ids=<b>x</b>`,
      })
    ).text();
    assert.ok(!html.includes('<img src=x'), 'raw markup from order data');
    assert.ok(!html.includes('<b>x</b>'));
    assert.ok(!html.includes(TOKEN));
  });
});
