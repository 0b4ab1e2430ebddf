/**
 * The piscina task module of the query workers: runs a share of a parallel query
 * (`range-aggregate.ts`) or writes a share of a big answer's points (`points-json.ts`).
 * Answers are copied back, not transferred: a transfer would detach buffers in this
 * thread, which makes V8 check every typed-array access here for detachment from then on
 * (about 9 % slower kernels); an aggregation's answer is small, and a share's JSON goes
 * into the main thread's shared slab (answer-slabs.ts), or is copied back when it has none.
 */
import { runPointsJson, type PointsJsonJob } from './points-json.js';
import { runRangeAggregate, runRangeJson, type RangeAggregateJob, type RangeAggregateResult, type RangeJsonJob, type RangeJsonReply } from './range-aggregate.js';
import type { JsonBack } from './answer-slabs.js';

export default function run(job: RangeAggregateJob | RangeJsonJob | PointsJsonJob): RangeAggregateResult | RangeJsonReply | JsonBack {
  if (job.kind === 'pointsJson') return runPointsJson(job);
  if (job.kind === 'rangeJson') return runRangeJson(job);
  if (job.fault === 'throw') throw new Error('injected fault in a query share');
  if (job.fault === 'exit') process.exit(1);
  return runRangeAggregate(job);
}
