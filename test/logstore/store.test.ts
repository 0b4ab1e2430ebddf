// Proves the log store's life cycle on real files and real worker threads: entries read
// back exactly once and in order (both directions) from the head, from blocks after a
// flush, after a restart (WAL replay, with and without a checkpoint), after compaction;
// the ingester's rules (stream limit, out-of-order window, duplicates, retention floor);
// retention deletes blocks; a failing worker loses nothing.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labelsFromObject, type Labels } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { createLogWorkerPool, type LogJobFault, type LogJobRunner } from '../../src/logstore/block/log-jobs.js';
import { formatNs, type LogEntry } from '../../src/logstore/entry.js';
import { emptySelectCounters, LogAppendStatus, type Direction, type LogQuerier, type LogSelectParams } from '../../src/logstore/interface.js';
import { LogStore, defaultLogStoreOptions, type LogStoreEvent } from '../../src/logstore/logstore.js';
import { ManualClock } from '../../src/util/clock.js';
import { isCairnError } from '../../src/util/errors.js';

const T = 'tenant-a';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const dirs: string[] = [];
const open: LogStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  dir?: string;
  clock?: ManualClock;
  maxStreams?: number;
  retentionMs?: number;
  chunkBytes?: number;
  fault?: () => LogJobFault | undefined;
  events?: LogStoreEvent[];
  jobRunner?: LogJobRunner;
}

async function openStore(s: Setup = {}): Promise<{ store: LogStore; dir: string }> {
  const dir = s.dir ?? mkdtempSync(join(tmpdir(), 'cairn-logs-'));
  if (s.dir === undefined) dirs.push(dir);
  const d = defaultLogStoreOptions(dir);
  const store = new LogStore(
    { ...d, fsync: 'never', compactionIntervalMs: HOUR, clock: s.clock ?? new ManualClock(NOW), head: { ...d.head, chunkTargetBytes: s.chunkBytes ?? d.head.chunkTargetBytes }, jobFault: s.fault, jobRunner: s.jobRunner },
    { forTenant: () => ({ maxGlobalStreamsPerUser: s.maxStreams ?? 0, retentionPeriodMs: s.retentionMs ?? 0 }) },
    (e) => s.events?.push(e),
  );
  await store.start();
  open.push(store);
  return { store, dir };
}

async function stop(store: LogStore): Promise<void> {
  open.splice(open.indexOf(store), 1);
  await store.stop();
}

const stream = (i: number): Labels => labelsFromObject({ job: 'app', pod: `p${i}` });
const entry = (tMs: number, line: string, tNs = 0): LogEntry => ({ tMs, tNs, line, metadata: [] });

/** Pushes entries k in [k0, k0 + n) per stream, entry k at BASE + k s (+ k % 7 ns), line `s<i>-<k>`. */
async function push(store: LogStore, streams: number, n: number, k0 = 0): Promise<void> {
  const app = store.logAppender(T);
  const from = NOW - HOUR;
  for (let i = 0; i < streams; i++) {
    const s = app.streamFor(stream(i));
    for (let k = k0; k < k0 + n; k++) expect(app.append(s, entry(from + k * 1000, `s${i}-${k} ${'x'.repeat(50)}`, k % 7))).toBeLessThanOrEqual(LogAppendStatus.Duplicate);
  }
  await app.commit();
}

/** Everything in the store as `labels → [ns, line][]`, in the direction asked. */
function readAll(q: LogQuerier, direction: Direction = 'forward', extra: Partial<LogSelectParams> = {}): Map<string, [string, string][]> {
  const set = q.select([newMatcher('=', 'job', 'app')], { startMs: 0, startNs: 0, endMs: NOW + DAY, endNs: 0, direction, ...extra });
  const out = new Map<string, [string, string][]>();
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const list: [string, string][] = [];
    while (it.next()) list.push([formatNs(it.at().tMs, it.at().tNs), it.at().line]);
    out.set(s.labels.map((l) => `${l.name}=${l.value}`).join(','), list);
  }
  q.close();
  return out;
}

