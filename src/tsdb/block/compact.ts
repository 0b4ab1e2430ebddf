/**
 * Compaction: merges N blocks into one. Series are merged by labels with one cursor per
 * source (a k-way merge that holds one series group per source in memory). Per series,
 * chunks that overlap no other chunk are kept as they are (a dense chunk's values column
 * and timestamps go to the writer untouched; an XOR chunk from a format-1 block is
 * transcoded by it); overlapping chunks are decoded, merged by timestamp with duplicates
 * dropped, and re-encoded.
 */
import { compareLabels } from '../../model/labels.js';
import { chunkIterator } from '../chunkenc/chunk-iterator.js';
import { SAMPLES_PER_CHUNK, XorChunk } from '../chunkenc/xor.js';
import type { ClosedChunk } from '../chunkenc/xor-open.js';
import type { BlockMeta, BlockSeries, SeriesInput } from './block-meta.js';
import { BlockReader } from './block-reader.js';
import { writeBlock } from './block-writer.js';

/** Options of `compactBlocks`. */
export interface CompactBlocksOptions {
  /** Directory of the output `<ulid>.tmp`. */
  readonly dir: string;
  /** ULID of the new block. */
  readonly ulid: string;
  /** Paths of the published source blocks (`….db`), in priority order (see below). */
  readonly sources: readonly string[];
}

/** A chunk and the index of the source it came from (lower wins on duplicates). */
export interface SourcedChunk {
  readonly chunk: ClosedChunk;
  readonly source: number;
}

/**
 * Writes `<dir>/<ulid>.tmp` holding every series of the source blocks (see `writeBlock`
 * for the file's fate on failure) and returns its meta: level = max(source levels) + 1,
 * sources = the union of the sources' leaf ULIDs (sorted), parents = the sources' ULIDs in
 * the order given. When two sources hold a sample at the same timestamp for one series,
 * the one from the source listed first is kept. Re-encoded chunks hold at most
 * SAMPLES_PER_CHUNK samples. Throws what `BlockReader.open` throws for a bad source.
 */
export function compactBlocks(opts: CompactBlocksOptions): BlockMeta {
  const readers: BlockReader[] = [];
  try {
    for (const path of opts.sources) readers.push(BlockReader.open(path));
    const metas = readers.map((r) => r.meta);
    return writeBlock({
      dir: opts.dir,
      ulid: opts.ulid,
      series: mergeSeries(readers),
      level: Math.max(...metas.map((m) => m.level)) + 1,
      sources: [...new Set(metas.flatMap((m) => m.sources))].sort(),
      parents: metas.map((m) => m.ulid),
    });
  } finally {
    for (const r of readers) r.close();
  }
}

/** The k-way merge of the readers' series, in label order. */
function* mergeSeries(readers: readonly BlockReader[]): Generator<SeriesInput> {
  const cursors = readers.map((r) => r.series());
  const heads: (BlockSeries | undefined)[] = cursors.map((c) => next(c));
  // A linear scan for the smallest head: N is a handful of blocks, so a heap would not pay.
  for (;;) {
    let min: BlockSeries | undefined = undefined;
    for (const h of heads) if (h !== undefined && (min === undefined || compareLabels(h.labels, min.labels) < 0)) min = h;
    if (min === undefined) return;
    const parts: SourcedChunk[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === undefined || compareLabels(h.labels, min.labels) !== 0) continue;
      for (const chunk of h.chunks) parts.push({ chunk, source: i });
      heads[i] = next(cursors[i]!);
    }
    yield { labels: min.labels, chunks: mergeChunks(parts) };
  }
}

function next(it: Iterator<BlockSeries>): BlockSeries | undefined {
  const r = it.next();
  return r.done === true ? undefined : r.value;
}

/**
 * One series' chunks from all sources, sorted by mint: runs of chunks whose time ranges
 * overlap are merged and re-encoded; a chunk overlapping nothing is kept as it is.
 */
export function mergeChunks(parts: SourcedChunk[]): ClosedChunk[] {
  parts.sort((a, b) => a.chunk.mint - b.chunk.mint || a.chunk.maxt - b.chunk.maxt || a.source - b.source);
  const out: ClosedChunk[] = [];
  for (let i = 0; i < parts.length; ) {
    let end = parts[i]!.chunk.maxt;
    let j = i + 1;
    while (j < parts.length && parts[j]!.chunk.mint <= end) {
      end = Math.max(end, parts[j]!.chunk.maxt);
      j++;
    }
    if (j === i + 1) out.push(parts[i]!.chunk);
    else for (const c of reencode(parts.slice(i, j))) out.push(c);
    i = j;
  }
  return out;
}

/** Decodes overlapping chunks, merges their samples by (t, source), drops duplicates. */
function reencode(parts: readonly SourcedChunk[]): ClosedChunk[] {
  let total = 0;
  for (const p of parts) total += p.chunk.numSamples;
  const ts = new Float64Array(total);
  // Values stay in a Float64Array so NaN payloads (stale markers) keep their bits.
  const vs = new Float64Array(total);
  const src = new Int32Array(total);
  let n = 0;
  for (const p of parts) {
    const it = chunkIterator(p.chunk);
    while (it.next()) {
      ts[n] = it.t;
      vs[n] = it.v;
      src[n] = p.source;
      n++;
    }
    const err = it.err();
    if (err !== undefined) throw err;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a]! - ts[b]! || src[a]! - src[b]! || a - b);

  const out: ClosedChunk[] = [];
  let chunk: XorChunk | undefined = undefined;
  let mint = 0;
  let maxt = 0;
  let lastT = -Infinity;
  const cut = () => {
    if (chunk !== undefined) out.push({ bytes: chunk.bytes().slice(), mint, maxt, numSamples: chunk.numSamples });
  };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const t = ts[i]!;
    if (t === lastT) continue; // a duplicate: the first (lowest source) was kept
    lastT = t;
    if (chunk === undefined || chunk.numSamples >= SAMPLES_PER_CHUNK) {
      cut();
      chunk = new XorChunk();
      mint = t;
    }
    chunk.append(t, vs[i]!);
    maxt = t;
  }
  cut();
  return out;
}
