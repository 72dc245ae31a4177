/**
 * Background failures: one reporter per connection, yet an order another push node's message (or the status
 * API's export action, which runs through one push node's commands) is waiting for must not be raised by the
 * reporter: that message's report tells of it, so Catch would hear of it twice.
 */
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import { TotalGestConnection } from '../../src/engine/connection';
import type { Transition } from '../../src/engine/order-exporter';
import { reportBackgroundFailures } from '../../src/nodes/background-failures';
import type { NodeTexts } from '../../src/nodes/i18n';

const common = ((key: string) => key) as unknown as NodeTexts;

function fakeNode(id: string): { node: Node; errors: unknown[] } {
  const errors: unknown[] = [];
  const node = { id, error: (_e: unknown, msg: unknown) => errors.push(msg) } as unknown as Node;
  return { node, errors };
}

const dead = (orderId: string): Transition =>
  ({ orderId, from: 'sending', to: 'dead', row: { reason: 'rejected', error: 'boom' } }) as unknown as Transition;

describe('adversarial-final: background reporter and awaited orders', () => {
  const connection = () => new TotalGestConnection({ endpoint: 'http://127.0.0.1:9' } as never, '/nonexistent/db');

  it('an order awaited by a push node that is not the reporter is not raised by the reporter', () => {
    const c = connection();
    const a = fakeNode('a');
    const b = fakeNode('b');
    const stopA = reportBackgroundFailures(a.node, c, common, { rank: 'push', isAwaited: () => false });
    const stopB = reportBackgroundFailures(b.node, c, common, { rank: 'push', isAwaited: (id) => id === '42' });
    c.emit('order_transition', dead('42'));
    assert.deepEqual([a.errors.length, b.errors.length], [0, 0], 'order 42 is in node b’s report');
    // Another order still reaches Catch once.
    c.emit('order_transition', dead('43'));
    assert.deepEqual([a.errors.length, b.errors.length], [1, 0]);
    stopA();
    stopB();
  });

  it('a status node reporting (push node closed) still reports, and the push node takes over again', () => {
    const c = connection();
    const s = fakeNode('s');
    const p = fakeNode('p');
    const stopS = reportBackgroundFailures(s.node, c, common, { rank: 'status' });
    const stopP = reportBackgroundFailures(p.node, c, common, { rank: 'push', isAwaited: (id) => id === '7' });
    c.emit('order_transition', dead('7'));
    c.emit('order_transition', dead('8'));
    assert.deepEqual([s.errors.length, p.errors.length], [0, 1]);
    stopP();
    c.emit('order_transition', dead('9'));
    assert.deepEqual([s.errors.length, p.errors.length], [1, 1]);
    stopS();
    assert.equal(c.listenerCount('order_transition'), 0);
    assert.equal(c.listenerCount('worker_error'), 0);
  });
});
