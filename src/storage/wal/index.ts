/**
 * The write-ahead log shared by the metrics head and the log store. Byte layout:
 * FORMAT.md beside this file.
 */
export { defaultWalOptions, Wal, type FsyncPolicy, type WalEvent, type WalOptions, type WalScheduler } from './wal.js';
export type { OnRecord, ReplayReport, WalDamage } from './replay.js';
export { segmentName, type WalSegment } from './segment.js';
export { nodeWalFs, type FsCallback, type WalFs } from './wal-fs.js';
export { FRAME_HEADER_BYTES, RECORD_BYTES_MAX, RECORD_TYPE_FULL, SEGMENT_START_BYTES, frameBytes } from './record.js';
