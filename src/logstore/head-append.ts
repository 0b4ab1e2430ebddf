/**
 * The log head's appender: checks each entry against its stream (Loki's ingester rules:
 * the out-of-order window, the duplicate-of-newest rule, retention), buffers the request,
 * then writes one WAL write and applies it to memory in the same turn, so the WAL order is
 * the memory order. A stream created by a request that then fails stays in memory (empty,
 * removed once idle) and is logged by the next commit that uses it.
 */
import type { Labels } from '../model/labels.js';
import type { Wal } from '../storage/wal/index.js';
import { ByteWriter } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';
import { lineByteLength, sameLine, sameMetadata, type LogEntry } from './entry.js';
import type { EntryColumns } from './entry-columns.js';
import type { LogHead, MemStream } from './head.js';
import { LogAppendStatus, type LogAppender, type LogStreamHandle, type RawPushSource } from './interface.js';
import type { AppliedStream } from './tail-hub.js';
import { beginEntries, encodeEntryGroup, encodeRawPush, encodeStreams } from './wal-records.js';

/** What the appender reads of the tenant's limits. */
export interface LogAppendLimits {
  readonly maxGlobalStreamsPerUser: number;
}

/**
 * A request's entry: an index into the appender's columns (the push path), or an object
 * (`append`'s callers).
 */
type Item = number | LogEntry;

/** One stream's part of a request. */
interface Group {
  readonly s: MemStream;
  /** The entries accepted, in the order appended. */
  readonly items: Item[];
  /** Newest time of the stream counting this request's accepted entries. */
  maxTMs: number;
  maxTNs: number;
  /** This request's entry at that time, once it has one; before, the stream's newest counts. */
  last: Item | undefined;
}

const recordWriter = new ByteWriter(1 << 20);

export class LogHeadAppender implements LogAppender {
  private readonly groups = new Map<number, Group>();
  /** The group of the last entry appended. */
  private last: Group | undefined = undefined;
  /** The columns `appendAt` indexes (one request's). */
  private cols: EntryColumns | undefined = undefined;
  private done = false;

  constructor(
    private readonly head: LogHead,
    private readonly wal: Wal,
    private readonly limits: () => LogAppendLimits,
    private readonly nowMs: () => number,
    /**
     * Called once a commit's entries are in memory (the store compresses sealed chunks,
     * feeds tailers); `applied` makes the list of what was applied, for those who want it.
     */
    private readonly onApplied: (applied: () => readonly AppliedStream[]) => void = () => {},
  ) {}

  streamFor(labels: Labels, known?: LogStreamHandle): LogStreamHandle {
    if (known !== undefined && this.head.streams.get(known.ref) === known) return known;
    const found = this.head.byLabels(labels);
    if (found !== undefined) return found;
    const limit = this.limits().maxGlobalStreamsPerUser;
    if (limit > 0 && this.head.size >= limit) {
      throw new CairnError(
        'too_many_requests',
        'stream_limit',
        `maximum active stream limit exceeded when trying to create stream ${formatStream(labels)}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${this.head.tenant}' (limit ${limit}; configure limits.max_global_streams_per_user)`,
      );
    }
    const s = this.head.create(labels);
    s.lastAppend = this.nowMs();
    return s;
  }

  private group(stream: LogStreamHandle): Group {
    // Entries come a stream at a time: the last group saves a lookup per entry.
    if (this.last !== undefined && this.last.s === stream) return this.last;
    let g = this.groups.get(stream.ref);
    if (g === undefined) {
      const s = stream as MemStream;
      g = { s, items: [], maxTMs: s.maxTMs, maxTNs: s.maxTNs, last: undefined };
      this.groups.set(stream.ref, g);
    }
    this.last = g;
    return g;
  }

  oldestAcceptedMs(stream: LogStreamHandle): number {
    const g = this.groups.get(stream.ref);
    const max = g !== undefined ? g.maxTMs : (stream as MemStream).maxTMs;
    return Math.max(this.head.floor, max - this.head.options.outOfOrderWindowMs);
  }

