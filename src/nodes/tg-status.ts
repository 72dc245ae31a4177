import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { pickLang } from '../core/status-labels';
import { MAX_IDS, statusApiHandler } from '../web/status-api';
import { errorStatus, forCatch, nodeSetup, shortText } from './red-helpers';

interface Def extends NodeDef {
  connection: string;
  path: string;
  lang: string;
  corsOrigin: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
interface ExpressLike {
  use(path: string, handler: Handler): void;
  _router?: { stack: Array<{ handle: unknown }> };
}

/** Paths served by tg-status nodes in this runtime: one node per path. */
const mounted = new Set<string>();

export = function register(RED: NodeAPI): void {
  function TgStatus(this: Node<{ token?: string }>, def: Def): void {
    RED.nodes.createNode(this, def);
    const lang = pickLang(def.lang, String((RED.settings as unknown as { lang?: string }).lang ?? ''));
    const setup = nodeSetup(RED, this, def.connection, undefined);
    const connection = setup.connection;
    let setupError = setup.error;

    const showStatus = (): void => {
      statusTimer = undefined;
      if (setupError) return this.status({ fill: 'red', shape: 'ring', text: shortText(setupError) });
      try {
        const s = connection!.status.summary();
        const failed = s.orders.failed + s.products.failed;
        this.status({
          fill: failed ? 'red' : s.queueDepth ? 'blue' : 'green',
          shape: 'dot',
          text: `${failed ? '⚠' : '✓'} ${(s.orders.linked + s.products.linked).toLocaleString('en-US')} linked · ${failed} failed · ${s.queueDepth} queued`,
        });
      } catch (err) {
        this.status(errorStatus(err));
      }
    };
    // Refreshed when recorded state changes (at most twice a second), not by a polling timer.
    let statusTimer: NodeJS.Timeout | undefined;
    const onChanged = (): void => {
      statusTimer ??= setTimeout(showStatus, 500);
    };
    connection?.on('changed', onChanged);
    showStatus();

    // The HTTP API and page, on Node-RED's HTTP server.
    const path = (def.path || '/totalgest/status').replace(/\/+$/, '');
    let handler: Handler | undefined;
    if (connection && !/^\/[A-Za-z0-9/_-]*$/.test(path)) {
      setupError = `path "${path}" must start with / and hold only letters, digits, / _ -`;
      showStatus();
    } else if (connection && mounted.has(path)) {
      setupError = `path ${path} is already served by another tg-status node`;
      showStatus();
    } else if (connection) {
      const conn = connection;
      const api = statusApiHandler({
        token: this.credentials?.token ?? '',
        defaultLang: lang,
        corsOrigin: def.corsOrigin ?? '',
        status: () => conn.status,
        retryOrders: (ids) => conn.exporter.retry(ids),
      });
      const prefix = RED.settings.httpNodeRoot && RED.settings.httpNodeRoot !== '/' ? String(RED.settings.httpNodeRoot).replace(/\/+$/, '') : '';
      handler = (req, res) => api(req, res, `${prefix}${path}`);
      (RED.httpNode as unknown as ExpressLike).use(path, handler);
      mounted.add(path);
    }

    this.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      try {
        if (!connection) throw new Error(setupError ?? 'not configured');
        const q = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : msg) as { type?: unknown; ids?: unknown };
        if (q.type === 'summary') {
          msg.payload = connection.status.summary();
        } else if (q.type === 'order' || q.type === 'product') {
          if (!Array.isArray(q.ids) || q.ids.length === 0) throw new Error('ids: give a non-empty array of order ids or SKUs');
          if (q.ids.length > MAX_IDS) throw new Error(`ids: at most ${MAX_IDS} per message, got ${q.ids.length}`);
          const ids = q.ids.map((id) => String(id).trim());
          const bad = ids.find((id) => id === '' || id.length > 64);
          if (bad !== undefined) throw new Error(`ids: ${JSON.stringify(bad)} is not an order id or SKU`);
          msg.payload = q.type === 'order' ? connection.status.orderStatuses(ids, lang) : connection.status.productStatuses(ids, lang);
        } else {
          throw new Error('msg.payload.type must be "order", "product" or "summary"');
        }
        send(msg);
        done();
      } catch (err) {
        done(forCatch(err));
      }
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      connection?.off('changed', onChanged);
      clearTimeout(statusTimer);
      if (handler) {
        const stack = (RED.httpNode as unknown as ExpressLike)._router?.stack;
        if (stack) {
          const i = stack.findIndex((layer) => layer.handle === handler);
          if (i >= 0) stack.splice(i, 1);
        }
        mounted.delete(path);
      }
      done();
    });
  }

  RED.nodes.registerType<Node<{ token?: string }>, Def, unknown, { token?: string }>('tg-status', TgStatus, { credentials: { token: { type: 'password' } } });
};
