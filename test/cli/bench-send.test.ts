// Proves the push benchmarks' sender: node:http POSTs reach a real loopback server with
// their headers, length and bytes and bring back status and text; a refused connection is
// status 0 with its message, never a throw; and the retry loop retries exactly the
// retryable answers, backing off, up to its policy's limit.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram, sendWithRetry } from '../../src/cli/bench/common.js';
import { HttpPoster } from '../../src/cli/bench/http-post.js';

let server: http.Server;
let url = '';
const seen: { headers: http.IncomingHttpHeaders; body: Buffer }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(parts) });
      res.writeHead(req.url === '/refuse' ? 400 : 204);
      res.end(req.url === '/refuse' ? 'bad body' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpPoster', () => {
  it('posts the bytes with their headers and length, over kept-alive sockets', async () => {
    const poster = new HttpPoster(url, 2);
    try {
      const body = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
      const answers = await Promise.all([1, 2, 3, 4].map(() => poster.post(`${url}/push`, { 'x-scope-orgid': 't1', 'content-type': 'application/x-protobuf' }, body)));
      expect(answers).toEqual(Array(4).fill({ status: 204, text: '' }));
      expect(await poster.post(`${url}/refuse`, {}, Uint8Array.of(1))).toEqual({ status: 400, text: 'bad body' });
      const last = seen.at(-2)!;
      expect(last.headers).toMatchObject({ 'x-scope-orgid': 't1', 'content-type': 'application/x-protobuf', 'content-length': '300000', connection: 'keep-alive' });
      expect(last.body.equals(Buffer.from(body))).toBe(true);
    } finally {
      poster.close();
    }
  });

  it('answers a refused connection with status 0 and the error, without throwing', async () => {
    const poster = new HttpPoster('http://127.0.0.1:1', 1);
    const a = await poster.post('http://127.0.0.1:1/push', {}, Uint8Array.of(1));
    poster.close();
    expect(a.status).toBe(0);
    expect(a.text).toMatch(/ECONNREFUSED/);
  });
});

describe('sendWithRetry', () => {
  const policy = { maxRetries: 3, minBackoffMs: 10, maxBackoffMs: 15 };
  it.each([
    { name: 'success at once', statuses: [204], attempts: 1, ok: true, retries: 0 },
    { name: '429 then success', statuses: [429, 204], attempts: 2, ok: true, retries: 1 },
    { name: '503 and connection errors then success', statuses: [503, 0, 200], attempts: 3, ok: true, retries: 2 },
    { name: 'retryable until the limit', statuses: [500, 500, 500, 500, 204], attempts: 4, ok: false, retries: 3 },
    { name: 'a 400 is not retried', statuses: [400, 204], attempts: 1, ok: false, retries: 0 },
  ])('$name', async ({ statuses, attempts, ok, retries }) => {
    let calls = 0;
    const sleeps: number[] = [];
    const hist = new LatencyHistogram();
    const r = await sendWithRetry(
      async () => ({ status: statuses[calls++]!, text: ` answer ${calls} ` }),
      hist,
      policy,
      async (ms) => void sleeps.push(ms),
    );
    expect(calls).toBe(attempts);
    expect(r).toMatchObject({ ok, retries, status: statuses[attempts - 1] });
    if (!ok) expect(r.errorText).toBe(`answer ${attempts}`);
    expect(hist.count).toBe(attempts);
    // Jittered backoff: 10 ms ±50 %, then doubled, capped at 15.
    expect(sleeps).toHaveLength(retries);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0.5 * Math.min(10 * 2 ** i, 15));
      expect(ms).toBeLessThanOrEqual(1.5 * Math.min(10 * 2 ** i, 15));
    });
  });
});
