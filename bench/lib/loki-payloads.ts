/**
 * The Loki push body builder now lives with `cairn bench logs` (the CLI ships only
 * `src/`); the benchmarks import it from here as before.
 */
export { buildPayloads, type LokiPayloads } from '../../src/cli/bench/gen-loki-payloads.js';
