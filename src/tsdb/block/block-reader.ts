/**
 * Reads one published block file (`<ulid>.db`) on the main thread: series by label
 * matchers and time range, label names and values, and a streaming scan of every series
 * for compaction. Synchronous; every call is a few indexed SQLite reads plus decoding.
 */
import { existsSync } from 'node:fs';
import type { Label } from '../../model/labels.js';
import { matchesAll, type Matcher } from '../../model/matcher.js';
import { CairnError } from '../../util/errors.js';
import { decodeTimes } from '../chunkenc/dense.js';
import { decodePostings, decodeSymbolPage, GroupDecoder, type TimesResolver } from './block-codec.js';
import { BLOCK_FORMAT_VERSION, XOR_BLOCK_FORMAT_VERSION, type BlockMeta, type BlockSeries } from './block-meta.js';
import { BLOCK_APPLICATION_ID, openBlockDb, type BlockDb, type BlockStatement } from './block-sqlite.js';
import { BLOCK_SUFFIX, BLOCK_TMP_SUFFIX, META_KEY, GROUP_STARTS_KEY } from './block-writer.js';
import { intersectAll } from '../../util/sorted-ids.js';

/**
 * Wanted groups at most this many groups apart are read by one range query rather than
 * one query each: a query costs about as much as decoding a few unwanted groups.
 */
const MAX_GROUP_GAP = 4;

/**
 * Decoded timestamp columns a reader keeps (format 2), in samples: 256 Ki (2 MiB). A tenant
 * has a reader per block (a month of daily blocks and more), so the bound is per reader
 * and small; columns are shared by the series of a scrape target, so a few hundred targets'
 * columns fit. Past the bound the cache starts over (a lookup and decode each: ~µs).
 */
const MAX_CACHED_TIMES_SAMPLES = 262_144;

function corrupt(path: string, what: string): CairnError {
  return new CairnError('internal', 'corrupt_block', `corrupt block ${path}: ${what}`);
}

/**
 * A read-only view of one block file. Not safe to use from two threads (it is a SQLite
 * connection); calls are synchronous and return data the caller owns. While a `series()`
 * iteration is in progress no other method may be called (SQLite keeps the connection
 * busy). The caller calls `close()` once no query uses the block any more.
 */
export class BlockReader {
  /** The block's meta, as stored in the file. */
  readonly meta: BlockMeta;
  /** First series id of each `series` row, plus numSeries at the end. */
  private readonly groupStarts: Int32Array;
  private readonly groupRange: BlockStatement;
  private readonly postingsOne: BlockStatement;
  private readonly postingsOfName: BlockStatement;
  private readonly valuesOfName: BlockStatement;
  private readonly nextName: BlockStatement;
  // The symbol table is loaded on first use and kept: about the size of the block's
  // distinct label strings (tens of bytes each), which is what the head already holds for
  // live series; loading it per query would cost a full-table read each time. The map
  // from string to id, needed only by `=` matchers and name lookups, is built lazily too.
  private syms: string[] | undefined = undefined;
  private symIds: Map<string, number> | undefined = undefined;
  /** Format 2: decoded shared timestamp columns by row id, and how to fetch one (undefined for format 1). */
  private readonly timesCache = new Map<number, Float64Array>();
  private timesCached = 0;
  private readonly timesRow: BlockStatement | undefined;
  private readonly resolveTimes: TimesResolver | undefined;

