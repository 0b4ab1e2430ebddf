/**
 * The values one step of a metric query passes between the engine's sub-expressions: a
 * scalar (a number literal) or an instant vector of samples.
 */
import type { Labels } from '../../model/labels.js';

/**
 * A sample of one step. Labels follow LogQL: sorted, unique names, empty values allowed.
 * `key` is `labelsKey(labels)` (model/labels.ts). Never mutated once built, so operations
 * pass unchanged samples through as the same objects.
 */
export interface StepSample {
  readonly labels: Labels;
  readonly key: string;
  readonly v: number;
}

/** The value of a sub-expression at one step. */
export type StepValue =
  | { readonly kind: 'scalar'; readonly v: number }
  | { readonly kind: 'vector'; readonly samples: readonly StepSample[] };
