/**
 * The Loki push path after decoding: Loki's distributor rules (stream labels, entries,
 * the tenant's byte rate) and then its ingester's (active stream limit, out-of-order
 * window, duplicates), into the log store. As in Loki, what is valid is stored even when
 * some streams or entries are refused (partial writes), and the answer is the ingester's
 * error if any (429 for the stream limit, 400 for entries too far behind), else the
 * distributor's validation errors joined into one 400; a rate-limited request is refused
 * whole with 429.
 */
import type { Clock } from '../util/clock.js';
import { CairnError, isCairnError } from '../util/errors.js';
import type { Labels } from '../model/labels.js';
import { formatNs } from '../logstore/entry.js';
import type { EntryColumns } from '../logstore/entry-columns.js';
import { formatStream } from '../logstore/head-append.js';
import { LogAppendStatus, type LogAppender, type LogStreamHandle } from '../logstore/interface.js';
import { columnarPush } from './loki/columnar.js';
import type { PushRequest } from './loki/types.js';
import type { LogIngestMetrics } from './log-metrics.js';
import { entryWindow, formatEntryTime, normalizeStreamLabels, validateEntry, validateStreamLabels, type LokiValidationLimits } from './loki-validate.js';
import type { IngestionRateLimiter } from './rate-limit.js';

export interface LokiIngestDeps {
  readonly appender: (tenant: string) => LogAppender;
  readonly limits: { forTenant(tenant: string): LokiValidationLimits };
  readonly rateLimiter: Pick<IngestionRateLimiter, 'takeLogBytes'>;
  readonly clock: Clock;
  readonly metrics: LogIngestMetrics;
  /** Labels whose value becomes `service_name` (Loki's `discover_service_name`); [] turns it off. */
  readonly discoverServiceName: readonly string[];
}

/** Error lines kept in one answer; the rest are counted. */
const MAX_ERROR_LINES = 20;
/** Ignored entries listed per stream in an ingester error (Loki lists a few, then totals). */
const MAX_IGNORED_LISTED = 10;
/** Label texts remembered per tenant with their normalised labels or their error. */
const LABELS_CACHE_MAX = 10_000;

interface Resolved {
  readonly labels: Labels;
  readonly error: CairnError | undefined;
  /** The store's handle for these labels, from the last request that used them. */
  handle?: LogStreamHandle;
}

interface TenantCache {
  limits: LokiValidationLimits;
  readonly byText: Map<string, Resolved>;
}

/**
 * A stream's valid entries of one request: the body streams with its labels, each by
 * reference with the indexes of the entries validation refused (usually none). No list of
 * entries is copied: a push holds thousands of them, and copies that outlive a garbage
 * collection while the WAL write is awaited cost more to move than to make.
 */
interface Accepted {
  readonly resolved: Resolved;
  readonly labels: Labels;
  readonly parts: AcceptedPart[];
  /** Entries and bytes over all parts, refused ones left out. */
  lines: number;
  bytes: number;
}

interface AcceptedPart {
  /** The body stream's index. */
  readonly si: number;
  /** Its entries: `[from, to)` of the request's columns. */
  readonly from: number;
  readonly to: number;
  /** Column indexes of the entries validation refused, ascending; undefined when none was. */
  refused: number[] | undefined;
}

/** The request body as received, kept in the WAL instead of re-encoded entries. */
export interface PushBody {
  readonly format: number;
  readonly body: Uint8Array;
}

class Discards {
  readonly byReason = new Map<string, { lines: number; bytes: number }>();
  add(reason: string, lines: number, bytes: number): void {
    const d = this.byReason.get(reason);
    if (d === undefined) this.byReason.set(reason, { lines, bytes });
    else {
      d.lines += lines;
      d.bytes += bytes;
    }
  }
}

class Messages {
  readonly lines: string[] = [];
  more = 0;
  add(line: string): void {
    if (this.lines.length < MAX_ERROR_LINES) this.lines.push(line);
    else this.more++;
  }
  text(): string {
    return this.more > 0 ? [...this.lines, `(and ${this.more} more errors)`].join('\n') : this.lines.join('\n');
  }
}

export class LokiIngester {
  private readonly tenants = new Map<string, TenantCache>();

