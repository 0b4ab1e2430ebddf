// Proves that binaryStep applies LogQL's binary operators as Loki does: Go float maths
// with NaN for division by zero, filtering comparisons that keep the vector side's value,
// bool, set operators, on/ignoring/group_left/group_right matching and Loki's error texts.
import { describe, expect, it } from 'vitest';
import { binaryStep, type StepValue } from '../../../src/logql/engine/vector-ops.js';
import type { BinaryOp, VectorMatching } from '../../../src/logql/ast.js';
import { CairnError } from '../../../src/util/errors.js';
import { orderedRows, plain, rows, sc, smp, vec, type Obj } from './vector-ops-helpers.js';

type Expr = { op: BinaryOp; returnBool: boolean; matching?: VectorMatching };
const ex = (op: BinaryOp, opts: { bool?: boolean; matching?: VectorMatching } = {}): Expr => ({
  op,
  returnBool: opts.bool ?? false,
  ...(opts.matching !== undefined ? { matching: opts.matching } : {}),
});
const on = (...labels: string[]): VectorMatching => ({ card: 'one-to-one', on: true, labels });
const ignoring = (...labels: string[]): VectorMatching => ({ card: 'one-to-one', on: false, labels });
const groupLeft = (m: VectorMatching, ...include: string[]): VectorMatching => ({ ...m, card: 'many-to-one', include });
const groupRight = (m: VectorMatching, ...include: string[]): VectorMatching => ({ ...m, card: 'one-to-many', include });

function values(v: StepValue): number[] {
  expect(v.kind).toBe('vector');
  return v.kind === 'vector' ? v.samples.map((s) => s.v) : [];
}

describe('binaryStep: arithmetic on a vector and a literal', () => {
  const x = (v: number) => vec(smp({ a: '1' }, v));
  const table: { name: string; op: BinaryOp; lhs: StepValue; rhs: StepValue; expected: number }[] = [
    { name: 'v + 2', op: '+', lhs: x(3), rhs: sc(2), expected: 5 },
    { name: '2 - v', op: '-', lhs: sc(2), rhs: x(3), expected: -1 },
    { name: 'v - 2', op: '-', lhs: x(3), rhs: sc(2), expected: 1 },
    { name: 'v * 2', op: '*', lhs: x(3), rhs: sc(2), expected: 6 },
    { name: 'v / 2', op: '/', lhs: x(3), rhs: sc(2), expected: 1.5 },
    { name: '2 / v', op: '/', lhs: sc(3), rhs: x(2), expected: 1.5 },
    { name: 'v / 0 is NaN, not +Inf', op: '/', lhs: x(3), rhs: sc(0), expected: NaN },
    { name: '-v / 0 is NaN, not -Inf', op: '/', lhs: x(-3), rhs: sc(0), expected: NaN },
    { name: '0 / 0 is NaN', op: '/', lhs: sc(0), rhs: x(0), expected: NaN },
    { name: 'v / -0 is NaN', op: '/', lhs: x(1), rhs: sc(-0), expected: NaN },
    { name: 'v / +Inf is 0', op: '/', lhs: x(1), rhs: sc(Infinity), expected: 0 },
    { name: 'v % 3 (Go math.Mod)', op: '%', lhs: x(7.5), rhs: sc(2), expected: 1.5 },
    { name: '-7 % 3 keeps the sign of the dividend', op: '%', lhs: x(-7), rhs: sc(3), expected: -1 },
    { name: '3 % v', op: '%', lhs: sc(3), rhs: x(2), expected: 1 },
    { name: 'v % 0 is NaN', op: '%', lhs: x(7), rhs: sc(0), expected: NaN },
    { name: 'v % +Inf is v', op: '%', lhs: x(7), rhs: sc(Infinity), expected: 7 },
    { name: '+Inf % v is NaN', op: '%', lhs: sc(Infinity), rhs: x(2), expected: NaN },
    { name: 'v ^ 2', op: '^', lhs: x(3), rhs: sc(2), expected: 9 },
    { name: '2 ^ v', op: '^', lhs: sc(2), rhs: x(3), expected: 8 },
    { name: 'v ^ 0.5', op: '^', lhs: x(9), rhs: sc(0.5), expected: 3 },
    { name: '1 ^ NaN is 1 (Go)', op: '^', lhs: sc(1), rhs: x(NaN), expected: 1 },
    { name: '1 ^ +Inf is 1 (Go)', op: '^', lhs: sc(1), rhs: x(Infinity), expected: 1 },
    { name: '-1 ^ -Inf is 1 (Go)', op: '^', lhs: x(-1), rhs: sc(-Infinity), expected: 1 },
    { name: 'NaN ^ 0 is 1', op: '^', lhs: x(NaN), rhs: sc(0), expected: 1 },
    { name: '-8 ^ (1/3) is NaN', op: '^', lhs: x(-8), rhs: sc(1 / 3), expected: NaN },
    { name: 'NaN + 1', op: '+', lhs: x(NaN), rhs: sc(1), expected: NaN },
    { name: '+Inf - +Inf', op: '-', lhs: x(Infinity), rhs: sc(Infinity), expected: NaN },
  ];
  it.each(table)('$name', ({ op, lhs, rhs, expected }) => {
    const out = binaryStep(ex(op), lhs, rhs);
    expect(values(out)).toEqual([expected]);
    if (out.kind === 'vector') expect(plain(out.samples)[0]!.labels).toEqual({ a: '1' });
  });
});

