/**
 * bench/wal: write-ahead log append throughput (records/s, payload MB/s) by record size,
 * records per request and fsync policy; group-commit throughput with fsync=always and
 * concurrent committers; replay throughput (MB/s of segment files, page cache warm).
 * Run: `npx tsx bench/wal.bench.ts` (env TIME_MS per case, default 2000).
 *
 * Appends yield to the event loop every YIELD_EVERY requests, as a server does between
 * requests, so the batch policy's fsync timer and completions run inside the measurement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { Wal, type FsyncPolicy } from '../src/storage/wal/index.js';

const TIME_MS = Number(process.env.TIME_MS ?? 2000);
/** Requests between event-loop turns: a busy server handles a few dozen per turn. */
const YIELD_EVERY = 32;
/** The WAL is cut and emptied past this size, so a long run does not fill the disk. */
const WAL_BYTES_CAP = 1 << 30;
/** Size of the WALs replayed: two default segments. */
const REPLAY_WAL_BYTES = 256 << 20;
const MiB = 1024 * 1024;

/** Seeded bytes (mulberry32), generated once. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'cairn-bench-wal-'));
let dirs = 0;
const freshDir = () => join(root, String(dirs++));
const turn = () => new Promise<void>((r) => setImmediate(r));

interface Row {
  readonly name: string;
  readonly recordsPerSec: number;
  readonly payloadMBps: number;
  readonly note: string;
}
const rows: Row[] = [];

// Append cases: record size × records per request × fsync policy.
const shapes = [
  { recordBytes: 1024, perRequest: 1 },
  { recordBytes: 1024, perRequest: 100 },
  { recordBytes: 64 * 1024, perRequest: 1 },
];
const policies: FsyncPolicy[] = ['never', 'batch'];
const bench = new Bench({ time: TIME_MS, warmupTime: 200 });
const appendCases: { name: string; records: number; bytes: number; fsyncs: () => number }[] = [];
for (const { recordBytes, perRequest } of shapes) {
  const request = Array.from({ length: perRequest }, (_, i) => randomBytes(recordBytes, i + 1));
  for (const fsync of policies) {
    const name = `append/record=${recordBytes / 1024}KiB/per_request=${perRequest}/fsync=${fsync}`;
    let wal: Wal | null = null;
    let fsyncs = 0;
    let n = 0;
    appendCases.push({ name, records: perRequest, bytes: perRequest * recordBytes, fsyncs: () => fsyncs });
    bench.add(
      name,
      async () => {
        wal!.append(request);
        if (++n % YIELD_EVERY === 0) {
          if (wal!.sizeBytes() > WAL_BYTES_CAP) wal!.removeSegmentsBefore(wal!.cut());
          await turn();
        }
      },
      {
        beforeAll: () => {
          wal = Wal.open(freshDir(), { fsync, onEvent: (e) => void (e.kind === 'fsync' && fsyncs++) });
        },
        afterAll: async () => {
          await wal!.close();
          rmSync(wal!.dir, { recursive: true, force: true });
        },
      },
    );
  }
}

// Replay cases: a 256 MiB WAL of 1 KiB or 64 KiB records.
const replayCases: { name: string; dir: string; bytes: number; records: number }[] = [];
for (const recordBytes of [1024, 64 * 1024]) {
  const dir = freshDir();
  const w = Wal.open(dir, { fsync: 'never' });
  const rec = randomBytes(recordBytes, 7);
  const batch = Array.from({ length: Math.max(1, (256 * 1024) / recordBytes) }, () => rec);
  while (w.sizeBytes() < REPLAY_WAL_BYTES) w.append(batch);
  await w.close();
  const c = { name: `replay/record=${recordBytes / 1024}KiB/wal=${REPLAY_WAL_BYTES / MiB}MiB`, dir, bytes: 0, records: 0 };
  replayCases.push(c);
  bench.add(c.name, async () => {
    const wal = Wal.open(dir, { fsync: 'never' });
    let records = 0;
    wal.replay(() => void records++);
    c.bytes = wal.sizeBytes();
    c.records = records;
    await wal.close();
  });
}

await bench.run();

for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}${'error' in r ? `: ${String(r.error)}` : ''}`);
  const opsPerSec = 1000 / r.period;
  const a = appendCases.find((c) => c.name === task.name);
  if (a !== undefined) {
    rows.push({
      name: a.name,
      recordsPerSec: opsPerSec * a.records,
      payloadMBps: (opsPerSec * a.bytes) / MiB,
      note: `${Math.round(opsPerSec).toLocaleString('en')} requests/s, p99 ${(r.latency.p99 * 1000).toFixed(1)} µs; ${a.fsyncs()} fsyncs`,
    });
    continue;
  }
  const c = replayCases.find((x) => x.name === task.name)!;
  rows.push({
    name: c.name,
    recordsPerSec: c.records * opsPerSec,
    payloadMBps: (c.bytes * opsPerSec) / MiB,
    note: `${r.period.toFixed(0)} ms per replay of ${(c.bytes / MiB).toFixed(0)} MiB of segment files`,
  });
}

// Group commit: fsync=always with concurrent committers, as under concurrent pushes.
for (const { recordBytes, concurrency } of [
  { recordBytes: 1024, concurrency: 1 },
  { recordBytes: 1024, concurrency: 64 },
]) {
  let fsyncs = 0;
  const wal = Wal.open(freshDir(), { fsync: 'always', onEvent: (e) => void (e.kind === 'fsync' && fsyncs++) });
  const rec = randomBytes(recordBytes, 3);
  let records = 0;
  const t0 = performance.now();
  const deadline = t0 + TIME_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await wal.commit(rec);
        records++;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  await wal.close();
  rows.push({
    name: `commit/record=${recordBytes / 1024}KiB/fsync=always/concurrency=${concurrency}`,
    recordsPerSec: records / s,
    payloadMBps: (records * recordBytes) / MiB / s,
    note: `${(fsyncs / s).toFixed(0)} fsyncs/s, ${(records / Math.max(1, fsyncs)).toFixed(1)} commits per fsync`,
  });
}

rmSync(root, { recursive: true, force: true });

console.log(`bench/wal: node ${process.version}, ${TIME_MS} ms per case, temp dir on ${tmpdir()}\n`);
console.log('| case | records/s | MB/s | notes |');
console.log('|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.recordsPerSec).toLocaleString('en')} | ${r.payloadMBps.toFixed(0)} | ${r.note} |`);
