import { z } from 'zod';
import { defaultEligibility } from '../core/order-mapping';
import { formatPath, rangedNumber, type NumberRange } from '../core/schema-primitives';
import { defaultSyncOptions } from '../engine/product-sync';
import { defaultReconcileOptions } from '../engine/reconciler';
import type { NodeTexts } from './i18n';

/**
 * One schema per processing node's settings, parsed once when the node starts. Blank → the
 * default (the engine's own where it has one); anything else out of range is refused, never
 * clamped: the node shows it in red and refuses every input with it (see `settingsProblem`).
 */

const flag = z
  .unknown()
  .optional()
  .transform((v) => v === true || v === 'true');
/** Options that are on unless switched off (flows saved before them have them on). */
const flagOn = z
  .unknown()
  .optional()
  .transform((v) => v !== false && v !== 'false');
const text = (fallback: string) =>
  z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' ? v : fallback));
/** Why a list setting is refused (the runtime catalogues word it from `list`). */
export const LIST_REASON = 'must be a comma-separated list';
/**
 * A comma-separated list; missing → the default, but an emptied field is an empty list (it means "none"/"all").
 * A flow JSON written by hand or a script may hold a number (`5`) or an array: it means those values, never the
 * default. Anything else (an object, a boolean, an array holding one) is refused, not replaced by the default.
 */
const list = (fallback: readonly string[]) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx): string[] => {
      if (v === undefined || v === null) return [...fallback];
      const items =
        typeof v === 'string'
          ? v.split(',')
          : typeof v === 'number' && Number.isFinite(v)
            ? [String(v)]
            : Array.isArray(v) && v.every((i) => typeof i === 'string' || (typeof i === 'number' && Number.isFinite(i)))
              ? v.map(String)
              : undefined;
      if (!items) {
        // The value as JSON, shortened: String() of an object says nothing ("[object Object]").
        const got = typeof v === 'object' ? (JSON.stringify(v) ?? String(v)).slice(0, 60) : String(v);
        ctx.addIssue({ code: 'custom', message: LIST_REASON, params: { list: true, got } });
        return z.NEVER;
      }
      return items.map((s) => s.trim()).filter(Boolean);
    });
const whole = (min: number, max: number): NumberRange => ({ min, max, whole: true });

/** The ranges the editors validate with (nodes/*.html `range(...)`): the same numbers. */
export const pullProductsRanges = {
  batchSize: whole(1, 5000),
  overlap: whole(0, 86_400),
  pageSize: whole(1, 500),
  // The adaptive write limit's ceiling; 64 is also the HTTP agent's socket cap.
  maxConcurrency: whole(1, defaultSyncOptions.writeConcurrency),
} as const;

export const pullProductsSettings = z.object({
  batchSize: rangedNumber(pullProductsRanges.batchSize, defaultSyncOptions.batchSize),
  /** Seconds. */
  overlap: rangedNumber(pullProductsRanges.overlap, defaultSyncOptions.overlapMs / 1000),
  pageSize: rangedNumber(pullProductsRanges.pageSize, defaultSyncOptions.pageSize),
  maxConcurrency: rangedNumber(pullProductsRanges.maxConcurrency, defaultSyncOptions.writeConcurrency),
  forceWrite: flag,
  dryRun: flag,
  override: text(''),
});
export type PullProductsSettings = z.infer<typeof pullProductsSettings>;

/** Seconds a `wait`-mode message waits for its orders to be exported. */
export const DEFAULT_WAIT_S = 60;

export const pushOrderRanges = {
  waitTimeout: whole(1, 3600),
  reconcileDays: whole(1, 365),
} as const;

export const pushOrderSettings = z.object({
  mode: z.preprocess((v) => (v === '' || v == null ? 'queue' : v), z.enum(['queue', 'wait'], 'must be queue or wait')),
  waitTimeout: rangedNumber(pushOrderRanges.waitTimeout, DEFAULT_WAIT_S),
  dryRun: flag,
  override: text(''),
  cancelledStatuses: list(defaultEligibility.cancelledStatuses),
  cashOnDelivery: flagOn,
  reconcileStatuses: list(defaultReconcileOptions.statuses),
  reconcileDays: rangedNumber(pushOrderRanges.reconcileDays, defaultReconcileOptions.lookbackDays),
  acceptUnsigned: flag,
});
export type PushOrderSettings = z.infer<typeof pushOrderSettings>;

/** The export action's wait, in seconds: an HTTP client should not hang for minutes. */
export const statusRanges = { exportWait: { min: 0, max: 120, whole: false } } as const;

export const statusSettings = z.object({
  path: z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' && v ? v : '/totalgest/status').replace(/\/+$/, '')),
  lang: text(''),
  corsOrigin: text(''),
  publicRead: flag,
  exportWait: rangedNumber(statusRanges.exportWait, 20),
});
export type StatusSettings = z.infer<typeof statusSettings>;

/** Why a setting was refused: which one, the reason, the value as typed. */
export interface SettingProblem {
  setting: string;
  /** The reason in English (the runtime catalogues word it from `range` or `choices`). */
  reason: string;
  got: unknown;
  /** Set when the reason is a numeric range. */
  range: NumberRange | undefined;
  /** Set when the setting must be one of these values. */
  choices: string[] | undefined;
  /** Set when the setting must be a comma-separated list. */
  list: boolean;
}

export type ParsedSettings<T> = { ok: true; settings: T } | { ok: false; problem: SettingProblem };

export function parseSettings<T>(schema: z.ZodType<T>, def: object): ParsedSettings<T> {
  const parsed = schema.safeParse(def);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const issue = parsed.error.issues[0]!;
  const params = (issue as { params?: { range?: NumberRange; list?: boolean; got?: unknown } }).params;
  const values = (issue as { values?: unknown[] }).values;
  const setting = formatPath(issue.path);
  return {
    ok: false,
    problem: {
      setting,
      reason: issue.message,
      got: params && 'got' in params ? params.got : (def as Record<string, unknown>)[setting],
      range: params?.range,
      choices: issue.code === 'invalid_value' && values ? values.map(String) : undefined,
      list: params?.list === true,
    },
  };
}

/**
 * `pageSize: must be a whole number from 1 to 500 (got "900")`, worded by the runtime's catalogue
 * (the setting keeps its flow name: it is what the flow JSON and the help call it).
 */
export function settingsProblemText(p: SettingProblem, t: NodeTexts): string {
  const reason = p.range
    ? t(p.range.whole ? 'wholeRange' : 'numberRange', { min: String(p.range.min), max: String(p.range.max) })
    : p.choices
      ? t('choice', { values: p.choices.join(` ${t('or')} `) })
      : p.list
        ? t('list')
        : p.reason;
  return t('settingRefused', { setting: p.setting, reason, got: JSON.stringify(String(p.got)) });
}
