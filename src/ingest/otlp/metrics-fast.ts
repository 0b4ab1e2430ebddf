/**
 * The OTLP metrics hot path, as `RemoteWriteIngester` is remote write's: a collector sends
 * the same series every interval, so a request whose every series the tenant sent before
 * is stored straight from its protobuf bytes — no objects per point, no translation, no
 * label validation. Gauges, cumulative sums and cumulative explicit-bucket histograms go
 * this way; anything else (a series seen for the first time, summaries, exponential
 * histograms, exemplars, a refused metric, bytes the reference decoder might read
 * differently) answers `FALLBACK`, and the caller takes the reference route (decode,
 * `pushOtlpMetrics`), after which `learn` indexes the request's series.
 *
 * The index maps bytes to what the reference made of them: a resource's message bytes →
 * its `target_info` series; a metric's scope and header bytes (name, description, unit,
 * metadata, kind) → its metadata; a point's attribute bytes (and a histogram's bounds) →
 * its series. The translation is a function of those bytes and of the tenant's limits,
 * so equal bytes under equal limits are the same series, already validated. The index is dropped when
 * the limits change or the store drops series (`seriesEpoch`), as the remote-write one.
 *
 * What the fast path does as the reference does (`metrics-ingest.ts`, `distributor.ts`):
 * the rate limit over the same items (points, `target_info` samples, metadata), the same
 * time checks and store refusals, metadata per metric, and the same answer. Samples are
 * appended point by point rather than series by series, which only changes which of
 * several refused samples the partial success names (Mimir's order is a map's).
 */
import { isCairnError } from '../../util/errors.js';
import { AppendStatus, type Appender, type SeriesHandle } from '../../tsdb/interface.js';
import { sampleError } from '../../tsdb/head-append.js';
import { metricName } from '../../model/labels.js';
import { STALE_NAN } from '../../model/stale.js';
import { INGESTER_REASONS, Outcome, storeMetadata } from '../distributor.js';
import type { MetricMetadata } from '../remote-write/types.js';
import { acceptedWindow, normalizeLabels, sampleTimeError, validateLabels, type SampleWindow, type ValidationLimits } from '../validate.js';
import { translateOptionsOf, type OtlpMetricsIngestDeps, type OtlpMetricsLimits } from './metrics-ingest.js';
import { histogramSeriesLabels, invalidUtf8Labels, metricMetadata, resourceContext, seriesLabels, targetInfoInvalidLabels, targetInfoLabels, targetInfoTimes, type ResourceContext } from './metrics-translate.js';
import type { PartialSuccess } from './response.js';
import type { ExportMetricsServiceRequest, HistogramDataPoint, Metric, NumberDataPoint } from './types.js';

/** `tryPush`'s answer when the request must take the reference route. */
export const FALLBACK: unique symbol = Symbol('otlp-fallback');

/** A resource's series: its metrics by key, and its `target_info` (null: it has none; undefined: not known yet). */
interface ResourceEntry {
  readonly metrics: Map<string, MetricEntry>;
  targetInfo: SeriesHandle | null | undefined;
}

interface MetricEntry {
  readonly metadata: MetricMetadata;
  /** A point's series, in the order of its values (one; a histogram's several). */
  readonly points: Map<string, readonly SeriesHandle[]>;
}

interface TenantIndex {
  readonly resources: Map<string, ResourceEntry>;
  limits: ValidationLimits & OtlpMetricsLimits;
  epoch: number;
  /** Series indexed, over all resources. */
  size: number;
}

/** The index's size bound (in series) for a tenant without a series limit. */
const MAX_UNLIMITED_SERIES = 1_000_000;

/** Thrown inside the scan for anything it leaves to the reference decoder. */
const BAIL = new Error('otlp-fast: bail');

