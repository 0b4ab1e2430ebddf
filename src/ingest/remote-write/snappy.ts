/**
 * Snappy *block* format (https://github.com/google/snappy/blob/main/format_description.txt),
 * the compression of remote-write and remote-read bodies. Decompression is Cairn's own,
 * bounded decoder rather than snappyjs's `uncompress`, because a request body is hostile
 * input and snappyjs 0.7 (a) reads the length preamble with 32-bit arithmetic, so a claim
 * of 2^31 bytes or more turns negative and escapes its `maxLength` check (a RangeError,
 * not a refusal), (b) never checks that the output has the declared length, so a short or
 * overlong stream is silently zero-padded or cut, and (c) copies byte by byte. Here the
 * claimed length is checked against the caller's limit, and against what the compressed
 * bytes can possibly expand to, before anything is allocated; every element is bounds
 * checked; and the output must be exactly the declared length. It is also faster: on
 * node-exporter shaped bodies 1.28 GB/s against snappyjs's 0.42 GB/s (uncompressed bytes
 * out; bench/remote-write-decode.bench.ts, shape prom-2000x1). Compression is delegated to
 * snappyjs (our own output is trusted).
 *
 * Block layout: `uvarint(uncompressed length)` (at most 32 bits) followed by elements,
 * each a tag byte whose low 2 bits say: 00 literal, 01 copy with 1-byte offset, 10 copy
 * with 2-byte offset, 11 copy with 4-byte offset. There is no stream identifier and no
 * checksum; the framed (stream) format that starts with `ff 06 00 00 sNaPpY` is not it.
 */
import { compress } from 'snappyjs';
import { CairnError } from '../../util/errors.js';
import { native, snappyBound, type NativeAddon } from '../../util/native.js';

/** Reason code of every malformed-Snappy error (shared with the discard counter). */
export const SNAPPY_CORRUPT = 'snappy_corrupt';
/** Reason code of a body whose (claimed) size is over `distributor.max_recv_msg_size`. */
export const MESSAGE_TOO_LARGE = 'message_too_large';

/**
 * The largest uncompressed length the block format can declare: the preamble is a
 * little-endian varint of at most 32 bits (format_description.txt, "Preamble").
 */
const MAX_DECLARED_LENGTH = 0xffff_ffff;
/** A 32-bit varint takes at most 5 bytes (ceil(32 / 7)). */
const MAX_PREAMBLE_BYTES = 5;
/**
 * Best expansion of any element: a 2-byte-offset copy is 3 bytes of input and yields up
 * to 64 bytes (its 6-bit length field holds len-1). Literals yield at most one output byte
 * per input byte and 1-byte-offset copies 11 bytes per 2, so no valid block decodes to
 * more than `ceil(inputBytes * 64 / 3)` bytes. A claim above that is a lie we can refuse
 * without allocating for it.
 */
const MAX_EXPANSION_NUMERATOR = 64;
const MAX_EXPANSION_DENOMINATOR = 3;
/**
 * Literal lengths below 60 (minus one) live in the tag's upper 6 bits; the values 60..63
 * say that the length minus one follows in 1..4 little-endian bytes.
 */
const LITERAL_LENGTH_IN_TAG_LIMIT = 60;
/**
 * Slack after the output so copies can move whole 4- and 8-byte words and overshoot the
 * element's end by up to 7 bytes (later elements overwrite the overshoot; the caller sees
 * a view of exactly the declared length). Word moves through a DataView replace byte
 * loops and builtin calls (`copyWithin`, `set(subarray)`), whose per-call cost dominates
 * for the short elements of remote-write bodies: node-exporter payloads average 5-byte
 * literals and 24-byte copies. Measured 1.5x faster than the byte/builtin mix
 * (bench/remote-write-decode.bench.ts, `snappy (cairn)`).
 */
const OUTPUT_SLACK_BYTES = 8;
/** A copy whose offset is at least a word's length can move whole words front to back. */
const WORD_BYTES = 8;

/** The first bytes of a framed-format stream: chunk type 0xff, length 6, "sNaPpY". */
const FRAMED_MAGIC = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59] as const;

function corrupt(message: string): CairnError {
  return new CairnError('bad_data', SNAPPY_CORRUPT, message);
}

function tooLarge(sizeBytes: number, what: 'uncompressed' | 'compressed', maxBytes: number): CairnError {
  // Mimir's text (pkg/distributor/push.go, globalerror id distributor-max-write-message-size)
  // with Cairn's config key in place of the Go flag.
  return new CairnError(
    'too_large',
    MESSAGE_TOO_LARGE,
    `the incoming push request has been rejected because its message size of ${sizeBytes} bytes (${what}) is larger than the allowed limit of ${maxBytes} bytes (err-mimir-distributor-max-write-message-size); to adjust the related limit, configure distributor.max_recv_msg_size`,
  );
}

/** The element-level failures, named so the hot loop carries no message templates. */
const enum BadElement {
  LiteralLengthTruncated,
  LiteralPastInput,
  LiteralOverflow,
  CopyTruncated,
  CopyOffset,
  CopyOverflow,
}

