/**
 * bench/disk: bytes per sample on disk after compaction, Cairn beside Prometheus 2.42 and
 * VictoriaMetrics 1.79, for the ingest bench's datasets (same seeded payloads, pushed
 * through remote write). What is measured, per store:
 *
 * - Cairn: `POST /admin/api/v1/flush` (head → block, compacted), then the block files.
 * - Prometheus: `POST /api/v1/admin/tsdb/snapshot` writes the head as a compacted block;
 *   the snapshot directory (chunks, index, meta).
 * - VictoriaMetrics: `/internal/force_flush` and `/internal/force_merge`, then the data
 *   directory once its size settles: parts (`data/`) and the index (`indexdb/`).
 *
 * Sizes are apparent file sizes (what a copy or backup of the directory holds).
 * Run: `npm run bench -- disk` (env: WORKLOADS=100kx20,10kx200, TARGETS=cairn,prometheus,vm).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareWorkload, type PreparedWorkload, type Workload } from './lib/payloads.js';
import { startCairn, startPrometheus, startVictoriaMetrics, type Target } from './lib/targets.js';

const ALL_WORKLOADS: Record<string, Workload> = {
  '100kx20': { name: '100k series × 20 samples', series: 100_000, samplesPerSeries: 20 },
  '10kx200': { name: '10k series × 200 samples', series: 10_000, samplesPerSeries: 200 },
};
const workloads = (process.env.WORKLOADS ?? '100kx20,10kx200').split(',').map((k) => ALL_WORKLOADS[k]!);
const targetNames = (process.env.TARGETS ?? 'cairn,prometheus,vm').split(',');

/** Apparent bytes of every file under `path`. */
function bytesUnder(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(path)) n += bytesUnder(join(path, name));
  return n;
}

async function push(target: Target, prepared: PreparedWorkload): Promise<void> {
  await Promise.all(
    prepared.shards.map(async (requests) => {
      for (const body of requests) {
        const res = await fetch(target.pushUrl, {
          method: 'POST',
          body,
          headers: { ...target.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        });
        const text = await res.text();
        if (res.status >= 300) throw new Error(`${target.name}: push answered ${res.status}: ${text.slice(0, 200)}`);
      }
    }),
  );
}

async function settle(path: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const now = bytesUnder(path);
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

/** Compacts and returns `{ total, index }` bytes on disk (index: the part that is the series index, where it is separate). */
async function compactAndMeasure(target: Target): Promise<{ total: number; index?: number; note: string }> {
  if (target.name === 'cairn') {
    const res = await fetch(target.pushUrl.replace('/api/v1/push', '/admin/api/v1/flush?tenant=bench'), { method: 'POST', headers: { authorization: `Bearer ${target.adminToken}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`cairn flush: ${res.status} ${body}`);
    const blocks = join(target.dataDir, 'tenants', 'bench', 'tsdb', 'blocks');
    return { total: bytesUnder(blocks), note: `flush: ${body}` };
  }
  if (target.name.startsWith('prometheus')) {
    const base = target.queryBase.replace(/\/api\/v1$/, '');
    const res = await fetch(`${base}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    const { data } = (await res.json()) as { data: { name: string } };
    const dir = join(target.dataDir, 'snapshots', data.name);
    return { total: bytesUnder(dir), note: `snapshot ${data.name}` };
  }
  const base = target.queryBase.replace(/\/api\/v1$/, '');
  await target.flush?.();
  await (await fetch(`${base}/internal/force_merge`)).text();
  const total = await settle(target.dataDir);
  return { total, index: bytesUnder(join(target.dataDir, 'indexdb')), note: 'force_flush + force_merge' };
}

const starters: Record<string, () => Promise<Target | undefined>> = { cairn: () => startCairn(), prometheus: startPrometheus, vm: () => startVictoriaMetrics() };

interface Row {
  workload: string;
  target: string;
  total: number;
  index?: number;
  samples: number;
}

console.log(`bench/disk: bytes per sample after compaction, node ${process.version}`);
const rows: Row[] = [];
for (const w of workloads) {
  // Yesterday, ending a minute before noon: inside one 2 h range and one day, so every
  // store's compacted result is one block however late in the day the bench runs.
  const DAY = 86_400_000;
  const prepared = prepareWorkload(w, 4, Math.floor(Date.now() / DAY) * DAY - DAY / 2 - 60_000);
  console.log(`\n${w.name}: ${prepared.totalSamples.toLocaleString('en')} samples`);
  for (const name of targetNames) {
    const target = await starters[name]!();
    if (target === undefined) {
      console.log(`  ${name}: not installed, skipped`);
      continue;
    }
    try {
      await push(target, prepared);
      const m = await compactAndMeasure(target);
      rows.push({ workload: w.name, target: target.name, total: m.total, index: m.index, samples: prepared.totalSamples });
      const idx = m.index === undefined ? '' : ` (index ${(m.index / prepared.totalSamples).toFixed(2)}, data ${((m.total - m.index) / prepared.totalSamples).toFixed(2)})`;
      console.log(`  ${target.name}: ${(m.total / 1e6).toFixed(2)} MB, ${(m.total / prepared.totalSamples).toFixed(2)} B/sample${idx} — ${m.note.slice(0, 300)}`);
    } finally {
      await target.stop();
    }
  }
}

console.log('\n| workload | store | bytes on disk | B/sample | Cairn/peer |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const cairn = rows.find((c) => c.workload === r.workload && c.target === 'cairn');
  const ratio = cairn !== undefined && r.target !== 'cairn' ? `${(cairn.total / r.total).toFixed(2)}×` : '';
  const split = r.index === undefined ? '' : ` (index ${(r.index / r.samples).toFixed(2)} + data ${((r.total - r.index) / r.samples).toFixed(2)})`;
  console.log(`| ${r.workload} | ${r.target} | ${(r.total / 1e6).toFixed(2)} MB | ${(r.total / r.samples).toFixed(2)}${split} | ${ratio} |`);
}
