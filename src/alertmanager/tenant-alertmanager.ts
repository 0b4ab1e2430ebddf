/**
 * One tenant's Alertmanager: its alerts, silences and notification log (kept across
 * configuration reloads) and the inhibitor and dispatcher of its current configuration
 * (rebuilt on each reload). The v2 API's views are computed here: an alert's status,
 * receivers and the filters of `GET /alerts` and `GET /alerts/groups`.
 */
import { compareLabels, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { AlertStore, ingestAlerts, type PostableAlert } from './alerts.js';
import { Dispatcher, compareAlerts, type DispatchEvent, type RetryOptions } from './dispatcher.js';
import { Inhibitor } from './inhibit.js';
import { NotificationLog } from './nflog.js';
import type { TenantSinks, TenantState } from './persistence.js';
import { matchRoutes } from './route-match.js';
import { Silences, type Silence } from './silences.js';
import { inAnyInterval } from './time-interval.js';
import type { Timers } from './timers.js';
import { isResolved, type Alert, type AlertmanagerConfig, type Integration, type Route } from './types.js';

/** An alert's status as `GET /api/v2/alerts` reports it. */
export interface AlertStatus {
  readonly state: 'unprocessed' | 'active' | 'suppressed';
  readonly silencedBy: readonly string[];
  readonly inhibitedBy: readonly string[];
  readonly mutedBy: readonly string[];
}

/** An alert with what the API adds to it. */
export interface AlertView {
  readonly alert: Alert;
  readonly receivers: readonly string[];
  readonly status: AlertStatus;
}

/** An aggregation group as `GET /api/v2/alerts/groups` reports it. */
export interface GroupListing {
  readonly labels: Labels;
  readonly receiver: string;
  readonly alerts: readonly AlertView[];
}

/** The query filters of the alert listings (all booleans default true). */
export interface AlertFilter {
  readonly active: boolean;
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly unprocessed: boolean;
  /** Groups only: false hides groups muted by time intervals. */
  readonly muted: boolean;
  readonly matchers: readonly Matcher[];
  /** Tests a receiver name (the anchored `receiver` regex); undefined = any. */
  readonly receiver?: (name: string) => boolean;
}

/**
 * The API's label filter (`matchFilterLabels`): a positive matcher needs the label to be
 * present, a negative one (`!=`, `!~`) is tested against '' when it is absent.
 */
export function matchFilterLabels(matchers: readonly Matcher[], values: ReadonlyMap<string, string>): boolean {
  for (const m of matchers) {
    const v = values.get(m.name);
    if (m.type === '!=' || m.type === '!~') {
      if (!m.matches(v ?? '')) return false;
    } else if (v === undefined || !m.matches(v)) {
      return false;
    }
  }
  return true;
}

function labelMap(labels: Labels): Map<string, string> {
  return new Map(labels.map((l) => [l.name, l.value]));
}

export interface TenantAlertmanagerDeps {
  readonly tenant: string;
  readonly timers: Timers;
  readonly externalURL: string;
  readonly retry: RetryOptions;
  readonly silenceRetentionMs: number;
  readonly nflogRetentionMs: number;
  readonly sinks?: TenantSinks;
  readonly onDispatchEvent?: (tenant: string, e: DispatchEvent) => void;
}

/** One tenant's Alertmanager. */
export class TenantAlertmanager {
  readonly store: AlertStore;
  readonly silences: Silences;
  readonly nflog: NotificationLog;
  private inhibitor: Inhibitor | undefined;
  private dispatcher: Dispatcher | undefined;
  private cfg: AlertmanagerConfig | undefined;

  constructor(
    private readonly deps: TenantAlertmanagerDeps,
    state?: TenantState,
  ) {
    this.store = new AlertStore(deps.sinks);
    this.silences = new Silences({ retentionMs: deps.silenceRetentionMs, ...(deps.sinks === undefined ? {} : { sink: deps.sinks }) });
    this.nflog = new NotificationLog(deps.nflogRetentionMs, deps.sinks);
    if (state !== undefined) {
      this.store.restore(state.alerts);
      this.silences.restore(state.silences);
      this.nflog.restore(state.nflog);
    }
  }

  get tenant(): string {
    return this.deps.tenant;
  }

  /** The configuration in force. Throws (a bug) before the first `apply`. */
  get config(): AlertmanagerConfig {
    if (this.cfg === undefined) throw new Error(`BUG: the Alertmanager of tenant ${this.deps.tenant} has no configuration yet`);
    return this.cfg;
  }

  /**
   * Puts a configuration in force: a new inhibitor and dispatcher, which take in every
   * stored alert again; the notification log keeps a reload from repeating notifications.
   */
  apply(config: AlertmanagerConfig, integrations: (receiver: string) => readonly Integration[]): void {
    this.dispatcher?.stop();
    this.inhibitor?.close();
    this.cfg = config;
    this.inhibitor = new Inhibitor(config.inhibitRules, this.store);
    this.dispatcher = new Dispatcher({
      tenant: this.deps.tenant,
      config,
      store: this.store,
      silences: this.silences,
      inhibitor: this.inhibitor,
      nflog: this.nflog,
      integrations,
      timers: this.deps.timers,
      externalURL: this.deps.externalURL,
      retry: this.deps.retry,
      onEvent: (e) => this.deps.onDispatchEvent?.(this.deps.tenant, e),
    });
  }

  /** Ingests posted alerts (valid ones are stored even when others are refused); returns the refusals. */
  postAlerts(posted: readonly PostableAlert[]): string[] {
    const now = this.deps.timers.now();
    const { alerts, errors } = ingestAlerts(posted, now, this.config.resolveTimeoutMs);
    if (alerts.length > 0) this.store.put(alerts, now);
    return errors;
  }

  /** The receivers of the routes handling `labels`, in routing order. */
  receiversOf(labels: Labels): string[] {
    return matchRoutes(this.config.route, labels).map((r) => r.receiver);
  }

  /** Names of the time intervals muting `route` at `nowMs` (mute intervals active, or active intervals all inactive). */
  mutingIntervals(route: Route, nowMs: number): string[] {
    const intervals = this.config.timeIntervals;
    const out = route.muteTimeIntervals.filter((n) => inAnyInterval([n], intervals, nowMs));
    if (route.activeTimeIntervals.length > 0 && !inAnyInterval(route.activeTimeIntervals, intervals, nowMs)) out.push(...route.activeTimeIntervals);
    return out;
  }

  /** An alert's status at `nowMs`: suppressed when silenced or inhibited. */
  statusOf(alert: Alert, nowMs: number, mutedBy: readonly string[] = []): AlertStatus {
    const silencedBy = this.silences.mutedBy(alert.labels, nowMs);
    const inhibitor = this.inhibitor?.inhibitedBy(alert.labels, nowMs);
    const inhibitedBy = inhibitor === undefined ? [] : [inhibitor];
    const state = silencedBy.length > 0 || inhibitedBy.length > 0 ? 'suppressed' : 'active';
    return { state, silencedBy, inhibitedBy, mutedBy };
  }

  private statusPasses(status: AlertStatus, f: AlertFilter): boolean {
    if (!f.active && status.state === 'active') return false;
    if (!f.unprocessed && status.state === 'unprocessed') return false;
    if (!f.silenced && status.silencedBy.length > 0) return false;
    if (!f.inhibited && status.inhibitedBy.length > 0) return false;
    return true;
  }

  /** `GET /api/v2/alerts`: unresolved alerts passing the filter, by fingerprint. */
  listAlerts(f: AlertFilter): AlertView[] {
    const now = this.deps.timers.now();
    const out: AlertView[] = [];
    for (const alert of this.store.list()) {
      const routes = matchRoutes(this.config.route, alert.labels);
      const receivers = routes.map((r) => r.receiver);
      if (f.receiver !== undefined && !receivers.some(f.receiver)) continue;
      if (!matchFilterLabels(f.matchers, labelMap(alert.labels))) continue;
      if (isResolved(alert, now)) continue;
      const mutedBy = [...new Set(routes.flatMap((r) => this.mutingIntervals(r, now)))];
      const status = this.statusOf(alert, now, mutedBy);
      if (!this.statusPasses(status, f)) continue;
      out.push({ alert, receivers, status });
    }
    return out.sort((a, b) => (a.alert.fingerprint < b.alert.fingerprint ? -1 : a.alert.fingerprint > b.alert.fingerprint ? 1 : 0));
  }

  /** `GET /api/v2/alerts/groups`: the dispatcher's groups with their unresolved, filtered alerts. */
  listGroups(f: AlertFilter): GroupListing[] {
    const now = this.deps.timers.now();
    const groups = this.dispatcher?.listGroups() ?? [];
    const receiversByFp = new Map<string, string[]>();
    const picked: { labels: Labels; receiver: string; alerts: { alert: Alert; status: AlertStatus }[] }[] = [];
    for (const g of groups) {
      if (f.receiver !== undefined && !f.receiver(g.route.receiver)) continue;
      const mutedBy = this.mutingIntervals(g.route, now);
      if (!f.muted && mutedBy.length > 0) continue;
      const alerts: { alert: Alert; status: AlertStatus }[] = [];
      for (const alert of g.alerts) {
        if (isResolved(alert, now)) continue;
        const status = this.statusOf(alert, now, mutedBy);
        if (!this.statusPasses(status, f) || !matchFilterLabels(f.matchers, labelMap(alert.labels))) continue;
        const list = receiversByFp.get(alert.fingerprint) ?? [];
        list.push(g.route.receiver);
        receiversByFp.set(alert.fingerprint, list);
        alerts.push({ alert, status });
      }
      if (alerts.length > 0) picked.push({ labels: g.labels, receiver: g.route.receiver, alerts: alerts.sort((a, b) => compareAlerts(a.alert, b.alert)) });
    }
    picked.sort((a, b) => {
      const c = compareLabels(a.labels, b.labels);
      return c !== 0 ? c : a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0;
    });
    return picked.map((g) => ({
      labels: g.labels,
      receiver: g.receiver,
      alerts: g.alerts.map(({ alert, status }) => ({ alert, status, receivers: [...(receiversByFp.get(alert.fingerprint) ?? [])].sort() })),
    }));
  }

  /** `GET /api/v2/silences` filter: every filter matcher must accept the silence's matchers as labels. */
  listSilences(matchers: readonly Matcher[]): Silence[] {
    return this.silences.list().filter((s) => matchFilterLabels(matchers, new Map(s.matchers.map((m) => [m.name, m.value]))));
  }

  /** Resolves when no notification is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await this.dispatcher?.idle();
  }

  /** Drops resolved alerts, silences past retention and expired log entries. */
  gc(nowMs: number): void {
    const gone = this.store.gc(nowMs);
    this.inhibitor?.forget(gone);
    this.silences.gc(nowMs);
    this.nflog.gc(nowMs);
  }

  stop(): void {
    this.dispatcher?.stop();
    this.inhibitor?.close();
  }
}
