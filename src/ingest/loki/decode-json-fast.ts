/**
 * The common shape of a Loki v1 JSON push, decoded straight from its bytes into the push
 * path's columns (`ColumnarPushRequest`), as the protobuf decoder does:
 *
 * ```
 * {"streams":[{"stream":{"<name>":"<value>",…},"values":[["<ns>","<line>"],["<ns>","<line>",{"<name>":"<value>",…}],…]},…]}
 * ```
 *
 * with any JSON whitespace between tokens and the two keys of a stream in either order.
 * Lines are not made strings: each is copied once, unescaped, into the request's line
 * buffer (most lines of a JSON push have escapes: every quote of an access log or a JSON
 * line is one). With the native addon, `jsonValues` reads a stream's plain entries in one
 * call; the rest is JavaScript. Stream label sets are cached by their bytes, so a stream
 * sent again finds the same labels and label text.
 *
 * Why: `JSON.parse` made a string of every line, the columns then wrote each string back
 * to UTF-8, and a label text was formatted per stream per request. With their garbage, a
 * JSON push (Fluent Bit, Vector, pino-loki and winston-loki send JSON) cost the main
 * thread 16–19 CPU-s per GB of log text, against 9–11 through here (bench/RESULTS.md).
 *
 * Anything else gives `undefined`, and the caller decodes the body with `decodePushJson`,
 * which takes every form Loki accepts and words every error: invalid JSON, invalid UTF-8
 * anywhere in the body, a `null`, a number, an unknown or repeated key, a repeated label or
 * metadata name, a name starting with a digit (JSON.parse's objects put such keys first),
 * the categorised metadata form, an escape in a key or a timestamp, a timestamp out of
 * range. So for any body this decoder accepts, the result is the same
 * streams, labels, label texts, times, line bytes and metadata `decodePushJson` gives (a
 * property test compares the two).
 */
import { isUtf8 } from 'node:buffer';
import type { Label } from '../../model/labels.js';
import { EntryColumns } from '../../logstore/entry-columns.js';
import { formatSelectorLabels, mapLabelsError } from './selector-labels.js';
import { ColumnsStream } from './columnar.js';
import type { ColumnarPushRequest, ColumnarPushStream } from './types.js';
import { native, type NativeAddon } from '../../util/native.js';
import type { CairnError } from '../../util/errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Bytes per entry of a typical body, for the columns' first capacity. */
const BYTES_PER_ENTRY_GUESS = 128;
/** Nanosecond digits within a millisecond, and the most digits an int64 has. */
const NS_DIGITS = 6;
const MAX_INT64_DIGITS = 19;
const MAX_INT64_MS = 9_223_372_036_854;
const MAX_INT64_NS_IN_MS = 775_807;
/** Label sets kept by their bytes; past either bound the cache starts over. */
const CACHE_MAX_ENTRIES = 20_000;
const CACHE_MAX_KEY_BYTES = 4096;

const NO_LABELS: readonly Label[] = Object.freeze([]);

/** Thrown inside the decoder for "not the common shape"; never escapes it. */
class NotFast {}
const NOT_FAST = new NotFast();

interface StreamLabels {
  readonly labels: readonly Label[];
  readonly labelsText: string;
  readonly labelsError: CairnError | undefined;
}

/** Where the addon's `jsonUnescape` says where a string ended (input, output). */
const ENDS = new Int32Array(2);
/** `jsonValues`'s state: [why it stopped, position, entries, side bytes used]. */
const STATE = new Int32Array(4);
/** The byte each one-character escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`) stands for; 0 for the others. */
const SIMPLE_ESCAPES = (() => {
  const t = new Uint8Array(256);
  for (const [c, b] of [['"', 0x22], ['\\', 0x5c], ['/', 0x2f], ['b', 0x08], ['f', 0x0c], ['n', 0x0a], ['r', 0x0d], ['t', 0x09]] as const) t[c.charCodeAt(0)] = b;
  return t;
})();
/** Why `jsonValues` stopped (native/json.h). */
const VALUES_END = 0;
const COLUMNS_FULL = 1;
const VALUES_INVALID = 3;

/** Label sets by the bytes of their `stream` object (as a latin1 string). */
const labelCache = new Map<string, StreamLabels>();

/**
 * Decodes a v1 JSON push body of the common shape (see the module comment), or returns
 * undefined for the caller to decode it with `decodePushJson`. `addon`: the native addon,
 * which reads entries (`jsonValues`, `jsonUnescape`), or null for the JavaScript loops that
 * give the same columns (tests compare the two).
 */
