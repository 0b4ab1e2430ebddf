/**
 * bench/logs-query: LogQL over a gigabyte of logs in blocks. The seeded corpus of
 * bench/lib/log-corpus.ts (1 000 Kubernetes streams: nginx and apache access logs, JSON
 * app logs, logfmt, Java and Node stack traces) spread over the last hours, written into
 * a real LogStore and flushed (every entry in compacted brotli chunks with needle
 * filters; bench/lib/logs-query-data.ts, cached under bench/.out/), then queried in
 * process through the LogQL engine: line-filter needles present in a few % of lines and
 * absent from almost every chunk, `| json` with a label filter, `sum by (…) (rate(…))`,
 * `topk`, and label/series lookups. Per query: median wall time and CPU time over RUNS
 * runs after one warm-up, the store's counters (chunks referenced, skipped by a filter,
 * decompressed; line bytes decompressed) and MB/s of log text scanned per core (line bytes
 * decompressed ÷ CPU seconds). Beside it, the floors of a scan on the same chunks:
 * decompression alone, `Buffer.indexOf` alone, and the chunk decoder with its needle test.
 *
 * Run: `npm run bench -- logs-query` (env: BLOCK_CODEC=codec[:level] of compacted chunks
 * (default the store's), RAW_MB=1024 of log text, STREAMS=1000,
 * SPAN_HOURS=6, RUNS=3, ONLY=name,… to run some queries, FLOOR_MB=256 of chunks for the
 * floors, PROFILE=name,…|all to write a CPU profile of one more run of those queries to
 * bench/.out/logs-query-prof/ and print their top self-time functions, COMPARE_CODECS=
 * brotli:4,zstd:9,… to compare block codecs on the floors' chunks).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { newMatcher } from '../src/model/matcher.js';
import { decodeEntries, containsAllTest } from '../src/logstore/chunk/chunk-format.js';
import { compress, decompress, defaultBlockCodec, type CodecOptions, type LogCodec } from '../src/logstore/chunk/codec.js';
import { openLogBlockDb } from '../src/logstore/block/log-block-sqlite.js';
import { parseLogQL } from '../src/logql/index.js';
import { compileMatchers } from '../src/logql/engine/selection.js';
import { defaultLogQLEngineOptions, LogQLEngine, type LogQLResult, type LogQLSource } from '../src/logql/engine/index.js';
import { profileCall, type SelfTime } from './lib/cpu-profile.js';
import { ensureQueryData, openBenchStore, TENANT, type QueryDataParams } from './lib/logs-query-data.js';

const MB = 1e6;

/** `BLOCK_CODEC=zstd:9` (codec[:level]); the store's default when unset. */
function parseCodec(text: string | undefined): CodecOptions {
  if (text === undefined || text === '') return defaultBlockCodec();
  const [codec, level] = text.split(':');
  return level === undefined ? { codec: codec as LogCodec } : { codec: codec as LogCodec, level: Number(level) };
}
const params: QueryDataParams = {
  rawMB: Number(process.env.RAW_MB ?? 1024),
  streams: Number(process.env.STREAMS ?? 1000),
  seed: 42,
  sliceLines: 100_000,
  spanHours: Number(process.env.SPAN_HOURS ?? 6),
  blockCodec: parseCodec(process.env.BLOCK_CODEC),
};
const RUNS = Number(process.env.RUNS ?? 3);
const ONLY = process.env.ONLY?.split(',');
const FLOOR_MB = Number(process.env.FLOOR_MB ?? 256);
const PROFILE = process.env.PROFILE?.split(',');
const COMPARE_CODECS = process.env.COMPARE_CODECS?.split(',');
const outDir = join(import.meta.dirname, '.out');
mkdirSync(outDir, { recursive: true });