describe('binaryStep: comparisons with a literal', () => {
  const v = vec(smp({ a: '1' }, 1), smp({ a: '2' }, 5), smp({ a: '3' }, NaN), smp({ a: '4' }, Infinity));
  const table: { name: string; op: BinaryOp; bool?: boolean; lhs: StepValue; rhs: StepValue; expected: [Obj, number][] }[] = [
    { name: 'v > 2 keeps the vector value', op: '>', lhs: v, rhs: sc(2), expected: [[{ a: '2' }, 5], [{ a: '4' }, Infinity]] },
    { name: '2 < v keeps the vector value, not the literal', op: '<', lhs: sc(2), rhs: v, expected: [[{ a: '2' }, 5], [{ a: '4' }, Infinity]] },
    { name: '2 > v', op: '>', lhs: sc(2), rhs: v, expected: [[{ a: '1' }, 1]] },
    { name: 'v == 5', op: '==', lhs: v, rhs: sc(5), expected: [[{ a: '2' }, 5]] },
    { name: 'v != 5 keeps NaN', op: '!=', lhs: v, rhs: sc(5), expected: [[{ a: '1' }, 1], [{ a: '3' }, NaN], [{ a: '4' }, Infinity]] },
    { name: 'v >= 5', op: '>=', lhs: v, rhs: sc(5), expected: [[{ a: '2' }, 5], [{ a: '4' }, Infinity]] },
    { name: 'v <= 1', op: '<=', lhs: v, rhs: sc(1), expected: [[{ a: '1' }, 1]] },
    { name: 'v == NaN keeps nothing', op: '==', lhs: v, rhs: sc(NaN), expected: [] },
    {
      name: 'v > bool 2 gives 0/1 and keeps labels',
      op: '>',
      bool: true,
      lhs: v,
      rhs: sc(2),
      expected: [[{ a: '1' }, 0], [{ a: '2' }, 1], [{ a: '3' }, 0], [{ a: '4' }, 1]],
    },
    {
      name: '2 >= bool v',
      op: '>=',
      bool: true,
      lhs: sc(2),
      rhs: v,
      expected: [[{ a: '1' }, 1], [{ a: '2' }, 0], [{ a: '3' }, 0], [{ a: '4' }, 0]],
    },
    {
      name: 'v != bool NaN is 1 everywhere',
      op: '!=',
      bool: true,
      lhs: v,
      rhs: sc(NaN),
      expected: [[{ a: '1' }, 1], [{ a: '2' }, 1], [{ a: '3' }, 1], [{ a: '4' }, 1]],
    },
  ];
  it.each(table)('$name', ({ op, bool, lhs, rhs, expected }) => {
    const out = binaryStep(ex(op, { bool }), lhs, rhs);
    expect(out.kind === 'vector' ? plain(out.samples, true) : out).toEqual(orderedRows(...expected));
  });

  it('passes kept samples through unchanged', () => {
    const out = binaryStep(ex('>'), v, sc(2));
    expect(out.kind === 'vector' && out.samples[0]).toBe(v.kind === 'vector' && v.samples[1]);
  });
});

