// Real Loki clients from npm against a live server over loopback HTTP, read back through
// the Loki query API as Grafana reads it: pino-loki and winston-loki push lines with a
// varying `level` label; `query_range` (forward and backward) returns every line once, in
// the order sent, in streams with the client's labels plus `service_name`; an instant
// `sum by (level) (count_over_time(...))` counts them per level; and a WebSocket tail
// opened before a push receives exactly the pushed lines. Lines sharing one timestamp (ms
// clocks) must keep their write order, as in Loki; Cairn does not yet (see 'equal timestamps').
import { pino } from 'pino';
import pinoLoki from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

/** Longest any single wait lasts: generous for slow CI, finite so a bug fails instead of hanging. */
const WAIT_MS = 5000;

let server: RunningServer;
let token: string;
/** Basic auth as the clients (and a Grafana data source) send it: tenant as user, token as password. */
let authorization: string;
/** Lower query bound: before any line of this file was logged (some carry timestamps a few seconds back). */
let startMs: number;

beforeAll(async () => {
  server = await testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0 }).start();
  await server.ready;
  token = server.tokens.create({ tenant: 'dev', scopes: 'write_logs,query_logs' }).token;
  authorization = `Basic ${Buffer.from(`dev:${token}`).toString('base64')}`;
  startMs = Date.now() - 60_000;
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const nsOf = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

