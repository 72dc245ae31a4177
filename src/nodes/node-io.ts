import type { Node, NodeMessage, NodeMessageInFlow } from 'node-red';
import { forCatch } from './red-helpers';
import type { NodeStatus } from './node-status';

export type Send = (m: NodeMessage | Array<NodeMessage | null>) => void;

/**
 * A node's input handler: sends what it answers, and resolves with the error Catch nodes should
 * hear about although the message was answered (a failed order in a report), if any.
 */
export type InputHandler<M extends NodeMessageInFlow> = (msg: M, send: Send) => Promise<Error | undefined | void>;

export interface InputOptions<M extends NodeMessageInFlow> {
  /** Why the node refuses every input now (a refused setting, no connection): checked per message. */
  refusal?: () => Error | undefined;
  /** Shows a failure (a rejected handler) in red; left out where bad input is no node failure. */
  status?: NodeStatus;
  /** Whether a failure is the node's (shown in `status`); default: every failure. */
  failsNode?: (err: Error, msg: M) => boolean;
  /** Answers the message of a failed handler (e.g. the HTTP status a webhook caller gets). */
  onError?: (err: Error, msg: M, send: Send) => void;
}

/**
 * The one input pipeline of the package's nodes. Node-RED only catches synchronous throws: every
 * outcome of an async handler goes to `done` here, errors as `forCatch(err)` so Catch nodes see them.
 */
export function handleInput<M extends NodeMessageInFlow = NodeMessageInFlow>(
  node: Node,
  handler: InputHandler<M>,
  opts: InputOptions<M> = {},
): void {
  node.on('input', (msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
    const run = async (): Promise<Error | undefined | void> => {
      const refused = opts.refusal?.();
      if (refused) throw refused;
      return handler(msg as M, send);
    };
    run().then(
      (err) => (err ? done(forCatch(err)) : done()),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        opts.onError?.(e, msg as M, send);
        if (opts.failsNode?.(e, msg as M) !== false) opts.status?.fail(e);
        done(forCatch(e));
      },
    );
  });
}
