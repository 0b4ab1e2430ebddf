/**
 * Writes one immutable log block: a SQLite file `<dir>/<ulid>.tmp` holding the streams
 * (labels), postings, the chunks (compressed, each with its needle filter) and the
 * block's meta. The caller renames it to `<ulid>.db` once it is ready to be seen
 * (FORMAT.md), as for metrics blocks.
 *
 * The file is built with SQLite's journal and syncs off: nobody reads a `.tmp`, a crash
 * leaves a `.tmp` that startup deletes, and one fsync at the end makes the finished file
 * durable before the caller's rename can publish it.
 */
import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareLabels, type Labels } from '../../model/labels.js';
import { assert, CairnError } from '../../util/errors.js';
import { codecId } from '../chunk/codec.js';
import { encodeLabels, encodePostings } from './log-block-codec.js';
import { LOG_BLOCK_FORMAT_VERSION, type LogBlockMeta, type LogStreamInput } from './log-block-meta.js';
import { createLogBlockDb, LOG_BLOCK_APPLICATION_ID, type LogBlockDb } from './log-block-sqlite.js';

/** Suffix of a block file while it is written; never opened by readers. */
export const LOG_BLOCK_TMP_SUFFIX = '.tmp';
/** Suffix of a finished, published block file. */
export const LOG_BLOCK_SUFFIX = '.db';

/** `<dir>/<ulid>.tmp`: where `writeLogBlock` writes. */
export function logBlockTmpPath(dir: string, ulid: string): string {
  return join(dir, ulid + LOG_BLOCK_TMP_SUFFIX);
}

/** `<dir>/<ulid>.db`: where a published block lives. */
export function logBlockPath(dir: string, ulid: string): string {
  return join(dir, ulid + LOG_BLOCK_SUFFIX);
}

/**
 * SQLite page size of log blocks. Chunk blobs are tens to hundreds of KiB, so every chunk
 * row spills into an overflow chain whose last page is on average half empty: 4 KiB
 * pages waste ~2 KiB a chunk (about 1 % of a compacted chunk), where the metrics blocks'
 * 64 KiB pages would waste ~32 KiB (a third of a 100 KiB chunk). Reads are sequential
 * within a chain, so small pages cost little (bench/logs-codec.bench.ts, "disk").
 */
export const DEFAULT_LOG_PAGE_SIZE_BYTES = 4096;

/** Options of `writeLogBlock`. */
export interface WriteLogBlockOptions {
  readonly dir: string;
  readonly ulid: string;
  /** Streams in strictly increasing `compareLabels` order, chunks sorted by minTMs. */
  readonly streams: Iterable<LogStreamInput>;
  readonly level: number;
  /** Leaf ULIDs; `[ulid]` for a head-written block. Stored sorted. */
  readonly sources: readonly string[];
  /** Direct inputs; `[]` for a head-written block. */
  readonly parents: readonly string[];
  /** Tuning for benchmarks and tests; see DEFAULT_LOG_PAGE_SIZE_BYTES. */
  readonly pageSizeBytes?: number;
}

