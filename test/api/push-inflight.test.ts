// Drives the in-flight push limits through a listening server over loopback HTTP: a push
// held open (its body half sent) takes the only slot, so the next push on any push route
// is answered 503 with Mimir's words while an unauthenticated one still gets its 401 (auth runs first);
// the slot frees when the held push completes. With a byte limit, a declared body over it
// and a chunked body over it are both refused; a small one passes. Query routes are not
// counted. The gauges and the rejection counter are on /metrics.
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

afterAll(() => cleanupTempDirs());

async function start(config: Record<string, unknown>): Promise<{ s: RunningServer; auth: Record<string, string> }> {
  const s = await testServer(config).start();
  await s.ready;
  const token = s.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  return { s, auth: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` } };
}

const body = (line: string): Buffer => Buffer.from(lokiJsonBody([{ labels: { job: 'inflight' }, entries: [[ns(Date.now()), line]] }]));

/**
 * One push on a connection of its own, whole body sent, or streamed without a Content-Length
 * (`chunked`). Own connections: a refused push is answered before its body is read, after
 * which the server may close the connection, which a pooled client could be reusing.
 */
function push(s: RunningServer, headers: Record<string, string>, b: Buffer, chunked = false, path = '/loki/api/v1/push'): Promise<{ status: number; text: string }> {
  const url = new URL(`${s.url}${path}`);
  const length: Record<string, string> = chunked ? {} : { 'content-length': String(b.length) };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { ...headers, 'content-type': 'application/json', ...length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
    });
    // The server may answer and close before taking the whole body.
    req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
    if (chunked) req.write(b.subarray(0, 100));
    req.end(chunked ? b.subarray(100) : b);
  });
}

async function metric(s: RunningServer, line: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? NaN : Number(found.slice(line.length + 1));
}

/** Sends a push's headers and the first bytes of its body, then waits; `finish` sends the rest. */
function heldPush(s: RunningServer, headers: Record<string, string>, b: Buffer): { finish: () => Promise<number> } {
  const url = new URL(`${s.url}/loki/api/v1/push`);
  let resolveStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (resolveStatus = r));
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': String(b.length) } }, (res) => {
    res.resume();
    res.on('end', () => resolveStatus(res.statusCode ?? 0));
  });
  req.write(b.subarray(0, 10));
  return {
    finish: () => {
      req.end(b.subarray(10));
      return status;
    },
  };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 2 s');
}

describe('distributor.instance_limits.max_inflight_push_requests', () => {
  it('answers 503 past the limit while a push is held, 401 to a client without a token, and frees the slot', async () => {
    const { s, auth } = await start({ 'distributor.instance_limits.max_inflight_push_requests': 1 });
    try {
      const held = heldPush(s, auth, body('held'));
      await until(async () => (await metric(s, 'cairn_distributor_inflight_push_requests')) === 1);

      const refused = await push(s, auth, body('second'));
      expect(refused.status).toBe(503);
      expect(refused.text).toContain('the write request has been rejected because the distributor exceeded the allowed number of inflight push requests (err-mimir-distributor-max-inflight-push-requests)');
      expect(refused.text).toContain('distributor.instance_limits.max_inflight_push_requests');
      expect((await push(s, { 'x-scope-orgid': 'dev' }, body('anonymous'))).status).toBe(401);
      // Every push route shares the limit (refused before the body is looked at).
      for (const path of ['/api/v1/push', '/otlp/v1/metrics', '/otlp/v1/logs', '/api/prom/push', '/logs/loki/api/v1/push']) {
        expect([path, (await push(s, auth, Buffer.from('x'), false, path)).status]).toEqual([path, 503]);
      }
      // Queries are not pushes.
      expect((await fetch(`${s.url}/loki/api/v1/labels`, { headers: auth })).status).toBe(200);

      expect(await held.finish()).toBe(204);
      await until(async () => (await metric(s, 'cairn_distributor_inflight_push_requests')) === 0);
      expect((await push(s, auth, body('third'))).status).toBe(204);
      expect(await metric(s, 'cairn_distributor_instance_rejected_requests_total{reason="distributor_max_inflight_push_requests"}')).toBe(6);
      expect(await metric(s, 'cairn_distributor_inflight_push_requests_bytes')).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('distributor.instance_limits.max_inflight_push_requests_bytes', () => {
  it('refuses a declared or a chunked body over the limit, and takes a small one', async () => {
    const { s, auth } = await start({ 'distributor.instance_limits.max_inflight_push_requests_bytes': 1000 });
    try {
      const big = body('x'.repeat(2000));
      const declared = await push(s, auth, big);
      expect(declared.status).toBe(503);
      expect(declared.text).toContain('(err-mimir-distributor-max-inflight-push-requests-bytes)');
      expect(declared.text).toContain('distributor.instance_limits.max_inflight_push_requests_bytes');

      // A streamed body has no Content-Length: it is counted once read.
      const chunked = await push(s, auth, big, true);
      expect(chunked.status).toBe(503);
      expect(chunked.text).toContain('(err-mimir-distributor-max-inflight-push-requests-bytes)');

      expect((await push(s, auth, body('small'))).status).toBe(204);
      expect(await metric(s, 'cairn_distributor_instance_rejected_requests_total{reason="distributor_max_inflight_push_requests_bytes"}')).toBe(2);
      await until(async () => (await metric(s, 'cairn_distributor_inflight_push_requests_bytes')) === 0);
    } finally {
      await s.stop();
    }
  });
});
