/**
 * `POST /otlp/v1/logs` (scope `write_logs`): OpenTelemetry logs over OTLP/HTTP, as Loki 3
 * serves them (pkg/distributor/http.go `OTLPPushHandler`, pkg/loghttp/push/otlp.go).
 * The body is protobuf or OTLP-JSON per its Content-Type, gzip/zstd/lz4 or uncompressed
 * (decode.ts, shared with the metrics endpoint); the logs are mapped to Loki streams
 * (logs-translate.ts) and then take the Loki push path: the same validation, limits,
 * partial writes and WAL (`LokiIngester`; the WAL records the decoded entries, as the
 * raw-body shortcut of Loki push is for Loki's own wire formats).
 *
 * Answers as Loki's: 204 with no body when everything was stored; otherwise the status of
 * the error (Loki's mapping, a 500 becoming 503 so OTLP clients retry) with a
 * `google.rpc.Status` whose code is 0 and whose message is the error. Where Loki always
 * encodes that Status in protobuf, Cairn answers in the request's format (the OTLP/HTTP
 * rule), so a JSON client can read it. An unsupported Content-Type is Loki's 400
 * `content type: … is not supported`; a body over `distributor.max_otlp_request_size` is a 413
 * (Loki answers 400 there; Cairn's Loki push says 413 too).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Limits } from '../../config/limits.js';
import { decodeLogsRequest, decompressOtlpBody, otlpEncodingOf, otlpFormatOf, otlpTooLarge } from '../../ingest/otlp/decode.js';
import { parseIndexLabelList, translateOtlpLogs } from '../../ingest/otlp/logs-translate.js';
import { CONTENT_TYPE, encodeRpcStatus } from '../../ingest/otlp/response.js';
import type { OtlpFormat } from '../../ingest/otlp/types.js';
import { LokiIngester, type LokiIngestDeps } from '../../ingest/loki-ingest.js';
import type { LokiValidationLimits } from '../../ingest/loki-validate.js';
import { CairnError, isCairnError } from '../../util/errors.js';
import { getOrMake } from '../../util/bounded-map.js';
import { statusFor } from '../errors.js';
import { tenantOf } from '../tenancy.js';

export interface OtlpLogsDeps extends LokiIngestDeps {
  readonly limits: { forTenant(tenant: string): LokiValidationLimits & Pick<Limits, 'otlpResourceAttributesAsIndexLabels'> };
  /** Largest body, compressed and decompressed (`distributor.max_otlp_request_size`). */
  readonly maxRecvMsgSize: number;
}

const EMPTY = Buffer.alloc(0);
/** Parsed index-label lists remembered by their text (tenants share a few distinct values). */
const INDEX_LISTS_MAX = 64;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Writes `err` as Loki's OTLP error answer, the Status in `format`. */
function sendOtlpError(req: FastifyRequest, reply: FastifyReply, err: CairnError, format: OtlpFormat): FastifyReply {
  let status = statusFor(err.kind, req.url);
  // Loki: "500 errors are never retried on the client side, but 503 are".
  if (status === 500) status = 503;
  if (err.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
  return reply.code(status).type(CONTENT_TYPE[format]).send(encodeRpcStatus(format, 0, err.message));
}

export function registerOtlpLogsRoutes(app: FastifyInstance, deps: OtlpLogsDeps): void {
  const ingester = new LokiIngester(deps);
  const indexLists = new Map<string, ReadonlySet<string>>();
  const indexLabelsFor = (text: string): ReadonlySet<string> => getOrMake(indexLists, text, INDEX_LISTS_MAX, parseIndexLabelList);
  const nowMs = () => deps.clock.now();

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    let format: OtlpFormat = 'protobuf';
    try {
      const contentType = header(req, 'content-type');
      try {
        format = otlpFormatOf(contentType);
      } catch {
        throw new CairnError('bad_data', 'unsupported_content_type', `content type: ${contentType ?? ''} is not supported`);
      }
      const encoding = otlpEncodingOf(header(req, 'content-encoding'));
      const body = await decompressOtlpBody((req.body as Buffer | undefined) ?? EMPTY, encoding, deps.maxRecvMsgSize);
      const decoded = decodeLogsRequest(body, format);
      const tenant = tenantOf(req);
      const pushed = translateOtlpLogs(decoded, {
        indexLabels: indexLabelsFor(deps.limits.forTenant(tenant).otlpResourceAttributesAsIndexLabels),
        discoverServiceName: deps.discoverServiceName,
        nowMs,
      });
      await ingester.push(tenant, pushed);
    } catch (err) {
      if (!isCairnError(err)) throw err;
      return sendOtlpError(req, reply, err, format);
    }
    return reply.code(204).send();
  };

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Read up to the limit plus one byte, so an oversized body gets the OTLP-shaped 413
    // (from decode.ts) rather than fastify's text one.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxRecvMsgSize + 1 }, (_req, body, done) => done(null, body));
    // Only the body-size error is answered here; authentication errors (hooks) go on to the
    // server's handler, which counts them and answers in the text envelope.
    scope.setErrorHandler((err, req, reply) => {
      if ((err as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      let format: OtlpFormat = 'protobuf';
      try {
        format = otlpFormatOf(header(req, 'content-type'));
      } catch {
        // Not an OTLP type: answered in protobuf, as Loki answers every error.
      }
      return sendOtlpError(req, reply, otlpTooLarge(-1, deps.maxRecvMsgSize, false), format);
    });
    scope.post('/otlp/v1/logs', { config: { auth: { kind: 'tenant', scope: 'write_logs' }, push: true } }, handler);
  });
}
