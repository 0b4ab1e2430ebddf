/**
 * A recording rule (Prometheus `rules/recording.go`): runs its expression and stores each
 * result sample under the `record` name with the rule's labels.
 */
import { labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import type { EvaluatedRule, RuleEvalContext, RuleHealth } from './rule.js';
import type { RecordingRuleConfig, RuleOutput } from './types.js';

/** Sets `name` to `value` in a sorted label set; an empty value deletes it (Prometheus's `labels.Builder.Set`). */
export function setLabels(ls: Labels, set: Readonly<Record<string, string>>, drop: readonly string[] = []): Labels {
  const m = new Map<string, string>();
  for (const l of ls) m.set(l.name, l.value);
  for (const d of drop) m.delete(d);
  for (const [k, v] of Object.entries(set)) {
    if (v === '') m.delete(k);
    else m.set(k, v);
  }
  return [...m].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export class RecordingRule implements EvaluatedRule {
  health: RuleHealth = 'unknown';
  lastError = '';
  lastEvaluationMs = 0;
  evaluationTimeS = 0;

  constructor(readonly config: RecordingRuleConfig) {}

  get name(): string {
    return this.config.record;
  }

  get expr(): string {
    return this.config.expr;
  }

  /** Rejects with Prometheus's texts for duplicate series and the group limit. */
  async eval(ctx: RuleEvalContext): Promise<RuleOutput[]> {
    const t = ctx.tMs - ctx.queryOffsetMs;
    const samples = await ctx.query(this.config.expr, t, ctx.signal);
    const out: RuleOutput[] = [];
    const seen = new Set<string>();
    const set = { ...this.config.labels, [METRIC_NAME]: this.config.record };
    for (const s of samples) {
      const labels = setLabels(s.labels, set);
      const key = labelsKey(labels);
      if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ labels, tMs: t, v: s.v });
    }
    if (ctx.limit > 0 && out.length > ctx.limit) throw new Error(`exceeded limit of ${ctx.limit} with ${out.length} series`);
    return out;
  }
}
