/**
 * The one error base type of Cairn. Every module throws a `CairnError` (or a subclass)
 * for anything a client or operator should see; `api/errors.ts` alone turns the `kind`
 * into an HTTP status and the envelope of the API family. Programmer mistakes are not
 * CairnErrors: they are `assert()` failures.
 */

/**
 * What went wrong, from the client's point of view. The HTTP status follows from the
 * kind (see `api/errors.ts`); the names follow Prometheus's `errorType` values where one
 * exists so that the Prometheus API family can use them verbatim.
 */
export type ErrorKind =
  | 'bad_data' // 400: the request is malformed or violates a validation rule
  | 'unauthenticated' // 401: no credentials, or credentials we do not know
  | 'forbidden' // 403: credentials known, but not for this tenant or scope
  | 'not_found' // 404
  | 'not_acceptable' // 406
  | 'too_large' // 413: a size limit on the request itself
  | 'unsupported_media_type' // 415
  | 'execution' // 422: well-formed, but it cannot be carried out (PromQL runtime errors)
  | 'too_many_requests' // 429: a rate limit; carries retryAfterS
  | 'canceled' // 499: the client went away
  | 'internal' // 500
  | 'not_implemented' // 501: a capability that is not built yet
  | 'unavailable' // 503: not ready, shutting down, overloaded
  | 'timeout'; // 503 (Prometheus) or 504 (Loki): a deadline was exceeded

/** Extra facts an error may carry. */
export interface CairnErrorOptions {
  /** For `too_many_requests` and `unavailable`: seconds the client should wait. */
  readonly retryAfterS?: number;
  readonly cause?: unknown;
}

/**
 * Base error. `reason` is a stable snake_case code shared with the discard counters on
 * `/metrics` (for example `too_many_labels`); the message is lowercase, names the value,
 * the limit and the config key, and never contains a secret.
 */
export class CairnError extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly retryAfterS: number | undefined;

  constructor(kind: ErrorKind, reason: string, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.kind = kind;
    this.reason = reason;
    this.retryAfterS = options.retryAfterS;
  }
}

/** Shorthand for the most common kind: a 400 with a reason code. */
export function badData(reason: string, message: string): CairnError {
  return new CairnError('bad_data', reason, message);
}

/** Thrown for a capability that is not built yet, so nothing answers with a fake success. */
export function notImplemented(what: string): CairnError {
  return new CairnError('not_implemented', 'not_implemented', `${what} is not implemented in this version of cairn`);
}

/** True for a CairnError of any subclass. */
export function isCairnError(e: unknown): e is CairnError {
  return e instanceof CairnError;
}

/**
 * Guards an invariant. A failure is a bug in Cairn, never the client's fault, and
 * surfaces as a 500 with a "BUG:" message.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`BUG: ${message}`);
}
