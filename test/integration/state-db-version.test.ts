import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStateDatabase } from '../../src/store/state-db';

/** A state database written by a newer package is refused, never misread (product bodies changed form in schema 4). */
describe('state database: schema version', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tg-schema-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates schema 5 and opens it again', () => {
    const file = path.join(dir, 'state.sqlite');
    const db = openStateDatabase(file);
    assert.equal(db.pragma('user_version', { simple: true }), 5);
    db.close();
    openStateDatabase(file).close();
  });

  it('refuses a database from a newer version, naming it', () => {
    const file = path.join(dir, 'state.sqlite');
    const db = openStateDatabase(file);
    db.pragma('user_version = 6');
    db.close();
    assert.throws(() => openStateDatabase(file), /newer version of this package \(schema 6\)/);
  });
});
