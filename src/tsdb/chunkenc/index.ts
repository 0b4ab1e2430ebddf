/**
 * Chunk encodings of the time-series store: Prometheus's XOR chunk for float samples
 * (FORMAT.md), used by the head, the WAL and remote read, with the rule by which the head
 * cuts series into chunks; and the dense chunk of compacted blocks (`dense.ts`).
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
export { chunkIterator, type ChunkSampleIterator } from './chunk-iterator.js';
export { DenseIterator, decodeTimes, decodeValues, encodeTimes, encodeValues } from './dense.js';
