/**
 * One tenant's log store: head, WAL and blocks, and the steps that move data between
 * them. Each keeps the store consistent at every instant a crash could hit:
 *
 * - Compress: sealed head chunks go to a worker and come back compressed (memory only).
 * - Flush: the head's compressed chunks are written by a worker to `blocks/<ulid>.tmp`,
 *   renamed to `<ulid>.db` (directory fsynced) and, in the same turn, swapped into the
 *   block set and removed from the head. Then the WAL is cut, a checkpoint of what the
 *   head still holds is written, and the older segments are removed. A crash before the
 *   rename leaves a `.tmp` (deleted at start); between the rename and the checkpoint, the
 *   WAL replays entries the block also has: readers merge equal entries (entry-merge.ts)
 *   and compaction drops them, so nothing is lost and nothing is seen twice.
 * - Compact: a worker merges blocks into a `.tmp`, renamed and swapped in for its parents;
 *   a crash before the parents are deleted leaves them beside their child, and start-up
 *   deletes every block named as another's parent.
 * - Retention: blocks wholly older than the cutoff leave the set (deleted once unread);
 *   the head drops what is older.
 *
 * Steps of one tenant never overlap: the log compactor runs them one at a time.
 */
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../model/labels.js';
import { syncDir } from '../storage/wal/checkpoint.js';
import type { Wal } from '../storage/wal/index.js';
import { newUlid } from '../storage/ulid.js';
import { ByteWriter } from '../util/bytes.js';
import { LogBlockReader } from './block/log-block-reader.js';
import type { LogBlockMeta } from './block/log-block-meta.js';
import type { LogJobFault, LogJobRunner } from './block/log-jobs.js';
import { LogBlockSet, OpenLogBlock } from './block-set.js';
import { decodeAllBytes } from './chunk/chunk-format.js';
import type { CodecOptions } from './chunk/codec.js';
import type { EncodedChunk } from './chunk/encoded-chunk.js';
import type { HeadChunk, LogHead, MemStream } from './head.js';
import { TenantLogQuerier } from './querier.js';
import { beginEntries, encodeChunkRecord, encodeEntryGroup, encodeStreams } from './wal-records.js';

/** What one step did, for the flush answer, logs and metrics. */
export interface LogStepReport {
  readonly blocksWritten: number;
  readonly blocksCompacted: number;
  readonly blocksDeleted: number;
  readonly entriesWritten: number;
  readonly chunksWritten: number;
  readonly streamsRemoved: number;
}

export const emptyLogReport: LogStepReport = { blocksWritten: 0, blocksCompacted: 0, blocksDeleted: 0, entriesWritten: 0, chunksWritten: 0, streamsRemoved: 0 };

export function addLogReports(a: LogStepReport, b: LogStepReport): LogStepReport {
  if (b === emptyLogReport) return a;
  if (a === emptyLogReport) return b;
  return {
    blocksWritten: a.blocksWritten + b.blocksWritten,
    blocksCompacted: a.blocksCompacted + b.blocksCompacted,
    blocksDeleted: a.blocksDeleted + b.blocksDeleted,
    entriesWritten: a.entriesWritten + b.entriesWritten,
    chunksWritten: a.chunksWritten + b.chunksWritten,
    streamsRemoved: a.streamsRemoved + b.streamsRemoved,
  };
}

export interface TenantLogStoreOptions {
  /** Wall clock (ms), for chunk ages and idle streams. */
  readonly now: () => number;
  /** Test hook passed to the worker jobs. */
  readonly fault?: () => LogJobFault | undefined;
  readonly headCodec: CodecOptions;
  readonly blockCodec: CodecOptions;
}

/** Chunks per compression job: large enough to amortise the message, small enough to come back soon. */
const CHUNKS_PER_JOB = 64;

export class TenantLogStore {
  readonly blocks = new LogBlockSet();
  /** Compression jobs in flight. */
  private compressing: Promise<void> | undefined;

  constructor(
    readonly tenant: string,
    readonly head: LogHead,
    readonly wal: Wal,
    readonly blocksDir: string,
    private readonly runner: LogJobRunner,
    private readonly options: TenantLogStoreOptions,
  ) {}

