/**
 * bench/native: Cairn's native addon (native/, src/util/native.ts) against the JavaScript
 * paths it replaces, on one thread, same inputs, same outputs:
 * - a range answer's points as JSON (`EntryWriter`): the query bench's 10k `rate(...)` range
 *   shape, 352 series × 150 points of rates (17-digit doubles), and the same of whole numbers
 *   (counters read raw);
 * - Snappy block decompression (`snappyDecompress`): Loki push bodies of the logs-ingest
 *   corpus (1 MiB of lines each) and remote-write bodies of the query bench's series;
 * - XOR chunk decoding (`XorIterator.readInto`): 2 000 chunks of 120 samples, counters
 *   scraped every 15 s with jitter, and gauges of 17-digit doubles;
 * - a head chunk's needle filter (`buildFilter`, trigrams): 256 KiB chunks of 50 streams of
 *   the logs corpus;
 * - the same chunks compressed with zstd level 1 (the head's codec): zstd's WebAssembly
 *   build against the system's libzstd through the addon (frames of the two differ by a
 *   few bytes; both are checked to decompress to the chunk);
 * - a push's lines copied into open buffers (`OpenBuffer.appendColumns`): the Loki bodies
 *   above, a view and a copy per line against one `copySpans` call per stream;
 * - the same log chunks tokenized and untokenized (compaction's zstd-tok codec,
 *   `logstore/chunk/line-tokens.ts`).
 * Run: `npx tsx bench/native.bench.ts` (or `npm run bench -- native`); env TIME_MS.
 */
import { Bench } from 'tinybench';
import { snappyDecompress } from '../src/ingest/remote-write/index.js';
import { RangeWindow } from '../src/promql/engine/range-window.js';
import { EntryWriter } from '../src/promql/entry-writer.js';
import { encodeEntries } from '../src/logstore/chunk/chunk-format.js';
import { buildFilter, headFilterOptions } from '../src/logstore/chunk/filter.js';
import { XorChunk, XorIterator } from '../src/tsdb/chunkenc/xor.js';
import { zstdCompress, zstdDecompress } from '../src/logstore/chunk/zstd.js';
import { decodePushProto } from '../src/ingest/loki/decode-proto.js';
import { OpenBuffer } from '../src/logstore/open-buffer.js';
import { tokenizeChunk, tokenizeChunkJs, untokenizeChunk, untokenizeChunkJs } from '../src/logstore/chunk/line-tokens.js';
import { native } from '../src/util/native.js';
import { generateCorpus } from './lib/log-corpus.js';
import { buildPayloads } from './lib/loki-payloads.js';
import { prepareWorkload } from './lib/payloads.js';

const TIME_MS = Number(process.env.TIME_MS ?? 1500);
if (native === undefined) throw new Error('the native addon is not built (npm run build:native), or CAIRN_NATIVE=0 is set');
const addon = native;

const SERIES = 352;
const POINTS = 150;
const head = '{"metric":{"device":"eth0","instance":"host-0.example.internal:9100","job":"node"},"values":';
const t = Float64Array.from({ length: SERIES * POINTS }, (_, i) => 1_796_155_904_000 + (i % POINTS) * 20_000);
let seed = 1;
const rates = Float64Array.from({ length: t.length }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 1e4);
const counts = Float64Array.from(rates, (x) => Math.round(x * 1e5));
const answer = (v: Float64Array, a: typeof addon | null): number => {
  const w = new EntryWriter(a);
  for (let s = 0; s < SERIES; s++) w.add(head, t, v, s * POINTS, s * POINTS + POINTS);
  return w.finish().length;
};

const corpus = generateCorpus({ seed: 42, streams: 500, lines: 60_000, startMs: Date.now() - 3_600_000, durationMs: 2_400_000 });
const loki = buildPayloads(corpus, 'proto').bodies;
// Each stream's lines cut into chunks at 256 KiB of text, as the head seals them (50
// streams, so that most of them fill chunks).
const logChunks: Uint8Array[] = [];
let logText = 0;
for (const stream of generateCorpus({ seed: 7, streams: 50, lines: 60_000, startMs: Date.now() - 3_600_000, durationMs: 2_400_000 }).streams) {
  let batch: { tMs: number; tNs: number; line: string; metadata: [] }[] = [];
  let bytes = 0;
  for (const e of stream.entries) {
    batch.push({ tMs: Number(e.tsNs.slice(0, -6)), tNs: 0, line: e.line, metadata: [] });
    bytes += Buffer.byteLength(e.line);
    if (bytes >= 256 * 1024) {
      logChunks.push(encodeEntries(batch));
      logText += bytes;
      batch = [];
      bytes = 0;
    }
  }
}
const headFilter = headFilterOptions();
const filters = (a: typeof addon | null): number => logChunks.reduce((n, c) => n + buildFilter(c, headFilter, a).length, 0);
const zstdAll = (a: typeof addon | null): number => {
  let n = 0;
  for (const c of logChunks) n += zstdCompress(c, 1, a).length;
  return n;
};
for (const c of logChunks.slice(0, 3)) for (const a of [null, addon]) if (Buffer.compare(zstdDecompress(zstdCompress(c, 1, a), 1 << 20), c) !== 0) throw new Error('zstd: a frame does not decompress to its chunk');
const tokens = logChunks.map((c) => tokenizeChunkJs(c));
for (let i = 0; i < logChunks.length; i++) if (Buffer.compare(tokenizeChunk(logChunks[i]!), tokens[i]!) !== 0) throw new Error('tokens: the native tokenizer differs');
const untokenized = new Uint8Array(4 << 20);
const tokenizeAll = (a: typeof addon | null): number => logChunks.reduce((n, c) => n + (a === null ? tokenizeChunkJs(c) : tokenizeChunk(c)).length, 0);
const untokenizeAll = (a: typeof addon | null): number => tokens.reduce((n, c) => n + (a === null ? untokenizeChunkJs(c, untokenized) : untokenizeChunk(c, untokenized)), 0);
const pushed = loki.map((b) => decodePushProto(snappyDecompress(b, 1 << 30)));
let pushedText = 0;
for (const p of pushed) for (let i = 0; i < p.columns.count; i++) pushedText += p.columns.lineBytes(i);
const appendAll = (a: typeof addon | null): number => {
  let n = 0;
  for (const p of pushed) {
    const items = Array.from({ length: p.columns.count }, (_, i) => i);
    for (const s of p.streams) n += new OpenBuffer({ entries: s.to - s.from, lineBytes: 1 << 12 }).appendColumns(p.columns, items, s.from, s.to, a);
  }
  return n;
};
const rw = prepareWorkload({ name: 'rw', series: 10_000, samplesPerSeries: 20 }, 4, Date.now()).shards.flat();
const outBytes = (bodies: readonly Uint8Array[]): number => bodies.reduce((n, b) => n + snappyDecompress(b, 1 << 30).length, 0);
const decodeAll = (bodies: readonly Uint8Array[], a: typeof addon | null): number => {
  let n = 0;
  for (const b of bodies) n += snappyDecompress(b, 1 << 30, a).length;
  return n;
};

