import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DEFAULT_REF_PREFIX, type EligibilityRule } from '../core/order-mapping';
import type { IntakeRules } from '../engine/order-prepare';
import { ALERT_STATES, type OrderExporter, type SubmitResult, type Transition } from '../engine/order-exporter';
import { OrderExportCommands, type ExportResult } from '../engine/order-export';
import { CommandError } from '../engine/errors';
import { reportItem } from '../engine/export-report';
import { httpStatusFor, readWebhook, type Headers, type WebhookAuth } from '../engine/webhook';
import type { ReconcileSummary } from '../engine/reconciler';
import { errorMessage, errorStatus, forCatch, nodeSetup, shortText } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';

interface Def extends NodeDef {
  connection: string;
  framework360: string;
  mode: 'queue' | 'wait';
  waitTimeout: string;
  dryRun: boolean;
  override: string;
  cancelledStatuses: string;
  cashOnDelivery: boolean;
  reconcileStatuses: string;
  reconcileDays: string;
  acceptUnsigned: boolean;
}

type Msg = NodeMessageInFlow & {
  req?: { headers?: Headers };
  statusCode?: number;
  dryRun?: unknown;
  force?: unknown;
  orderIds?: unknown;
};

export = function register(RED: NodeAPI): void {
  function TgPushOrder(this: Node, def: Def): void {
    RED.nodes.createNode(this, def);
    const fwConfig = def.framework360 ? (RED.nodes.getNode(def.framework360) as Framework360ConfigNode | null) : null;
    const rule: EligibilityRule = {
      cancelledStatuses: (def.cancelledStatuses ?? '5,Annullato')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      cashOnDelivery: def.cashOnDelivery !== false,
    };
    const waitMs = Math.max(1, Number(def.waitTimeout) || 60) * 1000;
    const { connection, override, error: setupError } = nodeSetup(RED, this, def.connection, def.override);
    const acceptUnsigned = def.acceptUnsigned === true;
    if (acceptUnsigned)
      this.warn('accepting unsigned webhooks (testing only): anyone who can reach the webhook URL can queue orders');
    // Read per request: the secret comes from the Framework360 connection's credentials.
    const webhookAuth = (): WebhookAuth => {
      if (fwConfig)
        return {
          secret: fwConfig.webhookSecret(),
          acceptUnsigned,
          problem: `the Framework360 connection "${fwConfig.name || fwConfig.id}" has no webhook secret (not set, or its credentials could not be read)`,
        };
      const problem = def.framework360
        ? `the selected Framework360 connection (${def.framework360}) does not exist`
        : 'no Framework360 connection selected on the node';
      return { secret: '', acceptUnsigned, problem };
    };

    let exporter: OrderExporter | undefined;
    const getExporter = (): OrderExporter => {
      if (!connection) throw new CommandError(setupError ?? 'not configured', 500);
      try {
        exporter ??= connection.exporter;
      } catch (err) {
        throw new CommandError(`state database unavailable: ${errorMessage(err)}`, 503);
      }
      return exporter;
    };

    let statusTimer: NodeJS.Timeout | undefined;
    let lastReconcile: ReconcileSummary | undefined;
    const showStatus = (): void => {
      statusTimer = undefined;
      if (setupError) return this.status({ fill: 'red', shape: 'ring', text: shortText(setupError) });
      try {
        const ex = getExporter();
        const c = ex.store.counts();
        const queued = c.pending + c.sending;
        const last = ex.lastResult;
        // Dead and changed-after-export orders stay red until a person acts: they need one.
        const failed = c.failed + c.invalid;
        const alarms = [
          failed ? `${failed} failed` : '',
          c.dead ? `${c.dead} dead` : '',
          c.needs_review ? `${c.needs_review} to review` : '',
        ]
          .filter(Boolean)
          .join(' · ');
        const tail = last
          ? ` · ${last.ok ? '✓' : '✗'} ${last.text}`
          : lastReconcile
            ? ` · reconciled ${lastReconcile.enqueued} new · ${lastReconcile.finishedAt.slice(11, 16)}`
            : '';
        const red = alarms !== '' || (last !== undefined && !last.ok);
        this.status({
          fill: red ? 'red' : acceptUnsigned ? 'yellow' : queued ? 'blue' : 'green',
          shape: red ? 'ring' : 'dot',
          text: shortText(
            `${acceptUnsigned ? 'unsigned webhooks accepted · ' : ''}${queued} queued${alarms ? ` · ${alarms}` : ''}${tail}`,
          ),
        });
      } catch (err) {
        this.status(errorStatus(err));
      }
    };
    // Refresh on change, at most four times a second.
    const onChanged = (): void => {
      statusTimer ??= setTimeout(showStatus, 250);
    };
    connection?.on('changed', onChanged);

    // Background failures reach Catch nodes once per transition (from one node per connection);
    // orders a message is waiting for are reported by that message's report instead.
    const onTransition = (t: Transition): void => {
      if (!connection?.isReporter(this) || !ALERT_STATES.has(t.to) || commands.isAwaited(t.orderId)) return;
      const { orderId, to: state, row } = t;
      const reason = row.reason ?? state;
      const text = `order ${orderId} ${state === 'needs_review' ? 'needs review' : state}: ${row.error ?? reason}`;
      this.error(new Error(text), {
        topic: `order-${state}`,
        payload: { orderId, state, reason, error: row.error, number: row.number },
        orderId,
        state,
        reason,
      } as NodeMessage);
    };
    const onWorkerError = (err: unknown): void => {
      if (!connection?.isReporter(this)) return;
      const reason = `state database: ${errorMessage(err)}`;
      this.error(new Error(`order export stalled: ${reason}`), {
        topic: 'worker-error',
        payload: { state: 'worker_error', reason },
        state: 'worker_error',
        reason,
      } as NodeMessage);
      this.status(errorStatus(new Error(reason)));
    };
    connection?.addReporter(this);
    connection?.on('order_transition', onTransition);
    connection?.on('worker_error', onWorkerError);
    showStatus();

    // The prefix is read per order: an invalid one is a configuration error on every input, never a silent default.
    const rulesOf = (ex: OrderExporter): IntakeRules => {
      try {
        return { rule, refPrefix: fwConfig ? fwConfig.refPrefix() : DEFAULT_REF_PREFIX, currency: ex.shopCurrency };
      } catch (err) {
        throw new CommandError(`Framework360 connection: ${errorMessage(err)}`, 500);
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
    if (fwConfig && !fwConfig.configError)
      connection?.setOrderExport(this, (inputs, opts) => commands.exportOrders(inputs, opts));

    async function handle(msg: Msg, send: (m: NodeMessage) => void): Promise<Error | undefined> {
      const payload = msg.payload as unknown;
      const dryRun = def.dryRun || msg.dryRun === true;
      // A webhook request (anything from `http in`, whatever its body): the signature first, before
      // any configuration is looked at, so an unsigned caller learns nothing and changes nothing.
      if (msg.req && typeof msg.req === 'object') {
        const hook = readWebhook(payload, msg.req.headers ?? {}, webhookAuth());
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
          return new CommandError(hook.message, hook.status);
        }
        const result = await intake(hook.order, { dryRun, deliveryId: hook.deliveryId, sentAt: hook.sentAt });
        return answerOne(msg, result, send, getExporter());
      }
      const ex = getExporter();
      if (msg.topic === 'reconcile') {
        const result = await connection!.reconcile(commands, {
          fw: fwConfig ? () => fwConfig.client() : undefined,
          options: {
            statuses: (def.reconcileStatuses ?? '3')
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
            lookbackDays: Math.max(1, Number(def.reconcileDays ?? 7) || 7),
          },
          intake,
          since: (payload as { since?: unknown } | undefined)?.since,
          dryRun,
        });
        if (result.kind === 'refused') throw new CommandError(result.message, result.statusCode);
        const summary = result.summary;
        lastReconcile = summary;
        msg.payload = summary;
        send(msg);
        return summary.failed
          ? new CommandError(
              `reconciliation: ${summary.failed} failed, e.g. ${summary.failures[0]?.orderId}: ${summary.failures[0]?.reason}`,
              422,
            )
          : undefined;
      }
      if (msg.topic === 'retry' || msg.topic === 'acknowledge') {
        const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
        if (ids !== undefined && !Array.isArray(ids))
          throw new CommandError('msg.payload.orderIds must be an array of order ids', 400);
        if (msg.topic === 'acknowledge') {
          if (!ids)
            throw new CommandError('acknowledge needs msg.payload.orderIds: the orders a person has reviewed', 400);
          const acknowledged = ex.acknowledge(ids.map(String));
          msg.payload = {
            acknowledged,
            summary: `${acknowledged.length} order${acknowledged.length === 1 ? '' : 's'} reviewed`,
          };
        } else {
          const retried = ex.retry(ids ? ids.map(String) : 'all', dryRun);
          const n = `${retried.length} order${retried.length === 1 ? '' : 's'}`;
          msg.payload = dryRun
            ? { retried, dryRun: true, summary: `${n} would be queued again (dry run)` }
            : { retried, summary: `${n} queued again` };
        }
        send(msg);
        return undefined;
      }

      const waitMsNow = def.mode === 'wait' ? waitMs : 0;
      const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
      let result: ExportResult;
      // The node runs every order through intake (force), as it always did; the status API's action need not.
      const opts = { waitMs: waitMsNow, dryRun, force: msg.force !== false };
      if (Array.isArray(ids)) result = await commands.exportOrders({ ids }, opts);
      else if (Array.isArray(payload)) result = await commands.exportOrders({ orders: payload }, opts);
      else if (typeof payload === 'object' && payload !== null) {
        const single = await intake(payload, { dryRun });
        if (def.mode !== 'wait') return answerOne(msg, single, send, ex);
        result = await commands.report(ex, [single], opts);
      } else
        throw new CommandError(
          'msg.payload must be a Framework360 order, an array of orders, {"orderIds": [...]} or a webhook request',
          400,
        );
      return finishReport(msg, result, send, dryRun);
    }

    function answerOne(
      msg: Msg,
      result: SubmitResult,
      send: (m: NodeMessage) => void,
      ex: OrderExporter,
    ): Error | undefined {
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

    function finishReport(
      msg: Msg,
      result: ExportResult,
      send: (m: NodeMessage) => void,
      dryRun: boolean,
    ): Error | undefined {
      if (result.kind === 'refused') throw new CommandError(result.message, result.statusCode);
      const { report, documents } = result;
      msg.payload = dryRun ? { ...report, documents } : report;
      send(msg);
      return report.failed ? new CommandError(report.summary, 422) : undefined;
    }

    this.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      handle(msg as Msg, send).then(
        (err) => (err ? done(forCatch(err)) : done()),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          const statusCode = e instanceof CommandError ? e.statusCode : 503;
          // Nothing was stored: answer so Framework360 redelivers, and tell Catch nodes.
          const out = msg as Msg;
          out.statusCode = statusCode;
          out.payload = { error: e.message };
          send(out);
          this.status(errorStatus(e));
          done(forCatch(e));
        },
      );
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      connection?.off('changed', onChanged);
      connection?.off('order_transition', onTransition);
      connection?.off('worker_error', onWorkerError);
      connection?.removeReporter(this);
      connection?.removeOrderExport(this);
      clearTimeout(statusTimer);
      done();
    });
  }

  RED.nodes.registerType('tg-push-order', TgPushOrder);
};
