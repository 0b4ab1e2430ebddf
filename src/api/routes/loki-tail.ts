/**
 * `GET /loki/api/v1/tail` and the legacy `/api/prom/tail` (scope `query_logs`): a
 * WebSocket of JSON text frames, as Loki's querier serves it (`querier/http.go`
 * `TailHandler`, `querier/tail.go`). Auth, the tenant header and the parameters are
 * checked on the upgrade request, so a refusal is a plain HTTP answer (401/403/400) and no
 * socket is opened. Then:
 *
 * 1. the socket subscribes to the tenant's tail hub (live entries are buffered from here);
 * 2. a burst of the newest `limit` entries since `start` (the engine, backward, then sent
 *    oldest first, as Loki reverses its history iterator), minus entries the buffer also
 *    caught;
 * 3. live entries through the query's pipeline, each sent `delay_for` seconds after it was
 *    committed, in frames of whatever is due.
 *
 * A slow client does not grow memory without bound: past `MAX_PENDING` entries waiting, or
 * `MAX_BUFFERED_BYTES` unsent on the socket, new entries are dropped and reported in the
 * next frame's `dropped_entries`, as Loki does. Open tails per tenant are capped by
 * `limits.max_concurrent_tail_requests`.
 */
import type { WebSocket } from 'ws';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import type { ResultEntry, ResultStream } from '../../logql/engine/index.js';
import { parseLogSelector, type LogSelectorExpr } from '../../logql/index.js';
import { compileLogPipeline } from '../../logql/pipeline/index.js';
import type { LogPipeline, StreamPipeline } from '../../logql/pipeline/types.js';
import { formatNs, type LogEntry } from '../../logstore/entry.js';
import type { LogQueryable } from '../../logstore/interface.js';
import type { TailHub } from '../../logstore/tail-hub.js';
import { labelsKey, type Labels } from '../../model/labels.js';
import { badData } from '../../util/errors.js';
import { legacyTailFrameJson, tailFrameJson, type DroppedEntry } from '../loki-json.js';
import { lokiParams, msToNs, parseTailRequest, splitNs, type TailRequest } from '../loki-params.js';
import { tenantOf } from '../tenancy.js';
import { EnginePerLimits, sourceFor, toMatchers, wantsCategorizedLabels, type LokiQueryDeps } from './loki-query.js';

export interface LokiTailDeps extends LokiQueryDeps {
  readonly logs: LogQueryable & { readonly tail: TailHub };
}

/** Entries waiting to be sent per socket beyond which new ones are dropped (Loki's tailer buffers a bounded channel too). */
const MAX_PENDING = 10_000;
/** Unsent bytes on a socket beyond which entries are dropped instead of queued: a slow client must not hold the server's memory. */
const MAX_BUFFERED_BYTES = 8 << 20;
/** Dropped entries reported per frame; the rest are only counted away (the list exists for clients to warn, not to replay). */
const MAX_DROPPED_REPORTED = 1000;
/** WebSocket close code for a server-side failure (RFC 6455 §7.4.1). */
const CLOSE_INTERNAL_ERROR = 1011;

/** What the upgrade request's checks hand to the socket handler. */
interface TailSetup {
  readonly tenant: string;
  readonly params: TailRequest;
  readonly expr: LogSelectorExpr;
  readonly categorize: boolean;
  readonly release: () => void;
}

/** A live entry after the pipeline, waiting for its `delay_for`. */
interface Pending {
  readonly dueAt: number;
  readonly key: string;
  readonly labels: Labels;
  readonly entry: ResultEntry;
}

