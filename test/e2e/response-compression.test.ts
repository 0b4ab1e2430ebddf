// Proves response compression through the real server over loopback, as Grafana and the Go
// clients meet it: a multi-megabyte range answer asked for with `Accept-Encoding: gzip` comes
// back as one gzip member (compressed in parallel pieces) that decodes to exactly the bytes an
// identity client gets, deflate works too, small answers go out as they are, and an operator's
// `server.response_compression_level: 0` turns it off.
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type EmbeddedServer } from 'cairn';
import { prepareWorkload } from '../../src/cli/bench/gen-metrics.js';
import { pushRemoteWrite } from '../helpers/embedded.js';
import { PIECE_MIN_BYTES } from '../../src/util/gzip-pieces.js';

const END = Math.floor(Date.now() / 1000) * 1000 - 60_000;
let on: EmbeddedServer;
let off: EmbeddedServer;

/** A raw GET (no transparent decoding, unlike fetch): status, headers and the bytes as sent. */
function get(s: EmbeddedServer, path: string, acceptEncoding?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const headers: Record<string, string> = { 'x-scope-orgid': s.tenant, authorization: `Bearer ${s.tokens.readWrite}` };
  if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
  return new Promise((resolve, reject) => {
    http
      .get(`${s.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  [on, off] = await Promise.all([
    startServer({ config: { 'limits.ingestion_rate': 0 } }),
    startServer({ config: { 'limits.ingestion_rate': 0, 'server.response_compression_level': 0 } }),
  ]);
  const w = prepareWorkload({ name: 'gzip', series: 2000, samplesPerSeries: 60 }, 1, END);
  await Promise.all([pushRemoteWrite(on, w.shards[0]!), pushRemoteWrite(off, w.shards[0]!)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([on?.stop(), off?.stop()]);
});

describe('server.response_compression_level', () => {
  // Every series over the whole range: a few MB of JSON, big enough to be cut in pieces.
  const range = `/prometheus/api/v1/query_range?query=${encodeURIComponent('{__name__=~".+"}')}&start=${(END - 59 * 15_000) / 1000}&end=${END / 1000}&step=15`;

  it('gzips a big range answer into one member equal to the identity bytes', async () => {
    const plain = await get(on, range);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.length).toBeGreaterThan(2 * PIECE_MIN_BYTES);
    const gz = await get(on, range, 'gzip, deflate, br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(plain.body.length / 3);
    // One member: raw inflate of what lies between header and trailer gives everything.
    expect(zlib.inflateRawSync(gz.body.subarray(10, gz.body.length - 8)).equals(plain.body)).toBe(true);
    expect(JSON.parse(zlib.gunzipSync(gz.body).toString()).data.result.length).toBe(2000);
  });

  it('answers deflate to a client that asks only for it', async () => {
    const plain = await get(on, range);
    const df = await get(on, range, 'deflate');
    expect(df.headers['content-encoding']).toBe('deflate');
    expect(zlib.inflateSync(df.body).equals(plain.body)).toBe(true);
  });

  it('leaves a small answer uncompressed', async () => {
    const res = await get(on, `/prometheus/api/v1/query?query=${encodeURIComponent('count({__name__=~".+"})')}&time=${END / 1000}`, 'gzip');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString()).data.result[0].value[1]).toBe('2000');
  });

  it('compresses the /metrics exposition too', async () => {
    const metrics = await get(on, '/metrics', 'gzip');
    expect(metrics.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(metrics.body).toString()).toContain('cairn_http_request_duration_seconds');
  });

  it('never compresses at level 0', async () => {
    const res = await get(off, range, 'gzip');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    expect(JSON.parse(res.body.toString()).data.result.length).toBe(2000);
  });
});
