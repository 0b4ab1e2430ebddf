/**
 * Per-chunk needle filters: Bloom filters over a chunk's lines, so a `|=` needle that the
 * filter proves absent skips the chunk without it being read or decompressed. A filter
 * never says "no" for a chunk that contains the needle (no false negatives); it may say
 * "maybe" for one that does not. Filters are built on a worker at compression time.
 *
 * A filter has up to two sections, and a chunk is ruled out when either rules it out:
 *
 * - Trigrams: every distinct byte trigram of the lines. A needle that occurs in a line has
 *   each of its trigrams in that line. This rules out words and paths, but not hex ids: a
 *   chunk carrying thousands of 32-hex request ids holds nearly all 4096 hex trigrams.
 * - Long grams: sampled 8-byte grams of long alphanumeric runs, for high-entropy tokens
 *   (request and trace ids). A run is a maximal stretch of ASCII [0-9A-Za-z] in one
 *   line; a run of R = K + W − 1 bytes or more (K = 8 bytes a gram, W grams a window) has
 *   each window of W consecutive grams pick its minimizer, the gram of smallest hash
 *   (leftmost on a tie), and the minimizers are stored. A needle is checked by the
 *   minimizers of the windows inside its own runs of R bytes or more; all must be set.
 *   No false negatives: a needle run occurs in a line inside a maximal run of that line at
 *   least as long (the line's run may extend past the needle's ends, never stop inside
 *   it), so that run was indexed; and each window inside the needle's run is a window of
 *   the line's run with the same bytes, hence the same minimizer, which was stored.
 *   Sampling keeps about 2/(W+1) of the grams, so the section costs a few KB per MiB
 *   where the trigram one cannot separate ids.
 *
 * A section whose bit set is fuller than `maxFill` rules out too little to pay for its
 * bytes and is stored absent; the chunk keeps the other one (hex-heavy chunks keep their
 * long grams). Layouts and hashes are in FORMAT.md beside the block code ("Filter"):
 *
 * ```
 * kind 1 (written before long grams; still read):
 * ┌─────────┬───────────┬──────────┬─────────────────┬────────────────────┐
 * │ u8 kind │ u8 gram n │ u8 k     │ uvarint m bits  │ m/8 bytes: bit set │
 * │ (1)     │ (3)       │ (hashes) │ (multiple of 8) │ (bit i = byte i>>3,│
 * │         │           │          │                 │  mask 1 << (i & 7))│
 * └─────────┴───────────┴──────────┴─────────────────┴────────────────────┘
 * kind 2: u8 kind (2), then the trigram section as above from `gram n` on, then
 * ┌──────────┬──────────┬──────────┬─────────────────┬────────────────────┐
 * │ u8 K (8) │ u8 W     │ u8 k     │ uvarint m bits  │ m/8 bytes: bit set │
 * └──────────┴──────────┴──────────┴─────────────────┴────────────────────┘
 * In kind 2, a section with k = 0 and m = 0 (no bit set bytes) is absent.
 * ```
 *
 * A trigram is its three bytes as a 24-bit big-endian integer v; with h1 = fmix32(v)
 * and h2 = fmix32(v ^ 0x9E3779B9) | 1 (murmur3's finaliser, unsigned 32-bit), its k bit
 * positions are floor(((h1 + i·h2) mod 2^32) · m / 2^32) for i < k: the high bits pick the
 * bit, so m need not be a power of two. Trigrams do not span two entries' lines; they do
 * span the newlines inside a multi-line entry. A long gram's order hash is
 * g = fmix32(fmix32(a) ^ b), a and b its two 4-byte halves as big-endian integers; its bit
 * positions use h1 = fmix32(g ^ 0x5BD1E995), h2 = fmix32(g ^ 0x9E3779B9) | 1 the same way.
 */
import { assert, CairnError } from '../../util/errors.js';
import { native, type NativeAddon } from '../../util/native.js';
import { readChunkHeader } from './chunk-format.js';

