/**
 * The series `columnarVectorBinop` returns hold as many values as times, and share an
 * input's time array exactly when they keep every one of its points (answers themselves
 * are compared with the step-by-step path in columnar.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { BinaryOp, VectorMatching } from '../../../src/promql/ast.js';
import { VectorBinopNode } from '../../../src/promql/engine/binop.js';
import { columnarVectorBinop } from '../../../src/promql/engine/columnar-binop.js';
import type { QueryState } from '../../../src/promql/engine/query-state.js';
import type { StepMatrix } from '../../../src/promql/engine/step-vector.js';

const steps = { start: 0, interval: 10, steps: 6 };
const all = [0, 10, 20, 30, 40, 50];
const q = { o: { maxSamples: 1e9 } } as unknown as QueryState;
const oneToOne: VectorMatching = { card: 'one-to-one', matchingLabels: ['i'], on: true, include: [] };

function run(op: BinaryOp, lhs: StepMatrix, rhs: StepMatrix, returnBool = false): StepMatrix {
  const keys = (m: StepMatrix) => m.map((s) => Number(s.metric.find((l) => l.name === 'i')!.value));
  const out = columnarVectorBinop(new VectorBinopNode(op, oneToOne, returnBool), op, oneToOne, returnBool, lhs, rhs, keys(lhs), keys(rhs), steps, q, 0);
  expect(out).toBeDefined();
  return out!;
}

const series = (i: number, t: number[], v: number[]) => ({ metric: [{ name: 'i', value: String(i) }], t, v });

describe('columnarVectorBinop result columns', () => {
  it.each([
    // op, lhs values, rhs times, rhs values, kept times, shares lhs's times, shares rhs's times
    ['+', [1, 2, 3, 4, 5, 6], all, [1, 1, 1, 1, 1, 1], all, true, false],
    ['>', [1, 2, 3, 4, 5, 6], all, [3, 3, 3, 3, 3, 3], [30, 40, 50], false, false],
    ['+', [1, 2, 3, 4, 5, 6], [10, 30], [1, 1], [10, 30], false, true],
    ['<', [1, 2, 3, 4, 5, 6], [10, 30, 50], [9, 0, 9], [10, 50], false, false],
  ] as const)('%s over %j against %j', (op, lv, rt, rv, kept, sharesL, sharesR) => {
    const lhs = [series(1, [...all], [...lv])];
    const rhs = [series(1, [...rt], [...rv])];
    const [out] = run(op, lhs, rhs);
    expect(out!.t).toEqual(kept);
    expect(out!.v).toHaveLength(out!.t.length);
    expect(out!.t === lhs[0]!.t).toBe(sharesL);
    expect(out!.t === rhs[0]!.t).toBe(sharesR);
  });

  it('keeps no series that keeps no point', () => {
    expect(run('>', [series(1, [...all], [1, 1, 1, 1, 1, 1])], [series(1, [...all], [2, 2, 2, 2, 2, 2])])).toEqual([]);
  });
});
