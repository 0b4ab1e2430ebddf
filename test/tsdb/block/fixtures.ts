/** Shared helpers of the block tests: chunks from samples, temp dirs, brute-force filters. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach } from 'vitest';
import { compareLabels, labelsKey, labelValue, type Label, type Labels } from '../../../src/model/labels.js';
import type { Matcher } from '../../../src/model/matcher.js';
import { chunkIterator } from '../../../src/tsdb/chunkenc/chunk-iterator.js';
import { SAMPLES_PER_CHUNK, XorChunk } from '../../../src/tsdb/chunkenc/xor.js';
import type { ClosedChunk } from '../../../src/tsdb/chunkenc/xor-open.js';
import type { BlockSeries, SeriesInput } from '../../../src/tsdb/block/block-meta.js';

/** A fresh temp dir per test, removed after it. */
export function useTempDir(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'cairn-block-test-'));
    dirs.push(d);
    return d;
  };
}

/** One XOR chunk holding the samples. */
export function chunkOf(samples: readonly (readonly [number, number])[]): ClosedChunk {
  const c = new XorChunk();
  for (const [t, v] of samples) c.append(t, v);
  return { bytes: c.bytes().slice(), mint: samples[0]![0], maxt: samples[samples.length - 1]![0], numSamples: samples.length };
}

/** Samples cut into chunks of at most SAMPLES_PER_CHUNK. */
export function chunksOf(samples: readonly (readonly [number, number])[], perChunk = SAMPLES_PER_CHUNK): ClosedChunk[] {
  const out: ClosedChunk[] = [];
  for (let i = 0; i < samples.length; i += perChunk) out.push(chunkOf(samples.slice(i, i + perChunk)));
  return out;
}

/** Every sample of the chunks, in order. */
export function samplesOf(chunks: readonly ClosedChunk[]): [number, number][] {
  const out: [number, number][] = [];
  for (const c of chunks) {
    const it = chunkIterator(c);
    while (it.next()) out.push([it.t, it.v]);
    if (it.err() !== undefined) throw it.err();
  }
  return out;
}

export function labels(o: Record<string, string>): Labels {
  return Object.entries(o)
    .map(([name, value]): Label => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A chunk's samples as `t:value bits in hex`, so any encoding of the same samples compares equal, bit for bit. */
function sampleBits(c: ClosedChunk): string[] {
  const f = new Float64Array(1);
  const out: string[] = [];
  const it = chunkIterator(c);
  while (it.next()) {
    f[0] = it.v;
    out.push(`${it.t}:${Buffer.from(f.buffer).toString('hex')}`);
  }
  if (it.err() !== undefined) throw it.err();
  return out;
}

/** Comparable form of series: labels as strings, chunks by bounds and exact samples (not bytes: blocks transcode). */
export function plain(series: readonly (SeriesInput | BlockSeries)[]) {
  return series.map((s) => ({
    labels: s.labels.map((l) => `${l.name}=${l.value}`).join(','),
    chunks: s.chunks.map((c) => ({ mint: c.mint, maxt: c.maxt, n: c.numSamples, samples: sampleBits(c) })),
  }));
}

/** The brute-force answer to a select. */
export function bruteSelect(input: readonly SeriesInput[], matchers: readonly Matcher[], mint: number, maxt: number): SeriesInput[] {
  return input
    .filter((s) => matchers.every((m) => m.matches(labelValue(s.labels, m.name))))
    .map((s) => ({ labels: s.labels, chunks: s.chunks.filter((c) => c.maxt >= mint && c.mint <= maxt) }))
    .filter((s) => s.chunks.length > 0);
}

const NAMES = ['__name__', 'a', 'b', 'job'];
const VALUES = ['x', 'y', 'xy', 'z', 'up', 'é'];
const T0 = 1_700_000_000_000;

/** Random series, sorted and unique, some without chunks, chunks with random samples. */
export const seriesArb: fc.Arbitrary<SeriesInput[]> = fc
  .array(
    fc.record({
      labels: fc.dictionary(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), { minKeys: 1 }),
      chunks: fc.array(
        fc.record({ n: fc.integer({ min: 1, max: 30 }), step: fc.integer({ min: 1, max: 60_000 }), gap: fc.integer({ min: 1, max: 1_000_000 }), v: fc.double({ noNaN: false }) }),
        { maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((rows) => {
    const seen = new Set<string>();
    const out: SeriesInput[] = [];
    for (const r of rows) {
      const ls = labels(r.labels);
      const key = labelsKey(ls);
      if (seen.has(key)) continue;
      seen.add(key);
      let t = T0;
      const chunks = r.chunks.map((c) => {
        const samples: [number, number][] = [];
        for (let i = 0; i < c.n; i++) samples.push([(t += c.step), c.v + i]);
        t += c.gap;
        return chunkOf(samples);
      });
      out.push({ labels: ls, chunks });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  });

/** Random matcher specs: [type, name, value]. */
export const matcherSpecArb = fc.tuple(
  fc.constantFrom('=', '!=', '=~', '!~' as const),
  fc.constantFrom(...NAMES, 'missing'),
  fc.constantFrom(...VALUES, '', 'x.*', '.+', '.*', 'x|z', 'nope'),
);

export { T0 };
