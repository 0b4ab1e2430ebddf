// Builders for expected PromQL syntax trees, without positions, and `strip()` to compare a
// parsed tree with them (matchers reduced to their type, name and value).
import type { AggregateOp, AtModifier, BinaryOp, Cardinality, Expr } from '../../../src/promql/ast.js';
import type { MatchType } from '../../../src/model/matcher.js';

export type Plain = unknown;

/** The tree without `pos` fields, with matchers as plain `{type, name, value}`. */
export function strip(e: unknown): Plain {
  if (Array.isArray(e)) return e.map(strip);
  if (e === null || typeof e !== 'object') return e;
  const o = e as Record<string, unknown>;
  if (typeof o['matches'] === 'function') return { type: o['type'], name: o['name'], value: o['value'] };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'pos' || v === undefined) continue;
    out[k] = strip(v);
  }
  return out;
}

/** Like `strip`, with each selector's matchers sorted, since the printer sorts them. */
export function stripSorted(e: unknown): Plain {
  const s = strip(e);
  const sortMatchers = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortMatchers);
    if (x === null || typeof x !== 'object') return x;
    const o = { ...(x as Record<string, unknown>) };
    for (const [k, v] of Object.entries(o)) o[k] = sortMatchers(v);
    if (o['kind'] === 'vectorSelector') {
      o['matchers'] = [...(o['matchers'] as { type: string; name: string; value: string }[])].sort((a, b) =>
        `${a.name}\u0000${a.type}\u0000${a.value}`.localeCompare(`${b.name}\u0000${b.type}\u0000${b.value}`),
      );
    }
    return o;
  };
  return sortMatchers(s);
}

export type M = readonly [MatchType, string, string];

interface Mods {
  offsetMs?: number;
  at?: AtModifier;
}

export function vs(name: string, matchers: readonly M[] = [], mods: Mods = {}): Plain {
  const all = [...matchers, ...(name === '' ? [] : [['=', '__name__', name] as const])];
  const out: Record<string, unknown> = {
    kind: 'vectorSelector',
    name,
    matchers: all.map(([type, n, value]) => ({ type, name: n, value })),
    offsetMs: mods.offsetMs ?? 0,
  };
  if (mods.at !== undefined) out['at'] = mods.at;
  return out;
}

export function ms(vector: Plain, rangeMs: number): Plain {
  return { kind: 'matrixSelector', vector, rangeMs };
}

export function sq(expr: Plain, rangeMs: number, stepMs = 0, mods: Mods = {}): Plain {
  const out: Record<string, unknown> = { kind: 'subquery', expr, rangeMs, stepMs, offsetMs: mods.offsetMs ?? 0 };
  if (mods.at !== undefined) out['at'] = mods.at;
  return out;
}

export function num(value: number): Plain {
  return { kind: 'number', value };
}

export function str(value: string): Plain {
  return { kind: 'string', value };
}

export function paren(expr: Plain): Plain {
  return { kind: 'paren', expr };
}

export function unary(op: '-' | '+', expr: Plain): Plain {
  return { kind: 'unary', op, expr };
}

export function call(func: string, ...args: Plain[]): Plain {
  return { kind: 'call', func, args };
}

export function agg(op: AggregateOp, expr: Plain, opts: { param?: Plain; by?: string[]; without?: string[] } = {}): Plain {
  const out: Record<string, unknown> = { kind: 'aggregate', op, expr, grouping: opts.without ?? opts.by ?? [], without: opts.without !== undefined };
  if (opts.param !== undefined) out['param'] = opts.param;
  return out;
}

interface BinOpts {
  bool?: boolean;
  card?: Cardinality;
  on?: string[];
  ignoring?: string[];
  include?: string[];
  /** Set when a side is not a vector: the type check drops the matching. */
  noMatching?: boolean;
}

export function bin(op: BinaryOp, lhs: Plain, rhs: Plain, o: BinOpts = {}): Plain {
  const out: Record<string, unknown> = { kind: 'binary', op, lhs, rhs, returnBool: o.bool ?? false };
  if (!o.noMatching) {
    out['matching'] = {
      card: o.card ?? (op === 'and' || op === 'or' || op === 'unless' ? 'many-to-many' : 'one-to-one'),
      matchingLabels: o.on ?? o.ignoring ?? [],
      on: o.on !== undefined,
      include: o.include ?? [],
    };
  }
  return out;
}

/** A scalar/scalar or scalar/vector binary expression (no vector matching). */
export function sbin(op: BinaryOp, lhs: Plain, rhs: Plain, bool = false): Plain {
  return bin(op, lhs, rhs, { bool, noMatching: true });
}

export type { Expr };
