/**
 * bench/chunkenc: XOR chunk encode and decode speed (samples/s) and density (bytes/sample)
 * for four value patterns, in chunks of SAMPLES_PER_CHUNK samples as the head writes them.
 * Data is generated once from a fixed seed. Run: `npx tsx bench/chunkenc.bench.ts` (or
 * `npm run bench -- chunkenc`). Set TIME_MS to change the time budget per case.
 */
import { mulberry32 as rng } from '../src/util/random.js';
import { Bench } from 'tinybench';
import { SAMPLES_PER_CHUNK, XorChunk, XorIterator } from '../src/tsdb/chunkenc/index.js';

/** Chunks per pattern: enough distinct data that one chunk's branch history does not dominate. */
const CHUNKS = 256;
/** Chunks encoded or decoded per timed iteration, so one timer read covers ~10 µs of work. */
const CHUNKS_PER_ITERATION = 8;
const SAMPLES_PER_ITERATION = CHUNKS_PER_ITERATION * SAMPLES_PER_CHUNK;
/** Time budget per case, ms; tinybench's default. */
const TIME_MS = Number(process.env.TIME_MS ?? 1000);
/** A 15 s scrape interval, the most common Prometheus setting. */
const SCRAPE_MS = 15_000;
const SEED = 0x5eed;
const T0 = 1_700_000_000_000;


interface Pattern {
  readonly name: string;
  /** Fills ts/vs for one chunk. */
  readonly fill: (r: () => number, ts: Float64Array, vs: Float64Array) => void;
}

const PATTERNS: readonly Pattern[] = [
  {
    // Requests served: integer increments at a regular scrape.
    name: 'counter',
    fill(r, ts, vs) {
      let v = Math.floor(r() * 1e6);
      for (let i = 0; i < ts.length; i++) {
        ts[i] = T0 + i * SCRAPE_MS;
        v += Math.floor(r() * 100);
        vs[i] = v;
      }
    },
  },
  {
    // A temperature or queue length: a random walk with two decimals.
    name: 'gauge',
    fill(r, ts, vs) {
      let v = 50;
      for (let i = 0; i < ts.length; i++) {
        ts[i] = T0 + i * SCRAPE_MS;
        v = Math.round((v + (r() - 0.5) * 2) * 100) / 100;
        vs[i] = v;
      }
    },
  },
  {
    // `up`, build info, a config value: the best case.
    name: 'constant',
    fill(_r, ts, vs) {
      for (let i = 0; i < ts.length; i++) {
        ts[i] = T0 + i * SCRAPE_MS;
        vs[i] = 1;
      }
    },
  },
  {
    // Full-mantissa noise with ±50 ms timestamp jitter: the worst realistic case.
    name: 'random',
    fill(r, ts, vs) {
      for (let i = 0; i < ts.length; i++) {
        ts[i] = T0 + i * SCRAPE_MS + Math.round((r() - 0.5) * 100);
        vs[i] = r() * 1000;
      }
    },
  },
];

interface Data {
  readonly ts: Float64Array[];
  readonly vs: Float64Array[];
  readonly chunks: Uint8Array[];
  readonly bytesPerSample: number;
}

function generate(p: Pattern, seed: number): Data {
  const r = rng(seed);
  const ts: Float64Array[] = [];
  const vs: Float64Array[] = [];
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (let c = 0; c < CHUNKS; c++) {
    const t = new Float64Array(SAMPLES_PER_CHUNK);
    const v = new Float64Array(SAMPLES_PER_CHUNK);
    p.fill(r, t, v);
    const chunk = new XorChunk();
    for (let i = 0; i < t.length; i++) chunk.append(t[i]!, v[i]!);
    const b = chunk.bytes().slice();
    bytes += b.length;
    ts.push(t);
    vs.push(v);
    chunks.push(b);
  }
  return { ts, vs, chunks, bytesPerSample: bytes / (CHUNKS * SAMPLES_PER_CHUNK) };
}

let sink = 0;
const bench = new Bench({ name: 'chunkenc', time: TIME_MS });
const density = new Map<string, number>();

PATTERNS.forEach((p, k) => {
  const data = generate(p, SEED + k);
  density.set(p.name, data.bytesPerSample);
  let next = 0;
  bench.add(`enc=xor/pattern=${p.name}/op=encode`, () => {
    for (let n = 0; n < CHUNKS_PER_ITERATION; n++) {
      const c = next++ % CHUNKS;
      const t = data.ts[c]!;
      const v = data.vs[c]!;
      const chunk = new XorChunk();
      for (let i = 0; i < SAMPLES_PER_CHUNK; i++) chunk.append(t[i]!, v[i]!);
      sink += chunk.bytes().length;
    }
  });
  const it = new XorIterator(data.chunks[0]!);
  bench.add(`enc=xor/pattern=${p.name}/op=decode`, () => {
    for (let n = 0; n < CHUNKS_PER_ITERATION; n++) {
      it.reset(data.chunks[next++ % CHUNKS]!);
      while (it.next()) sink += it.t + it.v;
    }
  });
});

await bench.run();

console.log(`bench/chunkenc: ${SAMPLES_PER_CHUNK} samples a chunk, ${CHUNKS} chunks a pattern, seed ${SEED}, node ${process.version}\n`);
console.log('| case | samples/s | ns/sample | ±% | bytes/sample |');
console.log('|---|---:|---:|---:|---:|');
for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') {
    console.log(`| ${task.name} | ${r.state} | | | |`);
    continue;
  }
  const samplesPerS = r.throughput.mean * SAMPLES_PER_ITERATION;
  const pattern = /pattern=(\w+)/.exec(task.name)![1]!;
  console.log(
    `| ${task.name} | ${(samplesPerS / 1e6).toFixed(1)} M | ${(1e9 / samplesPerS).toFixed(1)} | ${r.latency.rme.toFixed(1)} | ${density.get(pattern)!.toFixed(3)} |`,
  );
}
if (sink === 42) console.log(''); // keeps the work observable to the optimiser
