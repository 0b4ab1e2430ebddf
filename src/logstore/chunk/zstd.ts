/**
 * zstd for log chunks. Compression uses the system's zstd through the native addon where
 * it is installed (`nativeZstd()`); decompression, and compression elsewhere, zstd compiled
 * to WebAssembly, synchronous from the first call: `@bokuweb/zstd-wasm` only offers an
 * async `init()`, and a
 * top-level `await init()` would make every importer an async module, which piscina
 * cannot load from TypeScript source (tsx) and CommonJS cannot `require`. So the module
 * is instantiated synchronously here, on first use in each thread: the package's
 * Emscripten glue calls `Module.instantiateWasm` when it is set, and then runs its
 * start-up synchronously. This reaches into the package's files (its `exports` map
 * hides them), so the package is pinned to one version; test/logstore/chunk/codec.test.ts
 * fails if a new version changes them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compress, decompress } from '@bokuweb/zstd-wasm';
import { assert } from '../../util/errors.js';
import { native, zstdBound, type NativeAddon } from '../../util/native.js';

/** The WebAssembly API (a Node global; the project's `lib` does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => object;
}

interface EmscriptenModule {
  instantiateWasm?: (imports: object, receive: (instance: object) => unknown) => unknown;
  init(wasm: Uint8Array): unknown;
  calledRun?: boolean;
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _ZSTD_getFrameContentSize(src: number, size: number): number;
  _ZSTD_decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number;
  _ZSTD_isError(code: number): number;
}

let ready = false;
let mod: EmscriptenModule | undefined;

function ensureReady(): void {
  if (ready) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@bokuweb/zstd-wasm'));
  const { Module } = require(join(dir, 'module.js')) as { Module: EmscriptenModule };
  mod = Module;
  const started = () => Module.calledRun === true;
  if (!started()) {
    const wasm = readFileSync(join(dir, 'zstd.wasm'));
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    Module.instantiateWasm = (imports, receive) => receive(new api.Instance(new api.Module(wasm), imports));
    Module.init(wasm);
    assert(started(), 'zstd WebAssembly module did not start synchronously; has @bokuweb/zstd-wasm changed?');
  }
  ready = true;
}

/** zstd 1.4.0: the oldest release whose one-shot API and frame format Cairn relies on. */
const MIN_NATIVE_VERSION = 10400;

/** `nativeZstd()`'s answer, once asked. */
let systemZstd: NativeAddon | null | undefined;

/**
 * The native addon when it can compress with the system's zstd (libzstd.so.1, 1.4 or
 * later), else null: zstd's WebAssembly build compresses the same frames at about half the
 * speed (level 1 on 256 KiB log chunks: 290 against 530 MB/s), and compression is most of
 * the log worker's time at every seal.
 */
export function nativeZstd(): NativeAddon | null {
  // Looked up on first use: the main thread imports this module at start-up but only
  // decompresses, so it never opens the library.
  if (systemZstd === undefined) systemZstd = native !== undefined && native.zstdVersion() >= MIN_NATIVE_VERSION ? native : null;
  return systemZstd;
}

/** Native compression's output room, reused (one thread's); the frame is copied out of it. */
let out = new Uint8Array(0);

/**
 * zstd one-shot compression at `level` (1–19); the frame records the content size. With
 * `addon` (the system zstd, by default where installed) or zstd's WebAssembly build.
 */
export function zstdCompress(raw: Uint8Array, level: number, addon: NativeAddon | null = nativeZstd()): Uint8Array {
  if (addon !== null) {
    const need = zstdBound(raw.length);
    if (out.length < need) out = new Uint8Array(need);
    return out.slice(0, addon.zstdCompress(raw, level, out));
  }
  ensureReady();
  return compress(raw, level);
}

/**
 * `raw[0, at)` and `raw[at, end)` compressed as two zstd frames, one after the other: a
 * valid zstd stream that any zstd decoder (and `zstdDecompressFrames`) turns back into
 * `raw`. A log chunk's binary columns and its text compress 4–6 % smaller apart than in one
 * frame, whose blocks would mix them under one set of entropy tables (bench/RESULTS.md,
 * "log chunks as two zstd frames"). One frame when `at` is not inside `raw`.
 */
export function zstdCompressSplit(raw: Uint8Array, level: number, at: number, addon: NativeAddon | null = nativeZstd()): Uint8Array {
  return zstdCompressParts(raw, level, [at], addon);
}

/**
 * `raw` cut at `cuts` (ascending offsets) into parts compressed as one zstd frame each,
 * back to back (see `zstdCompressSplit`). Cuts outside `(0, raw.length)` and empty parts
 * make no frame.
 */
export function zstdCompressParts(raw: Uint8Array, level: number, cuts: readonly number[], addon: NativeAddon | null = nativeZstd()): Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const at of cuts) {
    if (at <= from || at >= raw.length) continue;
    parts.push(raw.subarray(from, at));
    from = at;
  }
  parts.push(raw.subarray(from));
  if (parts.length === 1) return zstdCompress(raw, level, addon);
  if (addon === null) {
    ensureReady();
    const frames = parts.map((p) => compress(p, level));
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.length;
    }
    return all;
  }
  const need = parts.reduce((n, p) => n + zstdBound(p.length), 0);
  if (out.length < need) out = new Uint8Array(need);
  let n = 0;
  for (const p of parts) n += addon.zstdCompress(p, level, out.subarray(n));
  return out.slice(0, n);
}

/** Most bytes `zstdDecompressInto` decompresses: a WebAssembly heap tops out at 2–4 GiB. */
const MAX_CONTENT_BYTES = 1 << 30;

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames' magic numbers are 0x184D2A50–0x184D2A5F (RFC 8878, 3.1.2). */
const SKIPPABLE_MAGIC = 0x184d2a50;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;
const CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;

