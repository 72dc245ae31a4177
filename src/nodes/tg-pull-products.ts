import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { z } from 'zod';
import { formatPath } from '../core/schema-primitives';
import { Coalescer } from '../engine/coalescer';
import { ProductSync, type SyncProgress, type SyncSummary } from '../engine/product-sync';
import { errorMessage, nodeSetup } from './red-helpers';
import type { Framework360ConfigNode } from './config-types';
import { handleInput, type Send } from './node-io';
import { NodeStatus, tone } from './node-status';
import { commonTexts, nodeTexts, type NodeTexts } from './i18n';
import { parseSettings, pullProductsSettings, settingsProblemText, type PullProductsSettings } from './node-settings';

interface Def extends NodeDef {
  connection: string;
  framework360: string;
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

function progressText(t: NodeTexts, p: SyncProgress): string {
  if (p.toWrite === 0) return t('syncingCount', { fetched: p.fetched });
  return t('writing', { written: p.written, toWrite: p.toWrite, inFlight: p.inFlight, rate: p.ratePerSecond });
}

/** The status after a run: counts of what happened (the summary object holds every detail). */
function summaryText(t: NodeTexts, s: SyncSummary): string {
  const time = new Date().toTimeString().slice(0, 5);
  const changed = s.created + s.updated + s.deactivated;
  // Emit mode has written nothing: it handed the products to the flow.
  const what = s.dryRun
    ? [t('dryRun', { n: changed })]
    : s.mode === 'emit'
      ? [t('emitted', { n: s.emitted })]
      : [
          s.created ? t('created', { n: s.created }) : '',
          t('updated', { n: s.updated }),
          s.deactivated ? t('deactivated', { n: s.deactivated }) : '',
        ];
  const parts = [
    ...what,
    s.failed ? t('failed', { n: s.failed }) : '',
    // Products failing since earlier runs stay visible even when this run added none.
    s.stillFailed > s.failed ? t('toRetry', { n: s.stillFailed }) : '',
    time,
  ].filter(Boolean);
  return `${s.failed || s.stillFailed ? '⚠' : '✓'} ${parts.join(' · ')}`;
}

export = function register(RED: NodeAPI): void {
  const t = nodeTexts(RED, 'tg-pull-products');
  const common = commonTexts(RED);

  function TgPullProducts(this: Node, def: Def): void {
    RED.nodes.createNode(this, def);
    const parsed = parseSettings(pullProductsSettings, def);
    const settings: PullProductsSettings | undefined = parsed.ok ? parsed.settings : undefined;
    const fwConfig = def.framework360 ? (RED.nodes.getNode(def.framework360) as Framework360ConfigNode | null) : null;
    const setup = nodeSetup(RED, this, def.connection, settings?.override);
    const { connection, override: reshape } = setup;
    let fwError: string | undefined;
    try {
      fwConfig?.client();
    } catch (err) {
      fwError = common('config', { error: errorMessage(err) });
    }
    // A refused setting first: the node must not run on a value other than the one the user typed.
    const problem = parsed.ok ? (setup.error ?? fwError) : settingsProblemText(parsed.problem, common);
    const status = new NodeStatus(this, undefined);
    if (problem) status.problem(problem);
    const abort = new AbortController();
    // Where this node sends products; a dry run sends nothing and may compare against any shop.
    if (connection && settings && !settings.dryRun && !fwError)
      connection.setProductTarget(this, fwConfig ? fwConfig.client().baseUrl : '');
    /** Another pull node on this connection sends to another shop (asked at each message: a deploy may end it). */
    const targetProblem = (): string | undefined => {
      const other = connection?.productTargetConflict(this);
      return other === undefined ? undefined : t('otherTarget', { target: other === '' ? t('targetFlow') : other });
    };
    // Shown from the deploy on, and again whenever a pull node of the connection comes or goes.
    let showsConflict = false;
    const showTarget = (): void => {
      if (problem) return;
      const conflict = targetProblem();
      if (conflict) status.set(tone.red(conflict));
      else if (showsConflict) this.status({});
      showsConflict = conflict !== undefined;
    };
    showTarget();
    connection?.on('productTargets', showTarget);

    const runner = new Coalescer<Flags, SyncSummary>(async (flags) => {
      if (!connection || !settings || fwError) throw new Error(problem ?? common('notConfigured'));
      const other = flags.dryRun ? undefined : targetProblem();
      if (other) throw new Error(other);
      const sync = new ProductSync(connection.client, connection.products, fwConfig?.client(), {
        overlapMs: settings.overlap * 1000,
        pageSize: settings.pageSize,
        writeConcurrency: settings.maxConcurrency,
        batchSize: settings.batchSize,
        override: reshape,
        overrideText: settings.override,
      });
      status.set(tone.blue(t(flags.full ? 'fullSync' : 'syncing')));
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
            status.set(tone.blue(progressText(t, p)));
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
                  len: Math.max(2, settings.batchSize),
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

    const sync = async (msg: NodeMessageInFlow, send: Send): Promise<Error | undefined> => {
      const m = msg as NodeMessageInFlow & { full?: unknown; dryRun?: unknown; forceWrite?: unknown };
      const flags: Flags = {
        full: m.full === true,
        dryRun: settings!.dryRun || m.dryRun === true,
        forceWrite: settings!.forceWrite || m.forceWrite === true,
      };
      const result = await new Promise<SyncSummary | Error>((resolve) => runner.trigger(flags, resolve));
      if (result instanceof Error) {
        // Closing: the run was stopped on purpose, nothing to report.
        if (abort.signal.aborted || connection?.isClosed) return undefined;
        throw result;
      }
      if (result.stoppedBy) {
        // The shop refused the key: the run stopped; the summary still says what it did.
        status.set(tone.red(result.stoppedBy));
        send([null, { ...msg, payload: result }]);
        return new Error(result.stoppedBy);
      }
      status.set(
        result.failed || result.stillFailed ? tone.yellow(summaryText(t, result)) : tone.green(summaryText(t, result)),
      );
      send([null, { ...msg, payload: result }]);
      // Some products failed: the run finished, but Catch nodes hear about it.
      return result.failed
        ? new Error(
            t('runFailed', {
              n: result.failed,
              sku: result.failures[0]?.sku ?? '?',
              reason: result.failures[0]?.reason ?? '',
            }),
          )
        : undefined;
    };

    handleInput(this, (msg, send) => (msg.topic === 'confirm' ? confirm(msg, send) : sync(msg, send)), {
      refusal: () => (parsed.ok ? undefined : new Error(problem)),
      status,
      // A malformed confirmation is the flow's mistake, not the node's: the status stays.
      failsNode: (_err, msg) => msg.topic !== 'confirm',
    });

    /** The flow wrote emitted products: they become linked (or failed, with the flow's error). */
    const confirm = async (msg: NodeMessageInFlow, send: Send): Promise<undefined> => {
      if (!connection) throw new Error(problem ?? common('notConfigured'));
      const other = targetProblem();
      if (other) throw new Error(other);
      const parsed = confirmSchema.safeParse(msg.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.path.length ? formatPath(issue.path) : '';
        // The field's own words stay as the schema has them (English); the frame is the catalogue's.
        throw new Error(
          t('confirmInvalid', {
            field: `msg.payload${path && !path.startsWith('[') ? '.' : ''}${path}`,
            problem: issue.message,
          }),
        );
      }
      const items = parsed.data.map((i) => ({
        sku: i.sku,
        fw360Id: i.id == null ? null : String(i.id),
        error: i.error ?? null,
        version: i.version ?? null,
      }));
      const result = new ProductSync(connection.client, connection.products, undefined).confirm(items);
      connection.notifyChanged('products');
      send([null, { ...msg, payload: result }]);
      return undefined;
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      abort.abort();
      connection?.off('productTargets', showTarget);
      // Released once its run has stopped: another node must not switch the shop under it.
      const release = (): void => {
        connection?.removeProductTarget(this);
        done();
      };
      runner.drain(new Error('node closed')).then(release, release);
    });
  }

  RED.nodes.registerType('tg-pull-products', TgPullProducts);
};
