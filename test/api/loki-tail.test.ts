// Drives /loki/api/v1/tail (and the legacy /api/prom/tail) over a real WebSocket against
// a listening server on 127.0.0.1: refusals happen before the upgrade (401, 403, 400 with
// Loki's texts), the burst replays the newest `limit` entries oldest first, live entries
// arrive through the query's pipeline (after `delay_for`), tails per tenant are capped by
// limits.max_concurrent_tail_requests, and stopping the server closes open tails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/server.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

/** Longest a test waits for one frame or event: generous for slow CI, finite so a bug fails instead of hanging. */
const WAIT_MS = 5000;

let server: RunningServer;
let token: string;
let auth: Record<string, string>;
let seq = 0;

beforeAll(async () => {
  server = await testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0, 'limits.max_concurrent_tail_requests': 2 }).start();
  await server.ready;
  token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

async function push(job: string, entries: [string, string][]): Promise<void> {
  const res = await fetch(`${server.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: lokiJsonBody([{ labels: { job }, entries }]),
  });
  expect(res.status).toBe(204);
}

interface Tail {
  readonly ws: WebSocket;
  /** The next frame, parsed; rejects after WAIT_MS. */
  next(): Promise<Record<string, unknown>>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

/** Opens a tail and queues its frames; rejects with the HTTP status and body when refused. */
function openTail(path: string, headers: Record<string, string> = auth): Promise<Tail> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { headers });
    const frames: Record<string, unknown>[] = [];
    const waiters: ((f: Record<string, unknown>) => void)[] = [];
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Record<string, unknown>;
      const w = waiters.shift();
      if (w !== undefined) w(f);
      else frames.push(f);
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', (err) => reject(err));
    ws.on('open', () =>
      resolve({
        ws,
        closed,
        next: () => {
          const f = frames.shift();
          if (f !== undefined) return Promise.resolve(f);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no frame within WAIT_MS')), WAIT_MS);
            waiters.push((x) => {
              clearTimeout(timer);
              res(x);
            });
          });
        },
      }),
    );
  });
}

async function close(t: Tail): Promise<void> {
  t.ws.close();
  await t.closed;
}

const q = (query: string, extra = '') => `/loki/api/v1/tail?query=${encodeURIComponent(query)}${extra}`;

describe('refusals before the upgrade', () => {
  const cases: { name: string; path: () => string; headers: () => Record<string, string>; status: number; text?: string }[] = [
    { name: 'no token', path: () => q('{job="x"}'), headers: () => ({ 'x-scope-orgid': 'dev' }), status: 401 },
    {
      name: 'token without query_logs',
      path: () => q('{job="x"}'),
      headers: () => ({ 'x-scope-orgid': 'dev', authorization: `Bearer ${server.tokens.create({ tenant: 'dev', scopes: 'write' }).token}` }),
      status: 403,
    },
    { name: 'multi-tenant', path: () => q('{job="x"}'), headers: () => ({ ...auth, 'x-scope-orgid': 'dev|other' }), status: 400 },
    { name: 'delay_for over 5', path: () => q('{job="x"}', '&delay_for=6'), headers: () => auth, status: 400, text: "delay_for can't be greater than 5" },
    { name: 'bad limit', path: () => q('{job="x"}', '&limit=0'), headers: () => auth, status: 400, text: 'limit must be a positive value' },
    { name: 'metric query', path: () => q('count_over_time({job="x"}[1m])'), headers: () => auth, status: 400, text: 'only log selector is supported' },
    { name: 'syntax error', path: () => q('{job='), headers: () => auth, status: 400, text: 'parse error' },
  ];
  it.each(cases)('$name → $status', async ({ path, headers, status, text }) => {
    const err = (await openTail(path(), headers()).then(
      () => undefined,
      (e: unknown) => e,
    )) as { status: number; body: string } | undefined;
    expect(err?.status).toBe(status);
    if (text !== undefined) expect(err?.body).toContain(text);
  });
});

describe('frames', () => {
  it('bursts the newest `limit` entries oldest first, then streams live entries through the pipeline', async () => {
    const job = `tail-${++seq}`;
    const t0 = Date.now() - 5000;
    await push(job, [
      [ns(t0), 'keep 1'],
      [ns(t0 + 1), 'keep 2'],
      [ns(t0 + 2), 'keep 3'],
      [ns(t0 + 3), 'drop 4'],
    ]);
    const tail = await openTail(q(`{job="${job}"} |= "keep"`, '&limit=2'));
    try {
      const burst = await tail.next();
      expect(burst).toEqual({
        streams: [{ stream: { job, service_name: job }, values: [[ns(t0 + 1), 'keep 2'], [ns(t0 + 2), 'keep 3']] }],
        dropped_entries: null,
      });
      const t1 = Date.now();
      await push(job, [
        [ns(t1), 'drop live'],
        [ns(t1, 5), 'keep live'],
      ]);
      await push(`other-${job}`, [[ns(t1), 'keep elsewhere']]);
      const live = await tail.next();
      expect(live).toEqual({ streams: [{ stream: { job, service_name: job }, values: [[ns(t1, 5), 'keep live']] }], dropped_entries: null });
    } finally {
      await close(tail);
    }
  });

  it('holds live entries for delay_for seconds', async () => {
    const job = `tail-${++seq}`;
    const tail = await openTail(q(`{job="${job}"}`, '&delay_for=1'));
    try {
      const began = performance.now();
      await push(job, [[ns(Date.now()), 'late']]);
      const f = await tail.next();
      expect(performance.now() - began).toBeGreaterThanOrEqual(950);
      expect((f.streams as { values: unknown[] }[])[0]!.values).toEqual([[expect.any(String), 'late']]);
    } finally {
      await close(tail);
    }
  });

  it('categorize-labels puts structured metadata in a third element', async () => {
    const job = `tail-${++seq}`;
    const tail = await openTail(q(`{job="${job}"}`), { ...auth, 'x-loki-response-encoding-flags': 'categorize-labels' });
    try {
      const t = Date.now();
      const res = await fetch(`${server.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: lokiJsonBody([{ labels: { job }, entries: [[ns(t), 'with meta', { trace_id: 'x1' }]] }]),
      });
      expect(res.status).toBe(204);
      const f = await tail.next();
      expect(f).toEqual({
        streams: [{ stream: { job, service_name: job }, values: [[ns(t), 'with meta', { structuredMetadata: { trace_id: 'x1' } }]] }],
        dropped_entries: null,
        encodingFlags: ['categorize-labels'],
      });
    } finally {
      await close(tail);
    }
  });

  it('serves the legacy /api/prom/tail shape', async () => {
    const job = `tail-${++seq}`;
    const tail = await openTail(`/api/prom/tail?query=${encodeURIComponent(`{job="${job}"}`)}`);
    try {
      const now = Date.now();
      await push(job, [[ns(now, 123), 'legacy']]);
      const f = await tail.next();
      const iso = new Date(now).toISOString().replace('Z', '000123Z');
      expect(f).toEqual({ streams: [{ labels: `{job="${job}", service_name="${job}"}`, entries: [{ ts: iso, line: 'legacy' }] }], dropped_entries: null });
    } finally {
      await close(tail);
    }
  });
});

