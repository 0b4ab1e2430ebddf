/**
 * Turning a LogQL selector into a store read: matchers compiled once, the pipeline's
 * pushdown handed to the store, and the store's counters (the `stats` of the response).
 */
import { newMatcher, type Matcher } from '../../model/matcher.js';
import { emptySelectCounters, type LogSelectParams } from '../../logstore/interface.js';
import type { LabelMatcher } from '../ast.js';
import type { StorePushdown } from '../pipeline/types.js';
import type { LogQLQueryStats } from './types.js';

export function compileMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => newMatcher(m.type, m.name, m.value));
}

export function emptyStats(): LogQLQueryStats {
  return { store: emptySelectCounters(), entriesReturned: 0, execTimeS: 0 };
}

/**
 * The select parameters for `[start, end)` with the pushdown's filters, counting into
 * `stats`. Every entry the store returns then passed the pushdown: pipelines bound with
 * `prefiltered` skip those filters.
 */
export function selectParams(
  base: Omit<LogSelectParams, 'lineFilter' | 'needles' | 'counters'>,
  pushdown: StorePushdown,
  stats: LogQLQueryStats,
): LogSelectParams {
  return { ...base, lineFilter: pushdown.lineFilter, needles: pushdown.needles, needlesExact: pushdown.needlesExact === true, counters: stats.store };
}
