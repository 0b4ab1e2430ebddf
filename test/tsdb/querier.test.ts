// Proves the querier over head ∪ blocks, table-driven: head only, blocks only, overlapping
// blocks with duplicate samples, data split across block and head boundaries, series found
// in some sources only — each series once, in label order, every sample once, clipped to
// the query range; label names and values are the union of the sources; a labels-only
// select (the series API's) finds the same series.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { newMatcher } from '../../src/model/matcher.js';
import { BlockReader } from '../../src/tsdb/block/block-reader.js';
import { writeBlock } from '../../src/tsdb/block/block-writer.js';
import { newUlid } from '../../src/storage/ulid.js';
import { OpenBlock } from '../../src/tsdb/block-set.js';
import { Head } from '../../src/tsdb/head.js';
import { HeadAppender, type WalSink } from '../../src/tsdb/head-append.js';
import { HeadQuerier } from '../../src/tsdb/head-read.js';
import { TenantQuerier } from '../../src/tsdb/querier.js';
import { chunksOf, labels, useTempDir } from './block/fixtures.js';

const tempDir = useTempDir();
const sink: WalSink = { append() {}, async waitDurable() {} };

/** Series name → sample times (value = time / 10). */
type Data = Record<string, number[]>;

function block(dir: string, data: Data): OpenBlock {
  const ulid = newUlid(Date.now());
  const series = Object.entries(data)
    .map(([name, ts]) => ({ labels: labels({ __name__: 'm', s: name }), chunks: chunksOf(ts.map((t) => [t, t / 10] as const), 4) }))
    .sort((a, b) => (a.labels[1]!.value < b.labels[1]!.value ? -1 : 1));
  writeBlock({ dir, ulid, series, level: 1, sources: [ulid], parents: [] });
  renameSync(join(dir, `${ulid}.tmp`), join(dir, `${ulid}.db`));
  const reader = BlockReader.open(join(dir, `${ulid}.db`));
  return new OpenBlock(join(dir, `${ulid}.db`), reader.meta, reader, 0);
}

async function head(data: Data): Promise<Head> {
  const h = new Head('t', () => ({ ...defaultConfig().limits, maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0 }));
  const app = new HeadAppender(h, sink);
  for (const [name, ts] of Object.entries(data)) for (const t of ts) app.append(0, labels({ __name__: 'm', s: name }), t, t / 10);
  await app.commit();
  return h;
}

function read(q: TenantQuerier): Data {
  const out: Data = {};
  const set = q.select([newMatcher('=', '__name__', 'm')]);
  const order: string[] = [];
  while (set.next()) {
    const s = set.at();
    const name = s.labels.find((l) => l.name === 's')!.value;
    order.push(name);
    const it = s.iterator();
    const ts: number[] = [];
    while (it.next()) {
      expect(it.v).toBe(it.t / 10);
      ts.push(it.t);
    }
    out[name] = ts;
  }
  expect(order).toEqual([...order].sort());
  return out;
}

const range = (from: number, to: number, step = 10) => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => from + i * step);

const cases: { name: string; blocks: Data[]; head: Data; headFrom?: number; mint?: number; maxt?: number; want: Data }[] = [
  { name: 'head only', blocks: [], head: { a: range(0, 100) }, want: { a: range(0, 100) } },
  { name: 'blocks only', blocks: [{ a: range(0, 50) }, { a: range(50, 100), b: [70] }], head: {}, want: { a: range(0, 100), b: [70] } },
  {
    name: 'overlapping blocks with duplicate samples',
    blocks: [{ a: range(0, 80) }, { a: range(40, 120) }, { a: [45, 55, 125] }],
    head: {},
    want: { a: [...range(0, 120), 45, 55, 125].sort((x, y) => x - y) },
  },
  {
    name: 'across block and head boundaries, head below its floor ignored',
    blocks: [{ a: range(0, 100), b: range(0, 50) }],
    head: { a: range(60, 200), c: range(100, 150) },
    headFrom: 100,
    want: { a: range(0, 200), b: range(0, 50), c: range(100, 150) },
  },
  {
    name: 'clipped to the query range',
    blocks: [{ a: range(0, 100) }],
    head: { a: range(100, 200), d: [300] },
    headFrom: 100,
    mint: 55,
    maxt: 145,
    want: { a: range(60, 150) },
  },
  { name: 'a series only in an older block', blocks: [{ z: [1, 2] }, { a: [5] }], head: { a: [6] }, want: { a: [5, 6], z: [1, 2] } },
];

describe('TenantQuerier', () => {
  it.each(cases)('$name', async (c) => {
    const dir = tempDir();
    const blocks = c.blocks.map((d) => block(dir, d));
    for (const b of blocks) b.acquire();
    let closed = 0;
    const mint = c.mint ?? -Infinity;
    const maxt = c.maxt ?? Infinity;
    const q = new TenantQuerier({ head: new HeadQuerier(await head(c.head), mint, maxt), headFrom: c.headFrom ?? -Infinity, blocks, onClose: () => closed++ }, mint, maxt);
    expect(read(q)).toEqual(c.want);
    // The series API's labels-only select finds the same series, in order.
    const set = q.select([newMatcher('=', '__name__', 'm')], { mint, maxt, func: 'series' });
    const names: string[] = [];
    while (set.next()) names.push(set.at().labels.find((l) => l.name === 's')!.value);
    expect(names).toEqual(Object.keys(c.want).sort());
    q.close();
    q.close();
    expect(closed).toBe(1);
    for (const b of blocks) b.doom();
  });

  it('lists label names and values of blocks and head together', async () => {
    const dir = tempDir();
    const b = block(dir, { a: [1], b: [2] });
    b.acquire();
    const q = new TenantQuerier({ head: new HeadQuerier(await head({ c: [3] }), -Infinity, Infinity), headFrom: -Infinity, blocks: [b], onClose: () => {} }, -Infinity, Infinity);
    expect(q.labelNames()).toEqual(['__name__', 's']);
    expect(q.labelValues('s')).toEqual(['a', 'b', 'c']);
    expect(q.labelValues('s', [newMatcher('=~', 's', '[bc]')])).toEqual(['b', 'c']);
    q.close();
  });
});
