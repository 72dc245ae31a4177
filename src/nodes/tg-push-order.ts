import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { DEFAULT_REF_PREFIX, type EligibilityRule } from '../core/order-mapping';
import type { IntakeRules } from '../engine/order-prepare';
import type { OrderExporter, SubmitResult } from '../engine/order-exporter';
import { OrderExportCommands, type ExportResult } from '../engine/order-export';
import { CommandError } from '../engine/errors';
import { reportItem } from '../engine/export-report';
import { httpStatusFor, readWebhook, type Headers, type WebhookAuth } from '../engine/webhook';
import type { ReconcileSummary } from '../engine/reconciler';
import { errorMessage, nodeSetup } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';
import { handleInput, type Send } from './node-io';
import { NodeStatus, tone, type Status } from './node-status';
import { parseSettings, pushOrderSettings, settingsProblemText } from './node-settings';
import { commonTexts, englishTexts, nodeTexts, type TextParams } from './i18n';
import { lastSendText, localisedReport } from './report-text';
import { reportBackgroundFailures } from './background-failures';

interface Def extends NodeDef {
  connection: string;
  framework360: string;
}

type Msg = NodeMessageInFlow & {
  req?: { headers?: Headers };
  statusCode?: number;
  dryRun?: unknown;
  force?: unknown;
  orderIds?: unknown;
};

/** Settings only the reconcile sweep reads. */
const SWEEP_SETTINGS = new Set(['reconcileDays', 'reconcileStatuses']);