/** GET on the Loki API; fails the test on anything but 200, with the body in the message. */
async function get<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${server.url}${path}?${new URLSearchParams(params).toString()}`, { headers: { authorization } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} ${JSON.stringify(params)} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** `query_range` of a log query over everything this file logged. */
async function queryRange(query: string, direction: 'forward' | 'backward', limit = 5000): Promise<Stream[]> {
  const body = await get<{ status: string; data: { resultType: string; result: Stream[] } }>('/loki/api/v1/query_range', {
    query,
    direction,
    limit: String(limit),
    start: nsOf(startMs),
    end: nsOf(Date.now() + 1000),
  });
  expect(body.status).toBe('success');
  expect(body.data.resultType).toBe('streams');
  return body.data.result;
}

const total = (streams: Stream[]) => streams.reduce((a, s) => a + s.values.length, 0);

/** Polls `query_range` until `n` lines of `app` are there (bounded by WAIT_MS), then returns the forward read. */
async function waitForLines(app: string, n: number): Promise<Stream[]> {
  const deadline = Date.now() + WAIT_MS;
  let streams = await queryRange(`{app="${app}"}`, 'forward');
  while (total(streams) < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    streams = await queryRange(`{app="${app}"}`, 'forward');
  }
  return streams;
}

/** The stream whose `level` label is `level`; fails when there is not exactly one. */
function byLevel(streams: Stream[], level: string): Stream {
  const found = streams.filter((s) => s.stream.level === level);
  expect(found.map((s) => s.stream)).toHaveLength(1);
  return found[0]!;
}

/** Instant `sum by (level) (count_over_time(...))` as a level → count map. */
async function countsByLevel(app: string): Promise<Record<string, number>> {
  const t = Date.now();
  const body = await get<{ status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }>('/loki/api/v1/query', {
    query: `sum by (level) (count_over_time({app="${app}"}[10m]))`,
    time: nsOf(t),
  });
  expect(body.data.resultType).toBe('vector');
  const out: Record<string, number> = {};
  for (const r of body.data.result) {
    expect(Object.keys(r.metric)).toEqual(['level']);
    expect(r.value[0]).toBe(t / 1000);
    out[r.metric.level!] = Number(r.value[1]);
  }
  return out;
}

/** The checks every client shares: forward order per level, backward is its reverse, counts per level. */
async function checkReadBack(app: string, sent: Record<string, string[]>, lineOf: (line: string) => string): Promise<Stream[]> {
  const n = Object.values(sent).reduce((a, l) => a + l.length, 0);
  const forward = await waitForLines(app, n);
  expect(total(forward)).toBe(n);
  expect(forward).toHaveLength(Object.keys(sent).length);
  for (const [level, lines] of Object.entries(sent)) {
    const s = byLevel(forward, level);
    expect(s.values.map(([, l]) => lineOf(l))).toEqual(lines);
    for (let i = 1; i < s.values.length; i++) expect(BigInt(s.values[i]![0]) > BigInt(s.values[i - 1]![0])).toBe(true);
  }

  const backward = await queryRange(`{app="${app}"}`, 'backward');
  expect(total(backward)).toBe(n);
  for (const level of Object.keys(sent)) expect(byLevel(backward, level).values).toEqual([...byLevel(forward, level).values].reverse());

  // A limit below the count keeps the oldest (forward) or newest (backward) entries of one stream.
  const level = Object.keys(sent)[0]!;
  const lines = sent[level]!;
  const one = `{app="${app}", level="${level}"}`;
  const first = await queryRange(one, 'forward', 5);
  expect(first.flatMap((s) => s.values.map(([, l]) => lineOf(l)))).toEqual(lines.slice(0, 5));
  const last = await queryRange(one, 'backward', 5);
  expect(last.flatMap((s) => s.values.map(([, l]) => lineOf(l)))).toEqual(lines.slice(-5).reverse());

  expect(await countsByLevel(app)).toEqual(Object.fromEntries(Object.entries(sent).map(([l, ls]) => [l, ls.length])));
  return forward;
}

const N = 300;
/** The level a line number is logged at: three streams of unequal size. */
const levelOf = (i: number) => (i % 5 === 0 ? 'error' : i % 3 === 0 ? 'warn' : 'info');

describe('Loki clients from npm, read back through the query API', () => {
  it('pino-loki (JSON): query_range forward/backward, count_over_time by level', async () => {
    const app = 'pino-query';
    const stream = pinoLoki({
      host: server.url,
      basicAuth: { username: 'dev', password: token },
      labels: { app, env: 'test' },
      // One push on end(): an interval push is not awaited and could race the final one.
      batching: { interval: 60 },
      silenceErrors: false,
    });
    // Distinct ms times (pino's clock gives many lines the same ms; equal timestamps are tested below).
    let t = Date.now() - 5000;
    const logger = pino({ level: 'info', timestamp: () => `,"time":${t++}` }, stream);
    // pino-loki maps pino levels to Loki's names: warn → warning.
    const lokiLevel = { info: 'info', warn: 'warning', error: 'error' } as const;
    const sent: Record<string, string[]> = {};
    for (let i = 0; i < N; i++) {
      const level = levelOf(i);
      logger[level]({ i }, `pino line ${i}`);
      (sent[lokiLevel[level]] ??= []).push(`pino line ${i}`);
    }
    stream.end();
    const forward = await checkReadBack(app, sent, (l) => (JSON.parse(l) as { msg: string }).msg);
    for (const s of forward) {
      // pino-loki sends the hostname as a label; the store adds service_name from app.
      expect(s.stream).toEqual({ app, env: 'test', level: s.stream.level, hostname: expect.any(String) as string, service_name: app });
      // Each entry carries pino's own ms time as its timestamp.
      for (const [ts, line] of s.values) expect(ts).toBe(nsOf((JSON.parse(line) as { time: number }).time));
    }
  });

  it.each([
    { mode: 'protobuf + snappy', json: false },
    { mode: 'JSON', json: true },
  ])('winston-loki ($mode): query_range forward/backward, count_over_time by level', async ({ json }) => {
    const app = json ? 'winston-query-json' : 'winston-query-proto';
    const errors: unknown[] = [];
    const transport = new LokiTransport({
      host: server.url,
      basicAuth: `dev:${token}`,
      labels: { app, env: 'test' },
      json,
      batching: true,
      interval: 0.1,
      // Keep the timestamps logged below: distinct ms (equal timestamps are tested below).
      replaceTimestamp: false,
      onConnectionError: (e: unknown) => errors.push(e),
    });
    const logger = winston.createLogger({ level: 'info', transports: [transport] });
    const sent: Record<string, string[]> = {};
    const t0 = Date.now() - 5000;
    for (let i = 0; i < N; i++) {
      const level = levelOf(i);
      logger.log({ level, message: `winston line ${i}`, timestamp: new Date(t0 + i).toISOString() });
      (sent[level] ??= []).push(`winston line ${i}`);
    }
    await transport.flush();
    expect(errors).toEqual([]);
    // winston-loki appends the remaining meta as JSON: `winston line 7 {"level":"info"}`.
    const forward = await checkReadBack(app, sent, (l) => l.replace(/ \{.*\}$/, ''));
    for (const s of forward) {
      const level = s.stream.level!;
      // The JSON mode also sends that meta as structured metadata; its `level` clashes with the
      // stream label, so Loki's labels builder shows it as `level_extracted`.
      expect(s.stream).toEqual(json ? { app, env: 'test', level, level_extracted: level, service_name: app } : { app, env: 'test', level, service_name: app });
      for (const [ts, line] of s.values) {
        expect(line).toMatch(new RegExp(` \\{"level":"${level}"\\}$`));
        // Each entry carries the ms timestamp it was logged with.
        expect(ts).toBe(nsOf(t0 + Number(/^winston line (\d+)/.exec(line)![1])));
      }
    }
    await transport.close?.();
  });
});

describe('equal timestamps', () => {
  // Loki keeps entries of one stream that share a timestamp in write order (chunkenc's
  // unordered head block: "preserve write ordering of entries with the same ts"; the
  // iterators merge chunks without reordering within one), and backward is the exact reverse.
  // Clients stamping in ms (pino, winston-loki by default) give many lines the same timestamp.
  const app = 'pino-tie';
  // 0..29: write order differs from the lines' byte order ("tie 10" < "tie 2").
  const sent = Array.from({ length: 30 }, (_, i) => `tie ${i}`);
  const msgs = (s: Stream[]) => s.flatMap((x) => x.values.map(([, l]) => (JSON.parse(l) as { msg: string }).msg));
  let time: number;

  beforeAll(async () => {
    const stream = pinoLoki({ host: server.url, basicAuth: { username: 'dev', password: token }, labels: { app }, batching: { interval: 60 }, silenceErrors: false });
    time = Date.now() - 5000;
    const logger = pino({ level: 'info', timestamp: () => `,"time":${time}` }, stream);
    for (const msg of sent) logger.info(msg);
    stream.end();
    await waitForLines(app, sent.length);
  });

  it('query_range returns each line once, all at the one timestamp', async () => {
    const forward = await queryRange(`{app="${app}"}`, 'forward');
    expect(forward).toHaveLength(1);
    expect(forward[0]!.values.map(([ts]) => ts)).toEqual(sent.map(() => nsOf(time)));
    expect(msgs(forward).sort()).toEqual([...sent].sort());
  });

  // Loki keeps lines of equal timestamps in write order; clients stamping in ms rely on it.
  it('query_range keeps them in the order sent (backward: reversed), as Loki does', async () => {
    expect(msgs(await queryRange(`{app="${app}"}`, 'forward'))).toEqual(sent);
    expect(msgs(await queryRange(`{app="${app}"}`, 'backward'))).toEqual([...sent].reverse());
  });
});

interface TailFrame {
  streams: Stream[];
  dropped_entries: unknown;
}

describe('tail over a WebSocket', () => {
  it('receives exactly the lines a client pushes after it connected', async () => {
    const app = 'winston-tail';
    const frames: TailFrame[] = [];
    let onFrame = () => {};
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent(`{app="${app}"}`)}`, { headers: { authorization } });
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)) as TailFrame);
      onFrame();
    });
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
      ws.on('unexpected-response', (_req, res) => reject(new Error(`tail refused: HTTP ${res.statusCode}`)));
    });
    /** Resolves once `done()` holds over the frames so far; rejects after WAIT_MS. */
    const until = (done: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (done()) return resolve();
        const timer = setTimeout(() => reject(new Error(`tail: condition not met within ${WAIT_MS} ms; ${frames.length} frames`)), WAIT_MS);
        onFrame = () => {
          if (!done()) return;
          clearTimeout(timer);
          resolve();
        };
      });

    try {
      const transport = new LokiTransport({ host: server.url, basicAuth: `dev:${token}`, labels: { app, env: 'test' }, batching: true, interval: 0.1 });
      const logger = winston.createLogger({ level: 'info', transports: [transport] });
      const M = 60;
      const sent: Record<string, string[]> = {};
      for (let i = 0; i < M; i++) {
        const level = levelOf(i);
        logger.log(level, `tail line ${i}`);
        (sent[level] ??= []).push(`tail line ${i} {"level":"${level}"}`);
      }
      await transport.flush();
      // A sentinel pushed after the flush: once it arrives, any duplicate of the lines above would have too.
      logger.log('info', 'tail sentinel');
      await transport.flush();
      const received = () => frames.flatMap((f) => f.streams.flatMap((s) => s.values.map(([, l]) => l)));
      await until(() => received().includes('tail sentinel {"level":"info"}'));
      await transport.close?.();

      expect(received()).toHaveLength(M + 1);
      for (const f of frames) expect(f.dropped_entries).toBeNull();
      const got: Record<string, string[]> = {};
      for (const f of frames) {
        for (const s of f.streams) {
          expect(s.stream).toEqual({ app, env: 'test', level: s.stream.level, service_name: app });
          (got[s.stream.level!] ??= []).push(...s.values.map(([, l]) => l));
        }
      }
      expect(got).toEqual({ ...sent, info: [...sent.info!, 'tail sentinel {"level":"info"}'] });
    } finally {
      ws.close();
      await closed;
    }
  });
});
