import type { Node, NodeMessage } from 'node-red';
import type { TotalGestConnection } from '../engine/connection';
import { ALERT_STATES, type Transition } from '../engine/order-exporter';
import type { NodeTexts } from './i18n';
import { errorMessage } from './red-helpers';

/**
 * Background order failures (failed, dead, needs review, a stalled worker) raised to Catch nodes,
 * once per transition, from one node per connection: a push node when there is one, else a
 * tg-status node — the worker runs from deploy on, so a flow without push nodes still hears of them.
 * Returns what the node calls on close.
 */
export function reportBackgroundFailures(
  node: Node,
  connection: TotalGestConnection | undefined,
  common: NodeTexts,
  opts: {
    rank: 'push' | 'status';
    /** Orders a message is waiting for: its report tells of them instead. */
    isAwaited?: (orderId: string) => boolean;
    /** Also called on a worker error (the push node shows it in its status). */
    onWorkerError?: (err: unknown) => void;
  },
): () => void {
  if (!connection) return () => undefined;
  const onTransition = (tr: Transition): void => {
    // Every node's awaited orders count, not only the reporter's: another push node's message (or the status
    // API's export action through it) reports them itself.
    if (!connection.isReporter(node) || !ALERT_STATES.has(tr.to) || connection.isAwaited(tr.orderId)) return;
    const { orderId, to: state, row } = tr;
    const reason = row.reason ?? state;
    const text = common(`background.${state}`, { id: orderId, error: row.error ?? reason });
    node.error(new Error(text), {
      topic: `order-${state}`,
      payload: { orderId, state, reason, error: row.error, number: row.number },
      orderId,
      state,
      reason,
    } as NodeMessage);
  };
  const onWorkerError = (err: unknown): void => {
    opts.onWorkerError?.(err);
    if (!connection.isReporter(node)) return;
    // `reason` is data for the flow (as the transitions' reason): it stays as it is.
    const reason = `state database: ${errorMessage(err)}`;
    node.error(new Error(common('background.workerStalled', { error: errorMessage(err) })), {
      topic: 'worker-error',
      payload: { state: 'worker_error', reason },
      state: 'worker_error',
      reason,
    } as NodeMessage);
  };
  connection.addReporter(node, opts.rank === 'push' ? 0 : 1, opts.isAwaited);
  connection.on('order_transition', onTransition);
  connection.on('worker_error', onWorkerError);
  return () => {
    connection.off('order_transition', onTransition);
    connection.off('worker_error', onWorkerError);
    connection.removeReporter(node);
  };
}
