/**
 * One rule group being evaluated (Prometheus `rules/group.go`): its rules in order, the
 * series each rule wrote last time (so the ones that disappear get stale markers), the
 * evaluation schedule (aligned to the interval plus a per-group offset from a hash, so
 * groups spread over the interval), and the state handed over when the group is updated.
 */
import { labelsKey, type Labels } from '../model/labels.js';
import { AlertingRule, type Alert } from './alerting-rule.js';
import { RecordingRule } from './recording-rule.js';
import { errorText, type EvaluatedRule, type RuleEvalContext } from './rule.js';
import type { RuleGroupConfig, RuleOutput, RuleSample, StoredRuleGroup } from './types.js';
import { STALE_NAN } from '../model/stale.js';

export { STALE_NAN };

/** What a group needs from its manager for one iteration. */
export interface GroupEvalDeps {
  readonly query: (expr: string, tMs: number, signal: AbortSignal) => Promise<RuleSample[]>;
  readonly append: (samples: readonly RuleOutput[]) => Promise<void>;
  /** Hands alerts that are due to the notifier, with the rule's expression (for generatorURL). */
  readonly notify: (expr: string, alerts: readonly Alert[]) => void;
  readonly nowMs: () => number;
  readonly resendDelayMs: number;
  readonly externalURL: string;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** FNV-1a over a string, 32 bits: a stable per-group offset that spreads groups over the interval. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The identity of a group across the store: tenant, kind, namespace, name. */
export function groupKey(g: Pick<StoredRuleGroup, 'tenant' | 'kind' | 'namespace'> & { group: Pick<RuleGroupConfig, 'name'> }): string {
  return `${g.tenant}\u0000${g.kind}\u0000${g.namespace}\u0000${g.group.name}`;
}

/** A rule's identity for state hand-over (Prometheus's `nameAndLabels`). */
function nameAndLabels(r: EvaluatedRule & { config: { labels: Readonly<Record<string, string>> } }): string {
  return `${r.name}${JSON.stringify(Object.entries(r.config.labels).sort())}`;
}

export class RuleGroup {
  readonly rules: (RecordingRule | AlertingRule)[];
  readonly intervalMs: number;
  /** Series each rule wrote in its last successful evaluation, by labels key. */
  private seriesInPreviousEval: Map<string, Labels>[];
  /** Series of rules that were removed by an update; marked stale at the next evaluation. */
  private staleSeries: Labels[] = [];
  /** Wall time (ms) the last evaluation started; 0 before the first. */
  lastEvaluationMs = 0;
  evaluationTimeS = 0;
  /** The evaluation timestamp of the next iteration. */
  nextEvalMs: number;
  /** Whether `for` state is still to be restored (groups present when the ruler starts). */
  shouldRestore: boolean;
  /** Completed iterations; restoring waits for the second, as Prometheus does. */
  iterations = 0;
  running: Promise<void> | undefined;

  constructor(
    readonly stored: StoredRuleGroup,
    defaultIntervalMs: number,
    readonly queryOffsetMs: number,
    nowMs: number,
    shouldRestore: boolean,
  ) {
    this.intervalMs = stored.group.intervalMs > 0 ? stored.group.intervalMs : defaultIntervalMs;
    this.rules = stored.group.rules.map((r) => (r.type === 'recording' ? new RecordingRule(r) : new AlertingRule(r, !shouldRestore)));
    this.seriesInPreviousEval = this.rules.map(() => new Map());
    this.shouldRestore = shouldRestore;
    // The first evaluation is the next aligned slot after now, as Prometheus's run() waits for it.
    this.nextEvalMs = this.evalTimestamp(nowMs) + this.intervalMs;
  }

  get key(): string {
    return groupKey(this.stored);
  }

  /** Offset of this group's evaluation times from multiples of the interval. */
  get offsetMs(): number {
    return fnv1a(this.key) % this.intervalMs;
  }

  /** The latest evaluation time at or before `nowMs` (Prometheus's `EvalTimestamp`). */
  evalTimestamp(nowMs: number): number {
    const offset = this.offsetMs;
    const adj = nowMs - offset;
    return adj - (((adj % this.intervalMs) + this.intervalMs) % this.intervalMs) + offset;
  }

  /** Whether `other` would evaluate exactly as this group does (then an update keeps this one). */
  sameConfig(other: StoredRuleGroup, queryOffsetMs: number, defaultIntervalMs: number): boolean {
    const interval = other.group.intervalMs > 0 ? other.group.intervalMs : defaultIntervalMs;
    return interval === this.intervalMs && queryOffsetMs === this.queryOffsetMs && JSON.stringify(other.group) === JSON.stringify(this.stored.group);
  }