export function registerLokiTailRoutes(app: FastifyInstance, deps: LokiTailDeps): void {
  const engines = new EnginePerLimits(deps);
  const open = new Map<string, number>();
  const setups = new WeakMap<FastifyRequest, TailSetup>();

  /** Takes a tail slot of the tenant or refuses with Loki's message (400), naming the key. */
  const reserve = (tenant: string): (() => void) => {
    const limit = deps.limits.forTenant(tenant).maxConcurrentTailRequests;
    const n = open.get(tenant) ?? 0;
    if (limit > 0 && n >= limit) {
      throw badData(
        'tail_limit',
        `max concurrent tail requests limit exceeded, count > limit (${n + 1} > ${limit}); configure limits.max_concurrent_tail_requests to allow more`,
      );
    }
    open.set(tenant, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (open.get(tenant) ?? 1) - 1;
      if (left <= 0) open.delete(tenant);
      else open.set(tenant, left);
    };
  };

  /** Runs on the upgrade request before any upgrade: params, query and the tenant's slot. */
  const check = async (req: FastifyRequest) => {
    const tenant = tenantOf(req);
    const params = parseTailRequest(lokiParams(req.url, undefined), msToNs(deps.clock.now()));
    const expr = parseLogSelector(params.query);
    const release = reserve(tenant);
    // The slot goes with the connection, however it ends (even an upgrade that fails).
    req.raw.socket?.once('close', release);
    setups.set(req, { tenant, params, expr, categorize: wantsCategorizedLabels(req), release });
  };

  const handler = (legacy: boolean) => (socket: WebSocket, req: FastifyRequest) => {
    const setup = setups.get(req);
    if (setup === undefined) {
      socket.close(CLOSE_INTERNAL_ERROR, 'tail setup missing');
      return;
    }
    new TailSession(socket, setup, deps, engines, legacy).start();
  };

  void app.register(async (scope) => {
    await scope.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
    // A refused upgrade (401/403/400) is answered as HTTP on the raw socket; when the refusal
    // came from the root's auth hook, the plugin never marked the request as a WebSocket one
    // and leaves the socket open, which would keep the server from closing. End it here.
    scope.addHook('onResponse', async (req) => {
      if (req.headers.upgrade?.toLowerCase() === 'websocket') req.raw.socket?.destroy();
    });
    const opts = { websocket: true, config: { auth: { kind: 'tenant', scope: 'query_logs' } }, preHandler: check } as const;
    scope.get('/loki/api/v1/tail', opts, handler(false));
    scope.get('/api/prom/tail', opts, handler(true));
  });
}

