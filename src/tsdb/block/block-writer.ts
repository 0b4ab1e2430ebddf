/**
 * Writes one immutable block: a SQLite file `<dir>/<ulid>.tmp` holding the series (labels
 * as symbol ids, all chunks of a series together), postings and the block's meta. The
 * caller renames it to `<ulid>.db` once it is ready to be seen (FORMAT.md).
 *
 * The file is built with SQLite's journal and syncs off: nobody reads a `.tmp`, a crash
 * leaves a `.tmp` that startup deletes, and one fsync at the end makes the finished file
 * durable before the caller's rename can publish it.
 */
import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareLabels, type Labels } from '../../model/labels.js';
import { ByteWriter } from '../../util/bytes.js';
import { assert, CairnError } from '../../util/errors.js';
import { chunkMint, chunkNumSamples, DenseChunkEncoder, encodeGroupSeries, encodePostings, encodeSymbolPage } from './block-codec.js';
import { BLOCK_FORMAT_VERSION, XOR_BLOCK_FORMAT_VERSION, type BlockFormatVersion, type BlockMeta, type SeriesInput } from './block-meta.js';
import { BLOCK_APPLICATION_ID, createBlockDb, type BlockDb } from './block-sqlite.js';

/** Suffix of a block file while it is written; never opened by readers. */
export const BLOCK_TMP_SUFFIX = '.tmp';
/** Suffix of a finished, published block file. */
export const BLOCK_SUFFIX = '.db';

/** `<dir>/<ulid>.tmp`: where `writeBlock` writes. */
export function blockTmpPath(dir: string, ulid: string): string {
  return join(dir, ulid + BLOCK_TMP_SUFFIX);
}

/** `<dir>/<ulid>.db`: where a published block lives. */
export function blockPath(dir: string, ulid: string): string {
  return join(dir, ulid + BLOCK_SUFFIX);
}

/**
 * Most series per row of the `series` table. A row costs about 8 bytes of SQLite framing
 * and series in one row share label prefixes, so grouping saves ~20 bytes a series (1 byte
 * a sample at 20 samples a series). A point lookup then decodes up to 15 neighbours'
 * labels and skips their chunks: a few microseconds.
 */
export const DEFAULT_SERIES_PER_GROUP = 16;

/**
 * A row is closed once its blob reaches this size, whatever its series count. Rows that
 * are a large fraction of a page leave the rest of the page empty or spill into overflow
 * pages (fixed 16-series rows measured 5.47 B/sample against 5.34 for 10k series × 200
 * samples, bench/block.bench.ts); rows of at most ~1/16 page waste a few percent.
 */
export const DEFAULT_GROUP_TARGET_BYTES = 4096;

/**
 * SQLite page size. Series groups hold several KiB of chunks once series have hundreds
 * of samples; with 4 KiB pages they spill into overflow chains and leave partly filled
 * pages. 64 KiB (SQLite's largest) with 4 KiB rows measured smallest for both shapes of
 * bench/block.bench.ts (VARIANTS=1: 4 KiB pages cost 0.4-0.8 B/sample more); reads
 * are sequential within a block, so large pages cost little.
 */
export const DEFAULT_PAGE_SIZE_BYTES = 65536;

/**
 * Symbols per row of the `symbols` table: rows of ~10 KiB amortise row framing while
 * the table of a small block stays one row.
 */
const SYMBOLS_PER_PAGE = 1024;

/** Options of `writeBlock`. */
export interface WriteBlockOptions {
  readonly dir: string;
  readonly ulid: string;
  /** Series in strictly increasing `compareLabels` order, chunks sorted by mint. */
  readonly series: Iterable<SeriesInput>;
  readonly level: number;
  /** Leaf ULIDs; `[ulid]` for a head-written block. Stored sorted. */
  readonly sources: readonly string[];
  /** Direct inputs; `[]` for a head-written block. */
  readonly parents: readonly string[];
  /** Tuning for benchmarks and tests; see DEFAULT_SERIES_PER_GROUP. */
  readonly seriesPerGroup?: number;
  /** Tuning for benchmarks and tests; see DEFAULT_GROUP_TARGET_BYTES. */
  readonly groupTargetBytes?: number;
  /** Tuning for benchmarks and tests; see DEFAULT_PAGE_SIZE_BYTES. */
  readonly pageSizeBytes?: number;
  /**
   * The file format: BLOCK_FORMAT_VERSION (dense chunks, the default) or
   * XOR_BLOCK_FORMAT_VERSION (Prometheus XOR chunks as they are: what Cairn wrote before
   * format 2; kept so tests and benchmarks can write it and readers be checked on it).
   */
  readonly formatVersion?: BlockFormatVersion;
}

