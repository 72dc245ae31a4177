import assert from 'node:assert/strict';
import util from 'node:util';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';

// The Catch node comes from the runtime under test: the helper loads it for the flow's `catch` node.
const nodes = [
  dist('totalgest-config.js'),
  dist('framework360-config.js'),
  dist('tg-pull-products.js'),
  dist('tg-push-order.js'),
];

const PASSWORD = 'PW-deepscan-4f1e9a';
const API_KEY = 'KEY-deepscan-c07d21';
const WEBHOOK_SECRET = 'WH-deepscan-8b22e0';

/**
 * Every string reachable from `root`: own properties enumerable or not (symbols included),
 * getters, `toJSON()` output, `JSON.stringify` and `util.inspect` with hidden fields.
 */
function everyText(root: unknown): string {
  const out: string[] = [];
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 40) return;
    if (typeof v === 'string') return void out.push(v);
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'symbol')
      return void out.push(String(v));
    if (typeof v === 'function' || v === null || typeof v !== 'object') return;
    if (seen.has(v)) return;
    seen.add(v);
    if (Buffer.isBuffer(v)) return void out.push(v.toString('utf8'));
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      try {
        walk(toJSON.call(v), depth + 1);
      } catch {
        /* a throwing toJSON prints nothing */
      }
    }
    for (const key of Reflect.ownKeys(v)) {
      out.push(String(key));
      let value: unknown;
      try {
        value = (v as Record<string | symbol, unknown>)[key];
      } catch {
        continue;
      }
      walk(value, depth + 1);
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto && proto !== Object.prototype && proto !== Error.prototype && proto !== Array.prototype)
      walk(proto, depth + 1);
  };
  walk(root, 0);
  try {
    out.push(JSON.stringify(root) ?? '');
  } catch (err) {
    out.push(String(err));
  }
  out.push(util.inspect(root, { showHidden: true, depth: Infinity, getters: true }));
  return out.join('\n');
}

describe('errors reaching Catch nodes carry no secret (deep scan of msg.error)', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-errscan-', { users: [{ username: 'demo', password: PASSWORD }] });

  /** The bearer tokens the TotalGest sandbox has issued so far. */
  const bearerTokens = (): string[] => [...(env.tg as unknown as { tokens: Map<string, unknown> }).tokens.keys()];

  const flow = (tg: Record<string, unknown>, fw: Record<string, unknown>) => [
    {
      id: 'c1',
      type: 'totalgest-config',
      endpoint: env.tg.url,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
      timeout: '1',
      ...tg,
    },
    { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url, timeout: '1', ...fw },
    { id: 'pp', type: 'tg-pull-products', connection: 'c1', framework360: 'f1', wires: [[], []] },
    { id: 'po', type: 'tg-push-order', connection: 'c1', framework360: 'f1', mode: 'queue', wires: [[]] },
    { id: 'ca1', type: 'catch', scope: null, uncaught: false, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  const creds = (password = PASSWORD, apiKey = API_KEY) => ({
    c1: { username: 'demo', password },
    f1: { apiKey, webhookSecret: WEBHOOK_SECRET },
  });

  /** Loads the flow, triggers `node` and returns the message the Catch node passed on. */
  async function caught(
    tg: Record<string, unknown>,
    fw: Record<string, unknown>,
    trigger: 'pp' | 'po',
    credentials = creds(),
  ): Promise<{ msg: Record<string, unknown> & { error: { message: string } } }> {
    await helper.load(nodes, flow(tg, fw), credentials);
    const got = new Promise<Record<string, unknown> & { error: { message: string } }>((resolve) =>
      helper.getNode('out').once('input', resolve),
    );
    helper
      .getNode(trigger)
      .receive(trigger === 'po' ? { topic: 'reconcile', payload: {} } : { payload: 'now', full: true });
    return { msg: await got };
  }

  function assertClean(
    msg: Record<string, unknown> & { error: { message: string } },
    expected: RegExp,
    extraSecrets: string[] = [],
  ): void {
    assert.match(msg.error.message, expected);
    const text = everyText(msg.error);
    for (const [name, secret] of Object.entries({
      password: PASSWORD,
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
    })) {
      assert.ok(!text.includes(secret), `${name} found in msg.error`);
    }
    for (const token of extraSecrets) assert.ok(!text.includes(token), 'TotalGest bearer token found in msg.error');
    // Only our own error types (and plain data) anywhere in the chain.
    assert.doesNotMatch(text, /AxiosError|ClientRequest|TLSSocket|config:\s*\{|\bheaders\b.*x-fw360-key/i);
  }

  describe('TotalGest (tg-pull-products)', () => {
    it('connection refused', async () => {
      const { msg } = await caught({ endpoint: 'http://127.0.0.1:1' }, {}, 'pp');
      assertClean(msg, /host unreachable \(ECONNREFUSED\)/);
    });

    it('timeout after login (the request carries the bearer token)', async () => {
      env.tg.faults.configure({ hang: true, path: '/shops/', forSeconds: 60 });
      const { msg } = await caught({}, {}, 'pp');
      assert.ok(bearerTokens().length > 0, 'logged in before the timeout');
      assertClean(msg, /timed out/, bearerTokens());
    });

    it('TLS handshake failure', async () => {
      const { msg } = await caught({ endpoint: env.tg.url.replace('http:', 'https:') }, {}, 'pp');
      assertClean(msg, /TLS handshake failed/);
    });

    it('HTTP errors: wrong password (401) and a server error after login', async () => {
      const wrong = await caught({}, {}, 'pp', creds(`${PASSWORD}-x`));
      assertClean(wrong.msg, /wrong username or password|invalid_credentials|401/);
      await helper.unload();
      env.tg.faults.configure({ status: 500, code: 'boom', path: '/shops/', retryAfter: 0, forSeconds: 60 });
      const server = await caught({}, {}, 'pp');
      assertClean(server.msg, /server error 500/, bearerTokens());
    });
  });

  describe('Framework360 (reconcile on tg-push-order)', () => {
    it('connection refused', async () => {
      const { msg } = await caught({}, { siteUrl: 'http://127.0.0.1:1' }, 'po');
      assertClean(msg, /host unreachable \(ECONNREFUSED\)/);
    });

    it('timeout', async () => {
      env.fw.faults.configure({ hang: true, forSeconds: 60 });
      const { msg } = await caught({}, {}, 'po');
      assertClean(msg, /timed out/);
    });

    it('TLS handshake failure', async () => {
      const { msg } = await caught({}, { siteUrl: env.fw.url.replace('http:', 'https:') }, 'po');
      assertClean(msg, /TLS handshake failed/);
    });

    it('HTTP errors: wrong API key ({status:0}) and a server error', async () => {
      const wrong = await caught({}, {}, 'po', creds(PASSWORD, `${API_KEY}-x`));
      assertClean(wrong.msg, /Invalid API key/);
      await helper.unload();
      env.fw.faults.configure({ status: 500, retryAfter: 0, forSeconds: 60 });
      const server = await caught({}, {}, 'po');
      assertClean(server.msg, /HTTP 500/);
    });
  });
});
