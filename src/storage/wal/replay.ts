/**
 * Replay: reads the segments in order, streaming, checks every frame, hands each payload
 * to the caller, and repairs damage so the next start is clean. Damage is classified:
 *
 * - Torn tail: the first bad frame is at the end of the WAL (nothing but zero bytes, or
 *   nothing at all, follows it, and later segments hold no records). This is what a crash
 *   in the middle of a write leaves (a frame cut short by the end of the file), or a power
 *   loss that extended the file before its data reached the disk (zero fill) or kept a
 *   newer segment's start but not this one's last pages. The write was never acknowledged
 *   as durable, so dropping it breaks no promise: a warning.
 * - Corruption: anything else, meaning bytes that were once written well are now wrong
 *   (a bad record with more data behind it, a damaged non-last segment, a segment whose
 *   size disagrees with what its successor's start frame recorded, a missing segment).
 *   Replay truncates the segment at the bad frame and deletes every later segment, because
 *   records after a hole may depend on records in it (a samples record names series
 *   created by an earlier series record). Counted and reported, never thrown: throwing
 *   would fail every restart the same way, a crash loop.
 *
 * Either way the repair is made durable (the segment fsynced, the directory fsynced after
 * deletions) before replay returns, so the damage is reported once, not on every start.
 */
import { CairnError } from '../../util/errors.js';
import { decodeSegmentStart, FRAME_HEADER_BYTES, payloadMatches, readFrameHeader, RECORD_TYPE_FULL, RECORD_TYPE_SEGMENT_START, SEGMENT_START_BYTES } from './record.js';
import { segmentName, segmentPath, type WalSegment } from './segment.js';
import { walIoError, type WalFs } from './wal-fs.js';

/**
 * Called once per record, in write order. `payload` is a view into replay's read buffer,
 * valid only until the callback returns: copy it (or decode it) before returning. An
 * exception thrown by the callback stops replay and propagates to `replay()`'s caller.
 */
export type OnRecord = (payload: Uint8Array, type: number) => void;

/** Where and how the WAL was damaged, and what replay removed to repair it. */
export interface WalDamage {
  /** `torn_tail`: a warning, the unacknowledged end of a crashed write. `corruption`: counted. */
  readonly kind: 'torn_tail' | 'corruption';
  /** The segment with the first bad frame (for a missing segment, the missing index). */
  readonly segment: number;
  /** Byte offset of the first bad frame in that segment; the segment now ends here. */
  readonly offset: number;
  /** What was wrong, in words, for the log line. */
  readonly reason: string;
  /** Bytes cut from the segment plus the sizes of the removed later segments. */
  readonly droppedBytes: number;
  /** Later segments deleted by the repair, ascending. */
  readonly removedSegments: readonly number[];
}

/** What `replay()` found. */
export interface ReplayReport {
  /** Records handed to the callback. */
  readonly records: number;
  /** Their payload bytes. */
  readonly payloadBytes: number;
  /** Segment files read. */
  readonly segments: number;
  /** True when a torn last record was dropped (log a warning). */
  readonly tornTail: boolean;
  /** 0 or 1: replay stops at the first corruption (log an error, count it). */
  readonly corruptions: number;
  /** Details of the torn tail or corruption; null when the WAL was clean. */
  readonly damage: WalDamage | null;
}

/** The outcome of `replaySegments`: the report and the segments that remain after repair. */
export interface ReplayOutcome {
  readonly report: ReplayReport;
  readonly segments: WalSegment[];
}

/** Bytes read per zero-fill check on the damage path; small, it runs once per damage. */
const ZERO_CHECK_BYTES = 64 * 1024;

type BadFrame =
  | { readonly kind: 'short_header'; readonly offset: number }
  | { readonly kind: 'header_crc'; readonly offset: number }
  | { readonly kind: 'short_payload'; readonly offset: number; readonly payloadBytes: number }
  | { readonly kind: 'payload_crc'; readonly offset: number; readonly frameEnd: number }
  /** The first frame is not this segment's start frame. */
  | { readonly kind: 'bad_start'; readonly offset: 0; readonly detail: string }
  | { readonly kind: 'misplaced_start'; readonly offset: number }
  /** The successor's start frame recorded another size for this segment. */
  | { readonly kind: 'size_mismatch'; readonly offset: number; readonly expected: number; readonly actual: number };