/** The filter kind byte of a hashed trigram bit set alone. */
const KIND_TRIGRAM_BLOOM = 1;
/** The filter kind byte of a trigram section followed by a long-gram section. */
const KIND_TRIGRAM_AND_LONG_GRAM_BLOOM = 2;
/** Gram length: needles shorter than this always "may" match. */
export const FILTER_GRAM_BYTES = 3;
/**
 * Long-gram length: 8 alphanumeric bytes hold ~40 bits of an id (hex: 32), so an absent
 * id's grams are practically never in a chunk by chance; and two 4-byte halves hash cheaply.
 */
export const LONG_GRAM_BYTES = 8;
/**
 * A long-gram section is never smaller: a chunk without long runs still gets a present,
 * empty section (which rules out every needle with a long run) for 8 bytes.
 */
const LONG_GRAM_MIN_BYTES = 8;

/** Sizing of a filter. */
export interface FilterOptions {
  /**
   * Bits per distinct trigram. With k hashes the share of bits set is about
   * 1 − e^(−k/bits); each absent trigram then passes with that share to the power k.
   */
  readonly bitsPerGram: number;
  /** Hash functions (bits set per trigram). */
  readonly hashes: number;
  /** Neither bit set exceeds this many bytes (its fill rises instead). */
  readonly maxBytes: number;
  /** The trigram bit set is never smaller than this many bytes. */
  readonly minBytes: number;
  /** Bits per distinct long gram (a minimizer); the share set is as for trigrams. */
  readonly longGramBitsPerGram: number;
  /** Hash functions per long gram. */
  readonly longGramHashes: number;
  /**
   * W, grams per minimizer window: runs of 8 + W − 1 bytes or more are indexed and about
   * 2/(W+1) of their grams are kept. Stored in the filter, so readers follow it.
   */
  readonly longGramWindow: number;
  /** A section with a larger share of its bits set is stored absent (0..1). */
  readonly maxFill: number;
  /** Build the long-gram section (else it is stored absent: see `headFilterOptions`). */
  readonly longGrams: boolean;
}

/**
 * Filter sizing chosen by bench/logs-codec.bench.ts ("needle filters") and a measurement
 * of 1 MiB chunks of gen-log-corpus.ts streams (zstd-9: ~200 KB for nginx and JSON).
 *
 * Trigrams: 3 bits and 2 hashes per distinct trigram, 3 % of a compacted (brotli-4,
 * 1 MiB) chunk. A 1 MiB chunk has only ~8 k distinct trigrams (logs reuse their
 * alphabet), so whether a needle is ruled out depends mostly on whether its trigrams
 * really occur, not on the filter's size: 6 bits per trigram cost twice the bytes for 0–7
 * points more skipped chunks, 1 bit per trigram loses up to 28 points. 64 KiB caps only
 * pathological chunks (random bytes). Trigrams rule out 0 % of nginx or JSON chunks for an
 * absent 32-hex id.
 *
 * Long grams: 2 bits and 1 hash per distinct minimizer, W = 8 (runs of 15+ bytes). nginx
 * and JSON chunks hold ~18 k distinct minimizers: 4.5–5.1 KB, 2.3 % of the zstd-9 chunk;
 * 39 % of bits set, and an absent 32-hex id (~5 distinct minimizers) is ruled out in 98 %
 * of them. 1 bit per gram halves the bytes and drops that to 88–91 %; 3 bits reach 99–100
 * % for 3.4 %; k = 2 at 2 bits rules out no more (fill 0.63, near maxFill). A 16-hex id
 * has two windows, mostly one minimizer: 66 % (3 bits, k = 2: 80 %). W = 7 would index
 * 14-byte runs for 15 % more bytes; the corpus's 14-char order ids are ruled out by their
 * trigrams already.
 *
 * maxFill 0.7: at the default sizing about 1 − e^(−2/3) ≈ 0.49 of the trigram bits are
 * set and an absent trigram passes 24 % of the time; at 0.7 it passes 49 % and a needle
 * needs many absent trigrams to be ruled out (only capped sections get there).
 */
