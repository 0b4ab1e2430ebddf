/**
 * bench/block: on-disk size of a block (bytes/sample, against Prometheus's and
 * VictoriaMetrics' figures for the same shapes) and the speed of writing it and of
 * `BlockReader.select`, for node-exporter-like series (bench/lib/payloads.ts) scraped
 * every 15 s with up to 50 ms jitter; format 2 (dense chunks, the default) beside format 1
 * (XOR chunks) in size and in reading every sample back. Run: `npx tsx bench/block.bench.ts`; VARIANTS=1 also
 * sizes other page sizes and group sizes; TIME_MS sets the time per select case.
 */
import { mkdtempSync, rmSync, statSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Bench } from 'tinybench';
import { compareLabels } from '../src/model/labels.js';
import { newMatcher } from '../src/model/matcher.js';
import { chunkIterator, SAMPLES_PER_CHUNK, XorChunk } from '../src/tsdb/chunkenc/index.js';
import type { ClosedChunk } from '../src/tsdb/chunkenc/xor-open.js';
import { BlockReader, blockPath, blockTmpPath, writeBlock, XOR_BLOCK_FORMAT_VERSION, type SeriesInput } from '../src/tsdb/block/index.js';
import { generateSeries, rng } from './lib/payloads.js';

const TIME_MS = Number(process.env.TIME_MS ?? 1000);
const SCRAPE_MS = 15_000;
const T0 = 1_700_000_000_000;
const SEED = 42;

interface Shape {
  readonly series: number;
  readonly samples: number;
  /** Published bytes/sample for this shape: [Prometheus 2.42, VictoriaMetrics]. */
  readonly reference: readonly [number, number];
}
const SHAPES: readonly Shape[] = [
  { series: 100_000, samples: 20, reference: [7.8, 6.4] },
  { series: 10_000, samples: 200, reference: [3.3, 1.75] },
];

