/**
 * The dispatcher (Alertmanager's `dispatch/dispatch.go` with the notification pipeline of
 * `notify/notify.go`): every alert of the tenant's store is routed, joins one aggregation
 * group per handling route (keyed by the route's key and the values of its `group_by`
 * labels), and each group notifies its receiver on its own timers:
 *
 * - the first flush comes `group_wait` after the group was created (at once for an alert
 *   that started more than `group_wait` ago, so a restart does not delay old alerts);
 * - then a flush every `group_interval`; a flush notifies an integration when the firing
 *   set grew, when everything resolved, when (with `send_resolved`) alerts resolved, or
 *   when `repeat_interval` passed since the last notification — which is thus rounded up
 *   to a multiple of `group_interval` (Alertmanager's `DedupStage`, reading the log);
 * - alerts muted by inhibition, silences or the route's time intervals are dropped before
 *   dedup; resolved alerts are dropped from the group after a flush that delivered them.
 *
 * Each integration is sent to independently with its own deadline (`group_interval`, at
 * least 10 s) and retries with backoff, so a dead receiver delays only its own group.
 */
import type { Labels } from '../model/labels.js';
import { compareLabels, labelValue } from '../model/labels.js';
import type { AlertStore } from './alerts.js';
import type { Inhibitor } from './inhibit.js';
import type { NotificationLog, NflogEntry, ReceiverKey } from './nflog.js';
import { formatLabelSet, groupLabels, matchRoutes } from './route-match.js';
import type { Silences } from './silences.js';
import { inAnyInterval } from './time-interval.js';
import type { TimerHandle, Timers } from './timers.js';
import { isResolved, NotifyError, type Alert, type AlertmanagerConfig, type Integration, type NotificationData, type Route } from './types.js';

/** Alertmanager's `notify.MinTimeout`: the shortest deadline of one flush's notifications. */
export const MIN_NOTIFY_TIMEOUT_MS = 10_000;

/** Retry backoff as Alertmanager's (cenkalti/backoff defaults, without jitter so tests are exact). */
export interface RetryOptions {
  /** First wait: 500 ms. */
  readonly initialMs: number;
  /** Growth per retry: 1.5. */
  readonly multiplier: number;
  /** Longest wait: 60 s. */
  readonly maxMs: number;
}

export function defaultRetryOptions(): RetryOptions {
  return { initialMs: 500, multiplier: 1.5, maxMs: 60_000 };
}

/** What happened to one notification attempt chain, for metrics and logs. */
export type DispatchEvent =
  | { readonly kind: 'notified'; readonly integration: string; readonly receiver: string; readonly alerts: number; readonly attempts: number }
  | { readonly kind: 'failed'; readonly integration: string; readonly receiver: string; readonly error: Error; readonly attempts: number };

export interface DispatcherDeps {
  readonly tenant: string;
  readonly config: AlertmanagerConfig;
  readonly store: AlertStore;
  readonly silences: Silences;
  readonly inhibitor: Inhibitor;
  readonly nflog: NotificationLog;
  /** The receiver's integrations (built once per configuration). */
  readonly integrations: (receiver: string) => readonly Integration[];
  readonly timers: Timers;
  readonly externalURL: string;
  readonly retry: RetryOptions;
  readonly onEvent?: (e: DispatchEvent) => void;
}

/** An aggregation group as the API lists it. */
export interface GroupView {
  readonly key: string;
  readonly route: Route;
  readonly labels: Labels;
  readonly alerts: readonly Alert[];
}

/**
 * Alertmanager's alert order in a notification (`types.AlertSlice`): by `job`, then
 * `instance` (alerts having the label first), then the whole label set.
 */
