/**
 * A lossless rewrite of an encoded log chunk (chunk-format.ts) that compresses smaller:
 * compaction's codec ('zstd-tok', codec.ts) compresses its parts instead of the chunk.
 * Three things in a chunk cost more bytes than the information they carry:
 *
 * - **The time written in each line.** Most log lines start with their own timestamp
 *   (ISO 8601 / RFC 3339, the common log format of nginx and Apache, Go's log package,
 *   Kubernetes' klog, RFC 3164 syslog), which repeats the entry's time in 15–30 characters
 *   that zstd cannot predict. A line's timestamp becomes a token holding its difference
 *   from the entry's time, in the text's own precision: usually 0. klog and syslog write no
 *   year: the tokenizer takes the one nearest the entry's time, and the printer leaves it
 *   out again.
 * - **Hex and long digit runs** (trace, span and request ids, hashes, long numbers): packed
 *   two characters to a byte into a separate ids part. Left in the text their random
 *   characters break zstd's matches and flatten its literal statistics for the words
 *   around them.
 * - **Entry times in ns where the shipper wrote ms or µs.** The times column's deltas are
 *   divided by the largest power of 1000 they share.
 *
 * On bench/lib/log-corpus.ts chunks at zstd level 9 the three take the chunk data from
 * 0.170 to ~0.132 of the log text (bench/RESULTS.md, "Log chunks as tokens"). Untokenizing
 * is a copy with a few expansions per line, done natively (`native.untokenizeChunk`)
 * where the addon is built; this module is the reference and the fallback.
 *
 * The tokenized form, one byte stream: `[mode]` then, for mode 0 (`PLAIN`: bytes that are
 * not a chunk), the bytes as given; for mode 1 (`TOKENS`): `uvarint(textBytes)`,
 * `uvarint(idBytes)`, a byte `e` (time deltas are divided by 10^e), the chunk's columns
 * (`[0, lineStart)`) with the time deltas so divided, then the text, then the ids.
 *
 * The text is the lines back to back with these escapes (0xFF never occurs in UTF-8):
 * - `FF 00`: a literal 0xFF byte;
 * - `FF 01 n`, `FF 02 n`: 2n lower-case (01) or upper-case (02) hex characters, whose
 *   n bytes are the next in the ids part;
 * - `FF 03 f zigzag-uvarint(d)`: a timestamp in format `f` (`TS_*` below) that is `d`
 *   units of its precision after the entry's own time.
 * A token never spans two lines, so every token belongs to the line the output is in.
 */
import { CairnError } from '../../util/errors.js';
import { Column, readChunkHeader } from './chunk-format.js';
import { NS_PER_MS } from '../entry.js';
import { civilFromDays, daysFromCivil, daysInMonth } from '../../util/civil-date.js';
import { native } from '../../util/native.js';

export const PLAIN = 0;
export const TOKENS = 1;

const ESC = 0xff;
const T_LITERAL = 0;
const T_HEX_LOWER = 1;
const T_HEX_UPPER = 2;
const T_TIME = 3;

/** Timestamp formats: bits 0–2 the layout, bit 3 a comma before the fraction, bits 4–7 its digits. */
const TS_ISO_T = 0; // 2006-01-02T15:04:05[.999999999] (RFC 3339; the zone stays text)
const TS_ISO_SPACE = 1; // 2006-01-02 15:04:05[,999] (Java, Python)
const TS_CLF = 2; // 02/Jan/2006:15:04:05 (nginx, Apache)
const TS_GO = 3; // 2006/01/02 15:04:05[.999999] (Go's log package)
const TS_KLOG = 4; // 0102 15:04:05[.999999] after a line's first letter I, W, E or F (Kubernetes' klog)
const TS_SYSLOG = 5; // Jan _2 15:04:05 (RFC 3164 syslog)
const TS_LAYOUT = 7;
const TS_COMMA = 8;
/** klog's severity letters: I, W, E, F. */
const KLOG_LEVEL = new Uint8Array(256);
for (const c of 'IWEF') KLOG_LEVEL[c.charCodeAt(0)] = 1;

