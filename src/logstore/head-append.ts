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
import type { LogHead, MemStream } from './head.js';
import { LogAppendStatus, type LogAppender, type LogStreamHandle, type RawPushSource } from './interface.js';
import type { AppliedStream } from './tail-hub.js';
import { beginEntries, encodeEntryGroup, encodeRawPush, encodeStreams } from './wal-records.js';

/** What the appender reads of the tenant's limits. */
export interface LogAppendLimits {
  readonly maxGlobalStreamsPerUser: number;
}

/** One stream's part of a request. */
interface Group {
  readonly s: MemStream;
  readonly entries: LogEntry[];
  readonly bytes: number[];
  /** Newest time of the stream counting this request's accepted entries. */
  maxTMs: number;
  maxTNs: number;
  /** This request's entry at that time, once it has one; before, the stream's newest counts. */
  last: LogEntry | undefined;
}

const recordWriter = new ByteWriter(1 << 20);

export class LogHeadAppender implements LogAppender {
  private readonly groups = new Map<number, Group>();
  private done = false;

  constructor(
    private readonly head: LogHead,
    private readonly wal: Wal,
    private readonly limits: () => LogAppendLimits,
    private readonly nowMs: () => number,
    /** Called once a commit's entries are in memory (the store compresses sealed chunks, feeds tailers). */
    private readonly onApplied: (applied: readonly AppliedStream[]) => void = () => {},
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
    let g = this.groups.get(stream.ref);
    if (g === undefined) {
      const s = stream as MemStream;
      g = { s, entries: [], bytes: [], maxTMs: s.maxTMs, maxTNs: s.maxTNs, last: undefined };
      this.groups.set(stream.ref, g);
    }
    return g;
  }

  oldestAcceptedMs(stream: LogStreamHandle): number {
    const g = this.groups.get(stream.ref);
    const max = g !== undefined ? g.maxTMs : (stream as MemStream).maxTMs;
    return Math.max(this.head.floor, max - this.head.options.outOfOrderWindowMs);
  }

  append(stream: LogStreamHandle, e: LogEntry, bytes?: number): LogAppendStatus {
    if (e.tMs < this.head.floor) return LogAppendStatus.TooOld;
    const g = this.group(stream);
    if (e.tMs === g.maxTMs && e.tNs === g.maxTNs) {
      // Lines compare as the bytes stored (a byte line's raw bytes, a string's UTF-8).
      const last = g.last;
      if (last !== undefined ? sameLine(e, last) && sameMetadata(e.metadata, last.metadata) : g.s.isNewest(e)) return LogAppendStatus.Duplicate;
    }
    if (e.tMs < g.maxTMs - this.head.options.outOfOrderWindowMs) return LogAppendStatus.TooFarBehind;
    g.entries.push(e);
    g.bytes.push(bytes ?? lineByteLength(e));
    if (e.tMs > g.maxTMs || (e.tMs === g.maxTMs && e.tNs >= g.maxTNs)) {
      g.maxTMs = e.tMs;
      g.maxTNs = e.tNs;
      g.last = e;
    }
    return LogAppendStatus.Ok;
  }

  async commit(raw?: RawPushSource): Promise<void> {
    if (this.done) throw new Error('BUG: commit twice');
    this.done = true;
    const groups = [...this.groups.values()].filter((g) => g.entries.length > 0);
    this.groups.clear();
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
      for (const g of groups) encodeEntryGroup(w, g.s.ref, g.entries);
    }
    records.push(w.range(start, w.length));
    this.wal.append(records);
    for (const s of unlogged) s.walLogged = true;
    const now = this.nowMs();
    for (const g of groups) {
      const { s, entries, bytes } = g;
      for (let i = 0; i < entries.length; i++) this.head.append(s, entries[i]!, bytes[i]!, now);
    }
    this.onApplied(groups.map((g) => ({ labels: g.s.labels, entries: g.entries })));
    await this.wal.waitDurable();
  }

  rollback(): void {
    this.done = true;
    this.groups.clear();
  }
}

/** A stream's labels as Loki prints them in messages: `{a="b", c="d"}`. */
export function formatStream(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}
