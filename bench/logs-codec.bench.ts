/**
 * bench/logs-codec: the log chunk codecs compared on a realistic corpus
 * (bench/lib/log-corpus.ts): per codec and level, compression and decompression speed
 * (MB/s of encoded chunk on one core) and ratio (compressed bytes / log text bytes) at the
 * head's chunk size and at compacted sizes; then the needle filter (build speed, size
 * against the compressed chunk, share of chunks an absent needle skips, for a few sizings)
 * and decoding speed with and without a `|=` needle; finally the bytes on disk of block
 * files against the log text, and the speed of compacting a head-written block. Data is generated once from a fixed seed.
 *
 * Run: `npx tsx bench/logs-codec.bench.ts` (or `npm run bench -- logs-codec`). Env:
 * TIME_MS (time per speed case, default 1000), LINES (corpus entries, default 250000),
 * STREAMS (default 100).
 */
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { compareLabels, type Labels } from '../src/model/labels.js';
import { containsAllTest, decodeEntries, encodeEntries } from '../src/logstore/chunk/chunk-format.js';
import { compress, decompress, defaultBlockCodec, defaultHeadCodec, type CodecOptions } from '../src/logstore/chunk/codec.js';
import { encodeChunk, type EncodedChunk } from '../src/logstore/chunk/encoded-chunk.js';
import { buildFilter, defaultFilterOptions, mayContain, type FilterOptions } from '../src/logstore/chunk/filter.js';
import { compactLogBlocks } from '../src/logstore/block/log-compact.js';
import { logBlockPath, logBlockTmpPath, writeLogBlock } from '../src/logstore/block/log-block-writer.js';
import type { LogEntry } from '../src/logstore/entry.js';
import { generateCorpus, mulberry32 } from './lib/log-corpus.js';

const TIME_MS = Number(process.env.TIME_MS ?? 1000);
const LINES = Number(process.env.LINES ?? 250_000);
const STREAMS = Number(process.env.STREAMS ?? 100);
const SEED = 42;
/** The head's chunk target (src/logstore/head.ts default): 256 KiB of lines. */
const HEAD_CHUNK_BYTES = 256 * 1024;
/** Compacted chunk targets to compare. */
const COMPACTED_CHUNK_BYTES = [1024 * 1024, 4 * 1024 * 1024];
/** Chunks per speed iteration add up to at least this much encoded data (a worker's batch). */
const SPEED_SAMPLE_BYTES = 4 * 1024 * 1024;

const CODECS: readonly (CodecOptions & { name: string })[] = [
  { name: 'none', codec: 'none' },
  { name: 'snappy', codec: 'snappy' },
  { name: 'gzip-1', codec: 'gzip', level: 1 },
  { name: 'gzip-6', codec: 'gzip', level: 6 },
  { name: 'brotli-1', codec: 'brotli', level: 1 },
  { name: 'brotli-4', codec: 'brotli', level: 4 },
  { name: 'brotli-5', codec: 'brotli', level: 5 },
  { name: 'brotli-6', codec: 'brotli', level: 6 },
  { name: 'zstd-1', codec: 'zstd', level: 1 },
  { name: 'zstd-3', codec: 'zstd', level: 3 },
  { name: 'zstd-6', codec: 'zstd', level: 6 },
  { name: 'zstd-9', codec: 'zstd', level: 9 },
];

const kib = (n: number) => `${n >= 1 << 20 ? `${n >> 20}MiB` : `${n >> 10}KiB`}`;
const mbps = (bytes: number, perS: number) => ((bytes * perS) / 1e6).toFixed(0);

// ---------------------------------------------------------------------------------------
// Corpus → per-stream sorted entries → chunks.

const t0 = performance.now();
const corpus = generateCorpus({ seed: SEED, streams: STREAMS, lines: LINES });
const streams = corpus.streams
  .map((s) => ({
    labels: Object.entries(s.labels)
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) as Labels,
    format: s.format,
    entries: s.entries.map((e): LogEntry => {
      const ns = BigInt(e.tsNs);
      return { tMs: Number(ns / 1_000_000n), tNs: Number(ns % 1_000_000n), line: e.line, metadata: [] };
    }),
  }))
  .sort((a, b) => compareLabels(a.labels, b.labels));
console.log(
  `bench/logs-codec: corpus seed ${SEED}, ${streams.length} streams, ${corpus.lines} lines, ${(corpus.rawBytes / 1e6).toFixed(1)} MB of log text ` +
    `(${(corpus.rawBytes / corpus.lines).toFixed(0)} B/line), generated in ${(performance.now() - t0).toFixed(0)} ms; node ${process.version}\n`,
);

