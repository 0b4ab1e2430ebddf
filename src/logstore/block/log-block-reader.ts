/**
 * Reads one published log block file (`<ulid>.db`): streams by label matchers, their
 * chunks by time range (and by needle filters), label names and values, index stats, and
 * a paged walk of every stream for compaction. Synchronous; each call is a few indexed
 * SQLite reads. Chunk bytes are read lazily, when a caller first touches a chunk's
 * `data`, so a query that stops early (a `limit`) reads only the chunks it decodes.
 */
import { existsSync } from 'node:fs';
import type { Labels } from '../../model/labels.js';
import { matchesAll, type Matcher } from '../../model/matcher.js';
import { CairnError } from '../../util/errors.js';
import type { EncodedChunk } from '../chunk/encoded-chunk.js';
import { mayContain } from '../chunk/filter.js';
import type { LogSelectCounters } from '../interface.js';
import { decodeLabels, decodePostings } from './log-block-codec.js';
import { LOG_BLOCK_FORMAT_VERSION, type LazyLogBlockStream, type LogBlockMeta, type LogBlockStream } from './log-block-meta.js';
import { LOG_BLOCK_APPLICATION_ID, openLogBlockDb, type LogBlockDb, type LogBlockStatement } from './log-block-sqlite.js';
import { LOG_BLOCK_SUFFIX, LOG_BLOCK_TMP_SUFFIX, LOG_META_KEY } from './log-block-writer.js';
import { intersectAll } from '../../util/sorted-ids.js';

/** Index stats over matching streams and chunks (what Loki's `/index/stats` reports). */
export interface LogBlockStats {
  streams: number;
  chunks: number;
  entries: number;
  /** Sum of line bytes of the chunks. */
  bytes: number;
}

/** A chunk's row without its bytes (compaction plans with these). */
export interface LogChunkRef {
  readonly id: number;
  readonly minTMs: number;
  readonly maxTMs: number;
  readonly entries: number;
  readonly rawBytes: number;
  readonly codec: number;
}

/** A stream's row: labels and the id range of its chunks. */
interface StreamRow {
  readonly id: number;
  readonly labels: Labels;
  readonly firstChunk: number;
  readonly chunks: number;
  readonly mint: number;
  readonly maxt: number;
}

/** Streams read per query while walking every stream (`streamRefs`). */
const STREAM_PAGE = 256;

function corrupt(path: string, what: string): CairnError {
  return new CairnError('internal', 'corrupt_block', `corrupt log block ${path}: ${what}`);
}

type StreamTuple = [number, Uint8Array, number, number, number, number];
type ChunkTuple = [number, number, number, number, number, number];

/**
 * A read-only view of one log block file. Not safe to share between threads (it is a
 * SQLite connection); calls are synchronous and return data the caller owns, except that
 * a returned chunk's `data` is read from the file on first access and must therefore be
 * first touched before `close()` (the block set keeps a block open while a querier holds
 * it). The caller calls `close()` once no query uses the block any more.
 */