export function defaultFilterOptions(): FilterOptions {
  return { bitsPerGram: 3, hashes: 2, maxBytes: 64 * 1024, minBytes: 64, longGramBitsPerGram: 2, longGramHashes: 1, longGramWindow: 8, maxFill: 0.7, longGrams: true };
}

/**
 * Filters of head chunks: trigrams only. The long-gram section costs the compression
 * worker ~40 % more time per chunk, which at 100 MB/s of pushes was ~15 % of the server's
 * CPU; head chunks live in memory and in the first small blocks for minutes before
 * compaction re-cuts them with full filters, so only the newest minutes of a hex-id
 * search decode chunks the long grams would have skipped.
 */
export function headFilterOptions(): FilterOptions {
  return { ...defaultFilterOptions(), longGrams: false };
}

// Per-thread scratch of buildFilter: the chunk's lines as [start, end) pairs.
let spans = new Int32Array(2 * 4096);

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

/** Bit i < k of a Bloom filter of m bits: the high bits of h1 + i·h2 pick it. */
function bloomBit(h1: number, h2: number, i: number, m: number): number {
  return Math.floor((((h1 + i * h2) >>> 0) * m) / 4294967296);
}

/** A Bloom bit set and its parameters; m = 0 means the section is absent. */
interface Section {
  readonly k: number;
  readonly m: number;
  readonly bits: Uint8Array;
}

const ABSENT: Section = { k: 0, m: 0, bits: new Uint8Array(0) };

/** Bits set in each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x &= x - 1) n++;
  return n;
});

/** Share of the bits of a present section that are set. */
function fill(s: Section): number {
  let set = 0;
  const bits = s.bits;
  for (let i = 0; i < bits.length; i++) set += POPCOUNT[bits[i]!]!;
  return set / s.m;
}

/** An empty bit set for n distinct grams: bits per gram, within [minBytes, maxBytes]. */
function emptySection(n: number, bitsPerGram: number, hashes: number, minBytes: number, maxBytes: number): Section {
  const k = Math.max(1, Math.min(8, Math.round(hashes)));
  const bytes = Math.max(minBytes, Math.min(maxBytes, Math.ceil((n * bitsPerGram) / 8)));
  return { k, m: bytes * 8, bits: new Uint8Array(bytes) };
}

/** The section, or ABSENT when it is too full to rule much out. */
function unlessFull(s: Section, maxFill: number): Section {
  return fill(s) > maxFill ? ABSENT : s;
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

  /**
   * `add` for the lines `spans` gives as [start, end) pairs, n of them: in the native
   * addon when given (one call for a whole chunk), else line by line here.
   */
  addSpans(bytes: Uint8Array, spans: Int32Array, n: number, addon: NativeAddon | null): void {
    if (addon === null) {
      for (let i = 0; i < n; i++) this.add(bytes, spans[2 * i]!, spans[2 * i + 1]!);
      return;
    }
    let room = this.count;
    for (let i = 0; i < n; i++) room += spans[2 * i + 1]! - spans[2 * i]!;
    if (room > grams.length) {
      const next = new Int32Array(Math.max(room, grams.length * 2));
      next.set(grams.subarray(0, this.count));
      grams = next;
    }
    this.count = addon.trigramsAdd(bytes, spans, n, this.seen, grams, this.count);
  }

  /** Clears the scratch without building (after a failure: stale bits would hide trigrams from the next filter). */
  abandon(): void {
    for (let j = 0; j < this.count; j++) this.seen[grams[j]! >>> 5] = 0;
    this.count = 0;
  }

  /** Builds the trigram section and clears the scratch (in the native addon when given). */
  finish(options: FilterOptions, addon: NativeAddon | null): Section {
    const n = this.count;
    const out = emptySection(n, options.bitsPerGram, options.hashes, options.minBytes, options.maxBytes);
    if (addon !== null) {
      addon.bloomTrigrams(grams, n, this.seen, out.bits, out.k);
      this.count = 0;
      return out;
    }
    const s = this.seen;
    for (let j = 0; j < n; j++) {
      const v = grams[j]!;
      s[v >>> 5] = 0; // clear the scratch as we go
      const h1 = fmix32(v);
      const h2 = (fmix32(v ^ 0x9e3779b9) | 1) >>> 0;
      for (let i = 0; i < out.k; i++) {
        const bit = bloomBit(h1, h2, i, out.m);
        out.bits[bit >>> 3]! |= 1 << (bit & 7);
      }
    }
    this.count = 0;
    return out;
  }
}

