/**
 * A webhook receiver for benches: an HTTP server on a free loopback port that takes
 * Alertmanager's webhook payloads (version 4), answers 200 at once and records, for every
 * alert it is sent, the arrival time and the alert's labels. Notifications of the same alert
 * again (repeats, resolved) are counted but keep the first arrival.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One delivered alert: its labels and when the first notification carrying it arrived (epoch ms). */
export interface Delivery {
  readonly labels: Readonly<Record<string, string>>;
  readonly arrivedMs: number;
}

export interface WebhookSink {
  /** `http://127.0.0.1:<port>`; receivers post to any path under it. */
  readonly base: string;
  /** First delivery of each alert, keyed by `path + ' ' + fingerprint`. */
  readonly deliveries: ReadonlyMap<string, Delivery>;
  /** Notifications (HTTP requests) received, alerts in them including repeats, TCP connections accepted and most open at once. */
  readonly counts: { requests: number; alerts: number; badRequests: number; connections: number; maxOpenConnections: number };
  /** Resolves when at least `n` distinct alerts have arrived, or after `timeoutMs` with false. */
  waitFor(n: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

interface WebhookPayload {
  version?: string;
  alerts?: { labels?: Record<string, string>; fingerprint?: string }[];
}

/** Starts the sink. Payloads that are not version-4 JSON with alerts count as bad requests (answered 400). */
export async function startWebhookSink(): Promise<WebhookSink> {
  const deliveries = new Map<string, Delivery>();
  const counts = { requests: 0, alerts: 0, badRequests: 0, connections: 0, maxOpenConnections: 0 };
  let open = 0;
  let waiter: { n: number; resolve: (ok: boolean) => void } | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The arrival time is taken once the body is in, as the receiver would act on it.
      const arrivedMs = Date.now();
      counts.requests++;
      let payload: WebhookPayload;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
      } catch {
        payload = {};
      }
      if (payload.version !== '4' || !Array.isArray(payload.alerts)) {
        counts.badRequests++;
        res.writeHead(400).end();
        return;
      }
      for (const a of payload.alerts) {
        counts.alerts++;
        const key = `${req.url ?? ''} ${a.fingerprint ?? ''}`;
        if (!deliveries.has(key)) deliveries.set(key, { labels: a.labels ?? {}, arrivedMs });
      }
      res.writeHead(200).end();
      if (waiter !== undefined && deliveries.size >= waiter.n) {
        waiter.resolve(true);
        waiter = undefined;
      }
    });
  };

  const server = createServer(handle);
  server.on('connection', (socket) => {
    counts.connections++;
    counts.maxOpenConnections = Math.max(counts.maxOpenConnections, ++open);
    socket.on('close', () => open--);
  });
  // Alertmanager keeps connections alive; the default 5 s keep-alive is fine for a bench.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    deliveries,
    counts,
    waitFor(n, timeoutMs) {
      if (deliveries.size >= n) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve(false);
        }, timeoutMs);
        waiter = {
          n,
          resolve: (ok) => {
            clearTimeout(timer);
            resolve(ok);
          },
        };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