describe('limits.max_concurrent_tail_requests', () => {
  it('refuses a third tail with a text naming the key, and frees the slot on close', async () => {
    const a = await openTail(q('{job="limit"}'));
    const b = await openTail(q('{job="limit"}'));
    const err = (await openTail(q('{job="limit"}')).then(
      () => undefined,
      (e: unknown) => e,
    )) as { status: number; body: string };
    expect(err.status).toBe(400);
    expect(err.body).toContain('max concurrent tail requests limit exceeded, count > limit (3 > 2)');
    expect(err.body).toContain('limits.max_concurrent_tail_requests');
    await close(a);
    // The slot is released when the server sees the close; retry within a bounded loop.
    let c: Tail | undefined;
    for (let i = 0; i < 50 && c === undefined; i++) {
      c = await openTail(q('{job="limit"}')).catch(async () => {
        await new Promise((r) => setTimeout(r, 20));
        return undefined;
      });
    }
    expect(c).toBeDefined();
    await close(b);
    await close(c!);
  });
});

describe('server stop', () => {
  it('closes open tails', async () => {
    const other = await testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0 }).start();
    await other.ready;
    const tok = other.tokens.create({ tenant: 'dev', scopes: 'read' }).token;
    const ws = new WebSocket(`${other.url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{job="x"}')}`, {
      headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${tok}` },
    });
    await new Promise((r, j) => {
      ws.on('open', r);
      ws.on('error', j);
    });
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    await other.stop();
    await expect(Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('timeout'), WAIT_MS))])).resolves.toBe('closed');
  });
});
