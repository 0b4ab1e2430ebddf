/**
 * One tenant's metrics store: head, WAL and blocks, and the steps that move data between
 * them. Each step keeps the store consistent at every instant a crash could hit:
 *
 * - Cut: the head's chunks older than a boundary are written by a worker to
 *   `blocks/<ulid>.tmp`, renamed to `<ulid>.db` (directory fsynced), swapped into the block
 *   set; then the head's floor rises to the boundary (new readers read the head from there,
 *   appends below it are refused), the head drops those chunks once older readers are done,
 *   and the WAL is truncated behind a checkpoint. A crash before the rename leaves a `.tmp`
 *   (deleted at start); after it, the WAL replays onto a floor that skips what the block has.
 * - Compact: a worker merges blocks into a `.tmp`, renamed and swapped in for its parents;
 *   a crash before the parents are deleted leaves them beside their child, and start-up
 *   deletes every block named as another's parent.
 * - Retention: whole blocks older than the cutoff leave the set (deleted once unread).
 *
 * Steps of one tenant never overlap: the compactor runs them one at a time (compactor.ts).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir } from '../storage/wal/checkpoint.js';
import type { Wal } from '../storage/wal/index.js';
import { BlockInputWriter } from './block/block-input.js';
import { BlockReader } from './block/block-reader.js';
import { newUlid } from '../storage/ulid.js';
import type { BlockJobFault, BlockJobRunner } from './block-jobs.js';
import { BlockSet, OpenBlock, type BlockMetaView } from './block-set.js';
import type { Head } from './head.js';
import { HeadQuerier } from './head-read.js';
import type { MemSeries } from './head-series.js';
import { checkpointRecords } from './head-wal.js';
import { XorChunk, XorIterator } from './chunkenc/xor.js';
import { TenantQuerier } from './querier.js';

/** What one step did, for the flush answer, logs and metrics. */
export interface StepReport {
  readonly blocksWritten: number;
  readonly blocksCompacted: number;
  readonly blocksDeleted: number;
  readonly samplesWritten: number;
  readonly seriesRemoved: number;
}

export const emptyReport: StepReport = { blocksWritten: 0, blocksCompacted: 0, blocksDeleted: 0, samplesWritten: 0, seriesRemoved: 0 };

export function addReports(a: StepReport, b: StepReport): StepReport {
  return {
    blocksWritten: a.blocksWritten + b.blocksWritten,
    blocksCompacted: a.blocksCompacted + b.blocksCompacted,
    blocksDeleted: a.blocksDeleted + b.blocksDeleted,
    samplesWritten: a.samplesWritten + b.samplesWritten,
    seriesRemoved: a.seriesRemoved + b.seriesRemoved,
  };
}

/**
 * Longest stretch of a cut's work between two turns of the event loop: a push waits for
 * the stretch in progress at each of its steps (body read, WAL write, answer).
 */
const TURN_MS = 1;
/**
 * How long a head truncation waits, by default, for queriers opened before the swap: a
 * query is bounded by its timeout (2 min by default), and a querier someone forgot to
 * close must not pin the head's memory forever. The server makes it outlast a longer
 * `querier.timeout` (`readerWaitMs`): queries read head chunks in place.
 */
export const READER_WAIT_MAX_MS = 5 * 60_000;

export interface TenantStoreOptions {
  readonly chunkRangeMs: number;
  /** How long a head truncation waits for older queriers to close; READER_WAIT_MAX_MS by default. */
  readonly readerWaitMs?: number;
  /** Test hook passed to the worker jobs. */
  readonly fault?: () => BlockJobFault | undefined;
}

