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
import { formatLabels, labelsEqual, labelsHash, metricName, type Label, type Labels } from '../model/labels.js';
import type { Limits } from '../config/limits.js';
import { CairnError } from '../util/errors.js';
import { MemSeries } from './head-series.js';
import { SelectionCache } from './selection-cache.js';
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

/** Series looked at per turn of the event loop while truncating (a few ms of work). */
const TRUNCATE_BATCH = 200;
/** Postings entries checked per turn while cleaning them after a truncation. */
const POSTINGS_PER_TURN = 5_000;
/** The answer for a name the postings do not hold. */
const NO_STRINGS: readonly string[] = Object.freeze([]);

function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
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
  /**
   * labels hash → the series with that hash (an array in the rare case of a collision).
   * A hash key instead of a string key: a string per series cost ~400 bytes (measured).
   */
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  /**
   * name → value → one shared Label object. Series label sets are built from these, so a
   * label pair repeated over many series (`job="node"`) is held once, not per series.
   */
  private readonly interned = new Map<string, Map<string, Label>>();
  /** label name → value → series refs, ascending (refs only grow, so pushes keep order). */
  readonly postings = new Map<string, Map<string, number[]>>();
  /**
   * The postings' names, and each name's values, sorted: worked out when the labels API
   * asks and kept until a name or value comes or goes (a Grafana dashboard asks for the
   * same `instance` values on every refresh; sorting them each time, with the merging on
   * the way, was a third of the 100k bench's label values request).
   */
  private sortedNames: readonly string[] | undefined;
  private readonly sortedValues = new Map<string, readonly string[]>();
  private readonly perMetric = new Map<string, number>();
  readonly metadata = new Map<string, MetricMetadata>();
  /** A ring of the newest exemplars, at most `max_global_exemplars_per_user`. */
  readonly exemplars: StoredExemplar[] = [];
  private exemplarNext = 0;
  private nextRef = 1;
  /** Bumped whenever series are removed, invalidating `SeriesHandle`s held elsewhere. */
  seriesEpoch = 0;
  /** Recent selections (matchers → sorted series); emptied whenever a series comes or goes. */
  readonly selections = new SelectionCache();
  /** During a WAL replay: refs whose Series record named labels another ref already has. */
  private readonly replayAliases = new Map<number, MemSeries>();
  minT = Infinity;
  maxT = -Infinity;
  /**
   * Everything older than this sits in blocks (or was dropped by retention): samples
   * below it are refused and skipped on replay, and new readers read the head only from
   * here on. -Infinity until the first block is cut.
   */
  floor = -Infinity;

  constructor(
    readonly tenant: string,
    readonly limits: () => HeadLimits,
    readonly options: HeadOptions = defaultHeadOptions(),
  ) {}

  /** Samples older than this are refused as too old (none while the head is empty). */
  minValidTime(): number {
    const window = this.maxT === -Infinity ? -Infinity : this.maxT - this.options.chunkRangeMs / 2;
    return Math.max(window, this.floor);
  }

  byLabels(labels: Labels): MemSeries | undefined {
    return this.find(labelsHash(labels), labels);
  }

  private find(hash: number, labels: Labels): MemSeries | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return labelsEqual(found.labels, labels) ? found : undefined;
    for (const s of found) if (labelsEqual(s.labels, labels)) return s;
    return undefined;
  }

  /**
   * The series for `labels`, created if new. A new series over the tenant's series limits
   * is refused with Mimir's message (400, as Mimir answers tenant limits).
   */
  getOrCreate(labels: Labels): { series: MemSeries; created: boolean } {
    const hash = labelsHash(labels);
    const found = this.find(hash, labels);
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
    const series = this.insert(this.nextRef++, labels, hash);
    return { series, created: true };
  }

  /** Re-creates a series with a known ref (WAL replay). Limits do not apply. */
  restore(ref: number, labels: Labels): MemSeries {
    // Refs of the WAL are never handed out again, also those that only alias a series.
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const hash = labelsHash(labels);
    const found = this.find(hash, labels);
    if (found !== undefined) {
      // The same labels under a second ref: the series left the head (truncated, empty)
      // and came back under a new ref, while a checkpoint still names the old one. Records
      // of either ref are the same series.
      if (found.ref !== ref) this.replayAliases.set(ref, found);
      return found;
    }
    const s = this.insert(ref, labels, hash);
    s.walLogged = true;
    return s;
  }

  /** The series a WAL record's ref names during replay: its own, or the one it aliases. */
  replaySeries(ref: number): MemSeries | undefined {
    return this.series.get(ref) ?? this.replayAliases.get(ref);
  }

  /** Forgets the replay's aliases (after the replay: new records use the series' own refs). */
  endReplay(): void {
    this.replayAliases.clear();
  }

  private insert(ref: number, given: Labels, hash: number): MemSeries {
    const labels = given.map((l) => this.intern(l));
    const metric = metricName(labels);
    const s = new MemSeries(ref, labels, metric, this.options.chunkRangeMs);
    this.series.set(ref, s);
    this.selections.clear();
    const other = this.byHash.get(hash);
    if (other === undefined) this.byHash.set(hash, s);
    else if (Array.isArray(other)) other.push(s);
    else this.byHash.set(hash, [other, s]);
    this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    for (const l of labels) {
      let values = this.postings.get(l.name);
      if (values === undefined) {
        this.postings.set(l.name, (values = new Map()));
        this.sortedNames = undefined;
      }
      const refs = values.get(l.value);
      if (refs === undefined) {
        values.set(l.value, [ref]);
        this.sortedValues.delete(l.name);
      } else if (refs[refs.length - 1]! < ref) refs.push(ref);
      else {
        // Replay may restore refs out of order; keep the list sorted.
        refs.push(ref);
        refs.sort((a, b) => a - b);
      }
    }
    return s;
  }

  /** Every label name in the postings, sorted. Shared: the caller must not change it. */
  labelNames(): readonly string[] {
    return (this.sortedNames ??= [...this.postings.keys()].sort());
  }

  /** The values of `name` in the postings, sorted. Shared: the caller must not change it. */
  labelValues(name: string): readonly string[] {
    let sorted = this.sortedValues.get(name);
    if (sorted === undefined) {
      const values = this.postings.get(name);
      if (values === undefined) return NO_STRINGS;
      this.sortedValues.set(name, (sorted = [...values.keys()].sort()));
    }
    return sorted;
  }

  /** The shared Label object for `l`'s pair. */
  private intern(l: Label): Label {
    let values = this.interned.get(l.name);
    if (values === undefined) this.interned.set(l.name, (values = new Map()));
    let found = values.get(l.value);
    if (found === undefined) values.set(l.value, (found = Object.freeze({ name: l.name, value: l.value })));
    return found;
  }

  /** Notes a sample's time in the head's bounds. */
  observeTime(t: number): void {
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
  }

  /**
   * Drops from memory every chunk that ends before `t` (the data now sits in blocks, or
   * retention removed it) and the series left with nothing in memory and no sample at or
   * after `t`; they stop counting as active. A series an appender is using right now
   * (`pendingOwner`) stays, so its handle remains valid. Bumps `seriesEpoch` when series
   * leave. Returns what it removed.
   *
   * Works in batches and yields between them, so a head of 250 000 series never holds the
   * event loop for long. Meanwhile readers see a consistent head: a removed series is gone
   * from `series` at once and had nothing at or after `t`; the postings still naming it are
   * cleaned in a last pass (readers skip refs with no series), and a series that receives
   * a sample before its batch comes stays.
   */
  async truncate(t: number): Promise<{ samples: number; series: number }> {
    let samples = 0;
    const removed = new Set<number>();
    const refs = [...this.series.keys()];
    for (let i = 0; i < refs.length; i += TRUNCATE_BATCH) {
      let epoch = false;
      for (let k = i; k < Math.min(refs.length, i + TRUNCATE_BATCH); k++) {
        const s = this.series.get(refs[k]!);
        if (s === undefined) continue;
        samples += s.dropChunksBefore(t);
        if (s.firstT() === Infinity && s.lastT < t && s.pendingOwner === 0) {
          this.unregister(s);
          removed.add(s.ref);
          epoch = true;
        }
      }
      if (epoch) this.seriesEpoch++;
      await turn();
    }
    let minT = Infinity;
    for (const s of this.series.values()) {
      const first = s.firstT();
      if (first < minT) minT = first;
    }
    // maxT stays even when its series left: "too old" is still judged from it.
    this.minT = minT;
    if (removed.size > 0) await this.cleanPostings();
    return { samples, series: removed.size };
  }

  /** Takes a series out of the registry (not out of the postings: `cleanPostings`). */
  private unregister(s: MemSeries): void {
    this.series.delete(s.ref);
    this.selections.clear();
    s.releaseBuffer();
    const hash = labelsHash(s.labels);
    const found = this.byHash.get(hash);
    if (found === s) this.byHash.delete(hash);
    else if (Array.isArray(found)) {
      const rest = found.filter((x) => x !== s);
      if (rest.length === 1) this.byHash.set(hash, rest[0]!);
      else this.byHash.set(hash, rest);
    }
    const left = (this.perMetric.get(s.metric) ?? 1) - 1;
    if (left > 0) this.perMetric.set(s.metric, left);
    else this.perMetric.delete(s.metric);
  }

  /**
   * Drops refs of removed series from the postings, one label name at a time (each list is
   * rewritten synchronously, so an insert never races a rewrite), then the exemplars of
   * removed series.
   */
  private async cleanPostings(): Promise<void> {
    let work = 0;
    for (const name of [...this.postings.keys()]) {
      const values = this.postings.get(name);
      if (values === undefined) continue;
      for (const [value, list] of values) {
        work += list.length + 1;
        let n = 0;
        for (const ref of list) if (this.series.has(ref)) list[n++] = ref;
        if (n < list.length) {
          if (n > 0) list.length = n;
          else {
            values.delete(value);
            this.sortedValues.delete(name);
            this.interned.get(name)?.delete(value);
          }
        }
        // Yield within a name too: `instance` alone may have 100 k values. Iterating a Map
        // across the yield is safe: entries added meanwhile are visited later (their refs
        // are live), deleted ones are not visited.
        if (work >= POSTINGS_PER_TURN) {
          work = 0;
          await turn();
        }
      }
      if (values.size === 0 && this.postings.get(name) === values) {
        this.postings.delete(name);
        this.sortedNames = undefined;
        this.interned.delete(name);
      }
    }
    if (this.exemplars.length > 0) {
      let n = 0;
      for (const e of this.exemplars) if (this.series.has(e.seriesRef)) this.exemplars[n++] = e;
      this.exemplars.length = n;
      this.exemplarNext = 0;
    }
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