/** Shortest hex run worth a token (characters). */
const MIN_HEX = 8;
/** Longest hex run in one token (characters): n is a byte. */
const MAX_HEX = 510;
/** Widest gap between a line's timestamp and its entry's time that becomes a token: zigzag(d) in ns stays below 2^53. */
const MAX_TIME_GAP_S = 4_000_000;

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Character classes: 1 digit, 2 lower-case hex letter, 4 upper-case hex letter, 8 other letter. */
const CLASS = new Uint8Array(256);
for (let c = 48; c <= 57; c++) CLASS[c] = 1;
for (let c = 97; c <= 122; c++) CLASS[c] = c <= 102 ? 2 : 8;
for (let c = 65; c <= 90; c++) CLASS[c] = c <= 70 ? 4 : 8;
/** Nibble of a hex character (either case); 255 for others. */
const NIBBLE = new Uint8Array(256).fill(255);
for (let c = 0; c < 16; c++) {
  NIBBLE['0123456789abcdef'.charCodeAt(c)] = c;
  NIBBLE['0123456789ABCDEF'.charCodeAt(c)] = c;
}
const HEX_LOWER = new TextEncoder().encode('0123456789abcdef');
const HEX_UPPER = new TextEncoder().encode('0123456789ABCDEF');

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_chunk', `corrupt tokenized log chunk: ${what}`);
}

function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function readUvarint(buf: Uint8Array, c: { pos: number }, end: number): number {
  let result = 0;
  let mult = 1;
  for (let i = 0; i < 8; i++) {
    if (c.pos >= end) throw corrupt('varint past the end');
    const b = buf[c.pos++]!;
    result += (b & 0x7f) * mult;
    if (b < 0x80) return result;
    mult *= 0x80;
  }
  throw corrupt('varint longer than 8 bytes');
}

/**
 * The entries' times as a chunk's time column gives them (chunk-format.ts: ns deltas, or
 * ms deltas and ns with FLAG_SPLIT_TIME), kept per entry as a second and the ns within it:
 * what a timestamp token is relative to.
 */
class EntryTimes {
  readonly secs: Float64Array;
  readonly nanos: Int32Array;
  constructor(
    n: number,
    private tMs: number,
    private tNs: number,
  ) {
    this.secs = new Float64Array(n);
    this.nanos = new Int32Array(n);
  }

  /** Moves on by `d` ns (tNs + d below 2^53). */
  add(d: number): void {
    const total = this.tNs + d;
    // The quotient may round up by one.
    let q = Math.floor(total / NS_PER_MS);
    if (total - q * NS_PER_MS < 0) q--;
    this.tMs += q;
    this.tNs = total - q * NS_PER_MS;
  }

  /** Moves on by `dMs` ms, to ns `tNs` within the ms. */
  split(dMs: number, tNs: number): void {
    if (tNs >= NS_PER_MS) throw corrupt(`entry ns ${tNs} is not below 1e6`);
    this.tMs += dMs;
    this.tNs = tNs;
  }

  /** Records the current time as entry k's. */
  record(k: number): void {
    const s = Math.floor(this.tMs / 1000);
    this.secs[k] = s;
    this.nanos[k] = (this.tMs - s * 1000) * NS_PER_MS + this.tNs;
  }
}

// ---------------------------------------------------------------------------------------
// Tokenizing.

