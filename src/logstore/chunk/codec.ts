/**
 * Compression of encoded log chunks. Synchronous, because it runs on worker threads (the
 * head's chunks at seal time, compaction) and in block readers on the main thread (a
 * query decompresses what it reads). Every stored chunk carries its codec's id byte, so
 * chunks written under an older default stay readable when the default changes.
 *
 * The defaults were chosen by bench/logs-codec.bench.ts (bench/RESULTS.md, "Logs: chunk
 * codecs"): zstd level 1 for the head (beats snappy, lz4 and gzip on ratio at several
 * hundred MB/s on one core, well above the 100 MB/s ingest goal, and decompresses
 * fastest), and zstd level 9 for compacted chunks, chosen by bench/logs-query.bench.ts
 * ("logs-query" in RESULTS.md): a little denser than brotli quality 4 and about 1.4×
 * faster to decompress, which is most of a `|=` scan's time. zstd compresses with the
 * system's libzstd through the native addon where installed, else with `@bokuweb/zstd-wasm`
 * (zstd compiled to WebAssembly: about half the speed, the same ratio), and decompresses
 * with the latter (zstd.ts).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs';
import { assert, CairnError } from '../../util/errors.js';
import { tokenCuts, tokenizeChunk, untokenizeChunk, untokenizedSize } from './line-tokens.js';
import { zstdCompressParts, zstdCompressSplit, zstdDecompressFrames, zstdDecompressInto } from './zstd.js';

/** A chunk compression codec, by name (configuration and benchmarks use names). */
export type LogCodec = 'none' | 'snappy' | 'gzip' | 'zstd' | 'brotli' | 'zstd-tok';

/**
 * The id byte stored with every chunk. Ids are forever: a new codec gets a new id, and
 * an id is never reused.
 */
export const CODEC_IDS: Readonly<Record<LogCodec, number>> = Object.freeze({
  none: 0,
  snappy: 1,
  gzip: 2,
  zstd: 3,
  brotli: 4,
  'zstd-tok': 5,
});

const CODEC_NAMES: readonly LogCodec[] = (() => {
  const out: LogCodec[] = [];
  for (const [name, id] of Object.entries(CODEC_IDS)) out[id] = name as LogCodec;
  return out;
})();

/** Every codec name, in id order. */
export const LOG_CODECS: readonly LogCodec[] = CODEC_NAMES.filter((c) => c !== undefined);

/** How to compress: a codec and, for those that have levels, a level. */
export interface CodecOptions {
  readonly codec: LogCodec;
  /** zstd 1–19, gzip 1–9, brotli 0–11; ignored by none and snappy. Default: the codec's own default. */
  readonly level?: number;
}

/**
 * The head's codec: zstd level 1. On bench/lib/log-corpus.ts 256 KiB chunks it
 * compresses at ~480 MB/s on one core (WebAssembly) to 0.197 of the log text and
 * decompresses at ~1.3 GB/s; brotli-1 compresses faster (~620 MB/s) but is 5 % bigger and
 * decompresses at 58 % of the speed, and recent data is what queries read most. Snappy
 * (0.32) and gzip-1 (0.22) are bigger and no faster.
 */
export function defaultHeadCodec(): CodecOptions {
  return { codec: 'zstd', level: 1 };
}

/**
 * Compaction's codec: zstd level 9 over the chunk's tokenized form (line-tokens.ts).
 * zstd-9 alone was chosen against brotli: 0.174 of the log text on compacted 1 MiB chunks
 * against brotli quality 4's 0.176, and decompression at ~1.4 GB/s per core against
 * brotli's ~0.93 (bench/logs-query.bench.ts on every 16th chunk of its 1 GB corpus), so a
 * `|=` scan of blocks runs 1.3–1.7× faster. Tokens take bench/lib/log-corpus.ts chunks
 * from 0.170 to 0.132 of the text. They read as fast (less to decompress, then native
 * untokenizing at ~4 GB/s) and compress ~25 % faster: zstd has less text to match
 * (bench/RESULTS.md, "Log chunks as tokens").
 * Compaction recompresses each chunk once, when head chunks are re-cut; later merges copy
 * them.
 */
