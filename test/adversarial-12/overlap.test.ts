/** Adversarial review of issue 12: triggers that arrive during a run (tg-pull-products' Coalescer). */
import assert from 'node:assert/strict';
import { Coalescer } from '../../src/engine/coalescer';

type Flags = { full: boolean; dryRun: boolean; forceWrite: boolean };

describe('regression (issue 12 review): overlapping triggers', () => {
  it('O1: a real sync queued during a run stays real when a dry-run trigger arrives too', async () => {
    const ran: Flags[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const c = new Coalescer<Flags, Flags>(async (f) => {
      ran.push(f);
      if (ran.length === 1) await first;
      return f;
    });
    const results: Array<Flags | Error> = [];
    c.trigger({ full: false, dryRun: false, forceWrite: false }, (r) => results.push(r)); // running
    c.trigger({ full: true, dryRun: false, forceWrite: false }, (r) => results.push(r)); // msg.full: queued
    c.trigger({ full: false, dryRun: true, forceWrite: false }, (r) => results.push(r)); // someone previews: merged
    release();
    while (ran.length < 2 || results.length < 3) await new Promise((r) => setImmediate(r));
    assert.equal(
      ran[1]!.dryRun,
      false,
      `the msg.full sync ran as ${JSON.stringify(ran[1])}: it wrote nothing and its sender was told it ran`,
    );
  });
});