/** 1 for the bytes of ASCII [0-9A-Za-z], the bytes of a long-gram run. */
const ALNUM = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  ALNUM[c] = /[0-9A-Za-z]/.test(ch) ? 1 : 0;
}

// Per-thread scratch of one run: its gram hashes and the minimizer deque (indices).
let runHashes = new Uint32Array(256);
let runDeque = new Int32Array(256);

/**
 * Calls `emit(g)` with the order hash of the minimizer of every window of `window` grams
 * inside each maximal alphanumeric run of bytes[start, end) that holds a window; a
 * minimizer shared by consecutive windows is emitted once. A monotone deque keeps the
 * window's candidates in increasing hash order, so each gram is pushed and popped once.
 */
function forEachMinimizer(b: Uint8Array, start: number, end: number, window: number, emit: (g: number) => void): void {
  const minRun = LONG_GRAM_BYTES + window - 1;
  let i = start;
  while (i < end) {
    if (ALNUM[b[i]!] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && ALNUM[b[j]!] === 1) j++;
    if (j - i >= minRun) runMinimizers(b, i, j - i - LONG_GRAM_BYTES + 1, window, emit);
    i = j;
  }
}

/** The minimizers of the `n` grams starting at bytes[from..], windows of `window` (n ≥ window). */
function runMinimizers(b: Uint8Array, from: number, n: number, window: number, emit: (g: number) => void): void {
  if (runHashes.length < n) {
    runHashes = new Uint32Array(n * 2);
    runDeque = new Int32Array(n * 2);
  }
  const h = runHashes;
  const dq = runDeque;
  let head = 0;
  let tail = 0;
  let last = -1;
  // The order hash of the 8-byte gram at j: g = fmix32(fmix32(hi) ^ lo), hi and lo its
  // first and second 4 bytes as big-endian words, rolled in a byte a step.
  let hi = ((b[from]! << 16) | (b[from + 1]! << 8) | b[from + 2]!) >>> 0;
  let lo = ((b[from + 4]! << 16) | (b[from + 5]! << 8) | b[from + 6]!) >>> 0;
  for (let j = 0; j < n; j++) {
    hi = ((hi << 8) | b[from + j + 3]!) >>> 0;
    lo = ((lo << 8) | b[from + j + 7]!) >>> 0;
    const g = fmix32((fmix32(hi) ^ lo) >>> 0);
    h[j] = g;
    // Pop only strictly larger hashes: an equal earlier gram stays in front (leftmost wins).
    while (tail > head && h[dq[tail - 1]!]! > g) tail--;
    dq[tail++] = j;
    if (j < window - 1) continue;
    if (dq[head]! <= j - window) head++; // at most one candidate leaves per step
    const pick = dq[head]!;
    if (pick !== last) {
      emit(h[pick]!);
      last = pick;
    }
  }
}

// Per-thread list of the minimizers' order hashes while a filter is built, and the hash
// set that finds the distinct ones.
let minimizers = new Uint32Array(1 << 12);
let table = new Uint32Array(1 << 12);

/** Collects the long-gram minimizers of lines given as (start, end) spans. */
class LongGramSet {
  count = 0;
  private readonly emit = (g: number): void => {
    if (this.count === minimizers.length) {
      const next = new Uint32Array(minimizers.length * 2);
      next.set(minimizers);
      minimizers = next;
    }
    minimizers[this.count++] = g;
  };

  constructor(private readonly window: number) {}

  add(bytes: Uint8Array, start: number, end: number): void {
    forEachMinimizer(bytes, start, end, this.window, this.emit);
  }