  constructor(private readonly deps: LokiIngestDeps) {}

  /** Normalised, validated labels for a stream's label text (cached per tenant). */
  private resolve(tenant: string, text: string, raw: PushRequest['streams'][number]['labels'], limits: LokiValidationLimits): Resolved {
    let tc = this.tenants.get(tenant);
    if (tc === undefined || tc.limits !== limits) this.tenants.set(tenant, (tc = { limits, byText: new Map() }));
    let r = tc.byText.get(text);
    if (r === undefined) {
      const labels = normalizeStreamLabels(raw, this.deps.discoverServiceName);
      r = { labels, error: validateStreamLabels(labels, limits) };
      if (tc.byText.size >= LABELS_CACHE_MAX) tc.byText.clear();
      tc.byText.set(text, r);
    }
    return r;
  }

  /**
   * Stores a decoded push for `tenant`; resolves when the valid part is durable, throws the
   * answer's error after storing it. A request whose entries are objects (JSON, OTLP) is
   * put into columns first.
   */
  async push(tenant: string, decoded: PushRequest, raw?: PushBody): Promise<void> {
    const { deps } = this;
    const req = columnarPush(decoded);
    const cols = req.columns;
    const limits = deps.limits.forTenant(tenant);
    const window = entryWindow(deps.clock.now(), limits);
    const discards = new Discards();
    const validation = new Messages();
    // Keyed by the resolved label text; two texts that normalise alike meet again in the
    // appender, which groups by stream.
    const accepted = new Map<Resolved, Accepted>();
    let lines = 0;
    let bytes = 0;
    /** Entries refused before the store, as (stream index, entry index) pairs. */
    const refusedEarly: number[] = [];
    for (let si = 0; si < req.streams.length; si++) {
      const ps = req.streams[si]!;
      const { from, to } = ps;
      if (from === to) continue;
      const r: Resolved = ps.labelsError !== undefined ? { labels: [], error: ps.labelsError } : this.resolve(tenant, ps.labelsText, ps.labels, limits);
      if (r.error !== undefined) {
        let b = 0;
        for (let i = from; i < to; i++) b += cols.entryBytes(i);
        discards.add(r.error.reason, to - from, b);
        validation.add(r.error.message);
        continue;
      }
      const part: AcceptedPart = { si, from, to, refused: undefined };
      let partLines = 0;
      let partBytes = 0;
      for (let i = from; i < to; i++) {
        const n = cols.entryBytes(i);
        const err = validateEntry(cols.tMs[i]!, cols.tNs[i]!, cols.metadata(i), n, r.labels, window, limits);
        if (err !== undefined) {
          discards.add(err.reason, 1, n);
          validation.add(err.message);
          refusedEarly.push(si, i - from);
          (part.refused ??= []).push(i);
          continue;
        }
        partLines++;
        partBytes += n;
      }
      if (partLines === 0) continue;
      const acc = accepted.get(r);
      if (acc === undefined) accepted.set(r, { resolved: r, labels: r.labels, parts: [part], lines: partLines, bytes: partBytes });
      else {
        acc.parts.push(part);
        acc.lines += partLines;
        acc.bytes += partBytes;
      }
      lines += partLines;
      bytes += partBytes;
    }
    if (req.streams.length === 0) {
      throw new CairnError('execution', 'missing_streams', 'error at least one valid stream is required for ingestion');
    }
    if (lines > 0) {
      try {
        deps.rateLimiter.takeLogBytes(tenant, lines, bytes);
      } catch (err) {
        if (isCairnError(err)) discards.add(err.reason, lines, bytes);
        this.count(tenant, discards, 0, 0);
        throw err;
      }
    }
    const body = raw === undefined ? undefined : { ...raw, streams: req.streams.length, refusedEarly };
    const ingester = lines > 0 ? await this.store(tenant, cols, accepted, discards, body) : { error: undefined, lines: 0, bytes: 0 };
    this.count(tenant, discards, ingester.lines, ingester.bytes);
    if (ingester.error !== undefined) throw ingester.error;
    if (validation.lines.length > 0) throw new CairnError('bad_data', [...discards.byReason.keys()][0] ?? 'invalid', validation.text());
  }

