/**
 * The routing tree and inhibition rules of an Alertmanager configuration: decoding
 * (`config.Route` and `config.InhibitRule` with their `UnmarshalYAML` checks and texts),
 * then building routes as Alertmanager's `dispatch.NewRoute` does: children inherit
 * `receiver`, `group_by` and the three timers from their parent (defaults 30s / 5m / 4h);
 * `mute_time_intervals`, `active_time_intervals` and `continue` are per route; the
 * legacy `match`/`match_re` become matchers next to `matchers`, sorted, and the sorted
 * matchers make the route's key (`{}/{severity="page"}`).
 */
import type { Node } from 'yaml';
import type { Matcher } from '../model/matcher.js';
import { amMatcher, compareMatchers, formatMatchers, parseMatchers } from './config-matchers.js';
import { ConfigDecodeError, parsePromDuration, type YamlDecoder } from './config-yaml.js';
import type { GroupBy, InhibitRule, Route } from './types.js';

/** `model.LabelNameRE` (classic label names, which Mimir uses outside UTF-8 strict mode). */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `dispatch.DefaultRouteOpts`: the root's timers when it sets none. */
export const DEFAULT_ROUTE_TIMERS = { groupWaitMs: 30_000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3_600_000 } as const;

/** A route as configured, before inheritance. */
export interface RawRoute {
  readonly receiver: string;
  /** undefined: not set (inherit); `all`: `...`. */
  readonly groupBy: GroupBy | undefined;
  readonly matchers: readonly Matcher[];
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly continue: boolean;
  readonly routes: readonly RawRoute[];
  readonly groupWaitMs: number | undefined;
  readonly groupIntervalMs: number | undefined;
  readonly repeatIntervalMs: number | undefined;
  /** Whether any of `match`, `match_re` or `matchers` was given (the root may have none). */
  readonly hasMatchers: boolean;
}

const ROUTE_KEYS = [
  'receiver', 'group_by', 'match', 'match_re', 'matchers', 'mute_time_intervals', 'active_time_intervals', 'continue', 'routes',
  'group_wait', 'group_interval', 'repeat_interval',
] as const;

/**
 * `MatchRegexps`: a map of label name to regex. The value kept is what Alertmanager's
 * `Regexp.String()` gives, the anchored `^(?:x)$` it compiled, which is what its routes
 * and inhibit rules then match with and print in route keys.
 */
