/**
 * The ruler's evaluation loop (Prometheus `rules/manager.go`, run per tenant as Mimir's
 * ruler does): every stored group, of every tenant and both languages, evaluated on its
 * interval at aligned timestamps. Store changes arrive through `RuleStore.onChange` and
 * take effect at once: new groups start, deleted groups stop (their series get stale
 * markers), changed groups take over the state of the rules that did not change.
 *
 * Time comes from the injected clock; `runDue()` evaluates every group whose time has come,
 * and the service's timer calls it. Tests drive `runDue()` with a ManualClock.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Labels } from '../model/labels.js';
import type { Clock } from '../util/clock.js';
import type { Service } from '../util/service.js';
import type { Alert } from './alerting-rule.js';
import { AlertingRule } from './alerting-rule.js';
import { groupKey, RuleGroup, STALE_NAN } from './group.js';
import { errorText, formatRfc3339 } from './rule.js';
import type { AlertPayload, RuleKind, RuleOutput, RulerAppend, RulerNotify, RulerQueries, RuleStore, StoredRuleGroup } from './types.js';

/**
 * Reads the last stored sample (stale markers included) of each series matching equality
 * matchers in `[mint, maxt]` of a tenant's metrics store. Restoring `for` state needs the
 * sample's own timestamp and its staleness, which an instant query does not give.
 */
export type RulerSeriesLookup = (tenant: string, matchers: readonly { name: string; value: string }[], mint: number, maxt: number) => Promise<RuleOutput[]>;

/** The per-tenant limit the ruler reads. */
export interface RulerLimits {
  forTenant(tenant: string): { readonly rulerQueryOffsetMs: number };
}

export interface RulerManagerOptions {
  readonly store: RuleStore;
  readonly queries: RulerQueries;
  readonly append: RulerAppend;
  readonly notify: RulerNotify;
  readonly lookup: RulerSeriesLookup;
  readonly limits: RulerLimits;
  readonly clock: Clock;
  /** `ruler.evaluation_interval`: interval of groups that set none (Mimir: 1m). */
  readonly evaluationIntervalMs: number;
  /** `ruler.resend_delay`: how often firing alerts are re-sent (Prometheus/Mimir: 1m). */
  readonly resendDelayMs: number;
  /** `ruler.for_outage_tolerance` (1h) and `ruler.for_grace_period` (10m). */
  readonly forOutageToleranceMs: number;
  readonly forGracePeriodMs: number;
  /** `ruler.external_url`: `$externalURL` and the base of alerts' generatorURL. */
  readonly externalURL: string;
  readonly registry?: Registry;
  /** Receives ruler events worth a log line (group failures are in rule health, not here). */
  readonly onEvent?: (e: RulerEvent) => void;
  /** Whether the service runs its own timer (false: the caller drives `runDue`). Default true. */
  readonly timers?: boolean;
}

/** What the manager reports for logging. */
export type RulerEvent =
  | { kind: 'restore_failed'; tenant: string; group: string; error: Error }
  | { kind: 'stale_failed'; tenant: string; group: string; error: Error }
  | { kind: 'iterations_missed'; tenant: string; group: string; missed: number };

/** The ruler's self-metrics, by tenant (never by group or rule: bounded cardinality). */
interface RulerMetrics {
  readonly evaluations: Counter<'tenant'>;
  readonly failures: Counter<'tenant'>;
  readonly iterations: Counter<'tenant'>;
  readonly missed: Counter<'tenant'>;
  readonly duration: Histogram<'tenant'>;
}

function createRulerMetrics(registry: Registry | undefined): RulerMetrics {
  const registers = registry === undefined ? [] : [registry];
  return {
    evaluations: new Counter({ name: 'cairn_ruler_rule_evaluations_total', help: 'Rule evaluations, by tenant.', labelNames: ['tenant'], registers }),
    failures: new Counter({ name: 'cairn_ruler_rule_evaluation_failures_total', help: 'Rule evaluations that failed (query error, duplicate series, limit, write refused), by tenant.', labelNames: ['tenant'], registers }),
    iterations: new Counter({ name: 'cairn_ruler_group_iterations_total', help: 'Rule group evaluations run, by tenant.', labelNames: ['tenant'], registers }),
    missed: new Counter({ name: 'cairn_ruler_group_iterations_missed_total', help: 'Rule group evaluations skipped because the previous one overran its interval, by tenant.', labelNames: ['tenant'], registers }),
    duration: new Histogram({
      name: 'cairn_ruler_group_evaluation_duration_seconds',
      help: 'Time to evaluate one rule group, by tenant.',
      labelNames: ['tenant'],
      // From a 1 ms group of cheap rules to a minute-long one that overruns a 1m interval.
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    }),
  };
}

