/**
 * A run of the Prometheus API's matrix entries, `{"metric":{...},"values":[[t,"v"],...]}`
 * (or vector entries, or the series API's label sets), comma-separated, written as UTF-8
 * bytes: the answer goes out as bytes anyway, so the
 * entries skip the strings, their joining and their encoding. Points go through the native
 * addon's `writePoints` where it is built (util/native.ts; ~5× faster than V8's number
 * formatting), else through `value-json.ts`'s `pointsJson`, which gives the same text.
 *
 * A writer is used synchronously, from the first `add` to `finish` or `lend`: it borrows one
 * of its thread's spare buffers, which `finish` hands back at once and `lend`'s `release`
 * later. A whole answer is lent rather than copied out: a copy of a few hundred kilobytes
 * lands on fresh pages (the last answer's copy is garbage not yet collected), and on this
 * VM first touching a page costs ~3–5 µs: copying the answer out of the buffer and then
 * into the envelope held the 10k dataset's 1.6 MB `rate(...)` range answer back by 10–20 %
 * (bench/RESULTS.md).
 */
import { native, pointsBound, type NativeAddon } from '../util/native.js';
import { formatSampleValue, formatTime, pointsJson } from './value-json.js';

const COMMA = 0x2c;
const CLOSE = 0x7d; // '}'
const QUOTE = 0x22;
const CLOSE_BRACKET = 0x5d; // ']'
const utf8 = new TextEncoder();
const METRIC_OPEN = utf8.encode('{"metric":');
const VALUE_OPEN = utf8.encode(',"value":[');
const VALUES_OPEN = utf8.encode(',"values":');

/** Writes `s`, whose characters are all ASCII, at `at`; returns the end. */
function writeAscii(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  return at;
}
/** The first buffer a writer takes when its thread has no spare one. */
const INITIAL_BYTES = 64 * 1024;
/** The most bytes of spare buffers a thread keeps between answers; more are left to the GC. */
const KEEP_BYTES = 32 * 1024 * 1024;

/** The thread's spare buffers, and their bytes. */
const spares: Uint8Array[] = [];
let spareBytes = 0;

/** The biggest spare buffer, or a new one. */
function takeSpare(): Uint8Array {
  if (spares.length === 0) return new Uint8Array(INITIAL_BYTES);
  let best = 0;
  for (let i = 1; i < spares.length; i++) if (spares[i]!.length > spares[best]!.length) best = i;
  const buf = spares[best]!;
  spares[best] = spares[spares.length - 1]!;
  spares.pop();
  spareBytes -= buf.length;
  return buf;
}

function giveSpare(buf: Uint8Array): void {
  if (buf.length === 0 || spareBytes + buf.length > KEEP_BYTES) return;
  spares.push(buf);
  spareBytes += buf.length;
}

/** An answer's bytes inside a writer's buffer: valid until `release`, which hands the buffer back for reuse. */
export interface LentBytes {
  readonly bytes: Uint8Array;
  /** Idempotent. Not calling it is safe: the buffer is then left to the GC. */
  release(): void;
}
/** Columns given as arrays are copied here for the addon, which reads Float64Arrays. */
let tCopy = new Float64Array(1024);
let vCopy = new Float64Array(1024);

export class EntryWriter {
  private buf: Uint8Array;
  private at = 0;
  /** `addSample`'s last time and its text: an instant vector's samples share one time. */
  private lastT = NaN;
  private lastTText = '';
  /** Where the entries begin, after `prefix`. */
  private readonly start: number;

  /**
   * `addon`: the native addon to use, or null for the JavaScript path (tests compare the
   * two). `prefix`: bytes before the first entry (an envelope's head, for `lend`).
   */
  constructor(
    private readonly addon: NativeAddon | null = native ?? null,
    prefix?: Uint8Array,
  ) {
    this.buf = takeSpare();
    if (prefix !== undefined) this.raw(prefix);
    this.start = this.at;
  }

  /**
   * Appends one series' entry: `head` (`matrixEntryHead`'s `{"metric":{...},"values":`),
   * then the points [from, to) of the columns, then `}`.
   */
  add(head: string, t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8.
    this.reserve(head.length * 3 + 2);
    if (this.at > this.start) this.buf[this.at++] = COMMA;
    this.at += utf8.encodeInto(head, this.buf.subarray(this.at)).written;
    this.points(t, v, from, to);
  }

  /**
   * `add` with the head written from the series' labels as JSON bytes
   * (`recentLabelsBytes`): `{"metric":<labels>,"values":[...]}`.
   */
  addSeries(labels: Uint8Array, t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): void {
    this.at = this.labelledHead(labels, VALUES_OPEN, 0);
    this.points(t, v, from, to);
  }