// Wire types.
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const MAX_FIELD_NUMBER = 0x1fff_ffff;
/** `AggregationTemporality.CUMULATIVE`. */
const CUMULATIVE = 2;
/** 2^32 = 4294 × 10^6 + 967296: splits a nanosecond time's high word for exact division. */
const HI_MS = 4294;
const HI_REM_NS = 967_296;

/**
 * One request's structure as the scan found it, in the order of the bytes (which is the
 * decoder's order): resources, their metrics, their points.
 */
class ScanResult {
  resourceKeys: string[] = [];
  /** Per resource, its first metric; per metric, its first point (ends: the next one's). */
  resourceFirstMetric: number[] = [];
  metricKeys: string[] = [];
  metricFirstPoint: number[] = [];
  pointKeys: string[] = [];
  t = new Float64Array(1024);
  /** Per point, where its values start in `v` (its series' samples, in their order). */
  firstValue = new Int32Array(1025);
  /** Values; a typed array keeps the stale marker's NaN payload (a JS array would not). */
  v = new Float64Array(1024);
  points = 0;
  values = 0;

  reset(): void {
    this.resourceKeys.length = 0;
    this.resourceFirstMetric.length = 0;
    this.metricKeys.length = 0;
    this.metricFirstPoint.length = 0;
    this.pointKeys.length = 0;
    this.points = 0;
    this.values = 0;
  }

  /** The end (exclusive) of resource `r`'s metrics. */
  metricsEnd(r: number): number {
    return r + 1 < this.resourceKeys.length ? this.resourceFirstMetric[r + 1]! : this.metricKeys.length;
  }

  /** The first point of metric `m` (`metricKeys.length` for the end of the points). */
  firstPoint(m: number): number {
    return m < this.metricKeys.length ? this.metricFirstPoint[m]! : this.points;
  }

  /** Adds a value of the point being read (call `endPoint` after its last). */
  addValue(v: number): void {
    if (this.values === this.v.length) {
      const v2 = new Float64Array(this.v.length * 2);
      v2.set(this.v);
      this.v = v2;
    }
    this.v[this.values++] = v;
  }

  /** Ends a point whose values were added since the previous one ended. */
  endPoint(key: string, t: number): void {
    if (this.points + 1 === this.t.length) {
      const t2 = new Float64Array(this.t.length * 2);
      const f2 = new Int32Array(this.t.length * 2 + 1);
      t2.set(this.t);
      f2.set(this.firstValue);
      this.t = t2;
      this.firstValue = f2;
    }
    this.pointKeys.push(key);
    this.t[this.points] = t;
    this.points++;
    this.firstValue[this.points] = this.values;
  }
}

/**
 * Walks an `ExportMetricsServiceRequest` accepting only what it reads exactly as
 * `decode-proto.ts` + `translateMetrics` would: gauges, cumulative sums and cumulative
 * explicit-bucket histograms without exemplars, each singular message at most once.
 * Throws `BAIL` otherwise, including for bytes the decoder would refuse (the reference
 * then answers its 400).
 */
