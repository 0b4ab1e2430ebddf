/**
 * bench/http-floor: how fast a `labels` request can be answered from Node at all, beside
 * Cairn and Prometheus, as warm (or as cold) as the query bench leaves each server.
 *
 * Cairn (and Prometheus 2.42 when installed) load the same 10k-series workload; two more
 * Node processes answer the same path with Cairn's own `labels` body, fixed: `raw` through
 * `node:http` alone, `fastify` through a bare fastify route. Each target first answers WARM
 * requests, then ROUNDS rounds of M requests go round the targets (one request each in
 * turn, GAP ms apart, as `bench/query` interleaves them). Per round and target: the median
 * and p90 latency. With the query bench's warmth (WARM=3, M=15, GAP=1) this tells whether
 * a miss on the metadata requests is Cairn's or the floor's under it.
 *
 * Run: `npx tsx bench/http-floor.ts` (env: WARM=3, M=15, GAP=1, ROUNDS=3, SPS=20 samples per
 * series; PROM=0 leaves Prometheus out).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prepareWorkload } from './lib/payloads.js';
import { frameOf, loadWorkload } from './lib/query-frame.js';
import { startCairn, startPrometheus } from './lib/targets.js';

const LABELS_PATH = '/prometheus/api/v1/labels';

/** The child: a server answering `LABELS_PATH` with BODY, bare Node or bare fastify. */
async function serveFixed(kind: string, port: number, body: Buffer): Promise<void> {
  if (kind === 'raw') {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  } else {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.get(LABELS_PATH, (_req, reply) => {
      void reply.header('content-type', 'application/json').send(body);
    });
    await app.listen({ port, host: '127.0.0.1' });
  }
  console.log('up');
}

if (process.env.HTTP_FLOOR_CHILD !== undefined) {
  await serveFixed(process.env.HTTP_FLOOR_CHILD, Number(process.env.HTTP_FLOOR_PORT), Buffer.from(process.env.HTTP_FLOOR_BODY ?? ''));
} else {
  await main();
}

interface FloorTarget {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

async function main(): Promise<void> {
  const WARM = Number(process.env.WARM ?? 3);
  const M = Math.max(1, Number(process.env.M ?? 15));
  const GAP = Number(process.env.GAP ?? 1);
  const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3));
  const endMs = Math.floor(Date.now() / 1000) * 1000;
  const workload = { name: 'floor', series: 10_000, samplesPerSeries: Number(process.env.SPS ?? 20) };
  const prepared = prepareWorkload(workload, 4, endMs);
  const { evalS, startS } = frameOf(workload, endMs);
  const query = `start=${startS}&end=${evalS}`;
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const cairn = await startCairn();
    stops.push(() => cairn.stop());
    await loadWorkload(cairn, prepared);
    const targets: FloorTarget[] = [{ name: 'cairn', url: `${cairn.queryBase}/labels?${query}`, headers: cairn.headers }];
    const body = await (await fetch(targets[0]!.url, { headers: cairn.headers })).text();
    if (process.env.PROM !== '0') {
      const prom = await startPrometheus();
      if (prom === undefined) console.log('prometheus: not installed, left out');
      else {
        stops.push(() => prom.stop());
        await loadWorkload(prom, prepared);
        targets.push({ name: 'prometheus', url: `${prom.queryBase}/labels?${query}`, headers: prom.headers });
      }
    }
    for (const [kind, port] of [
      ['raw', 19301],
      ['fastify', 19302],
    ] as const) {
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
        env: { ...process.env, HTTP_FLOOR_CHILD: kind, HTTP_FLOOR_PORT: String(port), HTTP_FLOOR_BODY: body },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      stops.push(() => void child.kill());
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      targets.push({ name: kind, url: `http://127.0.0.1:${port}${LABELS_PATH}?${query}`, headers: {} });
    }
    const once = async (t: FloorTarget): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(t.url, { headers: { ...t.headers, 'accept-encoding': 'identity' } });
      await res.text();
      if (res.status !== 200) throw new Error(`${t.name}: HTTP ${res.status}`);
      return performance.now() - t0;
    };
    for (const t of targets) for (let i = 0; i < WARM; i++) await once(t);
    console.log(`labels, 10k series: ${WARM} warm-up requests each, then ${ROUNDS} rounds of ${M} going round the targets ${GAP} ms apart`);
    for (let round = 0; round < ROUNDS; round++) {
      const times = targets.map(() => [] as number[]);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < targets.length; j++) {
          if (GAP > 0) await new Promise((resolve) => setTimeout(resolve, GAP));
          times[j]!.push(await once(targets[j]!));
        }
      }
      const line = targets.map((t, j) => {
        const sorted = times[j]!.sort((a, b) => a - b);
        return `${t.name} ${(sorted[M >> 1]! * 1000).toFixed(0)} µs (p90 ${(sorted[Math.floor(M * 0.9)]! * 1000).toFixed(0)})`;
      });
      console.log(`round ${round + 1}: ${line.join(', ')}`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