  private constructor(
    readonly path: string,
    private readonly db: BlockDb,
  ) {
    const appId = db.pragma('application_id', { simple: true });
    const version = db.pragma('user_version', { simple: true });
    if (appId !== BLOCK_APPLICATION_ID) throw corrupt(path, `application_id ${String(appId)} is not a cairn block's`);
    if (version !== BLOCK_FORMAT_VERSION && version !== XOR_BLOCK_FORMAT_VERSION) {
      throw corrupt(path, `format version ${String(version)}, this cairn reads ${XOR_BLOCK_FORMAT_VERSION} and ${BLOCK_FORMAT_VERSION}`);
    }
    const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    const metaJson = getMeta.get(META_KEY) as string | undefined;
    const starts = getMeta.get(GROUP_STARTS_KEY) as Uint8Array | undefined;
    if (metaJson === undefined || starts === undefined) throw corrupt(path, 'meta table lacks the meta or the group starts');
    this.meta = JSON.parse(metaJson) as BlockMeta;
    // One int per row (~1/16 of the series): small enough to keep, and it saves a query
    // per lookup.
    this.groupStarts = Int32Array.from([...decodePostings(starts), this.meta.numSeries]);
    this.groupRange = db.prepare('SELECT grp, data FROM series WHERE grp BETWEEN ? AND ? ORDER BY grp').raw();
    this.postingsOne = db.prepare('SELECT ids FROM postings WHERE name = ? AND value = ?').pluck();
    this.postingsOfName = db.prepare('SELECT value, ids FROM postings WHERE name = ?').raw();
    this.valuesOfName = db.prepare('SELECT value FROM postings WHERE name = ?').pluck();
    this.nextName = db.prepare('SELECT name FROM postings WHERE name > ? ORDER BY name LIMIT 1').pluck();
    if (version === XOR_BLOCK_FORMAT_VERSION) {
      this.timesRow = undefined;
      this.resolveTimes = undefined;
    } else {
      this.timesRow = db.prepare('SELECT data FROM times WHERE id = ?').pluck();
      this.resolveTimes = (id) => this.times(id);
    }
  }

  /** The decoded timestamp column `id` (format 2), from the cache or the `times` table. */
  private times(id: number): Float64Array {
    const hit = this.timesCache.get(id);
    if (hit !== undefined) return hit;
    const blob = this.timesRow!.get(id) as Uint8Array | undefined;
    if (blob === undefined) throw corrupt(this.path, `timestamp column ${id} is missing`);
    return this.cacheTimes(id, decodeTimes(blob));
  }

  private cacheTimes(id: number, ts: Float64Array): Float64Array {
    if (this.timesCached + ts.length > MAX_CACHED_TIMES_SAMPLES) {
      this.timesCache.clear();
      this.timesCached = 0;
    }
    this.timesCache.set(id, ts);
    this.timesCached += ts.length;
    return ts;
  }

  /**
   * Loads every timestamp column (format 2) before a `series()` scan, during which the
   * connection cannot run another statement. A block of series that share timestamps has
   * few; a block of series that share none has none in the table (they are inline).
   */
  private loadAllTimes(): void {
    if (this.timesRow === undefined) return;
    this.timesCache.clear();
    this.timesCached = 0;
    for (const [id, blob] of this.db.prepare('SELECT id, data FROM times').raw().iterate() as IterableIterator<[number, Uint8Array]>) {
      const ts = decodeTimes(blob);
      this.timesCache.set(id, ts);
      this.timesCached += ts.length;
    }
  }

