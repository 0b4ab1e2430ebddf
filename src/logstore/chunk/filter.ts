/**
 * Per-chunk needle filters: a Bloom filter over the distinct byte trigrams of a chunk's
 * lines, so a `|=` needle whose trigrams are not all present proves the chunk cannot
 * contain it and the chunk is skipped without being read or decompressed. A needle that
 * occurs in a line has each of its trigrams in that line, so the filter never says "no"
 * for a chunk that contains the needle (no false negatives); it may say "maybe" for one
 * that does not. Filters are built on a worker at compression time.
 *
 * Layout (FORMAT.md beside the block code, "Filter"):
 *
 * ```
 * ┌─────────┬───────────┬──────────┬─────────────────┬────────────────────┐
 * │ u8 kind │ u8 gram n │ u8 k     │ uvarint m bits  │ m/8 bytes: bit set │
 * │ (1)     │ (3)       │ (hashes) │ (multiple of 8) │ (bit i = byte i>>3,│
 * │         │           │          │                 │  mask 1 << (i & 7))│
 * └─────────┴───────────┴──────────┴─────────────────┴────────────────────┘
 * ```
 *
 * A trigram is its three bytes as a 24-bit big-endian integer v; with h1 = fmix32(v)
 * and h2 = fmix32(v ^ 0x9E3779B9) | 1 (murmur3's finaliser, unsigned 32-bit), its k bit
 * positions are floor(((h1 + i·h2) mod 2^32) · m / 2^32) for i < k: the high bits pick the
 * bit, so m need not be a power of two. Trigrams do not span two entries' lines; they do
 * span the newlines inside a multi-line entry.
 */
import { CairnError } from '../../util/errors.js';
import { readChunkHeader } from './chunk-format.js';

/** The filter kind byte of a hashed trigram bit set. */
const KIND_TRIGRAM_BLOOM = 1;
/** Gram length: needles shorter than this always "may" match. */
export const FILTER_GRAM_BYTES = 3;

/** Sizing of a filter. */
export interface FilterOptions {
  /**
   * Bits per distinct trigram. With k hashes the share of bits set is about
   * 1 − e^(−k/bits); each absent trigram then passes with that share to the power k.
   */
  readonly bitsPerGram: number;
  /** Hash functions (bits set per trigram). */
  readonly hashes: number;
  /** The bit set never exceeds this many bytes (its fill rises instead). */
  readonly maxBytes: number;
  /** The bit set is never smaller than this many bytes. */
  readonly minBytes: number;
}

/**
 * Filter sizing chosen by bench/logs-codec.bench.ts ("needle filters"): 3 bits and 2
 * hashes per distinct trigram, 3 % of a compacted (brotli-4, 1 MiB) chunk. A 1 MiB chunk
 * of log-corpus.ts text has only ~8 k distinct trigrams (logs reuse their alphabet), so
 * whether a needle is ruled out depends mostly on whether its trigrams really occur, not
 * on the filter's size: 6 bits per trigram cost twice the bytes for 0–7 points more
 * skipped chunks, 1 bit per trigram loses up to 28 points. 64 KiB caps only
 * pathological chunks (random bytes).
 */
export function defaultFilterOptions(): FilterOptions {
  return { bitsPerGram: 3, hashes: 2, maxBytes: 64 * 1024, minBytes: 64 };
}

// Per-thread scratch: one bit per possible trigram (2^24 bits = 2 MiB), set while a
// filter is built and cleared after, plus the list of trigrams seen. Allocated on first
// use, so threads that never build a filter (the main thread) never pay for it.
let seen: Int32Array | undefined = undefined;
let grams = new Int32Array(1 << 14);

/**
 * murmur3's 32-bit finaliser: every input bit affects every output bit, so both the high
 * bits (which pick a filter bit) and the low bits are well mixed. A plain multiplicative
 * hash leaves the low bits depending only on the trigram's last byte.
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_chunk', `corrupt log chunk filter: ${what}`);
}

/** Collects distinct trigrams of the lines given as (start, end) spans of `bytes`. */
class GramSet {
  count = 0;
  private readonly seen: Int32Array;

  constructor() {
    this.seen = seen ??= new Int32Array(1 << 19);
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    if (end - start < FILTER_GRAM_BYTES) return;
    const s = this.seen;
    let v = (bytes[start]! << 8) | bytes[start + 1]!;
    for (let i = start + 2; i < end; i++) {
      v = ((v << 8) | bytes[i]!) & 0xffffff;
      const word = v >>> 5;
      const bit = 1 << (v & 31);
      const w = s[word]!;
      if ((w & bit) !== 0) continue;
      s[word] = w | bit;
      if (this.count === grams.length) {
        const next = new Int32Array(grams.length * 2);
        next.set(grams);
        grams = next;
      }
      grams[this.count++] = v;
    }
  }

  /** Clears the scratch without building (after a failure: stale bits would hide trigrams from the next filter). */
  abandon(): void {
    for (let j = 0; j < this.count; j++) this.seen[grams[j]! >>> 5] = 0;
    this.count = 0;
  }

