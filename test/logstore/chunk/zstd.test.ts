// Proves that zstd frames made with the system's libzstd (through the native addon) and
// with zstd's WebAssembly build both decompress to their input, at the head's and the
// compactor's levels, and that the native call refuses an output too small for zstd's bound;
// that a chunk split into two frames (columns, then text) decodes back whole and is smaller;
// and that the frame walker sums content sizes and refuses malformed streams.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { readChunkHeader } from '../../../src/logstore/chunk/chunk-format.js';
import { nativeZstd, zstdCompress, zstdCompressParts, zstdCompressSplit, zstdContentSize, zstdDecompress, zstdDecompressFrames, zstdDecompressInto, zstdFrames } from '../../../src/logstore/chunk/zstd.js';
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

  it.each(paths)('$path split frames decode to the whole input at any cut (property)', ({ addon }) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: -5, max: 3005 }), fc.constantFrom(1, 9), (bytes, at, level) => {
        const frames = zstdCompressSplit(bytes, level, at, addon);
        expect(frames.byteLength).toBe(frames.buffer.byteLength);
        expect(zstdContentSize(frames)).toBe(bytes.length);
        expect(zstdDecompressFrames(frames)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it.each(paths)('$path: a log chunk split at its lines is two frames, and smaller than one', ({ addon }) => {
    const at = readChunkHeader(text).lineStart;
    for (const level of [1, 9]) {
      const one = zstdCompress(text, level, addon);
      const two = zstdCompressSplit(text, level, at, addon);
      expect(zstdDecompressFrames(two)).toEqual(text);
      // The second frame starts where the first one's content ends.
      expect(zstdContentSize(two.subarray(0, two.length - zstdCompress(text.subarray(at), level, addon).length))).toBe(at);
      expect(two.length).toBeLessThan(one.length);
      const tail = zstdCompress(text.subarray(at), level, addon).length;
      expect(zstdFrames(two)).toEqual({ total: text.length, firstEnd: two.length - tail, firstSize: at });
    }
  });

  it.each(paths)('$path: parts of any bytes are a frame each, and the first decompresses alone (property)', ({ addon }) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: -5, max: 2100 }), { maxLength: 4 }), (bytes, cuts) => {
        cuts.sort((a, b) => a - b);
        const data = zstdCompressParts(bytes, 3, cuts, addon);
        expect(zstdDecompressFrames(data)).toEqual(bytes);
        const first = cuts.find((c) => c > 0 && c < bytes.length) ?? bytes.length;
        expect(zstdFrames(data).firstSize).toBe(first);
        expect(zstdDecompressInto(data, (raw) => [raw.length, Uint8Array.from(raw.subarray(0, first))], true)).toEqual([bytes.length, bytes.subarray(0, first)]);
      }),
      { numRuns: 100 },
    );
  });

  const frame = zstdCompress(new TextEncoder().encode('hello, hello, hello'), 3, null);
  const skippable = Uint8Array.of(0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 0xaa, 0xbb);
  const noSize = Uint8Array.from(frame);
  noSize[4] = noSize[4]! & 0x3f & ~0x20; // no content size field, not single-segment
  const zeros = zstdCompress(Uint8Array.from([...new Uint8Array(300_000), ...new TextEncoder().encode('then some text here')]), 3, null);
  const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
  it.each([
    { name: 'one frame', data: frame, size: 19 },
    { name: 'two frames', data: cat(frame, frame), size: 38 },
    { name: 'a skippable frame between two', data: cat(frame, skippable, frame), size: 38 },
    // 128 KiB blocks of one repeated byte are stored as RLE blocks: one byte of payload each.
    { name: 'frames with RLE blocks', data: cat(zeros, frame, zeros), size: 2 * 300_019 + 19 },
  ])('sums the content size of $name', ({ data, size }) => {
    expect(zstdContentSize(data)).toBe(size);
    expect(zstdDecompressFrames(data).length).toBe(size);
  });

  it.each([
    { name: 'empty', data: new Uint8Array(0), error: /empty/ },
    { name: 'truncated', data: frame.subarray(0, frame.length - 1), error: /truncated/ },
    { name: 'trailing bytes', data: cat(frame, Uint8Array.of(1, 2)), error: /truncated/ },
    { name: 'not zstd', data: new TextEncoder().encode('plain text'), error: /no frame magic/ },
    { name: 'a reserved header bit', data: Uint8Array.from(frame, (b, i) => (i === 4 ? b | 8 : b)), error: /reserved header bit/ },
    { name: 'a frame without a content size', data: noSize, error: /without a content size/ },
  ])('refuses $name', ({ data, error }) => {
    expect(() => zstdContentSize(data)).toThrow(error);
    expect(() => zstdDecompressFrames(data)).toThrow(error);
  });

  it('refuses to decompress a stream claiming more than the heap could hold, before allocating', () => {
    // Single segment, 8-byte content size 2^40, then an empty raw last block.
    const huge = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0);
    expect(zstdContentSize(huge)).toBe(2 ** 40);
    expect(() => zstdDecompressFrames(huge)).toThrow(/claims 1099511627776 bytes/);
    // The module still works afterwards.
    expect(zstdDecompressFrames(frame).length).toBe(19);
  });
});
