/**
 * One series in the head: its labels, its chunks (the open XOR chunk's state is inherited,
 * so appending touches this one object and its bytes), and the last sample, which decides
 * out-of-order and duplicate checks. Closed chunks stay in memory until the blocks issue
 * moves them to disk.
 */
import type { Labels } from '../model/labels.js';
import { OpenXorChunk } from './chunkenc/xor-open.js';

/** Shared scratch for comparing float64 values by their bits (NaN payloads included). */
const scratchF = new Float64Array(1);
// Signed halves: small integers for V8, no heap-number boxes in series fields.
const scratchU = new Int32Array(scratchF.buffer);

export class MemSeries extends OpenXorChunk {
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
    readonly metric: string,
    chunkRangeMs: number,
  ) {
    super(chunkRangeMs);
  }

  /** Appends a sample already checked to be in order. */
  append(t: number, v: number): void {
    this.appendSample(t, v);
    this.lastT = t;
    scratchF[0] = v;
    this.lastLo = scratchU[0]!;
    this.lastHi = scratchU[1]!;
  }
}