export class LogBlockReader {
  /** The block's meta, as stored in the file. */
  readonly meta: LogBlockMeta;
  private readonly streamById: LogBlockStatement;
  private readonly streamPage: LogBlockStatement;
  private readonly chunkRange: LogBlockStatement;
  private readonly chunkRangeWithFilter: LogBlockStatement;
  private readonly anyChunk: LogBlockStatement;
  private readonly chunkData: LogBlockStatement;
  private readonly chunkFilter: LogBlockStatement;
  private readonly postingsOne: LogBlockStatement;
  private readonly postingsOfName: LogBlockStatement;
  private readonly names: LogBlockStatement;
  private readonly valuesOfName: LogBlockStatement;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly db: LogBlockDb,
  ) {
    const appId = db.pragma('application_id', { simple: true });
    const version = db.pragma('user_version', { simple: true });
    if (appId !== LOG_BLOCK_APPLICATION_ID) throw corrupt(path, `application_id ${String(appId)} is not a cairn log block's`);
    if (version !== LOG_BLOCK_FORMAT_VERSION) throw corrupt(path, `format version ${String(version)}, this cairn reads ${LOG_BLOCK_FORMAT_VERSION}`);
    const metaJson = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(LOG_META_KEY) as string | undefined;
    if (metaJson === undefined) throw corrupt(path, 'meta table lacks the meta');
    this.meta = JSON.parse(metaJson) as LogBlockMeta;
    const streamCols = 'id, labels, first_chunk, chunks, mint, maxt';
    this.streamById = db.prepare(`SELECT ${streamCols} FROM streams WHERE id = ?`).raw();
    this.streamPage = db.prepare(`SELECT ${streamCols} FROM streams WHERE id >= ? ORDER BY id LIMIT ${STREAM_PAGE}`).raw();
    // Columns before `filter` and `data` live in the row's first page: these queries never
    // touch the overflow pages of the chunk bytes.
    const chunkCols = 'id, mint, maxt, entries, raw_bytes, codec';
    this.chunkRange = db.prepare(`SELECT ${chunkCols} FROM chunks WHERE id BETWEEN ? AND ? AND maxt >= ? AND mint <= ? ORDER BY id`).raw();
    this.chunkRangeWithFilter = db.prepare(`SELECT ${chunkCols}, filter FROM chunks WHERE id BETWEEN ? AND ? AND maxt >= ? AND mint <= ? ORDER BY id`).raw();
    this.anyChunk = db.prepare('SELECT 1 FROM chunks WHERE id BETWEEN ? AND ? AND maxt >= ? AND mint <= ? LIMIT 1').pluck();
    this.chunkData = db.prepare('SELECT data FROM chunks WHERE id = ?').pluck();
    this.chunkFilter = db.prepare('SELECT filter FROM chunks WHERE id = ?').pluck();
    this.postingsOne = db.prepare('SELECT ids FROM postings WHERE name = ? AND value = ?').pluck();
    this.postingsOfName = db.prepare('SELECT value, ids FROM postings WHERE name = ?').raw();
    this.names = db.prepare('SELECT DISTINCT name FROM postings').pluck();
    this.valuesOfName = db.prepare('SELECT value FROM postings WHERE name = ?').pluck();
  }

  /**
   * Opens the log block file at `path`, which must name a published block (`….db`).
   * Throws a CairnError: reason `invalid_block_path` for any other name (a `.tmp` is an
   * unfinished block and is never read), `block_not_found` when the file does not exist
   * (saying so when only its `.tmp` does), `corrupt_block` when it is not a Cairn log
   * block of a version this code reads.
   */
  static open(path: string): LogBlockReader {
    if (!path.endsWith(LOG_BLOCK_SUFFIX)) {
      throw new CairnError('internal', 'invalid_block_path', `log block path ${path} does not end in ${LOG_BLOCK_SUFFIX}; only published blocks are read`);
    }
    if (!existsSync(path)) {
      const tmp = path.slice(0, -LOG_BLOCK_SUFFIX.length) + LOG_BLOCK_TMP_SUFFIX;
      const hint = existsSync(tmp) ? `; only the unfinished ${tmp} exists, which is never read as a block` : '';
      throw new CairnError('internal', 'block_not_found', `log block file ${path} does not exist${hint}`);
    }
    const db = openLogBlockDb(path);
    try {
      return new LogBlockReader(path, db);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Releases the SQLite connection. The reader (and untouched chunk data) must not be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /**
   * The streams matching every matcher, sorted by labels, each with its chunks that
   * overlap [mint, maxt] (inclusive ms), oldest first; streams left without chunks are
   * left out. With needles, a chunk whose filter proves some needle absent is left out too
   * (chunks without a filter stay). With no matchers every stream matches. Each chunk's
   * `data` is read on first access (see the class comment); once read, it is the caller's.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number, needles?: readonly string[], counters?: LogSelectCounters): LogBlockStream[] {
    const out: LogBlockStream[] = [];
    for (const s of this.selectStreams(matchers, mint, maxt, needles, counters)) {
      const chunks = s.chunks();
      if (chunks.length > 0) out.push({ labels: s.labels, chunks });
    }
    return out;
  }

  /**
   * As `select`, with each stream's chunks listed only when its `chunks()` is called (then
   * possibly none): a query over tens of thousands of chunks lists them stream by stream,
   * between which it can let the event loop in, not all in one call (0.4-0.8 s for the
   * 20-40 k chunks of a 10 GB push). The reader must stay open until the last call.
   */
  selectStreams(matchers: readonly Matcher[], mint: number, maxt: number, needles?: readonly string[], counters?: LogSelectCounters): LazyLogBlockStream[] {
    if (mint > maxt) return [];
    const useNeedles = needles !== undefined && needles.length > 0 ? needles : undefined;
    const out: LazyLogBlockStream[] = [];
    for (const s of this.matching(matchers)) {
      if (s.maxt < mint || s.mint > maxt) continue;
      out.push({ labels: s.labels, chunks: () => this.chunksOf(s, mint, maxt, useNeedles, counters) });
    }
    return out;
  }

  /** Label sets of the matching streams that have a chunk overlapping [mint, maxt], sorted. */
  streams(matchers: readonly Matcher[], mint: number, maxt: number): Labels[] {
    if (mint > maxt) return [];
    const out: Labels[] = [];
    for (const s of this.matching(matchers)) {
      if (s.maxt < mint || s.mint > maxt) continue;
      if (this.anyChunk.get(s.firstChunk, s.firstChunk + s.chunks - 1, mint, maxt) !== undefined) out.push(s.labels);
    }
    return out;
  }

  /**
   * Label names, sorted. Without matchers, every name in the index; with matchers, the
   * names of the streams that match them all (over the whole block).
   */
  labelNames(matchers?: readonly Matcher[]): string[] {
    if (matchers === undefined || matchers.length === 0) return (this.names.all() as string[]).sort();
    const names = new Set<string>();
    for (const s of this.matching(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  /**
   * Values of label `name`, sorted, never ''. Without matchers, from the index; with
   * matchers, the values among the streams that match them all.
   */
  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    if (matchers === undefined || matchers.length === 0) return (this.valuesOfName.all(name) as string[]).sort();
    const values = new Set<string>();
    for (const s of this.matching(matchers)) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }

  /**
   * Streams, chunks, entries and line bytes of the matching streams' chunks that overlap
   * [mint, maxt] (whole chunks: a chunk straddling a bound counts in full, as in Loki).
   */
  stats(matchers: readonly Matcher[], mint: number, maxt: number): LogBlockStats {
    const st: LogBlockStats = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
    if (mint > maxt) return st;
    for (const s of this.matching(matchers)) {
      if (s.maxt < mint || s.mint > maxt) continue;
      const rows = this.chunkRange.all(s.firstChunk, s.firstChunk + s.chunks - 1, mint, maxt) as ChunkTuple[];
      if (rows.length === 0) continue;
      st.streams++;
      st.chunks += rows.length;
      for (const r of rows) {
        st.entries += r[3];
        st.bytes += r[4];
      }
    }
    return st;
  }

  /**
   * Per matching stream, the line bytes of its chunks that overlap [mint, maxt] (whole
   * chunks, as `stats`); streams without such chunks are left out.
   */
  volumes(matchers: readonly Matcher[], mint: number, maxt: number): { labels: Labels; bytes: number }[] {
    const out: { labels: Labels; bytes: number }[] = [];
    if (mint > maxt) return out;
    for (const s of this.matching(matchers)) {
      if (s.maxt < mint || s.mint > maxt) continue;
      const rows = this.chunkRange.all(s.firstChunk, s.firstChunk + s.chunks - 1, mint, maxt) as ChunkTuple[];
      if (rows.length === 0) continue;
      let bytes = 0;
      for (const r of rows) bytes += r[4];
      out.push({ labels: s.labels, bytes });
    }
    return out;
  }

  /**
   * Every stream with its chunk rows (no bytes), in label order, read a page of streams at
   * a time so memory stays small however big the block. For compaction, which loads the
   * bytes it needs with `readChunkData`; other calls may be made between steps.
   */
  *streamRefs(): Generator<{ labels: Labels; chunks: LogChunkRef[] }> {
    let from = 0;
    for (;;) {
      const page = (this.streamPage.all(from) as StreamTuple[]).map((t) => this.streamRow(t));
      if (page.length === 0) return;
      for (const s of page) {
        const rows = this.chunkRange.all(s.firstChunk, s.firstChunk + s.chunks - 1, -Infinity, Infinity) as ChunkTuple[];
        if (rows.length !== s.chunks) throw corrupt(this.path, `stream ${s.id} names ${s.chunks} chunks from ${s.firstChunk}, found ${rows.length}`);
        yield { labels: s.labels, chunks: rows.map(chunkRef) };
      }
      from = page[page.length - 1]!.id + 1;
    }
  }

  /** The compressed bytes of chunk `id` (a fresh buffer). Throws `corrupt_block` for an unknown id. */
  readChunkData(id: number): Uint8Array {
    const data = this.chunkData.get(id) as Uint8Array | undefined;
    if (data === undefined) throw corrupt(this.path, `chunk ${id} is missing`);
    return plainBytes(data);
  }

  /** The needle filter of chunk `id` (a fresh buffer), or null when it has none. */
  readChunkFilter(id: number): Uint8Array | null {
    const f = this.chunkFilter.get(id) as Uint8Array | null | undefined;
    if (f === undefined) throw corrupt(this.path, `chunk ${id} is missing`);
    return f === null ? null : plainBytes(f);
  }

  private chunksOf(s: StreamRow, mint: number, maxt: number, needles: readonly string[] | undefined, counters: LogSelectCounters | undefined): EncodedChunk[] {
    const last = s.firstChunk + s.chunks - 1;
    const out: EncodedChunk[] = [];
    if (needles === undefined) {
      for (const r of this.chunkRange.all(s.firstChunk, last, mint, maxt) as ChunkTuple[]) out.push(this.lazyChunk(chunkRef(r), null));
      if (counters !== undefined) counters.chunksRef += out.length;
      return out;
    }
    for (const r of this.chunkRangeWithFilter.all(s.firstChunk, last, mint, maxt) as [...ChunkTuple, Uint8Array | null][]) {
      const filter = r[6] === null ? null : plainBytes(r[6]);
      if (counters !== undefined) counters.chunksRef++;
      if (filter !== null && !needles.every((n) => mayContain(filter, n))) {
        if (counters !== undefined) counters.chunksSkipped++;
        continue;
      }
      out.push(this.lazyChunk(chunkRef(r as unknown as ChunkTuple), filter));
    }
    return out;
  }

  /**
   * A plain EncodedChunk whose `data` is an own, enumerable getter that reads the bytes on
   * first access and keeps them (so spreading or posting the object reads them too). The
   * filter is attached only when it was read anyway (needle queries).
   */
  private lazyChunk(ref: LogChunkRef, filter: Uint8Array | null): EncodedChunk {
    let data: Uint8Array | undefined = undefined;
    const chunk = { codec: ref.codec, minTMs: ref.minTMs, maxTMs: ref.maxTMs, entries: ref.entries, rawBytes: ref.rawBytes, filter } as { data: Uint8Array } & Omit<EncodedChunk, 'data'>;
    Object.defineProperty(chunk, 'data', {
      enumerable: true,
      get: () => {
        if (data === undefined) {
          if (this.closed) throw new CairnError('internal', 'block_closed', `log block ${this.path} was closed before chunk ${ref.id} was read`);
          data = this.readChunkData(ref.id);
        }
        return data;
      },
    });
    return chunk;
  }

  private streamRow(t: StreamTuple): StreamRow {
    return { id: t[0], labels: decodeLabels(t[1]), firstChunk: t[2], chunks: t[3], mint: t[4], maxt: t[5] };
  }

  /** The streams matching all matchers, in id (= label) order. */
  private *matching(matchers: readonly Matcher[]): Generator<StreamRow> {
    const ids = this.postingsFor(matchers);
    if (ids === undefined) {
      for (const s of this.allStreams()) if (matchesAll(s.labels, matchers)) yield s;
      return;
    }
    for (const id of ids) {
      const t = this.streamById.get(id) as StreamTuple | undefined;
      if (t === undefined) throw corrupt(this.path, `stream ${id} named by postings is missing`);
      const s = this.streamRow(t);
      if (matchesAll(s.labels, matchers)) yield s;
    }
  }

  private *allStreams(): Generator<StreamRow> {
    let from = 0;
    for (;;) {
      const page = this.streamPage.all(from) as StreamTuple[];
      if (page.length === 0) return;
      for (const t of page) yield this.streamRow(t);
      from = page[page.length - 1]![0] + 1;
    }
  }

  /**
   * Candidate stream ids for the matchers, ascending: the intersection of the postings of
   * `=` matchers with a non-empty value and of every other matcher that rejects '' (the
   * union over the label's matching values). Undefined when no matcher narrows the set.
   * Candidates still go through every matcher.
   */
  private postingsFor(matchers: readonly Matcher[]): readonly number[] | undefined {
    const lists: number[][] = [];
    for (const m of matchers) {
      if (m.type === '=' && m.value !== '') {
        const blob = this.postingsOne.get(m.name, m.value) as Uint8Array | undefined;
        if (blob === undefined) return [];
        lists.push(decodePostings(blob));
      } else if (m.type !== '=' && !m.matches('')) {
        const union: number[] = [];
        for (const [v, blob] of this.postingsOfName.all(m.name) as [string, Uint8Array][]) if (m.matches(v)) decodePostings(blob, union);
        if (union.length === 0) return [];
        // A stream has one value per name, so the parts are disjoint: sorting suffices.
        lists.push(union.sort((a, b) => a - b));
      }
    }
    if (lists.length === 0) return undefined;
    return intersectAll(lists);
  }
}

/** better-sqlite3 returns Buffers: hand out plain Uint8Arrays (no copy), as the rest of the store does. */
function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function chunkRef(r: ChunkTuple): LogChunkRef {
  return { id: r[0], minTMs: r[1], maxTMs: r[2], entries: r[3], rawBytes: r[4], codec: r[5] };
}

