/**
 * Response compression, as Prometheus's API (`util/httputil/compression.go`) and Loki's and
 * Mimir's (`gzhttp`) do it: a textual answer of at least `server.response_compression_min_size`
 * bytes goes out gzip- (or deflate-) encoded when the request's `Accept-Encoding` allows it.
 * Grafana's data sources, promtool and the Go clients always ask for gzip; a browser or
 * `curl --compressed` does too. Compression runs on libuv's thread pool (`util/gzip-pieces.ts`).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { compressBody, type BodyEncoding } from '../util/gzip-pieces.js';

/** What `server.response_compression_*` configure. */
export interface CompressionOptions {
  /** zlib level 1–9; 0 turns response compression off. */
  readonly level: number;
  /** Bodies smaller than this go out as they are. */
  readonly minBytes: number;
}

/**
 * The encoding to answer with for an `Accept-Encoding` header (RFC 9110 12.5.3): the
 * acceptable coding with the highest q-value among gzip (also spelled `x-gzip`) and deflate,
 * gzip on a tie; `*` stands for any coding not named; a q-value of 0 refuses. Identity when
 * neither is acceptable (a header that refuses identity too gets it anyway, as from
 * Prometheus: a 406 helps no client).
 */
export function negotiateEncoding(header: string | undefined): BodyEncoding | 'identity' {
  if (header === undefined || header === '') return 'identity';
  let gzip: number | undefined;
  let deflate: number | undefined;
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=(.*)$/i.exec(p);
      if (m !== null) q = /^\s*[0-9.]+\s*$/.test(m[1]!) ? Number(m[1]) : NaN;
    }
    // A malformed q-value counts as a refusal rather than a guess.
    if (!Number.isFinite(q) || q < 0 || q > 1) q = 0;
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === 'deflate') deflate = q;
    else if (name === '*') star = q;
  }
  const gq = gzip ?? star ?? 0;
  const dq = deflate ?? star ?? 0;
  if (gq === 0 && dq === 0) return 'identity';
  return gq >= dq ? 'gzip' : 'deflate';
}

/** Content types worth compressing: JSON, text (including the `/metrics` exposition), YAML. */
export function isCompressible(contentType: unknown): boolean {
  if (typeof contentType !== 'string') return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type.startsWith('text/') || type === 'application/yaml' || type === 'application/x-yaml' || type === 'application/openmetrics-text';
}

/** Adds `Accept-Encoding` to the reply's `Vary`, so a cache keeps both forms apart. */
function varyOnEncoding(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'Accept-Encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(String(vary))) reply.header('vary', `${String(vary)}, Accept-Encoding`);
}

/**
 * Whether the body has at least `min` bytes, without measuring a big string: its UTF-8 is at
 * least as long as its UTF-16 length, and measuring would flatten a rope of a few megabytes
 * (~0.3 ms for a 26 000-point answer) that fastify measures again anyway.
 */
function atLeast(payload: string | Buffer, min: number): boolean {
  if (typeof payload !== 'string' || payload.length >= min) return payload.length >= min;
  // A UTF-16 unit is at most 3 UTF-8 bytes: only short strings near the limit are measured.
  return payload.length * 3 >= min && Buffer.byteLength(payload) >= min;
}

/**
 * Bodies that never change once written, with their compressed forms by encoding and
 * level: the labels API's answers are written once per list (prom-json.ts) and asked for
 * again on every dashboard refresh, with gzip. Held as long as the body itself.
 */
const unchanging = new WeakMap<Buffer, Map<string, Buffer>>();

/** Marks `body` as never changing, so that its compressed forms are kept with it; returns it. */
export function markUnchanging(body: Buffer): Buffer {
  if (!unchanging.has(body)) unchanging.set(body, new Map());
  return body;
}

/** The compressed forms kept for a body marked unchanging (for tests), by `encoding level`. */
export function compressedFormsOf(body: Buffer): ReadonlyMap<string, Buffer> | undefined {
  return unchanging.get(body);
}

/** Installs the `onSend` hook that compresses answers; a no-op at level 0. */
export function installCompression(app: FastifyInstance, opts: CompressionOptions): void {
  if (opts.level === 0) return;
  // A callback hook, not an async one: most answers pass as they are, without a promise and
  // an extra turn each. The cheap checks come first.
  app.addHook('onSend', (request, reply, payload, done) => {
    // Streams and empty bodies pass (no route streams a compressible answer today).
    if ((typeof payload !== 'string' && !Buffer.isBuffer(payload)) || !atLeast(payload, opts.minBytes)) return done(null, payload);
    if (request.method === 'HEAD' || reply.statusCode === 204 || reply.statusCode === 304) return done(null, payload);
    if (reply.hasHeader('content-encoding') || !isCompressible(reply.getHeader('content-type'))) return done(null, payload);
    varyOnEncoding(reply);
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    if (encoding === 'identity') return done(null, payload);
    const forms = typeof payload === 'string' ? undefined : unchanging.get(payload);
    const key = `${encoding} ${opts.level}`;
    const kept = forms?.get(key);
    const send = (compressed: Buffer) => {
      reply.header('content-encoding', encoding);
      reply.removeHeader('content-length');
      done(null, compressed);
    };
    if (kept !== undefined) return send(kept);
    compressBody(typeof payload === 'string' ? Buffer.from(payload) : payload, encoding, opts.level).then((compressed) => {
      forms?.set(key, compressed);
      send(compressed);
    }, done);
  });
}