export = function register(RED: NodeAPI): void {
  const t = nodeTexts(RED, 'tg-push-order');
  const common = commonTexts(RED);
  // What a caller is answered (msg.payload.error, a webhook's HTTP body) stays English, as the API words it.
  const en = englishTexts('tg-push-order');
  const commonEn = englishTexts('totalgest-config');
  const englishOf = new WeakMap<Error, string>();
  const failure = (message: string, english: string, statusCode: number): CommandError => {
    const e = new CommandError(message, statusCode);
    englishOf.set(e, english);
    return e;
  };
  const refuse = (key: string, statusCode: number, params?: TextParams): CommandError =>
    failure(t(key, params), en(key, params), statusCode);

  function TgPushOrder(this: Node, def: Def): void {
    RED.nodes.createNode(this, def);
    const fwConfig = def.framework360 ? (RED.nodes.getNode(def.framework360) as Framework360ConfigNode | null) : null;
    const parsedAll = parseSettings(pushOrderSettings, def);
    // A refused setting of the sweep alone refuses the sweep, not the orders: webhooks are still stored.
    const sweepProblem = !parsedAll.ok && SWEEP_SETTINGS.has(parsedAll.problem.setting) ? parsedAll.problem : undefined;
    const parsed = sweepProblem
      ? parseSettings(pushOrderSettings, {
          ...def,
          ...Object.fromEntries([...SWEEP_SETTINGS].map((k) => [k, undefined])),
        })
      : parsedAll;
    const sweepRefusal = sweepProblem && {
      text: settingsProblemText(sweepProblem, common),
      english: settingsProblemText(sweepProblem, commonEn),
    };
    // Any other refused setting: every input is refused with it (after a webhook's signature check), never a default.
    const settings = parsed.ok ? parsed.settings : pushOrderSettings.parse({});
    const rule: EligibilityRule = {
      cancelledStatuses: settings.cancelledStatuses,
      cashOnDelivery: settings.cashOnDelivery,
    };
    const waitMs = settings.waitTimeout * 1000;
    const setup = nodeSetup(RED, this, def.connection, parsed.ok ? settings.override : undefined);
    const { connection, override } = setup;
    const setupError = parsed.ok ? setup.error : settingsProblemText(parsed.problem, common);
    const setupErrorEn = parsed.ok ? setup.english : settingsProblemText(parsed.problem, commonEn);
    const acceptUnsigned = settings.acceptUnsigned;
    if (acceptUnsigned) this.warn(t('acceptUnsignedWarning'));
    // Read per request: the secret comes from the Framework360 connection's credentials.
    const webhookAuth = (): WebhookAuth => {
      if (fwConfig)
        return {
          secret: fwConfig.webhookSecret(),
          acceptUnsigned,
          problem: t('webhook.noSecret', { name: fwConfig.name || fwConfig.id }),
        };
      const problem = def.framework360
        ? t('webhook.missingConnection', { id: def.framework360 })
        : t('webhook.noConnection');
      return { secret: '', acceptUnsigned, problem };
    };

    let exporter: OrderExporter | undefined;
    const getExporter = (): OrderExporter => {
      if (!connection || !parsed.ok)
        throw failure(setupError ?? common('notConfigured'), setupErrorEn ?? commonEn('notConfigured'), 500);
      try {
        exporter ??= connection.exporter;
      } catch (err) {
        throw refuse('databaseUnavailable', 503, { error: errorMessage(err) });
      }
      return exporter;
    };

    let lastReconcile: ReconcileSummary | undefined;
    const render = (): Status => {
      const ex = getExporter();
      const c = ex.store.counts();
      const queued = c.pending + c.sending;
      const last = ex.lastResult;
      // Dead and changed-after-export orders stay red until a person acts: they need one.
      const failed = c.failed + c.invalid;
      const alarms = [
        failed ? t('status.failed', { n: failed }) : '',
        c.dead ? t('status.dead', { n: c.dead }) : '',
        c.needs_review ? t('status.toReview', { n: c.needs_review }) : '',
        sweepRefusal?.text ?? '',
      ].filter(Boolean);
      // The last send: references and numbers, or the API's own error; the rest in the runtime's language.
      const lastSend = last && lastSendText(common, last.externalRef, last.result);
      const tail = lastSend
        ? `${lastSend.ok ? '✓' : '✗'} ${lastSend.text}`
        : lastReconcile
          ? t('status.reconciled', {
              n: lastReconcile.enqueued,
              time: new Date(lastReconcile.finishedAt).toTimeString().slice(0, 5),
            })
          : '';
      const text = [acceptUnsigned ? t('status.unsigned') : '', t('status.queued', { n: queued }), ...alarms, tail]
        .filter(Boolean)
        .join(' · ');
      if (alarms.length || (lastSend !== undefined && !lastSend.ok)) return tone.red(text);
      return acceptUnsigned ? tone.yellow(text) : queued ? tone.blue(text) : tone.green(text);
    };
    // Refreshed on change, at most four times a second.
    const status = new NodeStatus(this, render, connection, 250);
    if (setupError) status.problem(setupError);

    // Background failures reach Catch nodes once per transition (from one node per connection);
    // orders a message is waiting for are reported by that message's report instead.
    const stopReporting = reportBackgroundFailures(this, connection, common, {
      rank: 'push',
      isAwaited: (orderId) => commands.isAwaited(orderId),
      onWorkerError: (err) => status.fail(new Error(t('databaseError', { error: errorMessage(err) }))),
    });
    status.show();

    // The prefix is read per order: an invalid one is a configuration error on every input, never a silent default.
    const rulesOf = (ex: OrderExporter): IntakeRules => {
      try {
        return { rule, refPrefix: fwConfig ? fwConfig.refPrefix() : DEFAULT_REF_PREFIX, currency: ex.shopCurrency };
      } catch (err) {
        throw refuse('framework360Problem', 500, { error: errorMessage(err) });
      }
    };
    const commands = new OrderExportCommands({
      exporter: getExporter,
      rules: rulesOf,
      override,
      fetchOrder: fwConfig ? (id) => fwConfig.client().getOrder(id) : undefined,
    });
    const intake = (
      raw: unknown,
      ctx: { dryRun: boolean; deliveryId?: string; sentAt?: number; fetchedAt?: number },
    ): Promise<SubmitResult> => commands.intake(raw, ctx);
    // The status API's export action runs this node's intake (the first push node of the connection that can fetch
    // orders from Framework360 wins: one without a usable Framework360 connection never blocks one that has it).
    if (fwConfig && !fwConfig.configError && parsed.ok)
      connection?.setOrderExport(this, (inputs, opts) => commands.exportOrders(inputs, opts));

    async function handle(msg: Msg, send: Send): Promise<Error | undefined> {
      const payload = msg.payload as unknown;
      const dryRun = settings.dryRun || msg.dryRun === true;
      // A webhook request (anything from `http in`, whatever its body): the signature first, before
      // any configuration is looked at, so an unsigned caller learns nothing and changes nothing.
      if (msg.req && typeof msg.req === 'object') {
        const auth = webhookAuth();
        const hook = readWebhook(payload, msg.req.headers ?? {}, auth);
        if (!hook.ok) {
          msg.statusCode = hook.status;
          // The cause of a 500 names our configuration: for Catch nodes and the log, not for the caller.
          msg.payload = {
            error:
              hook.status === 500
                ? 'webhook refused: the signature cannot be checked (see the node in Node-RED)'
                : hook.message,
          };
          send(msg);
          // The caller's answer stays as the API words it; the cause of a 500 is ours, in the runtime's language.
          const cause =
            hook.status === 500 && auth.problem ? t('webhook.cannotCheck', { problem: auth.problem }) : undefined;
          return new CommandError(cause ?? hook.message, hook.status);
        }
        const result = await intake(hook.order, { dryRun, deliveryId: hook.deliveryId, sentAt: hook.sentAt });
        return answerOne(msg, result, send, getExporter());
      }
      const ex = getExporter();
      if (msg.topic === 'reconcile') {
        if (sweepRefusal) throw failure(sweepRefusal.text, sweepRefusal.english, 500);
        const result = await connection!.reconcile(commands, {
          fw: fwConfig ? () => fwConfig.client() : undefined,
          options: { statuses: settings.reconcileStatuses, lookbackDays: settings.reconcileDays },
          intake,
          since: (payload as { since?: unknown } | undefined)?.since,
          dryRun,
        });
        if (result.kind === 'refused') {
          const since = String((payload as { since?: unknown }).since).slice(0, 40);
          throw refuse(`input.${result.problem}`, result.statusCode, { since });
        }
        const summary = result.summary;
        lastReconcile = summary;
        msg.payload = summary;
        send(msg);
        return summary.failed
          ? new CommandError(
              t('reconcileFailed', {
                n: summary.failed,
                id: summary.failures[0]?.orderId,
                reason: summary.failures[0]?.reason,
              }),
              422,
            )
          : undefined;
      }
      if (msg.topic === 'retry' || msg.topic === 'acknowledge') {
        const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
        if (ids !== undefined && !Array.isArray(ids)) throw refuse('input.orderIds', 400);
        if (msg.topic === 'acknowledge') {
          if (!ids) throw refuse('input.acknowledgeIds', 400);
          const acknowledged = ex.acknowledge(ids.map(String));
          msg.payload = {
            acknowledged,
            summary: t(acknowledged.length === 1 ? 'reviewed.one' : 'reviewed.other', { n: acknowledged.length }),
          };
        } else {
          const retried = ex.retry(ids ? ids.map(String) : 'all', dryRun);
          const key = `${dryRun ? 'retryDryRun' : 'retried'}.${retried.length === 1 ? 'one' : 'other'}`;
          const summary = t(key, { n: retried.length });
          msg.payload = dryRun ? { retried, dryRun: true, summary } : { retried, summary };
        }
        send(msg);
        return undefined;
      }

      const waitMsNow = settings.mode === 'wait' ? waitMs : 0;
      const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
      let result: ExportResult;
      // The node runs every order through intake (force), as it always did; the status API's action need not.
      const opts = { waitMs: waitMsNow, dryRun, force: msg.force !== false };
      // Worded here (the engine's refusal is English): the same refusal as reconcile's without Framework360.
      if (Array.isArray(ids) && !fwConfig) throw refuse('input.orderIdsNeedFramework360', 400);
      if (Array.isArray(ids)) result = await commands.exportOrders({ ids }, opts);
      else if (Array.isArray(payload)) result = await commands.exportOrders({ orders: payload }, opts);
      else if (typeof payload === 'object' && payload !== null) {
        const single = await intake(payload, { dryRun });
        if (settings.mode !== 'wait') return answerOne(msg, single, send, ex);
        result = await commands.report(ex, [single], opts);
      } else throw refuse('input.payload', 400);
      return finishReport(msg, result, send, dryRun);
    }

    function answerOne(msg: Msg, result: SubmitResult, send: Send, ex: OrderExporter): Error | undefined {
      msg.statusCode = httpStatusFor(result);
      const row = result.orderId ? ex.store.get(result.orderId) : undefined;
      msg.payload = {
        ...reportItem(result, row),
        outcome: result.outcome,
        ...(result.message && result.outcome !== 'queued' ? { message: result.message } : {}),
        ...(result.problems ? { problems: result.problems } : {}),
        ...(result.computed ? { computed: result.computed, given: result.given } : {}),
        ...(result.document ? { document: result.document } : {}),
      };
      send(msg);
      return msg.statusCode >= 400 ? new CommandError(result.message ?? result.outcome, msg.statusCode) : undefined;
    }

    function finishReport(msg: Msg, result: ExportResult, send: Send, dryRun: boolean): Error | undefined {
      if (result.kind === 'refused') throw new CommandError(result.message, result.statusCode);
      const { documents } = result;
      const report = localisedReport(common, result.report);
      msg.payload = dryRun ? { ...report, documents } : report;
      send(msg);
      return report.failed ? new CommandError(report.summary, 422) : undefined;
    }

    handleInput<Msg>(this, handle, {
      status,
      onError: (e, msg, send) => {
        // Nothing was stored: answer so Framework360 redelivers (a copy: Catch nodes get the message as it came,
        // with the order that failed; the copy keeps req/res for the http response). The payload is left out of
        // the copy: it is replaced, and a large order would be deep-copied only to be thrown away. Left out of the
        // message itself for the copy, as cloneMessage does with req/res: a shallow spread would deep-copy the
        // original (payload, req, res) wherever the message refers to itself.
        const payload = Object.getOwnPropertyDescriptor(msg, 'payload');
        if (payload?.configurable) delete (msg as Partial<Msg>).payload;
        let out: Msg;
        try {
          out = RED.util.cloneMessage(msg);
        } finally {
          if (payload?.configurable) Object.defineProperty(msg, 'payload', payload);
        }
        out.statusCode = e instanceof CommandError ? e.statusCode : 503;
        out.payload = { error: englishOf.get(e) ?? e.message };
        send(out);
      },
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      stopReporting();
      connection?.removeOrderExport(this);
      // A sweep this node started ends with it (a redeployed node sweeps with its new settings).
      connection?.endReconciles(commands);
      done();
    });
  }

  RED.nodes.registerType('tg-push-order', TgPushOrder);
};
