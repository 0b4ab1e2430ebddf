/**
 * bench/logs-ingest: Loki push throughput of Cairn end to end. A seeded realistic corpus
 * (bench/lib/log-corpus.ts: access logs, JSON app logs, logfmt, stack traces) is batched
 * and pre-encoded as Promtail sends it (protobuf + snappy, 1 MiB batches), then pushed over
 * loopback HTTP by concurrent senders. Reports MB/s and lines/s of raw log text, server
 * CPU-seconds per GB, peak RSS, and — after a flush, which compacts — bytes on disk as a
 * fraction of the raw text, once per chunk codec. Beside it, in the same run, the speed at
 * which this process merely decodes the same bodies (snappy + protobuf, Cairn's own
 * decoder), and the speed of a Node.js process that only receives and decodes the same
 * bodies over HTTP (bench/lib/parse-only-server.ts): the practical limit the issue's goal
 * compares with (ingest ≥ half of it).
 *
 * Each Cairn first takes a smaller corpus of the same kind into another tenant, untimed
 * (WARMUP_LINES, a third of LINES): the measured push is then the steady state of a running server, not
 * its first seconds, in which V8 compiling the push path took a quarter of the CPU
 * (WARMUP_LINES=0 measures a cold server, as the figures before 2026-12-01 23:50 did). The
 * parse-only server likewise answers three rounds (median).
 *
 * Run: `npm run bench -- logs-ingest` (env: STREAMS=500, LINES=600000, WARMUP_LINES, SENDERS=4, CLIENT=http|fetch,
 * FORMAT=proto|json, CODECS=zstd/zstd,snappy/snappy,... head/block codec pairs; the default is
 * the server's own, zstd level 1 in the head and level 9 in compacted blocks).
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { columnarPush } from '../src/ingest/loki/columnar.js';
import { decodePushJson } from '../src/ingest/loki/decode-json.js';
import { decodePushJsonFast } from '../src/ingest/loki/decode-json-fast.js';
import { decodePushProto } from '../src/ingest/loki/decode-proto.js';
import { snappyDecompress } from '../src/ingest/remote-write/index.js';
import { generateCorpus } from './lib/log-corpus.js';
import { HttpPoster, type PostAnswer } from '../src/cli/bench/http-post.js';
import { buildPayloads, type LokiPayloads } from './lib/loki-payloads.js';
import { cpuSeconds, mainThreadCpuSeconds, memoryMiB, startCairn, threadCpuSeconds } from './lib/targets.js';

const STREAMS = Number(process.env.STREAMS ?? 500);
const LINES = Number(process.env.LINES ?? 600_000);
const WARMUP_LINES = Number(process.env.WARMUP_LINES ?? Math.round(LINES / 3));
const SENDERS = Number(process.env.SENDERS ?? 4);
const FORMAT = (process.env.FORMAT ?? 'proto') as 'proto' | 'json';
const CLIENT = process.env.CLIENT === 'fetch' ? 'fetch' : 'http';
/** `head/block` codec pairs (ingester.chunk_encoding / compactor.log_chunk_encoding). */
const CODECS = (process.env.CODECS ?? 'zstd/zstd-tok').split(',');
/** THREADS=1: print the CPU-s per GB of every server thread that used any (the main thread first). */
const THREADS = process.env.THREADS === '1';

/** What the block files hold: compressed chunk data, needle filters, and the rest (SQLite pages, index, labels). */
function blockParts(dir: string): { data: number; filters: number; files: number } {
  let data = 0;
  let filters = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.db')) continue;
    files += statSync(join(dir, name)).size;
    const db = new Database(join(dir, name), { readonly: true });
    try {
      const row = db.prepare('SELECT sum(length(data)) AS data, sum(coalesce(length(filter), 0)) AS filters FROM chunks').get() as { data: number; filters: number };
      data += row.data;
      filters += row.filters;
    } finally {
      db.close();
    }
  }
  return { data, filters, files };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    n += name.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** CPU-s per GB by thread between two snapshots, busiest first after the main thread; threads below 0.05 left out. */
