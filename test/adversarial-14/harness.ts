import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeAPI } from 'node-red';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';
import { fixtures } from '../helpers/fixtures';

export const TOKEN = 'tok-adv14-9c2f';
type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/** The harness of test/integration/status-export.test.ts: Node-RED with tg-status + tg-push-order against both sandboxes. */
export function exportHarness(prefix: string) {
  const env = nodeRedWithSandboxes(prefix);
  const h = { env, base: '', server: undefined as http.Server | undefined };
  let httpNode: Middleware | undefined;
  const capture = (RED: NodeAPI): void => {
    httpNode = RED.httpNode as unknown as Middleware;
  };
  afterEach(async () => {
    if (h.server) await new Promise((r) => h.server!.close(r));
    h.server = undefined;
  });
  const order = (name: string) =>
    structuredClone(fixtures.find(([f]) => f.startsWith(name))![1].order) as Record<string, unknown> & { id: number };
  async function start(
    opts: {
      push?: boolean | Record<string, unknown>;
      status?: Record<string, unknown>;
      extra?: Array<Record<string, unknown>>;
      gate?: Middleware;
    } = {},
  ) {
    const nodes = [
      dist('totalgest-config.js'),
      dist('framework360-config.js'),
      dist('tg-push-order.js'),
      dist('tg-status.js'),
      capture,
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
    if (opts.push !== false)
      flow.push({
        id: 'p1',
        type: 'tg-push-order',
        connection: 'c1',
        framework360: 'f1',
        mode: 'queue',
        cancelledStatuses: '5,Annullato',
        wires: [[]],
        ...(typeof opts.push === 'object' ? opts.push : {}),
      });
    flow.push(...(opts.extra ?? []));
    await helper.load(nodes, flow, {
      c1: { username: 'demo', password: 'demo-password' },
      f1: { apiKey: 'demo-key', webhookSecret: 'whsec-x' },
      s1: { token: TOKEN },
    });
    const app = httpNode!;
    if (h.server) await new Promise((r) => h.server!.close(r));
    h.server = http.createServer((req, res) => {
      Object.assign(req, { baseUrl: '', originalUrl: req.url });
      const next = () => app(req, res, () => res.writeHead(404).end());
      if (opts.gate) opts.gate(req, res, next);
      else next();
    });
    await new Promise<void>((r) => h.server!.listen(0, '127.0.0.1', () => r()));
    h.base = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}/totalgest/status`;
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