/** Go's `url.QueryEscape`, for generatorURL (Prometheus's `TableLinkForExpression`). */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An alert as Alertmanager's v2 API takes it (Prometheus's `SendAlerts`): starts when it fired. */
export function alertPayload(a: Alert, expr: string, externalURL: string): AlertPayload {
  const labels: Record<string, string> = {};
  for (const l of a.labels) labels[l.name] = l.value;
  return {
    labels,
    annotations: { ...a.annotations },
    startsAt: formatRfc3339(a.firedAtMs),
    endsAt: formatRfc3339(a.resolvedAtMs !== 0 ? a.resolvedAtMs : a.validUntilMs),
    generatorURL: `${externalURL}/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`,
  };
}

export class RulerManager implements Service {
  readonly name = 'ruler';
  private readonly groups = new Map<string, RuleGroup>();
  private readonly metrics: RulerMetrics;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  /** True once the first load ran: groups added later are not restored (Prometheus's `m.restored`). */
  private loaded = false;
  private stopped = false;

  constructor(private readonly o: RulerManagerOptions) {
    this.metrics = createRulerMetrics(o.registry);
  }

  async start(): Promise<void> {
    this.sync();
    this.unsubscribe = this.o.store.onChange(() => {
      this.sync();
      this.schedule();
    });
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.abort.abort();
    await Promise.all([...this.groups.values()].map((g) => g.running));
  }

  /** Resolves when no group is evaluating (tests, after driving `runDue`). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.groups.values()].map((g) => g.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** The groups of one tenant and kind, by namespace then name (the order the APIs list them). */
  groupsOf(tenant: string, kind: RuleKind): RuleGroup[] {
    return [...this.groups.values()]
      .filter((g) => g.stored.tenant === tenant && g.stored.kind === kind)
      .sort((a, b) => (a.stored.namespace < b.stored.namespace ? -1 : a.stored.namespace > b.stored.namespace ? 1 : a.stored.group.name < b.stored.group.name ? -1 : a.stored.group.name > b.stored.group.name ? 1 : 0));
  }

  private queryOffsetOf(g: StoredRuleGroup): number {
    return g.group.queryOffsetMs > 0 ? g.group.queryOffsetMs : this.o.limits.forTenant(g.tenant).rulerQueryOffsetMs;
  }

  /**
   * Loads the store and reconciles: unchanged groups keep running untouched, changed ones
   * are replaced by a group that takes over their state, deleted ones get stale markers.
   */
  sync(): void {
    const now = this.o.clock.now();
    const seen = new Set<string>();
    for (const stored of this.o.store.listAll()) {
      const key = groupKey(stored);
      seen.add(key);
      const offset = this.queryOffsetOf(stored);
      const old = this.groups.get(key);
      if (old !== undefined && old.sameConfig(stored, offset, this.o.evaluationIntervalMs)) continue;
      const g = new RuleGroup(stored, this.o.evaluationIntervalMs, offset, now, !this.loaded);
      if (old !== undefined) g.copyState(old);
      this.groups.set(key, g);
    }
    for (const [key, g] of this.groups) {
      if (seen.has(key)) continue;
      this.groups.delete(key);
      void this.markDeleted(g);
    }
    this.loaded = true;
  }

  /** Writes stale markers for everything a deleted group wrote, once its running evaluation ends. */
  private async markDeleted(g: RuleGroup): Promise<void> {
    await g.running;
    const t = this.o.clock.now() - g.queryOffsetMs;
    const stale = g.allSeries().map((labels: Labels) => ({ labels, tMs: t, v: STALE_NAN }));
    if (stale.length === 0) return;
    await this.o.append(g.stored.tenant, stale).catch((err: unknown) => {
      this.o.onEvent?.({ kind: 'stale_failed', tenant: g.stored.tenant, group: g.stored.group.name, error: err instanceof Error ? err : new Error(String(err)) });
    });
  }

