import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { z } from 'zod';
import { formatPath } from '../core/schema-primitives';
import { Coalescer } from '../engine/coalescer';
import { ProductSync, type SyncProgress, type SyncSummary } from '../engine/product-sync';
import { errorMessage, errorStatus, forCatch, nodeSetup, shortText } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';

interface Def extends NodeDef {
  connection: string;
  framework360: string;
  batchSize: string;
  overlap: string;
  pageSize: string;
  maxConcurrency: string;
  forceWrite: boolean;
  dryRun: boolean;
  override: string;
}

type Flags = { full: boolean; dryRun: boolean; forceWrite: boolean };

/**
 * `msg.topic = "confirm"`: the flow wrote these emitted products. SKUs, or `{sku, id?, error?, version?}`
 * (as products/save answered; `version` from the batch's `msg.versions` ties it to what was emitted).
 */
const confirmSchema = z
  .array(
    z.preprocess(
      (v) => (typeof v === 'string' ? { sku: v } : v),
      z.object(
        {
          sku: z.string({ error: 'is required (a SKU)' }).min(1, 'is required (a SKU)'),
          id: z.union([z.string(), z.number()], { error: 'must be the Framework360 id' }).nullish(),
          error: z.string({ error: 'must be a text' }).nullish(),
          version: z.string({ error: 'must be the version from msg.versions' }).nullish(),
        },
        { error: 'must be a SKU or {sku, id, error, version}' },
      ),
    ),
    { error: 'must be an array of SKUs or of {sku, id, error}' },
  )
  .min(1, 'must name at least one SKU')
  .max(100_000);

const STATUS_EVERY_MS = 500;

function progressText(p: SyncProgress): string {
  const n = (v: number) => v.toLocaleString('en-US');
  if (p.toWrite === 0) return `syncing ${n(p.fetched)} …`;
  return `writing ${n(p.written)}/${n(p.toWrite)} · ${p.inFlight} in flight · ${n(p.ratePerSecond)}/s`;
}

const num = (v: string | undefined, fallback: number, min: number, max: number): number => {
  const n = Number(v);
  return Number.isFinite(n) && v !== '' && v !== undefined ? Math.min(max, Math.max(min, Math.round(n))) : fallback;
};

function summaryText(s: SyncSummary): string {
  const time = new Date().toTimeString().slice(0, 5);
  const changed = s.created + s.updated + s.deactivated;
  // Emit mode has written nothing: it handed the products to the flow.
  const what = s.dryRun
    ? `dry run: ${changed} to write`
    : s.mode === 'emit'
      ? `${s.emitted} emitted`
      : `${s.created ? `${s.created} created · ` : ''}${s.updated} updated${s.deactivated ? ` · ${s.deactivated} deactivated` : ''}`;
  // Products failing since earlier runs stay visible even when this run added none.
  const waiting = s.stillFailed > s.failed ? ` · ${s.stillFailed} to retry` : '';
  return `${s.failed || s.stillFailed ? '⚠' : '✓'} ${what}${s.failed ? ` · ${s.failed} failed` : ''}${waiting} · ${time}`;
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
        // The adaptive write limit's ceiling; 64 is also the HTTP agent's socket cap.
        writeConcurrency: num(def.maxConcurrency, 64, 1, 64),
        batchSize,
        override: reshape,
        overrideText: def.override ?? '',
      });
      this.status({ fill: 'blue', shape: 'dot', text: flags.full ? 'full sync …' : 'syncing …' });
      const runId = RED.util.generateId();
      let shownAt = 0;
      const summary = await connection.track(
        sync.run({
          ...flags,
          signal: AbortSignal.any([abort.signal, connection.closingSignal]),
          onProgress: (p) => {
            // Throttled: a status per written product would flood the editor.
            const now = Date.now();
            if (now - shownAt < STATUS_EVERY_MS && p.written < p.toWrite) return;
            shownAt = now;
            this.status({ fill: 'blue', shape: 'dot', text: progressText(p) });
          },
          // `len` > 1 tells a core Join to concatenate the batches; `count` (on the last) completes it.
          onBatch: (products, part) =>
            this.send([
              {
                topic: 'products',
                payload: products,
                versions: part.versions,
                parts: {
                  id: runId,
                  index: part.index,
                  type: 'array',
                  len: Math.max(2, batchSize),
                  ...(part.count === undefined ? {} : { count: part.count }),
                },
              } as NodeMessage,
              null,
            ]),
        }),
      );
      connection.notifyChanged('products');
      return summary;
    });

    this.on(
      'input',
      (
        msg: NodeMessageInFlow,
        send: (m: NodeMessage | Array<NodeMessage | null>) => void,
        done: (err?: Error) => void,
      ) => {
        if (msg.topic === 'confirm') return confirm(msg, send, done);
        const m = msg as NodeMessageInFlow & { full?: unknown; dryRun?: unknown; forceWrite?: unknown };
        const flags: Flags = {
          full: m.full === true,
          dryRun: def.dryRun || m.dryRun === true,
          forceWrite: def.forceWrite || m.forceWrite === true,
        };
        runner.trigger(flags, (result) => {
          if (result instanceof Error) {
            if (abort.signal.aborted || connection?.isClosed) return done();
            this.status(errorStatus(result));
            return done(forCatch(result));
          }
          if (result.stoppedBy) {
            // The shop refused the key: the run stopped; the summary still says what it did.
            this.status({ fill: 'red', shape: 'ring', text: shortText(result.stoppedBy) });
            send([null, { ...msg, payload: result }]);
            return done(new Error(result.stoppedBy));
          }
          this.status({
            fill: result.failed || result.stillFailed ? 'yellow' : 'green',
            shape: 'dot',
            text: shortText(summaryText(result)),
          });
          send([null, { ...msg, payload: result }]);
          // Some products failed: the run finished, but Catch nodes hear about it.
          if (result.failed)
            done(
              new Error(
                `product sync: ${result.failed} failed, e.g. ${result.failures[0]?.sku ?? '?'}: ${result.failures[0]?.reason ?? ''}`,
              ),
            );
          else done();
        });
      },
    );

    /** The flow wrote emitted products: they become linked (or failed, with the flow's error). */
    const confirm = (
      msg: NodeMessageInFlow,
      send: (m: Array<NodeMessage | null>) => void,
      done: (err?: Error) => void,
    ): void => {
      if (!connection) return done(new Error(setupError ?? 'not configured'));
      const parsed = confirmSchema.safeParse(msg.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.path.length ? formatPath(issue.path) : '';
        return done(
          new Error(`confirm: msg.payload${path && !path.startsWith('[') ? '.' : ''}${path} ${issue.message}`),
        );
      }
      const items = parsed.data.map((i) => ({
        sku: i.sku,
        fw360Id: i.id == null ? null : String(i.id),
        error: i.error ?? null,
        version: i.version ?? null,
      }));
      try {
        const result = new ProductSync(connection.client, connection.products, undefined).confirm(items);
        connection.notifyChanged('products');
        send([null, { ...msg, payload: result }]);
        done();
      } catch (err) {
        done(forCatch(err));
      }
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      abort.abort();
      runner.drain(new Error('node closed')).then(done, done);
    });
  }

  RED.nodes.registerType('tg-pull-products', TgPullProducts);
};