export function compareAlerts(a: Alert, b: Alert): number {
  for (const key of ['job', 'instance']) {
    const x = labelValue(a.labels, key);
    const y = labelValue(b.labels, key);
    if (x === '' && y === '') continue;
    if (x === '') return 1;
    if (y === '') return -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return compareLabels(a.labels, b.labels);
}

/** `subset ⊆ set`. */
function isSubset(subset: readonly string[], set: readonly string[]): boolean {
  const s = new Set(set);
  return subset.every((x) => s.has(x));
}

/** Alertmanager's `DedupStage.needsUpdate`. */
export function needsUpdate(entry: NflogEntry | undefined, firing: readonly string[], resolved: readonly string[], sendResolved: boolean, repeatIntervalMs: number, nowMs: number): boolean {
  // Never notified: notify unless everything is already resolved.
  if (entry === undefined) return firing.length > 0;
  if (!isSubset(firing, entry.firing)) return true;
  // Everything resolved: notify (whatever send_resolved says, to clear the log's firing
  // set) only if the receiver was told something was firing.
  if (firing.length === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  // Nothing changed: repeat once the repeat interval has passed.
  return entry.timestampMs <= nowMs - repeatIntervalMs;
}

class AggrGroup {
  readonly alerts = new Map<string, Alert>();
  hasFlushed = false;
  stopped = false;
  private timer: TimerHandle | undefined;
  /** The flush in progress (flushes of one group never overlap, as Alertmanager's run loop). */
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly route: Route,
    readonly labels: Labels,
    private readonly d: Dispatcher,
  ) {
    this.schedule(route.groupWaitMs);
  }

  insert(alert: Alert, nowMs: number): void {
    this.alerts.set(alert.fingerprint, alert);
    // An alert older than group_wait is notified at once (no point waiting further).
    if (!this.hasFlushed && alert.startsAtMs + this.route.groupWaitMs < nowMs) this.schedule(0);
  }

  schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.d.timers.after(ms, () => this.tick());
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = this.d.timers.now();
    this.hasFlushed = true;
    this.schedule(this.route.groupIntervalMs);
    this.running = this.running.then(() => this.d.flush(this, nowMs));
    this.d.track(this.running);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}

/** Routes, groups and notifies one tenant's alerts under one configuration. */
export class Dispatcher {
  private readonly groups = new Map<string, AggrGroup>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private stopped = false;
  readonly timers: Timers;

  constructor(private readonly deps: DispatcherDeps) {
    this.timers = deps.timers;
    this.unsubscribe = deps.store.subscribe((a) => this.process(a));
  }

  /** Routes one stored alert into its groups. */
  private process(alert: Alert): void {
    if (this.stopped) return;
    const nowMs = this.timers.now();
    for (const route of matchRoutes(this.deps.config.route, alert.labels)) {
      const labels = groupLabels(route, alert.labels);
      const key = `${route.key}:${formatLabelSet(labels)}`;
      let g = this.groups.get(key);
      if (g === undefined) {
        // A group created for an already-resolved alert only matters if the log says the
        // receiver was told it fired (a restart or reload between firing and resolving).
        g = new AggrGroup(key, route, labels, this);
        this.groups.set(key, g);
      }
      g.insert(alert, nowMs);
    }
  }

  /** @internal Keeps a flush promise until it settles, for `idle()`. */
  track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Resolves when no flush is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** The current groups, in key order. */
  listGroups(): GroupView[] {
    return [...this.groups.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((g) => ({ key: g.key, route: g.route, labels: g.labels, alerts: [...g.alerts.values()].sort(compareAlerts) }));
  }

  /** True when the route's time intervals mute notifications at `nowMs`. */
  timeMuted(route: Route, nowMs: number): boolean {
    const intervals = this.deps.config.timeIntervals;
    if (route.activeTimeIntervals.length > 0 && !inAnyInterval(route.activeTimeIntervals, intervals, nowMs)) return true;
    return route.muteTimeIntervals.length > 0 && inAnyInterval(route.muteTimeIntervals, intervals, nowMs);
  }

  /** Stops every group timer and listening; in-flight notifications finish or hit their deadline. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const g of this.groups.values()) g.stop();
    this.groups.clear();
  }

  /** @internal One flush of a group at `nowMs` (Alertmanager's `aggrGroup.flush`). */
  async flush(g: AggrGroup, nowMs: number): Promise<void> {
    if (g.stopped || g.alerts.size === 0) return;
    const alerts = [...g.alerts.values()].sort(compareAlerts);
    const ok = await this.notify(g, alerts, nowMs);
    if (ok) {
      // Resolved alerts were delivered: drop them, unless one changed (fired again) meanwhile.
      for (const a of alerts) if (isResolved(a, nowMs) && g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
    }
    if (g.alerts.size === 0 && !g.stopped) {
      g.stop();
      if (this.groups.get(g.key) === g) this.groups.delete(g.key);
    }
  }

  /** The pipeline of one flush; true when every integration that had to notify did. */
  private async notify(g: AggrGroup, all: readonly Alert[], nowMs: number): Promise<boolean> {
    const route = g.route;
    if (this.timeMuted(route, nowMs)) return true;
    const alerts = all.filter((a) => this.deps.inhibitor.inhibitedBy(a.labels, nowMs) === undefined && this.deps.silences.mutedBy(a.labels, nowMs).length === 0);
    if (alerts.length === 0) return true;
    const integrations = this.deps.integrations(route.receiver);
    const results = await Promise.all(integrations.map((i) => this.notifyIntegration(g, i, alerts, nowMs)));
    return results.every((r) => r);
  }

  private async notifyIntegration(g: AggrGroup, integration: Integration, alerts: readonly Alert[], nowMs: number): Promise<boolean> {
    const route = g.route;
    const rk: ReceiverKey = { receiver: route.receiver, integration: integration.kind, index: integration.index };
    const firing = alerts.filter((a) => !isResolved(a, nowMs));
    const firingFps = firing.map((a) => a.fingerprint);
    const resolvedFps = alerts.filter((a) => isResolved(a, nowMs)).map((a) => a.fingerprint);
    const entry = this.deps.nflog.query(g.key, rk, nowMs);
    if (!needsUpdate(entry, firingFps, resolvedFps, integration.sendResolved, route.repeatIntervalMs, nowMs)) return true;

    // Without send_resolved only firing alerts go out; an all-resolved flush is logged, not sent.
    const toSend = integration.sendResolved ? alerts : firing;
    if (toSend.length > 0) {
      const data: NotificationData = {
        tenant: this.deps.tenant,
        receiver: route.receiver,
        groupKey: g.key,
        groupLabels: g.labels,
        alerts: toSend,
        externalURL: this.deps.externalURL,
        nowMs,
      };
      const ok = await this.send(integration, data, Math.max(route.groupIntervalMs, MIN_NOTIFY_TIMEOUT_MS));
      if (!ok) return false;
    }
    this.deps.nflog.log(g.key, rk, firingFps, resolvedFps, nowMs, 2 * route.repeatIntervalMs);
    return true;
  }

  /** Sends with retries until delivered, refused for good (no retry), or the deadline. */
  private async send(integration: Integration, data: NotificationData, deadlineMs: number): Promise<boolean> {
    const abort = new AbortController();
    const deadline = this.timers.after(deadlineMs, () => abort.abort(new NotifyError(`notification deadline of ${deadlineMs} ms exceeded`, false)));
    let wait = this.deps.retry.initialMs;
    let attempts = 0;
    let lastError: Error = new Error('no attempt made');
    try {
      for (;;) {
        attempts++;
        try {
          await integration.notify(data, abort.signal);
          this.deps.onEvent?.({ kind: 'notified', integration: integration.kind, receiver: data.receiver, alerts: data.alerts.length, attempts });
          return true;
        } catch (err) {
          lastError = err instanceof Error ? err : new Error(String(err));
          const retry = !(err instanceof NotifyError) || err.retry;
          if (!retry || abort.signal.aborted) break;
        }
        const waited = await new Promise<boolean>((resolve) => {
          const onAbort = (): void => {
            t.cancel();
            resolve(false);
          };
          const t = this.timers.after(wait, () => {
            abort.signal.removeEventListener('abort', onAbort);
            resolve(true);
          });
          abort.signal.addEventListener('abort', onAbort, { once: true });
        });
        if (!waited) break;
        wait = Math.min(wait * this.deps.retry.multiplier, this.deps.retry.maxMs);
      }
    } finally {
      deadline.cancel();
    }
    this.deps.onEvent?.({ kind: 'failed', integration: integration.kind, receiver: data.receiver, error: lastError, attempts });
    return false;
  }
}
