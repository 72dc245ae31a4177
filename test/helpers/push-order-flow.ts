import assert from 'node:assert/strict';
import { dist, helper, waitFor, type nodeRedWithSandboxes } from './red';

type Sandboxes = ReturnType<typeof nodeRedWithSandboxes>;

/** The node modules a tg-push-order flow needs: both config nodes and the push node. */
export const pushOrderNodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-push-order.js')];

/** A tg-push-order node (p1) on connection c1 and shop f1 in queue mode, answering to `out`, with any fields replaced. */
export const pushOrderNode = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'p1',
  type: 'tg-push-order',
  connection: 'c1',
  framework360: 'f1',
  mode: 'queue',
  wires: [['out']],
  ...over,
});

/**
 * c1 (TotalGest sandbox) and f1 (Framework360 sandbox), p1 on both, wired to the helper node `out`.
 * `connection` replaces fields of c1, `push` fields of p1.
 */
export const pushOrderFlow = (
  env: Sandboxes,
  opts: { connection?: Record<string, unknown>; push?: Record<string, unknown> } = {},
): Array<Record<string, unknown>> => [
  {
    id: 'c1',
    type: 'totalgest-config',
    endpoint: env.tg.url,
    shopId: 'demo-shop',
    ownerId: 'demo-owner',
    ...opts.connection,
  },
  { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
  pushOrderNode(opts.push),
  { id: 'out', type: 'helper' },
];

/** The sandboxes' demo credentials for c1 and f1, with the shop's webhook signing secret. */
export const pushOrderCredentials = (webhookSecret: string) => ({
  c1: { username: 'demo', password: 'demo-password' },
  f1: { apiKey: 'demo-key', webhookSecret },
});

/** Loads pushOrderFlow into the test runtime. */
export const loadPushOrderFlow = (
  env: Sandboxes,
  webhookSecret: string,
  opts: { connection?: Record<string, unknown>; push?: Record<string, unknown> } = {},
): Promise<void> => helper.load(pushOrderNodes, pushOrderFlow(env, opts), pushOrderCredentials(webhookSecret));

/** The positive signal that the export is over: nothing queued, nothing in flight — then absence can be asserted. */
export const queueIdle = (): Promise<void> =>
  waitFor(
    () => {
      const c = helper.getNode('c1').connection().orders.counts();
      return c.pending + c.sending === 0;
    },
    5000,
    'the queue to drain',
  );

/** Asserts that connection c1's state database holds no order in any state. */
export const assertNoOrderStored = (): void =>
  assert.deepEqual(helper.getNode('c1').connection().orders.counts(), {
    pending: 0,
    sending: 0,
    done: 0,
    failed: 0,
    dead: 0,
    skipped: 0,
    invalid: 0,
    needs_review: 0,
  });
