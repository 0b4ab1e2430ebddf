/**
 * Helpers for the kernel tests: expand the series notation of Prometheus's `load` blocks,
 * cut range windows as Prometheus 2.42 does, and compare numbers as its test runner does.
 */
import { expect } from 'vitest';
import type { Point } from '../../../src/promql/value.js';

/** One minute in ms; the upstream test files load series at minute steps. */
export const MIN = 60_000;
/** One second in ms. */
export const SEC = 1_000;

/**
 * Expands a `load` line's values: numbers, `NaN`, `Inf`, `-Inf`, and `a+bxN` / `a-bxN` /
 * `axN` (N+1 values starting at a, stepping by ±b), e.g. `0+10x4 0+10x5`.
 */
export function expandValues(spec: string): number[] {
  const out: number[] = [];
  for (const tok of spec.trim().split(/\s+/)) {
    const m = /^(-?[\d.e]+)(?:([+-])([\d.e]+))?x(\d+)$/.exec(tok);
    if (m) {
      const start = Number(m[1]);
      const step = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * Number(m[3]);
      const n = Number(m[4]);
      let v = start;
      for (let i = 0; i <= n; i++) {
        out.push(v);
        v += step;
      }
      continue;
    }
    out.push(tok === 'Inf' || tok === '+Inf' ? Infinity : tok === '-Inf' ? -Infinity : Number(tok));
  }
  return out;
}

/** A series loaded with `load <intervalMs>`: value i at i·interval. */
export function loadSeries(intervalMs: number, spec: string): Point[] {
  return expandValues(spec).map((v, i) => ({ t: i * intervalMs, v }));
}

/** A range window as the engine will cut it, with the bounds the kernels are given. */
export interface Window {
  points: Point[];
  rangeStartMs: number;
  rangeEndMs: number;
}

/**
 * The samples a 2.42 matrix selector `[rangeMs] offset offsetMs` sees at `evalMs`: the
 * window is closed at both ends in 2.42, [end − range, end] with end = eval − offset.
 */
export function window(series: readonly Point[], evalMs: number, rangeMs: number, offsetMs = 0): Window {
  const rangeEndMs = evalMs - offsetMs;
  const rangeStartMs = rangeEndMs - rangeMs;
  return { points: series.filter((p) => p.t >= rangeStartMs && p.t <= rangeEndMs), rangeStartMs, rangeEndMs };
}

/** The smallest normal float64, Prometheus's cut-off for "close to zero" comparisons. */
const MIN_NORMAL = 2.2250738585072014e-308;
/** Prometheus's test runner accepts a relative difference below this. */
const EPSILON = 1e-6;

/** Prometheus 2.42 `promql/test.go` `almostEqual`: NaN equals NaN, else relative 1e-6. */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

/** Asserts as Prometheus's test runner would, printing both values on failure. */
export function expectPromValue(actual: number | undefined, expected: number): void {
  expect(actual, `expected ${expected}, got ${actual}`).toBeTypeOf('number');
  expect(almostEqual(actual!, expected), `expected ${expected}, got ${actual}`).toBe(true);
}

/** Asserts the exact same float64, -0 and NaN included. */
export function expectBits(actual: number | undefined, expected: number): void {
  expect(Object.is(actual, expected), `expected ${expected}, got ${actual}`).toBe(true);
}
