/**
 * A compressed log chunk as it travels between threads, sits in the head after
 * compression, and is stored in a block row: plain data (numbers and byte arrays), so it
 * can be posted to and from workers (transfer `data` and `filter`, see
 * `chunkTransferList`).
 */
import { CairnError } from '../../util/errors.js';
import { containsAllTest, decodeEntries, readChunkHeader, type EntryVisitor } from './chunk-format.js';
import { codecId, compress, decompress, withDecompressed, type CodecOptions, type LogCodec } from './codec.js';
import { buildFilter, defaultFilterOptions, filterFill, mayContain, type FilterOptions } from './filter.js';

export interface EncodedChunk {
  /** The codec id (codec.ts CODEC_IDS); a name is accepted where a chunk is made by hand. */
  readonly codec: LogCodec | number;
  /** The compressed encoded chunk (chunk-format.ts). */
  readonly data: Uint8Array;
  /** Time of the first and the last entry, ms, inclusive. */
  readonly minTMs: number;
  readonly maxTMs: number;
  /** Number of entries. */
  readonly entries: number;
  /** Sum of the entries' line lengths, UTF-8 bytes (what Loki's stats call bytes). */
  readonly rawBytes: number;
  /** The needle filter (filter.ts), or null when the chunk has none (then every needle may match). */
  readonly filter: Uint8Array | null;
}

/** Options of `encodeChunk`. */
export interface EncodeChunkOptions {
  readonly codec: CodecOptions;
  /** Filter sizing, or null for no filter. Default: defaultFilterOptions(). */
  readonly filter?: FilterOptions | null;
}

/**
 * Compresses an encoded chunk (chunk-format.ts output, not kept) and builds its filter:
 * the worker's part of sealing a head chunk, and compaction's per output chunk. Throws
 * what `readChunkHeader` throws for a malformed chunk.
 */
export function encodeChunk(raw: Uint8Array, options: EncodeChunkOptions): EncodedChunk {
  const h = readChunkHeader(raw);
  const filterOptions = options.filter === undefined ? defaultFilterOptions() : options.filter;
  let filter: Uint8Array | null = null;
  if (filterOptions !== null) {
    filter = buildFilter(raw, filterOptions);
    // buildFilter leaves out sections fuller than maxFill; with neither left, the filter
    // rules nothing out and is not stored (filterFill is then 1).
    if (filterFill(filter) > filterOptions.maxFill) filter = null;
  }
  return {
    codec: codecId(options.codec.codec),
    data: compress(options.codec, raw, h.lineStart),
    minTMs: h.minTMs,
    maxTMs: h.maxTMs,
    entries: h.entries,
    rawBytes: h.lineBytes,
    filter,
  };
}

/**
 * The chunk's encoded entries (chunk-format.ts), decompressed: a fresh buffer the caller
 * owns. Throws a CairnError (`corrupt_chunk`) when the data does not decompress to a chunk
 * that agrees with the row's entry count.
 */
export function readChunk(c: EncodedChunk): Uint8Array {
  return checkChunk(c, decompress(c.codec, c.data, undefined, sizeHint(c)));
}

/** The encoded chunk's size, about: its lines plus a few bytes per entry (time, length) and a header. */
function sizeHint(c: EncodedChunk): number {
  return c.rawBytes + c.entries * 16 + 256;
}

/** `raw` when its header agrees with the row; else the `corrupt_chunk` error. */
function checkChunk(c: EncodedChunk, raw: Uint8Array): Uint8Array {
  const h = readChunkHeader(raw);
  if (h.entries !== c.entries || h.minTMs !== c.minTMs || h.maxTMs !== c.maxTMs) {
    throw readChunkMismatch(c, h.entries, h.minTMs, h.maxTMs);
  }
  return raw;
}

function readChunkMismatch(c: EncodedChunk, entries: number, minTMs: number, maxTMs: number): CairnError {
  return new CairnError('internal', 'corrupt_chunk', `log chunk says ${c.entries} entries over [${c.minTMs}, ${c.maxTMs}] ms, its data holds ${entries} over [${minTMs}, ${maxTMs}]`);
}

/**
 * Decompresses and decodes a chunk, visiting its entries (see `decodeEntries`); with
 * needles, only lines containing all of them are made into strings and visited.
 */
export function visitChunk(c: EncodedChunk, visit: EntryVisitor, needles?: readonly string[], withLines = true): number {
  const test = needles === undefined ? undefined : containsAllTest(needles);
  // Decoded in place: every line and label the visitor gets is a string copied out. A
  // visitor of times and metadata alone gets a chunk whose lines are not decompressed.
  return withDecompressed(c.codec, c.data, sizeHint(c), (raw) => decodeEntries(checkChunk(c, raw), visit, test, withLines), withLines || test !== undefined);
}

/**
 * Calls `fn` with the chunk's decompressed entries (chunk-format.ts), valid only during
 * the call (they may sit in a decompressor's memory), and returns what it returns.
 */
export function withChunkBytes<T>(c: EncodedChunk, fn: (raw: Uint8Array) => T): T {
  return withDecompressed(c.codec, c.data, sizeHint(c), (raw) => fn(checkChunk(c, raw)));
}

/** False when the chunk's filter proves some needle absent; true without a filter. */
export function chunkMayContainAll(c: EncodedChunk, needles: readonly string[]): boolean {
  if (c.filter === null) return true;
  for (const n of needles) if (!mayContain(c.filter, n)) return false;
  return true;
}

/**
 * The chunks with their data and filters copied into one SharedArrayBuffer. Posting them to
 * another thread then shares their bytes instead of copying them: compressed head chunks
 * wait in the head and are posted again, to the worker that writes them into a block. A
 * flush posted ~100 MB of them, and copying them blocked the main thread for 0.9 s under a
 * sustained push (bench/RESULTS.md, "bounded memory under sustained log ingest").
 */
export function inSharedMemory(chunks: readonly EncodedChunk[]): EncodedChunk[] {
  let total = 0;
  for (const c of chunks) total += c.data.byteLength + (c.filter?.byteLength ?? 0);
  const shared = new Uint8Array(new SharedArrayBuffer(total));
  let at = 0;
  const place = (b: Uint8Array): Uint8Array => {
    shared.set(b, at);
    at += b.byteLength;
    return shared.subarray(at - b.byteLength, at);
  };
  return chunks.map((c) => ({ ...c, data: place(c.data), filter: c.filter === null ? null : place(c.filter) }));
}

/**
 * The ArrayBuffers to transfer when posting chunks to another thread: each chunk's data
 * and filter buffer when the view covers all of it (a shared or partial buffer is
 * copied by postMessage instead). Each buffer is listed once.
 */
export function chunkTransferList(chunks: Iterable<EncodedChunk>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of chunks) {
    for (const b of [c.data, c.filter]) {
      if (b !== null && b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) out.add(b.buffer);
    }
  }
  return [...out];
}