class Scanner {
  private buf: Buffer = Buffer.alloc(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  /** A histogram point's bucket counts (scratch). */
  private readonly counts: number[] = [];
  readonly out = new ScanResult();

  scan(body: Uint8Array): ScanResult {
    this.buf = Buffer.from(body.buffer, body.byteOffset, body.length);
    this.view = new DataView(body.buffer, body.byteOffset, body.length);
    this.pos = 0;
    this.out.reset();
    try {
      const end = body.length;
      while (this.pos < end) {
        const tag = this.tag(end);
        if (tag === ((1 << 3) | LEN)) this.resourceMetrics(this.len(end));
        else if (tag >>> 3 === 1) throw BAIL;
        else this.skip(tag, end);
      }
      return this.out;
    } finally {
      // Do not keep the request's bytes alive.
      this.buf = EMPTY;
      this.view = EMPTY_VIEW;
    }
  }

  private resourceMetrics(end: number): void {
    this.out.resourceFirstMetric.push(this.out.metricKeys.length);
    this.out.resourceKeys.push(this.envelope(end, false));
  }

  private scopeMetrics(end: number): void {
    const out = this.out;
    const first = out.metricKeys.length;
    const scope = this.envelope(end, true);
    // A metric is known by its scope too (the decoder reads the scope's bytes; equal bytes
    // are known to decode), length-prefixed so that no two pairs make one key. A scope
    // with no metric would be looked up nowhere: its bytes are left to the decoder.
    if (scope !== '' && out.metricKeys.length === first) throw BAIL;
    const prefix = `${scope.length}:${scope}`;
    for (let m = first; m < out.metricKeys.length; m++) out.metricKeys[m] = prefix + out.metricKeys[m]!;
  }

  /**
   * A ResourceMetrics or ScopeMetrics message (`resource`/`scope` = 1, its items = 2,
   * `schema_url` = 3): scans the items (scope metrics, or metrics when `metrics`) and
   * returns field 1's bytes as a key ('' when absent).
   */
  private envelope(end: number, metrics: boolean): string {
    let head: string | undefined;
    while (this.pos < end) {
      const tag = this.tag(end);
      if (tag === ((1 << 3) | LEN)) {
        if (head !== undefined) throw BAIL;
        const e = this.len(end);
        head = this.buf.toString('latin1', this.pos, e);
        this.pos = e;
      } else if (tag === ((2 << 3) | LEN)) {
        if (metrics) this.metric(this.len(end));
        else this.scopeMetrics(this.len(end));
      } else if (tag >>> 3 === 3) this.skipLen(tag, end);
      else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw BAIL;
      else this.skip(tag, end);
    }
    return head ?? '';
  }

  private metric(end: number): void {
    const out = this.out;
    let header = '';
    let dataTag = 0;
    let dataStart = 0;
    let dataEnd = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end);
      const field = tag >>> 3;
      if (field === 1 || field === 2 || field === 3 || field === 12) {
        // name, description, unit, metadata: the whole field, tag and all.
        const e = this.len(end, tag);
        header += this.buf.toString('latin1', at, e);
        this.pos = e;
      } else if (field === 5 || field === 7 || field === 9) {
        if (dataTag !== 0) throw BAIL;
        dataTag = tag;
        dataEnd = this.len(end, tag);
        dataStart = this.pos;
        this.pos = dataEnd;
      } else if (field === 10 || field === 11) throw BAIL;
      else this.skip(tag, end);
    }
    if (dataTag === 0) throw BAIL;
    const kind = dataTag >>> 3;
    let monotonic = false;
    if (kind !== 5) {
      // A sum's and a histogram's temporality (and a sum's monotonicity) may follow the
      // points: read them first.
      let temporality = 0;
      this.pos = dataStart;
      while (this.pos < dataEnd) {
        const tag = this.tag(dataEnd);
        const field = tag >>> 3;
        if (field === 2) {
          if ((tag & 7) !== VARINT) throw BAIL;
          temporality = this.varint(dataEnd);
        } else if (field === 3 && kind === 7) {
          if ((tag & 7) !== VARINT) throw BAIL;
          monotonic = this.varint(dataEnd) !== 0;
        } else if (field === 1) this.skipLen(tag, dataEnd);
        else this.skip(tag, dataEnd);
      }
      if (temporality !== CUMULATIVE) throw BAIL;
    }
    out.metricKeys.push(`${header}\u0001${kind === 9 ? 'h' : kind === 7 ? (monotonic ? 'c' : 's') : 'g'}`);
    out.metricFirstPoint.push(out.points);
    this.pos = dataStart;
    while (this.pos < dataEnd) {
      const tag = this.tag(dataEnd);
      if (tag === ((1 << 3) | LEN)) {
        if (kind === 9) this.histogramPoint(this.len(dataEnd));
        else this.point(this.len(dataEnd));
      } else if (tag >>> 3 === 1) throw BAIL;
      else this.skip(tag, dataEnd);
    }
    this.pos = end;
  }

  private point(end: number): void {
    let key = '';
    let t = 0;
    let v = 0;
    let stale = false;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end);
      switch (tag >>> 3) {
        case 7:
          key += this.fieldBytes(at, tag, end);
          break;
        case 3:
          t = this.fixedMs(tag, end);
          break;
        case 4:
          v = this.fixedDouble(tag, end);
          break;
        case 6:
          v = this.fixedInt(tag, end);
          break;
        case 8:
          stale = this.noRecordedValue(tag, end);
          break;
        case 2:
          this.skipI64(tag, end); // start time
          break;
        case 5:
          throw BAIL; // exemplars
        default:
          this.skip(tag, end);
      }
    }
    this.out.addValue(stale ? STALE_NAN : v);
    this.out.endPoint(key, t);
  }

  /**
   * A histogram point: its values in the order of its series (`histogramSeriesLabels`):
   * the sum when it has one, the count, the cumulative count at each bound, the count.
   * Its key holds the attributes, the bounds and whether it has a sum, which name the series.
   */
  private histogramPoint(end: number): void {
    let key = '';
    let bounds = '';
    let nBounds = 0;
    const counts = this.counts;
    counts.length = 0;
    let t = 0;
    let count = 0;
    let sum = 0;
    let hasSum = false;
    let stale = false;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end);
      switch (tag >>> 3) {
        case 9:
          key += this.fieldBytes(at, tag, end);
          break;
        case 3:
          t = this.fixedMs(tag, end);
          break;
        case 4:
          count = this.fixedCount(tag, end);
          break;
        case 5:
          sum = this.fixedDouble(tag, end);
          hasSum = true;
          break;
        case 6:
          // bucket_counts, packed or one at a time (the decoder reads both).
          if ((tag & 7) === LEN) {
            const e = this.len(end);
            if ((e - this.pos) % 8 !== 0) throw BAIL;
            while (this.pos < e) counts.push(this.fixedCount(I64, e));
          } else counts.push(this.fixedCount(tag, end));
          break;
        case 7: {
          // explicit_bounds, the same; their bytes name the `le` series.
          if ((tag & 7) === LEN) {
            const e = this.len(end);
            if ((e - this.pos) % 8 !== 0) throw BAIL;
            nBounds += (e - this.pos) / 8;
            this.pos = e;
          } else {
            this.fixedDouble(tag, end);
            nBounds++;
          }
          bounds += this.buf.toString('latin1', at, this.pos);
          break;
        }
        case 10:
          stale = this.noRecordedValue(tag, end);
          break;
        case 2:
        case 11:
        case 12:
          this.skipI64(tag, end); // start time, min, max
          break;
        case 8:
          throw BAIL; // exemplars
        default:
          this.skip(tag, end);
      }
    }
    const out = this.out;
    const val = (x: number) => (stale ? STALE_NAN : x);
    if (hasSum) out.addValue(val(sum));
    out.addValue(val(count));
    let cumulative = 0;
    for (let i = 0; i < nBounds; i++) {
      cumulative += counts[i] ?? 0;
      out.addValue(val(cumulative));
    }
    out.addValue(val(count));
    out.endPoint(`${key}\u0001${bounds.length}:${bounds}${hasSum ? 's' : ''}`, t);
  }

  /** The current length-delimited field, from its tag at `at`, as a key piece. */
  private fieldBytes(at: number, tag: number, end: number): string {
    const e = this.len(end, tag);
    this.pos = e;
    return this.buf.toString('latin1', at, e);
  }

  /** A point's `flags`: whether NO_RECORDED_VALUE (bit 0, in the varint's first byte) is set. */
  private noRecordedValue(tag: number, end: number): boolean {
    if ((tag & 7) !== VARINT || this.pos >= end) throw BAIL;
    const set = (this.buf[this.pos]! & 1) !== 0;
    this.varint(end);
    return set;
  }

  /** A `fixed64` the decoder reads and the translation does not. */
  private skipI64(tag: number, end: number): void {
    if ((tag & 7) !== I64) throw BAIL;
    this.need(8, end);
  }

  /** A `fixed64` count as the decoder reads it (`fixed64Number`: one rounding of its halves). */
  private fixedCount(tag: number, end: number): number {
    if ((tag & 7) !== I64) throw BAIL;
    const p = this.need(8, end);
    return this.view.getUint32(p, true) + this.view.getUint32(p + 4, true) * 0x1_0000_0000;
  }

  /** `time_unix_nano` in ms, truncated, exactly (`Number(ns / 10^6n)`). */
  private fixedMs(tag: number, end: number): number {
    if ((tag & 7) !== I64) throw BAIL;
    const p = this.need(8, end);
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getUint32(p + 4, true);
    return hi * HI_MS + Math.floor((hi * HI_REM_NS + lo) / 1_000_000);
  }

  private fixedDouble(tag: number, end: number): number {
    if ((tag & 7) !== I64) throw BAIL;
    return this.view.getFloat64(this.need(8, end), true);
  }

  /** `as_int` as `Number(bigint)` gives it: one correctly rounded addition of exact halves. */
  private fixedInt(tag: number, end: number): number {
    if ((tag & 7) !== I64) throw BAIL;
    const p = this.need(8, end);
    return this.view.getInt32(p + 4, true) * 0x1_0000_0000 + this.view.getUint32(p, true);
  }

  /** A tag, with the checks of `ProtoReader.next` (groups are left to the reference). */
  private tag(end: number): number {
    const tag = this.varint(end);
    const field = Math.floor(tag / 8);
    const wt = tag % 8;
    if (field === 0 || field > MAX_FIELD_NUMBER || (wt !== VARINT && wt !== I64 && wt !== LEN && wt !== I32)) throw BAIL;
    return tag;
  }

  /** A varint as a number (exact below 2^53); malformed → BAIL. */
  private varint(end: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw BAIL;
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw BAIL;
  }

  /** A length-delimited field's end (its payload starts at `pos`); `tag` must be LEN. */
  private len(end: number, tag = LEN): number {
    if ((tag & 7) !== LEN) throw BAIL;
    const n = this.varint(end);
    if (n > end - this.pos) throw BAIL;
    return this.pos + n;
  }

  private skipLen(tag: number, end: number): void {
    this.pos = this.len(end, tag);
  }

  private need(n: number, end: number): number {
    if (end - this.pos < n) throw BAIL;
    const p = this.pos;
    this.pos += n;
    return p;
  }

  private skip(tag: number, end: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint(end);
        return;
      case I64:
        this.need(8, end);
        return;
      case I32:
        this.need(4, end);
        return;
      default:
        this.skipLen(tag, end);
    }
  }
}

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