  append(stream: LogStreamHandle, e: LogEntry): LogAppendStatus {
    return this.check(stream, e.tMs, e.tNs, e);
  }

  appendAt(stream: LogStreamHandle, cols: EntryColumns, i: number): LogAppendStatus {
    if (this.cols === undefined) this.cols = cols;
    else if (this.cols !== cols) throw new Error('BUG: one appender, two requests\' columns');
    return this.check(stream, cols.tMs[i]!, cols.tNs[i]!, i);
  }

  /** Loki's ingester rules for the entry `item`, at (tMs, tNs). */
  private check(stream: LogStreamHandle, tMs: number, tNs: number, item: Item): LogAppendStatus {
    if (tMs < this.head.floor) return LogAppendStatus.TooOld;
    const g = this.group(stream);
    // Lines compare as the bytes stored (a byte line's raw bytes, a string's UTF-8); the
    // objects are made only here, for an entry at the stream's newest time.
    if (tMs === g.maxTMs && tNs === g.maxTNs && this.duplicate(g, this.entry(item))) return LogAppendStatus.Duplicate;
    if (tMs < g.maxTMs - this.head.options.outOfOrderWindowMs) return LogAppendStatus.TooFarBehind;
    g.items.push(item);
    if (tMs > g.maxTMs || (tMs === g.maxTMs && tNs >= g.maxTNs)) {
      g.maxTMs = tMs;
      g.maxTNs = tNs;
      g.last = item;
    }
    return LogAppendStatus.Ok;
  }

  /** Whether `e` repeats the stream's newest entry (this request's, else the stream's). */
  private duplicate(g: Group, e: LogEntry): boolean {
    if (g.last === undefined) return g.s.isNewest(e);
    const last = this.entry(g.last);
    return sameLine(e, last) && sameMetadata(e.metadata, last.metadata);
  }

  private entry(item: Item): LogEntry {
    return typeof item === 'number' ? this.cols!.entry(item) : item;
  }

  async commit(raw?: RawPushSource): Promise<void> {
    if (this.done) throw new Error('BUG: commit twice');
    this.done = true;
    const groups = [...this.groups.values()].filter((g) => g.items.length > 0);
    this.groups.clear();
    this.last = undefined;
    if (groups.length === 0) return;
    const w = recordWriter;
    w.reset();
    const records: Uint8Array[] = [];
    const unlogged = groups.filter((g) => !g.s.walLogged).map((g) => g.s);
    if (unlogged.length > 0) {
      encodeStreams(w, unlogged);
      records.push(w.range(0, w.length));
    }
    const start = w.length;
    if (raw !== undefined) encodeRawPush(w, raw);
    else {
      beginEntries(w, groups.length);
      for (const g of groups) encodeEntryGroup(w, g.s.ref, g.items.map((item) => this.entry(item)));
    }
    records.push(w.range(start, w.length));
    this.wal.append(records);
    for (const s of unlogged) s.walLogged = true;
    const now = this.nowMs();
    const { cols } = this;
    for (const g of groups) {
      const { s, items } = g;
      for (let k = 0; k < items.length; ) {
        const item = items[k]!;
        if (typeof item !== 'number') {
          this.head.append(s, item, lineByteLength(item), now);
          k++;
          continue;
        }
        // A run of column entries goes in at once.
        let j = k + 1;
        while (j < items.length && typeof items[j] === 'number') j++;
        this.head.appendColumns(s, cols!, items as ArrayLike<number>, k, j, now);
        k = j;
      }
    }
    this.onApplied(() => groups.map((g) => ({ labels: g.s.labels, entries: g.items.map((item) => this.entry(item)) })));
    await this.wal.waitDurable();
  }

  rollback(): void {
    this.done = true;
    this.groups.clear();
    this.last = undefined;
  }
}

/** A stream's labels as Loki prints them in messages: `{a="b", c="d"}`. */
export function formatStream(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}
