import { fixtures } from './fixtures';
import { httpNodeServer } from './http-node-server';
import { pushOrderNode as pushOrderFlowNode } from './push-order-flow';
import { dist, helper, nodeRedWithSandboxes } from './red';

export const TOKEN = 'tok-export-5b1e';

/** A tg-push-order node on c1/f1 in queue mode (the export's intake), with any fields replaced. */
export const pushOrderNode = (over: Record<string, unknown> = {}): Record<string, unknown> =>
  pushOrderFlowNode({ cancelledStatuses: '5,Annullato', wires: [[]], ...over });

/**
 * The status API's export action as Node-RED serves it: tg-status (token TOKEN, at /totalgest/status)
 * with a tg-push-order node on the same connection, both sandboxes behind, real HTTP on loopback.
 * `h.base` is the status API's URL once `start` ran.
 */
export function exportHarness(prefix: string) {
  const env = nodeRedWithSandboxes(prefix);
  const web = httpNodeServer();
  const h = { base: '' };
  const order = (name: string) =>
    structuredClone(fixtures.find(([f]) => f.startsWith(name))![1].order) as Record<string, unknown> & { id: number };
  async function start(
    opts: {
      push?: boolean | Record<string, unknown>;
      status?: Record<string, unknown>;
      extra?: Array<Record<string, unknown>>;
    } = {},
  ) {
    const nodes = [
      dist('totalgest-config.js'),
      dist('framework360-config.js'),
      dist('tg-push-order.js'),
      dist('tg-status.js'),
      web.capture,
    ];
    const flow: Array<Record<string, unknown>> = [
      { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
      { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
      {
        id: 's1',
        type: 'tg-status',
        connection: 'c1',
        path: '/totalgest/status',
        lang: 'en',
        exportWait: '10',
        wires: [['out']],
        ...opts.status,
      },
      { id: 'out', type: 'helper' },
    ];
    if (opts.push !== false) flow.push(pushOrderNode(typeof opts.push === 'object' ? opts.push : {}));
    flow.push(...(opts.extra ?? []));
    await helper.load(nodes, flow, {
      c1: { username: 'demo', password: 'demo-password' },
      f1: { apiKey: 'demo-key', webhookSecret: 'whsec-x' },
      s1: { token: TOKEN },
    });
    h.base = `${await web.listen()}/totalgest/status`;
  }
  const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  const exportIds = async (body: unknown, headers: Record<string, string> = auth) => {
    const res = await fetch(`${h.base}/orders/export`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const counts = () => helper.getNode('c1').connection().orders.counts() as Record<string, number>;
  return { h, env, start, order, exportIds, counts, auth };
}
