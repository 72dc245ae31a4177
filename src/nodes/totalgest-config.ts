import path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import { classifyCheckFailure, type CheckResult } from '../engine/connection-check';
import { TotalGestConnection } from '../engine/connection';
import { ConfigError } from '../engine/errors';
import { TotalGestClient } from '../totalgest/client';
import { toClientOptions, toOutboxOptions } from '../totalgest/settings';
import { UNCHANGED_PASSWORD, errorMessage, jsonBody, resolveSecret, sendJson } from './red-helpers';
import type { TotalGestConfigNode } from './config-types';

interface Credentials {
  username?: string;
  password?: string;
}

interface Def extends NodeDef {
  endpoint: string;
  shopId: string;
  ownerId: string;
  timeout: string;
  concurrency: string;
  rateLimit: string;
  allowInsecureHttp: boolean;
  maxAgeHours: string;
  deliveryDays: string;
}

function stateDbFile(userDir: string, nodeId: string): string {
  return path.join(userDir, 'totalgest', `state-${nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}.sqlite`);
}

async function checkConnection(input: Record<string, unknown>): Promise<CheckResult> {
  let client: TotalGestClient | undefined;
  try {
    client = new TotalGestClient(toClientOptions(input));
    const shop = await client.checkConnection();
    return { ok: true, name: shop.name, details: { shopId: shop.id, currency: shop.currency } };
  } catch (err) {
    return classifyCheckFailure(err);
  } finally {
    client?.close();
  }
}

/** Endpoints compared as the editor may type them: surrounding blanks and trailing slashes do not count. */
const sameEndpoint = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.trim().replace(/\/+$/, '') === b.trim().replace(/\/+$/, '');

export = function register(RED: NodeAPI): void {
  const userDir = String(RED.settings.userDir ?? process.cwd());
  /** The endpoint each deployed connection was started with: the only one its stored password may go to. */
  /** What each deployed node connects to: a stored secret goes there only, and only as securely as deployed. */
  const deployedEndpoints = new Map<string, { url: string; allowInsecureHttp: boolean }>();

  function TotalGestConfig(this: TotalGestConfigNode, def: Def): void {
    RED.nodes.createNode(this, def);
    deployedEndpoints.set(this.id, { url: def.endpoint ?? '', allowInsecureHttp: def.allowInsecureHttp === true });
    const creds = this.credentials ?? {};
    let connection: TotalGestConnection | undefined;
    try {
      const options = toClientOptions({ ...def, username: creds.username, password: creds.password });
      connection = new TotalGestConnection(options, stateDbFile(userDir, this.id), toOutboxOptions({ ...def }));
      this.configError = undefined;
    } catch (err) {
      this.configError = errorMessage(err);
      this.warn(`TotalGest connection "${def.name || this.id}" is not usable: ${this.configError}`);
    }
    // The outbox worker runs while the connection is deployed, whichever nodes use it.
    let startProblem = '';
    connection?.on('start_error', (err: unknown) => {
      // Tried again every half minute: said once per cause, not on every try.
      if (errorMessage(err) === startProblem) return;
      startProblem = errorMessage(err);
      this.warn(`TotalGest connection "${def.name || this.id}": state database unavailable: ${startProblem}`);
    });
    connection?.start();
    this.connection = () => {
      if (!connection) throw new ConfigError(this.configError ?? 'not configured', 'config');
      return connection;
    };
    this.on('close', (_removed: boolean, done: () => void) => {
      deployedEndpoints.delete(this.id);
      if (!connection) return done();
      connection.stop().then(done, (err: unknown) => {
        this.error(`closing the TotalGest connection: ${errorMessage(err)}`);
        done();
      });
    });
  }

  RED.nodes.registerType<TotalGestConfigNode, Def, unknown, Credentials>('totalgest-config', TotalGestConfig, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });

  // Test connection from the editor: works with typed-in values and with stored ones.
  RED.httpAdmin.post('/totalgest/connection/test', RED.auth.needsPermission('totalgest-config.write'), (req, res) => {
    const body = jsonBody(req);
    const typed = typeof body.password === 'string' && body.password !== '' && body.password !== UNCHANGED_PASSWORD;
    // The stored password goes only to the deployed endpoint: an editor user must not be able to
    // send it to a host of their choice by typing another endpoint into the dialog.
    if (!typed && typeof body.id === 'string' && resolveSecret(RED, body.id, 'password', undefined) !== undefined) {
      const deployed = deployedEndpoints.get(body.id);
      if (deployed === undefined || !sameEndpoint(deployed.url, body.endpoint)) {
        sendJson(res, 200, {
          ok: false,
          cause: 'invalid_config',
          field: 'password',
          message: `the endpoint differs from the deployed one (${deployed?.url ?? 'none'}): type the password again to test another endpoint — the stored password is only sent to the deployed endpoint`,
        });
        return;
      }
    }
    const input: Record<string, unknown> = {
      ...body,
      password: resolveSecret(RED, body.id, 'password', body.password),
    };
    // A stored password travels only as securely as the deployed node lets it (never plain http because the dialog says so).
    if (!typed && typeof body.id === 'string')
      input.allowInsecureHttp = deployedEndpoints.get(body.id)?.allowInsecureHttp === true;
    if (!input.username && typeof body.id === 'string') {
      const stored = RED.nodes.getCredentials(body.id) as Credentials | undefined;
      input.username = stored?.username;
    }
    checkConnection(input).then(
      (result) => sendJson(res, 200, result),
      (err: unknown) => sendJson(res, 500, { ok: false, cause: 'error', message: errorMessage(err) }),
    );
  });
};