export function decodePushJsonFast(body: Buffer, addon: NativeAddon | null = native ?? null): ColumnarPushRequest | undefined {
  // Invalid UTF-8 becomes U+FFFD through JSON.parse; lines here are kept as bytes.
  if (!isUtf8(body)) return undefined;
  try {
    return new Decoder(body, addon).request();
  } catch (e) {
    if (e === NOT_FAST) return undefined;
    throw e;
  }
}

class Decoder {
  private p = 0;
  /**
   * The lines, copied (unescaped) one after another: the columns' buffer. As long as the
   * body (plus the 4 bytes of room the unescapers keep past a run), since a string's
   * unescaped bytes are never more than its text.
   */
  private readonly side: Buffer;
  private sideLength = 0;
  private readonly columns: EntryColumns;
  /** The last timestamp read. */
  private tMs = 0;
  private tNs = 0;

  constructor(
    private readonly b: Buffer,
    private readonly addon: NativeAddon | null,
  ) {
    this.side = Buffer.allocUnsafe(b.length + 8);
    this.columns = new EntryColumns(this.side, Math.ceil(b.length / BYTES_PER_ENTRY_GUESS));
  }

  request(): ColumnarPushRequest {
    const streams: ColumnarPushStream[] = [];
    this.expect(OPEN_BRACE);
    if (this.key() !== 'streams') throw NOT_FAST;
    this.expect(OPEN_BRACKET);
    if (!this.peekIs(CLOSE_BRACKET)) {
      do streams.push(this.stream());
      while (this.listGoesOn(CLOSE_BRACKET));
    } else this.p++;
    this.expect(CLOSE_BRACE);
    this.skipWs();
    if (this.p !== this.b.length) throw NOT_FAST;
    return { streams, columns: this.columns };
  }

  /** One `{"stream":{…},"values":[…]}`, keys in either order, each once. */
  private stream(): ColumnarPushStream {
    this.expect(OPEN_BRACE);
    let labels: StreamLabels | undefined;
    let from = -1;
    let to = -1;
    for (let k = 0; k < 2; k++) {
      if (k > 0) this.expect(COMMA);
      const key = this.key();
      if (key === 'stream' && labels === undefined) labels = this.streamLabels();
      else if (key === 'values' && from < 0) {
        from = this.columns.count;
        this.values();
        to = this.columns.count;
      } else throw NOT_FAST;
    }
    this.expect(CLOSE_BRACE);
    return new ColumnsStream(labels!.labels, labels!.labelsText, labels!.labelsError, this.columns, from, to);
  }

  /**
   * The `stream` object's labels, from the cache when these bytes were seen before: a hit
   * makes no string but the key.
   */
  private streamLabels(): StreamLabels {
    this.skipWs();
    const start = this.p;
    this.skipFlatObject();
    const end = this.p;
    const cacheable = end - start <= CACHE_MAX_KEY_BYTES;
    const bytes = cacheable ? this.b.toString('latin1', start, end) : '';
    const hit = cacheable ? labelCache.get(bytes) : undefined;
    if (hit !== undefined) return hit;
    this.p = start;
    const labels = this.flatObject();
    const labelsText = formatSelectorLabels(labels);
    const out: StreamLabels = { labels, labelsText, labelsError: mapLabelsError(labels, labelsText) };
    if (cacheable) {
      if (labelCache.size >= CACHE_MAX_ENTRIES) labelCache.clear();
      labelCache.set(bytes, out);
    }
    return out;
  }

  /**
   * A flat `{"name":"value",…}` object (labels or structured metadata) in body order; a
   * name given twice is not fast (JSON.parse would keep the last value at the first place).
   */
  private flatObject(): readonly Label[] {
    this.expect(OPEN_BRACE);
    if (this.peekIs(CLOSE_BRACE)) {
      this.p++;
      return NO_LABELS;
    }
    const out: Label[] = [];
    do {
      const name = this.key();
      for (const l of out) if (l.name === name) throw NOT_FAST;
      out.push({ name, value: this.string() });
    } while (this.listGoesOn(CLOSE_BRACE));
    return out;
  }

  /** Moves past a flat object of strings without making them. */
  private skipFlatObject(): void {
    this.expect(OPEN_BRACE);
    if (this.peekIs(CLOSE_BRACE)) {
      this.p++;
      return;
    }
    do {
      this.skipWs();
      this.skipString();
      this.expect(COLON);
      this.skipWs();
      this.skipString();
    } while (this.listGoesOn(CLOSE_BRACE));
  }

  /** Moves past a string at `p` (escapes skipped, not checked: `flatObject` checks them). */
  private skipString(): void {
    const b = this.b;
    const len = b.length;
    if (b[this.p] !== QUOTE) throw NOT_FAST;
    let i = this.p + 1;
    while (i < len && b[i] !== QUOTE) i += b[i] === BACKSLASH ? 2 : 1;
    if (i >= len) throw NOT_FAST;
    this.p = i + 1;
  }

