/**
 * A series' chunks in the head: the open XOR chunk, cut by Prometheus's rule
 * (`ChunkCutPolicy`: about 120 samples, never across a chunk-range boundary, at most
 * 1 KiB), and the closed chunks it leaves behind.
 */
import { ChunkCutPolicy, XorChunk, XorIterator, defaultChunkCutOptions, type ChunkCutState } from './chunkenc/xor.js';
import type { SampleIterator } from './interface.js';

/** An immutable chunk with its time bounds (inclusive, ms). */
export interface ClosedChunk {
  readonly bytes: Uint8Array;
  readonly mint: number;
  readonly maxt: number;
  readonly numSamples: number;
}

/** One policy object per chunk range; the policy itself is stateless. */
const policies = new Map<number, ChunkCutPolicy>();

function policyFor(chunkRangeMs: number): ChunkCutPolicy {
  let p = policies.get(chunkRangeMs);
  if (p === undefined) policies.set(chunkRangeMs, (p = new ChunkCutPolicy({ ...defaultChunkCutOptions(), chunkRangeMs })));
  return p;
}

export class ChunkWriter {
  private open: XorChunk | undefined;
  private openMint = 0;
  private openMaxt = 0;
  private readonly cut: ChunkCutState = { nextAt: 0 };
  private readonly policy: ChunkCutPolicy;

  constructor(chunkRangeMs: number) {
    this.policy = policyFor(chunkRangeMs);
  }

  /**
   * Appends a sample newer than every sample so far. Returns the chunk it closed, when
   * this sample started a new one.
   */
  append(t: number, v: number): ClosedChunk | undefined {
    let closed: ClosedChunk | undefined;
    if (this.open === undefined) {
      this.start(t);
    } else if (
      this.policy.shouldCut(this.cut, { mint: this.openMint, maxt: this.openMaxt, numSamples: this.open.numSamples, numBytes: this.open.bytes().length }, t)
    ) {
      closed = { bytes: this.open.bytes().slice(), mint: this.openMint, maxt: this.openMaxt, numSamples: this.open.numSamples };
      this.start(t);
    }
    this.open!.append(t, v);
    this.openMaxt = t;
    return closed;
  }

  private start(t: number): void {
    this.open = new XorChunk();
    this.openMint = t;
    this.openMaxt = t;
    this.policy.startChunk(this.cut, t);
  }

  /** Samples in the open chunk. */
  get openSamples(): number {
    return this.open?.numSamples ?? 0;
  }

  /**
   * The closed chunks plus a copy of the open one, as a stable list for a reader: later
   * appends neither change nor extend what it sees.
   */
  snapshot(closed: readonly ClosedChunk[]): ClosedChunk[] {
    const out = closed.slice();
    if (this.open !== undefined && this.open.numSamples > 0) {
      out.push({ bytes: this.open.bytes().slice(), mint: this.openMint, maxt: this.openMaxt, numSamples: this.open.numSamples });
    }
    return out;
  }
}

/** A pull iterator over one chunk's samples. */
export function chunkIterator(c: ClosedChunk): SampleIterator {
  return new XorIterator(c.bytes);
}
