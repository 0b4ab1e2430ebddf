/**
 * The multi-tenant Alertmanager (Mimir's `pkg/alertmanager/multitenant.go`, one process):
 * one TenantAlertmanager per tenant, created on first use (an API call or an alert from the
 * ruler) or at start for tenants with stored state, running the tenant's stored
 * configuration or the fallback one. A configuration change reloads the tenant in place,
 * keeping its alerts, silences and notification log. Maintenance (GC of resolved alerts,
 * old silences and log entries) runs on a timer. Self-metrics are registered here.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Service } from '../util/service.js';
import { defaultRetryOptions, type DispatchEvent, type RetryOptions } from './dispatcher.js';
import { DEFAULT_NFLOG_RETENTION_MS } from './nflog.js';
import type { AlertmanagerPersistence } from './persistence.js';
import { DEFAULT_SILENCE_RETENTION_MS } from './silences.js';
import { TenantAlertmanager } from './tenant-alertmanager.js';
import type { TimerHandle, Timers } from './timers.js';
import type { AlertmanagerConfig, Integration } from './types.js';
import type { PostableAlert } from './alerts.js';

/** Where tenants' configurations come from (config-store.ts). */
export interface AlertmanagerConfigSource {
  /** The tenant's stored configuration, or the fallback one (`stored: false`). */
  configFor(tenant: string): { readonly config: AlertmanagerConfig; readonly stored: boolean };
  /** Called after a tenant's configuration was stored or deleted. */
  onChange(listener: (tenant: string) => void): () => void;
}

/** Builds the integrations of a configuration's receivers (integrations/ and templates.ts). */
export type IntegrationFactory = (tenant: string, config: AlertmanagerConfig) => (receiver: string) => readonly Integration[];

export interface MultitenantOptions {
  readonly configs: AlertmanagerConfigSource;
  readonly integrations: IntegrationFactory;
  readonly timers: Timers;
  /** `<external url>/alertmanager`, what notifications link to. */
  readonly externalURL: string;
  readonly persistence?: AlertmanagerPersistence;
  readonly registry?: Registry;
  readonly retry: RetryOptions;
  /** Expired silences stay listed this long (Alertmanager's `--data.retention`, 120 h). */
  readonly silenceRetentionMs: number;
  readonly nflogRetentionMs: number;
  /** How often resolved alerts and old silences are collected (Alertmanager: 30 min for alerts, 15 min for state). */
  readonly maintenanceIntervalMs: number;
  readonly onDispatchEvent?: (tenant: string, e: DispatchEvent) => void;
  readonly onError?: (tenant: string, err: Error) => void;
}

export function defaultMultitenantOptions(configs: AlertmanagerConfigSource, integrations: IntegrationFactory, timers: Timers, externalURL: string): MultitenantOptions {
  return {
    configs,
    integrations,
    timers,
    externalURL,
    retry: defaultRetryOptions(),
    silenceRetentionMs: DEFAULT_SILENCE_RETENTION_MS,
    nflogRetentionMs: DEFAULT_NFLOG_RETENTION_MS,
    // Alertmanager's silence/nflog maintenance interval; alerts GC (30 min there) runs on it too.
    maintenanceIntervalMs: 15 * 60_000,
  };
}

/** Every tenant's Alertmanager. */
export class MultitenantAlertmanager implements Service {
  readonly name = 'alertmanager';
  private readonly tenants = new Map<string, TenantAlertmanager>();
  private readonly unsubscribe: () => void;
  private maintenance: TimerHandle | undefined;
  private readonly startedMs: number;
  private readonly received: Counter<'tenant' | 'status'>;
  private readonly invalid: Counter<'tenant'>;
  private readonly notifications: Counter<'tenant' | 'integration'>;
  private readonly failed: Counter<'tenant' | 'integration'>;

  constructor(private readonly o: MultitenantOptions) {
    this.startedMs = o.timers.now();
    this.unsubscribe = o.configs.onChange((tenant) => this.reload(tenant));
    const registers = o.registry === undefined ? [] : [o.registry];
    this.received = new Counter({ name: 'cairn_alertmanager_alerts_received_total', help: 'Alerts received (API and ruler), by tenant and status (firing, resolved).', labelNames: ['tenant', 'status'], registers });
    this.invalid = new Counter({ name: 'cairn_alertmanager_alerts_invalid_total', help: 'Alerts refused as invalid, by tenant.', labelNames: ['tenant'], registers });
    this.notifications = new Counter({ name: 'cairn_alertmanager_notifications_total', help: 'Notifications delivered, by tenant and integration (webhook, email, slack).', labelNames: ['tenant', 'integration'], registers });
    this.failed = new Counter({ name: 'cairn_alertmanager_notifications_failed_total', help: 'Notifications that failed after their retries, by tenant and integration.', labelNames: ['tenant', 'integration'], registers });
    const tenants = this.tenants;
    const timers = o.timers;
    new Gauge({
      name: 'cairn_alertmanager_alerts',
      help: 'Alerts held (resolved ones until GC), by tenant and state (firing, resolved).',
      labelNames: ['tenant', 'state'],
      registers,
      collect() {
        this.reset();
        const now = timers.now();
        for (const [tenant, am] of tenants) {
          const firing = am.store.firing(now);
          this.set({ tenant, state: 'firing' }, firing);
          this.set({ tenant, state: 'resolved' }, am.store.size - firing);
        }
      },
    });
    new Gauge({
      name: 'cairn_alertmanager_silences',
      help: 'Silences, by tenant and state (active, pending, expired).',
      labelNames: ['tenant', 'state'],
      registers,
      collect() {
        this.reset();
        const now = timers.now();
        for (const [tenant, am] of tenants) for (const [state, n] of Object.entries(am.silences.countByState(now))) this.set({ tenant, state }, n);
      },
    });
  }

