/**
 * An alerting rule and its alerts, in Prometheus's state machine (`rules/alerting.go`):
 * a new result is `pending` from `activeAt`, `firing` once it has been pending for `for`,
 * and `inactive` (resolved) when it leaves the result — unless `keep_firing_for` keeps it
 * firing for that long after it first went missing. Resolved alerts are kept 15 minutes so
 * their resolution keeps being sent. Each evaluation writes `ALERTS` and
 * `ALERTS_FOR_STATE` for every pending or firing alert; after a restart the `for` progress
 * is restored from `ALERTS_FOR_STATE` (`RestoreForState` in `rules/group.go`).
 */
import { labelsKey, labelsToObject, METRIC_NAME, type Labels } from '../model/labels.js';
import { setLabels } from './recording-rule.js';
import type { EvaluatedRule, RuleEvalContext, RuleHealth } from './rule.js';
import { errorText } from './rule.js';
import { AlertTemplateExpander } from './template.js';
import type { AlertingRuleConfig, RuleOutput, RuleSample } from './types.js';

/** Prometheus's alert states, ordered so that the rule's state is the maximum of its alerts'. */
export type AlertState = 'inactive' | 'pending' | 'firing';
const STATE_RANK: Readonly<Record<AlertState, number>> = { inactive: 0, pending: 1, firing: 2 };

/** How long a resolved alert is kept and re-sent (Prometheus's `resolvedRetention`). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** One alert instance. Times are ms; 0 means "not set" (Go's zero time). */
export interface Alert {
  /** Identity: result labels without `__name__`, plus templated rule labels and `alertname`. Sorted. */
  readonly labels: Labels;
  readonly key: string;
  annotations: Readonly<Record<string, string>>;
  state: AlertState;
  value: number;
  activeAtMs: number;
  firedAtMs: number;
  resolvedAtMs: number;
  lastSentAtMs: number;
  validUntilMs: number;
  keepFiringSinceMs: number;
}

/** A sample of an `ALERTS_FOR_STATE` series as stored: its labels, last timestamp and value. */
export type ForStateSample = RuleOutput;

/** Options of `restoreForState` (Prometheus's `--rules.alert.for-outage-tolerance` and `for-grace-period`). */
export interface RestoreOptions {
  readonly outageToleranceMs: number;
  readonly gracePeriodMs: number;
}

export class AlertingRule implements EvaluatedRule {
  health: RuleHealth = 'unknown';
  lastError = '';
  lastEvaluationMs = 0;
  evaluationTimeS = 0;
  /** Alerts by identity key. */
  active = new Map<string, Alert>();
  /**
   * False until `for` state has been restored after a start: until then no ALERTS series
   * are written (as Prometheus), so a restart does not write a fresh `activeAt`.
   */
  restored: boolean;
  private readonly expander: AlertTemplateExpander;

  constructor(
    readonly config: AlertingRuleConfig,
    restored: boolean,
  ) {
    this.restored = restored;
    this.expander = new AlertTemplateExpander(`__alert_${config.alert}`);
  }

  get name(): string {
    return this.config.alert;
  }

  get expr(): string {
    return this.config.expr;
  }

  /** The rule's state: the highest of its alerts'. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) if (STATE_RANK[a.state] > STATE_RANK[s]) s = a.state;
    return s;
  }

  /** Pending and firing alerts, in identity order (Prometheus's `ActiveAlerts`). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive').sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Runs the template queries the rule's labels and annotations name, at the evaluation time. */
  private async templateQueries(ctx: RuleEvalContext): Promise<Map<string, readonly RuleSample[] | string>> {
    const texts = [...Object.values(this.config.labels), ...Object.values(this.config.annotations)];
    const out = new Map<string, readonly RuleSample[] | string>();
    for (const q of this.expander.queriesOf(texts)) {
      try {
        out.set(q, await ctx.query(q, ctx.tMs, ctx.signal));
      } catch (err) {
        out.set(q, errorText(err));
      }
    }
    return out;
  }

