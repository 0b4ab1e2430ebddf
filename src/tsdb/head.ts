/**
 * The in-memory head of one tenant: the series registry (labels → stable ref), postings
 * for label matching, per-metric counts for the series limits, metadata and exemplars.
 * Appending goes through `HeadAppender` (head-append.ts), reading through `HeadQuerier`
 * (head-read.ts), durability through the WAL (head-wal.ts).
 *
 * Active series, as Mimir counts them for `max_global_series_per_user`: the series held in
 * the head. A series enters on its first sample and leaves when head compaction finds no
 * sample of it newer than the head's window (the blocks issue); until then it counts.
 */
import { formatLabels, labelsKey, metricName, type Labels } from '../model/labels.js';
import type { Limits } from '../config/limits.js';
import { CairnError } from '../util/errors.js';
import { MemSeries } from './head-series.js';
import type { Exemplar, MetricMetadata } from './interface.js';

/** The limits the head reads, per tenant, at the moment of use. */
export type HeadLimits = Pick<Limits, 'maxGlobalSeriesPerUser' | 'maxGlobalSeriesPerMetric' | 'maxGlobalExemplarsPerUser'>;

export interface HeadOptions {
  /**
   * Chunks are cut at multiples of this range, and samples more than half of it behind
   * the head's newest sample are refused as too old, as in Prometheus (2 h).
   */
  readonly chunkRangeMs: number;
}

export function defaultHeadOptions(): HeadOptions {
  return { chunkRangeMs: 2 * 3_600_000 };
}

/** An exemplar with its series, as kept for `query_exemplars`. */
export interface StoredExemplar extends Exemplar {
  readonly seriesRef: number;
}

export class Head {
  readonly series = new Map<number, MemSeries>();
  private readonly byKey = new Map<string, MemSeries>();
  /** label name → value → series refs, ascending (refs only grow, so pushes keep order). */
  readonly postings = new Map<string, Map<string, number[]>>();
  private readonly perMetric = new Map<string, number>();
  readonly metadata = new Map<string, MetricMetadata>();
  /** A ring of the newest exemplars, at most `max_global_exemplars_per_user`. */
  readonly exemplars: StoredExemplar[] = [];
  private exemplarNext = 0;
  private nextRef = 1;
  minT = Infinity;
  maxT = -Infinity;

  constructor(
    readonly tenant: string,
    readonly limits: () => HeadLimits,
    readonly options: HeadOptions = defaultHeadOptions(),
  ) {}

  /** Samples older than this are refused as too old (none while the head is empty). */
  minValidTime(): number {
    return this.maxT === -Infinity ? -Infinity : this.maxT - this.options.chunkRangeMs / 2;
  }

  byLabels(labels: Labels): MemSeries | undefined {
    return this.byKey.get(labelsKey(labels));
  }

  /**
   * The series for `labels`, created if new. A new series over the tenant's series limits
   * is refused with Mimir's message (400, as Mimir answers tenant limits).
   */
  getOrCreate(labels: Labels): { series: MemSeries; created: boolean } {
    const key = labelsKey(labels);
    const found = this.byKey.get(key);
    if (found !== undefined) return { series: found, created: false };
    const limits = this.limits();
    if (limits.maxGlobalSeriesPerUser > 0 && this.series.size >= limits.maxGlobalSeriesPerUser) {
      throw new CairnError(
        'bad_data',
        'per_user_series_limit',
        `per-user series limit of ${limits.maxGlobalSeriesPerUser} exceeded (err-mimir-max-series-per-user). To adjust the related per-tenant limit, configure limits.max_global_series_per_user`,
      );
    }
    const metric = metricName(labels);
    if (limits.maxGlobalSeriesPerMetric > 0 && (this.perMetric.get(metric) ?? 0) >= limits.maxGlobalSeriesPerMetric) {
      throw new CairnError(
        'bad_data',
        'per_metric_series_limit',
        `per-metric series limit of ${limits.maxGlobalSeriesPerMetric} exceeded (err-mimir-max-series-per-metric). To adjust the related per-tenant limit, configure limits.max_global_series_per_metric. This is for series ${formatLabels(labels).slice(0, 200)}`,
      );
    }
    const series = this.insert(this.nextRef++, labels, key, metric);
    return { series, created: true };
  }

  /** Re-creates a series with a known ref (WAL replay). Limits do not apply. */
  restore(ref: number, labels: Labels): MemSeries {
    const key = labelsKey(labels);
    const found = this.byKey.get(key);
    if (found !== undefined) return found;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const s = this.insert(ref, labels, key, metricName(labels));
    s.walLogged = true;
    return s;
  }

  private insert(ref: number, labels: Labels, key: string, metric: string): MemSeries {
    const s = new MemSeries(ref, labels, key, metric, this.options.chunkRangeMs);
    this.series.set(ref, s);
    this.byKey.set(key, s);
    this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    for (const l of labels) {
      let values = this.postings.get(l.name);
      if (values === undefined) this.postings.set(l.name, (values = new Map()));
      const refs = values.get(l.value);
      if (refs === undefined) values.set(l.value, [ref]);
      else if (refs[refs.length - 1]! < ref) refs.push(ref);
      else {
        // Replay may restore refs out of order; keep the list sorted.
        refs.push(ref);
        refs.sort((a, b) => a - b);
      }
    }
    return s;
  }

  /** Notes a sample's time in the head's bounds. */
  observeTime(t: number): void {
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
  }

  addExemplar(e: StoredExemplar): void {
    const max = this.limits().maxGlobalExemplarsPerUser;
    if (max <= 0) return;
    if (this.exemplars.length < max) {
      this.exemplars.push(e);
    } else {
      this.exemplars[this.exemplarNext % max] = e;
      this.exemplarNext = (this.exemplarNext + 1) % max;
    }
  }
}