  /**
   * Opens the block file at `path`, which must name a published block (`….db`). Throws a
   * CairnError: reason `invalid_block_path` for any other name (a `.tmp` is an
   * unfinished block and is never read), `block_not_found` when the file does not exist
   * (saying so when only its `.tmp` does), `corrupt_block` when it is not a Cairn block of
   * a version this code reads.
   */
  static open(path: string): BlockReader {
    if (!path.endsWith(BLOCK_SUFFIX)) {
      throw new CairnError('internal', 'invalid_block_path', `block path ${path} does not end in ${BLOCK_SUFFIX}; only published blocks are read`);
    }
    if (!existsSync(path)) {
      const tmp = path.slice(0, -BLOCK_SUFFIX.length) + BLOCK_TMP_SUFFIX;
      const hint = existsSync(tmp) ? `; only the unfinished ${tmp} exists, which is never read as a block` : '';
      throw new CairnError('internal', 'block_not_found', `block file ${path} does not exist${hint}`);
    }
    const db = openBlockDb(path);
    try {
      return new BlockReader(path, db);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Releases the SQLite connection. The reader must not be used afterwards. */
  close(): void {
    this.db.close();
  }

  /**
   * The series matching every matcher, sorted by labels, each with only its chunks that
   * overlap [mint, maxt] (inclusive ms); series with no such chunk are left out. With no
   * matchers every series matches. Chunk bytes are views of fresh buffers: the caller may
   * keep them.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): BlockSeries[] {
    if (mint > maxt) return [];
    return this.scan(matchers, true, mint, maxt);
  }

  /**
   * Label names, sorted. Without matchers, every name in the index; with matchers, the
   * names of the series that match them all (over the whole block).
   */
  labelNames(matchers?: readonly Matcher[]): string[] {
    const syms = this.symbols();
    if (matchers === undefined || matchers.length === 0) {
      const out: string[] = [];
      // Skip-scan the postings key: one seek per distinct name, however many values.
      let n = this.nextName.get(-1) as number | undefined;
      while (n !== undefined) {
        out.push(syms[n]!);
        n = this.nextName.get(n) as number | undefined;
      }
      return out.sort();
    }
    const names = new Set<string>();
    for (const s of this.scan(matchers, false, -Infinity, Infinity)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  /**
   * Values of label `name`, sorted, never ''. Without matchers, from the index; with
   * matchers, the values among the series that match them all.
   */
  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    if (matchers === undefined || matchers.length === 0) {
      const nameId = this.symbolId(name);
      if (nameId === undefined) return [];
      const syms = this.symbols();
      return (this.valuesOfName.all(nameId) as number[]).map((v) => syms[v]!).sort();
    }
    const values = new Set<string>();
    for (const s of this.scan(matchers, false, -Infinity, Infinity)) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }

  /**
   * Every series with all its chunks, in label order, read one group at a time (memory
   * stays at one group however big the block). For compaction. No other method of this
   * reader may be called until the iteration ends or is abandoned with `return()`.
   */
  *series(): Generator<BlockSeries> {
    const syms = this.symbols();
    this.loadAllTimes();
    // No statement may run while the scan iterates: the scan resolves from the full cache.
    const all = this.timesCache;
    const resolve: TimesResolver | undefined =
      this.resolveTimes === undefined
        ? undefined
        : (id) => {
            const ts = all.get(id);
            if (ts === undefined) throw corrupt(this.path, `timestamp column ${id} is missing`);
            return ts;
          };
    for (const row of this.groupRange.iterate(0, Number.MAX_SAFE_INTEGER) as IterableIterator<[number, Uint8Array]>) {
      const dec = new GroupDecoder(row[1], resolve);
      let prev: Label[] = [];
      while (dec.more) {
        dec.nextLabels();
        prev = materialize(dec, syms, prev);
        yield { labels: prev, chunks: dec.chunks(-Infinity, Infinity) };
      }
    }
  }

  /** The matching series, with chunks clipped to [mint, maxt] when `withChunks`. */
  private scan(matchers: readonly Matcher[], withChunks: boolean, mint: number, maxt: number): BlockSeries[] {
    const syms = this.symbols();
    const ids = this.postingsFor(matchers);
    const out: BlockSeries[] = [];
    if (ids !== undefined && ids.length === 0) return out;
    const starts = this.groupStarts;
    const numGroups = starts.length - 1;
    // Walk the wanted ids (all of them when `ids` is undefined) in step with the rows.
    let next = 0; // index into ids
    let g = ids === undefined ? 0 : groupOf(starts, ids[0]!, 0);
    while (g < numGroups && (ids === undefined || next < ids.length)) {
      // Extend the range while the next wanted group is close.
      let last = g;
      if (ids === undefined) {
        last = numGroups - 1;
      } else {
        let k = next;
        while (k < ids.length) {
          const gk = groupOf(starts, ids[k]!, last);
          if (gk - last > MAX_GROUP_GAP) break;
          last = gk;
          // Skip the ids of the same group.
          while (k < ids.length && ids[k]! < starts[last + 1]!) k++;
        }
      }
      for (const row of this.groupRange.all(g, last) as [number, Uint8Array][]) {
        const grp = row[0];
        const dec = new GroupDecoder(row[1], this.resolveTimes);
        let id = starts[grp]!;
        let prev: Label[] | undefined = undefined;
        while (dec.more) {
          dec.nextLabels();
          const wanted = ids === undefined || (next < ids.length && ids[next] === id);
          if (!wanted) {
            dec.skipChunks();
            prev = undefined;
            id++;
            continue;
          }
          next++;
          id++;
          const labels = materialize(dec, syms, prev);
          prev = labels;
          if (!matchesAll(labels, matchers)) {
            dec.skipChunks();
            continue;
          }
          if (!withChunks) {
            dec.skipChunks();
            out.push({ labels, chunks: [] });
            continue;
          }
          const chunks = dec.chunks(mint, maxt);
          if (chunks.length > 0) out.push({ labels, chunks });
        }
      }
      if (ids === undefined) break;
      if (next < ids.length && ids[next]! < starts[last + 1]!) throw corrupt(this.path, `series ${ids[next]} named by postings is missing`);
      g = next < ids.length ? groupOf(starts, ids[next]!, last) : numGroups;
    }
    return out;
  }

  /**
   * Candidate series ids for the matchers, ascending: the intersection of the postings of
   * `=` matchers with a non-empty value and of every other matcher that rejects '' (the
   * union over the label's matching values). Undefined when no matcher narrows the set
   * (every series is a candidate). Candidates still go through every matcher.
   */
  private postingsFor(matchers: readonly Matcher[]): ArrayLike<number> | undefined {
    const syms = this.symbols();
    const lists: ArrayLike<number>[] = [];
    for (const m of matchers) {
      if (m.type === '=' && m.value !== '') {
        const n = this.symbolId(m.name);
        const v = this.symbolId(m.value);
        if (n === undefined || v === undefined) return [];
        const blob = this.postingsOne.get(n, v) as Uint8Array | undefined;
        if (blob === undefined) return [];
        lists.push(decodePostings(blob));
      } else if (m.type !== '=' && !m.matches('')) {
        const n = this.symbolId(m.name);
        if (n === undefined) return [];
        const union: number[] = [];
        let parts = 0;
        for (const [v, blob] of this.postingsOfName.all(n) as [number, Uint8Array][]) {
          if (!m.matches(syms[v]!)) continue;
          decodePostings(blob, union);
          parts++;
        }
        if (union.length === 0) return [];
        // A series has one value per name, so the parts are disjoint: sorting suffices.
        lists.push(parts === 1 ? union : Int32Array.from(union).sort());
      }
    }
    if (lists.length === 0) return undefined;
    return intersectAll(lists);
  }

  private symbols(): string[] {
    if (this.syms === undefined) {
      const syms: string[] = [];
      for (const blob of this.db.prepare('SELECT strings FROM symbols ORDER BY page').pluck().all() as Uint8Array[]) decodeSymbolPage(blob, syms);
      this.syms = syms;
    }
    return this.syms;
  }

  private symbolId(s: string): number | undefined {
    if (this.symIds === undefined) {
      const syms = this.symbols();
      const m = new Map<string, number>();
      for (let i = 0; i < syms.length; i++) m.set(syms[i]!, i);
      this.symIds = m;
    }
    return this.symIds.get(s);
  }
}

/**
 * The decoder's current labels as `Label` objects, reusing the shared prefix from `prev`
 * (the previous series' labels, when they were materialized) so that series of one group
 * share objects as they share text.
 */
function materialize(dec: GroupDecoder, syms: readonly string[], prev: readonly Label[] | undefined): Label[] {
  const n = dec.pairCount;
  const pairs = dec.pairs;
  const out = new Array<Label>(n);
  let i = 0;
  if (prev !== undefined) for (; i < dec.shared; i++) out[i] = prev[i]!;
  for (; i < n; i++) out[i] = { name: syms[pairs[i * 2]!]!, value: syms[pairs[i * 2 + 1]!]! };
  return out;
}

/**
 * The row holding series `id`: the last g >= `from` with starts[g] <= id, by binary
 * search (ids arrive ascending, so `from` only grows).
 */
function groupOf(starts: Int32Array, id: number, from: number): number {
  let lo = from;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= id) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

