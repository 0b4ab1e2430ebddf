// Real Loki clients from npm against a live server over loopback HTTP: pino-loki (JSON) and
// winston-loki (protobuf + snappy, and its JSON mode) push log lines; every line is found
// in the store exactly once, with the labels the client sent (plus service_name, as Loki 3).
import { pino } from 'pino';
import pinoLoki from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMatcher } from '../../src/model/matcher.js';
import type { RunningServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  const s = testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0 });
  server = await s.start();
  await server.ready;
  token = server.tokens.create({ tenant: 'dev', scopes: 'write_logs' }).token;
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

interface Found {
  labels: Record<string, string>;
  lines: string[];
}

/** Every stream whose `app` label is `app`, with its lines oldest first. */
function read(app: string): Found[] {
  const q = server.logs.logQuerier('dev', 0, Date.now() + 60_000);
  const set = q.select([newMatcher('=', 'app', app)], { startMs: 0, startNs: 0, endMs: Date.now() + 60_000, endNs: 0, direction: 'forward' });
  const out: Found[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const lines: string[] = [];
    while (it.next()) lines.push(it.at().line);
    out.push({ labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), lines });
  }
  q.close();
  return out;
}

/** Polls until `n` lines arrived (bounded: 100 × 100 ms). */
async function waitForLines(app: string, n: number): Promise<Found[]> {
  for (let i = 0; i < 100; i++) {
    const found = read(app);
    if (found.reduce((a, f) => a + f.lines.length, 0) >= n) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return read(app);
}

const N = 300;

describe('Loki clients from npm', () => {
  it('pino-loki: every line once, with its labels', async () => {
    const stream = pinoLoki({
      host: server.url,
      basicAuth: { username: 'dev', password: token },
      labels: { app: 'pino-e2e', env: 'test' },
      batching: { interval: 0.2 },
      silenceErrors: false,
    });
    const logger = pino({ level: 'info' }, stream);
    for (let i = 0; i < N; i++) logger.info({ i }, `pino line ${i}`);
    stream.end();
    const found = await waitForLines('pino-e2e', N);
    const lines = found.flatMap((f) => f.lines.map((l) => (JSON.parse(l) as { msg: string }).msg));
    expect(lines.sort()).toEqual(Array.from({ length: N }, (_, i) => `pino line ${i}`).sort());
    for (const f of found) expect(f.labels).toMatchObject({ app: 'pino-e2e', env: 'test', level: 'info', service_name: 'pino-e2e' });
  });

  it.each([
    { mode: 'protobuf + snappy', json: false },
    { mode: 'JSON', json: true },
  ])('winston-loki ($mode): every line once, with its labels', async ({ json }) => {
    const app = json ? 'winston-json' : 'winston-proto';
    const errors: Error[] = [];
    const transport = new LokiTransport({
      host: server.url,
      basicAuth: `dev:${token}`,
      labels: { app, env: 'test' },
      json,
      batching: true,
      interval: 0.2,
      onConnectionError: (e: unknown) => errors.push(e as Error),
    });
    const logger = winston.createLogger({ transports: [transport] });
    for (let i = 0; i < N; i++) logger.info(`winston line ${i}`, { labels: { kind: i % 2 === 0 ? 'even' : 'odd' } });
    await transport.flush();
    const found = await waitForLines(app, N);
    expect(errors).toEqual([]);
    const lines = found.flatMap((f) => f.lines);
    expect(lines.length).toBe(N);
    expect(new Set(lines).size).toBe(N);
    expect(lines.every((l) => /winston line \d+/.test(l))).toBe(true);
    const kinds = found.map((f) => f.labels.kind).sort();
    expect(kinds).toEqual(['even', 'odd']);
    for (const f of found) expect(f.labels).toMatchObject({ app, env: 'test', level: 'info', service_name: app });
    transport.close?.();
  });
});
