// Shared by `npm start` (scripts/demo.mjs), the end-to-end, browser and reliability tests and the
// benchmarks: a Node-RED user directory with this package linked in and the example flows wired
// to the sandboxes, and a Node-RED process started on it.
const { spawn } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

const DEMO_SECRETS = { username: 'demo', password: 'demo-password', apiKey: 'demo-key', webhookSecret: 'demo-webhook-secret', statusToken: 'demo-status-token' };

/**
 * The example flows merged into one flow file; config nodes shared by id. The examples ship with
 * placeholder connections (tg00.bweb.ch, shop.example.ch, no Shop-ID); the demo points them at
 * the sandboxes on the given ports, with the demo shop and owner.
 */
function demoFlows(ports) {
  const byId = new Map();
  for (const f of readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    for (const node of JSON.parse(readFileSync(join(root, 'examples', f), 'utf8'))) byId.set(node.id, node);
  }
  for (const node of byId.values()) {
    if (node.type === 'totalgest-config')
      Object.assign(node, { name: 'TotalGest sandbox', endpoint: `http://127.0.0.1:${ports.tgPort}`, shopId: 'demo-shop', ownerId: 'demo-owner' });
    if (node.type === 'framework360-config') Object.assign(node, { name: 'Framework360 sandbox', siteUrl: `http://127.0.0.1:${ports.fwPort}` });
  }
  return [...byId.values()];
}

/**
 * Lays out a Node-RED user directory. `opts`: { port, tgPort, fwPort, secrets?, settings? (extra
 * settings.js properties, as source text), flows? (to replace the examples) }.
 */
function prepareUserDir(userDir, opts) {
  const secrets = { ...DEMO_SECRETS, ...opts.secrets };
  rmSync(userDir, { recursive: true, force: true });
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(userDir, 'node_modules', 'node-red-contrib-totalgest'), 'dir');
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'totalgest-demo', private: true, dependencies: { 'node-red-contrib-totalgest': 'file:..' } }, null, 2));
  const flows = opts.flows ?? demoFlows(opts);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  const creds = {};
  for (const n of flows) {
    if (n.type === 'totalgest-config') creds[n.id] = { username: secrets.username, password: secrets.password };
    if (n.type === 'framework360-config') creds[n.id] = { apiKey: secrets.apiKey, webhookSecret: secrets.webhookSecret };
    if (n.type === 'tg-status' && secrets.statusToken) creds[n.id] = { token: secrets.statusToken };
  }
  // Demo secrets only: a real installation keeps credentials encrypted (credentialSecret).
  writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(creds));
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${opts.port},
  flowFile: 'flows.json',
  credentialSecret: false,
  editorTheme: { tours: false, projects: { enabled: false } },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  logging: { console: { level: 'info' } },
  ${opts.settings ?? ''}
};
`,
  );
}

function startNodeRed(userDir, opts = {}) {
  return spawn(process.execPath, [...(opts.execArgv ?? []), require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
    stdio: opts.stdio ?? 'inherit',
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
  });
}

module.exports = { root, DEMO_SECRETS, demoFlows, prepareUserDir, startNodeRed };
