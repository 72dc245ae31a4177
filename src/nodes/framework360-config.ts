import type { NodeAPI, NodeDef } from 'node-red';
import { classifyCheckFailure, type CheckResult } from '../engine/connection-check';
import { Framework360Client } from '../framework360/client';
import { toFramework360Settings, type Framework360Settings } from '../framework360/settings';
import { ConfigError } from '../engine/errors';
import { DEFAULT_REF_PREFIX, refPrefixProblem } from '../core/order-mapping';
import { errorMessage, registerTestConnection, type DeployedTarget } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';
import { commonTexts, nodeTexts } from './i18n';

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

export = function register(RED: NodeAPI): void {
  /** What each deployed connection was started with: the only site its stored API key may go to. */
  const deployedSites = new Map<string, DeployedTarget>();
  const t = nodeTexts(RED, 'framework360-config');
  const common = commonTexts(RED);

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
      this.warn(t('notUsable', { name: def.name || this.id, error: this.configError }));
    }
    this.client = () => {
      if (!settings) throw new ConfigError(this.configError ?? common('notConfigured'), 'config');
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
      this.warn(t('notUsable', { name: def.name || this.id, error: `externalRef prefix ${prefixProblem}` }));
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

  // As for TotalGest: the stored API key goes only to the deployed site, never less securely.
  registerTestConnection(
    RED,
    { path: '/totalgest/framework360/test', permission: 'framework360-config.write' },
    {
      fields: { url: 'siteUrl', secret: 'apiKey' },
      deployed: deployedSites,
      words: { urlName: 'site URL', secretName: 'the API key', storedName: 'key', target: 'site' },
    },
    (input) => checkConnection(input),
  );
};
