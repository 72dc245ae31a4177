import type { ServerResponse } from 'node:http';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { pickLang } from '../core/status-labels';
import {
  isStatusRoute,
  MAX_IDS,
  statusApiHandler,
  type CorsSetting,
  type ExportAnswer,
  type StatusRequest,
} from '../web/status-api';
import { nodeSetup } from './red-helpers';
import { handleInput } from './node-io';
import { NodeStatus, tone, type Status } from './node-status';
import { parseSettings, settingsProblemText, statusSettings } from './node-settings';
import { commonTexts, nodeTexts } from './i18n';
import { reportBackgroundFailures } from './background-failures';
import { localisedReport } from './report-text';

interface Def extends NodeDef {
  connection: string;
}

type ExpressRequest = StatusRequest & { path: string };
type Handler = (req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void) => void;
interface HttpNodeApp {
  get(path: string[], ...handlers: Handler[]): void;
  post(path: string[], ...handlers: Handler[]): void;
  options(path: string[], ...handlers: Handler[]): void;
}

/**
 * What each path serves in this runtime: one node per path. Express cannot remove a route
 * without reaching into its private router, so a path's routes are registered once (per
 * HTTP node app) and dispatch to whichever node serves the path now; none = 404.
 */
const served = new WeakMap<object, Map<string, Handler | undefined>>();
/** Nodes refused a path because another served it: the first takes the path over when it is freed. */
const waiting = new WeakMap<object, Map<string, Array<() => void>>>();

/** httpNodeMiddleware as the core http in node applies it: one function or an array. */
function nodeMiddleware(setting: unknown): Handler[] {
  if (typeof setting === 'function') return [setting as Handler];
  if (Array.isArray(setting)) return setting.filter((f): f is Handler => typeof f === 'function');
  return [];
}