/** One open tail: subscription, burst, delayed live frames, cleanup. */
class TailSession {
  private readonly pipeline: LogPipeline;
  private readonly perStream = new Map<string, StreamPipeline>();
  private pending: Pending[] = [];
  private dropped: DroppedEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: () => void = () => {};
  private readonly abort = new AbortController();
  /** Live entries also in the burst, skipped: keys of the burst's entries while it runs. */
  private burstKeys: Set<string> | undefined = new Set();
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly setup: TailSetup,
    private readonly deps: LokiTailDeps,
    private readonly engines: EnginePerLimits,
    private readonly legacy: boolean,
  ) {
    this.pipeline = compileLogPipeline(setup.expr.stages);
  }

  start(): void {
    this.socket.on('close', () => this.cleanup());
    // Clients may send pings or text; Loki ignores what they send.
    this.socket.on('message', () => {});
    const matchers = toMatchers(this.setup.expr.matchers);
    this.unsubscribe = this.deps.logs.tail.subscribe(this.setup.tenant, matchers, (labels, entries) => this.onLive(labels, entries));
    void this.burst();
  }

  private async burst(): Promise<void> {
    const { tenant, params, expr, categorize } = this.setup;
    try {
      const s = splitNs(params.start);
      const e = splitNs(msToNs(this.deps.clock.now()));
      const result = await this.engines.forTenant(tenant).rangeQuery(
        sourceFor(this.deps.logs, tenant),
        expr,
        { startMs: s.ms, startNs: s.ns, endMs: e.ms, endNs: e.ns, stepMs: 1000, intervalMs: 0, limit: params.limit, direction: 'backward', categorizeLabels: categorize },
        this.abort.signal,
      );
      if (this.closed || result.value.type !== 'streams') return;
      const streams = result.value.streams.map((st) => ({ labels: st.labels, entries: [...st.entries].reverse() }));
      const keys = this.burstKeys!;
      for (const st of streams) {
        const k = labelsKey(st.labels);
        for (const en of st.entries) keys.add(entryKey(k, en));
      }
      if (streams.some((st) => st.entries.length > 0)) this.send(streams, []);
      // Live entries the burst already holds were buffered meanwhile: drop them once.
      this.pending = this.pending.filter((p) => !keys.has(entryKey(p.key, p.entry)));
      this.burstKeys = undefined;
      this.schedule();
    } catch (err) {
      if (this.closed) return;
      const msg = (err as Error).message ?? 'tail failed';
      // Close reasons are limited to 123 bytes by RFC 6455.
      this.socket.close(CLOSE_INTERNAL_ERROR, Buffer.from(msg).subarray(0, 123).toString());
    }
  }

  /** Called inside a commit: run the pipeline and buffer; never throws, never waits. */
  private onLive(labels: Labels, entries: readonly LogEntry[]): void {
    if (this.closed) return;
    const sk = labelsKey(labels);
    let sp = this.perStream.get(sk);
    if (sp === undefined) this.perStream.set(sk, (sp = this.pipeline.forStream(labels)));
    const dueAt = performance.now() + this.setup.params.delayForS * 1000;
    const categorize = this.setup.categorize;
    for (const e of entries) {
      const out = sp.process(e.tMs, e.tNs, e.line, e.metadata);
      if (out === undefined) continue;
      const resultLabels = categorize ? out.stream : out.labels;
      if (this.pending.length >= MAX_PENDING || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        if (this.dropped.length < MAX_DROPPED_REPORTED) this.dropped.push({ labels: resultLabels, tMs: e.tMs, tNs: e.tNs });
        continue;
      }
      const entry: ResultEntry = categorize
        ? { tMs: e.tMs, tNs: e.tNs, line: out.line, structuredMetadata: out.structuredMetadata, parsed: out.parsed }
        : { tMs: e.tMs, tNs: e.tNs, line: out.line };
      this.pending.push({ dueAt, key: categorize ? labelsKey(out.stream) : out.key, labels: resultLabels, entry });
    }
    if (this.burstKeys === undefined) this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined || (this.pending.length === 0 && this.dropped.length === 0)) return;
    const first = this.pending[0];
    const wait = first === undefined ? 0 : Math.max(0, first.dueAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Sends every entry that is due (pending is in due order: one delay for all). */
  private flush(): void {
    if (this.closed) return;
    const now = performance.now();
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.dueAt <= now) n++;
    const due = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    const byKey = new Map<string, { labels: Labels; entries: ResultEntry[] }>();
    for (const p of due) {
      let s = byKey.get(p.key);
      if (s === undefined) byKey.set(p.key, (s = { labels: p.labels, entries: [] }));
      s.entries.push(p.entry);
    }
    const streams = [...byKey.values()];
    for (const s of streams) s.entries.sort((a, b) => a.tMs - b.tMs || a.tNs - b.tNs);
    const dropped = this.dropped;
    this.dropped = [];
    if (streams.length > 0 || dropped.length > 0) this.send(streams, dropped);
    this.schedule();
  }

  private send(streams: ResultStream[], dropped: DroppedEntry[]): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(this.legacy ? legacyTailFrameJson(streams, dropped) : tailFrameJson(streams, dropped, this.setup.categorize));
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.abort.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.setup.release();
  }
}

/** Identity of a result entry for the burst/live overlap: stream, time, line. */
function entryKey(streamKey: string, e: ResultEntry): string {
  return `${streamKey}\u0000${formatNs(e.tMs, e.tNs)}\u0000${e.line}`;
}
