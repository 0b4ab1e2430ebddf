/**
 * Record framing of the write-ahead log (drawn in FORMAT.md): every record is a 13-byte
 * header followed by its payload. The payload is opaque to the WAL; callers encode their
 * own record types inside it.
 *
 * The header carries two CRCs. The header CRC protects the length before we trust it, so a
 * bit flip in a length field is reported as corruption at that record instead of looking
 * like a record cut short by the end of the file (which is how a torn write looks and
 * which replay drops with only a warning). The payload CRC protects the payload.
 *
 * Both are CRC-32/IEEE (zlib's polynomial) via `zlib.crc32`, native since Node 20.15. We
 * guard against torn writes and media errors, not adversaries, and CRC-32 detects every
 * burst error up to 32 bits and all but 2^-32 of the rest; CRC-32C would be no stronger
 * here and has no native binding in Node.
 */
import { crc32 } from 'node:zlib';

/** Bytes of a frame header: header CRC (4), payload length (4), type (1), payload CRC (4). */
export const FRAME_HEADER_BYTES = 13;

/** Offsets inside the frame header; see FORMAT.md. */
export const HEADER_CRC_AT = 0;
export const LENGTH_AT = 4;
export const TYPE_AT = 8;
export const PAYLOAD_CRC_AT = 9;

/**
 * The frame type of a caller's record. The type byte is the WAL's, not the caller's: it
 * tells records from the WAL's own frames, and lets a later version add frame kinds (as
 * Prometheus's first/middle/last fragments) that this version then refuses to misread.
 * Zero is never written, so a zero-filled region never parses as a frame.
 */
export const RECORD_TYPE_FULL = 1;

/**
 * The frame type of a segment's first frame, written by the WAL itself and never handed to
 * callers. It names the segment and records the size its predecessor had when this segment
 * was started, so replay can tell that a segment lost whole records at its end (no frame
 * is damaged then, so nothing else would notice) or holds bytes written after it was cut.
 */
export const RECORD_TYPE_SEGMENT_START = 2;

/** Payload of a segment start frame: segment index (u64), predecessor's size in bytes (u64). */
const SEGMENT_START_PAYLOAD_BYTES = 16;

/** Bytes of a segment start frame: every segment written by this version begins with one. */
export const SEGMENT_START_BYTES = FRAME_HEADER_BYTES + SEGMENT_START_PAYLOAD_BYTES;

/** Predecessor size stored when segment `index - 1` does not exist (the first segment, or it was removed). */
const NO_PREDECESSOR = 0xffff_ffff_ffff_ffffn;

/** What a segment start frame says. */
export interface SegmentStart {
  readonly index: number;
  /** Size of segment `index - 1` when this one was started; null when there was none. */
  readonly prevSizeBytes: number | null;
}

/** The payload of the start frame of segment `index`. */
export function encodeSegmentStart(start: SegmentStart): Buffer {
  const b = Buffer.alloc(SEGMENT_START_PAYLOAD_BYTES);
  b.writeBigUInt64LE(BigInt(start.index), 0);
  b.writeBigUInt64LE(start.prevSizeBytes === null ? NO_PREDECESSOR : BigInt(start.prevSizeBytes), 8);
  return b;
}

/** Parses a start frame's payload; null when it is malformed. */
export function decodeSegmentStart(payload: Uint8Array): SegmentStart | null {
  if (payload.length !== SEGMENT_START_PAYLOAD_BYTES) return null;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const index = b.readBigUInt64LE(0);
  const prev = b.readBigUInt64LE(8);
  if (index > BigInt(Number.MAX_SAFE_INTEGER) || (prev !== NO_PREDECESSOR && prev > BigInt(Number.MAX_SAFE_INTEGER))) return null;
  return { index: Number(index), prevSizeBytes: prev === NO_PREDECESSOR ? null : Number(prev) };
}

/** The largest payload a frame can describe: the length field is an unsigned 32-bit int. */
export const RECORD_BYTES_MAX = 0xffff_ffff;

/** Bytes a payload of `payloadBytes` takes on disk, header included. */
export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + payloadBytes;
}

/**
 * Writes one frame for `payload` into `dst` at `at` and returns the offset after it.
 * `dst` must have room for `frameBytes(payload.length)` bytes from `at`.
 */
export function writeFrame(dst: Buffer, at: number, payload: Uint8Array, type = RECORD_TYPE_FULL): number {
  dst.writeUInt32LE(payload.length, at + LENGTH_AT);
  dst[at + TYPE_AT] = type;
  dst.writeUInt32LE(crc32(payload), at + PAYLOAD_CRC_AT);
  dst.writeUInt32LE(crc32(dst.subarray(at + LENGTH_AT, at + FRAME_HEADER_BYTES)), at + HEADER_CRC_AT);
  dst.set(payload, at + FRAME_HEADER_BYTES);
  return at + FRAME_HEADER_BYTES + payload.length;
}

/** A parsed frame header whose header CRC matched. */
export interface FrameHeader {
  readonly payloadBytes: number;
  readonly type: number;
  readonly payloadCrc: number;
}

/**
 * Parses the header at `buf[at, at + FRAME_HEADER_BYTES)`; null when its CRC does not
 * match (corruption, or a region that was never written such as zero fill).
 */
export function readFrameHeader(buf: Buffer, at: number): FrameHeader | null {
  const want = buf.readUInt32LE(at + HEADER_CRC_AT);
  if (crc32(buf.subarray(at + LENGTH_AT, at + FRAME_HEADER_BYTES)) !== want) return null;
  return { payloadBytes: buf.readUInt32LE(at + LENGTH_AT), type: buf[at + TYPE_AT]!, payloadCrc: buf.readUInt32LE(at + PAYLOAD_CRC_AT) };
}

/** True when `payload` matches the CRC its header recorded. */
export function payloadMatches(payload: Uint8Array, h: FrameHeader): boolean {
  return crc32(payload) === h.payloadCrc;
}
