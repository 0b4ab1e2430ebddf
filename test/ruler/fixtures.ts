// Shared fixtures of the ruler tests: an in-memory rule store, scripted queries, a
// recording appender with a last-sample lookup, and a captured notifier.
import { labelsFromObject, labelsKey, type Labels } from '../../src/model/labels.js';
import { RulerManager, type RulerManagerOptions } from '../../src/ruler/manager.js';
import type { AlertPayload, RuleConfig, RuleGroupConfig, RuleKind, RuleOutput, RuleSample, RuleStore, StoredRuleGroup } from '../../src/ruler/types.js';
import { ManualClock } from '../../src/util/clock.js';

/** A RuleStore in memory, with onChange like the SQLite one. */
export class MemoryRuleStore implements RuleStore {
  private readonly groups = new Map<string, StoredRuleGroup>();
  private readonly listeners = new Set<(tenant: string, kind: RuleKind) => void>();
  private key = (t: string, k: RuleKind, ns: string, n: string) => `${t}\u0000${k}\u0000${ns}\u0000${n}`;

  list(tenant: string, kind: RuleKind): StoredRuleGroup[] {
    return this.listAll().filter((g) => g.tenant === tenant && g.kind === kind);
  }
  listAll(): StoredRuleGroup[] {
    return [...this.groups.values()].sort((a, b) => (this.key(a.tenant, a.kind, a.namespace, a.group.name) < this.key(b.tenant, b.kind, b.namespace, b.group.name) ? -1 : 1));
  }
  get(tenant: string, kind: RuleKind, namespace: string, name: string): StoredRuleGroup | undefined {
    return this.groups.get(this.key(tenant, kind, namespace, name));
  }
  put(tenant: string, kind: RuleKind, namespace: string, group: RuleGroupConfig): void {
    this.groups.set(this.key(tenant, kind, namespace, group.name), { tenant, kind, namespace, group, updatedMs: 0 });
    for (const l of this.listeners) l(tenant, kind);
  }
  deleteGroup(tenant: string, kind: RuleKind, namespace: string, name: string): boolean {
    const ok = this.groups.delete(this.key(tenant, kind, namespace, name));
    for (const l of this.listeners) l(tenant, kind);
    return ok;
  }
  deleteNamespace(): boolean {
    throw new Error('not used by these tests');
  }
  onChange(listener: (tenant: string, kind: RuleKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A group config with defaults. */
export function group(name: string, rules: RuleConfig[], extra: Partial<RuleGroupConfig> = {}): RuleGroupConfig {
  return { name, intervalMs: 60_000, limit: 0, queryOffsetMs: 0, sourceTenants: [], rules, ...extra };
}

export function alert(name: string, expr: string, extra: Partial<Omit<RuleConfig & { type: 'alerting' }, 'type'>> = {}): RuleConfig {
  return { type: 'alerting', alert: name, expr, forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {}, ...extra };
}

export function record(name: string, expr: string, labels: Record<string, string> = {}): RuleConfig {
  return { type: 'recording', record: name, expr, labels };
}

export const ls = (o: Record<string, string>): Labels => labelsFromObject(o);

/** A world for the manager: scripted query results, a store of written samples, captured notifications. */
export class World {
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly store = new MemoryRuleStore();
  /** Query results by expression; a function gets the query time; a string is thrown as the error. */
  readonly results = new Map<string, RuleSample[] | string | ((t: number) => RuleSample[])>();
  /** Every sample written, in order. */
  readonly written: { tenant: string; s: RuleOutput }[] = [];
  readonly sent: { tenant: string; alerts: readonly AlertPayload[] }[] = [];
  readonly queriesRun: { tenant: string; kind: RuleKind; expr: string; t: number }[] = [];

  manager(extra: Partial<RulerManagerOptions> = {}): RulerManager {
    const run = (kind: RuleKind) => async (tenant: string, expr: string, t: number) => {
      this.queriesRun.push({ tenant, kind, expr, t });
      const r = this.results.get(expr);
      if (r === undefined) return [];
      if (typeof r === 'string') throw new Error(r);
      return typeof r === 'function' ? r(t) : r;
    };
    return new RulerManager({
      store: this.store,
      queries: { metrics: run('metrics'), logs: run('logs') },
      append: async (tenant, samples) => {
        for (const s of samples) this.written.push({ tenant, s });
      },
      notify: (tenant, alerts) => this.sent.push({ tenant, alerts }),
      lookup: async (tenant, matchers, mint, maxt) => {
        const last = new Map<string, RuleOutput>();
        for (const w of this.written) {
          if (w.tenant !== tenant || w.s.tMs < mint || w.s.tMs > maxt) continue;
          if (!matchers.every((m) => w.s.labels.some((l) => l.name === m.name && l.value === m.value))) continue;
          last.set(labelsKey(w.s.labels), w.s);
        }
        return [...last.values()];
      },
      limits: { forTenant: () => ({ rulerQueryOffsetMs: 0 }) },
      clock: this.clock,
      evaluationIntervalMs: 60_000,
      resendDelayMs: 60_000,
      forOutageToleranceMs: 3_600_000,
      forGracePeriodMs: 600_000,
      externalURL: 'http://cairn.example',
      timers: false,
      ...extra,
    });
  }

  /** Samples written at time t whose __name__ is `name`. */
  at(name: string, t: number): RuleOutput[] {
    return this.written.filter((w) => w.s.tMs === t && w.s.labels.some((l) => l.name === '__name__' && l.value === name)).map((w) => w.s);
  }
}

/** Moves the clock to the group's next evaluation and runs it; returns the evaluation time. */
export async function step(w: World, m: RulerManager, tenant = 't1', kind: RuleKind = 'metrics'): Promise<number> {
  const g = m.groupsOf(tenant, kind)[0]!;
  const t = g.nextEvalMs;
  w.clock.set(t);
  await m.runDue();
  await m.idle();
  return t;
}
