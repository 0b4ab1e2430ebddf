/**
 * LZ4 frame-format decompression (what Go's `pierrec/lz4` writer, used by Mimir's and
 * the OTel collector's `lz4` compression, produces), within a size limit. Written here
 * rather than taken from npm: the small pure-JS packages (lz4js) trust block lengths and
 * literal counts, so a hostile body makes them loop for billions of steps, and the fast
 * ones are native builds. Every read and write below is bounds-checked, every loop
 * consumes input, and output is bounded by the frame's block size and `maxBytes`.
 * Checksums are skipped, not verified (the body is already covered by TCP and HTTP).
 * Tests compress with `lz4js` (a dev dependency), an independent implementation.
 */

/** The frame magic number 0x184D2204, little-endian. */
const MAGIC = 0x184d2204;
/** Skippable frames have magics 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
/** Block maximum sizes by the BD byte's 3-bit index (4: 64 KiB … 7: 4 MiB). */
const BLOCK_MAX: Readonly<Record<number, number>> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };
/** The high bit of a block size marks a stored (uncompressed) block. */
const UNCOMPRESSED = 0x8000_0000;

/** Thrown for a malformed frame (the caller answers 400). */
export class Lz4FormatError extends Error {}
/** Thrown when the output would exceed the limit (the caller answers 413). */
export class Lz4TooLargeError extends Error {}

/** Decompresses one or more concatenated LZ4 frames; output at most `maxBytes`. */
export function lz4DecompressFrames(src: Uint8Array, maxBytes: number): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  let p = 0;
  const need = (n: number) => {
    if (src.length - p < n) throw new Lz4FormatError('truncated lz4 frame');
  };
  if (src.length === 0) throw new Lz4FormatError('empty lz4 body');
  while (p < src.length) {
    need(4);
    const magic = view.getUint32(p, true);
    p += 4;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
      need(4);
      const n = view.getUint32(p, true);
      p += 4;
      need(n);
      p += n;
      continue;
    }
    if (magic !== MAGIC) throw new Lz4FormatError('invalid lz4 magic number');
    need(2);
    const flg = src[p]!;
    const bd = src[p + 1]!;
    p += 2;
    if (flg >> 6 !== 1) throw new Lz4FormatError('unsupported lz4 frame version');
    const blockSum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentSum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    const blockMax = BLOCK_MAX[(bd >> 4) & 0x7];
    if (blockMax === undefined) throw new Lz4FormatError('invalid lz4 block size');
    if (contentSize) {
      need(8);
      p += 8;
    }
    if (dictId) throw new Lz4FormatError('lz4 frames with a dictionary are not supported');
    need(1);
    p += 1; // header checksum
    for (;;) {
      need(4);
      const word = view.getUint32(p, true);
      p += 4;
      if (word === 0) break;
      const stored = (word & UNCOMPRESSED) !== 0;
      const size = word & ~UNCOMPRESSED;
      if (size > blockMax) throw new Lz4FormatError('lz4 block larger than the frame allows');
      need(size + (blockSum ? 4 : 0));
      if (stored) {
        total += size;
        if (total > maxBytes) throw new Lz4TooLargeError();
        parts.push(src.subarray(p, p + size));
      } else {
        const out = new Uint8Array(blockMax);
        const end = decodeBlock(src, p, p + size, out);
        total += end;
        if (total > maxBytes) throw new Lz4TooLargeError();
        parts.push(out.subarray(0, end));
      }
      p += size + (blockSum ? 4 : 0);
    }
    if (contentSum) {
      need(4);
      p += 4;
    }
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The minimum match length of LZ4 (a 4-byte match is encoded as 0). */
const MIN_MATCH = 4;

/**
 * Decodes one LZ4 block `src[s, end)` into `dst` from 0; returns the bytes written.
 * Throws `Lz4FormatError` on any out-of-bounds read, write or match offset.
 */
function decodeBlock(src: Uint8Array, s: number, end: number, dst: Uint8Array): number {
  let d = 0;
  const corrupt = () => new Lz4FormatError('corrupt lz4 block');
  while (s < end) {
    const token = src[s++]!;
    let lit = token >> 4;
    if (lit === 15) {
      for (;;) {
        if (s >= end) throw corrupt();
        const b = src[s++]!;
        lit += b;
        if (b !== 255) break;
      }
    }
    if (lit > end - s || lit > dst.length - d) throw corrupt();
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s >= end) break; // the last sequence has literals only
    if (end - s < 2) throw corrupt();
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw corrupt();
    let len = token & 15;
    if (len === 15) {
      for (;;) {
        if (s >= end) throw corrupt();
        const b = src[s++]!;
        len += b;
        if (b !== 255) break;
      }
    }
    len += MIN_MATCH;
    if (len > dst.length - d) throw corrupt();
    // Matches may overlap their own output (offset < len), so copy byte by byte then.
    if (offset >= len) {
      dst.copyWithin(d, d - offset, d - offset + len);
      d += len;
    } else {
      for (let i = 0; i < len; i++, d++) dst[d] = dst[d - offset]!;
    }
  }
  return d;
}