  /**
   * Takes over the state of the group this one replaces (Prometheus's `CopyState`): timing,
   * the series each unchanged rule wrote, and the alerts of alerting rules with the same
   * name and labels. Series of rules that are gone are marked stale at the next evaluation.
   */
  copyState(from: RuleGroup): void {
    this.lastEvaluationMs = from.lastEvaluationMs;
    this.evaluationTimeS = from.evaluationTimeS;
    this.iterations = from.iterations;
    this.shouldRestore = from.shouldRestore;
    if (this.intervalMs === from.intervalMs) this.nextEvalMs = from.nextEvalMs;
    const byName = new Map<string, number[]>();
    from.rules.forEach((r, i) => {
      const k = nameAndLabels(r);
      byName.set(k, [...(byName.get(k) ?? []), i]);
    });
    this.rules.forEach((rule, i) => {
      const k = nameAndLabels(rule);
      const idx = byName.get(k);
      if (idx === undefined || idx.length === 0) return;
      const fi = idx.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const old = from.rules[fi]!;
      if (rule instanceof AlertingRule && old instanceof AlertingRule) {
        for (const [key, a] of old.active) rule.active.set(key, a);
        rule.restored = old.restored;
      }
      rule.health = old.health;
      rule.lastError = old.lastError;
      rule.lastEvaluationMs = old.lastEvaluationMs;
      rule.evaluationTimeS = old.evaluationTimeS;
    });
    this.staleSeries = [...from.staleSeries];
    for (const idx of byName.values()) {
      for (const fi of idx) for (const ls of from.seriesInPreviousEval[fi]!.values()) this.staleSeries.push(ls);
    }
  }

  /** Every series the group wrote last time: stale markers for them when the group is deleted. */
  allSeries(): Labels[] {
    return this.seriesInPreviousEval.flatMap((m) => [...m.values()]);
  }

  /**
   * One iteration at evaluation time `tMs`: every rule in order. A failing rule records its
   * error and health and the loop goes on; nothing here throws.
   */
  async eval(tMs: number, limit: number, deps: GroupEvalDeps): Promise<{ failures: number }> {
    const started = deps.nowMs();
    const t0 = performance.now();
    let failures = 0;
    const ctx: RuleEvalContext = {
      tMs,
      queryOffsetMs: this.queryOffsetMs,
      limit,
      query: deps.query,
      signal: deps.signal,
      externalURL: deps.externalURL,
      externalLabels: deps.externalLabels,
    };
    const storeT = tMs - this.queryOffsetMs;
    for (let i = 0; i < this.rules.length; i++) {
      if (deps.signal.aborted) break;
      const rule = this.rules[i]!;
      const ruleStart = deps.nowMs();
      const r0 = performance.now();
      try {
        let out: RuleOutput[];
        try {
          out = await rule.eval(ctx);
        } catch (err) {
          failures++;
          rule.health = 'err';
          rule.lastError = errorText(err);
          continue;
        }
        rule.health = 'ok';
        rule.lastError = '';
        if (rule instanceof AlertingRule) {
          const due = rule.alertsToSend(tMs, deps.resendDelayMs, this.intervalMs);
          if (due.length > 0) deps.notify(rule.expr, due);
        }
        const returned = new Map<string, Labels>();
        for (const s of out) returned.set(labelsKey(s.labels), s.labels);
        const stale: RuleOutput[] = [];
        for (const [k, ls] of this.seriesInPreviousEval[i]!) if (!returned.has(k)) stale.push({ labels: ls, tMs: storeT, v: STALE_NAN });
        this.seriesInPreviousEval[i] = returned;
        if (out.length + stale.length > 0) {
          try {
            await deps.append([...out, ...stale]);
          } catch (err) {
            failures++;
            rule.health = 'err';
            rule.lastError = errorText(err);
          }
        }
      } finally {
        rule.lastEvaluationMs = ruleStart;
        rule.evaluationTimeS = (performance.now() - r0) / 1000;
      }
    }
    if (this.staleSeries.length > 0) {
      const stale = this.staleSeries.map((labels) => ({ labels, tMs: storeT, v: STALE_NAN }));
      this.staleSeries = [];
      // Best effort, as Prometheus: a refused stale marker only means a series lingers 5 minutes.
      await deps.append(stale).catch(() => {});
    }
    this.lastEvaluationMs = started;
    this.evaluationTimeS = (performance.now() - t0) / 1000;
    this.iterations++;
    return { failures };
  }
}
