/**
 * One HTTP POST of a notification (webhook, Slack) with Alertmanager's `http_config`
 * (basic auth, `authorization`, `insecure_skip_verify`) and its reading of the answer:
 * 2xx delivered, 5xx retried, anything else failed for good with
 * `unexpected status code <n>: <body>` (notify.Retrier.Check). Node's http client is used
 * directly so that the TLS check can be switched off per receiver and the response body
 * is read only up to a bound.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { NotifyError, type HttpClientConfig } from '../types.js';

/**
 * Connections per receiver host (Node's agents count per host:port): a burst of thousands
 * of groups notifying one receiver reuses at most this many keep-alive connections and
 * queues the rest, instead of opening one connection per notification (measured with
 * bench/alertmanager.bench.ts: ~4 000 connections for 10 000 one-alert groups without it).
 * Requests waiting for a socket still end at their deadline.
 */
const MAX_SOCKETS_PER_HOST = 32;
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST });
const httpsAgents = {
  verify: new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  insecure: new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, rejectUnauthorized: false }),
};

/** Bytes of a response body kept for the error message: enough for any API's error text, bounded against a hostile receiver. */
export const ERROR_BODY_BYTES_MAX = 1024;

/** What a POST needs besides its URL and body. */
export interface PostOptions {
  readonly httpConfig: HttpClientConfig;
  readonly userAgent: string;
  /** Per-request deadline; the request is aborted after it. */
  readonly timeoutMs: number;
  /** The dispatcher's deadline. */
  readonly signal: AbortSignal;
}

/** A received answer: status, content type and the first bytes of the body. */
export interface PostResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The `Authorization` header of an `http_config`, if any (`authorization` wins over basic auth, as Prometheus's config forbids both). */
export function authorizationHeader(c: HttpClientConfig): string | undefined {
  if (c.authorization !== undefined) return `${c.authorization.type} ${c.authorization.credentials}`;
  if (c.basicAuth !== undefined) return 'Basic ' + Buffer.from(`${c.basicAuth.username}:${c.basicAuth.password}`, 'utf8').toString('base64');
  return undefined;
}

/**
 * POSTs a JSON body. Resolves with any HTTP answer (the caller judges the status);
 * rejects with a retryable NotifyError when no answer came (network error, timeout,
 * abort), since Alertmanager retries those.
 */
export function postJSON(url: string, json: string, opts: PostOptions): Promise<PostResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new NotifyError(`invalid url ${JSON.stringify(url)}`, false));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new NotifyError(`unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`, false));
  const timeout = AbortSignal.timeout(Math.max(1, opts.timeoutMs));
  const signal = AbortSignal.any([opts.signal, timeout]);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(json, 'utf8')),
    'User-Agent': opts.userAgent,
  };
  const auth = authorizationHeader(opts.httpConfig);
  if (auth !== undefined) headers['Authorization'] = auth;
  // Credentials in the URL (`http://user:pass@host`) become basic auth, as Go's client does.
  if (auth === undefined && u.username !== '') {
    headers['Authorization'] = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`, 'utf8').toString('base64');
  }
  return new Promise<PostResult>((resolve, reject) => {
    const secure = u.protocol === 'https:';
    const mod = secure ? https : http;
    const agent = !secure ? httpAgent : opts.httpConfig.insecureSkipVerify ? httpsAgents.insecure : httpsAgents.verify;
    const req = mod.request(u, { method: 'POST', headers, signal, agent, rejectUnauthorized: !opts.httpConfig.insecureSkipVerify }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < ERROR_BODY_BYTES_MAX) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES_MAX).toString('utf8');
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body });
      });
      res.on('error', (e) => reject(networkError(u, e, timeout)));
    });
    req.on('error', (e) => reject(networkError(u, e, timeout)));
    req.end(json);
  });
}

/** A failure without an answer: retried, as Alertmanager retries transport errors. */
function networkError(u: URL, e: Error, timeout: AbortSignal): NotifyError {
  // Name the host, not the full URL: webhook URLs often carry a token in the path.
  const what = timeout.aborted ? 'context deadline exceeded' : e.message;
  return new NotifyError(`Post "${u.protocol}//${u.host}": ${what}`, true);
}

/**
 * Alertmanager's `Retrier.Check`: 2xx is delivered; 5xx fails and is retried; any other
 * status fails for good. The message is `unexpected status code <n>` plus `: <body>` when
 * the body is not empty.
 */
export function checkStatus(r: PostResult): void {
  if (Math.floor(r.status / 100) === 2) return;
  const retry = Math.floor(r.status / 100) === 5;
  throw new NotifyError(`unexpected status code ${r.status}${r.body === '' ? '' : `: ${r.body}`}`, retry);
}