export function defaultBlockCodec(): CodecOptions {
  return { codec: 'zstd-tok', level: 9 };
}

/** The id byte of a codec given by name or id; asserts that the id is known. */
export function codecId(codec: LogCodec | number): number {
  if (typeof codec === 'number') {
    assert(CODEC_NAMES[codec] !== undefined, `unknown log chunk codec id ${codec}`);
    return codec;
  }
  const id = CODEC_IDS[codec];
  assert(id !== undefined, `unknown log chunk codec ${String(codec)}`);
  return id;
}

/**
 * The name of a codec id. Throws a CairnError (`corrupt_chunk`) for an id this code does
 * not know (a chunk written by a newer Cairn, or a corrupt row).
 */
export function codecName(codec: LogCodec | number): LogCodec {
  if (typeof codec !== 'number') return codec;
  const name = CODEC_NAMES[codec];
  if (name === undefined) throw new CairnError('internal', 'corrupt_chunk', `log chunk codec id ${codec} is unknown to this cairn (knows ${LOG_CODECS.map((c) => `${c}=${CODEC_IDS[c]}`).join(', ')})`);
  return name;
}

/** The bytes as a Uint8Array that owns its whole buffer (transferable without dragging neighbours along). */
function exact(b: Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.constructor === Uint8Array) return b;
  const out = new Uint8Array(b.byteLength);
  out.set(b);
  return out;
}

/**
 * Compresses `raw` (not changed, not kept) with the codec; returns a fresh buffer the
 * caller owns, whose ArrayBuffer is exactly its bytes (so it can be transferred). zstd
 * compresses `raw[0, splitAt)` and the rest as two frames (`zstdCompressSplit`: a chunk's
 * columns apart from its text); the other codecs ignore `splitAt`. An unknown codec is a
 * bug (assert).
 */
export function compress(codec: LogCodec | number | CodecOptions, raw: Uint8Array, splitAt = 0): Uint8Array {
  const opts: CodecOptions = typeof codec === 'object' ? codec : { codec: codecName(codec) };
  const level = opts.level;
  switch (opts.codec) {
    case 'none':
      return exact(raw.slice());
    case 'snappy':
      return exact(snappyCompress(raw));
    case 'gzip':
      return exact(gzipSync(raw, { level: level ?? 6 }));
    case 'zstd':
      return exact(zstdCompressSplit(raw, level ?? 3, splitAt));
    case 'zstd-tok': {
      const tok = tokenizeChunk(raw);
      return exact(zstdCompressParts(tok, level ?? 3, tokenCuts(tok)));
    }
    case 'brotli':
      return exact(
        brotliCompressSync(raw, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: level ?? 4,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        }),
      );
  }
  assert(false, `unknown log chunk codec ${String(opts.codec)}`);
}

/** node:zlib's default output piece size (zlib.constants.Z_DEFAULT_CHUNK), the least we ask for. */
const ZLIB_MIN_CHUNK = 16 * 1024;

/**
 * Decompresses a chunk's `data`. `rawLength`, when known, is the expected output length:
 * a different length is corruption. Throws a CairnError (`corrupt_chunk`) naming the codec
 * when the data does not decompress or the codec id is unknown. The result is a fresh
 * buffer the caller owns (for 'none', a copy). `sizeHint`, an estimate of the output
 * length, lets gzip and brotli write into one buffer of that size: node:zlib otherwise
 * collects 16 KiB pieces and concatenates them, a copy and a garbage burst per chunk
 * (about 8 % of a `|=` scan's CPU, measured with bench/logs-query).
 */
