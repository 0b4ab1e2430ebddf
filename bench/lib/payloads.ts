/**
 * The remote-write workload generator now lives with `cairn bench metrics` (the CLI ships
 * only `src/`); the benchmarks import it from here as before.
 */
export { generateSeries, prepareWorkload, rng, type PreparedWorkload, type ShardPayloads, type Workload } from '../../src/cli/bench/gen-metrics.js';
