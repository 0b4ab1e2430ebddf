/**
 * LogQL's per-step vector operations, the engine's entry point to them: vector
 * aggregations (`vector-aggregate.ts`), binary operators (`vector-binary.ts`) and
 * `label_replace` (`vector-label-replace.ts`), on the step values of `vector-types.ts`.
 * Each follows Loki's `pkg/logql/evaluator.go`; see the modules for where Loki departs
 * from Prometheus.
 */
export type { StepSample, StepValue } from './vector-types.js';
export { aggregateStep } from './vector-aggregate.js';
export { binaryStep, vectorMatchingError } from './vector-binary.js';
export { compileLabelReplace } from './vector-label-replace.js';