  /**
   * Opens the blocks on disk: deletes unfinished `.tmp` files and blocks another block
   * names as a parent (a compaction finished but did not delete them), opens the rest.
   */
  openBlocks(): void {
    if (!existsSync(this.blocksDir)) return;
    const opened: OpenLogBlock[] = [];
    for (const name of readdirSync(this.blocksDir)) {
      const path = join(this.blocksDir, name);
      if (name.endsWith('.tmp')) unlinkSync(path);
      else if (name.endsWith('.db')) opened.push(openLogBlock(path));
    }
    const parents = new Set(opened.flatMap((b) => b.meta.parents));
    const live: OpenLogBlock[] = [];
    for (const b of opened) {
      if (parents.has(b.meta.ulid)) {
        b.closeQuietly();
        unlinkSync(b.path);
      } else live.push(b);
    }
    this.blocks.swap(live);
  }

  querier(mint: number, maxt: number): TenantLogQuerier {
    return new TenantLogQuerier(this.head, this.blocks, mint, maxt);
  }

  /**
   * Compresses the sealed chunks waiting in the head, on a worker, in the background; at
   * most one run at a time per tenant (the next one picks up what arrived meanwhile).
   * Resolves when the head has nothing left to compress.
   */
  compressPending(): Promise<void> {
    if (this.compressing === undefined) {
      const run = this.compressLoop();
      this.compressing = run;
      void run.then(
        () => (this.compressing = undefined),
        () => (this.compressing = undefined),
      );
    }
    return this.compressing;
  }

  private async compressLoop(): Promise<void> {
    // Let the caller store the promise before the first check (an empty queue returns at once).
    await Promise.resolve();
    for (;;) {
      const chunks = this.head.takeUncompressed();
      if (chunks.length === 0) return;
      for (let i = 0; i < chunks.length; i += CHUNKS_PER_JOB) {
        const batch = chunks.slice(i, i + CHUNKS_PER_JOB).filter((c) => c.raw !== undefined && c.encoded === undefined && !c.dropped);
        if (batch.length === 0) continue;
        // Shared with the worker (sealed chunks live in SharedArrayBuffer memory), not
        // moved: readers decode the raw bytes until the compressed chunk is installed, and a
        // failed job is retried from them.
        const raws = batch.map((c) => c.raw!);
        let encoded: EncodedChunk[];
        try {
          encoded = await this.runner.run({ kind: 'compress', chunks: raws, codec: this.options.headCodec, fault: this.options.fault?.() });
        } catch (err) {
          this.head.requeue(chunks.slice(i));
          throw err;
        }
        for (let j = 0; j < batch.length; j++) this.head.compressed(batch[j]!, encoded[j]!);
      }
    }
  }

  /** Whether a background flush is due: compressed chunks wait, or a buffer is older than the chunk age. */
  flushDue(): boolean {
    this.head.sealAged(this.options.now());
    for (const s of this.head.streams.values()) if (s.chunks.length > 0) return true;
    return false;
  }

  /**
   * Writes the head's sealed chunks into a block (with `all`, every open buffer is sealed
   * first: flush on demand), swaps it in and truncates the WAL. Chunks still compressing
   * when the step starts are waited for.
   */
  async flushHead(all: boolean): Promise<LogStepReport> {
    const head = this.head;
    if (all) head.sealAll();
    else head.sealAged(this.options.now());
    await this.compressPending();
    const taken = new Map<MemStream, HeadChunk[]>();
    const streams: { labels: Labels; chunks: EncodedChunk[] }[] = [];
    let entries = 0;
    let chunks = 0;
    for (const s of head.streams.values()) {
      const ready = s.chunks.filter((c) => c.encoded !== undefined);
      if (ready.length === 0) continue;
      taken.set(s, ready);
      streams.push({ labels: s.labels, chunks: ready.map((c) => c.encoded!) });
      for (const c of ready) entries += c.count;
      chunks += ready.length;
    }
    let report = emptyLogReport;
    if (streams.length > 0) {
      const ulid = newUlid(Date.now());
      const meta = await this.runner.run({ kind: 'write', dir: this.blocksDir, ulid, streams, level: 1, fault: this.options.fault?.() });
      const block = this.install(meta);
      syncDir(this.blocksDir);
      // One turn: the block is visible and the chunks leave the head together.
      this.blocks.swap([block]);
      for (const [s, cs] of taken) head.removeChunks(s, new Set(cs));
      report = { ...emptyLogReport, blocksWritten: 1, entriesWritten: entries, chunksWritten: chunks };
    }
    const removed = head.removeIdle(this.options.now());
    if (removed > 0) report = addLogReports(report, { ...emptyLogReport, streamsRemoved: removed });
    if (report !== emptyLogReport) await this.truncateWal();
    return report;
  }