/**
 * A forward-only window over one segment file. Reads `chunk`-sized blocks; a frame larger
 * than the chunk gets a buffer of its own size for the rest of the segment (bounded by the
 * file's size, which was checked against the frame's length first, so a damaged length
 * can never make us allocate more than the file holds).
 */
class SegmentReader {
  private buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly fs: WalFs,
    private readonly fd: number,
    private readonly path: string,
    readonly size: number,
    chunk: Buffer,
  ) {
    this.buf = chunk;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  /** Makes file bytes `[pos, pos + n)` available; returns their index in `buffer`, or -1 when the file ends first. */
  window(pos: number, n: number): number {
    if (pos + n > this.size) return -1;
    const rel = pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.bufLen) return rel;
    const keep = rel >= 0 && rel < this.bufLen ? this.bufLen - rel : 0;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(n);
      if (keep > 0) this.buf.copy(bigger, 0, rel, rel + keep);
      this.buf = bigger;
    } else if (keep > 0) {
      this.buf.copyWithin(0, rel, rel + keep);
    }
    this.bufStart = pos;
    this.bufLen = keep;
    while (this.bufLen < n) {
      const want = Math.min(this.buf.length - this.bufLen, this.size - (this.bufStart + this.bufLen));
      let got: number;
      try {
        got = this.fs.readSync(this.fd, this.buf, this.bufLen, want, this.bufStart + this.bufLen);
      } catch (err) {
        throw walIoError('wal_read_failed', 'reading wal segment', this.path, err);
      }
      if (got <= 0) return -1; // the file shrank while we read it
      this.bufLen += got;
    }
    return 0;
  }
}

/**
 * Reads the frames of segment `index` up to the reader's size, checking its start frame
 * and calling `onRecord` for each record; returns the first bad frame, or null.
 */
function scanSegment(r: SegmentReader, dir: string, index: number, onRecord: OnRecord, counts: { records: number; payloadBytes: number }): BadFrame | null {
  let pos = 0;
  while (pos < r.size) {
    let at = r.window(pos, FRAME_HEADER_BYTES);
    if (at < 0) return { kind: 'short_header', offset: pos };
    const h = readFrameHeader(r.buffer, at);
    if (h === null) return { kind: 'header_crc', offset: pos };
    const frameEnd = pos + FRAME_HEADER_BYTES + h.payloadBytes;
    at = r.window(pos, FRAME_HEADER_BYTES + h.payloadBytes);
    if (at < 0) return { kind: 'short_payload', offset: pos, payloadBytes: h.payloadBytes };
    // A plain Uint8Array view, not a Buffer: Buffer's slice() is a view too, and a caller
    // copying with slice() would silently keep a window into our reused read buffer.
    const buf = r.buffer;
    const payload = new Uint8Array(buf.buffer, buf.byteOffset + at + FRAME_HEADER_BYTES, h.payloadBytes);
    if (!payloadMatches(payload, h)) return { kind: 'payload_crc', offset: pos, frameEnd };
    if (h.type !== RECORD_TYPE_FULL && h.type !== RECORD_TYPE_SEGMENT_START) {
      // Both CRCs hold, so this is not damage: a newer version wrote a frame type we do
      // not know. Truncating would destroy its data; refusing to start is the safe answer.
      throw new CairnError(
        'internal',
        'wal_unsupported_record_type',
        `wal segment ${segmentPath(dir, index)} holds a record of type ${h.type} at offset ${pos}; this version knows types ${RECORD_TYPE_FULL} and ${RECORD_TYPE_SEGMENT_START} only. it was written by a newer cairn: upgrade, or move ${dir} away to discard it`,
      );
    }
    if (pos === 0) {
      const start = h.type === RECORD_TYPE_SEGMENT_START ? decodeSegmentStart(payload) : null;
      if (start === null) return { kind: 'bad_start', offset: 0, detail: 'the segment does not begin with a segment start record' };
      if (start.index !== index) return { kind: 'bad_start', offset: 0, detail: `the segment's start record names segment ${segmentName(start.index)}` };
    } else if (h.type === RECORD_TYPE_SEGMENT_START) {
      return { kind: 'misplaced_start', offset: pos };
    } else {
      onRecord(payload, h.type);
      counts.records++;
      counts.payloadBytes += h.payloadBytes;
    }
    pos = frameEnd;
  }
  return null;
}

