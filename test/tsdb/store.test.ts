// Proves the store's head → blocks life cycle on real files and real worker threads: flush
// and head compaction move samples into blocks that read back exactly once (across block
// boundaries, for a querier opened before a swap too, after a restart), compaction merges
// a window's blocks, retention deletes old blocks and frees their disk space, and a failing
// worker neither loses data nor stops ingestion.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { ManualClock } from '../../src/util/clock.js';
import type { BlockJobFault } from '../../src/tsdb/block-jobs.js';
import type { CompactorEvent } from '../../src/tsdb/compactor.js';
import type { Querier } from '../../src/tsdb/interface.js';
import { Tsdb, defaultTsdbOptions, type TsdbEvent } from '../../src/tsdb/tsdb.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = 'tenant-a';

const dirs: string[] = [];
const open: Tsdb[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  dir?: string;
  retentionMs?: number;
  clock?: ManualClock;
  fault?: () => BlockJobFault | undefined;
  readerWaitMs?: number;
}

async function openDb(s: Setup = {}): Promise<{ db: Tsdb; dir: string; events: CompactorEvent[] }> {
  const dir = s.dir ?? mkdtempSync(join(tmpdir(), 'cairn-store-'));
  if (s.dir === undefined) dirs.push(dir);
  const events: CompactorEvent[] = [];
  const db = new Tsdb(
    { ...defaultTsdbOptions(dir), fsync: 'never', compactionIntervalMs: 3_600_000, clock: s.clock ?? new ManualClock(0), blockJobFault: s.fault, readerWaitMs: s.readerWaitMs },
    { forTenant: () => ({ maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0, maxGlobalExemplarsPerUser: 0, compactorBlocksRetentionPeriodMs: s.retentionMs ?? 0 }) },
    (e: TsdbEvent) => {
      if (e.kind === 'compactor') events.push(e.event);
    },
  );
  await db.start();
  open.push(db);
  return { db, dir, events };
}

async function stop(db: Tsdb): Promise<void> {
  open.splice(open.indexOf(db), 1);
  await db.stop();
}

/** `n` series `m{i=...}` with a sample every `stepMs` over [from, to). */
async function write(db: Tsdb, from: number, to: number, n = 3, stepMs = 60_000): Promise<number> {
  const app = db.appender(T);
  let count = 0;
  for (let t = from; t < to; t += stepMs) {
    for (let i = 0; i < n; i++) {
      app.append(0, labelsFromObject({ __name__: 'm', i: String(i) }), t, t / 1000 + i);
      count++;
    }
  }
  await app.commit();
  return count;
}

/** Every sample as `i@t`, checking values and order; throws on a duplicate timestamp. */
function readAll(q: Querier, mint = -Infinity, maxt = Infinity): string[] {
  const set = q.select([newMatcher('=', '__name__', 'm')], { mint, maxt });
  const out: string[] = [];
  while (set.next()) {
    const s = set.at();
    const i = s.labels.find((l) => l.name === 'i')!.value;
    const it = s.iterator();
    let last = -Infinity;
    while (it.next()) {
      if (it.t <= last) throw new Error(`series ${i}: ${it.t} after ${last}`);
      last = it.t;
      expect(it.v).toBe(it.t / 1000 + Number(i));
      out.push(`${i}@${it.t}`);
    }
  }
  q.close();
  return out;
}

function expected(from: number, to: number, n = 3, stepMs = 60_000): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) for (let t = from; t < to; t += stepMs) out.push(`${i}@${t}`);
  return out;
}

const blockFiles = (dir: string) => readdirSync(join(dir, 'tenants', T, 'tsdb', 'blocks'));