export class OtlpMetricsIngester {
  private readonly scanner = new Scanner();
  private readonly tenants = new Map<string, TenantIndex>();
  private handles: (readonly SeriesHandle[])[] = [];

  constructor(private readonly deps: OtlpMetricsIngestDeps) {}

  /** Series indexed, over all tenants (for tests). */
  get indexedSeries(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.size;
    return n;
  }

  /**
   * Stores an uncompressed protobuf `ExportMetricsServiceRequest` for `tenant` when every
   * series in it is indexed, answering as `pushOtlpMetrics` would; otherwise stores
   * nothing and resolves `FALLBACK`.
   */
  async tryPush(tenant: string, body: Uint8Array): Promise<PartialSuccess | undefined | typeof FALLBACK> {
    const { deps } = this;
    const limits = deps.limits.forTenant(tenant);
    const ti = this.tenants.get(tenant);
    if (ti === undefined || ti.limits !== limits) return FALLBACK;
    const app = deps.appender(tenant);
    try {
      return await this.store(tenant, body, ti, limits, app);
    } finally {
      // Gives back the appender's buffers when nothing was committed (a no-op after commit).
      app.rollback();
    }
  }

  /** `tryPush` with its appender. */
  private async store(tenant: string, body: Uint8Array, ti: TenantIndex, limits: ValidationLimits & OtlpMetricsLimits, app: Appender): Promise<PartialSuccess | undefined | typeof FALLBACK> {
    const { deps } = this;
    if (ti.epoch !== app.seriesEpoch) return FALLBACK;
    let scan: ScanResult;
    try {
      scan = this.scanner.scan(body);
    } catch (err) {
      if (err === BAIL) return FALLBACK;
      throw err;
    }
    const now = deps.clock.now();
    const window = acceptedWindow(now, limits);

    // Resolve every series before storing anything; the target_info samples count too.
    const handles = this.handles;
    handles.length = 0;
    const metadata: MetricMetadata[] = [];
    let infoSamples = 0;
    const nRes = scan.resourceKeys.length;
    /** Per resource, its `target_info` series and sample times, when it has any this request. */
    const infos: ({ readonly series: SeriesHandle; readonly times: number[] } | null)[] = [];
    for (let r = 0; r < nRes; r++) {
      const res = ti.resources.get(scan.resourceKeys[r]!);
      if (res === undefined) return FALLBACK;
      const mFirst = scan.resourceFirstMetric[r]!;
      const mEnd = scan.metricsEnd(r);
      for (let m = mFirst; m < mEnd; m++) {
        const me = res.metrics.get(scan.metricKeys[m]!);
        if (me === undefined) return FALLBACK;
        metadata.push(me.metadata);
        for (let p = scan.firstPoint(m), pEnd = scan.firstPoint(m + 1); p < pEnd; p++) {
          const hs = me.points.get(scan.pointKeys[p]!);
          if (hs === undefined || hs.length !== scan.firstValue[p + 1]! - scan.firstValue[p]!) return FALLBACK;
          handles.push(hs);
        }
      }
      const pFirst = scan.firstPoint(mFirst);
      const pEnd = scan.firstPoint(mEnd);
      // A resource without points has no target_info sample.
      if (pEnd === pFirst || res.targetInfo === null) infos.push(null);
      else if (res.targetInfo === undefined) return FALLBACK;
      else {
        const [minT, maxT] = span(scan.t, pFirst, pEnd);
        const times = targetInfoTimes(minT, maxT, window);
        infos.push({ series: res.targetInfo, times });
        infoSamples += times.length;
      }
    }

    const items = scan.values + infoSamples + metadata.length;
    if (items === 0) return undefined;
    try {
      deps.rateLimiter.takeSamples(tenant, items);
    } catch (err) {
      if (isCairnError(err) && err.reason === 'rate_limited') {
        // As the reference: what a rate-limited request carried is counted as discarded.
        deps.metrics.discardedSamples.inc({ tenant, reason: err.reason }, scan.values + infoSamples);
        if (metadata.length > 0) deps.metrics.discardedMetadata.inc({ tenant, reason: err.reason }, metadata.length);
      }
      throw err;
    }

    const out = new Outcome();
    for (let r = 0, p = 0; r < nRes; r++) {
      const pEnd = scan.firstPoint(scan.metricsEnd(r));
      for (; p < pEnd; p++) {
        const hs = handles[p]!;
        const t = scan.t[p]!;
        const v0 = scan.firstValue[p]!;
        for (let j = 0; j < hs.length; j++) append(app, hs[j]!, t, scan.v[v0 + j]!, now, window, limits, out);
      }
      const info = infos[r]!;
      if (info !== null) for (const t of info.times) append(app, info.series, t, 1, now, window, limits, out);
    }
    // Shared scratch: another request may fill it during the commit.
    handles.length = 0;
    storeMetadata(app, metadata, limits, out);
    await app.commit();
    out.report(deps.metrics, tenant);
    const first = out.first();
    if (first === undefined) return undefined;
    if (!INGESTER_REASONS.has(first.reason)) throw first;
    return { rejected: 0, errorMessage: first.message };
  }

