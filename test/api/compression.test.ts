// Proves response compression as Prometheus's and Loki's clients meet it: the encoding is
// negotiated from Accept-Encoding with q-values, only textual answers of at least the minimum
// size are compressed, bodies that carry their own encoding or none are left alone, `Vary`
// is set, and the compressed bytes decode to exactly what an identity client gets.
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressedFormsOf, installCompression, markUnchanging, isCompressible, negotiateEncoding } from '../../src/api/compression.js';

describe('negotiateEncoding', () => {
  it.each([
    { header: undefined, expected: 'identity' },
    { header: '', expected: 'identity' },
    { header: 'gzip', expected: 'gzip' },
    { header: 'gzip, deflate', expected: 'gzip' },
    { header: 'deflate, gzip', expected: 'gzip' },
    { header: 'deflate', expected: 'deflate' },
    { header: 'GZIP', expected: 'gzip' },
    { header: 'x-gzip', expected: 'gzip' },
    { header: 'br', expected: 'identity' },
    { header: 'identity', expected: 'identity' },
    { header: 'gzip;q=0', expected: 'identity' },
    { header: 'gzip;q=0, deflate', expected: 'deflate' },
    { header: 'gzip;q=0.5, deflate;q=0.8', expected: 'deflate' },
    { header: 'gzip ; q=0.8, deflate;q=0.8', expected: 'gzip' },
    { header: '*', expected: 'gzip' },
    { header: '*;q=0', expected: 'identity' },
    { header: 'gzip;q=0, *', expected: 'deflate' },
    { header: 'br;q=1.0, gzip;q=0.9, *;q=0.1', expected: 'gzip' },
    { header: 'gzip;q=abc', expected: 'identity' },
    { header: 'gzip;q=2', expected: 'identity' },
  ])('$header → $expected', ({ header, expected }) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('isCompressible', () => {
  it.each([
    { type: 'application/json', expected: true },
    { type: 'application/json; charset=utf-8', expected: true },
    { type: 'text/plain; version=0.0.4; charset=utf-8', expected: true },
    { type: 'application/yaml', expected: true },
    { type: 'application/openmetrics-text; version=1.0.0', expected: true },
    { type: 'application/x-protobuf', expected: false },
    { type: 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse', expected: false },
    { type: 'application/octet-stream', expected: false },
    { type: undefined, expected: false },
  ])('$type → $expected', ({ type, expected }) => {
    expect(isCompressible(type)).toBe(expected);
  });
});

const big = JSON.stringify({ status: 'success', data: Array.from({ length: 4000 }, (_, i) => `value_${i}_é`) });

/** A body marked unchanging: its compressed forms are kept with it. */
const fixed = markUnchanging(Buffer.from(big));

function app(level: number): FastifyInstance {
  const a = Fastify();
  installCompression(a, { level, minBytes: 1024 });
  a.get('/fixed', async (_q, r) => r.type('application/json; charset=utf-8').send(fixed));
  a.get('/string', async (_q, r) => r.type('application/json; charset=utf-8').send(big));
  a.get('/buffer', async (_q, r) => r.type('application/json; charset=utf-8').send(Buffer.from(big)));
  a.get('/small', async (_q, r) => r.type('application/json').send('{"status":"success","data":[]}'));
  a.get('/proto', async (_q, r) => r.type('application/x-protobuf').send(Buffer.from(big)));
  a.get('/snappy', async (_q, r) => r.type('application/json').header('content-encoding', 'snappy').send(Buffer.from(big)));
  a.get('/vary', async (_q, r) => r.type('application/json').header('vary', 'Origin').send(big));
  a.get('/empty', async (_q, r) => r.code(204).send());
  // 600 two-byte characters: 1 200 bytes over the 1 KiB minimum in 600 UTF-16 units under it.
  a.get('/multibyte', async (_q, r) => r.type('application/json').send(JSON.stringify('é'.repeat(600))));
  a.get('/multibyte-small', async (_q, r) => r.type('application/json').send(JSON.stringify('é'.repeat(500))));
  return a;
}

describe('installCompression', () => {
  let on: FastifyInstance;
  let off: FastifyInstance;
  beforeAll(async () => {
    on = app(1);
    off = app(0);
    await Promise.all([on.ready(), off.ready()]);
  });
  afterAll(async () => {
    await Promise.all([on.close(), off.close()]);
  });

  const cases = [
    { name: 'string body, gzip', url: '/string', accept: 'gzip', encoding: 'gzip' },
    { name: 'Buffer body, gzip', url: '/buffer', accept: 'gzip, deflate', encoding: 'gzip' },
    { name: 'deflate only', url: '/string', accept: 'deflate', encoding: 'deflate' },
    { name: 'no Accept-Encoding', url: '/string', accept: undefined, encoding: undefined },
    { name: 'gzip refused', url: '/string', accept: 'gzip;q=0', encoding: undefined },
    { name: 'below the minimum size', url: '/small', accept: 'gzip', encoding: undefined, vary: false },
    { name: 'over the minimum in bytes, not in characters', url: '/multibyte', accept: 'gzip', encoding: 'gzip' },
    { name: 'under the minimum in bytes too', url: '/multibyte-small', accept: 'gzip', encoding: undefined, vary: false },
    { name: 'not textual', url: '/proto', accept: 'gzip', encoding: undefined, vary: false },
    { name: 'already encoded', url: '/snappy', accept: 'gzip', encoding: 'snappy', vary: false },
  ];
  it.each(cases)('$name', async ({ url, accept, encoding, vary }) => {
    const plain = await on.inject({ method: 'GET', url });
    const res = await on.inject({ method: 'GET', url, headers: accept === undefined ? {} : { 'accept-encoding': accept } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe(encoding);
    if (vary !== false) expect(res.headers.vary).toBe('Accept-Encoding');
    else expect(res.headers.vary).toBeUndefined();
    const decoded = encoding === 'gzip' ? zlib.gunzipSync(res.rawPayload) : encoding === 'deflate' ? zlib.inflateSync(res.rawPayload) : res.rawPayload;
    expect(decoded.equals(plain.rawPayload)).toBe(true);
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    if (encoding === 'gzip' || encoding === 'deflate') expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    if (url.startsWith('/multibyte')) expect(decoded.toString()).toBe(JSON.stringify('é'.repeat(url === '/multibyte' ? 600 : 500)));
  });

  it('adds Accept-Encoding to an existing Vary', async () => {
    const res = await on.inject({ method: 'GET', url: '/vary', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.vary).toBe('Origin, Accept-Encoding');
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('leaves 204 and HEAD alone', async () => {
    const empty = await on.inject({ method: 'GET', url: '/empty', headers: { 'accept-encoding': 'gzip' } });
    expect(empty.statusCode).toBe(204);
    expect(empty.headers['content-encoding']).toBeUndefined();
    const head = await on.inject({ method: 'HEAD', url: '/string', headers: { 'accept-encoding': 'gzip' } });
    expect(head.headers['content-encoding']).toBeUndefined();
  });

  it('keeps the compressed forms of a body marked unchanging, by encoding and level, and sends them again', async () => {
    const level9 = app(9);
    try {
      const get = async (a: FastifyInstance, accept: string) => (await a.inject({ method: 'GET', url: '/fixed', headers: { 'accept-encoding': accept } })).rawPayload;
      const gz = await get(on, 'gzip');
      expect(zlib.gunzipSync(gz).equals(fixed)).toBe(true);
      expect([...compressedFormsOf(fixed)!.keys()]).toEqual(['gzip 1']);
      expect((await get(on, 'gzip')).equals(gz)).toBe(true);
      expect(zlib.inflateSync(await get(on, 'deflate')).equals(fixed)).toBe(true);
      expect(zlib.gunzipSync(await get(level9, 'gzip')).equals(fixed)).toBe(true);
      expect([...compressedFormsOf(fixed)!.keys()].sort()).toEqual(['deflate 1', 'gzip 1', 'gzip 9']);
      // Another body with the same bytes is not marked: nothing kept for it.
      expect(compressedFormsOf(Buffer.from(big))).toBeUndefined();
    } finally {
      await level9.close();
    }
  });

  it('level 0 never compresses', async () => {
    const res = await off.inject({ method: 'GET', url: '/string', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).toBe(big);
  });
});
