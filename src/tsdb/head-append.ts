/**
 * Appending to the head. Samples are checked against the series' newest sample (and the
 * appender's own pending ones) when appended, buffered, and on `commit()` written to the
 * WAL first and applied to memory second, so memory never holds what the WAL lacks.
 */
import type { Labels } from '../model/labels.js';
import { formatLabels } from '../model/labels.js';
import { ByteWriter } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';
import type { Head } from './head.js';
import type { MemSeries } from './head-series.js';
import { AppendStatus, type Appender, type Exemplar, type MetricMetadata, type SeriesHandle, type SeriesRef } from './interface.js';
import { encodeExemplars, encodeMetadata, encodeSamples, encodeSeries, type ExemplarRecord, type SeriesRecord } from './wal-records.js';

/** Where committed records go. */
export interface WalSink {
  /** Writes the records; the write syscall is done on return. Throws a CairnError on failure. */
  append(records: readonly Uint8Array[]): void;
  /** Resolves once the fsync policy allows acknowledging what was appended. */
  waitDurable(): Promise<void>;
}

export { AppendStatus } from './interface.js';

/** Initial sample capacity of an appender: one Prometheus batch (2000 samples) fits twice. */
const INITIAL_SAMPLES = 4096;

let appenderIds = 0;

/** Sample buffers of finished appenders, reused: zeroing 96 KiB per request showed in profiles. */
interface SampleBuffers {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
}
const freeBuffers: SampleBuffers[] = [];
const NO_SAMPLES = new Float64Array(0);
const MAX_FREE_BUFFERS = 16;

function takeBuffers(): SampleBuffers {
  return freeBuffers.pop() ?? { refs: new Float64Array(INITIAL_SAMPLES), ts: new Float64Array(INITIAL_SAMPLES), vs: new Float64Array(INITIAL_SAMPLES) };
}

/**
 * One writer for every commit's WAL records: the WAL copies them into its frame buffer
 * before `append` returns, and commits encode synchronously, so they never overlap.
 */
const recordWriter = new ByteWriter();

/** Scratch for reading a float64's bits without allocating. */
const scratchF = new Float64Array(1);
// Signed halves: small integers for V8, no heap-number boxes in series fields.
const scratchU = new Int32Array(scratchF.buffer);

