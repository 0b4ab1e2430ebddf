// Proves the WAL's write side: records round-trip across segments at any size, cut and
// segment removal truncate whole segments, each fsync policy flushes when it promises
// (group commit for `always`, one bounded-delay fsync for `batch`, none for `never` until
// close), and a failed write or fsync never leaves a half record in front of valid data.
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../../src/util/errors.js';
import { frameBytes, SEGMENT_START_BYTES, segmentName, Wal, type FsCallback, type WalEvent, type WalFs, type WalOptions, type WalScheduler } from '../../../src/storage/wal/index.js';
import { mulberry32 } from '../../../src/util/random.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-wal-'));
  dirs.push(d);
  return join(d, 'wal');
}

/** Deterministic bytes: record `i` of `n` bytes. */
function rec(i: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = (i * 31 + k * 7) & 0xff;
  return b;
}


/**
 * Record lists compared byte-wise with a readable diff on the first difference;
 * `toEqual` on megabyte arrays compares element by element and takes seconds.
 */
function expectSame(got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  const differs = (a: Uint8Array, b: Uint8Array) => !Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
  const i = want.findIndex((w, k) => got[k] === undefined || differs(got[k]!, w));
  expect({ count: got.length, firstDifference: i }).toEqual({ count: want.length, firstDifference: -1 });
}

function replayAll(wal: Wal): { records: Uint8Array[]; report: ReturnType<Wal['replay']> } {
  const records: Uint8Array[] = [];
  const report = wal.replay((p) => records.push(p.slice()));
  return { records, report };
}

function reopen(dir: string, options: Partial<WalOptions> = {}) {
  const wal = Wal.open(dir, options);
  return { wal, ...replayAll(wal) };
}

/** Runs scheduled work only when the test says so. */
class ManualScheduler implements WalScheduler {
  readonly tasks: { fn: () => void; delayMs: number; cancelled: boolean }[] = [];
  schedule(fn: () => void, delayMs: number): () => void {
    const t = { fn, delayMs, cancelled: false };
    this.tasks.push(t);
    return () => {
      t.cancelled = true;
    };
  }
  pending(): { delayMs: number }[] {
    return this.tasks.filter((t) => !t.cancelled);
  }
  runAll(): void {
    for (const t of this.tasks.splice(0)) if (!t.cancelled) t.fn();
  }
}

/**
 * The real file system with counters and switches: fdatasync calls can be held until
 * released (to observe group commit), and writes, truncates and fsyncs can be made to fail.
 */
class FakeFs {
  readonly calls = { fdatasync: 0, fsync: 0, open: 0, close: 0, write: 0 };
  /** Descriptors closed with writes that no completed fdatasync covered. */
  closedUnsynced = 0;
  private readonly writes = new Map<number, number>();
  private readonly synced = new Map<number, number>();
  hold = false;
  readonly held: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  /** Writes left before the armed write: it writes half and the next call throws ENOSPC. */
  failWriteAfter = -1;
  ftruncateFailures = 0;
  fdatasyncError: string | null = null;
  readonly fs: WalFs;

