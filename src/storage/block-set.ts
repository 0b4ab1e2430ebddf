/**
 * One tenant's open blocks, and the swaps that change them. A reader acquires the blocks
 * it needs when its querier is created and releases them on `close()`; a block replaced
 * by compaction or removed by retention leaves the list at once (new readers no longer see
 * it) but its file is closed and deleted only when the last reader released it. So a
 * query running across a swap keeps reading the blocks it started with and sees every
 * sample exactly once.
 */
import { unlinkSync } from 'node:fs';

/** What the set needs of a block's meta (the metrics and the log store each have theirs). */
export interface BlockTimes {
  readonly ulid: string;
  /** Oldest and newest data in the block, ms, inclusive. */
  readonly minTime: number;
  readonly maxTime: number;
  /** ULIDs of the blocks this one was compacted from. */
  readonly parents: readonly string[];
}

/** What the set needs of a block's reader. */
export interface Closable {
  close(): void;
}

/** A block in the set: its file, meta, reader and how many queriers hold it. */
export class OpenBlock<M extends BlockTimes = BlockTimes, R extends Closable = Closable> {
  private refs = 0;
  private doomed = false;
  private closed = false;

  constructor(
    readonly path: string,
    readonly meta: M,
    readonly reader: R,
    readonly sizeBytes: number,
  ) {}

  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime >= mint;
  }

  acquire(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    this.reap();
  }

  /** Marks the block for deletion once no reader holds it. */
  doom(): void {
    this.doomed = true;
    this.reap();
  }

  private reap(): void {
    if (!this.doomed || this.refs > 0 || this.closed) return;
    this.closed = true;
    this.reader.close();
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone; a leftover is deleted at the next start (its ULID is in a parent list).
    }
  }

  /** Closes the reader without deleting the file (shutdown). */
  closeQuietly(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
  }
}

export class BlockSet<B extends OpenBlock<BlockTimes, Closable> = OpenBlock> {
  private blocks: B[] = [];

  /** The blocks, ordered by minTime then ULID; a snapshot. */
  all(): readonly B[] {
    return this.blocks;
  }

  /** The blocks overlapping [mint, maxt], each acquired: release them when done. */
  acquire(mint: number, maxt: number): B[] {
    const out = this.blocks.filter((b) => b.overlaps(mint, maxt));
    for (const b of out) b.acquire();
    return out;
  }

  /** Adds `added` and drops `removed` (deleted when their readers are done) in one step. */
  swap(added: readonly B[], removed: readonly B[] = []): void {
    const gone = new Set(removed);
    this.blocks = [...this.blocks.filter((b) => !gone.has(b)), ...added].sort((a, b) => a.meta.minTime - b.meta.minTime || (a.meta.ulid < b.meta.ulid ? -1 : 1));
    for (const b of removed) b.doom();
  }

  /** The newest sample time in any block; -Infinity without blocks. */
  maxTime(): number {
    let t = -Infinity;
    for (const b of this.blocks) if (b.meta.maxTime > t) t = b.meta.maxTime;
    return t;
  }

  /** Bytes of all block files. */
  sizeBytes(): number {
    let n = 0;
    for (const b of this.blocks) n += b.sizeBytes;
    return n;
  }

  /** Closes every reader (shutdown); files stay. */
  closeAll(): void {
    for (const b of this.blocks) b.closeQuietly();
    this.blocks = [];
  }
}
