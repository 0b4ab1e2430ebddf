/**
 * The time each step of a range evaluation reads at: the step's own time, or the `@`
 * time, minus the offset. Step `i` reads at `first + i * every`, with both worked out once
 * per plan. Written in the step loops as `(at ?? ts) - offsetMs`, the expression merges a
 * maybe-undefined value with a double, and V8 kept the double boxed: a 16-byte heap number
 * a step, 2.3 KB a series of 144 steps, the 100k bench's biggest allocation in a range
 * selector (bench/RESULTS.md). The times are integers of milliseconds far below 2^53, so
 * `(start - offset) + i * interval` is exactly `(start + i * interval) - offset`.
 */
export interface StepRefs {
  readonly first: number;
  readonly every: number;
}

export function stepRefs(at: number | undefined, start: number, interval: number, offsetMs: number): StepRefs {
  return at === undefined ? { first: start - offsetMs, every: interval } : { first: at - offsetMs, every: 0 };
}