describe('flush', () => {
  it('moves the whole head into a block; reads stay exact, across restart', async () => {
    const { db, dir } = await openDb();
    await write(db, 0, 30 * 60_000);
    const [result] = await db.flush(T);
    expect(result).toMatchObject({ tenant: T, report: { blocksWritten: 1, samplesWritten: 90 } });
    expect(db.head(T)!.series.size).toBe(0);
    expect(blockFiles(dir).filter((f) => f.endsWith('.db'))).toHaveLength(1);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 30 * 60_000));
    // Samples below the flushed data are refused; newer ones land in the head.
    await expect(write(db, 0, 60_000)).rejects.toThrow(/too old/);
    await write(db, 30 * 60_000, 40 * 60_000);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 40 * 60_000));
    await stop(db);
    const again = await openDb({ dir });
    expect(readAll(again.db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 40 * 60_000));
  });

  it('keeps the samples older than the cut of series that received newer ones while the cut yielded', async () => {
    const { db, dir } = await openDb();
    const n = 3000;
    // Each series' open chunk ends at 9 min: the cut's boundary is 9 min + 1 ms.
    await write(db, 0, 10 * 60_000, n);
    const flushing = db.flush(T);
    // While the cut gathers series in short stretches, every series gets a newer sample:
    // the ones not gathered yet have an open chunk that now ends past the boundary.
    let pushes = 0;
    let done = false;
    void flushing.then(() => (done = true));
    while (!done && pushes < 200) {
      await new Promise((r) => setImmediate(r));
      const t = 10 * 60_000 + pushes;
      const app = db.appender(T);
      for (let i = 0; i < n; i++) app.append(0, labelsFromObject({ __name__: 'm', i: String(i) }), t, t / 1000 + i);
      await app.commit();
      pushes++;
    }
    await flushing;
    expect(pushes).toBeGreaterThan(0);
    const want = new Set(expected(0, 10 * 60_000, n));
    const got = new Set(readAll(db.querier(T, -Infinity, Infinity)));
    const missing = [...want].filter((k) => !got.has(k));
    expect(missing.slice(0, 5)).toEqual([]);
    // And after a restart (blocks, then the WAL's checkpoint and tail).
    await stop(db);
    const again = (await openDb({ dir })).db;
    const after = new Set(readAll(again.querier(T, -Infinity, Infinity)));
    expect([...want].filter((k) => !after.has(k)).slice(0, 5)).toEqual([]);
  });

  it('a querier opened before the swap still sees every sample once', async () => {
    const { db } = await openDb();
    await write(db, 0, 20 * 60_000);
    const before = db.querier(T, -Infinity, Infinity);
    await db.flush(T);
    expect(readAll(before)).toEqual(expected(0, 20 * 60_000));
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 20 * 60_000));
    // Once the old querier closed, the head let go of the flushed chunks.
    await db.store(T)!.headTruncated();
    expect(db.head(T)!.series.size).toBe(0);
  });

  it.each([
    { name: 'by default', readerWaitMs: undefined, kept: true },
    { name: 'not past readerWaitMs', readerWaitMs: 0, kept: false },
  ])('a truncation waits for a querier opened before it $name', async ({ readerWaitMs, kept }) => {
    const { db } = await openDb({ readerWaitMs });
    await write(db, 0, 20 * 60_000);
    const before = db.querier(T, -Infinity, Infinity);
    await db.flush(T);
    await db.store(T)!.headTruncated();
    // Queries read head chunks in place: the head keeps them while the querier may read.
    expect(db.head(T)!.series.size > 0).toBe(kept);
    before.close();
    await db.store(T)!.headTruncated();
    expect(db.head(T)!.series.size).toBe(0);
  });

  it('answers with nothing done for an empty head', async () => {
    const { db } = await openDb();
    await write(db, 0, 60_000);
    await db.flush(T);
    const [again] = await db.flush(T);
    expect(again!.report.blocksWritten).toBe(0);
  });
});