  /**
   * Appends an instant vector's entry, `{"metric":<labels>,"value":[seconds,"value"]}`,
   * from the labels as JSON bytes (`recentLabelsBytes`): the numbers' text is ASCII and is
   * copied a character at a time, which for such short strings beats an encoder call.
   */
  addSample(labels: Uint8Array, tMs: number, v: number): void {
    if (tMs !== this.lastT) {
      this.lastT = tMs;
      this.lastTText = String(formatTime(tMs));
    }
    const tText = this.lastTText;
    const vText = formatSampleValue(v);
    // After the head: the time, `,"`, the value, `"]}`.
    let at = this.labelledHead(labels, VALUE_OPEN, tText.length + vText.length + 5);
    const buf = this.buf;
    at = writeAscii(buf, at, tText);
    buf[at++] = COMMA;
    buf[at++] = QUOTE;
    at = writeAscii(buf, at, vText);
    buf[at++] = QUOTE;
    buf[at++] = CLOSE_BRACKET;
    buf[at++] = CLOSE;
    this.at = at;
  }

  /**
   * Writes an entry's head, a comma first unless it is the first entry, then
   * `{"metric":<labels><open>`, with room for `after` more bytes; returns where it ends.
   */
  private labelledHead(labels: Uint8Array, open: Uint8Array, after: number): number {
    this.reserve(labels.length + METRIC_OPEN.length + open.length + after + 1);
    let at = this.at;
    const buf = this.buf;
    if (at > this.start) buf[at++] = COMMA;
    buf.set(METRIC_OPEN, at);
    at += METRIC_OPEN.length;
    buf.set(labels, at);
    at += labels.length;
    buf.set(open, at);
    return at + open.length;
  }

  /** Appends one entry given as bytes (a label set's JSON, for the series API). */
  addBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length + 1);
    if (this.at > this.start) this.buf[this.at++] = COMMA;
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** The points [from, to) of the columns, then `}`. */
  private points(t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): void {
    if (this.addon !== null) {
      this.reserve(pointsBound(to - from) + 1);
      if (t instanceof Float64Array && v instanceof Float64Array) {
        this.at = this.addon.writePoints(t, v, from, to, this.buf, this.at);
      } else {
        const n = to - from;
        if (tCopy.length < n) {
          tCopy = new Float64Array(n);
          vCopy = new Float64Array(n);
        }
        for (let i = 0; i < n; i++) {
          tCopy[i] = t[from + i]!;
          vCopy[i] = v[from + i]!;
        }
        this.at = this.addon.writePoints(tCopy, vCopy, 0, n, this.buf, this.at);
      }
    } else {
      // Digits, signs, brackets and quotes: one byte a character.
      const text = pointsJson(t, v, from, to);
      this.reserve(text.length + 1);
      this.at += utf8.encodeInto(text, this.buf.subarray(this.at)).written;
    }
    this.buf[this.at++] = CLOSE;
  }

  /** Appends bytes as they are (a run of entries written elsewhere, or separators). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Whether an entry (or raw bytes after the prefix) was written. */
  get empty(): boolean {
    return this.at === this.start;
  }

  /** The entries written (a copy, without the prefix), handing the buffer back at once. */
  finish(): Uint8Array {
    const out = this.buf.slice(this.start, this.at);
    giveSpare(this.detach());
    return out;
  }

  /**
   * `finish` into `slab` (a query worker answering in the main thread's shared buffer,
   * parallel/answer-slabs.ts): the entries' length when they fit, else a copy as `finish`
   * gives. The buffer is handed back either way.
   */
  finishInto(slab: SharedArrayBuffer | undefined): number | Uint8Array {
    const n = this.at - this.start;
    if (slab === undefined || n > slab.byteLength) return this.finish();
    new Uint8Array(slab, 0, n).set(this.buf.subarray(this.start, this.at));
    giveSpare(this.detach());
    return n;
  }

  /** Everything written, the prefix and then `suffix` included, lent rather than copied. */
  lend(suffix: Uint8Array): LentBytes {
    this.raw(suffix);
    const bytes = this.buf.subarray(0, this.at);
    let buf: Uint8Array | undefined = this.detach();
    return {
      bytes,
      release: () => {
        if (buf !== undefined) giveSpare(buf);
        buf = undefined;
      },
    };
  }

  private detach(): Uint8Array {
    const buf = this.buf;
    this.buf = new Uint8Array(0);
    this.at = 0;
    return buf;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
}
