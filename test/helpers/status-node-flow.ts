/** TotalGest connection c1 pointed at a port nothing listens on: the status node reads only the state database. */
export const offlineConnection = (): Record<string, unknown> => ({
  id: 'c1',
  type: 'totalgest-config',
  endpoint: 'http://127.0.0.1:1',
  shopId: 'demo-shop',
  ownerId: 'demo-owner',
});

/** The credentials of offlineConnection (never used against a server). */
export const offlineConnectionCredentials = { username: 'demo', password: 'x' };

/** A tg-status node s1 on c1 at /totalgest/status in English, with any fields replaced. */
export const statusNode = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 's1',
  type: 'tg-status',
  connection: 'c1',
  path: '/totalgest/status',
  lang: 'en',
  wires: [[]],
  ...over,
});

/** offlineConnection and statusNode(over): the flow the status tests deploy. */
export const statusFlow = (over: Record<string, unknown> = {}): Array<Record<string, unknown>> => [
  offlineConnection(),
  statusNode(over),
];