  /**
   * The `values` array: entries into the columns. With the addon, its `jsonValues` reads
   * the plain entries (one call per stream instead of one per escaped line: N-API's cost
   * is per call) and leaves the others to `entry`.
   */
  private values(): void {
    this.expect(OPEN_BRACKET);
    if (this.peekIs(CLOSE_BRACKET)) {
      this.p++;
      return;
    }
    const addon = this.addon;
    for (;;) {
      if (addon !== null) {
        const stop = this.nativeValues(addon);
        if (stop === VALUES_END) return;
        if (stop === VALUES_INVALID) throw NOT_FAST;
        if (stop === COLUMNS_FULL) {
          this.columns.ensureCapacity(this.columns.count + 1);
          continue;
        }
        // ENTRY_FOR_CALLER: the element at `p` is read here.
      }
      this.entry();
      if (!this.listGoesOn(CLOSE_BRACKET)) return;
    }
  }

  /** One `jsonValues` call from `p`; returns why it stopped. */
  private nativeValues(addon: NativeAddon): number {
    const cols = this.columns;
    const side = this.side;
    STATE[1] = this.p;
    STATE[2] = cols.count;
    STATE[3] = this.sideLength;
    addon.jsonValues(this.b, side, cols.tMs, cols.tNs, cols.start, cols.end, STATE);
    cols.commitWritten(STATE[2]!);
    this.p = STATE[1]!;
    this.sideLength = STATE[3]!;
    return STATE[0]!;
  }

  /** `["<ns>","<line>"]` or `["<ns>","<line>",{…}]`. */
  private entry(): void {
    this.expect(OPEN_BRACKET);
    this.timestamp();
    const tMs = this.tMs;
    const tNs = this.tNs;
    this.expect(COMMA);
    this.skipWs();
    if (this.b[this.p] !== QUOTE) throw NOT_FAST;
    // The line, unescaped into `side`.
    const from = this.sideLength;
    const to = this.addon !== null ? this.unescapeNative(this.p + 1) : this.unescape(this.p + 1);
    let metadata: readonly Label[] = NO_LABELS;
    this.skipWs();
    if (this.b[this.p] === COMMA) {
      this.p++;
      metadata = this.flatObject();
    }
    this.expect(CLOSE_BRACKET);
    this.columns.push(tMs, tNs, from, to, metadata);
  }

  /** `unescape` by the addon. */
  private unescapeNative(start: number): number {
    if (!this.addon!.jsonUnescape(this.b, start, this.side, this.sideLength, ENDS)) throw NOT_FAST;
    this.p = ENDS[0]!;
    this.sideLength = ENDS[1]!;
    return this.sideLength;
  }

  /**
   * Writes the string starting at `start` (past its opening quote) into `side`, unescaped:
   * runs of plain bytes as they are, escapes resolved. Returns its end in `side` (it starts
   * at the old `sideLength`); `p` ends past its closing quote.
   */
  private unescape(start: number): number {
    const b = this.b;
    const side = this.side;
    let o = this.sideLength;
    let i = start;
    for (;;) {
      // A run of plain bytes, copied whole (by hand when short: a call costs more).
      const j = this.plainEnd(i);
      const c = b[j];
      if (c !== QUOTE && c !== BACKSLASH) throw NOT_FAST;
      const run = j - i;
      // The run and the longest unescaped step after it (4 bytes: a surrogate pair).
      if (o + run + 4 > side.length) throw NOT_FAST;
      if (run > 32) b.copy(side, o, i, j);
      else for (let k = 0; k < run; k++) side[o + k] = b[i + k]!;
      o += run;
      i = j;
      if (c === QUOTE) break;
      const e = b[i + 1];
      i += 2;
      const simple = e === undefined ? 0 : SIMPLE_ESCAPES[e]!;
      if (simple !== 0) side[o++] = simple;
      else if (e === 0x75) {
        // u: a UTF-16 unit; a high surrogate followed by an escaped low one is one code
        // point, and a lone surrogate is written as U+FFFD (as Buffer.write writes the
        // lone surrogate JSON.parse gives).
        let cp = this.hex4(i);
        i += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && b[i] === BACKSLASH && b[i + 1] === 0x75) {
          const lo = this.hex4(i + 2);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
        o = writeUtf8(side, o, cp);
      } else throw NOT_FAST;
    }
    this.p = i + 1;
    this.sideLength = o;
    return o;
  }