function threadLine(before: Map<number, number>, after: Map<number, number>, pid: number, gb: number): string {
  const used = [...after].map(([tid, s]) => [tid, (s - (before.get(tid) ?? 0)) / gb] as const).filter(([, v]) => v >= 0.05);
  used.sort((a, b) => (a[0] === pid ? -1 : b[0] === pid ? 1 : b[1] - a[1]));
  return `  threads (CPU-s/GB): ${used.map(([tid, v]) => `${tid === pid ? 'main' : tid - pid} ${v.toFixed(2)}`).join(', ')} (others: thread id − the main one's)`;
}

/** MB/s of raw text at which this process decodes the bodies (best of 3). */
function parseOnly(p: LokiPayloads): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (const b of p.bodies) {
      if (FORMAT === 'json') columnarPush(decodePushJsonFast(b) ?? decodePushJson(b));
      else decodePushProto(snappyDecompress(b, 100 << 20));
    }
    best = Math.min(best, performance.now() - t0);
  }
  return p.rawBytes / 1e6 / (best / 1000);
}

const MB = 1e6;
const startMs = Date.now() - 3_600_000;
// Only the encoded bodies outlive this: the corpus (600 k line strings and their objects)
// would stay in the load generator's heap, and its major GCs marking it cost the senders
// 2–6 CPU-s per GB pushed on the two cores the server uses too (2 with it dropped).
const { payloads, corpusStreams } = ((corpus) => ({ payloads: buildPayloads(corpus, FORMAT), corpusStreams: corpus.streams.length }))(
  generateCorpus({ seed: 42, streams: STREAMS, lines: LINES, startMs, durationMs: 2_400_000 }),
);
const warmup = WARMUP_LINES > 0 ? buildPayloads(generateCorpus({ seed: 41, streams: STREAMS, lines: WARMUP_LINES, startMs, durationMs: 800_000 }), FORMAT) : undefined;
const wire = payloads.bodies.reduce((a, b) => a + b.length, 0);
console.log(`corpus: ${corpusStreams} streams, ${payloads.lines} lines, ${(payloads.rawBytes / MB).toFixed(1)} MB raw text, ${payloads.bodies.length} ${FORMAT} bodies (${(wire / MB).toFixed(1)} MB on the wire)`);
const decodeMBs = parseOnly(payloads);
console.log(`decode only (this process, no HTTP, ${FORMAT === 'json' ? 'JSON as the push route decodes it' : 'snappy + protobuf'}): ${decodeMBs.toFixed(0)} MB/s of raw text`);

/**
 * Pushes every body to `url` with SENDERS concurrent senders; returns seconds and errors.
 * Over node:http with kept-alive sockets (`HttpPoster`, as `cairn bench` sends): Node's
 * fetch cost the load generator 2.5–3.1 CPU-s per GB of log text, CPU taken from the
 * server on the same two cores. CLIENT=fetch measures with fetch, as before 2026-12-02.
 */
async function pushAll(url: string, headers: Record<string, string>, p: LokiPayloads = payloads): Promise<{ seconds: number; errors: number; firstError: string }> {
  const queue = [...p.bodies];
  let errors = 0;
  let firstError = '';
  const poster = new HttpPoster(url, SENDERS);
  const post = async (body: Buffer): Promise<PostAnswer> => {
    if (CLIENT === 'http') return poster.post(url, { ...headers, 'content-type': p.contentType }, body);
    const res = await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': p.contentType } });
    return { status: res.status, text: await res.text() };
  };
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
          const { status, text } = await post(body);
          if (status !== 204) {
            errors++;
            firstError ||= `${status} ${text.slice(0, 300)}`;
          }
        }
      }),
    );
  } finally {
    poster.close();
  }
  return { seconds: (performance.now() - t0) / 1000, errors, firstError };
}

/** The parse-only server's speed: median of 3 runs. */
async function parseOnlyServer(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'parse-only-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.on('data', (d: Buffer) => resolve(Number(/port (\d+)/.exec(d.toString())?.[1]))));
  try {
    const speeds: number[] = [];
    for (let r = 0; r < 3; r++) speeds.push(payloads.rawBytes / MB / (await pushAll(`http://127.0.0.1:${port}/loki/api/v1/push`, {})).seconds);
    return speeds.sort((a, b) => a - b)[1]!;
  } finally {
    child.kill('SIGTERM');
  }
}
const parseMBs = await parseOnlyServer();
console.log(`parse only over HTTP (fastify + the same decoders, no store; ${SENDERS} senders): ${parseMBs.toFixed(0)} MB/s of raw text`);

