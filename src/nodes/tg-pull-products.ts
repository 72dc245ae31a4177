import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { Coalescer } from '../engine/coalescer';
import { ProductSync, type SyncSummary } from '../engine/product-sync';
import { errorMessage, errorStatus, forCatch, nodeSetup, shortText } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';

interface Def extends NodeDef {
  connection: string;
  framework360: string;
  batchSize: string;
  overlap: string;
  pageSize: string;
  writeConcurrency: string;
  forceWrite: boolean;
  dryRun: boolean;
  override: string;
}

type Flags = { full: boolean; dryRun: boolean; forceWrite: boolean };

const num = (v: string | undefined, fallback: number, min: number, max: number): number => {
  const n = Number(v);
  return Number.isFinite(n) && v !== '' && v !== undefined ? Math.min(max, Math.max(min, Math.round(n))) : fallback;
};

function summaryText(s: SyncSummary): string {
  const time = new Date().toTimeString().slice(0, 5);
  const changed = s.created + s.updated + s.deactivated;
  const what = s.dryRun
    ? `dry run: ${changed} to write`
    : `${s.created ? `${s.created} created · ` : ''}${s.updated} updated${s.deactivated ? ` · ${s.deactivated} deactivated` : ''}`;
  return `${s.failed ? '⚠' : '✓'} ${what}${s.failed ? ` · ${s.failed} failed` : ''} · ${time}`;
}

export = function register(RED: NodeAPI): void {
  function TgPullProducts(this: Node, def: Def): void {
    RED.nodes.createNode(this, def);
    const fwConfig = def.framework360 ? (RED.nodes.getNode(def.framework360) as Framework360ConfigNode | null) : null;
    const { connection, override: reshape, error: setupError } = nodeSetup(RED, this, def.connection, def.override);
    let fwError: string | undefined;
    try {
      fwConfig?.client();
    } catch (err) {
      fwError = `config: ${errorMessage(err)}`;
    }
    if (setupError ?? fwError) this.status({ fill: 'red', shape: 'ring', text: shortText((setupError ?? fwError)!) });
    const abort = new AbortController();
    const batchSize = num(def.batchSize, 100, 1, 5000);

    const runner = new Coalescer<Flags, SyncSummary>(async (flags) => {
      if (!connection || fwError) throw new Error(setupError ?? fwError ?? 'not configured');
      const sync = new ProductSync(connection.client, connection.products, fwConfig?.client(), {
        overlapMs: num(def.overlap, 60, 0, 86_400) * 1000,
        pageSize: num(def.pageSize, 500, 1, 500),
        writeConcurrency: num(def.writeConcurrency, 4, 1, 32),
        batchSize,
        override: reshape,
        overrideText: def.override ?? '',
      });
      this.status({ fill: 'blue', shape: 'dot', text: flags.full ? 'full sync …' : 'syncing …' });
      const runId = RED.util.generateId();
      const summary = await connection.track(
        sync.run({
          ...flags,
          signal: AbortSignal.any([abort.signal, connection.closingSignal]),
          onProgress: (n) => this.status({ fill: 'blue', shape: 'dot', text: `syncing ${n.toLocaleString('en-US')} …` }),
          onBatch: (products, index) =>
            this.send([{ topic: 'products', payload: products, parts: { id: runId, index, type: 'array', len: batchSize } } as NodeMessage, null]),
        }),
      );
      connection.notifyChanged('products');
      return summary;
    });

    this.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const m = msg as NodeMessageInFlow & { full?: unknown; dryRun?: unknown; forceWrite?: unknown };
      const flags: Flags = { full: m.full === true, dryRun: def.dryRun || m.dryRun === true, forceWrite: def.forceWrite || m.forceWrite === true };
      runner.trigger(flags, (result) => {
        if (result instanceof Error) {
          if (abort.signal.aborted || connection?.isClosed) return done();
          this.status(errorStatus(result));
          return done(forCatch(result));
        }
        this.status({ fill: result.failed ? 'yellow' : 'green', shape: 'dot', text: shortText(summaryText(result)) });
        send([null, { ...msg, payload: result }]);
        // Some products failed: the run finished, but Catch nodes hear about it.
        if (result.failed)
          done(new Error(`product sync: ${result.failed} failed, e.g. ${result.failures[0]?.sku ?? '?'}: ${result.failures[0]?.reason ?? ''}`));
        else done();
      });
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      abort.abort();
      runner.drain(new Error('node closed')).then(done, done);
    });
  }

  RED.nodes.registerType('tg-pull-products', TgPullProducts);
};