/** Two ASCII digits at `i` as a number, or -1. */
function d2(b: Uint8Array, i: number): number {
  const x = b[i]! - 48;
  const y = b[i + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** A parsed timestamp: its end, format byte, seconds since 1970 and fraction (in 10^-digits s). */
interface Stamp {
  end: number;
  format: number;
  sec: number;
  frac: number;
}
const stamp: Stamp = { end: 0, format: 0, sec: 0, frac: 0 };

/** klog and syslog write no year: the one of the entry's (or the year before or after it) that puts the date nearest the entry's time, or -1. */
function nearestYear(entrySec: number, mo: number, d: number, secOfDay: number): number {
  const ye = civilFromDays(Math.floor(entrySec / 86400)).year;
  let best = -1;
  let bestGap = Infinity;
  for (const y of [ye - 1, ye, ye + 1]) {
    if (!validDate(y, mo, d)) continue;
    const gap = Math.abs(daysFromCivil(y, mo, d) * 86400 + secOfDay - entrySec);
    if (gap < bestGap) {
      best = y;
      bestGap = gap;
    }
  }
  return best;
}

/** The month (1–12) whose three-letter English name is at `b[i]`, or -1. */
function monthAt(b: Uint8Array, i: number): number {
  const k = MONTHS.indexOf(String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!));
  return k >= 0 && k % 3 === 0 ? k / 3 + 1 : -1;
}

/**
 * The timestamp starting at `b[i]` within `[i, end)` of the line starting at `from` into
 * `stamp`: false when there is none, or one that would not print back to the same
 * characters (a leap second, 30 February, a year before 1970, a zero-padded syslog day).
 * `entrySec` supplies the year of the layouts without one.
 */
function parseStamp(b: Uint8Array, i: number, from: number, end: number, entrySec: number): boolean {
  let y = -1;
  let mo: number, d: number, h: number, mi: number, s: number, p: number, format: number;
  const sep = b[i + 4];
  if (i + 19 <= end && (sep === 45 || sep === 47) && b[i + 7] === sep && (sep === 45 ? b[i + 10] === 84 || b[i + 10] === 32 : b[i + 10] === 32) && b[i + 13] === 58 && b[i + 16] === 58) {
    const y1 = d2(b, i);
    const y2 = d2(b, i + 2);
    y = y1 < 0 || y2 < 0 ? -1 : y1 * 100 + y2;
    mo = d2(b, i + 5);
    d = d2(b, i + 8);
    h = d2(b, i + 11);
    mi = d2(b, i + 14);
    s = d2(b, i + 17);
    p = i + 19;
    format = sep === 47 ? TS_GO : b[i + 10] === 84 ? TS_ISO_T : TS_ISO_SPACE;
  } else if (i + 20 <= end && b[i + 2] === 47 && b[i + 6] === 47 && b[i + 11] === 58 && b[i + 14] === 58 && b[i + 17] === 58) {
    d = d2(b, i);
    mo = monthAt(b, i + 3);
    const y1 = d2(b, i + 7);
    const y2 = d2(b, i + 9);
    y = y1 < 0 || y2 < 0 ? -1 : y1 * 100 + y2;
    h = d2(b, i + 12);
    mi = d2(b, i + 15);
    s = d2(b, i + 18);
    p = i + 20;
    format = TS_CLF;
  } else if (i === from + 1 && KLOG_LEVEL[b[from]!] === 1 && i + 13 <= end && b[i + 4] === 32 && b[i + 7] === 58 && b[i + 10] === 58) {
    mo = d2(b, i);
    d = d2(b, i + 2);
    h = d2(b, i + 5);
    mi = d2(b, i + 8);
    s = d2(b, i + 11);
    p = i + 13;
    format = TS_KLOG;
  } else if (i + 15 <= end && b[i + 3] === 32 && b[i + 6] === 32 && b[i + 9] === 58 && b[i + 12] === 58) {
    mo = monthAt(b, i);
    // "_2": a day below 10 is space-padded, as the printer writes it.
    const d1 = b[i + 4]!;
    const last = b[i + 5]! - 48;
    d = d1 === 32 ? (last >= 1 && last <= 9 ? last : -1) : d2(b, i + 4);
    if (d1 !== 32 && d < 10) d = -1;
    h = d2(b, i + 7);
    mi = d2(b, i + 10);
    s = d2(b, i + 13);
    p = i + 15;
    format = TS_SYSLOG;
  } else {
    return false;
  }
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || mo < 1 || d < 1) return false;
  if (format === TS_KLOG || format === TS_SYSLOG) y = nearestYear(entrySec, mo, d, h * 3600 + mi * 60 + s);
  if (y < 1970 || y > 9999 || !validDate(y, mo, d)) return false;
  let frac = 0;
  let digits = 0;
  if (format !== TS_CLF && format !== TS_SYSLOG && p + 1 < end && (b[p] === 46 || b[p] === 44) && CLASS[b[p + 1]!] === 1) {
    if (b[p] === 44) format |= TS_COMMA;
    p++;
    while (p < end && digits < 9 && CLASS[b[p]!] === 1) {
      frac = frac * 10 + b[p]! - 48;
      p++;
      digits++;
    }
  }
  stamp.end = p;
  stamp.format = format | (digits << 4);
  stamp.sec = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  stamp.frac = frac;
  return true;
}

