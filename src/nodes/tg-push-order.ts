import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DEFAULT_REF_PREFIX, type EligibilityRule } from '../core/order-mapping';
import type { IntakeRules } from '../engine/order-prepare';
import { ALERT_STATES, type OrderExporter, type OrderRow, type SubmitResult, type Transition } from '../engine/order-exporter';
import { buildReport, httpStatusFor, readWebhook, reportItem, type Headers, type WebhookAuth } from '../engine/order-intake';
import { Reconciler, type ReconcileSummary } from '../engine/reconciler';
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

type Msg = NodeMessageInFlow & { req?: { headers?: Headers }; statusCode?: number; dryRun?: unknown; orderIds?: unknown };

/** An error for Catch nodes that also carries the HTTP status the flow answers with. */
class InputError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

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
    if (acceptUnsigned) this.warn('accepting unsigned webhooks (testing only): anyone who can reach the webhook URL can queue orders');
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
      if (!connection) throw new InputError(setupError ?? 'not configured', 500);
      try {
        exporter ??= connection.exporter;
      } catch (err) {
        throw new InputError(`state database unavailable: ${errorMessage(err)}`, 503);
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
        const alarms = [failed ? `${failed} failed` : '', c.dead ? `${c.dead} dead` : '', c.needs_review ? `${c.needs_review} to review` : '']
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
          text: shortText(`${acceptUnsigned ? 'unsigned webhooks accepted · ' : ''}${queued} queued${alarms ? ` · ${alarms}` : ''}${tail}`),
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
    const awaited = new Map<string, number>();
    const onTransition = (t: Transition): void => {
      if (!connection?.isReporter(this) || !ALERT_STATES.has(t.to) || awaited.has(t.orderId)) return;
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
        throw new InputError(`Framework360 connection: ${errorMessage(err)}`, 500);
      }
    };
    const reshape = async (order: unknown): Promise<unknown> => {
      if (!override) return order;
      try {
        return await override(order);
      } catch (err) {
        throw new InputError(`input ${errorMessage(err)}`, 422);
      }
    };
    /** The one intake of every path: override, rules and dry run, then the lifecycle. */
    const intake = async (
      raw: unknown,
      ex: OrderExporter,
      ctx: { dryRun: boolean; deliveryId?: string; sentAt?: number; fetchedAt?: number },
    ): Promise<SubmitResult> => ex.submit(await reshape(raw), { rules: rulesOf(ex), ...ctx });

    const fetchOrders = async (ids: unknown[]): Promise<Array<{ order?: unknown; id: string; error?: string; fetchedAt?: number }>> => {
      if (!fwConfig) throw new InputError('orderIds need a Framework360 connection: select one in the node', 400);
      const client = fwConfig.client();
      return Promise.all(
        ids.map(async (id) => {
          const text = String(id);
          if (!/^\d{1,15}$/.test(text)) return { id: text, error: `orderIds: "${text}" is not an order id` };
          const fetchedAt = Date.now();
          try {
            return { id: text, order: await client.getOrder(text), fetchedAt };
          } catch (err) {
            return { id: text, error: `orders/get: ${errorMessage(err)}` };
          }
        }),
      );
    };

    // One sweep of a kind at a time; a trigger during a sweep of the same kind (dry run or not, same since) gets its result.
    const sweeps = new Map<string, Promise<ReconcileSummary>>();
    const reconcile = (ex: OrderExporter, since: string | undefined, dryRun: boolean): Promise<ReconcileSummary> => {
      if (!fwConfig) throw new InputError('reconcile needs a Framework360 connection: select one in the node', 400);
      const kind = `${dryRun}|${since ?? ''}`;
      let sweeping = sweeps.get(kind);
      if (!sweeping) {
        const reconciler = new Reconciler(fwConfig.client(), ex.store, connection!.db, {
          statuses: (def.reconcileStatuses ?? '3')
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
          lookbackDays: Math.max(1, Number(def.reconcileDays ?? 7) || 7),
        });
        const sweepIntake = async (raw: unknown, fetchedAt: number): Promise<SubmitResult> => {
          try {
            return await intake(raw, ex, { dryRun, fetchedAt });
          } catch (err) {
            if (!(err instanceof InputError)) throw err;
            // An override that fails on one order fails that order, not the sweep.
            const id = (raw as { id?: unknown } | null)?.id;
            return { orderId: id === undefined ? undefined : String(id), externalRef: undefined, outcome: 'invalid', message: err.message };
          }
        };
        sweeping = connection!.track(reconciler.sweep({ since, intake: sweepIntake, dryRun, signal: connection!.closingSignal })).finally(() => {
          sweeps.delete(kind);
        });
        sweeps.set(kind, sweeping);
        connection!.notifyChanged('reconcile');
      }
      return sweeping;
    };

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
          msg.payload = { error: hook.status === 500 ? 'webhook refused: the signature cannot be checked (see the node in Node-RED)' : hook.message };
          send(msg);
          return new InputError(hook.message, hook.status);
        }
        const result = await intake(hook.order, getExporter(), { dryRun, deliveryId: hook.deliveryId, sentAt: hook.sentAt });
        return answerOne(msg, result, send, getExporter());
      }
      const ex = getExporter();
      if (msg.topic === 'reconcile') {
        const since = (payload as { since?: unknown } | undefined)?.since;
        if (since !== undefined && typeof since !== 'string') throw new InputError('msg.payload.since must be an ISO date/time string', 400);
        const summary = await reconcile(ex, since, dryRun);
        lastReconcile = summary;
        connection!.notifyChanged('reconcile');
        msg.payload = summary;
        send(msg);
        return summary.failed
          ? new InputError(`reconciliation: ${summary.failed} failed, e.g. ${summary.failures[0]?.orderId}: ${summary.failures[0]?.reason}`, 422)
          : undefined;
      }
      if (msg.topic === 'retry' || msg.topic === 'acknowledge') {
        const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
        if (ids !== undefined && !Array.isArray(ids)) throw new InputError('msg.payload.orderIds must be an array of order ids', 400);
        if (msg.topic === 'acknowledge') {
          if (!ids) throw new InputError('acknowledge needs msg.payload.orderIds: the orders a person has reviewed', 400);
          const acknowledged = ex.acknowledge(ids.map(String));
          msg.payload = { acknowledged, summary: `${acknowledged.length} order${acknowledged.length === 1 ? '' : 's'} reviewed` };
        } else {
          const retried = ex.retry(ids ? ids.map(String) : 'all', dryRun);
          const n = `${retried.length} order${retried.length === 1 ? '' : 's'}`;
          msg.payload = dryRun ? { retried, dryRun: true, summary: `${n} would be queued again (dry run)` } : { retried, summary: `${n} queued again` };
        }
        send(msg);
        return undefined;
      }

      let inputs: Array<{ order?: unknown; id?: string; error?: string; fetchedAt?: number }>;
      const ids = (payload as { orderIds?: unknown } | undefined)?.orderIds;
      if (Array.isArray(ids)) inputs = await fetchOrders(ids);
      else if (Array.isArray(payload)) inputs = payload.map((order) => ({ order }));
      else if (typeof payload === 'object' && payload !== null) {
        const single = await intake(payload, ex, { dryRun });
        if (def.mode !== 'wait') return answerOne(msg, single, send, ex);
        return finishReport(msg, [single], send, ex, dryRun);
      } else throw new InputError('msg.payload must be a Framework360 order, an array of orders, {"orderIds": [...]} or a webhook request', 400);

      const results: SubmitResult[] = [];
      for (const input of inputs) {
        if (input.error !== undefined)
          results.push({ orderId: input.id, externalRef: undefined, outcome: 'invalid', reason: 'fetch_failed', message: input.error });
        else results.push(await intake(input.order, ex, { dryRun, fetchedAt: input.fetchedAt }));
      }
      return finishReport(msg, results, send, ex, dryRun);
    }

    function answerOne(msg: Msg, result: SubmitResult, send: (m: NodeMessage) => void, ex: OrderExporter): Error | undefined {
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
      return msg.statusCode >= 400 ? new InputError(result.message ?? result.outcome, msg.statusCode) : undefined;
    }

    async function finishReport(
      msg: Msg,
      results: SubmitResult[],
      send: (m: NodeMessage) => void,
      ex: OrderExporter,
      dryRun: boolean,
    ): Promise<Error | undefined> {
      const waitIds =
        def.mode === 'wait' && !dryRun
          ? results.filter((r) => ['queued', 'already_queued', 'deferred', 'withdrawn'].includes(r.outcome)).map((r) => r.orderId!)
          : [];
      for (const id of waitIds) awaited.set(id, (awaited.get(id) ?? 0) + 1);
      let rows: Map<string, OrderRow | undefined>;
      try {
        rows = waitIds.length ? await ex.waitFor(waitIds, waitMs) : new Map();
      } finally {
        for (const id of waitIds) {
          const n = (awaited.get(id) ?? 1) - 1;
          if (n > 0) awaited.set(id, n);
          else awaited.delete(id);
        }
      }
      const items = results.map((r) => reportItem(r, rows.get(r.orderId ?? '') ?? (r.orderId ? ex.store.get(r.orderId) : undefined), def.mode === 'wait'));
      const report = buildReport(items);
      msg.payload = dryRun ? { ...report, documents: results.filter((r) => r.document).map((r) => r.document) } : report;
      send(msg);
      return report.failed ? new InputError(report.summary, 422) : undefined;
    }

    this.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      handle(msg as Msg, send).then(
        (err) => (err ? done(forCatch(err)) : done()),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          const statusCode = e instanceof InputError ? e.statusCode : 503;
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
      clearTimeout(statusTimer);
      done();
    });
  }

  RED.nodes.registerType('tg-push-order', TgPushOrder);
};
