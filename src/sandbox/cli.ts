#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Framework360Sandbox } from './framework360-sandbox';
import { TotalGestSandbox } from './totalgest-sandbox';

/** `npx totalgest-sandbox`: both sandboxes on loopback until Ctrl-C. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'tg-port': { type: 'string', default: process.env.TG_SANDBOX_PORT ?? '8450' },
      'fw-port': { type: 'string', default: process.env.FW360_SANDBOX_PORT ?? '8451' },
      articles: { type: 'string', default: process.env.TG_SANDBOX_ARTICLES ?? '500' },
      'token-lifetime': { type: 'string', default: process.env.TG_SANDBOX_TOKEN_LIFETIME_MS ?? String(30 * 60_000) },
      'webhook-url': { type: 'string', default: process.env.FW360_WEBHOOK_URL },
      'status-url': { type: 'string', default: process.env.FW360_STATUS_URL },
      'no-demo-articles': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`totalgest-sandbox [--tg-port 8450] [--fw-port 8451] [--articles 500] [--token-lifetime ms] [--webhook-url URL] [--status-url URL] [--no-demo-articles]
Env: TG_SANDBOX_PORT, FW360_SANDBOX_PORT, TG_SANDBOX_ARTICLES, TG_SANDBOX_TOKEN_LIFETIME_MS, FW360_WEBHOOK_URL, FW360_STATUS_URL`);
    return;
  }
  const tg = new TotalGestSandbox({
    articles: Number(values.articles),
    tokenLifetimeMs: Number(values['token-lifetime']),
    demoArticles: !values['no-demo-articles'],
  });
  const fw = new Framework360Sandbox({ webhookUrl: values['webhook-url'], statusUrl: values['status-url'] });
  const tgUrl = await tg.start(Number(values['tg-port']));
  const fwUrl = await fw.start(Number(values['fw-port']));
  console.log(
    `TotalGest sandbox     ${tgUrl}  (API ${tgUrl}/api/v1, ${tg.articles.size} articles; user demo / demo-password, shop demo-shop, owner demo-owner)`,
  );
  console.log(`Framework360 sandbox  ${fwUrl}  (API ${fwUrl}/m/api, key demo-key, webhook secret demo-webhook-secret)`);
  const stop = (): void => {
    void Promise.all([tg.stop(), fw.stop()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
