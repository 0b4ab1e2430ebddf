/**
 * The ruler's functions over Cairn's own engines and store: `RulerQueries` over the PromQL
 * and LogQL engines (as Prometheus's `EngineQueryFunc`: a vector as is, a scalar as one
 * sample without labels, anything else an error), `RulerAppend` over the metrics appender,
 * and the series lookup that restores `for` state.
 */
import type { Labels } from '../model/labels.js';
import { newMatcher } from '../model/matcher.js';
import { isSampleExpr, parseLogQL, type LogQLExpr } from '../logql/index.js';
import { LogQLEngine, type LogQLEngineOptions, type LogQLSource } from '../logql/engine/index.js';
import type { Expr } from '../promql/ast.js';
import { Engine, type EngineOptions } from '../promql/engine/index.js';
import { parseExpr } from '../promql/parser/index.js';
import type { Appendable, Queryable } from '../tsdb/interface.js';
import { getOrMake } from '../util/bounded-map.js';
import { badData } from '../util/errors.js';
import type { RulerSeriesLookup } from './manager.js';
import type { RuleOutput, RulerAppend, RulerQueries, RuleSample } from './types.js';

/** Parsed expressions by text: rules run the same few expressions every interval. */
const PARSE_CACHE_MAX = 4096;

/** Prometheus's words when a rule's result is neither (`rules/manager.go`). */
const NOT_VECTOR = 'rule result is not a vector or scalar';

export interface EngineQueriesOptions {
  readonly tsdb: Queryable;
  readonly promql: EngineOptions;
  /** The tenant's log store as the LogQL engine's source. */
  readonly logSource: (tenant: string) => LogQLSource;
  /** Engine options of a tenant (its limits applied). */
  readonly logql: (tenant: string) => LogQLEngineOptions;
}

/** `RulerQueries` over the PromQL and LogQL engines. Rejects with the engines' CairnErrors. */
export function engineQueries(o: EngineQueriesOptions): RulerQueries {
  const engine = new Engine(o.promql);
  const promCache = new Map<string, Expr>();
  const logCache = new Map<string, LogQLExpr>();
  return {
    async metrics(tenant, expr, tMs, signal): Promise<RuleSample[]> {
      const parsed = getOrMake(promCache, expr, PARSE_CACHE_MAX, parseExpr);
      const value = await engine.instantQuery({ querier: (mint, maxt) => o.tsdb.querier(tenant, mint, maxt) }, parsed, tMs, signal);
      if (value.type === 'vector') return value.vector.map((s) => ({ labels: s.metric, v: s.v }));
      if (value.type === 'scalar') return [{ labels: [], v: value.v }];
      throw badData('invalid_query', NOT_VECTOR);
    },
    async logs(tenant, expr, tMs, signal): Promise<RuleSample[]> {
      const parsed = getOrMake(logCache, expr, PARSE_CACHE_MAX, parseLogQL);
      if (!isSampleExpr(parsed)) throw badData('invalid_query', NOT_VECTOR);
      const result = await new LogQLEngine(o.logql(tenant)).instantQuery(o.logSource(tenant), parsed, { tMs, tNs: 0, limit: 0, direction: 'backward' }, signal);
      const value = result.value;
      if (value.type === 'vector') return value.samples.map((s) => ({ labels: s.labels, v: s.v }));
      if (value.type === 'scalar') return [{ labels: [], v: value.v }];
      throw badData('invalid_query', NOT_VECTOR);
    },
  };
}

/**
 * `RulerAppend` over the metrics store: every sample the store takes is committed; when
 * some are refused (out of order, too old, over a limit) the others are still written and
 * the promise rejects with the first refusal, which the rule reports as its error.
 */
export function tsdbAppend(store: Appendable): RulerAppend {
  return async (tenant, samples) => {
    const app = store.appender(tenant);
    let first: unknown;
    let refused = 0;
    for (const s of samples) {
      try {
        app.append(0, s.labels, s.tMs, s.v);
      } catch (err) {
        refused++;
        first ??= err;
      }
    }
    await app.commit();
    if (first !== undefined) {
      const msg = first instanceof Error ? first.message : String(first);
      throw badData('rule_append_refused', refused === 1 ? msg : `${msg} (and ${refused - 1} more samples refused)`);
    }
  };
}

/** The for-state lookup over the metrics store: the last sample of each matching series. */
export function tsdbLookup(store: Queryable): RulerSeriesLookup {
  return async (tenant, matchers, mint, maxt) => {
    const q = store.querier(tenant, mint, maxt);
    try {
      const set = q.select(
        matchers.map((m) => newMatcher('=', m.name, m.value)),
        { mint, maxt },
      );
      const out: RuleOutput[] = [];
      while (set.next()) {
        const series = set.at();
        const labels: Labels = series.labels;
        const it = series.iterator();
        let t: number | undefined;
        let v = 0;
        while (it.next()) {
          if (it.t > maxt) break;
          if (it.t < mint) continue;
          t = it.t;
          v = it.v;
        }
        if (t !== undefined) out.push({ labels, tMs: t, v });
      }
      const err = set.err();
      if (err !== undefined) throw err;
      return out;
    } finally {
      q.close();
    }
  };
}
