/**
 * `cairn verify`'s own counters, and the `/metrics` listener that exposes them for long
 * runs (as Mimir's continuous test does), on a registry of its own.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { UsageError } from './args.js';

/** The counters of one verify run. */
export interface VerifyMetrics {
  readonly registry: Registry;
  readonly writes: Counter<'signal' | 'result'>;
  readonly queries: Counter<'check' | 'result'>;
  readonly mismatches: Counter<'kind'>;
}

/** A registry with the verify counters. */
export function createVerifyMetrics(): VerifyMetrics {
  const registry = new Registry();
  return {
    registry,
    writes: new Counter({ name: 'cairn_verify_writes_total', help: 'Writes sent by cairn verify, by signal (metrics, logs) and result (ok, error).', labelNames: ['signal', 'result'], registers: [registry] }),
    queries: new Counter({ name: 'cairn_verify_queries_total', help: 'Read-back queries sent by cairn verify, by check and result (ok, error).', labelNames: ['check', 'result'], registers: [registry] }),
    mismatches: new Counter({ name: 'cairn_verify_mismatches_total', help: 'Findings of cairn verify (gap, duplicate, value, ...), by kind.', labelNames: ['kind'], registers: [registry] }),
  };
}

/** `:PORT` (every interface, as Go's listeners read it) or `HOST:PORT` into host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--metrics-listen must be :PORT or HOST:PORT, got '${text}'`);
  const host = text.slice(0, i).replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Serves `GET /metrics` from `registry`; resolves with the server and its URL once listening. */
export async function listenMetrics(registry: Registry, listen: string): Promise<{ server: Server; url: string }> {
  const { host, port } = parseListen(listen);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500).end(`${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics` };
}