  /**
   * One evaluation at the group's time `ctx.tMs`. Returns the ALERTS and ALERTS_FOR_STATE
   * samples (none until restored). Rejects, leaving the alerts as they were, when the query
   * fails or two results share an identity; rejects after clearing every alert when the
   * group's limit is exceeded (as Prometheus does).
   */
  async eval(ctx: RuleEvalContext): Promise<RuleOutput[]> {
    const ts = ctx.tMs;
    const queryT = ts - ctx.queryOffsetMs;
    const samples = await ctx.query(this.config.expr, queryT, ctx.signal);
    const e = this.expander;
    e.ctx.tMs = ts;
    e.ctx.externalURL = ctx.externalURL;
    e.ctx.queries = await this.templateQueries(ctx);

    const fresh = new Map<string, Alert>();
    for (const s of samples) {
      const data = { labels: labelsToObject(s.labels), externalLabels: ctx.externalLabels, externalURL: ctx.externalURL, value: s.v };
      const expanded: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.config.labels)) expanded[k] = e.expand(v, data);
      expanded.alertname = this.config.alert;
      const labels = setLabels(s.labels, expanded, [METRIC_NAME]);
      const annotations: Record<string, string> = {};
      for (const k of Object.keys(this.config.annotations).sort()) annotations[k] = e.expand(this.config.annotations[k]!, data);
      const key = labelsKey(labels);
      if (fresh.has(key)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      fresh.set(key, {
        labels,
        key,
        annotations,
        state: 'pending',
        value: s.v,
        activeAtMs: ts,
        firedAtMs: 0,
        resolvedAtMs: 0,
        lastSentAtMs: 0,
        validUntilMs: 0,
        keepFiringSinceMs: 0,
      });
    }

    for (const [key, a] of fresh) {
      const known = this.active.get(key);
      if (known !== undefined && known.state !== 'inactive') {
        known.value = a.value;
        known.annotations = a.annotations;
      } else {
        this.active.set(key, a);
      }
    }

    const out: RuleOutput[] = [];
    let activeCount = 0;
    for (const [key, a] of this.active) {
      if (!fresh.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.config.keepFiringForMs > 0) {
          if (a.keepFiringSinceMs === 0) a.keepFiringSinceMs = ts;
          if (ts - a.keepFiringSinceMs < this.config.keepFiringForMs) keepFiring = true;
        }
        // Pending alerts go at once; resolved ones after the retention period.
        if (a.state === 'pending' || (a.resolvedAtMs !== 0 && ts - a.resolvedAtMs > RESOLVED_RETENTION_MS)) this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAtMs = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSinceMs = 0;
      }
      activeCount++;
      if (a.state === 'pending' && ts - a.activeAtMs >= this.config.forMs) {
        a.state = 'firing';
        a.firedAtMs = ts;
      }
      if (this.restored) {
        out.push({ labels: setLabels(a.labels, { [METRIC_NAME]: 'ALERTS', alertstate: a.state }), tMs: queryT, v: 1 });
        out.push({ labels: setLabels(a.labels, { [METRIC_NAME]: 'ALERTS_FOR_STATE' }), tMs: queryT, v: Math.floor(a.activeAtMs / 1000) });
      }
    }
    if (ctx.limit > 0 && activeCount > ctx.limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${ctx.limit} with ${activeCount} alerts`);
    }
    return out;
  }

  /**
   * The alerts to send now (Prometheus's `sendAlerts`): firing alerts every `resendDelayMs`,
   * resolved ones once more after they resolve; never pending ones. Marks them sent and
   * sets how long Alertmanager should consider them valid (4 × max(interval, resend delay),
   * so two lost evaluations or sends do not resolve them).
   */
  alertsToSend(ts: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const due = a.resolvedAtMs > a.lastSentAtMs || a.lastSentAtMs + resendDelayMs < ts;
      if (!due) continue;
      a.lastSentAtMs = ts;
      a.validUntilMs = ts + 4 * Math.max(intervalMs, resendDelayMs);
      out.push({ ...a });
    }
    return out;
  }

  /**
   * Restores `activeAt` of the current alerts from the last `ALERTS_FOR_STATE` sample of each
   * (Prometheus's `RestoreForState`), at time `ts`. `series` are the stored series of this
   * rule's `ALERTS_FOR_STATE` in `[ts − outage tolerance, ts]`, with their last sample.
   * Rules whose `for` is shorter than the grace period are not restored (they would fire no
   * sooner by being restored). Marks the rule restored either way.
   */
  restoreForState(ts: number, series: readonly ForStateSample[], o: RestoreOptions): void {
    const hold = this.config.forMs;
    if (hold < o.gracePeriodMs) {
      this.restored = true;
      return;
    }
    const byKey = new Map<string, ForStateSample>();
    for (const s of series) byKey.set(labelsKey(s.labels.filter((l) => l.name !== METRIC_NAME)), s);
    for (const a of this.active.values()) {
      const s = byKey.get(a.key);
      if (s === undefined || Number.isNaN(s.v)) continue; // never active, or went stale (not active when it stopped)
      const downAt = Math.floor(s.tMs / 1000) * 1000;
      let activeAt = Math.trunc(s.v) * 1000;
      const remaining = hold - (downAt - activeAt);
      if (remaining <= 0) {
        // It was firing when the ruler stopped; the next evaluation fires it again.
      } else if (remaining < o.gracePeriodMs) {
        activeAt = ts + o.gracePeriodMs - hold;
      } else {
        activeAt += ts - downAt;
      }
      a.activeAtMs = activeAt;
    }
    this.restored = true;
  }
}
