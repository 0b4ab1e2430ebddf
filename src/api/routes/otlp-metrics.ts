/**
 * `POST /otlp/v1/metrics` (scope `write_metrics`): OTLP/HTTP metrics as Mimir serves them
 * (`pkg/distributor/otel.go`). Protobuf or OTLP-JSON by `Content-Type`, `gzip`/`zstd`/`lz4`
 * or no `Content-Encoding`, decompressed under `distributor.max_otlp_request_size`; then
 * translated and stored by `ingest/otlp/metrics-ingest.ts`.
 *
 * Answers in the request's format: 200 with an `ExportMetricsServiceResponse` (empty, or
 * a partial success); errors as a `google.rpc.Status` with the HTTP status from the one
 * kind→status table (`api/errors.ts`). As Mimir: errors of reading the request (415, 413,
 * 400 decode) carry the HTTP status as `code` (dskit's httpgrpc does that), errors of
 * the push carry the gRPC code of their cause, and 5xx other than 502–504 become 503
 * (OTLP exporters retry only 429, 502, 503, 504). An unsupported Content-Type is answered
 * in JSON. Authentication errors happen before the route and keep the text envelope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeMetricsRequest, decompressOtlpBody, otlpEncodingOf, otlpFormatOf, otlpTooLarge } from '../../ingest/otlp/decode.js';
import { FALLBACK, OtlpMetricsIngester } from '../../ingest/otlp/metrics-fast.js';
import { pushOtlpMetrics, type OtlpMetricsIngestDeps } from '../../ingest/otlp/metrics-ingest.js';
import { CONTENT_TYPE, encodeExportResponse, encodeRpcStatus, type PartialSuccess } from '../../ingest/otlp/response.js';
import type { OtlpFormat } from '../../ingest/otlp/types.js';
import { CairnError, isCairnError, type ErrorKind } from '../../util/errors.js';
import { statusFor } from '../errors.js';
import { tenantOf } from '../tenancy.js';

export interface OtlpMetricsDeps extends OtlpMetricsIngestDeps {
  /** Largest body, compressed and decompressed (`distributor.max_otlp_request_size`). */
  readonly maxRecvMsgSize: number;
}

/** gRPC status codes of the push's errors (google.golang.org/grpc/codes). */
const GRPC_CODE: Partial<Record<ErrorKind, number>> = {
  bad_data: 3, // InvalidArgument
  too_many_requests: 8, // ResourceExhausted
  canceled: 1, // Canceled
  unavailable: 14, // Unavailable
  timeout: 4, // DeadlineExceeded
};
/** gRPC `Internal`, for anything else. */
const GRPC_INTERNAL = 13;

/** OTLP's retryable 5xx are 502, 503, 504; Mimir turns the other 5xx into 503. */
function otlpRetryable(status: number): number {
  return status >= 500 && status < 600 && (status < 502 || status > 504) ? 503 : status;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const EMPTY = Buffer.alloc(0);

/** The request's format, JSON when its Content-Type is not an OTLP one (to word the 415). */
function formatOrJson(req: FastifyRequest): OtlpFormat {
  try {
    return otlpFormatOf(header(req, 'content-type'));
  } catch {
    return 'json';
  }
}

export function registerOtlpMetricsRoutes(app: FastifyInstance, deps: OtlpMetricsDeps): void {
  const max = deps.maxRecvMsgSize;
  const ingester = new OtlpMetricsIngester(deps);

  function fail(req: FastifyRequest, reply: FastifyReply, format: OtlpFormat, err: CairnError, reading: boolean): FastifyReply {
    const status = otlpRetryable(statusFor(err.kind, req.url));
    const code = reading ? status : (GRPC_CODE[err.kind] ?? GRPC_INTERNAL);
    if (err.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
    return reply.code(status).header('x-content-type-options', 'nosniff').type(CONTENT_TYPE[format]).send(encodeRpcStatus(format, code, err.message));
  }

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body is read raw whatever its type, up to the limit plus one byte, so an
    // oversized body is answered with our 413 in the request's format, not fastify's.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: max + 1 }, (_req, body, done) => done(null, body));
    // Only the body-size error is ours; the rest (authentication in hooks) goes on to the
    // server's handler, which counts it and answers in the text envelope.
    scope.setErrorHandler((err, req, reply) => {
      if ((err as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      return fail(req, reply, formatOrJson(req), otlpTooLarge(-1, max, false), true);
    });
    scope.post('/otlp/v1/metrics', { config: { auth: { kind: 'tenant', scope: 'write_metrics' }, push: true } }, async (req, reply) => {
      const tenant = tenantOf(req);
      const format = formatOrJson(req);
      let raw;
      try {
        const encoding = otlpEncodingOf(header(req, 'content-encoding'));
        otlpFormatOf(header(req, 'content-type')); // Mimir checks the type after the encoding
        raw = await decompressOtlpBody((req.body as Buffer | undefined) ?? EMPTY, encoding, max);
      } catch (err) {
        if (!isCairnError(err)) throw err;
        return fail(req, reply, format, err, true);
      }
      const answer = (partial: PartialSuccess | undefined) => reply.code(200).type(CONTENT_TYPE[format]).send(encodeExportResponse(format, 'rejectedDataPoints', partial));
      // Series the tenant sent before go straight from the bytes (metrics-fast.ts).
      if (format === 'protobuf') {
        try {
          const fast = await ingester.tryPush(tenant, raw);
          if (fast !== FALLBACK) return answer(fast);
        } catch (err) {
          if (!isCairnError(err)) throw err;
          return fail(req, reply, format, err, false);
        }
      }
      let decoded;
      try {
        decoded = decodeMetricsRequest(raw, format);
      } catch (err) {
        if (!isCairnError(err)) throw err;
        return fail(req, reply, format, err, true);
      }
      try {
        return answer(await pushOtlpMetrics(tenant, decoded, deps));
      } catch (err) {
        if (!isCairnError(err)) throw err;
        return fail(req, reply, format, err, false);
      } finally {
        // Whatever it stored is known from now on.
        if (format === 'protobuf') ingester.learn(tenant, raw, decoded);
      }
    });
  });
}