function iso(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/** The CairnError for a refused sample, in Mimir's words. */
export function sampleError(status: AppendStatus, t: number, labels: Labels): CairnError {
  const tail = `The affected sample has timestamp ${iso(t)} and is from series ${formatLabels(labels).slice(0, 200)}`;
  switch (status) {
    case AppendStatus.OutOfOrder:
      return new CairnError(
        'bad_data',
        'sample_out_of_order',
        `the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed (err-mimir-sample-out-of-order). ${tail}`,
      );
    case AppendStatus.DuplicateTimestamp:
      return new CairnError(
        'bad_data',
        'sample_duplicate_timestamp',
        `the sample has been rejected because another sample with the same timestamp, but a different value, has already been ingested (err-mimir-sample-duplicate-timestamp). ${tail}`,
      );
    case AppendStatus.TooOld:
      return new CairnError('bad_data', 'sample_timestamp_too_old', `the sample has been rejected because its timestamp is too old (err-mimir-sample-timestamp-too-old). ${tail}`);
    default:
      throw new Error(`BUG: no error for append status ${status}`);
  }
}

export class HeadAppender implements Appender {
  private readonly id = ++appenderIds;
  private n = 0;
  private refs: Float64Array;
  private ts: Float64Array;
  private vs: Float64Array;
  /** The series of each buffered sample, so applying needs no lookups. */
  private readonly sers: MemSeries[] = [];
  private readonly touched: MemSeries[] = [];
  private readonly exemplars: ExemplarRecord[] = [];
  private readonly metadata: MetricMetadata[] = [];
  private done = false;

  constructor(
    private readonly head: Head,
    private readonly wal: WalSink,
  ) {
    const b = takeBuffers();
    this.refs = b.refs;
    this.ts = b.ts;
    this.vs = b.vs;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    let s = ref === 0 ? undefined : this.head.series.get(ref);
    if (s === undefined) s = this.head.getOrCreate(labels).series;
    const status = this.appendTo(s, t, v);
    if (status > AppendStatus.Duplicate) throw sampleError(status, t, s.labels);
    return s.ref;
  }

  seriesFor(labels: Labels): MemSeries {
    return this.head.getOrCreate(labels).series;
  }

  existingSeries(labels: Labels): MemSeries | undefined {
    return this.head.byLabels(labels);
  }

  get seriesEpoch(): number {
    return this.head.seriesEpoch;
  }

  appendTo(handle: SeriesHandle, t: number, v: number): AppendStatus {
    // Handles only ever come from `seriesFor` of this store.
    const s = handle as MemSeries;
    if (this.done) throw new Error('BUG: append after commit or rollback');
    let lastT = s.lastT;
    let lastLo = s.lastLo;
    let lastHi = s.lastHi;
    if (s.pendingOwner === this.id) {
      lastT = s.pendingT;
      lastLo = s.pendingLo;
      lastHi = s.pendingHi;
    }
    scratchF[0] = v;
    const lo = scratchU[0]!;
    const hi = scratchU[1]!;
    if (t <= lastT) {
      if (t < lastT) return AppendStatus.OutOfOrder;
      return lo === lastLo && hi === lastHi ? AppendStatus.Duplicate : AppendStatus.DuplicateTimestamp;
    }
    if (t < this.head.minValidTime()) return AppendStatus.TooOld;
    if (s.pendingOwner !== this.id) {
      s.pendingOwner = this.id;
      this.touched.push(s);
    }
    s.pendingT = t;
    s.pendingLo = lo;
    s.pendingHi = hi;
    if (this.n === this.refs.length) this.grow();
    this.sers[this.n] = s;
    this.refs[this.n] = s.ref;
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
    return AppendStatus.Ok;
  }

  private grow(): void {
    const size = Math.max(INITIAL_SAMPLES, this.refs.length * 2);
    const g = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.refs = g(this.refs);
    this.ts = g(this.ts);
    this.vs = g(this.vs);
  }

  appendExemplar(ref: SeriesRef, e: Exemplar): void {
    if (this.head.limits().maxGlobalExemplarsPerUser <= 0) return;
    if (!this.head.series.has(ref)) return;
    this.exemplars.push({ ref, t: e.t, v: e.v, labels: e.labels });
  }

  updateMetadata(m: MetricMetadata): void {
    this.metadata.push(m);
  }

  /** Samples buffered so far. */
  get pending(): number {
    return this.n;
  }

  async commit(): Promise<void> {
    if (this.done) throw new Error('BUG: commit twice');
    this.done = true;
    const newSeries: SeriesRecord[] = [];
    for (let i = 0; i < this.touched.length; i++) {
      const s = this.touched[i]!;
      if (!s.walLogged) newSeries.push({ ref: s.ref, labels: s.labels });
    }
    for (const e of this.exemplars) {
      const s = this.head.series.get(e.ref)!;
      if (!s.walLogged && s.pendingOwner !== this.id) newSeries.push({ ref: s.ref, labels: s.labels });
    }
    const records: Uint8Array[] = [];
    const w = recordWriter;
    w.reset();
    let start = 0;
    const cut = () => {
      records.push(w.range(start, w.length));
      start = w.length;
    };
    if (newSeries.length > 0) {
      encodeSeries(w, newSeries);
      cut();
    }
    if (this.n > 0) {
      encodeSamples(w, this.n, this.refs, this.ts, this.vs);
      cut();
    }
    if (this.exemplars.length > 0) {
      encodeExemplars(w, this.exemplars);
      cut();
    }
    if (this.metadata.length > 0) {
      encodeMetadata(w, this.metadata);
      cut();
    }
    if (records.length === 0) {
      this.release();
      return;
    }
    try {
      this.wal.append(records);
    } catch (err) {
      this.release();
      throw err;
    }
    for (const s of newSeries) this.head.series.get(s.ref)!.walLogged = true;
    this.apply();
    await this.wal.waitDurable();
  }

  /** Applies buffered samples, exemplars and metadata to memory; synchronous. */
  private apply(): void {
    const { head } = this;
    const { sers, ts, vs } = this;
    let maxT = -Infinity;
    let minT = Infinity;
    for (let i = 0; i < this.n; i++) {
      const t = ts[i]!;
      sers[i]!.append(t, vs[i]!);
      if (t > maxT) maxT = t;
      if (t < minT) minT = t;
    }
    if (this.n > 0) {
      head.observeTime(minT);
      head.observeTime(maxT);
    }
    for (const e of this.exemplars) head.addExemplar({ seriesRef: e.ref, labels: e.labels, t: e.t, v: e.v });
    for (const m of this.metadata) head.metadata.set(m.metricFamilyName, m);
    this.release();
  }

  private release(): void {
    for (const s of this.touched) if (s.pendingOwner === this.id) s.pendingOwner = 0;
    this.touched.length = 0;
    this.sers.length = 0;
    this.n = 0;
    if (this.refs !== NO_SAMPLES && freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push({ refs: this.refs, ts: this.ts, vs: this.vs });
    this.refs = this.ts = this.vs = NO_SAMPLES;
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    // Series created by this appender stay in memory (as in Prometheus); they are logged
    // by the next commit that names them, since `walLogged` is still false.
    this.release();
  }
}