  /** Builds the long-gram section, sized by distinct hashes (equal hashes set equal bits). */
  finish(options: FilterOptions): Section {
    // Distinct hashes through an open-addressing set (a typed-array sort cost ~40 ns a
    // minimizer, most of the section's build time). 0 marks an empty slot; a hash of 0
    // is counted on the side.
    const n = this.count;
    let size = 16;
    while (size < n * 2) size *= 2;
    if (table.length < size) table = new Uint32Array(size);
    const t = table.subarray(0, size);
    t.fill(0);
    const mask = size - 1;
    let distinct = 0;
    let zero = false;
    for (let j = 0; j < n; j++) {
      const g = minimizers[j]!;
      if (g === 0) {
        if (!zero) distinct++;
        zero = true;
        continue;
      }
      let slot = Math.imul(g, 0x9e3779b1) >>> 0 & mask;
      for (;;) {
        const x = t[slot]!;
        if (x === g) break;
        if (x === 0) {
          t[slot] = g;
          distinct++;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    const out = emptySection(distinct, options.longGramBitsPerGram, options.longGramHashes, LONG_GRAM_MIN_BYTES, options.maxBytes);
    for (let j = 0; j < size; j++) if (t[j] !== 0) setLongGram(out, t[j]!);
    if (zero) setLongGram(out, 0);
    this.count = 0;
    return out;
  }
}

/**
 * Bloom hashes of a long gram, apart from its order hash g: minimizers are the grams of
 * smallest g, so bits picked by g's high bits would crowd the low end of the bit set.
 */
function longGramBloomHashes(g: number): [number, number] {
  return [fmix32((g ^ 0x5bd1e995) >>> 0), (fmix32((g ^ 0x9e3779b9) >>> 0) | 1) >>> 0];
}

function setLongGram(s: Section, g: number): void {
  const [h1, h2] = longGramBloomHashes(g);
  for (let i = 0; i < s.k; i++) {
    const bit = bloomBit(h1, h2, i, s.m);
    s.bits[bit >>> 3]! |= 1 << (bit & 7);
  }
}

function hasLongGram(s: Section, g: number): boolean {
  const [h1, h2] = longGramBloomHashes(g);
  for (let i = 0; i < s.k; i++) {
    const bit = bloomBit(h1, h2, i, s.m);
    if ((s.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

function pushUvarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Serialises a kind-2 filter (see the layout above). */
function writeFilter(trigrams: Section, longGrams: Section, window: number): Uint8Array {
  const head = [KIND_TRIGRAM_AND_LONG_GRAM_BLOOM, FILTER_GRAM_BYTES, trigrams.k];
  pushUvarint(head, trigrams.m);
  const mid = [LONG_GRAM_BYTES, window, longGrams.k];
  pushUvarint(mid, longGrams.m);
  const out = new Uint8Array(head.length + trigrams.bits.length + mid.length + longGrams.bits.length);
  let pos = 0;
  for (const part of [head, trigrams.bits, mid, longGrams.bits]) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** Both gram collectors of one build; `abandon` after a failure leaves clean scratch. */
class FilterBuilder {
  private readonly trigrams = new GramSet();
  private readonly longGrams: LongGramSet;

  constructor(private readonly options: FilterOptions) {
    const w = Math.round(options.longGramWindow);
    assert(w >= 1 && w <= 255, `long-gram window ${options.longGramWindow} is not in 1..255`);
    this.longGrams = new LongGramSet(w);
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    this.trigrams.add(bytes, start, end);
    if (this.options.longGrams) this.longGrams.add(bytes, start, end);
  }

  /** `add` of the n lines `spans` gives as [start, end) pairs of `bytes`. */
  addSpans(bytes: Uint8Array, spans: Int32Array, n: number, addon: NativeAddon | null): void {
    this.trigrams.addSpans(bytes, spans, n, addon);
    if (this.options.longGrams) for (let i = 0; i < n; i++) this.longGrams.add(bytes, spans[2 * i]!, spans[2 * i + 1]!);
  }

  abandon(): void {
    this.trigrams.abandon();
    this.longGrams.count = 0;
  }

  finish(addon: NativeAddon | null): Uint8Array {
    const o = this.options;
    const tri = unlessFull(this.trigrams.finish(o, addon), o.maxFill);
    const long = o.longGrams ? unlessFull(this.longGrams.finish(o), o.maxFill) : ABSENT;
    return writeFilter(tri, long, Math.round(o.longGramWindow));
  }
}

/**
 * Builds the filter of an encoded (uncompressed) chunk's lines (chunk-format.ts): a
 * kind-2 filter, whose sections fuller than `options.maxFill` are absent (see
 * `filterFill`). The result is a fresh buffer the caller owns. Throws what
 * `readChunkHeader` throws for a malformed chunk. Costs a few ms per MiB: call it on a
 * worker.
 */
export function buildFilter(raw: Uint8Array, options: FilterOptions = defaultFilterOptions(), addon: NativeAddon | null = native ?? null): Uint8Array {
  const h = readChunkHeader(raw);
  const builder = new FilterBuilder(options);
  try {
    // Each entry takes at least a byte of its length: a header claiming more entries than
    // the chunk has bytes fails in the loop below, before it reaches that many.
    const most = Math.min(h.entries, raw.length);
    if (spans.length < 2 * most) spans = new Int32Array(2 * most);
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
      spans[2 * i] = line;
      spans[2 * i + 1] = end;
      line = end;
    }
    builder.addSpans(raw, spans, h.entries, addon);
  } catch (e) {
    builder.abandon();
    throw e;
  }
  return builder.finish(addon);
}

/** Builds the filter of some lines (tests and tools; the store builds from chunks). */
export function buildFilterFromLines(lines: Iterable<string | Uint8Array>, options: FilterOptions = defaultFilterOptions()): Uint8Array {
  const builder = new FilterBuilder(options);
  for (const l of lines) {
    const b = typeof l === 'string' ? Buffer.from(l, 'utf8') : l;
    builder.add(b, 0, b.length);
  }
  return builder.finish(null);
}

/** A parsed filter: its sections (ABSENT when missing) and the long-gram window. */
interface ParsedFilter {
  readonly kind: number;
  readonly trigrams: Section;
  readonly longGrams: Section;
  readonly window: number;
}

/** A cursor over a filter's bytes that throws `corrupt_chunk` past the end. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  u8(what: string): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw corrupt(`${what} past the end`);
    return b;
  }

  uvarint(what: string): number {
    let v = 0;
    let mult = 1;
    for (;;) {
      const b = this.u8(what);
      v += (b & 0x7f) * mult;
      if (b < 0x80) return v;
      mult *= 0x80;
    }
  }

  /** The section's k, m and bit set; `optional` lets k = m = 0 mean absent (kind 2). */
  section(name: string, optional: boolean): Section {
    const k = this.u8(`${name} hash count`);
    const m = this.uvarint(`${name} bit count`);
    if (optional && k === 0 && m === 0) return ABSENT;
    if (k === 0 || m === 0 || m % 8 !== 0 || this.pos + m / 8 > this.buf.length) {
      throw corrupt(`${name} section of ${k} hashes, ${m} bits at byte ${this.pos} of ${this.buf.length}`);
    }
    const bits = this.buf.subarray(this.pos, this.pos + m / 8);
    this.pos += m / 8;
    return { k, m, bits };
  }

  expect(what: string, actual: number, expected: number): void {
    if (actual !== expected) throw corrupt(`${what} is ${actual}, not ${expected}`);
  }

  end(): void {
    if (this.pos !== this.buf.length) throw corrupt(`${this.buf.length - this.pos} bytes after the last section`);
  }
}

function parse(filter: Uint8Array): ParsedFilter {
  const kind = filter[0] ?? 0;
  if (filter.length < 5 || (kind !== KIND_TRIGRAM_BLOOM && kind !== KIND_TRIGRAM_AND_LONG_GRAM_BLOOM)) {
    throw corrupt(`kind ${kind} of a ${filter.length}-byte filter is unknown`);
  }
  const r = new Reader(filter);
  r.pos = 1;
  r.expect('gram length', r.u8('gram length'), FILTER_GRAM_BYTES);
  const trigrams = r.section('trigram', kind === KIND_TRIGRAM_AND_LONG_GRAM_BLOOM);
  if (kind === KIND_TRIGRAM_BLOOM) {
    r.end();
    return { kind, trigrams, longGrams: ABSENT, window: 0 };
  }
  r.expect('long gram length', r.u8('long gram length'), LONG_GRAM_BYTES);
  const window = r.u8('long-gram window');
  if (window === 0) throw corrupt('long-gram window is 0');
  const longGrams = r.section('long-gram', true);
  r.end();
  return { kind, trigrams, longGrams, window };
}

/** False when some trigram of the needle is not in the section. */
function trigramsMayMatch(s: Section, b: Uint8Array): boolean {
  let v = (b[0]! << 8) | b[1]!;
  for (let j = 2; j < b.length; j++) {
    v = ((v << 8) | b[j]!) & 0xffffff;
    const h1 = fmix32(v);
    const h2 = (fmix32(v ^ 0x9e3779b9) | 1) >>> 0;
    for (let i = 0; i < s.k; i++) {
      const bit = bloomBit(h1, h2, i, s.m);
      if ((s.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
  }
  return true;
}

/** False when some minimizer of the needle's long runs is not in the section. */
function longGramsMayMatch(s: Section, b: Uint8Array, window: number): boolean {
  const picked: number[] = [];
  forEachMinimizer(b, 0, b.length, window, (g) => picked.push(g));
  return picked.every((g) => hasLongGram(s, g));
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * False only when the chunk whose filter this is cannot contain `needle` (as a byte
 * substring of a line, case-sensitive, as `|=` matches); true when it may. Needles
 * shorter than three UTF-8 bytes, and strings with an unpaired surrogate, always may;
 * needles without an alphanumeric run of 8 + W − 1 bytes are checked by trigrams only.
 * Throws a CairnError (`corrupt_chunk`) for a malformed filter.
 */
export function mayContain(filter: Uint8Array, needle: string | Uint8Array): boolean {
  // A lone surrogate has no UTF-8 form (it would be written as U+FFFD): say nothing.
  if (typeof needle === 'string' && LONE_SURROGATE.test(needle)) return true;
  const b = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  if (b.length < FILTER_GRAM_BYTES) return true;
  const { trigrams, longGrams, window } = parse(filter);
  if (longGrams.m !== 0 && !longGramsMayMatch(longGrams, b, window)) return false;
  return trigrams.m === 0 || trigramsMayMatch(trigrams, b);
}

/**
 * Share of the bits set (0..1) in the filter's most selective present section: near 1,
 * the filter rules nothing out; 1 when no section is present. Throws a CairnError
 * (`corrupt_chunk`) for a malformed filter.
 */
export function filterFill(filter: Uint8Array): number {
  const { trigrams, longGrams } = parse(filter);
  let best = 1;
  for (const s of [trigrams, longGrams]) if (s.m !== 0) best = Math.min(best, fill(s));
  return best;
}

/** One section of a filter as `describeFilter` reports it. */
export interface FilterSectionInfo {
  /** Hash functions (bits set per gram). */
  readonly hashes: number;
  /** Size of the bit set, bits. */
  readonly bits: number;
  /** Share of those bits that are set (0..1). */
  readonly fill: number;
}

/** What a filter holds (tests and tools): its kind and sections, null when absent. */
export interface FilterInfo {
  readonly kind: number;
  readonly trigrams: FilterSectionInfo | null;
  readonly longGrams: (FilterSectionInfo & { readonly window: number }) | null;
}

/** Describes a filter's kind and sections. Throws a CairnError (`corrupt_chunk`) for a malformed filter. */
export function describeFilter(filter: Uint8Array): FilterInfo {
  const p = parse(filter);
  const info = (s: Section): FilterSectionInfo | null => (s.m === 0 ? null : { hashes: s.k, bits: s.m, fill: fill(s) });
  const long = info(p.longGrams);
  return { kind: p.kind, trigrams: info(p.trigrams), longGrams: long === null ? null : { ...long, window: p.window } };
}
