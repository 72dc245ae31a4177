import { dist } from './red';

export const WEBHOOK_PATH = '/fw360/webhook';

/** The node modules of a webhook flow (`capture` from httpNodeServer last, after any `extra` ones). */
export const webhookModules = (capture: unknown, extra: unknown[] = []): unknown[] => [
  dist('totalgest-config.js'),
  dist('framework360-config.js'),
  dist('tg-push-order.js'),
  ...extra,
  require('@node-red/nodes/core/network/21-httpin.js') as unknown,
  capture,
];

/**
 * The webhook as Framework360 reaches it: a real `http in` node on WEBHOOK_PATH → tg-push-order (queue mode,
 * connection c1, Framework360 connection f1) → `http response`. `fw: null` leaves the f1 node out.
 */
export function webhookFlow(opts: {
  endpoint: string;
  siteUrl: string;
  skipBodyParsing: boolean;
  fw?: Record<string, unknown> | null;
  push?: Record<string, unknown>;
}): Array<Record<string, unknown>> {
  return [
    { id: 'c1', type: 'totalgest-config', endpoint: opts.endpoint, shopId: 'demo-shop', ownerId: 'demo-owner' },
    ...(opts.fw === null ? [] : [{ id: 'f1', type: 'framework360-config', siteUrl: opts.siteUrl, ...opts.fw }]),
    {
      id: 'in',
      type: 'http in',
      url: WEBHOOK_PATH,
      method: 'post',
      upload: false,
      skipBodyParsing: opts.skipBodyParsing,
      wires: [['p1']],
    },
    {
      id: 'p1',
      type: 'tg-push-order',
      connection: 'c1',
      framework360: 'f1',
      mode: 'queue',
      wires: [['res']],
      ...opts.push,
    },
    { id: 'res', type: 'http response', wires: [] },
  ];
}