/** The series of a shape, sorted by labels, chunks cut every SAMPLES_PER_CHUNK samples. */
function dataset(shape: Shape): SeriesInput[] {
  const gen = generateSeries(shape.series, SEED);
  const rand = rng(SEED + 1);
  const chunks: XorChunk[][] = gen.map(() => []);
  const mints: number[][] = gen.map(() => []);
  const maxts: number[][] = gen.map(() => []);
  for (let round = 0; round < shape.samples; round++) {
    // As prepareWorkload: one timestamp a round, values drawn series by series.
    const t = T0 + round * SCRAPE_MS + Math.floor(rand() * 50);
    for (let i = 0; i < gen.length; i++) {
      const s = gen[i]!;
      s.value = s.kind === 'counter' ? s.value + Math.floor(rand() * 100) : s.value * (0.95 + rand() * 0.1);
      const cs = chunks[i]!;
      if (cs.length === 0 || cs[cs.length - 1]!.numSamples >= SAMPLES_PER_CHUNK) {
        cs.push(new XorChunk());
        mints[i]!.push(t);
        maxts[i]!.push(t);
      }
      cs[cs.length - 1]!.append(t, s.value);
      maxts[i]![cs.length - 1] = t;
    }
  }
  const out: SeriesInput[] = gen.map((s, i) => ({
    labels: s.labels,
    chunks: chunks[i]!.map((c, k): ClosedChunk => ({ bytes: c.bytes().slice(), mint: mints[i]![k]!, maxt: maxts[i]![k]!, numSamples: c.numSamples })),
  }));
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

function sizeOf(dir: string, data: SeriesInput[], opts: { seriesPerGroup?: number; pageSizeBytes?: number; groupTargetBytes?: number; formatVersion?: 1 | 2 }, name: string) {
  const t0 = performance.now();
  writeBlock({ dir, ulid: name, series: data, level: 1, sources: [name], parents: [], ...opts });
  const ms = performance.now() - t0;
  renameSync(blockTmpPath(dir, name), blockPath(dir, name));
  return { bytes: statSync(blockPath(dir, name)).size, ms };
}

/** Bytes per table, from SQLite's dbstat (pages, so including free space in them). */
function tableBytes(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-block-bench-'));
try {
  for (const shape of SHAPES) {
    const data = dataset(shape);
    const samples = shape.series * shape.samples;
    let chunkBytes = 0;
    for (const s of data) for (const c of s.chunks) chunkBytes += c.bytes.length;
    const name = `s${shape.series}x${shape.samples}`;
    const { bytes, ms } = sizeOf(dir, data, {}, name);
    const [prom, vm] = shape.reference;
    console.log(
      `shape=${shape.series}x${shape.samples}: ${(bytes / samples).toFixed(3)} B/sample on disk ` +
        `(xor chunk bytes alone ${(chunkBytes / samples).toFixed(3)}; Prometheus 2.42 ${prom}, VictoriaMetrics ${vm}); ` +
        `file ${(bytes / 1e6).toFixed(2)} MB, written in ${ms.toFixed(0)} ms (${((samples / ms) * 1000 / 1e6).toFixed(2)} M samples/s)`,
    );
    console.log(`  by table (bytes/sample): ${Object.entries(tableBytes(blockPath(dir, name))).map(([k, v]) => `${k}=${(v / samples).toFixed(3)}`).join(' ')}`);

    // A general compressor over whole chunk blobs: XOR bit streams are near their entropy.
    let deflated = 0;
    const blobs = data.map((s) => Buffer.concat(s.chunks.map((c) => c.bytes)));
    const dt0 = performance.now();
    const compressed = blobs.map((b) => deflateRawSync(b));
    const dt1 = performance.now();
    for (const c of compressed) inflateRawSync(c);
    const dt2 = performance.now();
    for (const c of compressed) deflated += c.length;
    console.log(
      `  deflate per series blob: chunk bytes ${(chunkBytes / samples).toFixed(3)} -> ${(deflated / samples).toFixed(3)} B/sample ` +
        `(deflate ${(dt1 - dt0).toFixed(0)} ms, inflate ${(dt2 - dt1).toFixed(0)} ms for ${shape.series} series)`,
    );

    // Format 1 (XOR chunks as they are) beside format 2 (dense, the default): size and the
    // cost of reading every sample back (select, then decode each chunk), interleaved.
    const v1 = sizeOf(dir, data, { formatVersion: XOR_BLOCK_FORMAT_VERSION }, `${name}-v1`);
    console.log(`  format 1 (XOR chunks): ${(v1.bytes / samples).toFixed(3)} B/sample, written in ${v1.ms.toFixed(0)} ms`);
    const readers = [
      { label: 'format 2 (dense)', r: BlockReader.open(blockPath(dir, name)), ms: [] as number[] },
      { label: 'format 1 (XOR)', r: BlockReader.open(blockPath(dir, `${name}-v1`)), ms: [] as number[] },
    ];
    let check = 0;
    for (let rep = 0; rep < 7; rep++) {
      for (const x of readers) {
        const t0 = performance.now();
        let n = 0;
        for (const s of x.r.select([], -Infinity, Infinity)) {
          for (const c of s.chunks) {
            const it = chunkIterator(c);
            while (it.next()) {
              n++;
              check += it.v;
            }
          }
        }
        x.ms.push(performance.now() - t0);
        if (n !== samples) throw new Error(`${x.label}: read ${n} samples of ${samples}`);
      }
    }
    for (const x of readers) {
      const med = [...x.ms].sort((a, b) => a - b)[3]!;
      console.log(`  read every sample back, ${x.label}: median ${med.toFixed(0)} ms (${((samples / med) * 1000 / 1e6).toFixed(1)} M samples/s)`);
      x.r.close();
    }
    if (Number.isNaN(check)) console.log('  (checksum NaN)');

    if (process.env.VARIANTS === '1') {
      for (const pageSizeBytes of [4096, 16384, 65536]) {
        for (const groupTargetBytes of [pageSizeBytes / 16, pageSizeBytes / 4]) {
          const v = sizeOf(dir, data, { pageSizeBytes, groupTargetBytes }, `${name}-p${pageSizeBytes}-t${groupTargetBytes}`);
          console.log(`  page=${pageSizeBytes}/rowTarget=${groupTargetBytes}: ${(v.bytes / samples).toFixed(3)} B/sample, ${v.ms.toFixed(0)} ms`);
        }
      }
    }

    if (shape.series === 100_000) {
      const reader = BlockReader.open(blockPath(dir, name));
      const all = [T0, T0 + shape.samples * SCRAPE_MS] as const;
      const cases: [string, ReturnType<typeof newMatcher>[]][] = [
        ['one series', [newMatcher('=', '__name__', 'node_cpu_seconds_total'), newMatcher('=', 'instance', 'host-7.example.internal:9100'), newMatcher('=', 'cpu', '1'), newMatcher('=', 'mode', 'idle')]],
        ['one host (114 series)', [newMatcher('=', 'instance', 'host-7.example.internal:9100')]],
        ['one metric (3.5k series)', [newMatcher('=', '__name__', 'node_cpu_seconds_total')]],
        ['regex metric + label (7k series)', [newMatcher('=~', '__name__', 'node_network_.*_bytes_total'), newMatcher('!=', 'device', 'lo')]],
        ['all series (job=node, 100k)', [newMatcher('=', 'job', 'node')]],
      ];
      const bench = new Bench({ time: TIME_MS });
      for (const [label, ms] of cases) {
        const n = reader.select(ms, all[0], all[1]).length;
        bench.add(`select/${label}/n=${n}`, () => {
          reader.select(ms, all[0], all[1]);
        });
      }
      bench.add('labelValues/instance', () => {
        reader.labelValues('instance');
      });
      await bench.run();
      console.table(bench.table());
      reader.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