console.log(`command: BLOCK_CODEC=${params.blockCodec.codec}:${params.blockCodec.level ?? ''} RAW_MB=${params.rawMB} STREAMS=${params.streams} SPAN_HOURS=${params.spanHours} RUNS=${RUNS} FLOOR_MB=${FLOOR_MB} npx tsx bench/logs-query.bench.ts`);
const { dir, manifest: m, cached } = await ensureQueryData(outDir, params, (s) => console.log(s));
const spanMs = m.maxTMs - m.minTMs;
console.log(
  `${cached ? 'reusing the cached' : 'built the'} data dir ${dir} (${cached ? 'built' : 'in'} ${cached ? m.builtAt : `${m.buildSeconds.toFixed(0)} s`}; delete it to rebuild)\n` +
    `corpus: ${params.streams} streams, ${m.lines.toLocaleString('en')} lines, ${(m.rawBytes / MB).toFixed(1)} MB of log text in ${m.slices} slices over ` +
    `${(spanMs / 3_600_000).toFixed(2)} h (${new Date(m.minTMs).toISOString()} … ${new Date(m.maxTMs).toISOString()}), ${m.refused} entries not stored; ` +
    `blocks ${(m.blockBytes / MB).toFixed(1)} MB = ${((100 * m.blockBytes) / m.rawBytes).toFixed(1)} % of the text`,
);

const store = openBenchStore(dir, params.blockCodec);
const o0 = performance.now();
await store.start();
console.log(`store opened in ${(performance.now() - o0).toFixed(0)} ms; streams in the head: ${store.activeStreams(TENANT)}`);
const src: LogQLSource = { querier: (mint, maxt) => store.logQuerier(TENANT, mint, maxt) };
const engine = new LogQLEngine(defaultLogQLEngineOptions());

// The query range: every entry, [start, end).
const startMs = m.minTMs;
const endMs = m.maxTMs + 1;
/** A range covering the whole corpus from `endMs`, for instant queries that scan everything once. */
const whole = `${Math.ceil((endMs - startMs) / 60_000) + 1}m`;
const ALL = '{cluster=~"prod-.+"}';
const JSON_APPS = '{app=~"checkout|cart|user-service"}';
/** Line bytes of the chunks a selector selects over the range (Loki's index stats): what a scan without filters reads. */
function selectionBytes(selector: string): number {
  const sel = parseLogQL(selector);
  if (sel.kind !== 'log_selector') throw new Error(`BUG: ${selector} is not a plain selector`);
  const matchers = compileMatchers(sel.matchers);
  const q = store.logQuerier(TENANT, startMs, endMs);
  try {
    return q.stats(matchers).bytes;
  } finally {
    q.close();
  }
}
const selection = new Map([ALL, JSON_APPS].map((x) => [x, selectionBytes(x)]));

type Kind = 'log' | 'range' | 'instant' | 'meta';
interface Case {
  readonly name: string;
  readonly kind: Kind;
  /** The LogQL text, or what a metadata call does. */
  readonly q: string;
  readonly stepMs?: number;
  readonly limit?: number;
  readonly meta?: () => number;
  /** The selector, for the selection's bytes. */
  readonly sel?: string;
}

const cases: Case[] = [
  { name: 'error/log', kind: 'log', q: `${ALL} |= "error"`, limit: 1000, sel: ALL },
  { name: 'error/count-instant', kind: 'instant', q: `sum(count_over_time(${ALL} |= "error" [${whole}]))`, sel: ALL },
  { name: 'error/count-range-1m', kind: 'range', q: `sum(count_over_time(${ALL} |= "error" [5m]))`, stepMs: 60_000, sel: ALL },
  { name: 'kube-probe/count-instant', kind: 'instant', q: `sum(count_over_time(${ALL} |= "kube-probe" [${whole}]))`, sel: ALL },
  { name: 'nofilter/count-instant', kind: 'instant', q: `sum(count_over_time(${ALL}[${whole}]))`, sel: ALL },
  { name: 'absent/refunds', kind: 'log', q: `${ALL} |= "/api/v1/refunds"`, limit: 1000, sel: ALL },
  { name: 'absent/order-id', kind: 'log', q: `${ALL} |= "${m.rare.orderId}"`, limit: 1000, sel: ALL },
  { name: 'absent/request-id', kind: 'log', q: `${ALL} |= "${m.rare.requestId}"`, limit: 1000, sel: ALL },
  { name: 'json/log', kind: 'log', q: `${JSON_APPS} | json | status >= 500`, limit: 1000, sel: JSON_APPS },
  { name: 'json/count-instant', kind: 'instant', q: `sum(count_over_time(${JSON_APPS} | json | status >= 500 [${whole}]))`, sel: JSON_APPS },
  { name: 'json/count-range-1m', kind: 'range', q: `sum by (app) (count_over_time(${JSON_APPS} | json | status >= 500 [5m]))`, stepMs: 60_000, sel: JSON_APPS },
  { name: 'rate-ns/range-1m', kind: 'range', q: `sum by (namespace) (rate(${ALL}[5m]))`, stepMs: 60_000, sel: ALL },
  { name: 'rate-ns/range-5m', kind: 'range', q: `sum by (namespace) (rate(${ALL}[5m]))`, stepMs: 300_000, sel: ALL },
  { name: 'topk-pod/range-1m', kind: 'range', q: `topk(10, sum by (pod) (rate(${ALL}[5m])))`, stepMs: 60_000, sel: ALL },
  { name: 'meta/label-names', kind: 'meta', q: 'labelNames()', meta: () => withQuerier((q) => q.labelNames().length) },
  { name: 'meta/values-pod', kind: 'meta', q: 'labelValues("pod")', meta: () => withQuerier((q) => q.labelValues('pod').length) },
  { name: 'meta/series-all', kind: 'meta', q: `series(${ALL})`, meta: () => withQuerier((q) => q.series([newMatcher('=~', 'cluster', 'prod-.+')]).length) },
  { name: 'meta/series-app', kind: 'meta', q: 'series({app="checkout"})', meta: () => withQuerier((q) => q.series([newMatcher('=', 'app', 'checkout')]).length) },
];