const CHUNKS = 2_000;
const chunkOf = (value: (i: number) => number): Uint8Array[] =>
  Array.from({ length: CHUNKS }, (_, c) => {
    const chunk = new XorChunk();
    let t = 1_700_000_000_000 + c * 1_800_000;
    for (let i = 0; i < 120; i++) {
      t += 15_000 + ((seed = (seed * 16807) % 2147483647) % 40) - 20;
      chunk.append(t, value(i));
    }
    return chunk.bytes().slice();
  });
let total = 0;
const counterChunks = chunkOf((i) => (total += (seed % 1000) + i));
const gaugeChunks = chunkOf(() => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 1e9);
const window = new RangeWindow();
const decode = (chunks: readonly Uint8Array[], a: typeof addon | null): number => {
  let n = 0;
  for (const c of chunks) {
    window.clear();
    new XorIterator(c).readInto(-Infinity, Infinity, window, true, a);
    n += window.hi;
  }
  return n;
};

interface Case {
  readonly name: string;
  /** What one run handles, for the rate column. */
  readonly units: number;
  readonly unit: string;
  readonly js: () => number;
  readonly native: () => number;
  /** False when the two paths' outputs may differ in size (checked otherwise). */
  readonly sameSize?: false;
}
const cases: Case[] = [
  { name: `points JSON, ${SERIES} × ${POINTS} rates`, units: t.length, unit: 'ns/point', js: () => answer(rates, null), native: () => answer(rates, addon) },
  { name: `points JSON, ${SERIES} × ${POINTS} whole numbers`, units: t.length, unit: 'ns/point', js: () => answer(counts, null), native: () => answer(counts, addon) },
  { name: `snappy, ${loki.length} Loki push bodies`, units: outBytes(loki), unit: 'MB/s out', js: () => decodeAll(loki, null), native: () => decodeAll(loki, addon) },
  { name: `snappy, ${rw.length} remote-write bodies`, units: outBytes(rw), unit: 'MB/s out', js: () => decodeAll(rw, null), native: () => decodeAll(rw, addon) },
  { name: `trigram filters, ${logChunks.length} log chunks of 256 KiB`, units: logText, unit: 'MB/s of text', js: () => filters(null), native: () => filters(addon) },
  { name: `zstd level 1, ${logChunks.length} log chunks of 256 KiB`, units: logText, unit: 'MB/s of text', js: () => zstdAll(null), native: () => zstdAll(addon), sameSize: false },
  { name: `lines into open buffers, ${loki.length} Loki push bodies`, units: pushedText, unit: 'MB/s of text', js: () => appendAll(null), native: () => appendAll(addon) },
  { name: `tokenize, ${logChunks.length} log chunks of 256 KiB`, units: logText, unit: 'MB/s of text', js: () => tokenizeAll(null), native: () => tokenizeAll(addon) },
  { name: `untokenize, the same chunks`, units: logText, unit: 'MB/s of text', js: () => untokenizeAll(null), native: () => untokenizeAll(addon) },
  { name: `XOR, ${CHUNKS} counter chunks of 120`, units: CHUNKS * 120, unit: 'ns/sample', js: () => decode(counterChunks, null), native: () => decode(counterChunks, addon) },
  { name: `XOR, ${CHUNKS} gauge chunks of 120`, units: CHUNKS * 120, unit: 'ns/sample', js: () => decode(gaugeChunks, null), native: () => decode(gaugeChunks, addon) },
];

let sink = 0;
const rows: Record<string, string>[] = [];
for (const c of cases) {
  if (c.sameSize !== false && c.js() !== c.native()) throw new Error(`${c.name}: the two paths wrote different lengths`);
  const bench = new Bench({ time: TIME_MS, warmupTime: 300 });
  bench.add('JavaScript', () => void (sink += c.js())).add('native', () => void (sink += c.native()));
  await bench.run();
  const [js, nat] = bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${c.name} ${task.name}: ${r.state}`);
    return r.latency.p50!;
  });
  const rate = (ms: number): string => (c.unit.startsWith('ns/') ? ((ms * 1e6) / c.units).toFixed(1) : (c.units / 1e6 / (ms / 1000)).toFixed(0));
  rows.push({ case: c.name, unit: c.unit, JavaScript: rate(js!), native: rate(nat!), 'native speed-up': `${(js! / nat!).toFixed(2)}×` });
}
console.table(rows);
if (sink === 0) console.log('');