  /** Builds the filter and clears the scratch. */
  finish(options: FilterOptions): Uint8Array {
    const n = this.count;
    const k = Math.max(1, Math.min(8, Math.round(options.hashes)));
    let bytes = Math.ceil((n * options.bitsPerGram) / 8);
    bytes = Math.max(options.minBytes, Math.min(options.maxBytes, bytes));
    const m = bytes * 8;
    const header = [KIND_TRIGRAM_BLOOM, FILTER_GRAM_BYTES, k];
    let mv = m;
    while (mv >= 0x80) {
      header.push((mv & 0x7f) | 0x80);
      mv = Math.floor(mv / 0x80);
    }
    header.push(mv);
    const out = new Uint8Array(header.length + bytes);
    out.set(header, 0);
    const base = header.length;
    const s = this.seen;
    for (let j = 0; j < n; j++) {
      const v = grams[j]!;
      s[v >>> 5] = 0; // clear the scratch as we go
      const h1 = fmix32(v);
      const h2 = (fmix32(v ^ 0x9e3779b9) | 1) >>> 0;
      for (let i = 0; i < k; i++) {
        const bit = Math.floor((((h1 + i * h2) >>> 0) * m) / 4294967296);
        out[base + (bit >>> 3)]! |= 1 << (bit & 7);
      }
    }
    this.count = 0;
    return out;
  }
}

/**
 * Builds the filter of an encoded (uncompressed) chunk's lines (chunk-format.ts). The
 * result is a fresh buffer the caller owns. Throws what `readChunkHeader` throws for a
 * malformed chunk. Costs a few ms per MiB: call it on a worker.
 */
export function buildFilter(raw: Uint8Array, options: FilterOptions = defaultFilterOptions()): Uint8Array {
  const h = readChunkHeader(raw);
  const set = new GramSet();
  try {
    let lp = h.lengthStart;
    let line = h.lineStart;
    for (let i = 0; i < h.entries; i++) {
      let n = 0;
      let mult = 1;
      for (;;) {
        const b = raw[lp++];
        if (b === undefined || lp > h.metaStart) throw corrupt('line lengths run past their section');
        n += (b & 0x7f) * mult;
        if (b < 0x80) break;
        mult *= 0x80;
      }
      const end = line + n;
      if (end > h.end) throw corrupt('a line runs past the chunk');
      set.add(raw, line, end);
      line = end;
    }
  } catch (e) {
    set.abandon();
    throw e;
  }
  return set.finish(options);
}

/** Builds the filter of some lines (tests and tools; the store builds from chunks). */
export function buildFilterFromLines(lines: Iterable<string | Uint8Array>, options: FilterOptions = defaultFilterOptions()): Uint8Array {
  const set = new GramSet();
  for (const l of lines) {
    const b = typeof l === 'string' ? Buffer.from(l, 'utf8') : l;
    set.add(b, 0, b.length);
  }
  return set.finish(options);
}

/** A parsed filter: its bit set and parameters. */
interface ParsedFilter {
  readonly bits: Uint8Array;
  readonly m: number;
  readonly k: number;
  readonly gram: number;
}

function parse(filter: Uint8Array): ParsedFilter {
  if (filter.length < 5 || filter[0] !== KIND_TRIGRAM_BLOOM) throw corrupt(`kind ${filter[0]} of a ${filter.length}-byte filter is unknown`);
  const gram = filter[1]!;
  const k = filter[2]!;
  let m = 0;
  let mult = 1;
  let pos = 3;
  for (;;) {
    const b = filter[pos++];
    if (b === undefined) throw corrupt('bit count past the end');
    m += (b & 0x7f) * mult;
    if (b < 0x80) break;
    mult *= 0x80;
  }
  if (gram !== FILTER_GRAM_BYTES || k === 0 || m === 0 || m % 8 !== 0 || pos + m / 8 !== filter.length) {
    throw corrupt(`gram ${gram}, ${k} hashes, ${m} bits in ${filter.length} bytes`);
  }
  return { bits: filter.subarray(pos), m, k, gram };
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * False only when the chunk whose filter this is cannot contain `needle` (as a byte
 * substring of a line, case-sensitive, as `|=` matches); true when it may. Needles
 * shorter than three UTF-8 bytes, and strings with an unpaired surrogate, always may. Throws a CairnError (`corrupt_chunk`) for a
 * malformed filter.
 */
export function mayContain(filter: Uint8Array, needle: string | Uint8Array): boolean {
  // A lone surrogate has no UTF-8 form (it would be written as U+FFFD): say nothing.
  if (typeof needle === 'string' && LONE_SURROGATE.test(needle)) return true;
  const b = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  if (b.length < FILTER_GRAM_BYTES) return true;
  const { bits, m, k } = parse(filter);
  let v = (b[0]! << 8) | b[1]!;
  for (let j = 2; j < b.length; j++) {
    v = ((v << 8) | b[j]!) & 0xffffff;
    const h1 = fmix32(v);
    const h2 = (fmix32(v ^ 0x9e3779b9) | 1) >>> 0;
    for (let i = 0; i < k; i++) {
      const bit = Math.floor((((h1 + i * h2) >>> 0) * m) / 4294967296);
      if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
  }
  return true;
}

/** Share of the filter's bits that are set (0..1): near 1, it rules nothing out. */
export function filterFill(filter: Uint8Array): number {
  const { bits, m } = parse(filter);
  let set = 0;
  for (let i = 0; i < bits.length; i++) {
    let x = bits[i]!;
    while (x !== 0) {
      x &= x - 1;
      set++;
    }
  }
  return set / m;
}
