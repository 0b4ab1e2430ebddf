/**
 * Immutable on-disk blocks: one SQLite file per block (FORMAT.md). Workers write and
 * compact blocks (`worker.ts`); the main thread reads them with `BlockReader`.
 */
export { BlockInputWriter, readBlockInput } from './block-input.js';
export { BLOCK_FORMAT_VERSION, XOR_BLOCK_FORMAT_VERSION, type BlockFormatVersion, type BlockMeta, type BlockSeries, type SeriesInput } from './block-meta.js';
export { BlockReader } from './block-reader.js';
export {
  BLOCK_SUFFIX,
  BLOCK_TMP_SUFFIX,
  blockPath,
  blockTmpPath,
  DEFAULT_PAGE_SIZE_BYTES,
  DEFAULT_SERIES_PER_GROUP,
  writeBlock,
  type WriteBlockOptions,
} from './block-writer.js';
export { compactBlocks, type CompactBlocksOptions } from './compact.js';
export { isUlid, newUlid, ULID_LENGTH, ulidTime } from '../../storage/ulid.js';
export type { BlockJob, BlockJobFault, CompactBlocksJob, WriteBlockJob } from './worker.js';
