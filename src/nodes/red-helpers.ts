import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { TotalGestConnection } from '../engine/connection';
import type { TotalGestConfigNode } from './config-types';
import type { Request, Response } from 'express';
import { ApiError, causeText } from '../engine/errors';
import { commonTexts, englishTexts, type NodeTexts } from './i18n';

/** Small pieces of Node-RED glue shared by the node files. */

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

/** Where a deployed config node connects: a stored secret goes there only, and only as securely as deployed. */
export interface DeployedTarget {
  url: string;
  allowInsecureHttp: boolean;
}

/** The words of a Test-connection refusal: "the endpoint differs … type the password again …". */
export interface SecretGuardWords {
  /** The URL field as the dialog names it ("endpoint", "site URL"). */
  urlName: string;
  /** What is typed again ("the password", "the API key"). */
  secretName: string;
  /** How the stored one is called ("password", "key"). */
  storedName: string;
  /** What another URL would test ("endpoint", "site"). */
  target: string;
}

/**
 * Test connection from the editor, for both config nodes: an admin route that answers JSON. Typed-in
 * values are tested as typed; with the stored secret (blank or `__PWRD__` in the dialog) only against
 * the deployed URL and only as securely as the deployed node allows — an editor user must not send a
 * stored secret to a host of their choice by typing another URL.
 */
export function registerTestConnection(
  RED: NodeAPI,
  route: { path: string; permission: string },
  guard: {
    fields: { url: string; secret: string };
    deployed: ReadonlyMap<string, DeployedTarget>;
    words: SecretGuardWords;
  },
  check: (input: Record<string, unknown>, body: Record<string, unknown>) => Promise<unknown>,
): void {
  RED.httpAdmin.post(route.path, RED.auth.needsPermission(route.permission), (req, res) => {
    const body = jsonBody(req);
    const checked = testConnectionInput(RED, body, guard.fields, guard.deployed, guard.words);
    if ('refusal' in checked) return sendJson(res, 200, checked.refusal);
    check(checked.input, body).then(
      (result) => sendJson(res, 200, result),
      (err: unknown) => sendJson(res, 500, { ok: false, cause: 'error', message: errorMessage(err) }),
    );
  });
}

/** The check's input, or the refusal to answer with (registerTestConnection). */
function testConnectionInput(
  RED: NodeAPI,
  body: Record<string, unknown>,
  fields: { url: string; secret: string },
  deployed: ReadonlyMap<string, DeployedTarget>,
  words: SecretGuardWords,
): { input: Record<string, unknown> } | { refusal: Record<string, unknown> } {
  const typedSecret = body[fields.secret];
  const typed = typeof typedSecret === 'string' && typedSecret !== '' && typedSecret !== UNCHANGED_PASSWORD;
  const id = typeof body.id === 'string' ? body.id : undefined;
  if (!typed && id !== undefined && resolveSecret(RED, id, fields.secret, undefined) !== undefined) {
    const target = deployed.get(id);
    if (target === undefined || !sameUrl(target.url, body[fields.url]))
      return {
        refusal: {
          ok: false,
          cause: 'invalid_config',
          field: fields.secret,
          message: `the ${words.urlName} differs from the deployed one (${target?.url ?? 'none'}): type ${words.secretName} again to test another ${words.target} — the stored ${words.storedName} is only sent to the deployed ${words.target}`,
        },
      };
  }
  const input: Record<string, unknown> = {
    ...body,
    [fields.secret]: resolveSecret(RED, body.id, fields.secret, typedSecret),
  };
  if (!typed && id !== undefined) input.allowInsecureHttp = deployed.get(id)?.allowInsecureHttp === true;
  return { input };
}

/** URLs compared as the editor may type them: surrounding blanks and trailing slashes do not count. */
function sameUrl(a: unknown, b: unknown): boolean {
  return (
    typeof a === 'string' && typeof b === 'string' && a.trim().replace(/\/+$/, '') === b.trim().replace(/\/+$/, '')
  );
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
  /** `error` in English: what an HTTP caller is answered. */
  english: string | undefined;
}

/** What every TotalGest node needs at start: its connection and its optional JSONata override. */
export function nodeSetup(
  RED: NodeAPI,
  node: Node,
  connectionId: string,
  overrideText: string | undefined,
  t: NodeTexts = commonTexts(RED),
): NodeSetup {
  const en = englishTexts('totalgest-config');
  const failed = (local: string, english: string): NodeSetup => ({
    connection: undefined,
    override: undefined,
    error: t('config', { error: local }),
    english: en('config', { error: english }),
  });
  try {
    const config = RED.nodes.getNode(connectionId) as TotalGestConfigNode | null;
    if (!config) return failed(t('noConnection'), en('noConnection'));
    const connection = config.connection();
    if (!overrideText?.trim()) return { connection, override: undefined, error: undefined, english: undefined };
    const expr = RED.util.prepareJSONataExpression(overrideText, node);
    const override = (input: unknown) =>
      new Promise<unknown>((resolve, reject) =>
        RED.util.evaluateJSONataExpression(expr, input as NodeMessage, (err, value: unknown) =>
          err ? reject(new Error(t('override', { error: err.message }))) : resolve(value),
        ),
      );
    return { connection, override, error: undefined, english: undefined };
  } catch (err) {
    return failed(errorMessage(err), errorMessage(err));
  }
}