/**
 * Throws the `snappy_corrupt` error for a bad element at input byte `at`. Kept out of the
 * decode loop: template literals at every check made the loop measurably slower.
 */
function badElement(what: BadElement, at: number, a: number, b: number): never {
  const prefix = 'invalid snappy block: ';
  switch (what) {
    case BadElement.LiteralLengthTruncated:
      throw corrupt(`${prefix}literal length at byte ${at} is truncated`);
    case BadElement.LiteralPastInput:
      throw corrupt(`${prefix}literal of ${a} bytes at byte ${at} runs past the end of the input (${b} bytes)`);
    case BadElement.LiteralOverflow:
      throw corrupt(`${prefix}literal of ${a} bytes at byte ${at} overflows the declared length ${b}`);
    case BadElement.CopyTruncated:
      throw corrupt(`${prefix}copy at byte ${at} is truncated`);
    case BadElement.CopyOffset:
      throw corrupt(`${prefix}copy at byte ${at} has offset ${a} with only ${b} bytes decoded`);
    case BadElement.CopyOverflow:
      throw corrupt(`${prefix}copy of ${a} bytes at byte ${at} overflows the declared length ${b}`);
  }
}

function isFramed(input: Uint8Array): boolean {
  if (input.length < FRAMED_MAGIC.length) return false;
  for (let i = 0; i < FRAMED_MAGIC.length; i++) if (input[i] !== FRAMED_MAGIC[i]) return false;
  return true;
}

/**
 * Reads the uncompressed length a block declares, without decompressing anything.
 * Returns `{ length, preambleBytes }`.
 *
 * @throws CairnError `bad_data`/`snappy_corrupt` when the input is empty, the varint is
 *   truncated, longer than 5 bytes, or declares more than 2^32-1 bytes.
 */
export function snappyDeclaredLength(input: Uint8Array): { length: number; preambleBytes: number } {
  let length = 0;
  let multiplier = 1; // 128^i, kept as a float: the value may exceed 2^31
  for (let i = 0; i < MAX_PREAMBLE_BYTES; i++) {
    if (i >= input.length) {
      throw corrupt(
        input.length === 0
          ? 'invalid snappy block: the body is empty (expected at least the 1-byte length preamble)'
          : `invalid snappy block: the length preamble is truncated after ${input.length} bytes`,
      );
    }
    const b = input[i]!;
    length += (b & 0x7f) * multiplier;
    if (b < 0x80) {
      if (length > MAX_DECLARED_LENGTH) throw corrupt(`invalid snappy block: declared length ${length} exceeds the format's 32-bit maximum`);
      return { length, preambleBytes: i + 1 };
    }
    multiplier *= 0x80;
  }
  throw corrupt(`invalid snappy block: the length preamble is longer than ${MAX_PREAMBLE_BYTES} bytes`);
}

/**
 * Decompresses one Snappy block into a new Uint8Array of exactly the declared length.
 *
 * Checks, in this order, before allocating anything:
 * 1. `input.length > maxBytes` → `too_large` (the compressed body alone is over the limit);
 * 2. a framed-format stream (`ff 06 00 00 sNaPpY`) → `bad_data`/`snappy_corrupt`, with a
 *    message saying that the block format is expected;
 * 3. the declared length > `maxBytes` → `too_large`/`message_too_large`, in Mimir's words
 *    naming both sizes, the limit and `distributor.max_recv_msg_size`;
 * 4. the declared length larger than the input could expand to → `snappy_corrupt`.
 * Then every element is bounds-checked and the output must come out exactly as long as
 * declared; any violation is `bad_data`/`snappy_corrupt` naming the byte offset. Nothing
 * else is ever thrown, and the work is linear in the output size.
 *
 * @param input the compressed body; not modified, not retained.
 * @param maxBytes the caller's limit on both sizes (normally
 *   `distributor.max_recv_msg_size`, 100 MiB by default).
 * @param addon the native addon, whose element loop decodes valid blocks 2-3× faster (Loki
 *   push bodies 0.7 → 1.4 GB/s, remote-write bodies 2.1 → 6.6 GB/s of output; the checks
 *   above stay here, and a block it refuses is decoded again below for the error), or null
 *   for this module's JavaScript loop alone (tests compare the two).
 * @returns a fresh buffer the caller owns: a view of exactly the declared length, over an
 *   ArrayBuffer that may be 8 bytes longer (the JavaScript loop's word-copy slack), so use
 *   `byteOffset`/`byteLength`, not `.buffer.byteLength`.
 */