  /**
   * Indexes the series of a request `pushOtlpMetrics` has just stored (`body` its bytes,
   * `req` their decoding), so the next one like it takes the fast path: every point whose
   * labels pass validation under the tenant's limits and whose series the store has. A
   * push with refusals still teaches the rest: a collector with one series out of order
   * in every scrape keeps the fast path for the others.
   */
  learn(tenant: string, body: Uint8Array, req: ExportMetricsServiceRequest): void {
    let scan: ScanResult;
    try {
      scan = this.scanner.scan(body);
    } catch (err) {
      if (err === BAIL) return;
      throw err;
    }
    if (!sameShape(req, scan)) return;
    const limits = this.deps.limits.forTenant(tenant);
    const app = this.deps.appender(tenant);
    try {
      const ti = this.indexFor(tenant, limits, app);
      const opts = translateOptionsOf(limits);
      const promote = new Set(opts.promoteResourceAttributes);
      // No more label sets than the tenant may hold series: a histogram with a million
      // bounds (refused by the translation) must not make a million here.
      let budget = limits.maxGlobalSeriesPerUser > 0 ? limits.maxGlobalSeriesPerUser : Infinity;
      let m = 0;
      let p = 0;
      for (let r = 0; r < req.resourceMetrics.length; r++) {
        const rm = req.resourceMetrics[r]!;
        const ctx = resourceContext(rm.resource, promote);
        let res = ti.resources.get(scan.resourceKeys[r]!);
        if (res === undefined) ti.resources.set(scan.resourceKeys[r]!, (res = { metrics: new Map(), targetInfo: undefined }));
        const pFirst = p;
        for (const sm of rm.scopeMetrics) {
          for (const metric of sm.metrics) {
            const points = pointsOf(metric)!;
            const key = scan.metricKeys[m]!;
            let me = res.metrics.get(key);
            if (me === undefined) res.metrics.set(key, (me = { metadata: metricMetadata(metric, opts), points: new Map() }));
            for (const point of points) {
              const pk = scan.pointKeys[p++]!;
              if (me.points.has(pk)) continue;
              budget -= valuesOf(metric, point);
              if (budget < 0) return;
              const hs = pointSeries(app, metric, point, ctx, me.metadata.metricFamilyName, limits);
              if (hs === undefined) continue;
              me.points.set(pk, hs);
              ti.size += hs.length;
            }
            m++;
          }
        }
        if (res.targetInfo === undefined) {
          const labels = targetInfoLabels(rm.resource, ctx);
          // Only a resource with points made (and stored) its target_info.
          if (labels === undefined) res.targetInfo = null;
          else if (p > pFirst && targetInfoInvalidLabels(rm.resource, ctx) === undefined) {
            const h = seriesOf(app, labels, limits);
            if (h !== undefined) {
              res.targetInfo = h;
              ti.size++;
            }
          }
        }
      }
    } finally {
      app.rollback();
    }
  }