export = function register(RED: NodeAPI): void {
  const t = nodeTexts(RED, 'tg-status');
  const common = commonTexts(RED);

  function TgStatus(this: Node<{ token?: string }>, def: Def): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- serve() also runs later, when a freed path is taken over
    const node = this;
    const parsed = parseSettings(statusSettings, def);
    const settings = parsed.ok ? parsed.settings : statusSettings.parse({});
    const lang = pickLang(settings.lang, String((RED.settings as unknown as { lang?: string }).lang ?? ''));
    const setup = nodeSetup(RED, this, def.connection, undefined);
    const connection = setup.connection;
    // A refused setting: no API, every input refused (never a clamped wait the user did not type).
    const baseProblem = parsed.ok ? setup.error : settingsProblemText(parsed.problem, common);
    const token = this.credentials?.token ?? '';
    const exportWaitMs = Math.round(settings.exportWait * 1000);
    const apiNote =
      !token && !settings.publicRead ? t('status.noToken') : settings.publicRead ? t('status.publicRead') : undefined;

    const render = (): Status => {
      const s = connection!.status.summary();
      const failed = s.orders.failed + s.products.failed;
      const text = `${failed ? '⚠' : '✓'} ${t('status.counts', { linked: s.orders.linked + s.products.linked, failed, queued: s.queueDepth })}`;
      // The HTTP API's own state matters more than the counts: say when it is closed or open to all.
      if (apiNote) return tone.yellow(`${apiNote} · ${text}`, 'ring');
      return failed ? tone.red(text, 'dot') : s.queueDepth ? tone.blue(text) : tone.green(text);
    };
    // Refreshed when recorded state changes (at most twice a second), not by a polling timer.
    const status = new NodeStatus(this, render, connection, 500);
    if (baseProblem) status.problem(baseProblem);
    else status.show();
    // With no push node on the connection, this node tells Catch nodes of background order failures.
    const stopReporting = reportBackgroundFailures(this, connection, common, { rank: 'status' });

    // The HTTP API and page, on Node-RED's HTTP node server (its middleware, auth and CORS apply).
    const httpSettings = RED.settings as unknown as {
      httpNodeRoot?: string | false;
      httpNodeMiddleware?: unknown;
      httpNodeCors?: CorsSetting;
    };
    const path = settings.path;
    const app = RED.httpNode as unknown as HttpNodeApp;
    let routes: Map<string, Handler | undefined> | undefined;
    let mine: Handler | undefined;
    let takeOver: (() => void) | undefined;
    if (!parsed.ok) {
      // Refused setting: shown in red above; nothing is served.
    } else if (connection && httpSettings.httpNodeRoot === false) {
      this.warn(t('warn.httpNodeRootOff'));
    } else if (connection && !/^\/[A-Za-z0-9/_-]*$/.test(path)) {
      status.problem(t('pathInvalid', { path }));
    } else if (connection && served.get(app)?.get(path)) {
      status.problem(t('pathTaken', { path }));
      // Queued for the path: when the node serving it goes (moved, deleted), this one serves it.
      let byPath = waiting.get(app);
      if (!byPath) waiting.set(app, (byPath = new Map()));
      const queue = byPath.get(path) ?? [];
      byPath.set(path, queue);
      takeOver = () => {
        serve();
        status.problem(baseProblem);
      };
      queue.push(takeOver);
    } else if (connection) {
      serve();
    }

    function serve(): void {
      if (!connection) return;
      const conn = connection;
      if (!token) {
        node.warn(t('warn.noToken'));
      }
      if (settings.publicRead) node.warn(t('warn.publicRead'));
      const api = statusApiHandler({
        token,
        publicRead: settings.publicRead,
        defaultLang: lang,
        corsOrigin: settings.corsOrigin,
        httpNodeCors: httpSettings.httpNodeCors,
        status: () => conn.status,
        retryOrders: (ids) => conn.exporter.retry(ids),
        exportOrders: async (ids, opts): Promise<ExportAnswer> => {
          const run = conn.orderExport;
          if (!run)
            return {
              kind: 'unavailable',
              statusCode: 503,
              message:
                'no tg-push-order node with a usable Framework360 connection uses this TotalGest connection: add or fix one (it runs the export with its rules) and deploy',
            };
          const result = await run({ ids }, { ...opts, waitMs: exportWaitMs });
          // The request was valid: what stops the push node (its Framework360 connection, its override) is a setup problem.
          if (result.kind === 'refused')
            return {
              kind: 'refused',
              statusCode: result.statusCode === 422 ? 422 : 503,
              message: `tg-push-order: ${result.message}`,
            };
          // The same report on the output, so a flow can mail it (no documents: they hold addresses);
          // failures also reach Catch nodes (the push node leaves orders a command waits for to it).
          const report = localisedReport(common, result.report);
          const msg = {
            topic: 'export-report',
            payload: report,
            dryRun: opts.dryRun,
            force: opts.force,
          } as NodeMessage;
          node.send(msg);
          if (report.failed) node.error(new Error(t('exportFailed', { summary: report.summary })), msg);
          return { kind: 'report', report: result.report };
        },
      });
      routes = served.get(app);
      if (!routes) served.set(app, (routes = new Map()));
      if (!routes.has(path)) {
        const known = routes;
        const dispatch: Handler = (req, res, next) => {
          const current = known.get(path);
          if (!current) return next();
          current(req, res, next);
        };
        const paths = [path, `${path}/*`];
        const mw = nodeMiddleware(httpSettings.httpNodeMiddleware);
        app.get(paths, ...mw, dispatch);
        app.post(paths, ...mw, dispatch);
        app.options(paths, ...mw, dispatch);
      }
      mine = (req, res, next) => {
        // req.path is below Node-RED's httpNodeRoot; baseUrl is that root. A sub-path that is not
        // ours belongs to whatever else is routed there (an http in node below this path).
        const sub = req.path.slice(path.length);
        if (!isStatusRoute(sub)) return next();
        api(req, res, { mount: `${req.baseUrl ?? ''}${path}`, sub });
      };
      routes.set(path, mine);
    }

    // Bad input is the flow's mistake: it goes to Catch nodes, the node's status stays.
    handleInput(
      this,
      async (msg: NodeMessageInFlow, send) => {
        if (!connection) throw new Error(baseProblem ?? common('notConfigured'));
        const q = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : msg) as {
          type?: unknown;
          ids?: unknown;
        };
        if (q.type === 'summary') {
          msg.payload = connection.status.summary();
        } else if (q.type === 'order' || q.type === 'product') {
          if (!Array.isArray(q.ids) || q.ids.length === 0) throw new Error(t('input.idsMissing'));
          if (q.ids.length > MAX_IDS) throw new Error(t('input.idsTooMany', { max: MAX_IDS, n: q.ids.length }));
          const ids = q.ids.map((id) => String(id).trim());
          const bad = ids.find((id) => id === '' || id.length > 64);
          if (bad !== undefined) throw new Error(t('input.idInvalid', { id: JSON.stringify(bad) }));
          msg.payload =
            q.type === 'order'
              ? connection.status.orderStatuses(ids, lang)
              : connection.status.productStatuses(ids, lang);
        } else {
          throw new Error(t('input.type'));
        }
        send(msg);
      },
      { refusal: () => (parsed.ok ? undefined : new Error(baseProblem)) },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      stopReporting();
      const queue = waiting.get(app)?.get(path);
      const at = takeOver && queue ? queue.indexOf(takeOver) : -1;
      if (at >= 0) queue!.splice(at, 1);
      if (mine && routes?.get(path) === mine) {
        routes.set(path, undefined);
        queue?.shift()?.();
      }
      done();
    });
  }

  // A text credential: stored with the credentials (encrypted), and shown in the editor so it can be copied.
  RED.nodes.registerType<Node<{ token?: string }>, Def, unknown, { token?: string }>('tg-status', TgStatus, {
    credentials: { token: { type: 'text' } },
  });
};
