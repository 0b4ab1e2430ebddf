/**
 * Ambient types for snappyjs 0.7, a pure-JavaScript Snappy *block* format codec (no
 * framing). The package is CommonJS; Node's ESM loader exposes `compress` and `uncompress`
 * as named exports. The return type follows the input type: a Node Buffer in gives a
 * Buffer out, a Uint8Array a Uint8Array, an ArrayBuffer an ArrayBuffer.
 *
 * Cairn decompresses request bodies with its own bounded decoder
 * (`src/ingest/remote-write/snappy.ts`) and uses this package to compress.
 */
declare module 'snappyjs' {
  /**
   * Compresses `uncompressed` into one Snappy block.
   * @throws TypeError when the argument is not an ArrayBuffer, Buffer or Uint8Array.
   */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;

  /**
   * Decompresses one Snappy block. `maxLength` refuses (throws) a declared uncompressed
   * length above it before allocating. Throws a plain `Error('Invalid Snappy bitstream')`
   * on some corrupt inputs; it does not check that the output is exactly the declared
   * length, and a declared length of 2^31 or more is mis-read (32-bit arithmetic).
   */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
}
