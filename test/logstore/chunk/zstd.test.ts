// Proves that zstd frames made with the system's libzstd (through the native addon) and
// with zstd's WebAssembly build both decompress to their input, at the head's and the
// compactor's levels, and that the native call refuses an output too small for zstd's bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { nativeZstd, zstdCompress, zstdDecompress } from '../../../src/logstore/chunk/zstd.js';
import { native } from '../../../src/util/native.js';
import { entry } from './fixtures.js';

const text = encodeEntries(Array.from({ length: 3000 }, (_, i) => entry(1_700_000_000_000 + i, i, `ts=${i} level=info msg="GET /api/v1/orders/${(i * 7919) % 10007}" status=200 took=${i % 97}ms`)));
const haveSystemZstd = native !== undefined && native.zstdVersion() > 0;
if (!haveSystemZstd) console.log('zstd.test: libzstd.so.1 is not installed here; the native zstd cases are skipped (Cairn uses the WebAssembly build)');

describe('zstd', () => {
  it('uses the system zstd where it is installed', () => {
    expect(nativeZstd() !== null).toBe(haveSystemZstd);
  });

  const paths = [
    { path: 'WebAssembly', addon: null },
    ...(haveSystemZstd ? [{ path: 'system libzstd', addon: native! }] : []),
  ];

  it.each(paths)('$path frames round-trip any bytes at levels 1 and 9 (property)', ({ addon }) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.constantFrom(1, 9), (bytes, level) => {
        const frame = zstdCompress(bytes, level, addon);
        expect(frame.byteLength).toBe(frame.buffer.byteLength);
        expect(zstdDecompress(frame, 1 << 16)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it.skipIf(!haveSystemZstd)('system frames of a log chunk decompress exactly and are as small as the WebAssembly build\'s', () => {
    for (const level of [1, 9]) {
      const sys = zstdCompress(text, level, native!);
      const wasm = zstdCompress(text, level, null);
      expect(zstdDecompress(sys, 1 << 16)).toEqual(text);
      expect(sys.length).toBeLessThan(wasm.length * 1.05);
      expect(sys.length).toBeLessThan(text.length / 4);
    }
  });

  it.skipIf(!haveSystemZstd)('refuses an output smaller than zstd\'s bound, and wrong arguments', () => {
    expect(() => native!.zstdCompress(text, 1, new Uint8Array(text.length))).toThrow(/smaller than ZSTD_compressBound/);
    expect(() => native!.zstdCompress('text' as unknown as Uint8Array, 1, new Uint8Array(64))).toThrow(/src must be a Uint8Array/);
  });
});