/** Writes `line = b[from, to)` tokenized into `text` (and its hex runs into `ids`); `sec` and `nanos` are the entry's time. */
function tokenizeLine(b: Uint8Array, from: number, to: number, sec: number, nanos: number, text: Column, ids: Column): void {
  let lit = from;
  let i = from;
  while (i < to) {
    const c = b[i]!;
    if (c === ESC) {
      text.bytes(b, lit, i);
      text.ensure(2);
      text.buf[text.pos++] = ESC;
      text.buf[text.pos++] = T_LITERAL;
      lit = ++i;
      continue;
    }
    const cls = CLASS[c]!;
    if (cls === 0) {
      i++;
      continue;
    }
    // Tokens start at a word's start (or after "0x"), so a word's tail is never cut out;
    // klog's date follows the line's first letter.
    const wordStart = i === from || CLASS[b[i - 1]!] === 0 || (b[i - 1] === 120 && i - 2 >= from && b[i - 2] === 48);
    const maybeStamp = wordStart ? cls === 1 || (c >= 65 && c <= 90 && b[i + 3] === 32) : cls === 1 && i === from + 1;
    if (maybeStamp && parseStamp(b, i, from, to, sec)) {
      const digits = stamp.format >> 4;
      const unit = POW10[9 - digits]!;
      const gap = stamp.sec - sec;
      if (gap <= MAX_TIME_GAP_S && gap >= -MAX_TIME_GAP_S) {
        const delta = gap * POW10[digits]! + (stamp.frac - Math.floor(nanos / unit));
        text.bytes(b, lit, i);
        text.ensure(11);
        text.buf[text.pos++] = ESC;
        text.buf[text.pos++] = T_TIME;
        text.buf[text.pos++] = stamp.format;
        text.uvarint(delta >= 0 ? delta * 2 : -delta * 2 - 1);
        lit = i = stamp.end;
        continue;
      }
    }
    if (!wordStart || (cls & 7) === 0) {
      i++;
      continue;
    }
    // The longer of the lower-case and the upper-case hex run (all digits: lower).
    let lower = i;
    while (lower < to && (CLASS[b[lower]!]! & 3) !== 0) lower++;
    let upper = i;
    while (upper < to && (CLASS[b[upper]!]! & 5) !== 0) upper++;
    const isUpper = upper > lower;
    const runEnd = isUpper ? upper : lower;
    if (runEnd - i < MIN_HEX) {
      // Not past the run: klog's date follows its level letter (E, F) inside one.
      i++;
      continue;
    }
    text.bytes(b, lit, i);
    while (runEnd - i >= MIN_HEX) {
      const chars = Math.min(MAX_HEX, (runEnd - i) & ~1);
      text.ensure(3);
      text.buf[text.pos++] = ESC;
      text.buf[text.pos++] = isUpper ? T_HEX_UPPER : T_HEX_LOWER;
      text.buf[text.pos++] = chars >> 1;
      ids.ensure(chars >> 1);
      const o = ids.buf;
      let at = ids.pos;
      for (let k = i; k < i + chars; k += 2) o[at++] = (NIBBLE[b[k]!]! << 4) | NIBBLE[b[k + 1]!]!;
      ids.pos = at;
      i += chars;
    }
    lit = i;
    i = runEnd;
  }
  text.bytes(b, lit, to);
}

/**
 * The tokenized form of `raw` (see the module comment): a fresh buffer. Bytes that are
 * not an encoded chunk are kept as they are (mode PLAIN), so any bytes round-trip.
 */
export function tokenizeChunk(raw: Uint8Array): Uint8Array {
  if (native !== undefined) {
    const need = 2 * raw.length + 64;
    if (tokenScratch.length < need) tokenScratch = new Uint8Array(need);
    const n = native.tokenizeChunk(raw, tokenScratch);
    if (n > 0) return tokenScratch.slice(0, n);
  }
  return tokenizeChunkJs(raw);
}

