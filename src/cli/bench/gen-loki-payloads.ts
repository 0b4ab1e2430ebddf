/**
 * Loki push bodies from a log corpus, batched the way Promtail and Alloy batch: entries in
 * time order across streams, a request closed once it holds `batchBytes` of lines
 * (Promtail's `batchsize`, 1 MiB), each request's entries grouped by stream, encoded as
 * protobuf and snappy-compressed (`logproto.PushRequest`, what Promtail sends) or as
 * Loki's v1 JSON.
 *
 * A `PushEncoder` lays the corpus out once (the batches, each line already encoded as its
 * protobuf field or JSON string, the times as numbers) and then writes a pass's bodies
 * with every time moved by a shift: `cairn bench logs --duration` sends the corpus again
 * and again as new data. Encoding every pass from the corpus's objects through protobufjs
 * took ~23 CPU-s per GB of lines, so the generator, not the server, set the pace
 * (34 MB/s); writing from the layout is a copy of the lines plus a few bytes per entry.
 */
import { Buffer } from 'node:buffer';
import { snappyCompress } from '../../ingest/remote-write/index.js';
import { uvarintSize } from '../../util/bytes.js';
import type { Corpus } from './gen-log-corpus.js';

/** The push body encodings Loki accepts. */
export type PushFormat = 'proto' | 'json';

/** One encoded push request and what it carries. */
export interface PushBody {
  readonly body: Buffer;
  readonly lines: number;
  /** UTF-8 bytes of the request's lines. */
  readonly rawBytes: number;
}

/** A corpus's push requests in send order, with totals. */
export interface LokiPayloads {
  readonly bodies: Buffer[];
  /** Per body, in the same order: its lines and line bytes. */
  readonly batches: PushBody[];
  readonly contentType: string;
  readonly rawBytes: number;
  readonly lines: number;
}

/** A stream's labels as the protobuf body carries them: a LogQL selector. */
function selector(labels: Record<string, string>): string {
  return '{' + Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') + '}';
}

/** The Content-Type of a push body format. */
export function pushContentType(format: PushFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

/** One request: per stream (corpus index), the global entry ids it carries, in time order. */
interface Batch {
  readonly streams: { readonly stream: number; readonly entries: Int32Array }[];
  readonly lines: number;
  readonly rawBytes: number;
}

const NS_PER_MS = 1_000_000;
const MS_PER_S = 1000;

/** The protobuf body being written (one thread's), before compression. */
let protoScratch = Buffer.allocUnsafe(0);

/** Writes the uvarint of n (below 2^53) at buf[at..]; returns where it ends. */
function writeUvarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

/** A length-delimited protobuf field: tag, length, bytes. */
function lengthField(field: number, bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + uvarintSize(bytes.length) + bytes.length);
  out[0] = (field << 3) | 2;
  bytes.copy(out, writeUvarint(out, 1, bytes.length));
  return out;
}

/** A pass's times: entry id → ms since the epoch and ns within the ms. */
interface PassTimes {
  readonly shiftMs: number;
  readonly scale: number;
  readonly ms: Float64Array;
  readonly ns: Int32Array;
}

/**
 * Writes a corpus's push bodies, pass after pass, each with every entry's time moved
 * later by the pass's shift and, optionally, its distance from the corpus's first time
 * scaled (a pass squeezed into less time). The corpus is read once, by the constructor; the encoder
 * keeps only its layout (about the size of the lines), so the caller may drop the corpus.
 */
export class PushEncoder {
  readonly contentType: string;
  readonly rawBytes: number;
  readonly lines: number;
  private readonly batches: Batch[] = [];
  /** Entry id → time: ms since the epoch and ns within the ms. */
  private readonly tMs: Float64Array;
  private readonly tNs: Int32Array;
  /** Entry id → its line, encoded (the protobuf `line` field, or a JSON string), in `lineBytes`. */
  private readonly lineAt: Float64Array;
  private readonly lineBytes: Buffer;
  /** Stream → its labels, encoded (the protobuf `labels` field, or a JSON object). */
  private readonly labels: Buffer[];
  /** The corpus's first and last times, ms. */
  readonly firstMs: number;
  readonly lastMs: number;
  private passTimes: PassTimes | undefined;

