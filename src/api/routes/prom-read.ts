/**
 * `POST /prometheus/api/v1/read`: Prometheus remote read (scope `query_metrics`), so a
 * Prometheus with `remote_read` pointed at Cairn can query what only Cairn holds. Both
 * response types: `SAMPLES` (one snappy-compressed `ReadResponse`) and
 * `STREAMED_XOR_CHUNKS` (frames of `ChunkedReadResponse`: uvarint length, big-endian
 * CRC-32C, payload), negotiated by the client's `accepted_response_types` as Prometheus's
 * read handler does: the first type the server supports, SAMPLES when none is given.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadPrometheusProtos } from '../../ingest/remote-write/decode-reference.js';
import { snappyCompress, snappyDecompress } from '../../ingest/remote-write/snappy.js';
import { newMatcher, type Matcher, type MatchType } from '../../model/matcher.js';
import { XorChunk } from '../../tsdb/chunkenc/xor.js';
import type { Tsdb } from '../../tsdb/tsdb.js';
import { crc32c } from '../../util/crc32c.js';
import { badData } from '../../util/errors.js';
import { tenantOf } from '../tenancy.js';

export interface PromReadDeps {
  readonly tsdb: Tsdb;
  readonly maxRecvMsgSize: number;
}

const RESPONSE_SAMPLES = 0;
const RESPONSE_STREAMED_XOR_CHUNKS = 1;
/** Samples per re-encoded chunk: Prometheus's head chunk size. */
const SAMPLES_PER_CHUNK = 120;
/** A streamed frame is flushed once its chunks reach this size (Prometheus: 1 MiB). */
const FRAME_BYTES_MAX = 1 << 20;
const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];

interface ReadQuery {
  startTimestampMs?: number | { toNumber(): number };
  endTimestampMs?: number | { toNumber(): number };
  matchers?: { type?: number; name?: string; value?: string }[];
}

const num = (v: number | { toNumber(): number } | undefined): number => (v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

export function registerPromReadRoutes(app: FastifyInstance, deps: PromReadDeps): void {
  const root = loadPrometheusProtos();
  const ReadRequest = root.lookupType('prometheus.ReadRequest');
  const ReadResponse = root.lookupType('prometheus.ReadResponse');
  const ChunkedReadResponse = root.lookupType('prometheus.ChunkedReadResponse');

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/prometheus/api/v1/read', { config: { auth: { kind: 'tenant', scope: 'query_metrics' } } }, async (req: FastifyRequest, reply: FastifyReply) => {
      const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const raw = snappyDecompress(body, deps.maxRecvMsgSize);
      let request: { queries?: ReadQuery[]; acceptedResponseTypes?: number[] };
      try {
        request = ReadRequest.toObject(ReadRequest.decode(raw), { defaults: false }) as typeof request;
      } catch (err) {
        throw badData('protobuf_invalid', `invalid remote read request: ${(err as Error).message}`);
      }
      const queries = (request.queries ?? []).map((q) => ({
        start: num(q.startTimestampMs),
        end: num(q.endTimestampMs),
        matchers: (q.matchers ?? []).map((m): Matcher => {
          const type = MATCH_TYPES[m.type ?? 0];
          if (type === undefined) throw badData('invalid_matcher', `invalid remote read matcher type ${m.type}`);
          return newMatcher(type, m.name ?? '', m.value ?? '');
        }),
      }));
      const tenant = tenantOf(req);
      const accepted = request.acceptedResponseTypes ?? [];
      const type = accepted.find((t) => t === RESPONSE_SAMPLES || t === RESPONSE_STREAMED_XOR_CHUNKS) ?? RESPONSE_SAMPLES;

      if (type === RESPONSE_SAMPLES) {
        const results = queries.map((q) => ({
          timeseries: readSeries(deps.tsdb, tenant, q.start, q.end, q.matchers).map((s) => ({
            labels: s.labels,
            samples: s.points.map(([t, v]) => ({ timestamp: t, value: v })),
          })),
        }));
        const bytes = ReadResponse.encode(ReadResponse.fromObject({ results })).finish();
        return reply.header('content-type', 'application/x-protobuf').header('content-encoding', 'snappy').send(Buffer.from(snappyCompress(bytes)));
      }

      const frames: Buffer[] = [];
      queries.forEach((q, queryIndex) => {
        let batch: unknown[] = [];
        let batchBytes = 0;
        const flush = () => {
          if (batch.length === 0) return;
          const payload = ChunkedReadResponse.encode(ChunkedReadResponse.fromObject({ chunkedSeries: batch, queryIndex })).finish();
          frames.push(frame(payload));
          batch = [];
          batchBytes = 0;
        };
        for (const s of readSeries(deps.tsdb, tenant, q.start, q.end, q.matchers)) {
          const chunks = encodeChunks(s.points);
          batch.push({ labels: s.labels, chunks });
          for (const c of chunks) batchBytes += c.data.length;
          if (batchBytes >= FRAME_BYTES_MAX) flush();
        }
        flush();
      });
      return reply.header('content-type', 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse').send(Buffer.concat(frames));
    });
  });
}

/** The series matching `matchers` with their samples in [start, end], in label order. */
function readSeries(tsdb: Tsdb, tenant: string, start: number, end: number, matchers: readonly Matcher[]) {
  const q = tsdb.querier(tenant, start, end);
  try {
    const out: { labels: { name: string; value: string }[]; points: [number, number][] }[] = [];
    const set = q.select(matchers, { mint: start, maxt: end });
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      const points: [number, number][] = [];
      if (it.seek(start)) {
        do {
          if (it.t > end) break;
          points.push([it.t, it.v]);
        } while (it.next());
      }
      if (points.length > 0) out.push({ labels: s.labels.map((l) => ({ name: l.name, value: l.value })), points });
    }
    return out;
  } finally {
    q.close();
  }
}

/** Samples re-encoded as Prometheus XOR chunks of up to 120 samples. */
function encodeChunks(points: readonly [number, number][]): { minTimeMs: number; maxTimeMs: number; type: number; data: Uint8Array }[] {
  const out = [];
  for (let i = 0; i < points.length; i += SAMPLES_PER_CHUNK) {
    const part = points.slice(i, i + SAMPLES_PER_CHUNK);
    const c = new XorChunk();
    for (const [t, v] of part) c.append(t, v);
    out.push({ minTimeMs: part[0]![0], maxTimeMs: part[part.length - 1]![0], type: 1, data: c.bytes().slice() });
  }
  return out;
}

/** One streamed frame: uvarint(length), big-endian CRC-32C, payload. */
function frame(payload: Uint8Array): Buffer {
  const len: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  const out = Buffer.alloc(len.length + 4 + payload.length);
  out.set(len, 0);
  out.writeUInt32BE(crc32c(payload), len.length);
  out.set(payload, len.length + 4);
  return out;
}