  constructor() {
    const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
    let failNext = false;
    this.fs = {
      ...fs,
      openSync: (path: string, flags: string) => {
        this.calls.open++;
        return fs.openSync(path, flags);
      },
      closeSync: (fd: number) => {
        this.calls.close++;
        if ((this.writes.get(fd) ?? 0) > (this.synced.get(fd) ?? 0)) this.closedUnsynced++;
        this.writes.delete(fd);
        this.synced.delete(fd);
        fs.closeSync(fd);
      },
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
        this.calls.write++;
        if (failNext) {
          failNext = false;
          throw errno('ENOSPC');
        }
        if (this.failWriteAfter === 0) {
          this.failWriteAfter = -1;
          failNext = true;
          return fs.writeSync(fd, buf, off, Math.max(1, len >> 1), pos);
        }
        if (this.failWriteAfter > 0) this.failWriteAfter--;
        this.writes.set(fd, (this.writes.get(fd) ?? 0) + 1);
        return fs.writeSync(fd, buf, off, len, pos);
      },
      ftruncateSync: (fd: number, len: number) => {
        if (this.ftruncateFailures > 0) {
          this.ftruncateFailures--;
          throw errno('EIO');
        }
        fs.ftruncateSync(fd, len);
      },
      fdatasync: (fd: number, cb: FsCallback) => {
        this.calls.fdatasync++;
        const covered = this.writes.get(fd) ?? 0;
        const done: FsCallback = (err) => {
          if (err === null) this.synced.set(fd, Math.max(this.synced.get(fd) ?? 0, covered));
          cb(err);
        };
        const run = () => (this.fdatasyncError === null ? fs.fdatasync(fd, done) : cb(errno(this.fdatasyncError)));
        if (this.hold) this.held.push(run);
        else run();
        for (const w of this.waiters.splice(0)) w();
      },
      fsync: (fd: number, cb: FsCallback) => {
        this.calls.fsync++;
        fs.fsync(fd, cb);
      },
    };
  }

  /** Resolves at the next fdatasync call. */
  nextFdatasync(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  release(): void {
    for (const run of this.held.splice(0)) run();
  }
}