export class TenantStore {
  readonly blocks = new BlockSet();
  /**
   * Head samples below this are in blocks (or expired): readers read the head from here.
   * The head's own `floor` (appends refused below it) may run ahead while a cut is in
   * progress, so nothing lands below a boundary the cut has already gathered.
   */
  private readFrom = -Infinity;
  /** Scratch of `gather`: (range, chunk count) pairs of the series at hand. */
  private readonly gatherCounts: number[] = [];
  /** Bumped at every swap; a querier remembers the generation it was created in. */
  private generation = 0;
  /** Open queriers per generation. */
  private readonly readers = new Map<number, number>();
  /** A head truncation waiting for readers of older generations. */
  private pendingTruncation: { before: number; generation: number; deadline: number } | undefined;
  /** Head truncations run one after another, in the background (head.ts yields). */
  private truncating: Promise<unknown> = Promise.resolve();

  constructor(
    readonly tenant: string,
    readonly head: Head,
    readonly wal: Wal,
    readonly blocksDir: string,
    private readonly options: TenantStoreOptions,
  ) {}

  /**
   * Opens the blocks on disk: deletes unfinished `.tmp` files and blocks another block
   * names as a parent (a compaction finished but did not delete them), opens the rest.
   * Sets the head's floor (call before replaying the WAL) to the later of `floor` (the
   * retention cutoff) and just after the newest sample in blocks, and returns it.
   */
  openBlocks(floor: number): number {
    if (!existsSync(this.blocksDir)) return -Infinity;
    const opened: OpenBlock[] = [];
    for (const name of readdirSync(this.blocksDir)) {
      const path = join(this.blocksDir, name);
      if (name.endsWith('.tmp')) unlinkSync(path);
      else if (name.endsWith('.db')) opened.push(openBlock(path));
    }
    const parents = new Set(opened.flatMap((b) => b.meta.parents));
    const live: OpenBlock[] = [];
    for (const b of opened) {
      if (parents.has(b.meta.ulid)) {
        b.closeQuietly();
        unlinkSync(b.path);
      } else live.push(b);
    }
    this.blocks.swap(live);
    const from = Math.max(floor, this.blocks.maxTime() + 1);
    this.readFrom = from;
    this.head.floor = Math.max(this.head.floor, from);
    return from;
  }

  /** A querier over the head and the blocks as they are now. */
  querier(mint: number, maxt: number): TenantQuerier {
    const generation = this.generation;
    this.readers.set(generation, (this.readers.get(generation) ?? 0) + 1);
    return new TenantQuerier(
      {
        head: new HeadQuerier(this.head, mint, maxt),
        headFrom: this.readFrom,
        blocks: this.blocks.acquire(mint, maxt),
        onClose: () => {
          const left = this.readers.get(generation)! - 1;
          if (left > 0) this.readers.set(generation, left);
          else this.readers.delete(generation);
          this.truncateHeadIfUnread();
        },
      },
      mint,
      maxt,
    );
  }

  /** Head samples below this are in blocks (or expired). */
  headFloor(): number {
    return this.readFrom;
  }

  /** Whether the head holds more than 1.5 chunk ranges, so its oldest range is due (Prometheus's rule). */
  headCompactable(): boolean {
    const { minT, maxT } = this.head;
    return minT !== Infinity && maxT - minT > (this.options.chunkRangeMs * 3) / 2;
  }

  /** The end (exclusive) of the head's oldest chunk range. */
  oldestRangeEnd(): number {
    const range = this.options.chunkRangeMs;
    return Math.floor(this.head.minT / range) * range + range;
  }