/** The schema (FORMAT.md). Tables are created after `page_size` is set. */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
CREATE TABLE streams (id INTEGER PRIMARY KEY, labels BLOB NOT NULL, first_chunk INTEGER NOT NULL, chunks INTEGER NOT NULL, mint INTEGER NOT NULL, maxt INTEGER NOT NULL, entries INTEGER NOT NULL, raw_bytes INTEGER NOT NULL);
CREATE TABLE postings (name TEXT NOT NULL, value TEXT NOT NULL, ids BLOB NOT NULL, PRIMARY KEY (name, value)) WITHOUT ROWID;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, mint INTEGER NOT NULL, maxt INTEGER NOT NULL, entries INTEGER NOT NULL, raw_bytes INTEGER NOT NULL, codec INTEGER NOT NULL, filter BLOB, data BLOB NOT NULL);
`;

/** Meta-table key of the LogBlockMeta JSON. */
export const LOG_META_KEY = 'meta';

/**
 * Writes `<dir>/<ulid>.tmp` (replacing a leftover of that name), fsyncs and closes it, and
 * returns its meta; does not rename. Streams without chunks are skipped; stream ids are
 * positions in label order among the streams written, chunk ids positions in (stream,
 * minTMs) order, so a stream's chunks are one id range.
 *
 * Throws a CairnError (kind `internal`, reason `empty_block`) when no stream has a chunk,
 * and lets I/O errors and the streams' own errors through; in every case the `.tmp` is
 * removed. Out-of-order streams or chunks are bugs (assert).
 */
export function writeLogBlock(opts: WriteLogBlockOptions): LogBlockMeta {
  const path = logBlockTmpPath(opts.dir, opts.ulid);
  rmSync(path, { force: true });
  const db = createLogBlockDb(path);
  try {
    const meta = fill(db, opts);
    db.close();
    const fd = openSync(path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return meta;
  } catch (e) {
    db.close();
    rmSync(path, { force: true });
    throw e;
  }
}

function fill(db: LogBlockDb, opts: WriteLogBlockOptions): LogBlockMeta {
  db.pragma(`page_size = ${opts.pageSizeBytes ?? DEFAULT_LOG_PAGE_SIZE_BYTES}`);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma(`application_id = ${LOG_BLOCK_APPLICATION_ID}`);
  db.pragma(`user_version = ${LOG_BLOCK_FORMAT_VERSION}`);
  db.exec(SCHEMA);
  db.exec('BEGIN');

  const insertChunk = db.prepare('INSERT INTO chunks (id, stream, mint, maxt, entries, raw_bytes, codec, filter, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertStream = db.prepare('INSERT INTO streams (id, labels, first_chunk, chunks, mint, maxt, entries, raw_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  // postings: name -> value -> ascending stream ids. Log blocks hold thousands of streams,
  // so these maps stay small.
  const postings = new Map<string, Map<string, number[]>>();

  let prevLabels: Labels | undefined = undefined;
  let numStreams = 0;
  let numChunks = 0;
  let numEntries = 0;
  let rawBytes = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;

  for (const s of opts.streams) {
    assert(prevLabels === undefined || compareLabels(prevLabels, s.labels) < 0, 'log block streams must arrive in strictly increasing label order');
    prevLabels = s.labels;
    const id = numStreams;
    const firstChunk = numChunks;
    let smin = Infinity;
    let smax = -Infinity;
    let sentries = 0;
    let sbytes = 0;
    let prevMin = -Infinity;
    for (const c of s.chunks) {
      assert(c.minTMs >= prevMin, 'chunks of a log block stream must be sorted by minTMs');
      assert(c.entries > 0 && c.minTMs <= c.maxTMs, `chunk of ${c.entries} entries over [${c.minTMs}, ${c.maxTMs}] ms`);
      prevMin = c.minTMs;
      insertChunk.run(numChunks++, id, c.minTMs, c.maxTMs, c.entries, c.rawBytes, codecId(c.codec), c.filter, c.data);
      if (c.minTMs < smin) smin = c.minTMs;
      if (c.maxTMs > smax) smax = c.maxTMs;
      sentries += c.entries;
      sbytes += c.rawBytes;
    }
    if (numChunks === firstChunk) continue;
    numStreams++;
    insertStream.run(id, encodeLabels(s.labels), firstChunk, numChunks - firstChunk, smin, smax, sentries, sbytes);
    for (const l of s.labels) {
      let byValue = postings.get(l.name);
      if (byValue === undefined) postings.set(l.name, (byValue = new Map()));
      const ids = byValue.get(l.value);
      if (ids === undefined) byValue.set(l.value, [id]);
      else ids.push(id);
    }
    numEntries += sentries;
    rawBytes += sbytes;
    if (smin < minTime) minTime = smin;
    if (smax > maxTime) maxTime = smax;
  }
  if (numStreams === 0) {
    throw new CairnError('internal', 'empty_block', `log block ${opts.ulid} would hold no entries; not written`);
  }

  // Insert in key order so the WITHOUT ROWID b-tree is built by appends (full pages).
  const insertPostings = db.prepare('INSERT INTO postings (name, value, ids) VALUES (?, ?, ?)');
  for (const name of [...postings.keys()].sort()) {
    const byValue = postings.get(name)!;
    for (const value of [...byValue.keys()].sort()) insertPostings.run(name, value, encodePostings(byValue.get(value)!));
  }

  const meta: LogBlockMeta = {
    ulid: opts.ulid,
    minTime,
    maxTime,
    numStreams,
    numChunks,
    numEntries,
    rawBytes,
    level: opts.level,
    sources: [...opts.sources].sort(),
    parents: [...opts.parents],
    version: LOG_BLOCK_FORMAT_VERSION,
  };
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(LOG_META_KEY, JSON.stringify(meta));
  db.exec('COMMIT');
  return meta;
}
