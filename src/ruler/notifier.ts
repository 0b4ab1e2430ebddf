/**
 * Hands alerts to Alertmanagers (Prometheus's `notifier/notifier.go`, per tenant as Mimir's
 * ruler does): a bounded queue per tenant, drained in batches that are POSTed as a JSON
 * array to `<url>/api/v2/alerts` of every external Alertmanager the tenant configured
 * (`limits.ruler_alertmanager_url`, a comma-separated list), with retries. When the queue
 * is full the oldest alerts are dropped and counted.
 *
 * Alerts for Cairn's own multi-tenant Alertmanager go to the sink it installs
 * (`setInternalSink`) at once, counted by `cairn_ruler_notifications_queued_total`; until
 * a sink is installed they wait in a bounded per-tenant queue, which installing the sink
 * drains (`takeInternal` reads it without one).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Service } from '../util/service.js';
import type { AlertPayload, RulerNotify } from './types.js';

/** Cairn's own Alertmanager: takes a tenant's alerts synchronously; must not throw. */
export type InternalAlertSink = (tenant: string, alerts: readonly AlertPayload[]) => void;

/** Where a tenant's alerts go. */
export interface NotifierLimits {
  forTenant(tenant: string): { readonly rulerAlertmanagerUrl: string };
}

export interface NotifierOptions {
  readonly limits: NotifierLimits;
  /** `ruler.notification_queue_capacity`: alerts queued per tenant and destination (Mimir: 10000). */
  readonly queueCapacity: number;
  /** `ruler.notification_timeout`: deadline of one POST (Mimir: 10s). */
  readonly timeoutMs: number;
  /** Attempts per batch and Alertmanager before the batch is dropped. */
  readonly maxAttempts: number;
  /** Wait before retry n is `retryBackoffMs × 2^(n−1)`; 0 in tests. */
  readonly retryBackoffMs: number;
  readonly registry?: Registry;
  /** `User-Agent` of the POSTs. */
  readonly userAgent: string;
  readonly onError?: (tenant: string, url: string, error: Error) => void;
}

/** Prometheus sends at most 64 alerts per request (`maxBatchSize`). */
const MAX_BATCH = 64;

export function defaultNotifierOptions(limits: NotifierLimits): NotifierOptions {
  return { limits, queueCapacity: 10_000, timeoutMs: 10_000, maxAttempts: 3, retryBackoffMs: 500, userAgent: 'cairn-ruler' };
}

/** The URLs of a tenant's `ruler_alertmanager_url`: trimmed, empty entries ignored. */
export function alertmanagerUrls(setting: string): string[] {
  return setting
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s !== '');
}

interface TenantQueue {
  external: AlertPayload[];
  internal: AlertPayload[];
  draining: Promise<void> | undefined;
}

/** Longest a stop waits for in-flight sends: well inside the 5 s graceful shutdown of the server. */
const STOP_GRACE_MS = 2000;

export class AlertNotifier implements Service {
  readonly name = 'ruler-notifier';
  private readonly queues = new Map<string, TenantQueue>();
  private readonly queued: Counter<'tenant'>;
  private readonly sent: Counter<'tenant'>;
  private readonly errors: Counter<'tenant'>;
  private readonly dropped: Counter<'tenant' | 'destination'>;
  private stopping = false;
  private readonly abort = new AbortController();
  private internalSink: InternalAlertSink | undefined;

  constructor(private readonly o: NotifierOptions) {
    const registers = o.registry === undefined ? [] : [o.registry];
    this.queued = new Counter({
      name: 'cairn_ruler_notifications_queued_total',
      help: "Alerts handed to the tenant's own (built-in) Alertmanager, by tenant.",
      labelNames: ['tenant'],
      registers,
    });
    this.sent = new Counter({ name: 'cairn_ruler_notifications_sent_total', help: 'Alerts delivered to external Alertmanagers (counted per Alertmanager), by tenant.', labelNames: ['tenant'], registers });
    this.errors = new Counter({ name: 'cairn_ruler_notification_errors_total', help: 'Failed POSTs to external Alertmanagers (each attempt), by tenant.', labelNames: ['tenant'], registers });
    this.dropped = new Counter({
      name: 'cairn_ruler_notifications_dropped_total',
      help: 'Alerts dropped: queue full or every attempt failed, by tenant and destination (external, internal).',
      labelNames: ['tenant', 'destination'],
      registers,
    });
    const queues = this.queues;
    new Gauge({
      name: 'cairn_ruler_notification_queue_length',
      help: 'Alerts waiting in the notification queues, all tenants.',
      registers,
      collect() {
        let n = 0;
        for (const q of queues.values()) n += q.external.length + q.internal.length;
        this.set(n);
      },
    });
  }