  /**
   * Writes the head's samples older than `before` into blocks (one per chunk range they
   * span), swaps them in, raises the head's floor and truncates the WAL. With
   * `before = Infinity` everything in the head goes (flush). No-op when the head holds
   * nothing older.
   */
  async cutHead(runner: BlockJobRunner, before: number): Promise<StepReport> {
    const head = this.head;
    const until = before === Infinity ? head.maxT + 1 : before;
    if (head.minT === Infinity || head.minT >= until) return emptyReport;
    // From here appends below `until` are refused: the chunks gathered below must be all.
    if (until > head.floor) head.floor = until;
    // Unsorted: the worker sorts the series (block-input.ts).
    const series = [...head.series.values()];
    const range = this.options.chunkRangeMs;
    // Chunks never cross a chunk range boundary (the head's cut rule), so each lands whole
    // in the block of its range; a block never spans ranges, compaction joins them later.
    const writers = new Map<number, BlockInputWriter>();
    let samples = 0;
    let slice = performance.now();
    for (let i = 0; i < series.length; i++) {
      samples += this.gather(series[i]!, until, range, writers);
      // A push waits for the turn in progress at each of its steps: keep turns short.
      if ((i & 15) === 15 && performance.now() - slice >= TURN_MS) {
        await turn();
        slice = performance.now();
      }
    }
    if (writers.size === 0) return emptyReport;
    const added: OpenBlock[] = [];
    try {
      for (const [, w] of [...writers].sort((a, b) => a[0] - b[0])) {
        const ulid = newUlid(Date.now());
        const meta = await runner.run({ kind: 'write', dir: this.blocksDir, ulid, input: w.finish(), level: 1, fault: this.options.fault?.() });
        added.push(this.install(meta));
      }
    } catch (err) {
      // Blocks already renamed hold a prefix of the ranges: keep them (their data is also in
      // the WAL, so a retry rewrites nothing twice: the floor rises only below).
      if (added.length > 0) this.blocks.swap(added);
      throw err;
    }
    syncDir(this.blocksDir);
    this.blocks.swap(added);
    this.raiseFloor(until);
    // Usually no reader holds the old head: truncate first, the checkpoint is then smaller.
    await this.truncating;
    await this.truncateWal();
    return { ...emptyReport, blocksWritten: added.length, samplesWritten: samples };
  }

  /**
   * Adds `s`'s chunks ending before `until` to the writer of their range; returns their
   * samples. Two passes over the chunks (count per range, then copy) so that nothing is
   * allocated per series: at 100k series, garbage here meant a major GC pause mid-cut.
   */
  private gather(s: MemSeries, until: number, range: number, writers: Map<number, BlockInputWriter>): number {
    const counts = this.gatherCounts;
    counts.length = 0;
    let lastRange = NaN;
    // A chunk ending at or after `until` still goes in when it starts before it: its
    // samples below `until` (a push may land in a series' open chunk while the cut yields
    // before gathering it). The head keeps the whole chunk; readers read it from the new
    // floor on, and the next cut's copy of the older part is merged away as a duplicate.
    const wanted = (mint: number, maxt: number): boolean => mint < until && maxt >= this.readFrom;
    s.forEachChunk((_b, mint, maxt) => {
      if (!wanted(mint, maxt)) return;
      const r = Math.floor(mint / range);
      if (r !== lastRange) {
        counts.push(r, 0);
        lastRange = r;
      }
      counts[counts.length - 1]!++;
    });
    if (counts.length === 0) return 0;
    let samples = 0;
    let group = -2;
    lastRange = NaN;
    s.forEachChunk((bytes, mint, maxt, n) => {
      if (!wanted(mint, maxt)) return;
      const r = Math.floor(mint / range);
      let w = writers.get(r);
      if (w === undefined) writers.set(r, (w = new BlockInputWriter()));
      if (r !== lastRange) {
        group += 2;
        lastRange = r;
        w.beginSeries(s.labels, counts[group + 1]!);
      }
      if (maxt < until) {
        w.addChunk(bytes, mint, maxt, n);
        samples += n;
      } else {
        const part = samplesBefore(bytes, until);
        w.addChunk(part.bytes, mint, part.maxt, part.n);
        samples += part.n;
      }
    });
    return samples;
  }