interface Cut {
  readonly target: number;
  /** Encoded chunks, per stream in stream order. */
  readonly chunks: Uint8Array[];
  readonly streamOf: number[];
  readonly lines: string[][];
  readonly entries: LogEntry[][];
  readonly encodedBytes: number;
}

function cut(target: number): Cut {
  const chunks: Uint8Array[] = [];
  const streamOf: number[] = [];
  const lines: string[][] = [];
  const entries: LogEntry[][] = [];
  let encodedBytes = 0;
  streams.forEach((s, si) => {
    let from = 0;
    let bytes = 0;
    const flush = (to: number) => {
      const es = s.entries.slice(from, to);
      const raw = encodeEntries(es);
      chunks.push(raw);
      streamOf.push(si);
      lines.push(es.map((e) => e.line));
      entries.push(es);
      encodedBytes += raw.length;
      from = to;
      bytes = 0;
    };
    for (let i = 0; i < s.entries.length; i++) {
      bytes += Buffer.byteLength(s.entries[i]!.line);
      if (bytes >= target) flush(i + 1);
    }
    if (from < s.entries.length) flush(s.entries.length);
  });
  return { target, chunks, streamOf, lines, entries, encodedBytes };
}

const cuts = [HEAD_CHUNK_BYTES, ...COMPACTED_CHUNK_BYTES].map(cut);
const text = corpus.rawBytes;