function withQuerier(fn: (q: ReturnType<typeof store.logQuerier>) => number): number {
  const q = store.logQuerier(TENANT, startMs, endMs);
  try {
    return fn(q);
  } finally {
    q.close();
  }
}

async function runQuery(c: Case): Promise<{ result?: LogQLResult; size: number; value: number }> {
  if (c.kind === 'meta') return { size: c.meta!(), value: NaN };
  const expr = parseLogQL(c.q);
  const result =
    c.kind === 'instant'
      ? await engine.instantQuery(src, expr, { tMs: endMs, tNs: 0, limit: 100, direction: 'backward' })
      : await engine.rangeQuery(src, expr, { startMs, startNs: 0, endMs, endNs: 0, stepMs: c.stepMs ?? 60_000, intervalMs: 0, limit: c.limit ?? 100, direction: 'backward' });
  const v = result.value;
  switch (v.type) {
    case 'streams':
      return { result, size: v.streams.reduce((a, s) => a + s.entries.length, 0), value: NaN };
    case 'vector':
      return { result, size: v.samples.length, value: v.samples.reduce((a, s) => a + s.v, 0) };
    case 'matrix':
      return { result, size: v.series.length, value: NaN };
    case 'scalar':
      return { result, size: 1, value: v.v };
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Row {
  readonly c: Case;
  readonly wallMs: number;
  readonly cpuS: number;
  readonly size: number;
  readonly value: number;
  readonly result?: LogQLResult;
  readonly profile?: SelfTime[];
}

const rows: Row[] = [];
const profDir = join(outDir, 'logs-query-prof');
for (const c of cases) {
  if (ONLY !== undefined && !ONLY.some((n) => c.name.startsWith(n))) continue;
  await runQuery(c); // warm-up: JIT, SQLite page cache, the block's file pages
  const walls: number[] = [];
  const cpus: number[] = [];
  let last: Awaited<ReturnType<typeof runQuery>> | undefined;
  for (let r = 0; r < RUNS; r++) {
    const c0 = cpuS();
    const t0 = performance.now();
    last = await runQuery(c);
    walls.push(performance.now() - t0);
    cpus.push(cpuS() - c0);
  }
  let profile: SelfTime[] | undefined;
  if (PROFILE !== undefined && (PROFILE.includes('all') || PROFILE.some((n) => c.name.startsWith(n)))) {
    mkdirSync(profDir, { recursive: true });
    profile = await profileCall(() => runQuery(c), join(profDir, `${c.name.replace(/\//g, '_')}.cpuprofile`), 15);
  }
  const row: Row = { c, wallMs: median(walls), cpuS: median(cpus), size: last!.size, value: last!.value, result: last!.result, profile };
  rows.push(row);
  const s = row.result?.stats.store;
  console.log(
    `${c.name}: ${row.wallMs.toFixed(1)} ms (runs ${walls.map((w) => w.toFixed(0)).join(', ')}), CPU ${(row.cpuS * 1000).toFixed(0)} ms` +
      (s === undefined ? `, ${row.size} results` : `, chunks ref ${s.chunksRef} skipped ${s.chunksSkipped} decoded ${s.chunksDecoded}, ${((s.decompressedBytes + s.headChunkBytes) / MB).toFixed(1)} MB scanned`),
  );
}

// ---------------------------------------------------------------------------------------
// Table.

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
console.log(`\nQueries over [${new Date(startMs).toISOString()}, ${new Date(endMs).toISOString()}), range steps as named, median of ${RUNS} runs after a warm-up:\n`);
console.log('| query | LogQL | result | wall ms | CPU ms | chunks ref / skipped / decoded | MB scanned | MB/s per core (scanned) | MB/s per core (of the selection) |');
console.log('|---|---|---|---:|---:|---|---:|---:|---:|');
for (const r of rows) {
  const s = r.result?.stats.store;
  const scanned = s === undefined ? 0 : (s.decompressedBytes + s.headChunkBytes) / MB;
  // The selection's text: what a scan without filters would decompress.
  const selMB = r.c.sel === undefined ? NaN : selection.get(r.c.sel)! / MB;
  const res =
    r.c.kind === 'log' ? `${r.size} entries` : r.c.kind === 'meta' ? `${r.size} values` : Number.isNaN(r.value) ? `${r.size} series` : `${r.size} series, Σ ${r.value.toLocaleString('en')}`;
  console.log(
    `| ${r.c.name} | \`${r.c.q.replace(/\|/g, '\\|').replace(m.rare.requestId, '<request id>').replace(m.rare.orderId, '<order id>')}\`${r.c.stepMs === undefined ? '' : ` step ${r.c.stepMs / 60_000}m`} | ${res} | ${fmtMs(r.wallMs)} | ${fmtMs(r.cpuS * 1000)} | ` +
      (s === undefined ? '– | – | – | – |' : `${s.chunksRef} / ${s.chunksSkipped} / ${s.chunksDecoded} | ${scanned.toFixed(1)} | ${r.cpuS > 0 ? (scanned / r.cpuS).toFixed(0) : '–'} | ${Number.isNaN(selMB) ? '–' : (selMB / r.cpuS).toFixed(0)} |`),
  );
}
const matched = rows.find((r) => r.c.name === 'error/count-instant');
if (matched !== undefined) console.log(`\n|= "error" matches ${matched.value.toLocaleString('en')} of ${m.lines.toLocaleString('en')} lines (${((100 * matched.value) / m.lines).toFixed(2)} %)`);
console.log(`selections: ${[...selection].map(([k, v]) => `${k} ${(v / MB).toFixed(1)} MB`).join(', ')}`);
console.log(`rare strings: request id ${m.rare.requestId}, order id ${m.rare.orderId}`);

for (const r of rows) {
  if (r.profile === undefined) continue;
  console.log(`\nprofile ${r.c.name} (one more run; self time, main thread):`);
  for (const p of r.profile) console.log(`  ${p.ms.toFixed(0).padStart(6)} ms ${(100 * p.share).toFixed(1).padStart(5)} %  ${p.fn}`);
}

await store.stop();

// ---------------------------------------------------------------------------------------
// Floors: the same work without the engine, on a uniform sample of the blocks' chunks.

const blocksDir = join(dir, 'tenants', TENANT, 'logs', 'blocks');
interface RawChunk {
  readonly codec: number;
  readonly data: Uint8Array;
  readonly rawBytes: number;
}
const all: { file: string; id: number; rawBytes: number }[] = [];
for (const f of readdirSync(blocksDir).filter((n) => n.endsWith('.db'))) {
  const db = openLogBlockDb(join(blocksDir, f));
  for (const [id, rawBytes] of db.prepare('SELECT id, raw_bytes FROM chunks ORDER BY id').raw().all() as [number, number][]) all.push({ file: f, id, rawBytes });
  db.close();
}
const totalRaw = all.reduce((a, c) => a + c.rawBytes, 0);
const every = Math.max(1, Math.round(totalRaw / (FLOOR_MB * MB)));
const sample: RawChunk[] = [];
const dbs = new Map<string, ReturnType<typeof openLogBlockDb>>();
for (let i = 0; i < all.length; i += every) {
  const c = all[i]!;
  let db = dbs.get(c.file);
  if (db === undefined) dbs.set(c.file, (db = openLogBlockDb(join(blocksDir, c.file))));
  const [codec, data] = db.prepare('SELECT codec, data FROM chunks WHERE id = ?').raw().get(c.id) as [number, Uint8Array];
  sample.push({ codec, data, rawBytes: c.rawBytes });
}
for (const db of dbs.values()) db.close();
const sampleRaw = sample.reduce((a, c) => a + c.rawBytes, 0);
const sampleZ = sample.reduce((a, c) => a + c.data.length, 0);
console.log(
  `\nFloors on ${sample.length} of ${all.length} chunks (every ${every}th; ${(sampleRaw / MB).toFixed(0)} MB of lines, ${(sampleZ / MB).toFixed(0)} MB compressed, ` +
    `${(sampleRaw / sample.length / 1024).toFixed(0)} KiB of lines per chunk), one core, MB/s of line text per CPU second (median of 3):`,
);

function floor(name: string, fn: () => number): void {
  const speeds: number[] = [];
  let n = 0;
  fn(); // warm-up
  for (let r = 0; r < 3; r++) {
    const c0 = cpuS();
    n = fn();
    speeds.push(sampleRaw / MB / (cpuS() - c0));
  }
  console.log(`| ${name} | ${median(speeds).toFixed(0)} | ${n.toLocaleString('en')} |`);
}
console.log('| step | MB/s per core | count |');
console.log('|---|---:|---:|');
floor(`decompress (${params.blockCodec.codec}-${params.blockCodec.level ?? ''}) only`, () => {
  let n = 0;
  for (const c of sample) n += decompress(c.codec, c.data).length;
  return n;
});
// Before the decompressed chunks are held: hundreds of MB of live buffers make V8 collect
// more often while fresh ones are allocated, which would slow this case alone.
floor('decompress + decodeEntries with the `|= "error"` test', () => {
  let n = 0;
  const test = containsAllTest(['error']);
  for (const c of sample) n += decodeEntries(decompress(c.codec, c.data), () => {}, test);
  return n;
});
const plain = sample.map((c) => Buffer.from(decompress(c.codec, c.data)));
for (const needle of ['error', 'kube-probe', m.rare.requestId]) {
  const nb = Buffer.from(needle);
  floor(`\`Buffer.indexOf("${needle === m.rare.requestId ? '<request id>' : needle}")\`, every match, decompressed chunks`, () => {
    let n = 0;
    for (const b of plain) for (let at = b.indexOf(nb); at >= 0; at = b.indexOf(nb, at + nb.length)) n++;
    return n;
  });
}
floor('decodeEntries with the `|= "error"` test (lines matched → strings), decompressed chunks', () => {
  let n = 0;
  const test = containsAllTest(['error']);
  for (const b of plain) n += decodeEntries(b, () => {}, test);
  return n;
});
floor('decodeEntries, every line to a string, decompressed chunks', () => {
  let n = 0;
  for (const b of plain) n += decodeEntries(b, () => {});
  return n;
});

// Codecs for compacted chunks on the same sample (`COMPARE_CODECS=brotli:4,zstd:6,zstd:9`):
// ratio of line text, compression and decompression MB/s per core — how the block codec
// was chosen (bench/RESULTS.md, "logs-query after the changes").
if (COMPARE_CODECS !== undefined) {
  console.log('\n| codec | ratio (compressed / encoded chunk) | compress MB/s per core | decompress MB/s per core |');
  console.log('|---|---:|---:|---:|');
  for (const spec of COMPARE_CODECS) {
    const codec = parseCodec(spec);
    const c0 = cpuS();
    const packed = plain.map((b) => compress(codec, b));
    const compressS = cpuS() - c0;
    const packedBytes = packed.reduce((a, b) => a + b.length, 0);
    const plainBytes = plain.reduce((a, b) => a + b.length, 0);
    const speeds: number[] = [];
    for (let r = 0; r < 3; r++) {
      const d0 = cpuS();
      for (const b of packed) decompress(codec.codec, b);
      speeds.push(plainBytes / MB / (cpuS() - d0));
    }
    console.log(`| ${spec} | ${(packedBytes / plainBytes).toFixed(4)} | ${(plainBytes / MB / compressS).toFixed(0)} | ${median(speeds).toFixed(0)} |`);
  }
}