/**
 * The size segment `seg`'s start frame recorded for its predecessor, or undefined when the
 * frame is absent, damaged or records none (scanning `seg` itself reports its damage).
 */
function recordedPrevSize(fs: WalFs, dir: string, seg: WalSegment): number | undefined {
  if (seg.sizeBytes < SEGMENT_START_BYTES) return undefined;
  const path = segmentPath(dir, seg.index);
  const buf = Buffer.alloc(SEGMENT_START_BYTES);
  let fd = -1;
  try {
    fd = fs.openSync(path, 'r');
    if (fs.readSync(fd, buf, 0, SEGMENT_START_BYTES, 0) !== SEGMENT_START_BYTES) return undefined;
  } catch (err) {
    throw walIoError('wal_read_failed', 'reading wal segment', path, err);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  const h = readFrameHeader(buf, 0);
  if (h === null || h.type !== RECORD_TYPE_SEGMENT_START || FRAME_HEADER_BYTES + h.payloadBytes !== SEGMENT_START_BYTES) return undefined;
  const payload = buf.subarray(FRAME_HEADER_BYTES);
  if (!payloadMatches(payload, h)) return undefined;
  const start = decodeSegmentStart(payload);
  return start === null || start.index !== seg.index ? undefined : (start.prevSizeBytes ?? undefined);
}

/** True when file bytes `[from, to)` are all zero. */
function zeroFilled(fs: WalFs, fd: number, path: string, from: number, to: number): boolean {
  const buf = Buffer.allocUnsafe(Math.min(ZERO_CHECK_BYTES, Math.max(1, to - from)));
  const zeros = Buffer.alloc(buf.length);
  for (let p = from; p < to; ) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - p), p);
    } catch (err) {
      throw walIoError('wal_read_failed', 'reading wal segment', path, err);
    }
    if (n <= 0) break;
    if (buf.compare(zeros, 0, n, 0, n) !== 0) return false;
    p += n;
  }
  return true;
}

function describe(bad: BadFrame, size: number): string {
  switch (bad.kind) {
    case 'short_header':
      return `record header cut short: ${size - bad.offset} of ${FRAME_HEADER_BYTES} bytes before the end of the segment`;
    case 'header_crc':
      return 'record header checksum mismatch';
    case 'short_payload':
      return `record of ${bad.payloadBytes} payload bytes cut short: ${size - bad.offset - FRAME_HEADER_BYTES} bytes before the end of the segment`;
    case 'payload_crc':
      return 'record payload checksum mismatch';
    case 'bad_start':
      return bad.detail;
    case 'misplaced_start':
      return 'segment start record in the middle of the segment';
    case 'size_mismatch':
      return bad.actual < bad.expected
        ? `the segment is ${bad.actual} bytes but the next segment recorded ${bad.expected}: its end was lost`
        : `the segment is ${bad.actual} bytes but the next segment recorded ${bad.expected}: bytes were added after it was cut`;
  }
}