  /**
   * Starts every group whose evaluation time has come and is not still running, and
   * resolves when those evaluations (and any due `for`-state restore) are done. A group
   * that overran its interval evaluates once, at the latest slot, and counts the slots it
   * skipped.
   */
  async runDue(): Promise<void> {
    const now = this.o.clock.now();
    const started: Promise<void>[] = [];
    for (const g of this.groups.values()) {
      if (g.running !== undefined || g.nextEvalMs > now) continue;
      const missed = Math.floor((now - g.nextEvalMs) / g.intervalMs);
      if (missed > 0) {
        this.metrics.missed.inc({ tenant: g.stored.tenant }, missed);
        this.o.onEvent?.({ kind: 'iterations_missed', tenant: g.stored.tenant, group: g.stored.group.name, missed });
      }
      const tMs = g.nextEvalMs + missed * g.intervalMs;
      g.nextEvalMs = tMs + g.intervalMs;
      const run = this.evalGroup(g, tMs).finally(() => {
        g.running = undefined;
      });
      g.running = run;
      started.push(run);
    }
    await Promise.all(started);
  }

  private async evalGroup(g: RuleGroup, tMs: number): Promise<void> {
    const { tenant, kind } = g.stored;
    const query = kind === 'logs' ? this.o.queries.logs.bind(this.o.queries) : this.o.queries.metrics.bind(this.o.queries);
    const t0 = performance.now();
    const { failures } = await g.eval(tMs, g.stored.group.limit, {
      query: (expr, t, signal) => query(tenant, expr, t, signal),
      append: (samples) => this.o.append(tenant, samples),
      notify: (expr, alerts) => this.o.notify(tenant, alerts.map((a) => alertPayload(a, expr, this.o.externalURL))),
      nowMs: () => this.o.clock.now(),
      resendDelayMs: this.o.resendDelayMs,
      externalURL: this.o.externalURL,
      externalLabels: {},
      signal: this.abort.signal,
    });
    this.metrics.iterations.inc({ tenant });
    this.metrics.evaluations.inc({ tenant }, g.rules.length);
    if (failures > 0) this.metrics.failures.inc({ tenant }, failures);
    this.metrics.duration.observe({ tenant }, (performance.now() - t0) / 1000);
    // Prometheus restores after the second iteration, once recording rules have caught up.
    if (g.shouldRestore && g.iterations >= 2) await this.restore(g);
  }

  /** Restores `for` state of the group's alerting rules from ALERTS_FOR_STATE (Prometheus's `RestoreForState`). */
  private async restore(g: RuleGroup): Promise<void> {
    g.shouldRestore = false;
    const ts = this.o.clock.now();
    for (const rule of g.rules) {
      if (!(rule instanceof AlertingRule) || rule.restored) continue;
      try {
        const matchers = [
          { name: '__name__', value: 'ALERTS_FOR_STATE' },
          { name: 'alertname', value: rule.name },
          // Rule labels that are not templates are the same on every alert of the rule.
          ...Object.entries(rule.config.labels)
            .filter(([, v]) => !v.includes('{{') && v !== '')
            .map(([name, value]) => ({ name, value })),
        ];
        const series = rule.config.forMs < this.o.forGracePeriodMs ? [] : await this.o.lookup(g.stored.tenant, matchers, ts - this.o.forOutageToleranceMs, ts);
        rule.restoreForState(ts, series, { outageToleranceMs: this.o.forOutageToleranceMs, gracePeriodMs: this.o.forGracePeriodMs });
      } catch (err) {
        // As Prometheus: a failed restore leaves the alerts as evaluated and starts writing their state.
        rule.restored = true;
        this.o.onEvent?.({ kind: 'restore_failed', tenant: g.stored.tenant, group: g.stored.group.name, error: new Error(errorText(err)) });
      }
    }
  }

  /** Arms the timer for the earliest group that is due and not running. */
  private schedule(): void {
    if (this.o.timers === false || this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    let next = Infinity;
    for (const g of this.groups.values()) if (g.running === undefined) next = Math.min(next, g.nextEvalMs);
    // Nothing to do: a store change re-arms the timer. Otherwise wake at least every 10 s so
    // a group that finished after the timer fired is picked up (and clock jumps are noticed).
    const delay = next === Infinity ? 10_000 : Math.min(10_000, Math.max(0, next - this.o.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runDue().finally(() => this.schedule());
      this.schedule();
    }, delay);
    this.timer.unref();
  }
}
