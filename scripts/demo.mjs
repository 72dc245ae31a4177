// `npm start`: both sandboxes and a Node-RED runtime with this package and the example
// flows, wired to the sandboxes. Editor at http://127.0.0.1:1880. Ctrl-C stops all of it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { TotalGestSandbox } = require(join(root, 'dist/sandbox/totalgest-sandbox.js'));
const { Framework360Sandbox } = require(join(root, 'dist/sandbox/framework360-sandbox.js'));
const { DEMO_SECRETS, prepareUserDir, startNodeRed } = require('./demo-lib.cjs');
export { prepareUserDir, startNodeRed };

export const DEMO = {
  nodeRedPort: Number(process.env.DEMO_NODE_RED_PORT ?? 1880),
  tgPort: Number(process.env.TG_SANDBOX_PORT ?? 8450),
  fwPort: Number(process.env.FW360_SANDBOX_PORT ?? 8451),
  articles: Number(process.env.TG_SANDBOX_ARTICLES ?? 500),
};

/** The orders in test/fixtures/orders, placed in the shop without a webhook: the manual export example sends them. */
export function seedDemoOrders(fw) {
  const dir = join(root, 'test/fixtures/orders');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')))
    fw.placeOrder(JSON.parse(readFileSync(join(dir, f), 'utf8')).order, false);
}

async function main() {
  if (!existsSync(join(root, 'dist/nodes/totalgest-config.js'))) throw new Error('dist/ is missing: run npm run build');
  const userDir = process.env.DEMO_USER_DIR ?? join(root, '.demo');
  const tg = new TotalGestSandbox({ articles: DEMO.articles, demoArticles: true });
  const fw = new Framework360Sandbox({
    webhookUrl: `http://127.0.0.1:${DEMO.nodeRedPort}/fw360/webhook`,
    statusUrl: `http://127.0.0.1:${DEMO.nodeRedPort}/totalgest/status`,
    // The shop's admin lists call the status API with the demo flow's token.
    statusToken: DEMO_SECRETS.statusToken,
  });
  await tg.start(DEMO.tgPort);
  await fw.start(DEMO.fwPort);
  seedDemoOrders(fw);
  prepareUserDir(userDir, { port: DEMO.nodeRedPort, tgPort: DEMO.tgPort, fwPort: DEMO.fwPort });
  const red = startNodeRed(userDir);
  console.log(`
  TotalGest sandbox     http://127.0.0.1:${DEMO.tgPort}   (user demo / demo-password, shop demo-shop, owner demo-owner)
  Framework360 sandbox  http://127.0.0.1:${DEMO.fwPort}   (API key demo-key, webhook secret demo-webhook-secret)
  Node-RED editor       http://127.0.0.1:${DEMO.nodeRedPort}
  Status page           http://127.0.0.1:${DEMO.nodeRedPort}/totalgest/status/   (token ${DEMO_SECRETS.statusToken})
  Shop lists            http://127.0.0.1:${DEMO.fwPort}/admin/orders  http://127.0.0.1:${DEMO.fwPort}/admin/products
  Place an order:       curl -X POST http://127.0.0.1:${DEMO.fwPort}/_sandbox/orders -d '{}'
  Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    red.kill('SIGINT');
    await Promise.all([tg.stop(), fw.stop()]);
    process.exit(code);
  };
  red.on('exit', (code) => void stop(code ?? 0));
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