  /** Four hex digits at `i` as a number; not fast if they are not. */
  private hex4(i: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.b[i + k];
      let d: number;
      if (c === undefined) throw NOT_FAST;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else throw NOT_FAST;
      v = (v << 4) | d;
    }
    return v;
  }

  /** A timestamp string of decimal nanoseconds (no sign, no escape) into `tMs`, `tNs`. */
  private timestamp(): void {
    this.skipWs();
    const b = this.b;
    if (b[this.p] !== QUOTE) throw NOT_FAST;
    let i = this.p + 1;
    const start = i;
    while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    if (b[i] !== QUOTE || i === start) throw NOT_FAST;
    const n = i - start;
    // Leading zeros carry no value; past them, more digits than int64 has is out of range.
    let first = start;
    while (first < i - 1 && b[first] === 0x30) first++;
    if (i - first > MAX_INT64_DIGITS) throw NOT_FAST;
    const splitAt = start + n - NS_DIGITS;
    let ms = 0;
    let ns = 0;
    for (let k = start; k < i; k++) {
      const d = b[k]! - 0x30;
      if (k < splitAt) ms = ms * 10 + d;
      else ns = ns * 10 + d;
    }
    if (ms > MAX_INT64_MS || (ms === MAX_INT64_MS && ns > MAX_INT64_NS_IN_MS)) throw NOT_FAST;
    this.tMs = ms;
    this.tNs = ns;
    this.p = i + 1;
  }

  /** A key (an escape-free string) and its colon. */
  private key(): string {
    this.skipWs();
    const s = this.plainString();
    this.expect(COLON);
    return s;
  }

  /** A string value (label or metadata value): one with escapes through JSON.parse of its text. */
  private string(): string {
    this.skipWs();
    const b = this.b;
    if (b[this.p] !== QUOTE) throw NOT_FAST;
    const start = this.p + 1;
    let i = this.plainEnd(start);
    if (b[i] === QUOTE) {
      this.p = i + 1;
      return b.toString('utf8', start, i);
    }
    if (b[i] !== BACKSLASH) throw NOT_FAST;
    // Rare in labels: find the closing quote past the escapes; JSON.parse of the string
    // gives exactly what it gives inside the document.
    const len = b.length;
    while (i < len && b[i] !== QUOTE) i += b[i] === BACKSLASH ? 2 : 1;
    if (i >= len) throw NOT_FAST;
    let v: unknown;
    try {
      v = JSON.parse(b.toString('utf8', start - 1, i + 1));
    } catch {
      throw NOT_FAST;
    }
    this.p = i + 1;
    return v as string;
  }

  /**
   * A string without escapes (keys, label and metadata names), as text. A name that starts
   * with a digit is not fast: JSON.parse's objects list integer-like keys first, so the
   * full decoder may order such labels differently from the body.
   */
  private plainString(): string {
    const b = this.b;
    if (b[this.p] !== QUOTE) throw NOT_FAST;
    const start = this.p + 1;
    const i = this.plainEnd(start);
    if (b[i] !== QUOTE) throw NOT_FAST;
    if (i > start && b[start]! >= 0x30 && b[start]! <= 0x39) throw NOT_FAST;
    this.p = i + 1;
    return b.toString('utf8', start, i);
  }

  /**
   * Where the run of plain string bytes from `i` ends: at a quote, a backslash, a control
   * character (which JSON.parse refuses inside a string) or the body's end.
   */
  private plainEnd(i: number): number {
    const b = this.b;
    const len = b.length;
    let c = 0;
    while (i < len && (c = b[i]!) >= 0x20 && c !== QUOTE && c !== BACKSLASH) i++;
    return i;
  }

  private skipWs(): void {
    const b = this.b;
    let p = this.p;
    for (;;) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.p = p;
  }

  private expect(c: number): void {
    this.skipWs();
    if (this.b[this.p] !== c) throw NOT_FAST;
    this.p++;
  }

  private peekIs(c: number): boolean {
    this.skipWs();
    return this.b[this.p] === c;
  }

  /** After a list element: true past a comma, false past the list's closing `close`. */
  private listGoesOn(close: number): boolean {
    this.skipWs();
    const c = this.b[this.p];
    if (c === COMMA) {
      this.p++;
      return true;
    }
    if (c === close) {
      this.p++;
      return false;
    }
    throw NOT_FAST;
  }
}

/** Writes code point `cp` as UTF-8 at `o`; returns the new end. */
function writeUtf8(out: Buffer, o: number, cp: number): number {
  if (cp < 0x80) out[o++] = cp;
  else if (cp < 0x800) {
    out[o++] = 0xc0 | (cp >> 6);
    out[o++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[o++] = 0xe0 | (cp >> 12);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  } else {
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 0x3f);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  }
  return o;
}
