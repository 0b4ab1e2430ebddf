/**
 * The routing tree (Alertmanager's `dispatch/route.go`): which routes handle an alert and
 * which labels form its aggregation group there.
 */
import type { Labels } from '../model/labels.js';
import { matchesAll } from '../model/matcher.js';
import type { Route } from './types.js';

/**
 * The routes that handle an alert, depth-first: a matching route hands the alert to its
 * first matching child, and on to later siblings only while the matched children have
 * `continue: true`; a matching route none of whose children match handles it itself.
 * Empty when `route` does not match (never for a root, which has no matchers).
 */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchesAll(labels, route.matchers)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const matched = matchRoutes(child, labels);
    all.push(...matched);
    if (matched.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** The alert's labels named by the route's `group_by` (all of them for `...`). */
export function groupLabels(route: Route, labels: Labels): Labels {
  if (route.groupBy.all) return labels;
  const names = new Set(route.groupBy.labels);
  return labels.filter((l) => names.has(l.name));
}

/**
 * A label set as Go's `model.LabelSet.String()` prints it: `{a="1", b="2"}`, sorted, values
 * Go-quoted. Aggregation group keys are `<route key>:<this>`.
 */
export function formatLabelSet(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ')}}`;
}

/** Go's `strconv.Quote` for the characters label values hold (JSON's escapes are the same for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/gi, '\\x7f');
}

/** Every route of the tree, depth-first (for listing receivers and validating intervals). */
export function walkRoutes(route: Route): Route[] {
  const out: Route[] = [route];
  for (const c of route.routes) out.push(...walkRoutes(c));
  return out;
}