/** The schema (FORMAT.md). Tables are created after `page_size` is set. */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
CREATE TABLE symbols (page INTEGER PRIMARY KEY, strings BLOB NOT NULL);
CREATE TABLE series (grp INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE postings (name INTEGER NOT NULL, value INTEGER NOT NULL, ids BLOB NOT NULL, PRIMARY KEY (name, value)) WITHOUT ROWID;
`;
/** Format 2's shared timestamp columns. */
const TIMES_SCHEMA = 'CREATE TABLE times (id INTEGER PRIMARY KEY, data BLOB NOT NULL);';

/** Meta-table key of the BlockMeta JSON. */
export const META_KEY = 'meta';
/** Meta-table key of the first series id of every `series` row (a postings-encoded blob). */
export const GROUP_STARTS_KEY = 'group_starts';

/**
 * Writes `<dir>/<ulid>.tmp` (replacing a leftover of that name), fsyncs and closes it, and
 * returns its meta; does not rename. Series without chunks are skipped; series ids are
 * positions in label order among the series written.
 *
 * Throws a CairnError (kind `internal`, reason `empty_block`) when no series has a chunk,
 * and lets I/O errors through; in both cases the `.tmp` is removed. Out-of-order series or
 * chunks are bugs (assert).
 */
export function writeBlock(opts: WriteBlockOptions): BlockMeta {
  const path = blockTmpPath(opts.dir, opts.ulid);
  rmSync(path, { force: true });
  const db = createBlockDb(path);
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

function fill(db: BlockDb, opts: WriteBlockOptions): BlockMeta {
  const seriesPerGroup = opts.seriesPerGroup ?? DEFAULT_SERIES_PER_GROUP;
  const groupTargetBytes = opts.groupTargetBytes ?? DEFAULT_GROUP_TARGET_BYTES;
  assert(Number.isInteger(seriesPerGroup) && seriesPerGroup >= 1, `series per group ${seriesPerGroup} is not a positive integer`);
  db.pragma(`page_size = ${opts.pageSizeBytes ?? DEFAULT_PAGE_SIZE_BYTES}`);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma(`application_id = ${BLOCK_APPLICATION_ID}`);
  const version = opts.formatVersion ?? BLOCK_FORMAT_VERSION;
  db.pragma(`user_version = ${version}`);
  db.exec(SCHEMA);
  if (version !== XOR_BLOCK_FORMAT_VERSION) db.exec(TIMES_SCHEMA);
  db.exec('BEGIN');

  const insertGroup = db.prepare('INSERT INTO series (grp, data) VALUES (?, ?)');
  let dense: DenseChunkEncoder | undefined = undefined;
  if (version !== XOR_BLOCK_FORMAT_VERSION) {
    const insertTimes = db.prepare('INSERT INTO times (id, data) VALUES (?, ?)');
    dense = new DenseChunkEncoder((id, column) => insertTimes.run(id, column));
  }
  // Symbol ids in order of first appearance: the writer streams, so it cannot sort them
  // up front. Readers sort strings where order matters (label names and values).
  const symbolIds = new Map<string, number>();
  const symbols: string[] = [];
  const symbol = (s: string): number => {
    let id = symbolIds.get(s);
    if (id === undefined) {
      id = symbols.length;
      symbolIds.set(s, id);
      symbols.push(s);
    }
    return id;
  };
  // postings[nameId] maps valueId -> ascending series ids.
  const postings: Map<number, number[]>[] = [];

  const group = new ByteWriter(1 << 16);
  let groupIndex = 0;
  let inGroup = 0;
  let prevPairs: number[] = [];
  let prevLabels: Labels | undefined = undefined;
  let numSeries = 0;
  let numChunks = 0;
  let numSamples = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;

  const groupStarts: number[] = [];
  const flushGroup = () => {
    if (inGroup === 0) return;
    groupStarts.push(numSeries - inGroup);
    insertGroup.run(groupIndex++, group.view_());
    group.reset();
    inGroup = 0;
  };

  for (const s of opts.series) {
    assert(prevLabels === undefined || compareLabels(prevLabels, s.labels) < 0, 'block series must arrive in strictly increasing label order');
    prevLabels = s.labels;
    if (s.chunks.length === 0) continue;
    let prevMint = -Infinity;
    for (const c of s.chunks) {
      assert(c.mint >= prevMint, 'chunks of a block series must be sorted by mint');
      if (c.times === undefined) {
        assert(chunkNumSamples(c.bytes) === c.numSamples && c.numSamples > 0, `chunk header counts ${chunkNumSamples(c.bytes)} samples, chunk says ${c.numSamples}`);
        assert(chunkMint(c.bytes) === c.mint, `chunk starts at ${chunkMint(c.bytes)}, chunk says mint ${c.mint}`);
      } else {
        assert(c.times.length === c.numSamples && c.numSamples > 0 && c.times[0] === c.mint, `dense chunk of ${c.times.length} samples from ${c.times[0]} says ${c.numSamples} from ${c.mint}`);
        assert(dense !== undefined, 'a dense chunk cannot be written to a format-1 block');
      }
      prevMint = c.mint;
      numSamples += c.numSamples;
      if (c.mint < minTime) minTime = c.mint;
      if (c.maxt > maxTime) maxTime = c.maxt;
    }
    numChunks += s.chunks.length;

    const id = numSeries++;
    const pairs = new Array<number>(s.labels.length * 2);
    for (let i = 0; i < s.labels.length; i++) {
      const l = s.labels[i]!;
      const n = symbol(l.name);
      const v = symbol(l.value);
      pairs[i * 2] = n;
      pairs[i * 2 + 1] = v;
      const byValue = postings[n] ?? (postings[n] = new Map());
      const ids = byValue.get(v);
      if (ids === undefined) byValue.set(v, [id]);
      else ids.push(id);
    }
    let shared = 0;
    if (inGroup > 0) {
      const max = Math.min(pairs.length, prevPairs.length);
      while (shared * 2 < max && pairs[shared * 2] === prevPairs[shared * 2] && pairs[shared * 2 + 1] === prevPairs[shared * 2 + 1]) shared++;
    }
    encodeGroupSeries(group, pairs, shared, s.chunks, dense);
    prevPairs = pairs;
    if (++inGroup === seriesPerGroup || group.length >= groupTargetBytes) flushGroup();
  }
  flushGroup();
  if (numSeries === 0) {
    throw new CairnError('internal', 'empty_block', `block ${opts.ulid} would hold no samples; not written`);
  }

  const insertSymbols = db.prepare('INSERT INTO symbols (page, strings) VALUES (?, ?)');
  for (let p = 0; p * SYMBOLS_PER_PAGE < symbols.length; p++) {
    insertSymbols.run(p, encodeSymbolPage(symbols.slice(p * SYMBOLS_PER_PAGE, (p + 1) * SYMBOLS_PER_PAGE)));
  }
  // Insert in key order so the WITHOUT ROWID b-tree is built by appends (full pages).
  const insertPostings = db.prepare('INSERT INTO postings (name, value, ids) VALUES (?, ?, ?)');
  for (let n = 0; n < postings.length; n++) {
    const byValue = postings[n];
    if (byValue === undefined) continue;
    for (const v of [...byValue.keys()].sort((a, b) => a - b)) insertPostings.run(n, v, encodePostings(byValue.get(v)!));
  }

  const meta: BlockMeta = {
    ulid: opts.ulid,
    minTime,
    maxTime,
    numSeries,
    numChunks,
    numSamples,
    level: opts.level,
    sources: [...opts.sources].sort(),
    parents: [...opts.parents],
    version,
  };
  const insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  insertMeta.run(META_KEY, JSON.stringify(meta));
  insertMeta.run(GROUP_STARTS_KEY, encodePostings(groupStarts));
  db.exec('COMMIT');
  return meta;
}