/** The native tokenizer's output room (one thread's), reused: its result is copied out. */
let tokenScratch = new Uint8Array(0);

/**
 * `tokenizeChunk` in JavaScript: the reference, and where the addon is not built (230
 * MB/s against the native ~600 on bench/lib/log-corpus.ts chunks, copy included).
 */
export function tokenizeChunkJs(raw: Uint8Array): Uint8Array {
  try {
    return tokenize(raw);
  } catch (e) {
    if (!(e instanceof CairnError)) throw e;
    const out = new Uint8Array(raw.length + 1);
    out[0] = PLAIN;
    out.set(raw, 1);
    return out;
  }
}

/** `tokenizeChunk` of a well-formed chunk; throws a CairnError (`corrupt_chunk`) for others. */
function tokenize(raw: Uint8Array): Uint8Array {
  const h = readChunkHeader(raw);
  const n = h.entries;
  // Entry times, and the largest power of 1000 dividing every delta.
  const times = new EntryTimes(n, h.minTMs, h.minTNs);
  const deltas = h.splitTime ? null : new Float64Array(n);
  const c = { pos: h.timeStart };
  let exp = deltas === null ? 0 : 9;
  for (let k = 0; k < n; k++) {
    if (deltas === null) {
      times.split(readUvarint(raw, c, h.lengthStart), readUvarint(raw, c, h.lengthStart));
    } else {
      const d = readUvarint(raw, c, h.lengthStart);
      deltas[k] = d;
      while (exp > 0 && d % POW10[exp]! !== 0) exp -= 3;
      times.add(d);
    }
    times.record(k);
  }
  const { secs, nanos } = times;
  const cols = new Column(h.lineStart + 24);
  cols.buf[cols.pos++] = TOKENS;
  const text = new Column(h.lineBytes + (h.lineBytes >> 3) + 64);
  const ids = new Column((h.lineBytes >> 4) + 64);
  // Lines.
  const lc = { pos: h.lengthStart };
  let at = h.lineStart;
  for (let k = 0; k < n; k++) {
    const len = readUvarint(raw, lc, h.metaStart);
    if (at + len > h.end) throw corrupt('line lengths run past the chunk');
    tokenizeLine(raw, at, at + len, secs[k]!, nanos[k]!, text, ids);
    at += len;
  }
  if (at !== h.end || c.pos !== h.lengthStart || lc.pos !== h.metaStart) throw corrupt('sections do not match the header');
  cols.uvarint(text.pos);
  cols.uvarint(ids.pos);
  cols.buf[cols.pos++] = exp;
  cols.bytes(raw, 0, h.timeStart);
  if (deltas === null || exp === 0) {
    cols.bytes(raw, h.timeStart, h.lengthStart);
  } else {
    const unit = POW10[exp]!;
    for (let k = 0; k < n; k++) {
      cols.ensure(8);
      cols.uvarint(deltas[k]! / unit);
    }
  }
  cols.bytes(raw, h.lengthStart, h.lineStart);
  const out = new Uint8Array(cols.pos + text.pos + ids.pos);
  out.set(cols.buf.subarray(0, cols.pos));
  out.set(text.buf.subarray(0, text.pos), cols.pos);
  out.set(ids.buf.subarray(0, ids.pos), cols.pos + text.pos);
  return out;
}

// ---------------------------------------------------------------------------------------
// Untokenizing (the reference; the addon's untokenizeChunk does the same natively).

/** The chunk's size when untokenized: read from the header without untokenizing. */
export function untokenizedSize(src: Uint8Array): number {
  if (src.length === 0) throw corrupt('empty');
  if (src[0] === PLAIN) return src.length - 1;
  if (src[0] !== TOKENS) throw corrupt(`unknown mode ${src[0]}`);
  const c = { pos: 1 };
  const textBytes = readUvarint(src, c, src.length);
  const idBytes = readUvarint(src, c, src.length);
  c.pos++;
  return headerAt(src, c.pos, src.length - textBytes - idBytes, textBytes).end;
}