  /**
   * Cuts the WAL and writes a checkpoint of everything the head holds, built in this turn
   * so it stands exactly for the segments before the cut; then those segments go.
   */
  private async truncateWal(): Promise<void> {
    const index = this.wal.cut();
    const records = checkpointRecords(this.head);
    await this.wal.truncate(index, records);
  }

  /** Merges `group` (one block: recompresses it) into one block and swaps it in for them. */
  async compact(group: readonly OpenLogBlock[]): Promise<LogStepReport> {
    if (group.length === 0) return emptyLogReport;
    const ulid = newUlid(Date.now());
    const meta = await this.runner.run({ kind: 'compact', dir: this.blocksDir, ulid, sources: group.map((b) => b.path), codec: this.options.blockCodec, fault: this.options.fault?.() });
    const block = this.install(meta);
    syncDir(this.blocksDir);
    this.blocks.swap([block], group);
    // Entries are counted once, when they leave the head; compaction rewrites blocks.
    return { ...emptyLogReport, blocksCompacted: group.length, blocksWritten: 1, chunksWritten: meta.numChunks };
  }

  /**
   * Deletes blocks wholly older than `cutoff` (ms). The head is trimmed apart
   * (`head.dropBefore`), on the head's lane: a flush in flight holds its chunks.
   */
  async applyRetention(cutoff: number): Promise<LogStepReport> {
    const expired = this.blocks.all().filter((b) => b.meta.maxTime < cutoff);
    if (expired.length > 0) this.blocks.swap([], expired);
    return expired.length === 0 ? emptyLogReport : { ...emptyLogReport, blocksDeleted: expired.length };
  }

  /** Renames a worker's `.tmp` into place and opens it. */
  private install(meta: LogBlockMeta): OpenLogBlock {
    const tmp = join(this.blocksDir, `${meta.ulid}.tmp`);
    const path = join(this.blocksDir, `${meta.ulid}.db`);
    renameSync(tmp, path);
    return openLogBlock(path);
  }

  /** Closes the block readers (shutdown); files stay. */
  close(): void {
    this.blocks.closeAll();
  }
}

function openLogBlock(path: string): OpenLogBlock {
  const reader = LogBlockReader.open(path);
  return new OpenLogBlock(path, reader.meta, reader, statSync(path).size);
}

/**
 * The records of a checkpoint: every stream of the head, its compressed chunks and the
 * entries it holds uncompressed (open buffers and chunks still compressing).
 */
export function checkpointRecords(head: LogHead): Uint8Array[] {
  const out: Uint8Array[] = [];
  const w = new ByteWriter(1 << 16);
  const streams = [...head.streams.values()];
  const flush = () => {
    if (w.length > 0) out.push(w.finish());
    w.reset();
  };
  for (let i = 0; i < streams.length; i += 1000) {
    encodeStreams(w, streams.slice(i, i + 1000));
    flush();
  }
  for (const s of streams) {
    for (const c of s.chunks) {
      if (c.encoded !== undefined) {
        encodeChunkRecord(w, s.ref, c.encoded);
        flush();
      } else if (c.raw !== undefined) {
        beginEntries(w, 1);
        encodeEntryGroup(w, s.ref, decodeAllBytes(c.raw));
        flush();
      }
    }
    if (s.open.count > 0) {
      beginEntries(w, 1);
      encodeEntryGroup(w, s.ref, s.open.byteEntries());
      flush();
    }
  }
  return out;
}
