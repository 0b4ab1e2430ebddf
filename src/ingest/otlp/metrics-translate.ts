/**
 * OTLP metrics → Prometheus series, by the rules of Prometheus's `otlptranslator` as
 * Mimir runs it (legacy name validation, so names are escaped; see
 * `shared/reference/mimir-behaviour.md` §6):
 *
 * - Gauge → one sample per point; Sum → monotonic cumulative is a counter, non-monotonic a
 *   gauge; explicit Histogram → `_bucket{le}` (cumulative, plus `le="+Inf"` = count),
 *   `_count`, `_sum` (only when sum is set); Summary → `{quantile}`, `_count`, `_sum`.
 * - Sums and histograms of DELTA (or unspecified) temporality are refused with
 *   `invalid temporality and type combination for metric "<n>"`; exponential histograms are
 *   refused until Cairn stores native histograms. A refused metric is reported in the
 *   translation's `errors`; the rest is still ingested (Mimir then answers 400).
 * - Time: `time_unix_nano / 1e6` (truncated) ms. `NO_RECORDED_VALUE` → the stale marker.
 * - Names: characters outside `[a-zA-Z0-9:]` split the name into tokens joined by `_`, a
 *   leading digit gets `_`. With `addSuffixes` (`otel_metric_suffixes_enabled`, off by
 *   default as in Mimir): unit words, `_per_<unit>`, `_total` for counters, `_ratio` for
 *   gauges of unit `1`.
 * - Labels: point attributes (plus promoted resource attributes) with invalid characters
 *   replaced by `_` and a leading digit prefixed `key_`; names that collide after that
 *   join their values with `;` in key order. `job` (`service.namespace/service.name`) and
 *   `instance` (`service.instance.id`) from the resource go on every series, and one
 *   `target_info` series per resource carries its other attributes.
 * - Metadata: one entry per metric (type, HELP = description, unit).
 * - Exemplars: `trace_id`, `span_id` and filtered attributes as labels; on histograms each
 *   goes to the first bucket whose bound is ≥ its value.
 */
import type { Label } from '../../model/labels.js';
import { MetricType, type Exemplar as PromExemplar, type MetricMetadata, type Sample, type TimeSeries, type WriteRequest } from '../remote-write/types.js';
import { anyValueAsString } from './any-value.js';
import {
  AggregationTemporality,
  FLAG_NO_RECORDED_VALUE,
  type Exemplar,
  type ExportMetricsServiceRequest,
  type KeyValue,
  type Metric,
  type Resource,
} from './types.js';
import { STALE_NAN } from '../../model/stale.js';
import type { SampleWindow } from '../validate.js';

/** Prometheus's stale marker, which a point flagged "no recorded value" becomes. */
export { STALE_NAN };

/** Prometheus's default lookback delta (5m); `target_info` is sampled every half of it. */
const TARGET_INFO_INTERVAL_MS = 150_000;
/**
 * Most `target_info` samples one resource of one request makes between its first and
 * last point: 31 days (the default retention) at 2m30s, and some. Prometheus and Mimir
 * have no bound: one point at time 0 beside one at now made 12 million samples (4 s of
 * CPU, 1.1 GB) from a request of a few hundred bytes.
 */
export const MAX_TARGET_INFO_SAMPLES = 18_000;
/** Nanoseconds per millisecond. */
const NS_PER_MS = 1_000_000n;

/** The per-tenant switches of the translation. */
export interface TranslateOptions {
  /** `limits.otel_metric_suffixes_enabled`: unit, `_total` and `_ratio` suffixes. */
  readonly addSuffixes: boolean;
  /** `limits.promote_otel_resource_attributes`: resource attributes copied onto every series. */
  readonly promoteResourceAttributes: readonly string[];
}

/** Mimir's defaults: no suffixes, nothing promoted. */
export function defaultTranslateOptions(): TranslateOptions {
  return { addSuffixes: false, promoteResourceAttributes: [] };
}

const ANY_TIME: SampleWindow = { oldest: -Infinity, newest: Infinity };

