/**
 * The remote-write hot path: the distributor's rules (distributor.ts, the reference this
 * must agree with) applied while scanning the protobuf bytes, so a series the tenant sent
 * before costs a hash, a byte comparison and its samples — no label strings, no sorting,
 * no validation. A series seen for the first time takes the reference route: labels
 * materialised, normalised, validated, resolved in the store, and its wire bytes indexed.
 *
 * Differences from the reference, by design: the rate limit is taken after the scan
 * (the item count is known only then), and a body that turns out malformed half way is
 * refused as a whole with nothing stored, as Mimir refuses a body it cannot unmarshal.
 */
import { isCairnError } from '../util/errors.js';
import { AppendStatus, type Appender } from '../tsdb/interface.js';
import { sampleError } from '../tsdb/head-append.js';
import { metricName, type Label, type Labels } from '../model/labels.js';
import { Outcome, histogramsUnsupported, storeExemplars, storeMetadata, type DistributorDeps } from './distributor.js';
import { WriteRequestScanner } from './remote-write/decode-fast.js';
import type { MetricMetadata } from './remote-write/types.js';
import { acceptedWindow, normalizeLabels, sampleTimeError, validateLabels, type ValidationLimits } from './validate.js';
import { WireSeriesIndex } from './wire-series-index.js';

/** A tenant's wire index and what it is valid for. */
interface TenantIndex {
  readonly index: WireSeriesIndex;
  limits: ValidationLimits;
  epoch: number;
}

/** Items a request carried (native histogram samples count as samples, as in Mimir). */
interface Seen {
  samples: number;
  exemplars: number;
}

export class RemoteWriteIngester {
  private readonly scanner = new WriteRequestScanner();
  private readonly tenants = new Map<string, TenantIndex>();

  constructor(private readonly deps: DistributorDeps) {}

  /** Series known by wire bytes, over all tenants (for self-metrics and tests). */
  get indexedSeries(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.index.size;
    return n;
  }

  /**
   * Stores an uncompressed `WriteRequest` for `tenant`. Resolves when everything valid is
   * durable; throws the first error (a CairnError) after storing the rest.
   */
  async push(tenant: string, body: Uint8Array): Promise<void> {
    const { deps } = this;
    const limits = deps.limits.forTenant(tenant);
    const app = deps.appender(tenant);
    const ti = this.indexFor(tenant, limits, app);
    const out = new Outcome();
    const seen: Seen = { samples: 0, exemplars: 0 };
    let metadata: readonly MetricMetadata[] = [];
    let items = 0;
    try {
      this.scan(body, app, ti.index, limits, out, seen);
      metadata = this.scanner.metadata;
      items = seen.samples + seen.exemplars + metadata.length;
      if (items > 0) deps.rateLimiter.takeSamples(tenant, items);
    } catch (err) {
      app.rollback();
      if (isCairnError(err) && err.reason === 'rate_limited') {
        // As Mimir: what a rate-limited request carried is counted as discarded.
        deps.metrics.discardedSamples.inc({ tenant, reason: err.reason }, seen.samples);
        if (seen.exemplars > 0) deps.metrics.discardedExemplars.inc({ tenant, reason: err.reason }, seen.exemplars);
        if (metadata.length > 0) deps.metrics.discardedMetadata.inc({ tenant, reason: err.reason }, metadata.length);
      }
      throw err;
    } finally {
      // Do not keep the request buffer alive until the next request.
      this.scanner.reset(EMPTY);
    }
    if (items === 0) {
      app.rollback();
      return;
    }
    storeMetadata(app, metadata, limits, out);
    await app.commit();
    out.report(deps.metrics, tenant);
    const first = out.first();
    if (first !== undefined) throw first;
  }

  /** The tenant's index, cleared when its limits or the store's series changed. */
  private indexFor(tenant: string, limits: ValidationLimits, app: Appender): TenantIndex {
    let ti = this.tenants.get(tenant);
    if (ti === undefined) {
      ti = { index: new WireSeriesIndex(), limits, epoch: app.seriesEpoch };
      this.tenants.set(tenant, ti);
    } else if (ti.limits !== limits || ti.epoch !== app.seriesEpoch) {
      ti.index.clear();
      ti.limits = limits;
      ti.epoch = app.seriesEpoch;
    }
    return ti;
  }

  /** Scans and appends every series, counting what the request carried into `seen`. */
  private scan(body: Uint8Array, app: Appender, index: WireSeriesIndex, limits: ValidationLimits, out: Outcome, seen: Seen): void {
    const sc = this.scanner.reset(body);
    index.startRequest();
    const now = this.deps.clock.now();
    // Outside [oldest, newest] a sample fails the time checks; inside it passes them.
    const { oldest, newest } = acceptedWindow(now, limits);
    while (sc.next()) {
      const n = sc.sampleCount;
      const nEx = sc.exemplarCount;
      const nHist = sc.histogramCount;
      seen.samples += n + nHist;
      seen.exemplars += nEx;
      if (nHist > 0) out.refuse(histogramsUnsupported(nHist), nHist, false);
      if (n === 0 && nEx === 0) {
        // Nothing to store, but the scan leaves a series' labels unread until they are
        // decoded, and the reference decodes every series: malformed ones refuse the body.
        sc.labels();
        continue;
      }

      // A known series skips decoding and validation; a new one is validated now and
      // created at its first sample that passes the time checks (as the reference,
      // which never creates a series all of whose samples are refused).
      let series = index.find(sc);
      let labels: Labels | undefined;
      if (series === undefined) {
        const raw = sc.labels();
        labels = normalizeLabels(raw);
        if (labels.length === 0) continue; // as Mimir: a series without labels is dropped silently
        const invalid = validateLabels(labels, limits, utf8InvalidPositions(sc.labelsUtf8Invalid(), raw, labels));
        if (invalid !== undefined) {
          out.refuse(invalid, n, false);
          out.refuseExemplars('series_invalid', nEx);
          continue;
        }
      }

      const ts = sc.timestamps;
      const vs = sc.values;
      let accepted = 0;
      for (let i = 0; i < n; i++) {
        const t = ts[i]!;
        if (t > newest || t < oldest) {
          out.refuse(sampleTimeError(t, now, limits, metricName(series?.labels ?? labels!))!, 1, false);
          continue;
        }
        if (series === undefined) {
          try {
            series = app.seriesFor(labels!);
          } catch (err) {
            if (!isCairnError(err)) throw err;
            out.refuse(err, n - i, true); // none of its samples can land
            break;
          }
          index.add(sc, series);
        }
        const status = app.appendTo(series, t, vs[i]!);
        if (status > AppendStatus.Duplicate) out.refuse(sampleError(status, t, series.labels), 1, true);
        else accepted++;
      }
      out.accepted += accepted;
      // As the reference: exemplars land only on a series that took a sample of this request.
      if (nEx > 0) storeExemplars(app, accepted > 0 ? series!.ref : 0, sc.exemplars(), out);
    }
  }
}

const EMPTY = new Uint8Array(0);

const NO_POSITIONS: ReadonlySet<number> = new Set();

/**
 * Maps the scanner's invalid-UTF-8 label indexes (in sent order, over `raw`) to indexes in
 * the normalised `labels`, which holds the same label objects reordered and filtered.
 */
function utf8InvalidPositions(sent: readonly number[], raw: readonly Label[], labels: readonly Label[]): ReadonlySet<number> {
  if (sent.length === 0) return NO_POSITIONS;
  const bad = new Set(sent.map((i) => raw[i]));
  const out = new Set<number>();
  labels.forEach((l, i) => {
    if (bad.has(l)) out.add(i);
  });
  return out;
}
