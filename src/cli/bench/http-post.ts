/**
 * POSTs of the push benchmarks over node:http(s) with a keep-alive agent of one socket per
 * sender. Node's fetch (undici, WHATWG streams) spent 2.6–3.1 CPU-seconds per GB of
 * request body on loopback, node:http 0.5–0.6 (bench/RESULTS.md, "the push benchmarks'
 * sender"): a generator that shares the machine with the server it measures takes that CPU
 * from the server.
 */
import http from 'node:http';
import https from 'node:https';

/** An answer: its status and body text (0 and the error's message when the request failed). */
export interface PostAnswer {
  readonly status: number;
  readonly text: string;
}

export class HttpPoster {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  /** For requests to `url`'s origin, at most `sockets` at once. */
  constructor(url: string, sockets: number) {
    const tls = new URL(url).protocol === 'https:';
    this.agent = tls ? new https.Agent({ keepAlive: true, maxSockets: sockets }) : new http.Agent({ keepAlive: true, maxSockets: sockets });
    this.request = tls ? https.request : http.request;
  }

  /** POSTs `body` to `url`; never rejects (a connection error is status 0 with its message). */
  post(url: string, headers: Readonly<Record<string, string>>, body: Uint8Array): Promise<PostAnswer> {
    return new Promise((resolve) => {
      const req = this.request(url, { method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', (e) => resolve({ status: 0, text: e.message }));
      });
      req.on('error', (e) => resolve({ status: 0, text: e.message }));
      req.end(body);
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
