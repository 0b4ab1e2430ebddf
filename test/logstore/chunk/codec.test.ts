// Proves that every codec round-trips any bytes exactly, that ids are stable and unknown
// ids or corrupt data are refused with corrupt_chunk, and that compressed buffers are
// exactly sized (transferable).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntries, encodeEntries, readChunkHeader } from '../../../src/logstore/chunk/chunk-format.js';
import { CODEC_IDS, codecId, codecName, compress, decompress, LOG_CODECS, withDecompressed, type LogCodec } from '../../../src/logstore/chunk/codec.js';
import { entry } from './fixtures.js';

const text = encodeEntries(Array.from({ length: 2000 }, (_, i) => entry(1_700_000_000_000 + i, i, `GET /api/v1/products/${i % 97} HTTP/1.1 200 ${i * 7} "okhttp/4.12.0"`)));

describe('codecs', () => {
  it('has stable ids', () => {
    expect(CODEC_IDS).toEqual({ none: 0, snappy: 1, gzip: 2, zstd: 3, brotli: 4, 'zstd-tok': 5 });
    expect(LOG_CODECS).toEqual(['none', 'snappy', 'gzip', 'zstd', 'brotli', 'zstd-tok']);
  });

  it.each(LOG_CODECS.map((codec) => ({ codec })))('$codec round-trips a chunk by name and by id, exactly sized', ({ codec }) => {
    const data = compress(codec, text);
    expect(data.byteOffset).toBe(0);
    expect(data.byteLength).toBe(data.buffer.byteLength);
    if (codec !== 'none') expect(data.length).toBeLessThan(text.length / 3);
    expect(decompress(codec, data)).toEqual(text);
    expect(decompress(codecId(codec), data, text.length)).toEqual(text);
  });

  it.each([
    { codec: 'zstd' as LogCodec, level: 1 },
    { codec: 'zstd' as LogCodec, level: 9 },
    { codec: 'gzip' as LogCodec, level: 1 },
    { codec: 'brotli' as LogCodec, level: 0 },
  ])('$codec level $level round-trips', ({ codec, level }) => {
    expect(decompress(codec, compress({ codec, level }, text))).toEqual(text);
  });

  it('round-trips any bytes with every codec (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...LOG_CODECS), (bytes, codec) => {
        expect(decompress(codec, compress(codec, bytes))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses unknown ids, corrupt data and a wrong expected length', () => {
    expect(() => codecName(200)).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
    expect(() => decompress(200, text)).toThrow(/codec id 200 is unknown/);
    for (const codec of ['snappy', 'gzip', 'zstd', 'brotli', 'zstd-tok'] as const) {
      expect(() => decompress(codec, Uint8Array.from([0xff, 0xfe, 0xfd, 0x01, 0x02, 0x03, 0x04, 0x05])), codec).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
    }
    expect(() => decompress('zstd', compress('zstd', text), text.length + 1)).toThrow(/expected/);
    expect(() => codecId(99)).toThrow(/BUG/);
  });

  it.each(['zstd', 'zstd-tok'] as const)('%s hands a reader of columns a chunk whose lines it did not decompress', (codec) => {
    const h = readChunkHeader(text);
    const data = compress({ codec, level: 3 }, text, h.lineStart);
    const times: number[][] = [];
    decodeEntries(text, (tMs, tNs) => void times.push([tMs, tNs]));
    withDecompressed(codec, data, text.length, (raw) => {
      expect(raw.length).toBe(text.length);
      expect(Buffer.from(raw.subarray(0, h.lineStart)).equals(Buffer.from(text.subarray(0, h.lineStart)))).toBe(true);
      const got: number[][] = [];
      decodeEntries(raw, (tMs, tNs) => void got.push([tMs, tNs]), undefined, false);
      expect(got).toEqual(times);
    }, false);
    // A one-frame chunk (written before chunks had two frames) is read whole.
    const whole = compress({ codec: 'zstd', level: 3 }, text);
    expect(withDecompressed('zstd', whole, text.length, (raw) => Buffer.from(raw).equals(Buffer.from(text)), false)).toBe(true);
  });

  it('hands decompressed bytes to a reader in place, with the same errors (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...LOG_CODECS), (bytes, codec) => {
        expect(withDecompressed(codec, compress(codec, bytes), 16, (raw) => Uint8Array.from(raw))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
    for (const codec of ['snappy', 'gzip', 'zstd', 'brotli', 'zstd-tok'] as const) {
      expect(() => withDecompressed(codec, Uint8Array.from([0xff, 0xfe, 0xfd, 0x01, 0x02, 0x03, 0x04, 0x05]), 16, () => 0), codec).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
      // An error of the reader is the reader's, not a corrupt chunk.
      expect(() => withDecompressed(codec, compress(codec, text), 16, () => { throw new Error('reader failed'); })).toThrow(/^reader failed$/);
    }
  });
});