describe('binaryStep: two scalars', () => {
  const table: { op: BinaryOp; l: number; r: number; expected: number }[] = [
    { op: '+', l: 1, r: 2, expected: 3 },
    { op: '/', l: 1, r: 0, expected: NaN },
    { op: '%', l: 5, r: 0, expected: NaN },
    { op: '^', l: 2, r: 10, expected: 1024 },
    { op: '>', l: 1, r: 2, expected: 0 },
    { op: '<=', l: 1, r: 2, expected: 1 },
    { op: '==', l: NaN, r: NaN, expected: 0 },
  ];
  it.each(table)('$l $op $r', ({ op, l, r, expected }) => {
    expect(binaryStep(ex(op, { bool: true }), sc(l), sc(r))).toEqual({ kind: 'scalar', v: expected });
  });
});

describe('binaryStep: two vectors', () => {
  const left = vec(smp({ app: 'a', pod: '1' }, 10), smp({ app: 'b', pod: '1' }, 20), smp({ app: 'c', pod: '1' }, 30));
  const right = vec(smp({ app: 'a', pod: '1' }, 2), smp({ app: 'b', pod: '1' }, 40), smp({ app: 'd', pod: '1' }, 1));
  const rightOtherPod = vec(smp({ app: 'a', pod: '2' }, 2), smp({ app: 'b', pod: '2' }, 40));
  const many = vec(smp({ app: 'a', pod: '1' }, 10), smp({ app: 'a', pod: '2' }, 20), smp({ app: 'b', pod: '1' }, 30));
  const one = vec(smp({ app: 'a', team: 'x' }, 2), smp({ app: 'b' }, 3), smp({ app: 'c', team: 'z' }, 4));

  const table: { name: string; expr: Expr; lhs: StepValue; rhs: StepValue; expected: ReturnType<typeof rows> }[] = [
    {
      name: 'one-to-one on identical label sets, unmatched dropped',
      expr: ex('-'),
      lhs: left,
      rhs: right,
      expected: rows([{ app: 'a', pod: '1' }, 8], [{ app: 'b', pod: '1' }, -20]),
    },
    { name: 'different label sets do not match', expr: ex('+'), lhs: left, rhs: rightOtherPod, expected: [] },
    {
      name: 'ignoring (pod) matches and drops pod',
      expr: ex('/', { matching: ignoring('pod') }),
      lhs: left,
      rhs: rightOtherPod,
      expected: rows([{ app: 'a' }, 5], [{ app: 'b' }, 0.5]),
    },
    {
      name: 'on (app) keeps only app',
      expr: ex('*', { matching: on('app') }),
      lhs: left,
      rhs: rightOtherPod,
      expected: rows([{ app: 'a' }, 20], [{ app: 'b' }, 800]),
    },
    {
      name: 'on () matches single series and keeps no labels',
      expr: ex('+', { matching: { card: 'one-to-one', on: true } }),
      lhs: vec(smp({ x: '1' }, 1)),
      rhs: vec(smp({ y: '2' }, 2)),
      expected: rows([{}, 3]),
    },
    {
      name: 'ignoring () is plain matching',
      expr: ex('+', { matching: { card: 'one-to-one', on: false } }),
      lhs: left,
      rhs: right,
      expected: rows([{ app: 'a', pod: '1' }, 12], [{ app: 'b', pod: '1' }, 60]),
    },
    {
      name: 'a filtering comparison keeps the left value',
      expr: ex('<'),
      lhs: left,
      rhs: right,
      expected: rows([{ app: 'b', pod: '1' }, 20]),
    },
    {
      name: 'a filtering comparison with on() keeps the left value and the on labels',
      expr: ex('>', { matching: on('app') }),
      lhs: left,
      rhs: rightOtherPod,
      expected: rows([{ app: 'a' }, 10]),
    },
    {
      name: 'bool gives 0/1 on the matched series',
      expr: ex('>', { bool: true }),
      lhs: left,
      rhs: right,
      expected: rows([{ app: 'a', pod: '1' }, 1], [{ app: 'b', pod: '1' }, 0]),
    },
    {
      name: 'division by zero between vectors is NaN',
      expr: ex('/'),
      lhs: vec(smp({ a: '1' }, 1), smp({ a: '2' }, 0)),
      rhs: vec(smp({ a: '1' }, 0), smp({ a: '2' }, 0)),
      expected: rows([{ a: '1' }, NaN], [{ a: '2' }, NaN]),
    },
    {
      name: 'group_left keeps the many side labels and copies the included ones',
      expr: ex('*', { matching: groupLeft(on('app'), 'team') }),
      lhs: many,
      rhs: one,
      expected: rows([{ app: 'a', pod: '1', team: 'x' }, 20], [{ app: 'a', pod: '2', team: 'x' }, 40], [{ app: 'b', pod: '1' }, 90]),
    },
    {
      name: 'group_left without include keeps the many side labels as they are',
      expr: ex('-', { matching: groupLeft(ignoring('pod', 'team')) }),
      lhs: many,
      rhs: one,
      expected: rows([{ app: 'a', pod: '1' }, 8], [{ app: 'a', pod: '2' }, 18], [{ app: 'b', pod: '1' }, 27]),
    },
    {
      name: 'group_right swaps the roles but not the operands',
      expr: ex('-', { matching: groupRight(on('app'), 'team') }),
      lhs: one,
      rhs: many,
      expected: rows([{ app: 'a', pod: '1', team: 'x' }, -8], [{ app: 'a', pod: '2', team: 'x' }, -18], [{ app: 'b', pod: '1' }, -27]),
    },
    {
      name: 'group_right comparison keeps the left (one side) value with the many side labels',
      expr: ex('<', { matching: groupRight(on('app')) }),
      lhs: one,
      rhs: many,
      expected: rows([{ app: 'a', pod: '1' }, 2], [{ app: 'a', pod: '2' }, 2], [{ app: 'b', pod: '1' }, 3]),
    },
    {
      name: 'group_left bool',
      expr: ex('>', { bool: true, matching: groupLeft(on('app')) }),
      lhs: many,
      rhs: vec(smp({ app: 'a' }, 15)),
      expected: rows([{ app: 'a', pod: '1' }, 0], [{ app: 'a', pod: '2' }, 1]),
    },
    {
      name: 'empty-valued labels take part in matching',
      expr: ex('+'),
      lhs: vec(smp({ a: '' }, 1), smp({}, 2)),
      rhs: vec(smp({}, 10)),
      expected: rows([{}, 12]),
    },
  ];
  it.each(table)('$name', ({ expr, lhs, rhs, expected }) => {
    const out = binaryStep(expr, lhs, rhs);
    expect(out.kind).toBe('vector');
    if (out.kind === 'vector') expect(plain(out.samples)).toEqual(expected);
  });

  it('group_left with an included label missing on the one side removes it', () => {
    const out = binaryStep(ex('+', { matching: groupLeft(on('app'), 'team') }), vec(smp({ app: 'a', team: 'old' }, 1)), vec(smp({ app: 'a' }, 1)));
    expect(out.kind === 'vector' && plain(out.samples)).toEqual(rows([{ app: 'a' }, 2]));
  });

  it('group_left with an included label empty on the one side removes it', () => {
    const out = binaryStep(
      ex('+', { matching: groupLeft(on('app'), 'team') }),
      vec(smp({ app: 'a', team: 'old' }, 1)),
      vec(smp({ app: 'a', team: '' }, 1)),
    );
    expect(out.kind === 'vector' && plain(out.samples)).toEqual(rows([{ app: 'a' }, 2]));
  });
});