/** Most line bytes one byte of tokenized text can stand for: `FF 01 ff` prints 510 characters. */
const MAX_EXPANSION = 170;

interface Header {
  headerBytes: number;
  entries: number;
  minTMs: number;
  minTNs: number;
  splitTime: boolean;
  timeBytes: number;
  lengthBytes: number;
  metaBytes: number;
  lineBytes: number;
  /** The untokenized chunk's length. */
  end: number;
}

/**
 * The chunk header at `src[at]` (chunk-format.ts `readChunkHeader`'s fields), of tokenized
 * columns ending at `colsEnd` and `textBytes` of text: sizes those could not hold are
 * refused before anything is allocated for them.
 */
function headerAt(src: Uint8Array, at: number, colsEnd: number, textBytes: number): Header {
  if (at + 2 > colsEnd) throw corrupt('no chunk header');
  const c = { pos: at + 2 };
  const end = colsEnd;
  const entries = readUvarint(src, c, end);
  const minTMs = readUvarint(src, c, end);
  const minTNs = readUvarint(src, c, end);
  readUvarint(src, c, end);
  readUvarint(src, c, end);
  const lineBytes = readUvarint(src, c, end);
  const timeBytes = readUvarint(src, c, end);
  const lengthBytes = readUvarint(src, c, end);
  const metaBytes = readUvarint(src, c, end);
  const headerBytes = c.pos - at;
  // Every entry has a length byte; the times (at least a byte an entry) lie between.
  if (entries > lengthBytes || lengthBytes + metaBytes + entries > colsEnd - c.pos || lineBytes > textBytes * MAX_EXPANSION) throw corrupt('chunk header does not fit its parts');
  return { headerBytes, entries, minTMs, minTNs, splitTime: (src[at + 1]! & 2) !== 0, timeBytes, lengthBytes, metaBytes, lineBytes, end: headerBytes + timeBytes + lengthBytes + metaBytes + lineBytes };
}

/** Writes the uvarint of `n` at `out[at]`; returns the end. */
function putUvarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

function put2(out: Uint8Array, at: number, v: number): void {
  out[at] = 48 + Math.floor(v / 10);
  out[at + 1] = 48 + (v % 10);
}

/** `15:04:05` at `out[at]`. */
function putClock(out: Uint8Array, at: number, h: number, mi: number, s: number): void {
  put2(out, at, h);
  out[at + 2] = 58;
  put2(out, at + 3, mi);
  out[at + 5] = 58;
  put2(out, at + 6, s);
}

/** Prints the timestamp of format `format` at `sec` s + `frac` (10^-digits s) at `out[at]`; returns the end. */
function printStamp(out: Uint8Array, at: number, format: number, sec: number, frac: number): number {
  const days = Math.floor(sec / 86400);
  const sod = sec - days * 86400;
  const { year: y, month: m, day: d } = civilFromDays(days);
  if (y < 1970 || y > 9999) throw corrupt(`timestamp token in year ${y}`);
  const h = Math.floor(sod / 3600);
  const mi = Math.floor((sod % 3600) / 60);
  const s = sod % 60;
  const layout = format & TS_LAYOUT;
  const k = (m - 1) * 3;
  if (layout === TS_CLF) {
    put2(out, at, d);
    out[at + 2] = 47;
    out[at + 3] = MONTHS.charCodeAt(k);
    out[at + 4] = MONTHS.charCodeAt(k + 1);
    out[at + 5] = MONTHS.charCodeAt(k + 2);
    out[at + 6] = 47;
    put2(out, at + 7, Math.floor(y / 100));
    put2(out, at + 9, y % 100);
    out[at + 11] = 58;
    putClock(out, at + 12, h, mi, s);
    return at + 20;
  }
  if (layout === TS_SYSLOG) {
    out[at] = MONTHS.charCodeAt(k);
    out[at + 1] = MONTHS.charCodeAt(k + 1);
    out[at + 2] = MONTHS.charCodeAt(k + 2);
    out[at + 3] = 32;
    put2(out, at + 4, d);
    if (d < 10) out[at + 4] = 32;
    out[at + 6] = 32;
    putClock(out, at + 7, h, mi, s);
    return at + 15;
  }
  if (layout === TS_KLOG) {
    put2(out, at, m);
    put2(out, at + 2, d);
    out[at + 4] = 32;
    putClock(out, at + 5, h, mi, s);
    at += 13;
  } else {
    const sep = layout === TS_GO ? 47 : 45;
    put2(out, at, Math.floor(y / 100));
    put2(out, at + 2, y % 100);
    out[at + 4] = sep;
    put2(out, at + 5, m);
    out[at + 7] = sep;
    put2(out, at + 8, d);
    out[at + 10] = layout === TS_ISO_T ? 84 : 32;
    putClock(out, at + 11, h, mi, s);
    at += 19;
  }
  const digits = format >> 4;
  if (digits > 0) {
    out[at++] = (format & TS_COMMA) !== 0 ? 44 : 46;
    for (let k = digits - 1; k >= 0; k--) {
      const q = Math.floor(frac / 10);
      out[at + k] = 48 + frac - q * 10;
      frac = q;
    }
    at += digits;
  }
  return at;
}

