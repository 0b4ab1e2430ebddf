/**
 * Cairn's own native addon (`native/`, built by `npm install` with node-gyp, as
 * better-sqlite3 and re2 are): the few hot loops where V8 is several times slower than
 * C++. Loaded once per thread (the query workers load it too; N-API addons are safe in
 * worker threads). Undefined when the addon is not built (a checkout compiled with `tsc`
 * alone), is older than these sources (it lacks a function below), or `CAIRN_NATIVE=0` is set
 * (A/B measurement): callers then take their JavaScript path, which gives the same bytes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /**
   * Writes the points [from, to) of two columns as a Prometheus matrix entry's values,
   * `[[seconds,"value"],...]`, into `out` from `at` (value-json.ts `pointsJson`'s text, as
   * UTF-8) and returns where it ended; -1, with nothing written, when `out` has less than
   * `pointsBound(to - from)` bytes of room from `at`. Throws a TypeError on wrong arguments.
   */
  writePoints(t: Float64Array, v: Float64Array, from: number, to: number, out: Uint8Array, at: number): number;
  /**
   * Decodes the elements of a Snappy block, `input` from `at` (after its length preamble),
   * into `out`: true when they are valid and fill `out` exactly; false, with `out` partly
   * written, on any malformed element (the caller reports it).
   */
  snappyElements(input: Uint8Array, at: number, out: Uint8Array): boolean;
  /**
   * Unescapes the JSON string whose bytes start at `input[at]` (past its opening quote)
   * into `out` from `outAt` (`\u` surrogate pairs as one code point, lone surrogates as
   * U+FFFD): true, with `ends[0]` past its closing quote and `ends[1]` past its bytes in
   * `out`; false on a control character, an escape JSON lacks, no closing quote, or `out`
   * too small (`ends` untouched).
   */
  jsonUnescape(input: Uint8Array, at: number, out: Uint8Array, outAt: number, ends: Int32Array): boolean;
  /**
   * Reads the plain entries (`["<ns>","<line>"]`) of a Loki JSON push's `values` array into
   * four columns of equal length from `state[2]`, starting at `input[state[1]]` (an
   * element): each line is copied (unescaped) into `side` from `state[3]` and given as its
   * range there. Writes back the position,
   * the entry count and the side bytes used, and in `state[0]` why it stopped: 0 past the
   * array's `]`, 1 columns full, 2 at an element left to the caller (metadata, an unusual
   * timestamp or line), 3 bytes that are not JSON (native/json.h).
   */
  jsonValues(input: Uint8Array, side: Uint8Array, tMs: Float64Array, tNs: Int32Array, start: Int32Array, end: Int32Array, state: Int32Array): void;
  /**
   * XorIterator.readInto's fast loop over a chunk's bytes, its state and arguments passed in
   * and out through `state` (slots in tsdb/chunkenc/xor.ts), appending samples to `outT`
   * and `outV` (value bits).
   */
  xorRead(buf: Uint8Array, state: Float64Array, outT: Float64Array, outV: Float64Array): void;
  /**
   * A needle filter's trigram pass (logstore/chunk/filter.ts GramSet) over n lines given as
   * [start, end) pairs of `bytes`: sets each new trigram's bit in `seen` (2^19 words),
   * appends it to `grams` from `count` and returns the new count. `grams` must have a slot
   * per byte of the lines beyond `count`; throws a TypeError otherwise.
   */
  trigramsAdd(bytes: Uint8Array, spans: Int32Array, n: number, seen: Int32Array, grams: Int32Array, count: number): number;
  /**
   * Copies the n byte ranges of `src` that `spans` lists as [start, end) pairs into `dst`
   * back to back from `at`; returns where they end. Throws a TypeError for a span outside
   * `src` or a total that does not fit in `dst` (nothing copied).
   */
  copySpans(src: Uint8Array, spans: Int32Array, n: number, dst: Uint8Array, at: number): number;
  /**
   * Sets the k Bloom bits of each of the first `count` trigrams of `grams` in `bits` (a
   * section of bits.length × 8 bits; logstore/chunk/filter.ts GramSet.finish's hashing) and
   * clears their words of `seen`. Throws a TypeError for a trigram past 2^24 or k outside 1..8.
   */
  bloomTrigrams(grams: Int32Array, count: number, seen: Int32Array, bits: Uint8Array, k: number): void;
  /** The system zstd's version number (10504 for 1.5.4); 0 when libzstd.so.1 is not installed. */
  zstdVersion(): number;
  /**
   * Returns the C heap's free pages to the system (glibc `malloc_trim(0)`) on a libuv
   * thread; resolves true when any were released, false (doing nothing) with another C
   * library.
   */
  mallocTrim(): Promise<boolean>;
  /**
   * Compresses `src` at `level` into a zstd frame (recording the content size) at the start
   * of `out` and returns its size. Throws when the system zstd is missing, when `out` is
   * smaller than zstd's bound for `src` (`zstdBound`) or when zstd fails.
   */
  zstdCompress(src: Uint8Array, level: number, out: Uint8Array): number;
  /**
   * Compresses `input` into one Snappy block (length preamble, then elements) at the start
   * of `out` and returns its size. Throws when `out` has less than `snappyBound(input.length)`
   * bytes.
   */
  snappyCompress(input: Uint8Array, out: Uint8Array): number;
  /**
   * Writes the log chunk that `src` (logstore/chunk/line-tokens.ts `tokenizeChunk`'s output)
   * holds into `out` and returns its length; minus the length needed when `out` is too
   * small. With `lines` false, only the chunk's columns (as `untokenizeChunkJs`). Throws an
   * Error naming the fault when `src` is malformed.
   */
  untokenizeChunk(src: Uint8Array, out: Uint8Array, lines: boolean): number;
  /**
   * Writes the tokenized form of the log chunk `raw` (line-tokens.ts, the same bytes as its
   * JavaScript tokenizer) into `out` and returns its length; 0 when `raw` is not a
   * well-formed chunk. Throws a TypeError when `out` is smaller than 2 × raw.length + 64.
   */
  tokenizeChunk(raw: Uint8Array, out: Uint8Array): number;
}

