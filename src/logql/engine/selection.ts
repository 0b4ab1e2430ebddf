/**
 * Turning a LogQL selector into a store read: matchers compiled once, the pipeline's
 * pushdown handed to the store, and the store's counters (the `stats` of the response).
 */
import { newMatcher, type Matcher } from '../../model/matcher.js';
import { emptySelectCounters, type LogSelectParams } from '../../logstore/interface.js';
import type { LabelMatcher } from '../ast.js';
import type { StorePushdown } from '../pipeline/types.js';
import type { QueryControl } from './query-control.js';
import type { LogQLQueryStats } from './types.js';

export function compileMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => newMatcher(m.type, m.name, m.value));
}

export function emptyStats(): LogQLQueryStats {
  return { store: emptySelectCounters(), entriesReturned: 0, execTimeS: 0 };
}

/**
 * The select parameters for `[start, end)` with the pushdown's filters, counting into
 * `stats`, pausing when `ctl`'s slice is up. Every entry the store returns then passed
 * the pushdown: pipelines bound with `prefiltered` skip those filters. Its iterators may
 * hand out `PAUSED` (interface.ts): the caller yields through `ctl` and goes on.
 */
export function selectParams(
  base: Omit<LogSelectParams, 'lineFilter' | 'needles' | 'counters' | 'pauseDue'>,
  pushdown: StorePushdown,
  stats: LogQLQueryStats,
  ctl: QueryControl,
): LogSelectParams {
  return { ...base, lineFilter: pushdown.lineFilter, needles: pushdown.needles, needlesExact: pushdown.needlesExact === true, counters: stats.store, pauseDue: () => ctl.due() };
}