  /** The tenant's index, cleared when its limits or the store's series changed. */
  private indexFor(tenant: string, limits: ValidationLimits & OtlpMetricsLimits, app: Appender): TenantIndex {
    let ti = this.tenants.get(tenant);
    // Entries are keyed by bytes: a sender whose attribute order changes from request to
    // request adds keys for the same series. Past twice the series the tenant may hold,
    // start over rather than grow without bound.
    const cap = 2 * (limits.maxGlobalSeriesPerUser > 0 ? limits.maxGlobalSeriesPerUser : MAX_UNLIMITED_SERIES);
    if (ti === undefined || ti.limits !== limits || ti.epoch !== app.seriesEpoch || ti.size >= cap) {
      ti = { resources: new Map(), limits, epoch: app.seriesEpoch, size: 0 };
      this.tenants.set(tenant, ti);
    }
    return ti;
  }
}

/** A gauge's, sum's or histogram's points; undefined for any other metric (the scan took none). */
function pointsOf(m: Metric): readonly (NumberDataPoint | HistogramDataPoint)[] | undefined {
  return (m.gauge ?? m.sum ?? m.histogram)?.dataPoints;
}

/** How many series (and values) a point makes: one; a histogram's sum, count, buckets and +Inf. */
function valuesOf(m: Metric, p: NumberDataPoint | HistogramDataPoint): number {
  if (m.histogram === undefined) return 1;
  const h = p as HistogramDataPoint;
  return (h.sum !== undefined ? 1 : 0) + h.explicitBounds.length + 2;
}