describe('head compaction and block compaction', () => {
  it('cuts 2 h blocks while the head spans more than 3 h, reads across boundaries', async () => {
    const { db } = await openDb();
    await write(db, 0, 7 * HOUR, 2, 5 * 60_000);
    await db.maintain();
    const store = db.store(T)!;
    const ranges = store.blocks.all().map((b) => [b.meta.minTime, b.meta.maxTime]);
    expect(ranges).toEqual([
      [0, 2 * HOUR - 5 * 60_000],
      [2 * HOUR, 4 * HOUR - 5 * 60_000],
    ]);
    expect(db.head(T)!.minT).toBe(4 * HOUR);
    expect(readAll(db.querier(T, -Infinity, Infinity), 0, 7 * HOUR)).toEqual(expected(0, 7 * HOUR, 2, 5 * 60_000));
    // A range straddling a block boundary and the head.
    expect(readAll(db.querier(T, HOUR, 5 * HOUR))).toEqual(expected(0, 7 * HOUR, 2, 5 * 60_000).filter((s) => {
      const t = Number(s.split('@')[1]);
      return t >= HOUR && t <= 5 * HOUR;
    }));
  });

  it('merges the blocks of a complete day into one; flush merges the current day too', async () => {
    const { db, dir } = await openDb();
    // Day 0 in three flushes, then a sample on day 1 so day 0 is complete.
    await write(db, 0, HOUR);
    await db.flush(T);
    await write(db, HOUR, 2 * HOUR);
    await db.flush(T);
    expect(db.store(T)!.blocks.all()).toHaveLength(1); // flush already merged them
    await write(db, 2 * HOUR, 3 * HOUR);
    await write(db, DAY, DAY + HOUR);
    await db.flush(T);
    const blocks = db.store(T)!.blocks.all();
    // Day 0: the level-2 block of the first flushes merged with the third flush's block.
    expect(blocks.map((b) => [b.meta.minTime, b.meta.level])).toEqual([
      [0, 3],
      [DAY, 1],
    ]);
    expect(blockFiles(dir).filter((f) => f.endsWith('.db'))).toHaveLength(2);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(
      [...expected(0, 3 * HOUR), ...expected(DAY, DAY + HOUR)].sort((a, b) => Number(a.split('@')[0]) - Number(b.split('@')[0])),
    );
  });
});

describe('retention', () => {
  it('deletes blocks older than the retention period and frees the disk', async () => {
    const clock = new ManualClock(DAY);
    const { db, dir } = await openDb({ clock, retentionMs: 2 * DAY });
    await write(db, 0, HOUR, 50);
    await db.flush(T);
    await write(db, DAY, DAY + HOUR, 50);
    await db.flush(T);
    const bytes = () => blockFiles(dir).reduce((n, f) => n + statSync(join(dir, 'tenants', T, 'tsdb', 'blocks', f)).size, 0);
    const full = bytes();
    expect(db.store(T)!.blocks.all()).toHaveLength(2);
    clock.set(2 * DAY + 2 * HOUR); // day 0's block is now older than 2 days
    const [r] = await db.flush(T);
    expect(r!.report.blocksDeleted).toBe(1);
    expect(db.store(T)!.blocks.all().map((b) => b.meta.minTime)).toEqual([DAY]);
    expect(bytes()).toBeLessThan(full);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toHaveLength(50 * 60);
  });
});

describe('worker failures', () => {
  it.each<BlockJobFault>(['throw', 'exit'])('a worker that fails (%s) loses nothing, and the retry succeeds', async (fault) => {
    let fail = true;
    const { db, events } = await openDb({ fault: () => (fail ? fault : undefined) });
    await write(db, 0, 30 * 60_000);
    await expect(db.flush(T)).rejects.toThrow();
    expect(events.some((e) => e.kind === 'failed')).toBe(true);
    // Ingestion and queries go on.
    await write(db, 30 * 60_000, 40 * 60_000);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 40 * 60_000));
    fail = false;
    const [r] = await db.flush(T);
    expect(r!.report.blocksWritten).toBe(1);
    expect(readAll(db.querier(T, -Infinity, Infinity))).toEqual(expected(0, 40 * 60_000));
  });
});