export function decompress(codec: LogCodec | number, data: Uint8Array, rawLength?: number, sizeHint?: number): Uint8Array {
  const chunkSize = Math.max(ZLIB_MIN_CHUNK, rawLength ?? sizeHint ?? 0);
  const name = codecName(codec);
  let out: Uint8Array;
  try {
    switch (name) {
      case 'none':
        out = data.slice();
        break;
      case 'snappy':
        out = snappyUncompress(data, rawLength);
        break;
      case 'gzip':
        out = gunzipSync(data, rawLength === undefined ? { chunkSize } : { chunkSize, maxOutputLength: Math.max(1, rawLength) });
        break;
      case 'zstd':
        // Every frame's header holds its content size (Cairn's compressors write it).
        out = zstdDecompressFrames(data);
        break;
      case 'zstd-tok':
        out = zstdDecompressInto(data, (tok) => {
          const chunk = new Uint8Array(untokenizedSize(tok));
          untokenizeChunk(tok, chunk);
          return chunk;
        });
        break;
      case 'brotli':
        out = brotliDecompressSync(data, rawLength === undefined ? { chunkSize } : { chunkSize, maxOutputLength: Math.max(1, rawLength) });
        break;
    }
  } catch (e) {
    throw new CairnError('internal', 'corrupt_chunk', `cannot decompress a ${data.length}-byte ${name} log chunk: ${(e as Error).message}`, { cause: e });
  }
  // zlib hands back Buffers: give every caller the same plain type (no copy).
  if (out.constructor !== Uint8Array) out = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (rawLength !== undefined && out.length !== rawLength) {
    throw new CairnError('internal', 'corrupt_chunk', `${name} log chunk decompressed to ${out.length} bytes, expected ${rawLength}`);
  }
  return out;
}

/**
 * Decompresses `data` and hands the output to `read` (a view valid only during the call,
 * which must not keep it), returning what `read` returns: for zstd without copying the
 * output out of the WebAssembly heap, for the others through `decompress`. With `lines`
 * false, for a reader of a chunk's columns that never looks at its lines, the zstd codecs
 * leave the lines out (their bytes in the view are garbage): a count or a rate over a
 * chunk then decompresses its first frame only. Errors as `decompress`; errors thrown by
 * `read` pass through.
 */
export function withDecompressed<T>(codec: LogCodec | number, data: Uint8Array, sizeHint: number, read: (raw: Uint8Array) => T, lines = true): T {
  const name = codecName(codec);
  if (name !== 'zstd' && name !== 'zstd-tok') return read(decompress(codec, data, undefined, sizeHint));
  let raw: Uint8Array | undefined;
  try {
    // A chunk's first frame holds its columns (zstdCompressSplit, tokenCuts).
    return zstdDecompressInto(data, (r) => {
      if (name !== 'zstd-tok') {
        raw = r;
        return read(r);
      }
      raw = untokenizeInScratch(r, sizeHint, lines);
      return read(raw);
    }, !lines);
  } catch (e) {
    if (raw !== undefined) throw e; // from `read`, not from decompression
    throw new CairnError('internal', 'corrupt_chunk', `cannot decompress a ${data.length}-byte ${name} log chunk: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Untokenized chunks' buffer (one thread's), reused. Readers cannot nest: `read` may not
 * call into zstd (`zstdDecompressInto`), so it never reads a second chunk meanwhile.
 */
let scratch = new Uint8Array(0);

/** The chunk `tok` holds, in `scratch`; errors as `untokenizeChunk`. */
function untokenizeInScratch(tok: Uint8Array, sizeHint: number, lines: boolean): Uint8Array {
  if (scratch.length < sizeHint) scratch = new Uint8Array(sizeHint);
  let n = untokenizeChunk(tok, scratch, lines);
  if (n < 0) {
    scratch = new Uint8Array(-n);
    n = untokenizeChunk(tok, scratch, lines);
  }
  return scratch.subarray(0, n);
}