  /** Starts the Alertmanagers of tenants with stored state, so pending notifications go out. */
  async start(): Promise<void> {
    for (const tenant of this.o.persistence?.tenants() ?? []) this.forTenant(tenant);
    this.scheduleMaintenance();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    this.maintenance?.cancel();
    for (const am of this.tenants.values()) am.stop();
    // In-flight notifications end by their own deadlines; waiting is bounded by them.
    await Promise.race([Promise.all([...this.tenants.values()].map((am) => am.idle())), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  /** The time the Alertmanager runs on (ms). */
  now(): number {
    return this.o.timers.now();
  }

  /** When the Alertmanager started (`/api/v2/status` uptime). */
  get startedAtMs(): number {
    return this.startedMs;
  }

  /** The tenant's Alertmanager, created (with its stored state and configuration) on first use. */
  forTenant(tenant: string): TenantAlertmanager {
    let am = this.tenants.get(tenant);
    if (am !== undefined) return am;
    am = new TenantAlertmanager(
      {
        tenant,
        timers: this.o.timers,
        externalURL: this.o.externalURL,
        retry: this.o.retry,
        silenceRetentionMs: this.o.silenceRetentionMs,
        nflogRetentionMs: this.o.nflogRetentionMs,
        ...(this.o.persistence === undefined ? {} : { sinks: this.o.persistence.sinks(tenant) }),
        onDispatchEvent: (t, e) => this.onDispatch(t, e),
      },
      this.o.persistence?.load(tenant),
    );
    this.tenants.set(tenant, am);
    this.applyConfig(am);
    return am;
  }

  /** Ingests alerts for a tenant (API and ruler); returns the refusals' messages. */
  postAlerts(tenant: string, alerts: readonly PostableAlert[]): string[] {
    const am = this.forTenant(tenant);
    const errors = am.postAlerts(alerts);
    const now = this.o.timers.now();
    for (const a of alerts) {
      const firing = a.endsAtMs === 0 || a.endsAtMs > now;
      this.received.inc({ tenant, status: firing ? 'firing' : 'resolved' });
    }
    if (errors.length > 0) this.invalid.inc({ tenant }, errors.length);
    return errors;
  }

  /**
   * Takes alerts from the ruler (Alertmanager's v2 JSON shape, RFC3339 times, Go's zero
   * time for "not set"); never throws: refusals (which a well-behaved ruler never causes)
   * go to `onError`.
   */
  receiveFromRuler(tenant: string, alerts: readonly RulerAlert[]): void {
    try {
      const errors = this.postAlerts(tenant, alerts.map(fromRulerAlert));
      if (errors.length > 0) this.o.onError?.(tenant, new Error(`alerts from the ruler refused: ${errors.join('; ')}`));
    } catch (err) {
      this.o.onError?.(tenant, err as Error);
    }
  }

  /** Resolves when no tenant has a notification in flight (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.tenants.values()].map((am) => am.idle()));
  }

  /** Runs maintenance now (tests; the timer calls it too). */
  gc(): void {
    const now = this.o.timers.now();
    for (const [tenant, am] of this.tenants) {
      try {
        am.gc(now);
      } catch (err) {
        this.o.onError?.(tenant, err as Error);
      }
    }
  }

  private scheduleMaintenance(): void {
    this.maintenance = this.o.timers.after(this.o.maintenanceIntervalMs, () => {
      this.gc();
      this.scheduleMaintenance();
    });
  }

  private reload(tenant: string): void {
    const am = this.tenants.get(tenant);
    if (am !== undefined) this.applyConfig(am);
  }

  private applyConfig(am: TenantAlertmanager): void {
    try {
      const { config } = this.o.configs.configFor(am.tenant);
      am.apply(config, this.o.integrations(am.tenant, config));
    } catch (err) {
      // A stored configuration was validated when stored; keep the previous one running.
      this.o.onError?.(am.tenant, err as Error);
      if (!hasConfig(am)) throw err;
    }
  }

  private onDispatch(tenant: string, e: DispatchEvent): void {
    if (e.kind === 'notified') this.notifications.inc({ tenant, integration: e.integration });
    else this.failed.inc({ tenant, integration: e.integration });
    this.o.onDispatchEvent?.(tenant, e);
  }
}

/** An alert as the ruler sends it (`POST /api/v2/alerts` body entry). */
export interface RulerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** RFC3339 → ms; '' and Go's zero time (year 1) → 0 = not set. */
function rfc3339Ms(s: string): number {
  if (s === '' || s.startsWith('0001-01-01')) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

function fromRulerAlert(a: RulerAlert): PostableAlert {
  return { labels: a.labels, annotations: a.annotations, startsAtMs: rfc3339Ms(a.startsAt), endsAtMs: rfc3339Ms(a.endsAt), generatorURL: a.generatorURL };
}

function hasConfig(am: TenantAlertmanager): boolean {
  try {
    void am.config;
    return true;
  } catch {
    return false;
  }
}
