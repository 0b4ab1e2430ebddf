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

/** zstd one-shot decompression; `defaultHeapSize` is only used for frames without a content size. */
export function zstdDecompress(data: Uint8Array, defaultHeapSize: number): Uint8Array {
  ensureReady();
  return decompress(data, { defaultHeapSize });
}

/**
 * Decompresses a zstd frame into the WebAssembly heap and hands `read` a view of the
 * output, freeing it afterwards: no copy out of the heap and no fresh buffer per chunk
 * (the one-shot `zstdDecompress` copies and allocates both, ~5 % of a chunk scan). The view
 * is valid only during `read`, which must not keep it and must not call into zstd (a heap
 * growth would detach it). Throws an Error for a frame without a content size or a
 * failing decompression.
 */
export function zstdDecompressInto<T>(data: Uint8Array, read: (raw: Uint8Array) => T): T {
  ensureReady();
  const m = mod!;
  const src = m._malloc(data.byteLength);
  let dst = 0;
  try {
    m.HEAPU8.set(data, src);
    const size = m._ZSTD_getFrameContentSize(src, data.byteLength);
    // -1 (unknown) and -2 (error) come back as large unsigned values through the glue.
    if (size < 0 || size > 0xffffffff - 2) throw new Error('zstd frame without a content size');
    dst = m._malloc(Math.max(1, size));
    const n = m._ZSTD_decompress(dst, size, src, data.byteLength);
    if (m._ZSTD_isError(n) !== 0) throw new Error(`zstd decompression failed with code ${n}`);
    return read(new Uint8Array(m.HEAPU8.buffer, dst, n));
  } finally {
    if (dst !== 0) m._free(dst);
    m._free(src);
  }
}