  /** The `RulerNotify` the manager calls: never throws, never waits. */
  readonly notify: RulerNotify = (tenant, alerts) => {
    if (alerts.length === 0 || this.stopping) return;
    const q = this.queue(tenant);
    this.queued.inc({ tenant }, alerts.length);
    if (this.internalSink !== undefined) {
      this.internalSink(tenant, alerts);
    } else {
      q.internal.push(...alerts);
      this.trim(tenant, q.internal, 'internal');
    }
    if (alertmanagerUrls(this.o.limits.forTenant(tenant).rulerAlertmanagerUrl).length === 0) return;
    q.external.push(...alerts);
    this.trim(tenant, q.external, 'external');
    q.draining ??= this.drain(tenant, q).finally(() => {
      q.draining = undefined;
    });
  };

  /**
   * Delivers alerts for the built-in Alertmanager to `sink` from now on, first handing it
   * what was queued before it was installed.
   */
  setInternalSink(sink: InternalAlertSink): void {
    this.internalSink = sink;
    for (const [tenant, q] of this.queues) {
      if (q.internal.length === 0) continue;
      const pending = q.internal;
      q.internal = [];
      sink(tenant, pending);
    }
  }

  /** Removes and returns the alerts queued for the tenant's own Alertmanager while no sink is installed. */
  takeInternal(tenant: string): AlertPayload[] {
    const q = this.queues.get(tenant);
    if (q === undefined) return [];
    const out = q.internal;
    q.internal = [];
    return out;
  }

  /** Resolves once every tenant's external queue is empty (tests, shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      const pending = [...this.queues.values()].map((q) => q.draining).filter((p) => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async start(): Promise<void> {}

  /**
   * Gives in-flight sends until their timeout or STOP_GRACE_MS, whichever comes first,
   * then aborts them and drops what is left (a dead Alertmanager must not hold a shutdown
   * past the server's graceful-shutdown window).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const flushed = this.flush();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.min(this.o.timeoutMs, STOP_GRACE_MS)).unref());
    await Promise.race([flushed, deadline]);
    this.abort.abort();
  }

  private queue(tenant: string): TenantQueue {
    let q = this.queues.get(tenant);
    if (q === undefined) {
      q = { external: [], internal: [], draining: undefined };
      this.queues.set(tenant, q);
    }
    return q;
  }

  /** Drops the oldest alerts beyond capacity (Prometheus drops the oldest, too). */
  private trim(tenant: string, list: AlertPayload[], destination: string): void {
    const over = list.length - this.o.queueCapacity;
    if (over <= 0) return;
    list.splice(0, over);
    this.dropped.inc({ tenant, destination }, over);
  }

  private async drain(tenant: string, q: TenantQueue): Promise<void> {
    while (q.external.length > 0) {
      const batch = q.external.splice(0, MAX_BATCH);
      const urls = alertmanagerUrls(this.o.limits.forTenant(tenant).rulerAlertmanagerUrl);
      const results = await Promise.all(urls.map((u) => this.post(tenant, u, batch)));
      // A batch counts as dropped when no Alertmanager took it.
      if (urls.length === 0 || !results.some((ok) => ok)) this.dropped.inc({ tenant, destination: 'external' }, batch.length);
    }
  }

  /** POSTs one batch to one Alertmanager with retries; true when it answered 2xx. */
  private async post(tenant: string, base: string, batch: readonly AlertPayload[]): Promise<boolean> {
    const url = `${base}/api/v2/alerts`;
    const body = JSON.stringify(batch);
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      if (this.abort.signal.aborted) return false;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': this.o.userAgent },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.abort.signal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.sent.inc({ tenant }, batch.length);
          return true;
        }
        throw new Error(`${url} answered ${res.status}`);
      } catch (err) {
        this.errors.inc({ tenant });
        this.o.onError?.(tenant, url, err instanceof Error ? err : new Error(String(err)));
        if (attempt < this.o.maxAttempts && this.o.retryBackoffMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.o.retryBackoffMs * 2 ** (attempt - 1)).unref());
        }
      }
    }
    return false;
  }
}