describe('binaryStep: set operators', () => {
  const l = vec(smp({ a: '1', x: 'l' }, 1), smp({ a: '2', x: 'l' }, 2), smp({ a: '3', x: 'l' }, 3));
  const r = vec(smp({ a: '2', x: 'r' }, 20), smp({ a: '3', x: 'l' }, 30), smp({ a: '4', x: 'r' }, 40));
  const empty = vec();
  const table: { name: string; expr: Expr; lhs: StepValue; rhs: StepValue; expected: [Obj, number][] }[] = [
    { name: 'and on identical label sets', expr: ex('and'), lhs: l, rhs: r, expected: [[{ a: '3', x: 'l' }, 3]] },
    { name: 'and on (a)', expr: ex('and', { matching: on('a') }), lhs: l, rhs: r, expected: [[{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3]] },
    { name: 'and ignoring (x)', expr: ex('and', { matching: ignoring('x') }), lhs: l, rhs: r, expected: [[{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3]] },
    { name: 'and with an empty side', expr: ex('and'), lhs: l, rhs: empty, expected: [] },
    {
      name: 'or keeps the left and adds unmatched right',
      expr: ex('or'),
      lhs: l,
      rhs: r,
      expected: [[{ a: '1', x: 'l' }, 1], [{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3], [{ a: '2', x: 'r' }, 20], [{ a: '4', x: 'r' }, 40]],
    },
    {
      name: 'or on (a)',
      expr: ex('or', { matching: on('a') }),
      lhs: l,
      rhs: r,
      expected: [[{ a: '1', x: 'l' }, 1], [{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3], [{ a: '4', x: 'r' }, 40]],
    },
    { name: 'or with an empty left is the right', expr: ex('or'), lhs: empty, rhs: r, expected: [[{ a: '2', x: 'r' }, 20], [{ a: '3', x: 'l' }, 30], [{ a: '4', x: 'r' }, 40]] },
    { name: 'unless', expr: ex('unless'), lhs: l, rhs: r, expected: [[{ a: '1', x: 'l' }, 1], [{ a: '2', x: 'l' }, 2]] },
    { name: 'unless on (a)', expr: ex('unless', { matching: on('a') }), lhs: l, rhs: r, expected: [[{ a: '1', x: 'l' }, 1]] },
    { name: 'unless an empty right is the left', expr: ex('unless'), lhs: l, rhs: empty, expected: [[{ a: '1', x: 'l' }, 1], [{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3]] },
    {
      name: 'set operators allow duplicates on both sides',
      expr: ex('and', { matching: on() }),
      lhs: l,
      rhs: r,
      expected: [[{ a: '1', x: 'l' }, 1], [{ a: '2', x: 'l' }, 2], [{ a: '3', x: 'l' }, 3]],
    },
  ];
  it.each(table)('$name', ({ expr, lhs, rhs, expected }) => {
    const out = binaryStep(expr, lhs, rhs);
    expect(out.kind === 'vector' && plain(out.samples, true)).toEqual(orderedRows(...expected));
  });

  it('refuses a scalar leg (the parser does first)', () => {
    expect(() => binaryStep(ex('or'), l, sc(1))).toThrow(/BUG/);
  });
});

describe('binaryStep: matching errors', () => {
  const dupRight = 'found duplicate series on the right hand-side;many-to-many matching not allowed: matching labels must be unique on one side';
  const dupLeft = 'found duplicate series on the left hand-side;many-to-many matching not allowed: matching labels must be unique on one side';
  const manyToOne = 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)';
  const grouping = 'multiple matches for labels: grouping labels must ensure unique matches';
  const two = vec(smp({ app: 'a', pod: '1' }, 1), smp({ app: 'a', pod: '2' }, 2));
  const single = vec(smp({ app: 'a' }, 5));
  const table: { name: string; expr: Expr; lhs: StepValue; rhs: StepValue; error: string | null }[] = [
    { name: 'duplicates on the right, one-to-one', expr: ex('+', { matching: on('app') }), lhs: single, rhs: two, error: dupRight },
    { name: 'duplicates on the right are refused even without a match', expr: ex('+', { matching: on('app') }), lhs: vec(), rhs: two, error: dupRight },
    { name: 'duplicates on the right, group_left', expr: ex('+', { matching: groupLeft(on('app')) }), lhs: two, rhs: two, error: dupRight },
    { name: 'duplicates on the left, group_right', expr: ex('+', { matching: groupRight(on('app')) }), lhs: two, rhs: single, error: dupLeft },
    { name: 'matched duplicates on the left, one-to-one', expr: ex('+', { matching: on('app') }), lhs: two, rhs: single, error: manyToOne },
    { name: 'filtered-out matches still count', expr: ex('>', { matching: on('app') }), lhs: two, rhs: vec(smp({ app: 'a' }, 100)), error: manyToOne },
    { name: 'unmatched duplicates on the left are fine', expr: ex('+', { matching: on('app') }), lhs: two, rhs: vec(smp({ app: 'b' }, 1)), error: null },
    {
      name: 'group_left producing the same series twice',
      expr: ex('+', { matching: groupLeft(on('app'), 'pod') }),
      lhs: two,
      rhs: vec(smp({ app: 'a', pod: 'z' }, 1)),
      error: grouping,
    },
    { name: 'group_left with distinct results is fine', expr: ex('+', { matching: groupLeft(on('app')) }), lhs: two, rhs: single, error: null },
  ];
  it.each(table)('$name', ({ expr, lhs, rhs, error }) => {
    if (error === null) {
      expect(() => binaryStep(expr, lhs, rhs)).not.toThrow();
      return;
    }
    let caught: unknown;
    try {
      binaryStep(expr, lhs, rhs);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CairnError);
    expect((caught as CairnError).message).toBe(error);
    expect((caught as CairnError).kind).toBe('execution');
  });
});
