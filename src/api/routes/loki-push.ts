/**
 * `POST /loki/api/v1/push` and the legacy `POST /api/prom/push` (scope `write_logs`), as
 * Loki serves them (`pkg/loghttp/push/push.go`): the body's format follows its
 * Content-Type — `application/json` is JSON (gzip or deflate Content-Encoding allowed),
 * anything else, or none, is snappy-compressed protobuf (Promtail, Alloy and Grafana Agent
 * send it without a Content-Encoding). 204 when everything was stored; otherwise the
 * error of what was refused, after the rest was stored.
 */
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeLegacyPushJson, decodePushJson } from '../../ingest/loki/decode-json.js';
import { decodePushJsonFast } from '../../ingest/loki/decode-json-fast.js';
import { decodePushProto } from '../../ingest/loki/decode-proto.js';
import type { PushRequest } from '../../ingest/loki/types.js';
import { LokiIngester, type LokiIngestDeps, type PushBody } from '../../ingest/loki-ingest.js';
import { RAW_JSON, RAW_LEGACY_JSON, RAW_PROTO_SNAPPY } from '../../ingest/loki/raw-push.js';
import { snappyDecompress } from '../../ingest/remote-write/snappy.js';
import { CairnError } from '../../util/errors.js';
import { tenantOf } from '../tenancy.js';

export interface LokiPushDeps extends LokiIngestDeps {
  /** Largest body, compressed and decompressed (`distributor.max_recv_msg_size`). */
  readonly maxRecvMsgSize: number;
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const EMPTY = Buffer.alloc(0);

function header(req: FastifyRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase() ?? '';
}

/** Decompresses a JSON body per its Content-Encoding, off the event loop, within the size limit. */
async function jsonBody(body: Buffer, encoding: string, max: number): Promise<Buffer> {
  const opts = { maxOutputLength: max };
  try {
    if (encoding === '' || encoding === 'identity') return body;
    if (encoding === 'gzip') return await gunzipAsync(body, opts);
    if (encoding === 'deflate') return await inflateAsync(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e.code === 'ERR_OUT_OF_RANGE') {
      throw new CairnError('too_large', 'request_too_large', `request body too large: the decompressed body is larger than ${max} bytes (configure distributor.max_recv_msg_size)`);
    }
    throw new CairnError('bad_data', 'invalid_body', `the ${encoding} body could not be decompressed: ${e.message}`);
  }
  throw new CairnError('bad_data', 'unsupported_encoding', `Content-Encoding "${encoding}" not supported`);
}

/** Decodes a push body of either route into streams, with the body as the WAL keeps it. */
async function decode(req: FastifyRequest, legacy: boolean, max: number): Promise<{ decoded: PushRequest; raw: PushBody }> {
  const body = (req.body as Buffer | undefined) ?? EMPTY;
  const type = header(req, 'content-type').split(';')[0]!.trim();
  const encoding = header(req, 'content-encoding');
  if (type === 'application/json') {
    const json = await jsonBody(body, encoding, max);
    // The common shape straight into columns; any other body (and every error) through JSON.parse.
    const decoded = legacy ? decodeLegacyPushJson(json) : (decodePushJsonFast(json) ?? decodePushJson(json));
    return { decoded, raw: { format: legacy ? RAW_LEGACY_JSON : RAW_JSON, body: json } };
  }
  if (encoding !== '' && encoding !== 'snappy' && encoding !== 'identity') {
    throw new CairnError('bad_data', 'unsupported_encoding', `Content-Encoding "${encoding}" not supported`);
  }
  return { decoded: decodePushProto(snappyDecompress(body, max)), raw: { format: RAW_PROTO_SNAPPY, body } };
}

export function registerLokiPushRoutes(app: FastifyInstance, deps: LokiPushDeps): void {
  const ingester = new LokiIngester(deps);
  const handler = (legacy: boolean) => async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const { decoded, raw } = await decode(req, legacy, deps.maxRecvMsgSize);
    await ingester.push(tenantOf(req), decoded, raw);
    return reply.code(204).send();
  };
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const opts = { config: { auth: { kind: 'tenant', scope: 'write_logs' }, push: true } } as const;
    scope.post('/loki/api/v1/push', opts, handler(false));
    scope.post('/api/prom/push', opts, handler(true));
  });
}
