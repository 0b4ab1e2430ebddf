/**
 * Chunk encodings of the time-series store. Today one: Prometheus's XOR chunk for float
 * samples (FORMAT.md), with the rule by which the head cuts series into chunks.
 */
export { BitReader, BitWriter } from './bstream.js';
export {
  ChunkCutPolicy,
  chunkRangeEnd,
  defaultChunkCutOptions,
  MAX_BYTES_PER_XOR_CHUNK,
  MAX_SAMPLES_PER_XOR_CHUNK,
  nextChunkEndTime,
  SAMPLES_PER_CHUNK,
  XOR_HEADER_BYTES,
  XorAppender,
  XorChunk,
  XorIterator,
  type ChunkCutOptions,
  type ChunkCutState,
  type OpenChunkInfo,
} from './xor.js';
