/**
 * Turning a LogQL selector into a store read: matchers compiled once, the pipeline's
 * pushdown handed to the store, and counting of what the store made us look at (the
 * `stats` of the response).
 */
import { newMatcher, type Matcher } from '../../model/matcher.js';
import type { LogSelectParams } from '../../logstore/interface.js';
import type { LabelMatcher } from '../ast.js';
import type { StorePushdown } from '../pipeline/types.js';
import type { LogQLQueryStats } from './types.js';

export function compileMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => newMatcher(m.type, m.name, m.value));
}

export function emptyStats(): LogQLQueryStats {
  return { bytesProcessed: 0, linesProcessed: 0, chunksRead: 0, entriesReturned: 0, execTimeS: 0 };
}

/**
 * The select parameters for `[start, end)` with the pushdown's filters. Every line the
 * store decodes and tests is counted in `stats` (bytes as UTF-16 code units, which equal
 * UTF-8 bytes for ASCII text: exact counting would cost a UTF-8 measurement per line).
 * When there is no line filter the engine counts the lines it is given instead.
 */
export function selectParams(
  base: Omit<LogSelectParams, 'lineFilter' | 'needles'>,
  pushdown: StorePushdown,
  stats: LogQLQueryStats,
): LogSelectParams {
  const f = pushdown.lineFilter;
  if (f === undefined) return { ...base, needles: pushdown.needles };
  const lineFilter = (line: string): boolean => {
    stats.linesProcessed++;
    stats.bytesProcessed += line.length;
    return f(line);
  };
  return { ...base, lineFilter, needles: pushdown.needles };
}
