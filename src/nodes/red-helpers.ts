import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { TotalGestConnection } from '../engine/connection';
import type { TotalGestConfigNode } from './config-types';
import type { Request, Response } from 'express';
import { ApiError, causeText } from '../engine/errors';

/** Small pieces of Node-RED glue shared by the node files. */

/** Node-RED status texts are cut in the editor; keep them readable. */
export function shortText(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A red ring with the cause alone (the call and the details go to Catch nodes). */
export function errorStatus(err: unknown): { fill: 'red'; shape: 'ring'; text: string } {
  return { fill: 'red', shape: 'ring', text: shortText(causeText(err)) };
}

/**
 * The error handed to done(): Node-RED shows it as "Name: message" in the debug sidebar and
 * cuts long strings, so the cause comes first and the call after it; the original is `cause`.
 */
export function forCatch(err: unknown): Error {
  const where = err instanceof ApiError ? ` (${err.call})` : '';
  const e = new Error(`${causeText(err)}${where}`, { cause: err });
  return e;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The editor sends this for a password it did not change. */
export const UNCHANGED_PASSWORD = '__PWRD__';

/** Typed-in secret, or the stored one when the field still holds the placeholder. */
export function resolveSecret(RED: NodeAPI, nodeId: unknown, field: string, typed: unknown): string | undefined {
  if (typeof typed === 'string' && typed !== '' && typed !== UNCHANGED_PASSWORD) return typed;
  if (typeof nodeId !== 'string' || !nodeId) return undefined;
  const stored = RED.nodes.getCredentials(nodeId) as Record<string, unknown> | undefined;
  const value = stored?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

export interface NodeSetup {
  connection: TotalGestConnection | undefined;
  /** The node's JSONata override, compiled; undefined when none is set. */
  override: ((input: unknown) => Promise<unknown>) | undefined;
  /** Why the node cannot work, for its status and for each input. */
  error: string | undefined;
}

/** What every TotalGest node needs at start: its connection and its optional JSONata override. */
export function nodeSetup(RED: NodeAPI, node: Node, connectionId: string, overrideText: string | undefined): NodeSetup {
  try {
    const config = RED.nodes.getNode(connectionId) as TotalGestConfigNode | null;
    if (!config) throw new Error('no TotalGest connection selected');
    const connection = config.connection();
    if (!overrideText?.trim()) return { connection, override: undefined, error: undefined };
    const expr = RED.util.prepareJSONataExpression(overrideText, node);
    const override = (input: unknown) =>
      new Promise<unknown>((resolve, reject) =>
        RED.util.evaluateJSONataExpression(expr, input as NodeMessage, (err, value: unknown) =>
          err ? reject(new Error(`override: ${err.message}`)) : resolve(value),
        ),
      );
    return { connection, override, error: undefined };
  } catch (err) {
    return { connection: undefined, override: undefined, error: `config: ${errorMessage(err)}` };
  }
}