/** Characters a timestamp of `format` prints. */
function stampChars(format: number): number {
  const layout = format & TS_LAYOUT;
  if (layout === TS_CLF) return 20;
  if (layout === TS_SYSLOG) return 15;
  const digits = format >> 4;
  return (layout === TS_KLOG ? 13 : 19) + (digits > 0 ? digits + 1 : 0);
}

/** Whether a token's format byte is one the tokenizer writes. */
function validFormat(format: number): boolean {
  const layout = format & TS_LAYOUT;
  const digits = format >> 4;
  return layout <= TS_SYSLOG && digits <= 9 && ((layout !== TS_CLF && layout !== TS_SYSLOG) || digits === 0);
}

/**
 * Writes the chunk that `src` (`tokenizeChunk`'s output) holds into `out`; returns its
 * length, or minus the length needed when `out` is too small. With `lines` false, only
 * its columns are written (the lines' bytes in `out` are left as they were), and `src`'s
 * text and ids are not read: they need not be there (see codec.ts `withDecompressed`).
 * Throws a CairnError (`corrupt_chunk`) when `src` is malformed.
 */
export function untokenizeChunkJs(src: Uint8Array, out: Uint8Array, lines = true): number {
  if (src.length === 0) throw corrupt('empty');
  if (src[0] === PLAIN) {
    if (out.length < src.length - 1) return -(src.length - 1);
    out.set(src.subarray(1));
    return src.length - 1;
  }
  if (src[0] !== TOKENS) throw corrupt(`unknown mode ${src[0]}`);
  const c = { pos: 1 };
  const textBytes = readUvarint(src, c, src.length);
  const idBytes = readUvarint(src, c, src.length);
  const exp = src[c.pos++];
  if (exp === undefined || exp > 9 || exp % 3 !== 0) throw corrupt(`time unit 10^${exp}`);
  const colsAt = c.pos;
  const textAt = src.length - textBytes - idBytes;
  if (textAt < colsAt) throw corrupt('parts longer than the data');
  const h = headerAt(src, colsAt, textAt, textBytes);
  if (out.length < h.end) return -h.end;
  const n = h.entries;
  // Header, then the times (multiplied back), with every entry's second and ns in it.
  out.set(src.subarray(colsAt, colsAt + h.headerBytes));
  let o = h.headerBytes;
  const tc = { pos: colsAt + h.headerBytes };
  const timesEnd = textAt - h.lengthBytes - h.metaBytes;
  const times = new EntryTimes(n, h.minTMs, h.minTNs);
  const unit = POW10[exp]!;
  for (let k = 0; k < n; k++) {
    if (h.splitTime) {
      const from = tc.pos;
      times.split(readUvarint(src, tc, timesEnd), readUvarint(src, tc, timesEnd));
      out.set(src.subarray(from, tc.pos), o);
      o += tc.pos - from;
    } else {
      const d = readUvarint(src, tc, timesEnd) * unit;
      o = putUvarint(out, o, d);
      times.add(d);
    }
    times.record(k);
  }
  const { secs, nanos } = times;
  if (tc.pos !== timesEnd || o !== h.headerBytes + h.timeBytes) throw corrupt('time section does not match the header');
  // Lengths and metadata as they are; line ends from the lengths.
  out.set(src.subarray(timesEnd, textAt), o);
  const ends = new Float64Array(n);
  const lc = { pos: timesEnd };
  const lineStart = o + h.lengthBytes + h.metaBytes;
  let e = lineStart;
  for (let k = 0; k < n; k++) {
    e += readUvarint(src, lc, timesEnd + h.lengthBytes);
    ends[k] = e;
  }
  if (e !== h.end) throw corrupt('line lengths do not add up to the header\'s');
  if (!lines) return h.end;
  // Lines.
  o = lineStart;
  let k = 0;
  let t = textAt;
  let id = textAt + textBytes;
  const textEnd = id;
  const idEnd = src.length;
  while (t < textEnd) {
    let esc = src.indexOf(ESC, t);
    if (esc < 0 || esc >= textEnd) esc = textEnd;
    if (esc > t) {
      if (o + (esc - t) > h.end) throw corrupt('text longer than the lines');
      out.set(src.subarray(t, esc), o);
      o += esc - t;
      t = esc;
      if (t === textEnd) break;
    }
    if (t + 1 >= textEnd) throw corrupt('escape at the end of the text');
    const kind = src[t + 1]!;
    t += 2;
    if (kind === T_LITERAL) {
      if (o >= h.end) throw corrupt('text longer than the lines');
      out[o++] = ESC;
      continue;
    }
    if (kind === T_HEX_LOWER || kind === T_HEX_UPPER) {
      if (t >= textEnd) throw corrupt('hex token without a length');
      const bytes = src[t++]!;
      if (id + bytes > idEnd) throw corrupt('hex token past the ids');
      if (o + bytes * 2 > h.end) throw corrupt('text longer than the lines');
      const alphabet = kind === T_HEX_LOWER ? HEX_LOWER : HEX_UPPER;
      for (let j = 0; j < bytes; j++) {
        const v = src[id++]!;
        out[o++] = alphabet[v >> 4]!;
        out[o++] = alphabet[v & 15]!;
      }
      continue;
    }
    if (kind !== T_TIME || t >= textEnd) throw corrupt(`token kind ${kind}`);
    const format = src[t++]!;
    const digits = format >> 4;
    if (!validFormat(format)) throw corrupt(`timestamp format ${format}`);
    const tc2 = { pos: t };
    const z = readUvarint(src, tc2, textEnd);
    t = tc2.pos;
    const delta = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    while (k < n && o >= ends[k]!) k++;
    if (k === n) throw corrupt('timestamp token after the last line');
    const p = POW10[digits]!;
    const total = Math.floor(nanos[k]! / POW10[9 - digits]!) + delta;
    const q = Math.floor(total / p);
    if (o + stampChars(format) > h.end) throw corrupt('text longer than the lines');
    o = printStamp(out, o, format, secs[k]! + q, total - q * p);
  }
  if (o !== h.end || id !== idEnd) throw corrupt(`text makes ${o - lineStart} bytes of lines and uses ${id - textAt - textBytes} of ${idBytes} id bytes; the header says ${h.lineBytes}`);
  return o;
}

/**
 * Where `tokenizeChunk`'s output splits into its parts (columns, text, ids): each
 * compresses best as a frame of its own.
 */
export function tokenCuts(tok: Uint8Array): number[] {
  if (tok[0] !== TOKENS) return [];
  const c = { pos: 1 };
  const textBytes = readUvarint(tok, c, tok.length);
  const idBytes = readUvarint(tok, c, tok.length);
  return [tok.length - textBytes - idBytes, tok.length - idBytes];
}

/**
 * `untokenizeChunkJs`, natively where the addon is built: ~4.1 GB/s against ~0.6 in
 * JavaScript on bench/lib/log-corpus.ts chunks (bench/RESULTS.md, "Log chunks as tokens").
 */
export function untokenizeChunk(src: Uint8Array, out: Uint8Array, lines = true): number {
  if (native === undefined) return untokenizeChunkJs(src, out, lines);
  try {
    return native.untokenizeChunk(src, out, lines);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw corrupt((e as Error).message);
  }
}