  constructor(
    corpus: Corpus,
    private readonly format: PushFormat,
    batchBytes = 1 << 20,
  ) {
    this.contentType = pushContentType(format);
    this.rawBytes = corpus.rawBytes;
    this.lines = corpus.lines;
    const n = corpus.streams.reduce((a, s) => a + s.entries.length, 0);
    this.tMs = new Float64Array(n);
    this.tNs = new Int32Array(n);
    this.lineAt = new Float64Array(n + 1);
    const first = new Int32Array(corpus.streams.length);
    const encodedLines: Buffer[] = [];
    let id = 0;
    let at = 0;
    corpus.streams.forEach((st, s) => {
      first[s] = id;
      for (const e of st.entries) {
        // tsNs: decimal ns since the epoch; its last six digits are the ns within the ms.
        this.tMs[id] = e.tsNs.length > 6 ? Number(e.tsNs.slice(0, -6)) : 0;
        this.tNs[id] = Number(e.tsNs.slice(-6));
        const line = format === 'json' ? Buffer.from(JSON.stringify(e.line)) : lengthField(2, Buffer.from(e.line));
        encodedLines.push(line);
        this.lineAt[id] = at;
        at += line.length;
        id++;
      }
    });
    this.lineAt[n] = at;
    this.lineBytes = Buffer.concat(encodedLines, at);
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of this.tMs) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    this.firstMs = n === 0 ? 0 : lo;
    this.lastMs = n === 0 ? 0 : hi;
    this.labels = corpus.streams.map((st) => (format === 'json' ? Buffer.from(JSON.stringify(st.labels)) : lengthField(1, Buffer.from(selector(st.labels)))));
    this.plan(corpus, first, batchBytes);
  }

  /** Cuts the time-ordered merge of every stream's entries into requests of ~batchBytes of lines. */
  private plan(corpus: Corpus, first: Int32Array, batchBytes: number): void {
    const n = this.tMs.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { tMs, tNs } = this;
    order.sort((a, b) => tMs[a]! - tMs[b]! || tNs[a]! - tNs[b]! || a - b);
    const streamOf = new Int32Array(n);
    corpus.streams.forEach((st, s) => streamOf.fill(s, first[s]!, first[s]! + st.entries.length));
    const lineLen = new Int32Array(n);
    corpus.streams.forEach((st, s) => st.entries.forEach((e, i) => (lineLen[first[s]! + i] = Buffer.byteLength(e.line))));
    let from = 0;
    let bytes = 0;
    const emit = (to: number): void => {
      if (to === from) return;
      const byStream = new Map<number, number[]>();
      for (let k = from; k < to; k++) {
        const e = order[k]!;
        let list = byStream.get(streamOf[e]!);
        if (list === undefined) byStream.set(streamOf[e]!, (list = []));
        list.push(e);
      }
      this.batches.push({ streams: [...byStream].map(([stream, ids]) => ({ stream, entries: Int32Array.from(ids) })), lines: to - from, rawBytes: bytes });
      from = to;
      bytes = 0;
    };
    for (let k = 0; k < n; k++) {
      bytes += lineLen[order[k]!]!;
      if (bytes >= batchBytes) emit(k + 1);
    }
    emit(n);
  }

  /** Requests per pass. */
  get requests(): number {
    return this.batches.length;
  }

  /** Every request of a pass with times moved `shiftMs` later, in send order. */
  pass(shiftMs: number, scale = 1): PushBody[] {
    return this.batches.map((_, i) => this.request(i, shiftMs, scale));
  }

  /**
   * Request `i` (0 ≤ i < `requests`) of a pass: an entry `d` ns after the corpus's first
   * time goes out `⌊d × scale⌋` ns after `firstMs + shiftMs` (`shiftMs` an integer, `scale`
   * in (0, 1]): scaling keeps every stream's order.
   */
  request(i: number, shiftMs: number, scale = 1): PushBody {
    const b = this.batches[i]!;
    const t = this.timesOf(shiftMs, scale);
    const body = this.format === 'json' ? this.json(b, t) : Buffer.from(snappyCompress(this.proto(b, t)));
    return { body, lines: b.lines, rawBytes: b.rawBytes };
  }

  /** Every entry's time in a pass (see `request`), worked out once per pass. */
  private timesOf(shiftMs: number, scale: number): PassTimes {
    const c = this.passTimes;
    if (c !== undefined && c.shiftMs === shiftMs && c.scale === scale) return c;
    const n = this.tMs.length;
    const t: PassTimes = { shiftMs, scale, ms: new Float64Array(n), ns: new Int32Array(n) };
    const origin = this.firstMs + shiftMs;
    for (let e = 0; e < n; e++) {
      if (scale === 1) {
        t.ms[e] = this.tMs[e]! + shiftMs;
        t.ns[e] = this.tNs[e]!;
        continue;
      }
      // Below 2^53 ns (104 days) from the first time: exact in a double.
      const d = Math.floor(((this.tMs[e]! - this.firstMs) * NS_PER_MS + this.tNs[e]!) * scale);
      const ms = Math.floor(d / NS_PER_MS);
      t.ms[e] = origin + ms;
      t.ns[e] = d - ms * NS_PER_MS;
    }
    return (this.passTimes = t);
  }

  /** An entry's `timestamp` submessage's content length (google.protobuf.Timestamp; zero fields left out, as Go's encoder does). */
  private static timestampSize(s: number, nanos: number): number {
    return (s === 0 ? 0 : 1 + uvarintSize(s)) + (nanos === 0 ? 0 : 1 + uvarintSize(nanos));
  }

  private proto(b: Batch, t: PassTimes): Buffer {
    const { lineAt, lineBytes, labels } = this;
    const { ms: tMs, ns: tNs } = t;
    // Sizes first: every length prefix is known before writing.
    const streamSizes = new Float64Array(b.streams.length);
    let total = 0;
    b.streams.forEach(({ stream, entries }, k) => {
      let size = labels[stream]!.length;
      for (let q = 0; q < entries.length; q++) {
        const e = entries[q]!;
        const ms = tMs[e]!;
        const s = Math.floor(ms / MS_PER_S);
        const ts = PushEncoder.timestampSize(s, (ms - s * MS_PER_S) * NS_PER_MS + tNs[e]!);
        const entry = 1 + uvarintSize(ts) + ts + (lineAt[e + 1]! - lineAt[e]!);
        size += 1 + uvarintSize(entry) + entry;
      }
      streamSizes[k] = size;
      total += 1 + uvarintSize(size) + size;
    });
    // Written into one reused buffer: the caller compresses it into a fresh one at once.
    if (protoScratch.length < total) protoScratch = Buffer.allocUnsafe(Math.max(total, 2 * protoScratch.length));
    const out = protoScratch;
    let at = 0;
    b.streams.forEach(({ stream, entries }, k) => {
      out[at++] = (1 << 3) | 2; // PushRequest.streams
      at = writeUvarint(out, at, streamSizes[k]!);
      at += labels[stream]!.copy(out, at);
      for (let q = 0; q < entries.length; q++) {
        const e = entries[q]!;
        const ms = tMs[e]!;
        const s = Math.floor(ms / MS_PER_S);
        const nanos = (ms - s * MS_PER_S) * NS_PER_MS + tNs[e]!;
        const ts = PushEncoder.timestampSize(s, nanos);
        const line = lineAt[e + 1]! - lineAt[e]!;
        out[at++] = (2 << 3) | 2; // StreamAdapter.entries
        at = writeUvarint(out, at, 1 + uvarintSize(ts) + ts + line);
        out[at++] = (1 << 3) | 2; // EntryAdapter.timestamp
        at = writeUvarint(out, at, ts);
        if (s !== 0) {
          out[at++] = 1 << 3; // Timestamp.seconds
          at = writeUvarint(out, at, s);
        }
        if (nanos !== 0) {
          out[at++] = 2 << 3; // Timestamp.nanos
          at = writeUvarint(out, at, nanos);
        }
        // EntryAdapter.line, encoded (`set` of a view: Buffer#copy's checks cost more than the copy).
        out.set(lineBytes.subarray(lineAt[e]!, lineAt[e + 1]!), at);
        at += line;
      }
    });
    return out.subarray(0, total);
  }

  private json(b: Batch, t: PassTimes): Buffer {
    const { lineAt, lineBytes, labels } = this;
    const { ms: tMs, ns: tNs } = t;
    // `{"streams":[{"stream":L,"values":[["<ns>",<line>],…]},…]}`; a time is at most 20 digits.
    let bound = 16;
    for (const { stream, entries } of b.streams) {
      bound += labels[stream]!.length + 24;
      for (let q = 0; q < entries.length; q++) bound += 28 + lineAt[entries[q]! + 1]! - lineAt[entries[q]!]!;
    }
    const out = Buffer.allocUnsafe(bound);
    let at = out.write('{"streams":[', 0, 'latin1');
    b.streams.forEach(({ stream, entries }, k) => {
      at += out.write(k === 0 ? '{"stream":' : ',{"stream":', at, 'latin1');
      at += labels[stream]!.copy(out, at);
      at += out.write(',"values":[', at, 'latin1');
      for (let q = 0; q < entries.length; q++) {
        const e = entries[q]!;
        const ms = tMs[e]!;
        const ns = String(tNs[e]!).padStart(6, '0');
        at += out.write(`${q === 0 ? '' : ','}["${ms === 0 ? Number(ns) : `${ms}${ns}`}",`, at, 'latin1');
        out.set(lineBytes.subarray(lineAt[e]!, lineAt[e + 1]!), at);
        at += lineAt[e + 1]! - lineAt[e]!;
        out[at++] = 0x5d; // ]
      }
      at += out.write(']}', at, 'latin1');
    });
    at += out.write(']}', at, 'latin1');
    return out.subarray(0, at);
  }
}

/** Encodes all of `corpus` as push bodies of about `batchBytes` of lines each (one pass, times as they are). */
export function buildPayloads(corpus: Corpus, format: PushFormat, batchBytes = 1 << 20): LokiPayloads {
  const enc = new PushEncoder(corpus, format, batchBytes);
  const batches = enc.pass(0);
  return { bodies: batches.map((b) => b.body), batches, contentType: enc.contentType, rawBytes: enc.rawBytes, lines: enc.lines };
}