  /** Appends and commits; returns what was stored and the ingester's error, if any. */
  private async store(
    tenant: string,
    cols: EntryColumns,
    accepted: Map<Resolved, Accepted>,
    discards: Discards,
    raw: (PushBody & { streams: number; refusedEarly: readonly number[] }) | undefined,
  ): Promise<{ error: CairnError | undefined; lines: number; bytes: number }> {
    const app = this.deps.appender(tenant);
    // For the WAL record of the body: the stream each body stream went to, and what was not stored.
    const refs = raw === undefined ? undefined : new Array<number>(raw.streams).fill(0);
    const refused: number[] = [];
    const messages = new Messages();
    let limited = false;
    let lines = 0;
    let bytes = 0;
    try {
      for (const acc of accepted.values()) {
        let stream: LogStreamHandle;
        try {
          stream = app.streamFor(acc.labels, acc.resolved.handle);
          acc.resolved.handle = stream;
          if (refs !== undefined) for (const part of acc.parts) refs[part.si] = stream.ref;
        } catch (err) {
          if (!isCairnError(err)) throw err;
          discards.add(err.reason, acc.lines, acc.bytes);
          messages.add(err.message);
          limited = true;
          continue;
        }
        lines += acc.lines;
        bytes += acc.bytes;
        let ignored = 0;
        const listed: string[] = [];
        for (const part of acc.parts) {
          const skip = part.refused;
          let k = 0;
          for (let i = part.from; i < part.to; i++) {
            if (skip !== undefined && skip[k] === i) {
              k++;
              continue;
            }
            const status = app.appendAt(stream, cols, i);
            if (status === LogAppendStatus.Ok) continue;
            // Rare: what was stored is what validation passed less these.
            const n = cols.entryBytes(i);
            lines--;
            bytes -= n;
            refused.push(part.si, i - part.from);
            if (status === LogAppendStatus.Duplicate) continue;
            const reason = status === LogAppendStatus.TooFarBehind ? 'too_far_behind' : 'greater_than_max_sample_age';
            discards.add(reason, 1, n);
            ignored++;
            if (listed.length < MAX_IGNORED_LISTED) {
              const tMs = cols.tMs[i]!;
              const tNs = cols.tNs[i]!;
              const why =
                status === LogAppendStatus.TooFarBehind
                  ? `entry too far behind, entry timestamp is: ${formatEntryTime(tMs, tNs)}, oldest acceptable timestamp is: ${formatEntryTime(app.oldestAcceptedMs(stream))}`
                  : `entry older than the tenant's retention, entry timestamp is: ${formatEntryTime(tMs, tNs)} (configure limits.retention_period)`;
              listed.push(`entry with timestamp ${formatNs(tMs, tNs)} ignored, reason: '${why}',`);
            }
          }
        }
        if (ignored > 0) messages.add(`${listed.join('\n')}\nuser '${tenant}', total ignored: ${ignored} out of ${acc.lines} for stream: ${formatStream(acc.labels)}`);
      }
      if (raw !== undefined && refs !== undefined) {
        for (let i = 0; i < raw.refusedEarly.length; i += 2) if (refs[raw.refusedEarly[i]!] !== 0) refused.push(raw.refusedEarly[i]!, raw.refusedEarly[i + 1]!);
        await app.commit({ format: raw.format, body: raw.body, refs, refused });
      } else await app.commit();
    } catch (err) {
      app.rollback();
      throw err;
    }
    let error: CairnError | undefined;
    if (messages.lines.length > 0) {
      error = limited ? new CairnError('too_many_requests', 'stream_limit', messages.text()) : new CairnError('bad_data', 'too_far_behind', messages.text());
    }
    return { error, lines, bytes };
  }

  private count(tenant: string, discards: Discards, lines: number, bytes: number): void {
    const m = this.deps.metrics;
    if (lines > 0) {
      m.receivedLines.inc({ tenant }, lines);
      m.receivedBytes.inc({ tenant }, bytes);
    }
    for (const [reason, d] of discards.byReason) {
      m.discardedLines.inc({ tenant, reason }, d.lines);
      m.discardedBytes.inc({ tenant, reason }, d.bytes);
    }
  }
}