/** Resolves after pending promise callbacks and I/O callbacks have run once. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('round trip', () => {
  const rand = mulberry32(42);
  const sizes = (n: number, max: number) => Array.from({ length: n }, () => Math.floor(rand() * max));
  it.each([
    { name: 'one small record', segmentSizeBytes: 1 << 20, sizes: [5], batch: 1, minSegments: 1 },
    { name: 'records of 0 and 1 bytes', segmentSizeBytes: 1 << 20, sizes: [0, 1, 0, 0, 1], batch: 2, minSegments: 1 },
    { name: 'a 3 MiB record, bigger than the replay chunk', segmentSizeBytes: 16 << 20, sizes: [10, 3 << 20, 10], batch: 1, minSegments: 1 },
    { name: 'a record bigger than a segment gets a segment of its own', segmentSizeBytes: 4096, sizes: [100, 10_000, 100], batch: 1, minSegments: 3 },
    { name: '2000 records across many 1 KiB segments, batches of 3', segmentSizeBytes: 1024, sizes: sizes(2000, 200), batch: 3, minSegments: 100 },
    { name: 'one big batch larger than a segment stays whole', segmentSizeBytes: 1024, sizes: sizes(50, 100), batch: 50, minSegments: 1 },
  ])('$name', async ({ segmentSizeBytes, sizes, batch, minSegments }) => {
    const dir = tempDir();
    const want = sizes.map((n, i) => rec(i, n));
    const wal = Wal.open(dir, { segmentSizeBytes, replayChunkBytes: 1 << 20, fsync: 'never' });
    for (let i = 0; i < want.length; i += batch) wal.append(want.slice(i, i + batch));
    // Every segment begins with its start frame (FORMAT.md).
    expect(wal.sizeBytes()).toBe(want.reduce((s, r) => s + frameBytes(r.length), 0) + wal.segments().length * SEGMENT_START_BYTES);
    await wal.close();

    const { wal: again, records, report } = reopen(dir, { replayChunkBytes: 1 << 20 });
    expectSame(records, want);
    expect(report).toMatchObject({ records: want.length, tornTail: false, corruptions: 0, damage: null });
    const segs = again.segments();
    expect(segs.length).toBeGreaterThanOrEqual(minSegments);
    // The last segment is the fresh one this process writes to; it holds no record yet.
    expect(segs.at(-1)!.sizeBytes).toBe(SEGMENT_START_BYTES);
    await again.close();
  });

  it('a single Uint8Array and an array of one are the same write', async () => {
    const dir = tempDir();
    const wal = Wal.open(dir);
    wal.append(rec(1, 10));
    wal.append([rec(2, 10)]);
    wal.append([]);
    await wal.close();
    expect(reopen(dir).records).toEqual([rec(1, 10), rec(2, 10)]);
  });

  it('writes go to a fresh segment after replay, and a last segment holding no records is reused', async () => {
    const dir = tempDir();
    const w1 = Wal.open(dir);
    w1.append(rec(1, 10));
    await w1.close();
    expect(readdirSync(dir)).toEqual([segmentName(1)]);

    const w2 = reopen(dir).wal;
    expect(w2.segments().map((s) => s.index)).toEqual([1, 2]);
    await w2.close();
    const w3 = reopen(dir).wal; // nothing written by w2: its empty segment 2 is reused
    expect(w3.segments().map((s) => s.index)).toEqual([1, 2]);
    w3.append(rec(2, 10));
    await w3.close();
    expect(statSync(join(dir, segmentName(2))).size).toBe(SEGMENT_START_BYTES + frameBytes(10));
    expect(reopen(dir).records).toEqual([rec(1, 10), rec(2, 10)]);
  });
});

describe('segments', () => {
  it('cut starts a new segment, is a no-op on an empty one, and removeSegmentsBefore drops whole old segments', async () => {
    const dir = tempDir();
    const events: WalEvent[] = [];
    const wal = Wal.open(dir, { onEvent: (e) => events.push(e) });
    wal.append(rec(1, 10));
    expect(wal.cut()).toBe(2);
    expect(wal.cut()).toBe(2);
    wal.append(rec(2, 10));
    expect(wal.cut()).toBe(3);
    wal.append(rec(3, 10));
    const segBytes = SEGMENT_START_BYTES + frameBytes(10);
    expect(wal.segments()).toEqual([
      { index: 1, sizeBytes: segBytes },
      { index: 2, sizeBytes: segBytes },
      { index: 3, sizeBytes: segBytes },
    ]);
    expect(wal.sizeBytes()).toBe(3 * segBytes);

    expect(wal.removeSegmentsBefore(3)).toEqual([1, 2]);
    expect(wal.removeSegmentsBefore(3)).toEqual([]);
    expect(readdirSync(dir)).toEqual([segmentName(3)]);
    expect(wal.sizeBytes()).toBe(segBytes);
    expect(events.filter((e) => e.kind === 'segments_removed')).toEqual([{ kind: 'segments_removed', segments: [1, 2] }]);
    expect(() => wal.removeSegmentsBefore(4)).toThrow(/BUG: .*being written/);
    await wal.close();

    const { wal: again, records } = reopen(dir);
    expect(records).toEqual([rec(3, 10)]);
    expect(again.segments().map((s) => s.index)).toEqual([3, 4]);
    await again.close();
  });

  it('numbering keeps rising when every old segment is removed right after a restart', async () => {
    const dir = tempDir();
    const w1 = Wal.open(dir);
    w1.append(rec(1, 10));
    await w1.close();
    const w2 = reopen(dir).wal;
    expect(w2.removeSegmentsBefore(2)).toEqual([1]);
    await w2.close();
    const w3 = reopen(dir).wal;
    w3.append(rec(2, 10));
    expect(w3.segments().map((s) => s.index)).toEqual([2]);
    await w3.close();
  });

  it('misuse is a BUG assertion; writes after close are unavailable', async () => {
    const dir = tempDir();
    const w1 = Wal.open(dir);
    w1.append(rec(1, 1));
    expect(() => w1.replay(() => {})).toThrow(/BUG: .*before the first write/);
    await w1.close();
    await w1.close(); // idempotent
    expect(() => w1.append(rec(1, 1))).toThrow(expect.objectContaining({ kind: 'unavailable', reason: 'wal_closed' }));

    const w2 = Wal.open(dir);
    expect(() => w2.append(rec(1, 1))).toThrow(/BUG: .*call replay\(\) before writing/);
    await w2.close();
  });

  it('other files in the directory are ignored', async () => {
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, 'README'), 'not a segment');
    fs.writeFileSync(join(dir, '00000001.tmp'), 'not a segment');
    const { wal, records, report } = reopen(dir);
    expect(records).toEqual([]);
    expect(report.segments).toBe(0);
    wal.append(rec(1, 3));
    await wal.close();
    expect(reopen(dir).records).toEqual([rec(1, 3)]);
  });
});

describe('fsync policies', () => {
  it('always: commit resolves only after an fsync covering it; concurrent commits share the next one', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const wal = Wal.open(dir, { fsync: 'always', fs: f.fs });
    f.hold = true;
    const done: number[] = [];
    const a = wal.commit(rec(1, 10)).then(() => done.push(1));
    expect(f.calls.fdatasync).toBe(1); // issued synchronously by commit
    expect(f.calls.fsync).toBe(1); // the directory, for the new segment file
    const b = wal.commit(rec(2, 10)).then(() => done.push(2));
    const c = wal.commit(rec(3, 10)).then(() => done.push(3));
    await turn();
    expect(done).toEqual([]);
    expect(f.calls.fdatasync).toBe(1);

    const second = f.nextFdatasync();
    f.release(); // the first fsync completes: only a is covered; b and c share one more
    await second;
    await a;
    expect(done).toEqual([1]);
    expect(f.calls.fdatasync).toBe(2);
    f.hold = false;
    f.release();
    await Promise.all([b, c]);
    expect(done).toEqual([1, 2, 3]);
    expect(f.calls.fdatasync).toBe(2);

    await wal.sync(); // nothing new: no fsync
    expect(f.calls.fdatasync).toBe(2);
    await wal.close();
  });

  it('batch: commit does not wait; one fsync is scheduled within batchDelayMs of the first unsynced write', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const s = new ManualScheduler();
    const wal = Wal.open(dir, { fsync: 'batch', batchDelayMs: 250, fs: f.fs, scheduler: s });
    await wal.commit(rec(1, 10));
    await wal.commit(rec(2, 10));
    expect(f.calls.fdatasync).toBe(0);
    expect(s.pending()).toEqual([expect.objectContaining({ delayMs: 250 })]);

    s.runAll(); // the delay elapsed
    expect(f.calls.fdatasync).toBe(1);
    await wal.sync(); // joins the fsync in flight
    expect(f.calls.fdatasync).toBe(1);
    expect(s.pending()).toEqual([]);

    await wal.commit(rec(3, 10));
    expect(s.pending()).toHaveLength(1);
    await wal.close(); // cancels the timer, flushes
    expect(s.pending()).toEqual([]);
    expect(f.calls.fdatasync).toBe(2);
  });

  it('never: no fsync until close', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const s = new ManualScheduler();
    const wal = Wal.open(dir, { fsync: 'never', fs: f.fs, scheduler: s, segmentSizeBytes: 100 });
    for (let i = 0; i < 10; i++) await wal.commit(rec(i, 60));
    expect(f.calls.fdatasync + f.calls.fsync).toBe(0);
    expect(s.tasks).toEqual([]);
    await wal.close();
    expect(f.calls.fdatasync).toBe(1);
    expect(f.calls.fsync).toBe(1);
  });

  it.each(['always', 'batch', 'never'] as const)('%s: every segment is fsynced before it is closed, and close() leaks no descriptor', async (policy) => {
    const dir = tempDir();
    const f = new FakeFs();
    const s = new ManualScheduler();
    const wal = Wal.open(dir, { fsync: policy, fs: f.fs, scheduler: s, segmentSizeBytes: 200 });
    for (let i = 0; i < 20; i++) {
      await wal.commit(rec(i, 50));
      if (i % 7 === 0) s.runAll();
    }
    expect(wal.segments().length).toBeGreaterThan(5);
    await wal.close();
    expect(f.calls.close).toBe(f.calls.open);
    // 'never' closes cut segments unsynced (the kernel writes them back); close() syncs the last.
    expect(f.closedUnsynced).toBe(policy === 'never' ? wal.segments().length - 1 : 0);
    expect(reopen(dir).records).toEqual(Array.from({ length: 20 }, (_, i) => rec(i, 50)));
  });
});

describe('failures', () => {
  it('a failed partial write is truncated away: unavailable, and the next write and replay are clean', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const events: WalEvent[] = [];
    const wal = Wal.open(dir, { fs: f.fs, onEvent: (e) => events.push(e) });
    wal.append(rec(1, 100));
    f.failWriteAfter = 0;
    let err: unknown;
    try {
      wal.append([rec(2, 1000), rec(3, 1000)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CairnError);
    expect(err).toMatchObject({ kind: 'unavailable', reason: 'wal_write_failed', message: expect.stringMatching(/ENOSPC.*truncated away/) });
    expect(events.filter((e) => e.kind === 'write_failed')).toHaveLength(1);
    expect(statSync(join(dir, segmentName(1))).size).toBe(SEGMENT_START_BYTES + frameBytes(100));
    expect(wal.sizeBytes()).toBe(SEGMENT_START_BYTES + frameBytes(100));
    wal.append(rec(4, 100));
    await wal.close();
    const { records, report } = reopen(dir);
    expect(records).toEqual([rec(1, 100), rec(4, 100)]);
    expect(report.damage).toBeNull();
  });

  it('a segment whose start frame cannot be written is removed, and the next write starts it again', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const wal = Wal.open(dir, { fs: f.fs });
    f.failWriteAfter = 0; // the first write is the new segment's start frame
    expect(() => wal.append(rec(1, 10))).toThrow(expect.objectContaining({ kind: 'unavailable', reason: 'wal_write_failed', message: expect.stringMatching(/starting wal segment .*ENOSPC/) }));
    expect(readdirSync(dir)).toEqual([]);
    wal.append(rec(2, 10));
    await wal.close();
    expect(f.calls.close).toBe(f.calls.open);
    expect(reopen(dir).records).toEqual([rec(2, 10)]);
  });

  it('while the partial write cannot be truncated, writes and cuts are refused; then they resume', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const wal = Wal.open(dir, { fs: f.fs });
    wal.append(rec(1, 100));
    f.failWriteAfter = 0;
    f.ftruncateFailures = 2;
    expect(() => wal.append(rec(2, 1000))).toThrow(/could not be truncated away/);
    expect(() => wal.cut()).toThrow(expect.objectContaining({ reason: 'wal_write_failed', message: expect.stringMatching(/refused/) }));
    wal.append(rec(3, 100)); // the truncate succeeds this time
    await wal.close();
    expect(reopen(dir).records).toEqual([rec(1, 100), rec(3, 100)]);
  });

  it('a partial write that is never truncated is a torn tail at the next start, not corruption', async () => {
    const dir = tempDir();
    const f = new FakeFs();
    const wal = Wal.open(dir, { fs: f.fs });
    wal.append(rec(1, 100));
    f.failWriteAfter = 0;
    f.ftruncateFailures = 1000;
    expect(() => wal.append(rec(2, 1000))).toThrow(CairnError);
    expect(() => wal.append(rec(3, 1000))).toThrow(CairnError);
    await wal.close();
    const { records, report } = reopen(dir);
    expect(records).toEqual([rec(1, 100)]);
    expect(report).toMatchObject({ tornTail: true, corruptions: 0 });
  });

  it.each(['always', 'batch'] as const)('%s: a failed fsync rejects, is reported, and every later write is refused', async (policy) => {
    const dir = tempDir();
    const f = new FakeFs();
    const s = new ManualScheduler();
    const events: WalEvent[] = [];
    const wal = Wal.open(dir, { fsync: policy, fs: f.fs, scheduler: s, onEvent: (e) => events.push(e) });
    f.fdatasyncError = 'EIO';
    const p = wal.commit(rec(1, 10));
    if (policy === 'always') await expect(p).rejects.toMatchObject({ kind: 'unavailable', reason: 'wal_sync_failed' });
    else {
      await p;
      s.runAll();
      await expect(wal.sync()).rejects.toMatchObject({ reason: 'wal_sync_failed' });
    }
    expect(events.filter((e) => e.kind === 'sync_failed')).toHaveLength(1);
    expect(() => wal.append(rec(2, 10))).toThrow(expect.objectContaining({ reason: 'wal_sync_failed' }));
    await expect(wal.waitDurable()).rejects.toMatchObject({ reason: 'wal_sync_failed' });
    await wal.close();
    expect(f.calls.close).toBe(f.calls.open);
  });
});