function decodeMatchRe(d: YamlDecoder, node: Node | null | undefined): Matcher[] | undefined {
  const m = d.stringMap(node);
  if (m === undefined) return undefined;
  const out: Matcher[] = [];
  for (const [k, v] of m) {
    const anchored = `^(?:${v})$`;
    // The regex compiles (or fails with Go's text) as the value is decoded.
    amMatcher('=~', k, v);
    if (!LABEL_NAME_RE.test(k)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(k)}`);
    out.push(amMatcher('=~', k, anchored));
  }
  return out;
}

/** `Matchers` (`matchers: ['a="b"', …]`): each string through the matcher parser. */
function decodeMatcherList(d: YamlDecoder, node: Node | null | undefined): Matcher[] | undefined {
  const lines = d.stringList(node);
  if (lines === undefined) return undefined;
  return lines.flatMap((l) => parseMatchers(l));
}

function optionalDuration(d: YamlDecoder, node: Node | null | undefined): number | undefined {
  if (node === undefined || node === null) return undefined;
  const s = d.string(node);
  return s === undefined ? undefined : parsePromDuration(s);
}

/** Decodes one route (and its children, depth first) with `Route.UnmarshalYAML`'s checks. */
export function decodeRoute(d: YamlDecoder, node: Node | null): RawRoute | undefined {
  const mark = d.mark;
  const f = d.struct(node, 'config.plain', ROUTE_KEYS);
  if (f === undefined) return undefined;
  let receiver = '';
  let groupByStr: string[] = [];
  let match = new Map<string, string>();
  let matchRe: Matcher[] = [];
  let matchers: Matcher[] = [];
  let mute: string[] = [];
  let active: string[] = [];
  let cont = false;
  const routes: RawRoute[] = [];
  let groupWaitMs: number | undefined;
  let groupIntervalMs: number | undefined;
  let repeatIntervalMs: number | undefined;
  // Document order, as yaml.v2 decodes a mapping: the first custom decoder to fail wins.
  for (const [key, value] of f.fields) {
    switch (key) {
      case 'receiver':
        receiver = d.string(value) ?? '';
        break;
      case 'group_by':
        groupByStr = d.stringList(value) ?? [];
        break;
      case 'match':
        match = d.stringMap(value) ?? new Map();
        break;
      case 'match_re':
        matchRe = decodeMatchRe(d, value) ?? [];
        break;
      case 'matchers':
        matchers = decodeMatcherList(d, value) ?? [];
        break;
      case 'mute_time_intervals':
        mute = d.stringList(value) ?? [];
        break;
      case 'active_time_intervals':
        active = d.stringList(value) ?? [];
        break;
      case 'continue':
        cont = d.bool(value) ?? false;
        break;
      case 'routes':
        for (const child of d.seq(value, '[]*config.Route') ?? []) {
          const r = decodeRoute(d, child);
          if (r !== undefined) routes.push(r);
        }
        break;
      case 'group_wait':
        groupWaitMs = optionalDuration(d, value);
        break;
      case 'group_interval':
        groupIntervalMs = optionalDuration(d, value);
        break;
      case 'repeat_interval':
        repeatIntervalMs = optionalDuration(d, value);
        break;
    }
  }
  if (d.mark !== mark) return undefined;

  for (const k of match.keys()) if (!LABEL_NAME_RE.test(k)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(k)}`);
  let all = false;
  const labels: string[] = [];
  for (const l of groupByStr) {
    if (l === '...') all = true;
    else if (!LABEL_NAME_RE.test(l)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(l)} in group_by list`);
    else labels.push(l);
  }
  if (labels.length > 0 && all) throw new ConfigDecodeError('cannot have wildcard group_by (`...`) and other labels at the same time');
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new ConfigDecodeError(`duplicated label ${JSON.stringify(l)} in group_by`);
    seen.add(l);
  }
  if (groupIntervalMs === 0) throw new ConfigDecodeError('group_interval cannot be zero');
  if (repeatIntervalMs === 0) throw new ConfigDecodeError('repeat_interval cannot be zero');

  const all_ = [...[...match].map(([k, v]) => amMatcher('=', k, v)), ...matchRe, ...matchers].sort(compareMatchers);
  return {
    receiver,
    // Go's `cr.GroupBy != nil` only when labels were listed: `group_by: []` inherits.
    groupBy: labels.length > 0 ? { all: false, labels } : all ? { all: true } : undefined,
    matchers: all_,
    muteTimeIntervals: mute,
    activeTimeIntervals: active,
    continue: cont,
    routes,
    groupWaitMs,
    groupIntervalMs,
    repeatIntervalMs,
    hasMatchers: match.size > 0 || matchRe.length > 0 || matchers.length > 0,
  };
}

/** Builds the route tree with inherited settings and keys (`dispatch.NewRoute`). */
export function buildRoute(raw: RawRoute, parent?: Route): Route {
  const key = parent === undefined ? formatMatchers(raw.matchers) : `${parent.key}/${formatMatchers(raw.matchers)}`;
  const base = parent ?? { receiver: '', groupBy: { all: false, labels: [] } as GroupBy, ...DEFAULT_ROUTE_TIMERS };
  const self: Omit<Route, 'routes'> & { routes: Route[] } = {
    receiver: raw.receiver !== '' ? raw.receiver : base.receiver,
    groupBy: raw.groupBy ?? base.groupBy,
    groupWaitMs: raw.groupWaitMs ?? base.groupWaitMs,
    groupIntervalMs: raw.groupIntervalMs ?? base.groupIntervalMs,
    repeatIntervalMs: raw.repeatIntervalMs ?? base.repeatIntervalMs,
    matchers: raw.matchers,
    continue: raw.continue,
    muteTimeIntervals: raw.muteTimeIntervals,
    activeTimeIntervals: raw.activeTimeIntervals,
    routes: [],
    key,
  };
  for (const child of raw.routes) self.routes.push(buildRoute(child, self));
  return self;
}

/** `checkReceiver`: children first, then the route itself. */
export function checkReceivers(r: RawRoute, names: ReadonlySet<string>): void {
  for (const c of r.routes) checkReceivers(c, names);
  if (r.receiver !== '' && !names.has(r.receiver)) throw new ConfigDecodeError(`undefined receiver ${JSON.stringify(r.receiver)} used in route`);
}

/** `checkTimeInterval`: children first, then active, then mute intervals. */
export function checkTimeIntervals(r: RawRoute, names: ReadonlySet<string>): void {
  for (const c of r.routes) checkTimeIntervals(c, names);
  for (const ti of [...r.activeTimeIntervals, ...r.muteTimeIntervals]) {
    if (!names.has(ti)) throw new ConfigDecodeError(`undefined time interval ${JSON.stringify(ti)} used in route`);
  }
}

const INHIBIT_KEYS = ['name', 'source_match', 'source_match_re', 'source_matchers', 'target_match', 'target_match_re', 'target_matchers', 'equal'] as const;

/** Decodes `inhibit_rules:` with `InhibitRule.UnmarshalYAML`'s checks; matchers as `inhibit.NewInhibitRule` builds them. */
export function decodeInhibitRules(d: YamlDecoder, node: Node | null | undefined): InhibitRule[] {
  const out: InhibitRule[] = [];
  for (const item of d.seq(node, '[]config.InhibitRule') ?? []) {
    const mark = d.mark;
    const f = d.struct(item, 'config.plain', INHIBIT_KEYS);
    if (f === undefined) continue;
    let sourceMatch = new Map<string, string>();
    let targetMatch = new Map<string, string>();
    let sourceRe: Matcher[] = [];
    let targetRe: Matcher[] = [];
    let sourceMatchers: Matcher[] = [];
    let targetMatchers: Matcher[] = [];
    let equal: string[] = [];
    for (const [key, value] of f.fields) {
      switch (key) {
        case 'name':
          d.string(value);
          break;
        case 'source_match':
          sourceMatch = d.stringMap(value) ?? new Map();
          break;
        case 'target_match':
          targetMatch = d.stringMap(value) ?? new Map();
          break;
        case 'source_match_re':
          sourceRe = decodeMatchRe(d, value) ?? [];
          break;
        case 'target_match_re':
          targetRe = decodeMatchRe(d, value) ?? [];
          break;
        case 'source_matchers':
          sourceMatchers = decodeMatcherList(d, value) ?? [];
          break;
        case 'target_matchers':
          targetMatchers = decodeMatcherList(d, value) ?? [];
          break;
        case 'equal':
          equal = d.stringList(value) ?? [];
          break;
      }
    }
    if (d.mark !== mark) continue;
    for (const k of sourceMatch.keys()) if (!LABEL_NAME_RE.test(k)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(k)}`);
    for (const k of targetMatch.keys()) if (!LABEL_NAME_RE.test(k)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(k)}`);
    for (const l of equal) if (!LABEL_NAME_RE.test(l)) throw new ConfigDecodeError(`invalid label name ${JSON.stringify(l)} in equal list`);
    out.push({
      sourceMatchers: [...[...sourceMatch].map(([k, v]) => amMatcher('=', k, v)), ...sourceRe, ...sourceMatchers],
      targetMatchers: [...[...targetMatch].map(([k, v]) => amMatcher('=', k, v)), ...targetRe, ...targetMatchers],
      equal,
    });
  }
  return out;
}
