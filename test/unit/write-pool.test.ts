/** WritePool: writes of one key never overlap and the newest lands last, whatever the order of answers. */
import assert from 'node:assert/strict';
import { AdaptiveLimit, WritePool, type WriteOutcome } from '../../src/engine/write-pool';
import { AuthError, TransientError } from '../../src/http/errors';

type Call = { item: string; answer: (ok: boolean, err?: unknown) => void };

function pool(opts: { maxAttempts?: number } = {}) {
  const calls: Call[] = [];
  const p = new WritePool<string, string>(
    new AdaptiveLimit({ floor: 1, ceiling: 8, initial: 8, latencyFactor: 2, latencySlackMs: 10 }),
    (item) =>
      new Promise<string>((resolve, reject) =>
        calls.push({
          item,
          answer: (ok, err) =>
            ok ? resolve(item) : reject(err ?? new TransientError('timeout', { call: 'x' }, 'timeout')),
        }),
      ),
    {
      maxAttempts: opts.maxAttempts ?? 3,
      maxWaitMs: 60_000,
      baseDelayMs: 0,
      maxDelayMs: 0,
      isFatal: (e) => e instanceof AuthError,
    },
  );
  return { p, calls };
}
const tick = () => new Promise((r) => setImmediate(r));
const until = async (f: () => boolean) => {
  while (!f()) await tick();
};

describe('WritePool: one key, newest last', () => {
  it('a newer item waits for the one in flight; the older is not retried after it failed', async () => {
    const { p, calls } = pool();
    const o1 = p.submit('X1', 'X');
    await until(() => calls.length === 1);
    const o2 = p.submit('X2', 'X');
    await tick();
    assert.equal(calls.length, 1, 'X2 must not overlap X1');
    calls[0]!.answer(false); // X1 times out
    const r1 = await o1;
    assert.equal(r1.ok === false && r1.superseded, true);
    await until(() => calls.length === 2);
    assert.equal(calls[1]!.item, 'X2');
    calls[1]!.answer(true);
    assert.deepEqual(await o2, { ok: true, value: 'X2' });
    await tick();
    assert.equal(calls.length, 2, 'X1 was never sent again');
  });

  it('a third version replaces the second while the first is in flight; the first succeeding still lets the third go', async () => {
    const { p, calls } = pool();
    const outcomes: Array<Promise<WriteOutcome<string>>> = [p.submit('X1', 'X')];
    await until(() => calls.length === 1);
    outcomes.push(p.submit('X2', 'X'), p.submit('X3', 'X'));
    const r2 = await outcomes[1]!;
    assert.equal(r2.ok === false && r2.superseded, true);
    calls[0]!.answer(true);
    assert.equal((await outcomes[0]!).ok, true);
    await until(() => calls.length === 2);
    assert.equal(calls[1]!.item, 'X3');
    calls[1]!.answer(true);
    assert.equal((await outcomes[2]!).ok, true);
  });

  it('other keys are not held; a stop settles a waiting item as aborted (nothing hangs)', async () => {
    const { p, calls } = pool();
    const x1 = p.submit('X1', 'X');
    const y1 = p.submit('Y1', 'Y');
    await until(() => calls.length === 2);
    const x2 = p.submit('X2', 'X');
    p.abort();
    const r = await x2;
    assert.equal(r.ok === false && r.aborted, true);
    calls[0]!.answer(true);
    calls[1]!.answer(true);
    assert.deepEqual([(await x1).ok, (await y1).ok], [true, true]);
    assert.equal(calls.length, 2);
  });

  it('a refused key stops the pool: items waiting or queued fail at once, later ones are not sent', async () => {
    const { p, calls } = pool();
    const x1 = p.submit('X1', 'X');
    await until(() => calls.length === 1);
    const x2 = p.submit('X2', 'X');
    calls[0]!.answer(false, new AuthError('Invalid API key', { call: 'products/save' }));
    assert.equal((await x1).ok, false);
    const r2 = await x2;
    assert.equal(r2.ok === false && r2.error instanceof AuthError, true);
    const r3 = await p.submit('Z1', 'Z');
    assert.equal(r3.ok, false);
    assert.equal(calls.length, 1);
    assert.ok(p.fatal instanceof AuthError);
  });
});