/** Cuts segment `seg` at `offset` and deletes `later`, durably. */
function repair(fs: WalFs, dir: string, seg: WalSegment | null, offset: number, later: readonly WalSegment[]): void {
  if (seg !== null && offset < seg.sizeBytes) {
    const path = segmentPath(dir, seg.index);
    let fd = -1;
    try {
      fd = fs.openSync(path, 'r+');
      fs.ftruncateSync(fd, offset);
      fs.fsyncSync(fd);
    } catch (err) {
      throw walIoError('wal_repair_failed', 'truncating damaged wal segment', path, err);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
  for (const s of later) {
    const path = segmentPath(dir, s.index);
    try {
      fs.unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw walIoError('wal_repair_failed', 'removing wal segment after damage', path, err);
    }
  }
  if (later.length > 0) {
    let fd = -1;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch (err) {
      throw walIoError('wal_repair_failed', 'syncing wal directory', dir, err);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
}

function sumBytes(segs: readonly WalSegment[]): number {
  let n = 0;
  for (const s of segs) n += s.sizeBytes;
  return n;
}

/**
 * Replays `segments` (ascending, as `listSegments` returns them) from `dir`, repairing
 * damage as described at the top of this file. Throws only for what is not damage: an
 * I/O error reading or repairing (`unavailable`: a disk problem an operator must fix), a
 * frame type from a newer version (`internal`), or an exception from `onRecord`.
 */
export function replaySegments(fs: WalFs, dir: string, segments: readonly WalSegment[], chunkBytes: number, onRecord: OnRecord): ReplayOutcome {
  const counts = { records: 0, payloadBytes: 0 };
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let read = 0;
  let damage: WalDamage | null = null;
  const remaining: WalSegment[] = [];

  for (let i = 0; i < segments.length && damage === null; i++) {
    const seg = segments[i]!;
    const prev = segments[i - 1];
    if (prev !== undefined && seg.index !== prev.index + 1) {
      const later = segments.slice(i);
      repair(fs, dir, null, 0, later);
      damage = {
        kind: 'corruption',
        segment: prev.index + 1,
        offset: 0,
        reason: `segment ${segmentName(prev.index + 1)} is missing from the sequence`,
        droppedBytes: sumBytes(later),
        removedSegments: later.map((s) => s.index),
      };
      break;
    }

    const path = segmentPath(dir, seg.index);
    let fd: number;
    let size: number;
    try {
      fd = fs.openSync(path, 'r');
      size = fs.fstatSync(fd).size;
    } catch (err) {
      throw walIoError('wal_read_failed', 'opening wal segment', path, err);
    }
    // The successor says how long this segment was when it was cut; read no further.
    const next = segments[i + 1];
    const expected = next !== undefined && next.index === seg.index + 1 ? recordedPrevSize(fs, dir, next) : undefined;
    const end = expected === undefined ? size : Math.min(size, expected);
    let bad: BadFrame | null = null;
    let torn = false;
    try {
      bad = scanSegment(new SegmentReader(fs, fd, path, end, chunk), dir, seg.index, onRecord, counts);
      if (bad === null && expected !== undefined && size !== expected) bad = { kind: 'size_mismatch', offset: end, expected, actual: size };
      read++;
      if (bad !== null) {
        // Later segments that hold no records (empty, or only a start frame) do not make
        // this the middle of the WAL: a crash or power loss right after a cut leaves them.
        const laterEmpty = segments.slice(i + 1).every((s) => s.sizeBytes <= SEGMENT_START_BYTES);
        switch (bad.kind) {
          case 'short_header':
          case 'short_payload':
          case 'size_mismatch':
            torn = laterEmpty;
            break;
          case 'header_crc':
            torn = laterEmpty && zeroFilled(fs, fd, path, bad.offset, end);
            break;
          case 'payload_crc':
            torn = laterEmpty && zeroFilled(fs, fd, path, bad.frameEnd, end);
            break;
          case 'bad_start':
          case 'misplaced_start':
            torn = false;
            break;
        }
      }
    } finally {
      fs.closeSync(fd);
    }

    if (bad === null) {
      remaining.push({ index: seg.index, sizeBytes: size });
      continue;
    }
    const later = segments.slice(i + 1);
    repair(fs, dir, { index: seg.index, sizeBytes: size }, bad.offset, later);
    remaining.push({ index: seg.index, sizeBytes: bad.offset });
    damage = {
      kind: torn ? 'torn_tail' : 'corruption',
      segment: seg.index,
      offset: bad.offset,
      reason: describe(bad, end),
      droppedBytes: size - bad.offset + sumBytes(later),
      removedSegments: later.map((s) => s.index),
    };
  }

  return {
    report: {
      records: counts.records,
      payloadBytes: counts.payloadBytes,
      segments: read,
      tornTail: damage?.kind === 'torn_tail',
      corruptions: damage?.kind === 'corruption' ? 1 : 0,
      damage,
    },
    segments: remaining,
  };
}
