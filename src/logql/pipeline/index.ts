/**
 * LogQL pipelines and sample extractors: compiled once per query from the AST's stages,
 * bound once per stream, run once per entry. See `types.ts` for the contract.
 */
export { compileLogPipeline } from './pipeline.js';
export { compileSampleExtractor } from './sample-extractor.js';
export type {
  ExtractedSample,
  LogPipeline,
  ProcessedEntry,
  SampleExtractor,
  StorePushdown,
  StreamPipeline,
  StreamSampleExtractor,
} from './types.js';