/** A deterministic sample of chunks adding up to SPEED_SAMPLE_BYTES: full-size ones first. */
function sample(c: Cut): Uint8Array[] {
  const out: Uint8Array[] = [];
  let n = 0;
  const sorted = [...c.chunks].sort((a, b) => b.length - a.length);
  for (let i = 0; i < sorted.length && n < SPEED_SAMPLE_BYTES; i += 3) {
    out.push(sorted[i]!);
    n += sorted[i]!.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// 1. Ratios over every chunk.

console.log('### ratio (compressed / log text bytes; encoded chunk = "none")\n');
console.log(`| codec | ${cuts.map((c) => `chunk=${kib(c.target)} (${c.chunks.length} chunks)`).join(' | ')} |`);
console.log(`|---|${cuts.map(() => '---:').join('|')}|`);
const compressedBytes = new Map<string, number>();
for (const codec of CODECS) {
  const row: string[] = [];
  for (const c of cuts) {
    let n = 0;
    for (const raw of c.chunks) n += compress(codec, raw).length;
    compressedBytes.set(`${codec.name}/${c.target}`, n);
    row.push((n / text).toFixed(4));
  }
  console.log(`| ${codec.name} | ${row.join(' | ')} |`);
}

// Per log format at the compacted size: how much the ratio depends on the text.
{
  const c = cuts[1]!;
  const formats = [...new Set(streams.map((s) => s.format))];
  const shown = CODECS.filter((k) => ['zstd-1', 'brotli-5', 'brotli-6', 'zstd-9'].includes(k.name));
  console.log(`\n### ratio by log format (chunk=${kib(c.target)}; compressed / log text bytes)\n`);
  console.log(`| format | share of text | ${shown.map((k) => k.name).join(' | ')} |`);
  console.log(`|---|---:|${shown.map(() => '---:').join('|')}|`);
  for (const f of formats) {
    const idx = c.chunks.map((_, i) => i).filter((i) => streams[c.streamOf[i]!]!.format === f);
    const textBytes = idx.reduce((n, i) => n + c.lines[i]!.reduce((m, l) => m + Buffer.byteLength(l), 0), 0);
    const cells = shown.map((k) => (idx.reduce((n, i) => n + compress(k, c.chunks[i]!).length, 0) / textBytes).toFixed(4));
    console.log(`| ${f} | ${((textBytes / text) * 100).toFixed(0)} % | ${cells.join(' | ')} |`);
  }
}

// ---------------------------------------------------------------------------------------
// 2. Speeds on a worker-sized batch.

const speedCuts = [cuts[0]!, cuts[1]!];
const bench = new Bench({ time: TIME_MS });
const batchBytes = new Map<string, number>();
let sink = 0;
for (const c of speedCuts) {
  const batch = sample(c);
  const bytes = batch.reduce((a, b) => a + b.length, 0);
  for (const codec of CODECS) {
    if (codec.codec === 'none') continue;
    const compressed = batch.map((b) => compress(codec, b));
    const name = `codec=${codec.name}/chunk=${kib(c.target)}`;
    batchBytes.set(name, bytes);
    bench.add(`${name}/op=compress`, () => {
      for (const b of batch) sink += compress(codec, b).length;
    });
    bench.add(`${name}/op=decompress`, () => {
      for (const b of compressed) sink += decompress(codec.codec, b).length;
    });
  }
}
await bench.run();
console.log(`\n### speed (one core; MB/s of encoded chunk; batches of ≥ ${kib(SPEED_SAMPLE_BYTES)})\n`);
console.log('| case | compress MB/s | decompress MB/s | ratio |');
console.log('|---|---:|---:|---:|');
for (const c of speedCuts) {
  for (const codec of CODECS) {
    if (codec.codec === 'none') continue;
    const name = `codec=${codec.name}/chunk=${kib(c.target)}`;
    const bytes = batchBytes.get(name)!;
    const tp = (op: string) => {
      const r = bench.getTask(`${name}/op=${op}`)!.result;
      return r.state === 'completed' ? mbps(bytes, r.throughput.mean) : r.state;
    };
    console.log(`| ${name} | ${tp('compress')} | ${tp('decompress')} | ${(compressedBytes.get(`${codec.name}/${c.target}`)! / text).toFixed(4)} |`);
  }
}

// ---------------------------------------------------------------------------------------
// 3. Needle filters: size against the compressed chunk and the share of chunks skipped.

const NEEDLES: readonly { name: string; make: (r: () => number) => string }[] = [
  { name: 'trace id (16 hex)', make: (r) => Array.from({ length: 16 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('') },
  { name: 'order id', make: (r) => `ord_${Array.from({ length: 10 }, () => 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(r() * 27)]).join('')}` },
  { name: 'client ip', make: (r) => `10.${Math.floor(r() * 4)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}` },
  { name: 'word NullPointerException', make: () => 'NullPointerException' },
  { name: 'path /api/v1/refunds', make: () => '/api/v1/refunds' },
  { name: 'status " 503 "', make: () => ' 503 ' },
  { name: 'user id', make: (r) => `u_${100_000 + Math.floor(r() * 900_000)}"` },
];
const NEEDLE_DRAWS = 20;
const blockCodecName = `${defaultBlockCodec().codec}-${defaultBlockCodec().level}`;

const SIZINGS: readonly (FilterOptions & { name: string })[] = [
  { name: 'bits=1,k=1', ...defaultFilterOptions(), bitsPerGram: 1, hashes: 1 },
  { name: 'bits=2,k=1', ...defaultFilterOptions(), bitsPerGram: 2, hashes: 1 },
  { name: 'bits=3,k=2 (default)', ...defaultFilterOptions() },
  { name: 'bits=6,k=2', ...defaultFilterOptions(), bitsPerGram: 6, hashes: 2 },
];

console.log('\n### needle filters (trigram Bloom filters; skip = share of chunks without the needle that the filter rules out)\n');
console.log(`| chunk | sizing | filter bytes / ${blockCodecName} chunk | ${NEEDLES.map((n) => n.name).join(' | ')} |`);
console.log(`|---|---|---:|${NEEDLES.map(() => '---:').join('|')}|`);
for (const c of [cuts[0]!, cuts[1]!]) {
  const compressed = compressedBytes.get(`${blockCodecName}/${c.target}`)!;
  const texts = c.lines.map((ls) => ls.join('\n')); // needles hold no newline
  const filters = SIZINGS.map((sizing) => c.chunks.map((raw) => buildFilter(raw, sizing)));
  const absent: number[] = NEEDLES.map(() => 0);
  const skipped: number[][] = SIZINGS.map(() => NEEDLES.map(() => 0));
  NEEDLES.forEach((nd, ni) => {
    const r = mulberry32(SEED + ni);
    for (let d = 0; d < NEEDLE_DRAWS; d++) {
      const needle = nd.make(r);
      for (let i = 0; i < c.chunks.length; i++) {
        if (texts[i]!.includes(needle)) continue;
        absent[ni]!++;
        for (let z = 0; z < SIZINGS.length; z++) if (!mayContain(filters[z]![i]!, needle)) skipped[z]![ni]!++;
      }
    }
  });
  SIZINGS.forEach((sizing, z) => {
    const fbytes = filters[z]!.reduce((a, f) => a + f.length, 0);
    const cells = NEEDLES.map((_, ni) => (absent[ni] === 0 ? '–' : `${((skipped[z]![ni]! / absent[ni]!) * 100).toFixed(0)} %`));
    console.log(`| ${kib(c.target)} | ${sizing.name} | ${((fbytes / compressed) * 100).toFixed(1)} % | ${cells.join(' | ')} |`);
  });
}

// ---------------------------------------------------------------------------------------
// 4. Filter build and decode speeds.

const bench2 = new Bench({ time: TIME_MS });
const decodeBytes = new Map<string, number>();
for (const c of [cuts[0]!, cuts[1]!]) {
  const batch = sample(c);
  const bytes = batch.reduce((a, b) => a + b.length, 0);
  decodeBytes.set(kib(c.target), bytes);
  const batchEntries = batch.map((b) => c.entries[c.chunks.indexOf(b)]!);
  bench2.add(`encode=encodeEntries/chunk=${kib(c.target)}`, () => {
    for (const es of batchEntries) sink += encodeEntries(es).length;
  });
  bench2.add(`filter=build/chunk=${kib(c.target)}`, () => {
    for (const b of batch) sink += buildFilter(b).length;
  });
  bench2.add(`decode=all-lines/chunk=${kib(c.target)}`, () => {
    for (const b of batch) sink += decodeEntries(b, () => {});
  });
  const test = () => containsAllTest(['NullPointerException']);
  bench2.add(`decode=needle-NullPointerException/chunk=${kib(c.target)}`, () => {
    for (const b of batch) sink += decodeEntries(b, () => {}, test());
  });
  bench2.add(`decode=all-lines+includes-NullPointerException/chunk=${kib(c.target)}`, () => {
    for (const b of batch) sink += decodeEntries(b, (_t, _n, line) => void (line.includes('NullPointerException') && sink++));
  });
}
await bench2.run();
console.log('\n### encode (main thread, at seal), filter build and decode (one core; MB/s of encoded chunk)\n');
console.log('| case | MB/s |');
console.log('|---|---:|');
for (const task of bench2.tasks) {
  const r = task.result;
  const size = /chunk=(\w+)/.exec(task.name)![1]!;
  console.log(`| ${task.name} | ${r.state === 'completed' ? mbps(decodeBytes.get(size)!, r.throughput.mean) : r.state} |`);
}

// ---------------------------------------------------------------------------------------
// 5. Disk: block files (codec, filters, SQLite) against the log text, and compaction speed.

console.log('\n### disk: one block file of the whole corpus, against the log text\n');
console.log('| block | chunk | codec | file bytes / log text | of which filters | written in |');
console.log('|---|---|---|---:|---:|---:|');
const dir = mkdtempSync(join(tmpdir(), 'cairn-logs-codec-bench-'));
try {
  const blocks: [string, Cut, CodecOptions][] = [
    ['head-written', cuts[0]!, defaultHeadCodec()],
    ['compacted', cuts[1]!, defaultBlockCodec()],
    ['compacted', cuts[1]!, { codec: 'brotli', level: 5 }],
    ['compacted', cuts[2]!, defaultBlockCodec()],
  ];
  for (const [kind, c, codec] of blocks) {
    const ulid = `B${c.target}-${codec.codec}${codec.level}`;
    const t = performance.now();
    const encoded: EncodedChunk[][] = streams.map(() => []);
    let filterBytes = 0;
    c.chunks.forEach((raw, i) => {
      const e = encodeChunk(raw, { codec });
      filterBytes += e.filter?.length ?? 0;
      encoded[c.streamOf[i]!]!.push(e);
    });
    writeLogBlock({ dir, ulid, streams: streams.map((s, i) => ({ labels: s.labels, chunks: encoded[i]! })), level: 1, sources: [ulid], parents: [] });
    const ms = performance.now() - t;
    renameSync(logBlockTmpPath(dir, ulid), logBlockPath(dir, ulid));
    const size = statSync(logBlockPath(dir, ulid)).size;
    console.log(`| ${kind} | ${kib(c.target)} | ${codec.codec}-${codec.level} | ${(size / text).toFixed(4)} | ${(filterBytes / text).toFixed(4)} | ${ms.toFixed(0)} ms |`);
  }
  // Compaction of the head-written block: decompress, merge, re-cut, recompress, filter, write.
  const t = performance.now();
  const meta = compactLogBlocks({ dir, ulid: 'C', sources: [logBlockPath(dir, `B${HEAD_CHUNK_BYTES}-${defaultHeadCodec().codec}${defaultHeadCodec().level}`)] });
  const ms = performance.now() - t;
  const size = statSync(logBlockTmpPath(dir, 'C')).size;
  console.log(
    `\ncompactLogBlocks of the head-written block (one thread): ${(text / 1e3 / ms).toFixed(0)} MB/s of log text (${ms.toFixed(0)} ms), ` +
      `${meta.numChunks} chunks, file ${(size / text).toFixed(4)} of the log text`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (sink === 42) console.log(''); // keeps the work observable to the optimiser