/** A point's stored series in the order of its values, or undefined unless all are known (`seriesOf`). */
function pointSeries(app: Appender, m: Metric, p: NumberDataPoint | HistogramDataPoint, ctx: ResourceContext, name: string, limits: ValidationLimits): SeriesHandle[] | undefined {
  // Refused by the reference (not UTF-8), however like a stored series its labels read.
  if (invalidUtf8Labels(p.attributes, ctx.invalid) !== undefined) return undefined;
  const sets =
    m.histogram === undefined
      ? [seriesLabels(p.attributes, ctx, name)]
      : histogramSeriesLabels(p.attributes, ctx, name, (p as HistogramDataPoint).sum !== undefined, (p as HistogramDataPoint).explicitBounds);
  const out: SeriesHandle[] = [];
  for (const labels of sets) {
    const h = seriesOf(app, labels, limits);
    if (h === undefined) return undefined;
    out.push(h);
  }
  return out;
}

/** Whether `req` has the scan's shape: as many resources, metrics (all gauges or sums) and points, in order. */
function sameShape(req: ExportMetricsServiceRequest, scan: ScanResult): boolean {
  if (req.resourceMetrics.length !== scan.resourceKeys.length) return false;
  let m = 0;
  for (let r = 0; r < req.resourceMetrics.length; r++) {
    if (scan.resourceFirstMetric[r] !== m) return false;
    for (const sm of req.resourceMetrics[r]!.scopeMetrics) {
      for (const metric of sm.metrics) {
        const points = pointsOf(metric);
        if (points === undefined || m >= scan.metricKeys.length) return false;
        const first = scan.firstPoint(m);
        if (points.length !== scan.firstPoint(m + 1) - first) return false;
        for (let i = 0; i < points.length; i++) {
          if (valuesOf(metric, points[i]!) !== scan.firstValue[first + i + 1]! - scan.firstValue[first + i]!) return false;
        }
        m++;
      }
    }
  }
  return m === scan.metricKeys.length;
}

/**
 * The stored series of translated labels, if they are valid under `limits` (what the
 * reference checks before storing) and the store has it; labels that normalise to nothing
 * were dropped silently and have none.
 */
function seriesOf(app: Appender, raw: Parameters<typeof normalizeLabels>[0], limits: ValidationLimits): SeriesHandle | undefined {
  const labels = normalizeLabels(raw);
  if (labels.length === 0 || validateLabels(labels, limits) !== undefined) return undefined;
  return app.existingSeries(labels);
}

/** Earliest and latest of `t[from, to)`. */
function span(t: Float64Array, from: number, to: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const x = t[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

/** One sample through the reference's checks (as `RemoteWriteIngester` does them). */
function append(app: Appender, h: SeriesHandle, t: number, v: number, now: number, window: SampleWindow, limits: ValidationLimits, out: Outcome): void {
  if (t > window.newest || t < window.oldest) {
    out.refuse(sampleTimeError(t, now, limits, metricName(h.labels))!, 1, false);
    return;
  }
  const status = app.appendTo(h, t, v);
  if (status > AppendStatus.Duplicate) out.refuse(sampleError(status, t, h.labels), 1, true);
  else out.accepted++;
}