/** What a request translates to. */
export interface Translation {
  readonly request: WriteRequest;
  /** One message per metric that could not be translated (and was left out). */
  readonly errors: readonly string[];
  /** Data points left out with those metrics. */
  readonly droppedPoints: number;
  /**
   * Set (to `maxSeries`) when the request would make more series than that: translation
   * stopped there and `request` is empty.
   */
  readonly tooManySeries?: number;
}

/** Thrown inside `translateMetrics` when the next point would pass `maxSeries`. */
const TOO_MANY_SERIES = new Error('otlp translation: too many series');

// ---------------------------------------------------------------------------------------
// Names

const UNIT_WORDS: Readonly<Record<string, string>> = {
  // Time
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  // Bytes
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  // SI
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  // Misc
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** Splits on every character outside `[a-zA-Z0-9:]`, dropping empty tokens. */
function nameTokens(name: string): string[] {
  return name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
}

/** A unit word made name-safe: invalid characters → `_`, trimmed of `_`. */
function cleanUnit(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The main and per-unit words of an OTel unit (`{…}` annotations removed). */
function unitWords(unit: string): [string, string] {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '') return ['', ''];
  const slash = u.indexOf('/');
  const main = slash < 0 ? u : u.slice(0, slash);
  const per = slash < 0 ? '' : u.slice(slash + 1);
  const mainWord = main === '' ? '' : (UNIT_WORDS[main] ?? main);
  const perWord = per === '' ? '' : (PER_UNIT_WORDS[per] ?? per);
  return [cleanUnit(mainWord), cleanUnit(perWord)];
}

type NameKind = 'counter' | 'gauge' | 'other';

/** The Prometheus name of a metric (before `_bucket`/`_count`/`_sum`). */
export function metricNameOf(name: string, unit: string, kind: NameKind, addSuffixes: boolean): string {
  let tokens = nameTokens(name);
  if (addSuffixes) {
    const [main, per] = unitWords(unit);
    if (main !== '' && !tokens.includes(main)) tokens.push(main);
    if (per !== '' && !tokens.includes(per)) tokens.push('per', per);
    if (kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
    if (unit === '1' && kind === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  }
  const n = tokens.join('_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

/** The Prometheus label name of an attribute key. */
export function labelNameOf(key: string): string {
  const n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `key_${n}` : n;
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that round-trips,
 * never in exponent form (bucket bounds and quantiles as Prometheus writes them).
 */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}

// ---------------------------------------------------------------------------------------
// Labels

/**
 * Sanitised labels of `attrs` (in key order; colliding names join their values with `;`,
 * as Prometheus's `createAttributes` does).
 */
function attributeLabels(attrs: readonly KeyValue[]): Map<string, string> {
  const sorted = attrs.filter((a) => a.key !== '').sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out = new Map<string, string>();
  for (const a of sorted) {
    const name = labelNameOf(a.key);
    const value = anyValueAsString(a.value);
    const prev = out.get(name);
    out.set(name, prev === undefined ? value : `${prev};${value}`);
  }
  return out;
}

/** Identifying resource attributes: they make `job`/`instance`, not `target_info` labels. */
const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';

/** What a resource's attributes give every series of it. */
export interface ResourceContext {
  readonly job: string | undefined;
  readonly instance: string | undefined;
  readonly promoted: readonly KeyValue[];
  /** Labels of every series of the resource whose value was sent as bytes that are not UTF-8 (`invalidUtf8Labels`). */
  readonly invalid: readonly string[] | undefined;
}

/** Whether an attribute's value is a string sent as bytes that are not UTF-8 (types.ts). */
function utf8Invalid(a: KeyValue): boolean {
  return 'utf8Invalid' in a.value && a.value.utf8Invalid === true;
}

/**
 * The label names (sanitised) that `attrs` give a value sent as bytes that are not UTF-8,
 * after `base` (the resource's, `ResourceContext.invalid`), or undefined when there are none: Mimir refuses a series
 * with such a value (`label_value_invalid`), the distributor here too
 * (`TimeSeries.utf8InvalidLabels`). Only a string value counts: an array or map is
 * written as JSON, whose strings are valid.
 */
export function invalidUtf8Labels(attrs: readonly KeyValue[], base: readonly string[] | undefined): string[] | undefined {
  let out: string[] | undefined = base === undefined || base.length === 0 ? undefined : [...base];
  for (const a of attrs) if (a.key !== '' && utf8Invalid(a)) (out ??= []).push(labelNameOf(a.key));
  return out;
}

export function resourceContext(res: Resource, promote: ReadonlySet<string>): ResourceContext {
  let name: string | undefined;
  let ns: string | undefined;
  let instance: string | undefined;
  const promoted: KeyValue[] = [];
  let invalid: string[] | undefined;
  for (const a of res.attributes) {
    if (a.key === SERVICE_NAME) name = anyValueAsString(a.value);
    else if (a.key === SERVICE_NAMESPACE) ns = anyValueAsString(a.value);
    else if (a.key === SERVICE_INSTANCE_ID) instance = anyValueAsString(a.value);
    if (promote.has(a.key)) promoted.push(a);
    if (utf8Invalid(a)) {
      if (a.key === SERVICE_NAME || a.key === SERVICE_NAMESPACE) (invalid ??= []).push('job');
      else if (a.key === SERVICE_INSTANCE_ID) (invalid ??= []).push('instance');
    }
  }
  const job = name === undefined ? undefined : ns !== undefined && ns !== '' ? `${ns}/${name}` : name;
  const fromPromoted = invalidUtf8Labels(promoted, undefined);
  if (fromPromoted !== undefined) (invalid ??= []).push(...fromPromoted);
  return { job, instance, promoted, invalid };
}

// ---------------------------------------------------------------------------------------
// Series assembly

/** Collects samples per series (labels as a key) in first-seen order. */
class SeriesBuilder {
  private readonly series = new Map<string, { labels: Label[]; samples: Sample[]; exemplars: PromExemplar[]; invalid: Set<string> | undefined }>();
  readonly metadata: MetricMetadata[] = [];

  /** `max`: the most series it may hold; one more throws `TOO_MANY_SERIES`. */
  constructor(private readonly max: number) {}

  /** Series collected so far. */
  get size(): number {
    return this.series.size;
  }

  /** `invalid`: labels whose value was sent as bytes that are not UTF-8 (`invalidUtf8Labels`). */
  add(labels: Label[], t: number, v: number, exemplars: readonly PromExemplar[] = [], invalid?: readonly string[]): void {
    const key = labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.max) throw TOO_MANY_SERIES;
      s = { labels, samples: [], exemplars: [], invalid: undefined };
      this.series.set(key, s);
    }
    s.samples.push({ t, v });
    for (const e of exemplars) s.exemplars.push(e);
    if (invalid !== undefined) for (const name of invalid) (s.invalid ??= new Set()).add(name);
  }

  timeseries(): TimeSeries[] {
    return [...this.series.values()].map((s) => {
      const ts = { labels: s.labels, samples: s.samples, exemplars: s.exemplars, histogramCount: 0 };
      return s.invalid === undefined ? ts : { ...ts, utf8InvalidLabels: [...s.invalid] };
    });
  }
}

/** A point's labels: attributes and promoted resource attributes, `job`, `instance`, extras, name. */
export function seriesLabels(attrs: readonly KeyValue[], ctx: ResourceContext, name: string, extra?: Label): Label[] {
  const m = attributeLabels(ctx.promoted.length === 0 ? attrs : [...attrs, ...ctx.promoted]);
  if (ctx.job !== undefined) m.set('job', ctx.job);
  if (ctx.instance !== undefined) m.set('instance', ctx.instance);
  if (extra !== undefined) m.set(extra.name, extra.value);
  m.set('__name__', name);
  const out: Label[] = [];
  for (const [n, v] of m) out.push({ name: n, value: v });
  return out;
}

function msOf(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

function exemplarsOf(list: readonly Exemplar[]): { e: PromExemplar; v: number }[] {
  return list.map((x) => {
    const labels: Label[] = [];
    if (x.traceId !== '') labels.push({ name: 'trace_id', value: x.traceId });
    if (x.spanId !== '') labels.push({ name: 'span_id', value: x.spanId });
    for (const [n, v] of attributeLabels(x.filteredAttributes)) if (n !== 'trace_id' && n !== 'span_id') labels.push({ name: n, value: v });
    const v = x.asDouble ?? (x.asInt !== undefined ? Number(x.asInt) : 0);
    return { e: { labels, t: msOf(x.timeUnixNano), v }, v };
  });
}

function temporalityError(m: Metric): string {
  return `invalid temporality and type combination for metric "${m.name}"`;
}

/**
 * The metadata of a gauge, a cumulative sum (a monotonic one is a counter) or a histogram;
 * its `metricFamilyName` is the name its series start with.
 */
export function metricMetadata(m: Metric, opts: TranslateOptions): MetricMetadata {
  if (m.histogram !== undefined) return { type: MetricType.HISTOGRAM, metricFamilyName: metricNameOf(m.name, m.unit, 'other', opts.addSuffixes), help: m.description, unit: m.unit };
  const counter = m.sum !== undefined && m.sum.isMonotonic;
  const name = metricNameOf(m.name, m.unit, counter ? 'counter' : 'gauge', opts.addSuffixes);
  return { type: counter ? MetricType.COUNTER : MetricType.GAUGE, metricFamilyName: name, help: m.description, unit: m.unit };
}

/**
 * A histogram point's series in the order of its samples: `_sum` (when it has a sum),
 * `_count`, `_bucket{le}` per bound, `_bucket{le="+Inf"}`.
 */
export function histogramSeriesLabels(attrs: readonly KeyValue[], ctx: ResourceContext, name: string, hasSum: boolean, bounds: readonly number[]): Label[][] {
  const out: Label[][] = [];
  if (hasSum) out.push(seriesLabels(attrs, ctx, `${name}_sum`));
  out.push(seriesLabels(attrs, ctx, `${name}_count`));
  for (const bound of bounds) out.push(seriesLabels(attrs, ctx, `${name}_bucket`, { name: 'le', value: formatFloatF(bound) }));
  out.push(seriesLabels(attrs, ctx, `${name}_bucket`, { name: 'le', value: '+Inf' }));
  return out;
}

/** Points a metric carries, of whatever kind. */
export function pointCount(m: Metric): number {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints.length ?? 0;
}

/**
 * Translates one request. Never throws for client data: metrics that cannot be
 * translated are listed in `errors` and left out. A request that would make more than
 * `maxSeries` series (the tenant's series limit: more than it could ever hold) stops
 * there, before making them: a histogram point's bounds are 8 bytes each on the wire and
 * a series each here, and a million of them took 3 s and a gigabyte.
 */
export function translateMetrics(req: ExportMetricsServiceRequest, opts: TranslateOptions, window: SampleWindow = ANY_TIME, maxSeries = Infinity): Translation {
  const b = new SeriesBuilder(maxSeries);
  try {
    return translateInto(b, req, opts, window, maxSeries);
  } catch (err) {
    if (err !== TOO_MANY_SERIES) throw err;
    return { request: { timeseries: [], metadata: [] }, errors: [], droppedPoints: 0, tooManySeries: maxSeries };
  }
}

function translateInto(b: SeriesBuilder, req: ExportMetricsServiceRequest, opts: TranslateOptions, window: SampleWindow, maxSeries: number): Translation {
  const errors: string[] = [];
  let dropped = 0;
  const promote = new Set(opts.promoteResourceAttributes);
  /**
   * Before a histogram's or summary's point makes its label sets: room for `n` more series
   * (an upper bound, some may be there already), or stop. Other points are counted exactly
   * as they are added.
   */
  const room = (n: number) => {
    if (b.size + n > maxSeries) throw TOO_MANY_SERIES;
  };

  for (const rm of req.resourceMetrics) {
    const ctx = resourceContext(rm.resource, promote);
    let minT = Infinity;
    let maxT = -Infinity;
    const seen = (t: number) => {
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    };

    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const fail = (msg: string) => {
          errors.push(msg);
          dropped += pointCount(m);
        };
        if (m.gauge !== undefined || m.sum !== undefined) {
          if (m.sum !== undefined && m.sum.aggregationTemporality !== AggregationTemporality.CUMULATIVE) {
            fail(temporalityError(m));
            continue;
          }
          const meta = metricMetadata(m, opts);
          for (const p of (m.gauge ?? m.sum)!.dataPoints) {
            const t = msOf(p.timeUnixNano);
            seen(t);
            const v = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0 ? STALE_NAN : (p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : 0));
            b.add(seriesLabels(p.attributes, ctx, meta.metricFamilyName), t, v, exemplarsOf(p.exemplars).map((x) => x.e), invalidUtf8Labels(p.attributes, ctx.invalid));
          }
          b.metadata.push(meta);
        } else if (m.histogram !== undefined) {
          if (m.histogram.aggregationTemporality !== AggregationTemporality.CUMULATIVE) {
            fail(temporalityError(m));
            continue;
          }
          const meta = metricMetadata(m, opts);
          for (const p of m.histogram.dataPoints) {
            const t = msOf(p.timeUnixNano);
            seen(t);
            const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
            const val = (x: number) => (stale ? STALE_NAN : x);
            const bounds = p.explicitBounds;
            room(bounds.length + (p.sum !== undefined ? 3 : 2));
            const series = histogramSeriesLabels(p.attributes, ctx, meta.metricFamilyName, p.sum !== undefined, bounds);
            const invalid = invalidUtf8Labels(p.attributes, ctx.invalid);
            let k = 0;
            if (p.sum !== undefined) b.add(series[k++]!, t, val(p.sum), [], invalid);
            b.add(series[k++]!, t, val(p.count), [], invalid);
            const exemplars = exemplarsOf(p.exemplars);
            const placed = new Array<PromExemplar[]>(bounds.length + 1);
            for (const x of exemplars) {
              let i = bounds.findIndex((bound) => x.v <= bound);
              if (i < 0) i = bounds.length;
              (placed[i] ??= []).push(x.e);
            }
            let cumulative = 0;
            for (let i = 0; i < bounds.length; i++) {
              cumulative += p.bucketCounts[i] ?? 0;
              b.add(series[k++]!, t, val(cumulative), placed[i], invalid);
            }
            b.add(series[k++]!, t, val(p.count), placed[bounds.length], invalid);
          }
          b.metadata.push(meta);
        } else if (m.summary !== undefined) {
          const name = metricNameOf(m.name, m.unit, 'other', opts.addSuffixes);
          for (const p of m.summary.dataPoints) {
            const t = msOf(p.timeUnixNano);
            seen(t);
            const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
            const val = (x: number) => (stale ? STALE_NAN : x);
            room(p.quantileValues.length + 2);
            const invalid = invalidUtf8Labels(p.attributes, ctx.invalid);
            b.add(seriesLabels(p.attributes, ctx, `${name}_sum`), t, val(p.sum), [], invalid);
            b.add(seriesLabels(p.attributes, ctx, `${name}_count`), t, val(p.count), [], invalid);
            for (const q of p.quantileValues) {
              b.add(seriesLabels(p.attributes, ctx, name, { name: 'quantile', value: formatFloatF(q.quantile) }), t, val(q.value), [], invalid);
            }
          }
          b.metadata.push({ type: MetricType.SUMMARY, metricFamilyName: name, help: m.description, unit: m.unit });
        } else if (m.exponentialHistogram !== undefined) {
          fail(
            `exponential histogram metric "${m.name}" cannot be ingested: it translates to native histograms, which cairn does not store yet; configure the sender to export explicit-bucket histograms (for the OpenTelemetry SDK, the default aggregation)`,
          );
        } else {
          fail(`metric "${m.name}" has no data (none of gauge, sum, histogram, exponential_histogram, summary is set)`);
        }
      }
    }
    addTargetInfo(b, rm.resource, ctx, minT, maxT, window);
  }
  return { request: { timeseries: b.timeseries(), metadata: b.metadata }, errors, droppedPoints: dropped };
}

/**
 * One `target_info` series for a resource with at least one non-identifying attribute
 * and a job or instance, sampled from the resource's earliest to its latest timestamp
 * every 2m30s, and at the latest (Prometheus `addResourceTargetInfo`). Unlike there, the
 * samples in between are made only inside `window`, and at most the newest
 * `MAX_TARGET_INFO_SAMPLES` of them (`targetInfoSteps`).
 */
function addTargetInfo(b: SeriesBuilder, res: Resource, ctx: ResourceContext, minT: number, maxT: number, window: SampleWindow): void {
  if (minT === Infinity) return;
  const labels = targetInfoLabels(res, ctx);
  if (labels === undefined) return;
  const invalid = targetInfoInvalidLabels(res, ctx);
  for (const t of targetInfoTimes(minT, maxT, window)) b.add(labels, t, 1, [], invalid);
}

/**
 * The times of a resource's `target_info` samples, its points spanning `[minT, maxT]`:
 * every 2m30s from `minT` inside `window` (`targetInfoSteps`), and `maxT`. The store
 * would refuse samples outside `window` (`acceptedWindow`), so they are not made.
 */
export function targetInfoTimes(minT: number, maxT: number, window: SampleWindow): number[] {
  const [from, to] = targetInfoSteps(minT, maxT, window);
  const out: number[] = [];
  for (let k = from; k < to; k++) out.push(minT + k * TARGET_INFO_INTERVAL_MS);
  out.push(maxT);
  return out;
}

/** `invalidUtf8Labels` of a resource's `target_info` series: its attributes, job and instance. */
export function targetInfoInvalidLabels(res: Resource, ctx: ResourceContext): string[] | undefined {
  // Promoted attributes are among its own; only job and instance come from the context.
  return invalidUtf8Labels(targetInfoAttributes(res), ctx.invalid?.filter((n) => n === 'job' || n === 'instance'));
}

/** A resource's attributes that `target_info` carries: all but the identifying ones. */
function targetInfoAttributes(res: Resource): KeyValue[] {
  return res.attributes.filter((a) => a.key !== SERVICE_NAME && a.key !== SERVICE_NAMESPACE && a.key !== SERVICE_INSTANCE_ID);
}

/** The labels of a resource's `target_info` series, or undefined when it has none. */
export function targetInfoLabels(res: Resource, ctx: ResourceContext): Label[] | undefined {
  if (ctx.job === undefined && ctx.instance === undefined) return undefined;
  const others = targetInfoAttributes(res);
  if (others.length === 0) return undefined;
  const m = attributeLabels(others);
  if (ctx.job !== undefined) m.set('job', ctx.job);
  if (ctx.instance !== undefined) m.set('instance', ctx.instance);
  m.set('__name__', 'target_info');
  return [...m].map(([name, value]) => ({ name, value }));
}

/**
 * The steps `k` (timestamps `minT + k × 2m30s`, each before `maxT`) of `target_info`'s
 * samples before its last one, as `[from, to)`: those inside `window`, the newest
 * `MAX_TARGET_INFO_SAMPLES` of them.
 */
export function targetInfoSteps(minT: number, maxT: number, window: SampleWindow): [number, number] {
  const i = TARGET_INFO_INTERVAL_MS;
  // Steps before maxT: minT + k·i < maxT.
  let to = maxT > minT ? Math.ceil((maxT - minT) / i) : 0;
  if (window.newest < Infinity) to = Math.min(to, Math.max(0, Math.floor((window.newest - minT) / i) + 1));
  let from = window.oldest > minT ? Math.ceil((window.oldest - minT) / i) : 0;
  if (to - from > MAX_TARGET_INFO_SAMPLES) from = to - MAX_TARGET_INFO_SAMPLES;
  return [from, Math.max(from, to)];
}