/** The room `snappyCompress` needs for n bytes (snappy.h snappyMaxCompressed). */
export function snappyBound(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * At least ZSTD_compressBound(n) (zstd.h: n + n/256, plus up to 64 bytes below 128 KiB),
 * with room to spare: the room `zstdCompress` needs.
 */
export function zstdBound(n: number): number {
  return n + (n >>> 7) + 1024;
}

/** The room `writePoints` needs for n points (64 bytes a point: kMaxPointBytes in the addon). */
export function pointsBound(n: number): number {
  return n * 64 + 2;
}

const ADDON = 'build/Release/cairn_native.node';

function load(): NativeAddon | undefined {
  if (process.env.CAIRN_NATIVE === '0') return undefined;
  // src/util (tsx, vitest) or dist/src/util (the built server): the package root is two or
  // three levels up.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const root of [join(here, '../..'), join(here, '../../..')]) {
    const path = join(root, ADDON);
    if (existsSync(path)) return complete(createRequire(import.meta.url)(path));
  }
  return undefined;
}

/**
 * The loaded module as the addon when it exports every function below, else undefined: a
 * build from older sources (pulled code compiled with tsc, not reinstalled) lacks newer
 * kernels, and is taken as not built rather than failing the calls that need them.
 */
export function complete(mod: unknown): NativeAddon | undefined {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const m = mod as Partial<Record<keyof NativeAddon, unknown>>;
  return FUNCTIONS.every((f) => typeof m[f] === 'function') ? (mod as NativeAddon) : undefined;
}

/** What the TypeScript expects the addon to export. */
const FUNCTIONS: readonly (keyof NativeAddon)[] = ['writePoints', 'snappyElements', 'xorRead', 'trigramsAdd', 'copySpans', 'bloomTrigrams', 'zstdVersion', 'zstdCompress', 'snappyCompress', 'jsonUnescape', 'jsonValues', 'mallocTrim', 'untokenizeChunk', 'tokenizeChunk'];

/** The addon, or undefined (see the module comment). */
export const native: NativeAddon | undefined = load();