for (const codec of CODECS) {
  const [head, block = head] = codec.split('/');
  const target = await startCairn({ CAIRN_INGESTER_CHUNK_ENCODING: head!, CAIRN_COMPACTOR_LOG_CHUNK_ENCODING: block!, CAIRN_LIMITS_INGESTION_RATE_MB: '0', CAIRN_LIMITS_MAX_GLOBAL_STREAMS_PER_USER: '0' });
  try {
    const base = target.pushUrl.replace('/api/v1/push', '');
    if (warmup !== undefined) {
      // Into a tenant of its own: the flushed blocks measured below are the corpus's alone.
      const res = await fetch(`${base}/admin/api/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'warmup', scopes: 'read+write' }),
      });
      const { data } = (await res.json()) as { data: { token: string } };
      const w = await pushAll(`${base}/loki/api/v1/push`, { 'x-scope-orgid': 'warmup', authorization: `Bearer ${data.token}` }, warmup);
      if (w.errors > 0) throw new Error(`warm-up push: ${w.firstError}`);
      console.log(`cairn codec=${codec}: warm-up ${(warmup.rawBytes / MB).toFixed(1)} MB at ${(warmup.rawBytes / MB / w.seconds).toFixed(1)} MB/s (cold server, untimed)`);
    }
    const cpu0 = cpuSeconds(target.pid);
    const main0 = mainThreadCpuSeconds(target.pid);
    const threads0 = THREADS ? threadCpuSeconds(target.pid) : undefined;
    const client0 = process.cpuUsage();
    const { seconds, errors, firstError } = await pushAll(`${base}/loki/api/v1/push`, target.headers);
    const client = process.cpuUsage(client0);
    const cpu = cpuSeconds(target.pid) - cpu0;
    const mainCpu = mainThreadCpuSeconds(target.pid) - main0;
    const mem = memoryMiB(target.pid);
    const threads = threads0 === undefined ? '' : threadLine(threads0, threadCpuSeconds(target.pid), target.pid, payloads.rawBytes / 1e9);
    const f0 = performance.now();
    const flush = await fetch(`${base}/admin/api/v1/flush?tenant=bench`, { method: 'POST', headers: { authorization: `Bearer ${target.adminToken}` } });
    const flushText = await flush.text();
    if (flush.status !== 200) throw new Error(`flush: ${flush.status} ${flushText}`);
    const flushS = (performance.now() - f0) / 1000;
    const logs = join(target.dataDir, 'tenants', 'bench', 'logs');
    const blocks = dirBytes(join(logs, 'blocks'));
    const wal = dirBytes(join(logs, 'wal'));
    const parts = blockParts(join(logs, 'blocks'));
    const pct = (n: number): string => `${((100 * n) / payloads.rawBytes).toFixed(2)}%`;
    const mbs = payloads.rawBytes / MB / seconds;
    console.log(
      [
        `cairn codec=${codec}: ${mbs.toFixed(1)} MB/s, ${(payloads.lines / seconds / 1000).toFixed(0)}k lines/s (${(mbs / parseMBs).toFixed(2)}× parse-only)`,
        `  CPU ${(cpu / (payloads.rawBytes / 1e9)).toFixed(1)} s/GB (main thread ${(mainCpu / (payloads.rawBytes / 1e9)).toFixed(1)}; the load generator ${((client.user + client.system) / 1e6 / (payloads.rawBytes / 1e9)).toFixed(1)}), peak RSS ${mem.peak.toFixed(0)} MiB, ${errors} errors${errors > 0 ? ` (first: ${firstError})` : ''}`,
        ...(threads === '' ? [] : [threads]),
        `  after flush (${flushS.toFixed(1)} s): blocks ${(blocks / MB).toFixed(1)} MB = ${((100 * blocks) / payloads.rawBytes).toFixed(1)}% of raw (chunk data ${pct(parts.data)}, filters ${pct(parts.filters)}, the rest of the .db files ${pct(parts.files - parts.data - parts.filters)}), WAL ${(wal / MB).toFixed(1)} MB`,
      ].join('\n'),
    );
  } finally {
    await target.stop();
  }
}
