/**
 * The one place where errors become HTTP responses. A CairnError's `kind` decides the
 * status; the URL decides the envelope, as Mimir and Loki answer:
 * - `/prometheus/…` and `/admin/…`: Prometheus's JSON `{status, errorType, error}`;
 * - `/loki/…`, `/api/prom/…`, push endpoints and everything else: plain text with a newline,
 *   as Go's `http.Error` writes it.
 * Framework errors (body too large, bad content type, bad JSON) are translated first so
 * they read like ours. Unknown errors are 500s whose text is generic; the detail goes to
 * the log only.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, isCairnError, type ErrorKind } from '../util/errors.js';

/** The response shapes of the API families. */
export type Envelope = 'prometheus' | 'text';

const STATUS: Readonly<Record<ErrorKind, number>> = {
  bad_data: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  too_large: 413,
  unsupported_media_type: 415,
  execution: 422,
  too_many_requests: 429,
  canceled: 499,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
  timeout: 503,
};

/** Prometheus has no `errorType` for some of our kinds; Mimir's names are used there. */
const PROM_ERROR_TYPE: Readonly<Record<ErrorKind, string>> = {
  bad_data: 'bad_data',
  unauthenticated: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  not_acceptable: 'not_acceptable',
  too_large: 'too_large_entry',
  unsupported_media_type: 'bad_data',
  execution: 'execution',
  too_many_requests: 'too_many_requests',
  canceled: 'canceled',
  internal: 'internal',
  not_implemented: 'internal',
  unavailable: 'unavailable',
  timeout: 'timeout',
};

/** The envelope for a request path. */
export function envelopeFor(url: string): Envelope {
  // `/logs/prometheus/…` is the Prometheus-format rules API of the Loki family (ruler-state.ts).
  return url.startsWith('/prometheus/') || url.startsWith('/admin/') || url.startsWith('/logs/prometheus/') ? 'prometheus' : 'text';
}

/** The HTTP status of a kind; Loki answers timeouts with 504 where Prometheus says 503. */
export function statusFor(kind: ErrorKind, url: string): number {
  if (kind === 'timeout' && (url.startsWith('/loki/') || url.startsWith('/api/prom/'))) return 504;
  return STATUS[kind];
}

/**
 * Translates fastify's own errors into CairnErrors. `maxBodyBytes` names the limit in the
 * 413 message, with its config key.
 */
export function fromFrameworkError(err: FastifyError, maxBodyBytes: number): CairnError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CairnError(
        'too_large',
        'request_too_large',
        `the request body is larger than the allowed limit of ${maxBodyBytes} bytes; to adjust it, configure distributor.max_recv_msg_size`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CairnError('unsupported_media_type', 'unsupported_content_type', `unsupported content type: ${err.message.replace(/^Unsupported Media Type:?\s*/i, '')}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_VALIDATION':
      return new CairnError('bad_data', 'invalid_request', err.message.charAt(0).toLowerCase() + err.message.slice(1));
    default:
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return new CairnError('bad_data', 'invalid_request', err.message);
      }
      if (err instanceof SyntaxError) return new CairnError('bad_data', 'invalid_request', `invalid request body: ${err.message}`);
      return undefined;
  }
}

/** Writes `err` as the response for `request`, in the family's envelope. */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: CairnError): FastifyReply {
  const url = request.url;
  const status = statusFor(err.kind, url);
  if (err.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
  if (status === 401) reply.header('www-authenticate', 'Basic realm="cairn", Bearer realm="cairn"');
  reply.code(status);
  if (envelopeFor(url) === 'prometheus') {
    return reply.type('application/json').send({ status: 'error', errorType: PROM_ERROR_TYPE[err.kind], error: err.message });
  }
  return reply.type('text/plain; charset=utf-8').send(`${err.message}\n`);
}

/** Classifies any thrown value: a CairnError, or undefined for an unexpected failure. */
export function asCairnError(err: unknown, maxBodyBytes: number): CairnError | undefined {
  if (isCairnError(err)) return err;
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as FastifyError).code === 'string') {
    return fromFrameworkError(err as FastifyError, maxBodyBytes);
  }
  return undefined;
}
