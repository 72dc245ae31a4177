import path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import { classifyCheckFailure, type CheckResult } from '../engine/connection-check';
import { TotalGestConnection } from '../engine/connection';
import { ConfigError } from '../engine/errors';
import { TotalGestClient } from '../totalgest/client';
import { toClientOptions, toOutboxOptions } from '../totalgest/settings';
import { errorMessage, registerTestConnection, type DeployedTarget } from './red-helpers';
import type { TotalGestConfigNode } from './config-types';
import { nodeTexts } from './i18n';

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

export = function register(RED: NodeAPI): void {
  const userDir = String(RED.settings.userDir ?? process.cwd());
  const t = nodeTexts(RED, 'totalgest-config');
  /** What each deployed connection was started with: the only endpoint its stored password may go to. */
  const deployedEndpoints = new Map<string, DeployedTarget>();

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
      this.warn(t('notUsable', { name: def.name || this.id, error: this.configError }));
    }
    // The outbox worker runs while the connection is deployed, whichever nodes use it.
    let startProblem = '';
    connection?.on('start_error', (err: unknown) => {
      // Tried again every half minute: said once per cause, not on every try.
      if (errorMessage(err) === startProblem) return;
      startProblem = errorMessage(err);
      this.warn(t('startError', { name: def.name || this.id, error: startProblem }));
    });
    connection?.start();
    this.connection = () => {
      if (!connection) throw new ConfigError(this.configError ?? t('notConfigured'), 'config');
      return connection;
    };
    this.on('close', (_removed: boolean, done: () => void) => {
      deployedEndpoints.delete(this.id);
      if (!connection) return done();
      connection.stop().then(done, (err: unknown) => {
        this.error(t('closing', { error: errorMessage(err) }));
        done();
      });
    });
  }

  RED.nodes.registerType<TotalGestConfigNode, Def, unknown, Credentials>('totalgest-config', TotalGestConfig, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });

  // Test connection from the editor: works with typed-in values and with stored ones.
  registerTestConnection(
    RED,
    { path: '/totalgest/connection/test', permission: 'totalgest-config.write' },
    {
      fields: { url: 'endpoint', secret: 'password' },
      deployed: deployedEndpoints,
      words: { urlName: 'endpoint', secretName: 'the password', storedName: 'password', target: 'endpoint' },
    },
    (input, body) => {
      if (!input.username && typeof body.id === 'string') {
        const stored = RED.nodes.getCredentials(body.id) as Credentials | undefined;
        input.username = stored?.username;
      }
      return checkConnection(input);
    },
  );
};