export function snappyDecompress(input: Uint8Array, maxBytes: number, addon: NativeAddon | null = native ?? null): Uint8Array {
  if (input.length > maxBytes) throw tooLarge(input.length, 'compressed', maxBytes);
  if (isFramed(input)) {
    throw corrupt('invalid snappy block: the body is in the snappy framed (stream) format; remote write requires the block format');
  }
  const { length: outLen, preambleBytes } = snappyDeclaredLength(input);
  if (outLen > maxBytes) throw tooLarge(outLen, 'uncompressed', maxBytes);
  const inLen = input.length;
  const maxPossible = Math.ceil(((inLen - preambleBytes) * MAX_EXPANSION_NUMERATOR) / MAX_EXPANSION_DENOMINATOR);
  if (outLen > maxPossible) {
    throw corrupt(
      `invalid snappy block: declared length ${outLen} bytes cannot be produced from ${inLen - preambleBytes} compressed bytes (at most ${maxPossible})`,
    );
  }

  if (addon !== null) {
    // The native element loop fills every byte or fails, so the memory need not be zeroed.
    const fast = new Uint8Array(Buffer.allocUnsafeSlow(outLen).buffer, 0, outLen);
    if (addon.snappyElements(input, preambleBytes, fast)) return fast;
    // Malformed: the loop below finds the element and says what is wrong with it.
  }
  const out = new Uint8Array(outLen + OUTPUT_SLACK_BYTES);
  const ov = new DataView(out.buffer);
  const iv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let ip = preambleBytes;
  let op = 0;
  while (ip < inLen) {
    const tagAt = ip;
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      // Literal: copy `len` bytes from the input.
      let len = tag >>> 2;
      if (len >= LITERAL_LENGTH_IN_TAG_LIMIT) {
        const extra = len - (LITERAL_LENGTH_IN_TAG_LIMIT - 1); // 1..4 length bytes
        if (ip + extra > inLen) badElement(BadElement.LiteralLengthTruncated, tagAt, 0, 0);
        len = input[ip]!;
        if (extra > 1) len |= input[ip + 1]! << 8;
        if (extra > 2) len |= input[ip + 2]! << 16;
        // The 4th byte is multiplied, not shifted, so lengths of 2^31 and above stay positive.
        if (extra > 3) len += input[ip + 3]! * 0x100_0000;
        ip += extra;
      }
      len += 1;
      if (ip + len > inLen) badElement(BadElement.LiteralPastInput, tagAt, len, inLen);
      if (op + len > outLen) badElement(BadElement.LiteralOverflow, tagAt, len, outLen);
      if (ip + len + 4 <= inLen) {
        // 4-byte words; reads up to 3 bytes past the literal (still inside the input).
        for (let i = 0; i < len; i += 4) ov.setUint32(op + i, iv.getUint32(ip + i, true), true);
      } else {
        for (let i = 0; i < len; i++) out[op + i] = input[ip + i]!;
      }
      ip += len;
      op += len;
      continue;
    }
    // Copy: `len` bytes from `offset` bytes back in the output; may overlap itself.
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= inLen) badElement(BadElement.CopyTruncated, tagAt, 0, 0);
      len = ((tag >>> 2) & 0x7) + 4;
      offset = ((tag >>> 5) << 8) | input[ip]!;
      ip += 1;
    } else if (kind === 2) {
      if (ip + 2 > inLen) badElement(BadElement.CopyTruncated, tagAt, 0, 0);
      len = (tag >>> 2) + 1;
      offset = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > inLen) badElement(BadElement.CopyTruncated, tagAt, 0, 0);
      len = (tag >>> 2) + 1;
      offset = (input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16)) + input[ip + 3]! * 0x100_0000;
      ip += 4;
    }
    if (offset === 0 || offset > op) badElement(BadElement.CopyOffset, tagAt, offset, op);
    if (op + len > outLen) badElement(BadElement.CopyOverflow, tagAt, len, outLen);
    const from = op - offset;
    if (offset >= WORD_BYTES) {
      // Each 8-byte read ends at or before the write position, so bytes written earlier in
      // this same copy are read back correctly (offset < len repeats a pattern).
      for (let i = 0; i < len; i += WORD_BYTES) {
        ov.setUint32(op + i, ov.getUint32(from + i, true), true);
        ov.setUint32(op + i + 4, ov.getUint32(from + i + 4, true), true);
      }
    } else {
      // A short offset repeats a 1..7-byte pattern: byte by byte, in order.
      for (let i = 0; i < len; i++) out[op + i] = out[from + i]!;
    }
    op += len;
  }
  if (op !== outLen) throw corrupt(`invalid snappy block: decoded ${op} bytes but the preamble declared ${outLen}`);
  return out.subarray(0, outLen);
}

/** Native compression's output room, reused (one thread's); the block is copied out of it. */
let compressRoom = new Uint8Array(0);

/**
 * Compresses `data` into one Snappy block: natively where the addon is built (3–5× faster:
 * bench/RESULTS.md, "Snappy compression natively"), else with snappyjs. The result is a
 * fresh buffer the caller owns; `data` is not retained.
 */
export function snappyCompress(data: Uint8Array, addon: NativeAddon | null = native ?? null): Uint8Array {
  if (addon !== null) {
    const need = snappyBound(data.length);
    if (compressRoom.length < need) compressRoom = new Uint8Array(need);
    return compressRoom.slice(0, addon.snappyCompress(data, compressRoom));
  }
  // snappyjs returns a Buffer for a Buffer argument; normalise to a plain Uint8Array view
  // so callers see one type whatever they passed.
  const out = compress(data);
  return out instanceof Uint8Array && out.constructor !== Uint8Array ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : out;
}
