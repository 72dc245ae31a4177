import type { NodeAPI, NodeDef } from 'node-red';
import { classifyCheckFailure, type CheckResult } from '../engine/connection-check';
import { Framework360Client } from '../framework360/client';
import { toFramework360Settings, type Framework360Settings } from '../framework360/settings';
import { ConfigError } from '../engine/errors';
import { DEFAULT_REF_PREFIX, refPrefixProblem } from '../core/order-mapping';
import { UNCHANGED_PASSWORD, errorMessage, jsonBody, resolveSecret, sendJson } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';

interface Credentials {
  apiKey?: string;
  webhookSecret?: string;
}

interface Def extends NodeDef {
  siteUrl: string;
  timeout: string;
  concurrency: string;
  allowInsecureHttp: boolean;
  /** Absent in flows saved before the option existed: the default then. */
  refPrefix?: string;
}

async function checkConnection(input: Record<string, unknown>): Promise<CheckResult> {
  let client: Framework360Client | undefined;
  try {
    client = new Framework360Client(toFramework360Settings(input).client);
    const data = await client.checkConnection();
    return { ok: true, name: data.name ?? data.site ?? 'Framework360', details: data.site ? { site: data.site } : {} };
  } catch (err) {
    return classifyCheckFailure(err);
  } finally {
    client?.close();
  }
}

const sameSite = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.trim().replace(/\/+$/, '') === b.trim().replace(/\/+$/, '');

export = function register(RED: NodeAPI): void {
  /** The site URL each deployed connection was started with: the only one its stored API key may go to. */
  /** What each deployed node connects to: a stored secret goes there only, and only as securely as deployed. */
  const deployedSites = new Map<string, { url: string; allowInsecureHttp: boolean }>();

  function Framework360Config(this: Framework360ConfigNode, def: Def): void {
    RED.nodes.createNode(this, def);
    deployedSites.set(this.id, { url: def.siteUrl ?? '', allowInsecureHttp: def.allowInsecureHttp === true });
    const creds = this.credentials ?? {};
    let settings: Framework360Settings | undefined;
    let client: Framework360Client | undefined;
    try {
      settings = toFramework360Settings({ ...def, apiKey: creds.apiKey, webhookSecret: creds.webhookSecret });
      this.configError = undefined;
    } catch (err) {
      this.configError = errorMessage(err);
      this.warn(`Framework360 connection "${def.name || this.id}" is not usable: ${this.configError}`);
    }
    this.client = () => {
      if (!settings) throw new ConfigError(this.configError ?? 'not configured', 'config');
      client ??= new Framework360Client(settings.client);
      return client;
    };
    // Straight from the credentials: a wrong site URL or API key must not turn signature checks off.
    this.webhookSecret = () => (typeof creds.webhookSecret === 'string' ? creds.webhookSecret : '');
    // An invalid externalRef prefix is refused (configError, refPrefix() throws), never replaced by
    // the default: a wrong prefix would mix two shops' orders in one TotalGest shop.
    const refPrefix = def.refPrefix || DEFAULT_REF_PREFIX;
    const prefixProblem = refPrefixProblem(refPrefix);
    if (prefixProblem) {
      this.configError ??= `externalRef prefix ${prefixProblem}`;
      this.warn(`Framework360 connection "${def.name || this.id}" is not usable: externalRef prefix ${prefixProblem}`);
    }
    this.refPrefix = () => {
      if (prefixProblem) throw new ConfigError(`externalRef prefix ${prefixProblem}`, 'refPrefix');
      return refPrefix;
    };
    this.on('close', (_removed: boolean, done: () => void) => {
      deployedSites.delete(this.id);
      client?.close();
      client = undefined;
      done();
    });
  }

  RED.nodes.registerType<Framework360ConfigNode, Def, unknown, Credentials>('framework360-config', Framework360Config, {
    credentials: { apiKey: { type: 'password' }, webhookSecret: { type: 'password' } },
  });

  RED.httpAdmin.post(
    '/totalgest/framework360/test',
    RED.auth.needsPermission('framework360-config.write'),
    (req, res) => {
      const body = jsonBody(req);
      const typed = typeof body.apiKey === 'string' && body.apiKey !== '' && body.apiKey !== UNCHANGED_PASSWORD;
      // As for TotalGest: the stored API key goes only to the deployed site.
      if (!typed && typeof body.id === 'string' && resolveSecret(RED, body.id, 'apiKey', undefined) !== undefined) {
        const deployed = deployedSites.get(body.id);
        if (deployed === undefined || !sameSite(deployed.url, body.siteUrl)) {
          sendJson(res, 200, {
            ok: false,
            cause: 'invalid_config',
            field: 'apiKey',
            message: `the site URL differs from the deployed one (${deployed?.url ?? 'none'}): type the API key again to test another site — the stored key is only sent to the deployed site`,
          });
          return;
        }
      }
      const input: Record<string, unknown> = { ...body, apiKey: resolveSecret(RED, body.id, 'apiKey', body.apiKey) };
      // As for TotalGest: a stored key never travels less securely than the deployed node allows.
      if (!typed && typeof body.id === 'string')
        input.allowInsecureHttp = deployedSites.get(body.id)?.allowInsecureHttp === true;
      checkConnection(input).then(
        (result) => sendJson(res, 200, result),
        (err: unknown) => sendJson(res, 500, { ok: false, cause: 'error', message: errorMessage(err) }),
      );
    },
  );
};
