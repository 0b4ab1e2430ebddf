/**
 * The piscina task module of the query workers: runs a share of a parallel query
 * (`range-aggregate.ts`). The answer is copied back, not transferred: it is small (groups ×
 * steps), and a transfer would detach buffers in this thread, which makes V8 check every
 * typed-array access here for detachment from then on (about 9 % slower kernels).
 */
import { runRangeAggregate, type RangeAggregateJob, type RangeAggregateResult } from './range-aggregate.js';

export default function run(job: RangeAggregateJob): RangeAggregateResult {
  return runRangeAggregate(job);
}