/**
 * The content size of a zstd stream: the sum over its frames (RFC 8878: concatenated
 * frames decode to the concatenation of their contents), read from each frame's header
 * while walking its block headers to the next frame. Throws an Error for malformed data or
 * a frame without a content size (Cairn's compressors always write it).
 */
export function zstdContentSize(data: Uint8Array): number {
  return zstdFrames(data).total;
}

/** What `zstdFrames` reads from a zstd stream's frame headers. */
export interface ZstdFrames {
  /** Content size of all frames. */
  readonly total: number;
  /** Compressed length and content size of the first frame. */
  readonly firstEnd: number;
  readonly firstSize: number;
}

/** The sizes of a zstd stream (see `zstdContentSize`, which throws the same errors). */
export function zstdFrames(data: Uint8Array): ZstdFrames {
  const bad = (what: string): Error => new Error(`zstd stream ${what} at byte ${pos}`);
  const need = (n: number): void => {
    if (pos + n > data.length) throw bad('truncated');
  };
  const u32 = (at: number): number => (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
  let pos = 0;
  let total = 0;
  let firstEnd = -1;
  let firstSize = 0;
  if (data.length === 0) throw bad('empty');
  while (pos < data.length) {
    need(4);
    const magic = u32(pos);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      need(8);
      pos += 8 + u32(pos + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad('has no frame magic');
    pos += 4;
    need(1);
    const fhd = data[pos++]!;
    if ((fhd & 8) !== 0) throw bad('sets a reserved header bit');
    const single = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    pos += (single === 1 ? 0 : 1) + DICT_ID_BYTES[fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? single : CONTENT_SIZE_BYTES[fcsFlag]!;
    if (fcsBytes === 0) throw bad('has a frame without a content size');
    need(fcsBytes);
    let size: number;
    if (fcsBytes === 1) size = data[pos]!;
    else if (fcsBytes === 2) size = (data[pos]! | (data[pos + 1]! << 8)) + 256;
    else if (fcsBytes === 4) size = u32(pos);
    else size = u32(pos) + u32(pos + 4) * 2 ** 32;
    pos += fcsBytes;
    total += size;
    for (let last = 0; last === 0; ) {
      need(3);
      const h = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      last = h & 1;
      const type = (h >> 1) & 3;
      if (type === 3) throw bad('has a reserved block type');
      pos += type === 1 ? 1 : h >>> 3;
    }
    if (((fhd >> 2) & 1) === 1) pos += 4;
    if (firstEnd < 0) {
      firstEnd = pos;
      firstSize = size;
    }
  }
  if (pos !== data.length) throw bad('truncated');
  if (!Number.isSafeInteger(total)) throw bad('is too large');
  if (firstEnd < 0) throw bad('has no frame');
  return { total, firstEnd, firstSize };
}

/** zstd one-shot decompression; `defaultHeapSize` is only used for frames without a content size. */
export function zstdDecompress(data: Uint8Array, defaultHeapSize: number): Uint8Array {
  ensureReady();
  return decompress(data, { defaultHeapSize });
}

/**
 * Decompresses a zstd stream (one frame or several, `zstdContentSize`) into the
 * WebAssembly heap and hands `read` a view of the output, freeing it afterwards: no copy
 * out of the heap and no fresh buffer per chunk (the one-shot `zstdDecompress` copies and
 * allocates both, ~5 % of a chunk scan). The view is valid only during `read`, which must
 * not keep it and must not call into zstd (a heap growth would detach it). With
 * `firstFrameOnly`, only the first frame is decompressed: the view still has the whole
 * content's length, and the bytes past the first frame's content are whatever the heap
 * held (a log chunk's columns without its lines, for readers that never look at them).
 * Throws an Error for a frame without a content size or a failing decompression.
 */
export function zstdDecompressInto<T>(data: Uint8Array, read: (raw: Uint8Array) => T, firstFrameOnly = false): T {
  const frames = zstdFrames(data);
  const size = frames.total;
  // A corrupt header may claim up to 2^64 bytes: refuse what the heap could never hold
  // rather than let the allocation abort the WebAssembly module.
  if (size > MAX_CONTENT_BYTES) throw new Error(`zstd stream claims ${size} bytes, more than the ${MAX_CONTENT_BYTES} this decoder takes`);
  ensureReady();
  const m = mod!;
  const src = m._malloc(data.byteLength);
  let dst = 0;
  try {
    if (src === 0) throw new Error(`zstd decoder cannot allocate ${data.byteLength} bytes of input`);
    m.HEAPU8.set(data, src);
    dst = m._malloc(Math.max(1, size));
    if (dst === 0) throw new Error(`zstd decoder cannot allocate ${size} bytes of output`);
    const srcBytes = firstFrameOnly ? frames.firstEnd : data.byteLength;
    const want = firstFrameOnly ? frames.firstSize : size;
    const n = m._ZSTD_decompress(dst, size, src, srcBytes);
    if (m._ZSTD_isError(n) !== 0) throw new Error(`zstd decompression failed with code ${n}`);
    if (n !== want) throw new Error(`zstd stream decompressed to ${n} bytes, its frames say ${want}`);
    return read(new Uint8Array(m.HEAPU8.buffer, dst, size));
  } finally {
    if (dst !== 0) m._free(dst);
    if (src !== 0) m._free(src);
  }
}

/** `zstdDecompressInto` into a fresh buffer the caller owns. */
export function zstdDecompressFrames(data: Uint8Array): Uint8Array {
  return zstdDecompressInto(data, (raw) => raw.slice());
}
