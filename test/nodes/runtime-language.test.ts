import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { withNodeRed } from '../helpers/red-process';

/**
 * The nodes in a real Node-RED (the project's own, as its own process on a loopback port the
 * system picks) started with `lang` in its settings: the package is linked into the user
 * directory as `npm install <folder>` would, so Node-RED's loader registers its catalogues and
 * binds each node's RED._ — nothing of the runtime is stubbed. The statuses are read as the
 * editor reads them (its /comms websocket, which replays each node's last status); the errors as a
 * flow sees them (a catch node; an http in endpoint hands them to the test).
 */
const root = path.join(__dirname, '../..');

const flow = [
  { id: 'c1', type: 'totalgest-config', endpoint: 'https://tg00.bweb.ch', shopId: 'demo-shop', ownerId: 'demo-owner' },
  // A refused setting: red from the start, and every input refused with it.
  { id: 'p1', z: 't1', type: 'tg-pull-products', connection: 'c1', pageSize: '900', wires: [[], []] },
  { id: 's1', z: 't1', type: 'tg-status', connection: 'c1', path: '/tg-language-status', wires: [[]] },
  { id: 'go', z: 't1', type: 'inject', once: true, onceDelay: 0.2, repeat: '', wires: [['p1', 's1']] },
];

interface Seen {
  p1?: string;
  s1?: string;
  errorP1?: string;
  errorS1?: string;
}

async function runIn(lang: string | undefined): Promise<Seen> {
  let seen: Seen = {};
  await withNodeRed({ lang, flow, creds: { c1: { username: 'u', password: 'p' } } }, async (rt) => {
    const status = (id: string) => rt.statuses.get(id)?.text;
    const got = await rt.until(
      (p) => Boolean(p.errors.p1 && p.errors.s1 && status('p1') && status('s1')),
      'both statuses and both errors',
    );
    seen = { p1: status('p1'), s1: status('s1'), errorP1: got.errors.p1, errorS1: got.errors.s1 };
  });
  return seen;
}

describe('runtime language: statuses and errors in the language Node-RED runs with', function () {
  this.timeout(120_000);
  before(() => assert.ok(existsSync(path.join(root, 'dist/nodes/tg-status.js')), 'run npm run build first'));

  it('Italian (settings.js lang: "it")', async () => {
    const seen = await runIn('it');
    assert.deepEqual(seen, {
      p1: 'pageSize: deve essere un numero intero da 1 a 500 (ricevuto: "900")',
      errorP1: 'Error: pageSize: deve essere un numero intero da 1 a 500 (ricevuto: "900")',
      s1: 'nessun token: API chiusa · ✓ 0 collegati · 0 non riusciti · 0 in coda',
      errorS1: 'Error: msg.payload.type deve essere "order", "product" o "summary"',
    });
  });

  it('German (settings.js lang: "de")', async () => {
    const seen = await runIn('de');
    assert.deepEqual(seen, {
      p1: 'pageSize: muss eine ganze Zahl von 1 bis 500 sein (erhalten: "900")',
      errorP1: 'Error: pageSize: muss eine ganze Zahl von 1 bis 500 sein (erhalten: "900")',
      s1: 'kein Token: API geschlossen · ✓ 0 verbunden · 0 Fehler · 0 wartend',
      errorS1: 'Error: msg.payload.type muss "order", "product" oder "summary" sein',
    });
  });

  it('en-US (no lang, no locale in the environment): the texts as they always were', async () => {
    const seen = await runIn(undefined);
    assert.deepEqual(seen, {
      p1: 'pageSize: must be a whole number from 1 to 500 (got "900")',
      errorP1: 'Error: pageSize: must be a whole number from 1 to 500 (got "900")',
      s1: 'no token: API closed · ✓ 0 linked · 0 failed · 0 queued',
      errorS1: 'Error: msg.payload.type must be "order", "product" or "summary"',
    });
  });
});