function expected(streams: number, n: number): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  const from = NOW - HOUR;
  for (let i = 0; i < streams; i++) {
    const list: [string, string][] = [];
    for (let k = 0; k < n; k++) list.push([formatNs(from + k * 1000, k % 7), `s${i}-${k} ${'x'.repeat(50)}`]);
    out.set(`job=app,pod=p${i}`, list);
  }
  return out;
}

const blockFiles = (dir: string) => readdirSync(join(dir, 'tenants', T, 'logs', 'blocks')).filter((n) => n.endsWith('.db'));

describe('LogStore', () => {
  it('reads back the head in both directions, exactly once', async () => {
    const { store } = await openStore({ chunkBytes: 4096 });
    await push(store, 3, 300);
    await store.store(T)!.compressPending();
    const fwd = readAll(store.logQuerier(T, 0, NOW + DAY));
    expect(fwd).toEqual(expected(3, 300));
    const back = readAll(store.logQuerier(T, 0, NOW + DAY), 'backward');
    expect([...back.values()][0]).toEqual([...expected(3, 300).values()][0]!.slice().reverse());
  });

  it('clips to [start, end) with ns precision and applies the line filter', async () => {
    const { store } = await openStore();
    const app = store.logAppender(T);
    const s = app.streamFor(stream(0));
    for (const ns of [0, 1, 2, 3]) app.append(s, entry(NOW, `l${ns}`, ns));
    await app.commit();
    const q = store.logQuerier(T, 0, NOW + 1);
    const set = q.select([newMatcher('=', 'job', 'app')], { startMs: NOW, startNs: 1, endMs: NOW, endNs: 3, direction: 'forward', lineFilter: (l) => l !== 'l2' });
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    const got: string[] = [];
    while (it.next()) got.push(it.at().line);
    expect(got).toEqual(['l1']);
    q.close();
  });

  it('moves everything into a block on flush and reads it back once, also after a restart', async () => {
    const { store, dir } = await openStore({ chunkBytes: 8192 });
    await push(store, 4, 500);
    const [res] = await store.flush(T);
    // Written from the head, then recompressed by compaction into the block that stays.
    expect(res!.report).toMatchObject({ blocksWritten: 2, blocksCompacted: 1, entriesWritten: 2000 });
    expect(store.store(T)!.head.entryCount()).toBe(0);
    expect(blockFiles(dir)).toHaveLength(1);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(4, 500));
    // More in the head (WAL after the checkpoint), then a restart.
    await push(store, 4, 100, 500);
    await stop(store);
    const again = await openStore({ dir, chunkBytes: 8192 });
    expect(readAll(again.store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(4, 600));
  });

  it('replays the WAL after a restart without a flush', async () => {
    const { store, dir } = await openStore({ chunkBytes: 4096 });
    await push(store, 2, 400);
    await stop(store);
    const again = await openStore({ dir });
    expect(readAll(again.store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 400));
  });

  it('compacts blocks into one without duplicates', async () => {
    const { store, dir } = await openStore({ chunkBytes: 4096 });
    for (let r = 0; r < 3; r++) {
      await push(store, 2, 100, r * 100);
      // A repeated push of the same entries is merged on read and dropped by compaction.
      if (r === 1) await push(store, 2, 100, r * 100);
      const app = store.logAppender(T);
      await app.commit();
      await store.store(T)!.flushHead(true);
    }
    expect(blockFiles(dir).length).toBeGreaterThanOrEqual(3);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 300));
    const [res] = await store.flush(T);
    expect(res!.report.blocksCompacted).toBeGreaterThanOrEqual(3);
    expect(blockFiles(dir)).toHaveLength(1);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 300));
  });

  it('keeps entries of equal time in write order, in the head, in blocks and after compaction (as Loki)', async () => {
    const { store } = await openStore({ chunkBytes: 256 });
    const t = NOW - HOUR;
    // Lines sorting differently by text than by write order, spread over pushes, chunks and blocks.
    const lines = ['tie 2', 'tie 10', 'tie 1', 'tie 0', 'tie 11'];
    const want = lines.map((l) => [formatNs(t, 0), `${l} ${'x'.repeat(60)}`] as [string, string]);
    const write = async (from: number, to: number) => {
      const app = store.logAppender(T);
      const s = app.streamFor(stream(0));
      for (const [, line] of want.slice(from, to)) app.append(s, entry(t, line));
      await app.commit();
    };
    const read = (d: Direction) => [...readAll(store.logQuerier(T, 0, NOW + DAY), d).values()][0];
    await write(0, 3);
    expect(read('forward')).toEqual(want.slice(0, 3));
    await store.store(T)!.flushHead(true);
    await write(3, 5);
    expect(read('forward')).toEqual(want);
    expect(read('backward')).toEqual([...want].reverse());
    await store.store(T)!.flushHead(true);
    await store.flush(T);
    expect(read('forward')).toEqual(want);
    expect(read('backward')).toEqual([...want].reverse());
  });

  it('hands out entries without lines to a counting reader only where no duplicate can hide', async () => {
    const { store } = await openStore({ chunkBytes: 4096 });
    await push(store, 1, 100);
    await store.store(T)!.flushHead(true);
    const count = (linesUnused: boolean) => {
      const q = store.logQuerier(T, 0, NOW + DAY);
      const set = q.select([newMatcher('=', 'job', 'app')], { startMs: 0, startNs: 0, endMs: NOW + DAY, endNs: 0, direction: 'forward', linesUnused });
      const lines: string[] = [];
      while (set.next()) for (const it = set.at().iterator(); it.next(); ) lines.push(it.at().line);
      q.close();
      return lines;
    };
    // One block, chunks apart in time: lines are skipped, every entry is counted.
    expect(count(true)).toEqual(Array.from({ length: 100 }, () => ''));
    expect(count(false)).toHaveLength(100);
    // The same entries pushed again sit in the head over the block's range: the duplicate
    // check needs lines, so they stay, and each entry is still counted once.
    await push(store, 1, 100);
    const again = count(true);
    expect(again).toHaveLength(100);
    expect(again.every((l) => l !== '')).toBe(true);
  });

  it('reads the open buffer as it was at the select, whatever is pushed before the read', async () => {
    const { store } = await openStore({ chunkBytes: 1 << 20 });
    await push(store, 1, 50);
    const q = store.logQuerier(T, 0, NOW + DAY);
    const set = q.select([newMatcher('=', 'job', 'app')], { startMs: 0, startNs: 0, endMs: NOW + DAY, endNs: 0, direction: 'forward' });
    // Entries pushed between the select and the read: 50 more, before and after the first
    // ones in time, enough to grow the buffer's columns.
    await push(store, 1, 50, 50);
    await push(store, 1, 1, -1);
    const lines: string[] = [];
    while (set.next()) for (const it = set.at().iterator(); it.next(); ) lines.push(it.at().line);
    q.close();
    expect(lines.map((l) => l.split(' ')[0])).toEqual(Array.from({ length: 50 }, (_, k) => `s0-${k}`));
  });

  it('lists a stream\'s chunks in the blocks only when its iterator is made', async () => {
    const { store } = await openStore({ chunkBytes: 2048 });
    await push(store, 3, 100);
    await store.flush(T);
    const counters = emptySelectCounters();
    const q = store.logQuerier(T, 0, NOW + DAY);
    const set = q.select([newMatcher('=', 'job', 'app')], { startMs: 0, startNs: 0, endMs: NOW + DAY, endNs: 0, direction: 'forward', counters });
    expect(counters.chunksRef).toBe(0);
    const seen: number[] = [];
    let entries = 0;
    while (set.next()) {
      for (const it = set.at().iterator(); it.next(); ) entries++;
      seen.push(counters.chunksRef);
    }
    q.close();
    expect(entries).toBe(300);
    // Each stream's chunks counted as its turn came.
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]).toBeGreaterThan(seen[0]!);
    expect(seen[2]).toBeGreaterThan(seen[1]!);
  });

  it('reads lines only of the chunks another chunk of the stream overlaps, and counts each entry once', async () => {
    const { store } = await openStore({ chunkBytes: 4096 });
    await push(store, 1, 100);
    await store.store(T)!.flushHead(true);
    // Entries 90-99 again (duplicates) and 100-109 (new), in the head: they overlap only
    // the block's last chunk.
    await push(store, 1, 20, 90);
    const q = store.logQuerier(T, 0, NOW + DAY);
    const set = q.select([newMatcher('=', 'job', 'app')], { startMs: 0, startNs: 0, endMs: NOW + DAY, endNs: 0, direction: 'forward', linesUnused: true });
    const got: { tMs: number; line: string }[] = [];
    while (set.next()) for (const it = set.at().iterator(); it.next(); ) got.push({ tMs: it.at().tMs, line: it.at().line });
    q.close();
    expect(got.map((e) => e.tMs)).toEqual(Array.from({ length: 110 }, (_, k) => NOW - HOUR + k * 1000));
    // The early chunks, apart from everything else, come without lines; the overlap has them.
    expect(got[0]!.line).toBe('');
    expect(got.slice(90).every((e) => e.line !== '')).toBe(true);
  });

  it.each<[string, Partial<LogSelectParams>]>([
    ['no filter', {}],
    ['a needle', { needles: ['-1'], needlesExact: true, lineFilter: (l) => l.includes('-1') }],
    ['two needles', { needles: ['s1', '9 '], needlesExact: true, lineFilter: (l) => l.includes('s1') && l.includes('9 ') }],
    ['a time range', { startMs: NOW - HOUR + 20_500, startNs: 3, endMs: NOW - HOUR + 280_000, endNs: 5 }],
  ])('reads the same entries in batches for a limit as without one (%s), both ways, over blocks and the head', async (_name, extra) => {
    const { store } = await openStore({ chunkBytes: 2048 });
    await push(store, 3, 300);
    await store.flush(T);
    // The same entries again (and more) in the head, over the block's range: merged once.
    await push(store, 3, 100, 250);
    await store.store(T)!.compressPending();
    for (const direction of ['forward', 'backward'] as const) {
      const q = store.logQuerier(T, 0, NOW + DAY);
      const whole = readAll(q, direction, extra);
      for (const limit of [1, 7, 1000]) {
        const counters = emptySelectCounters();
        expect(readAll(store.logQuerier(T, 0, NOW + DAY), direction, { ...extra, limit, counters })).toEqual(whole);
        expect(counters.chunksDecoded).toBeGreaterThan(0);
      }
    }
  });

  it('keeps a querier opened before a flush reading every entry once', async () => {
    const { store } = await openStore({ chunkBytes: 4096 });
    await push(store, 2, 300);
    await store.store(T)!.compressPending();
    const q = store.logQuerier(T, 0, NOW + DAY);
    await store.flush(T);
    expect(readAll(q)).toEqual(expected(2, 300));
  });

  it('stops counting a stream as active once it was idle for the idle period and flushed', async () => {
    const clock = new ManualClock(NOW);
    const { store } = await openStore({ clock });
    await push(store, 3, 10);
    expect(store.activeStreams(T)).toBe(3);
    clock.advance(29 * 60_000);
    await store.maintain();
    expect(store.activeStreams(T)).toBe(3);
    clock.advance(2 * 60_000);
    await store.maintain(); // seals the idle buffers and flushes them; the streams go
    await store.maintain();
    expect(store.activeStreams(T)).toBe(0);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(3, 10));
  });

  it('refuses new streams over the limit, never existing ones', async () => {
    const { store } = await openStore({ maxStreams: 2 });
    await push(store, 2, 1);
    const app = store.logAppender(T);
    let err: unknown;
    try {
      app.streamFor(stream(2));
    } catch (e) {
      err = e;
    }
    expect(isCairnError(err) && err.kind === 'too_many_requests' && err.reason === 'stream_limit').toBe(true);
    expect((err as Error).message).toContain('maximum active stream limit exceeded');
    expect(app.append(app.streamFor(stream(0)), entry(NOW, 'still fine'))).toBe(LogAppendStatus.Ok);
    await app.commit();
  });

  it.each([
    { name: 'in order', t: NOW, status: LogAppendStatus.Ok },
    { name: 'out of order within the window', t: NOW - 30 * 60_000, status: LogAppendStatus.Ok },
    { name: 'too far behind the newest', t: NOW - 61 * 60_000, status: LogAppendStatus.TooFarBehind },
    { name: 'a duplicate of the newest', t: NOW + 1000, line: 'newest', status: LogAppendStatus.Duplicate },
  ])('applies the ingester rule: $name', async ({ t, line, status }) => {
    const { store } = await openStore();
    const app = store.logAppender(T);
    const s = app.streamFor(stream(0));
    expect(app.append(s, entry(NOW + 1000, 'newest'))).toBe(LogAppendStatus.Ok);
    expect(app.append(s, entry(t, line ?? 'other'))).toBe(status);
    await app.commit();
  });

  it('deletes blocks past retention and refuses entries older than it', async () => {
    const clock = new ManualClock(NOW);
    const { store, dir } = await openStore({ clock, retentionMs: DAY });
    await push(store, 1, 10);
    await store.flush(T);
    expect(blockFiles(dir)).toHaveLength(1);
    clock.advance(DAY);
    await store.flush(T);
    expect(blockFiles(dir)).toHaveLength(0);
    expect(readAll(store.logQuerier(T, 0, NOW + 2 * DAY)).size).toBe(0);
    const app = store.logAppender(T);
    expect(app.append(app.streamFor(stream(0)), entry(NOW - HOUR, 'old'))).toBe(LogAppendStatus.TooOld);
    app.rollback();
  });

  it('keeps every entry when a worker fails, and succeeds on retry', async () => {
    let fault: LogJobFault | undefined = 'throw';
    const { store } = await openStore({ chunkBytes: 4096, fault: () => fault });
    await push(store, 2, 200);
    await expect(store.flush(T)).rejects.toThrow(/injected/);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 200));
    fault = undefined;
    await store.flush(T);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 200));
    expect(store.store(T)!.head.entryCount()).toBe(0);
  });

  it('flushes the head and compresses new chunks while a compaction is still running', async () => {
    // The real worker pool, with compaction jobs held at the door until released.
    const pool = createLogWorkerPool({ threads: 1 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const compactions: string[] = [];
    const jobRunner: LogJobRunner = {
      run: async (job, o) => {
        if (job.kind === 'compact') {
          compactions.push(job.ulid);
          await held;
        }
        return pool.run(job, o);
      },
      close: () => pool.close(),
    };
    const { store, dir } = await openStore({ chunkBytes: 4096, jobRunner });
    let first: Promise<unknown> | undefined;
    let second: Promise<unknown> | undefined;
    try {
      await push(store, 2, 200);
      first = store.flush(T);
      await vi.waitFor(() => expect(compactions).toHaveLength(1));
      // The compaction of the first block waits; a second push still gets compressed and
      // flushed into a block of its own.
      await push(store, 2, 200, 200);
      await store.store(T)!.compressPending();
      const sealed = [...store.store(T)!.head.streams.values()].flatMap((s) => s.chunks);
      expect(sealed.length).toBeGreaterThan(0);
      expect(sealed.filter((c) => c.encoded === undefined)).toEqual([]);
      second = store.flush(T);
      await vi.waitFor(() => expect(blockFiles(dir)).toHaveLength(2));
      expect(store.store(T)!.head.entryCount()).toBe(0);
      expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 400));
    } finally {
      release();
    }
    await Promise.all([first, second]);
    expect(blockFiles(dir)).toHaveLength(1);
    expect(readAll(store.logQuerier(T, 0, NOW + DAY))).toEqual(expected(2, 400));
  });

  it('stops with compressions still queued without reporting them as failures', async () => {
    const events: LogStoreEvent[] = [];
    const { store, dir } = await openStore({ chunkBytes: 4096, events });
    // Each commit queues the chunks it sealed for the worker; none is awaited.
    for (let k = 0; k < 10; k++) await push(store, 20, 40, k * 40);
    await stop(store);
    expect(events.filter((e) => e.kind === 'compress_failed')).toEqual([]);
    // Nothing was lost: the WAL has every entry.
    const { store: again } = await openStore({ dir });
    expect(readAll(again.logQuerier(T, 0, NOW + DAY))).toEqual(expected(20, 400));
  });
});
