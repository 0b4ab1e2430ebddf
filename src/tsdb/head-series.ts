/**
 * One series in the head: its labels, its closed chunks and the open head chunk, and the
 * last sample, which decides out-of-order and duplicate checks. Closed chunks stay in
 * memory until the blocks issue moves them to disk.
 */
import type { Labels } from '../model/labels.js';
import { ChunkWriter, type ClosedChunk } from './head-chunks.js';

/** Shared scratch for comparing float64 values by their bits (NaN payloads included). */
const scratchF = new Float64Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/** The two 32-bit halves of a float64, low word first. */
export function floatBits(v: number): [number, number] {
  scratchF[0] = v;
  return [scratchU[0]!, scratchU[1]!];
}

export class MemSeries {
  /** Closed chunks, oldest first. */
  readonly closed: ClosedChunk[] = [];
  readonly writer: ChunkWriter;
  /** Newest sample in memory; -Infinity before the first. */
  lastT = -Infinity;
  lastLo = 0;
  lastHi = 0;
  /** Whether the series record is in the WAL; a samples record may only name logged series. */
  walLogged = false;
  /** Pending state of the appender `pendingOwner`, so its own samples are checked in order. */
  pendingOwner = 0;
  pendingT = -Infinity;
  pendingLo = 0;
  pendingHi = 0;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly key: string,
    readonly metric: string,
    chunkRangeMs: number,
  ) {
    this.writer = new ChunkWriter(chunkRangeMs);
  }

  /** Appends a sample already checked to be in order. */
  append(t: number, v: number): void {
    const closed = this.writer.append(t, v);
    if (closed !== undefined) this.closed.push(closed);
    this.lastT = t;
    scratchF[0] = v;
    this.lastLo = scratchU[0]!;
    this.lastHi = scratchU[1]!;
  }
}
