/**
 * The realistic log corpus now lives with `cairn bench logs` (the CLI ships only `src/`);
 * benchmarks and tests import it from here as before.
 */
export { generateCorpus, mulberry32, type Corpus, type CorpusEntry, type CorpusOptions, type CorpusStream, type LogFormat } from '../../src/cli/bench/gen-log-corpus.js';