  /**
   * Merges `group` into one block and swaps it in for them. The caller picked blocks
   * whose merge is due (compactor.ts).
   */
  async compact(runner: BlockJobRunner, group: readonly OpenBlock[]): Promise<StepReport> {
    const ulid = newUlid(Date.now());
    const meta = await runner.run({ kind: 'compact', dir: this.blocksDir, ulid, sources: group.map((b) => b.path), fault: this.options.fault?.() });
    const block = this.install(meta);
    syncDir(this.blocksDir);
    this.blocks.swap([block], group);
    this.generation++;
    return { ...emptyReport, blocksCompacted: group.length };
  }

  /**
   * Deletes blocks entirely older than `cutoff` and drops head data older than it
   * (retention). Returns what it removed.
   */
  async applyRetention(cutoff: number): Promise<StepReport> {
    const old = this.blocks.all().filter((b) => b.meta.maxTime < cutoff);
    if (old.length > 0) {
      this.blocks.swap([], old);
      this.generation++;
    }
    let seriesRemoved = 0;
    if (this.head.minT < cutoff) {
      const before = this.head.series.size;
      this.raiseFloor(cutoff);
      await this.truncating;
      seriesRemoved = before - this.head.series.size;
      await this.truncateWal();
    }
    if (old.length === 0 && seriesRemoved === 0) return emptyReport;
    return { ...emptyReport, blocksDeleted: old.length, seriesRemoved };
  }

  /** Renames a finished `.tmp` and opens it. */
  private install(meta: BlockMetaView): OpenBlock {
    const tmp = join(this.blocksDir, `${meta.ulid}.tmp`);
    const path = join(this.blocksDir, `${meta.ulid}.db`);
    renameSync(tmp, path);
    return openBlock(path);
  }

  /**
   * Everything below `t` is now in blocks (or expired): new readers read the head from
   * `t`, appends below it are refused, and the head drops the old chunks once the
   * readers that may still read them from the head have closed.
   */
  private raiseFloor(t: number): void {
    if (t > this.head.floor) this.head.floor = t;
    if (t > this.readFrom) this.readFrom = t;
    this.generation++;
    this.pendingTruncation = { before: this.readFrom, generation: this.generation, deadline: Date.now() + (this.options.readerWaitMs ?? READER_WAIT_MAX_MS) };
    this.truncateHeadIfUnread();
  }

  /**
   * Drops the head's chunks below the floor once no querier created before the floor rose
   * is open (or it waited too long). Called on every querier close and by the compactor.
   */
  truncateHeadIfUnread(): void {
    const p = this.pendingTruncation;
    if (p === undefined) return;
    for (const g of this.readers.keys()) if (g < p.generation && Date.now() < p.deadline) return;
    this.pendingTruncation = undefined;
    // head.truncate only throws on a bug; keep the chain alive for the next one.
    this.truncating = this.truncating.then(() => this.head.truncate(p.before)).catch(() => undefined);
  }

  /** Resolves once the head truncations started so far are done. */
  headTruncated(): Promise<unknown> {
    return this.truncating;
  }

  /** Checkpoints what the head holds from its floor on, then drops the older WAL segments. */
  private async truncateWal(): Promise<void> {
    const index = this.wal.cut();
    await this.wal.truncate(index, checkpointRecords(this.head, this.readFrom));
  }

  /** Bytes of the block files. */
  blockBytes(): number {
    return this.blocks.sizeBytes();
  }

  close(): void {
    this.blocks.closeAll();
  }
}

function openBlock(path: string): OpenBlock {
  const reader = BlockReader.open(path);
  return new OpenBlock(path, reader.meta, reader, statSync(path).size);
}

function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Creates the blocks directory. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** The samples of XOR chunk `bytes` older than `until`, as a chunk of their own (at least the first). */
function samplesBefore(bytes: Uint8Array, until: number): { bytes: Uint8Array; maxt: number; n: number } {
  const it = new XorIterator(bytes);
  const out = new XorChunk();
  let maxt = -Infinity;
  let n = 0;
  while (it.next() && it.t < until) {
    out.append(it.t, it.v);
    maxt = it.t;
    n++;
  }
  return { bytes: out.bytes().slice(), maxt, n };
}
