import assert from 'node:assert/strict';
import { waitFor } from '../helpers/red';
import { control } from '../helpers/sandboxes';
import { exportHarness } from '../helpers/status-export';

describe('manual export regressions found by adversarial review: the report for orders in each state', function () {
  this.timeout(60_000);
  const { env, start, order, exportIds, counts } = exportHarness('tg-adv14-st-');

  it('held: in flight: a second export (with force) while the first send hangs makes no second document', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { exportWait: '0.3' } });
    await control(env.tg.url, '/_sandbox/faults', { hang: true, path: '/orders', count: 1 });
    const first = await exportIds({ ids: [o.id] });
    const second = await exportIds({ ids: [o.id], force: true });
    console.log('      ', JSON.stringify(first.body.items), JSON.stringify(second.body.items));
    env.tg.faults.reset();
    await waitFor(() => counts().done === 1, 20_000, 'linked');
    const third = await exportIds({ ids: [o.id], force: true });
    console.log('      ', JSON.stringify(third.body.items));
    assert.equal(env.tg.orders.length, 1);
  });

  it('a failed order whose cause is gone, selected again with force, is sent', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    await control(env.tg.url, '/_sandbox/faults', { status: 422, path: '/orders', count: 1 });
    const first = await exportIds({ ids: [o.id] });
    const again = await exportIds({ ids: [o.id] });
    const forced = await exportIds({ ids: [o.id], force: true });
    console.log(
      '      ',
      JSON.stringify(first.body.items),
      '\n      ',
      JSON.stringify(again.body.items),
      '\n      ',
      JSON.stringify(forced.body.items),
      JSON.stringify(counts()),
    );
    // TotalGest accepts now (the fault was for one request): the shop owner selected it and asked for it to be sent now, with force.
    assert.equal(
      forced.body.items[0].outcome,
      'exported',
      'a failed order selected with force is neither sent nor reported as not attempted',
    );
    assert.equal(env.tg.orders.length, 1);
  });

  it('held: needs_review exported again without force; cancelled after linking with force', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    await exportIds({ ids: [o.id] });
    env.fw.updateOrder(o.id, { note: 'x' }, false);
    await exportIds({ ids: [o.id], force: true });
    const nr = await exportIds({ ids: [o.id] });
    console.log('      needs_review again:', JSON.stringify(nr.body.items), JSON.stringify(counts()));
    const c = order('02');
    env.fw.placeOrder(c, false);
    await exportIds({ ids: [c.id] });
    env.fw.updateOrder(c.id, { stato: { id: 5, nome: 'Annullato' } } as any, false);
    const cancelled = await exportIds({ ids: [c.id], force: true });
    console.log('      cancelled after link, force:', JSON.stringify(cancelled.body.items), JSON.stringify(counts()));
    assert.equal(env.tg.orders.length, 2);
  });
});
