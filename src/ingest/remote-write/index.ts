/**
 * Remote-write 1.0 decoding: Snappy block decompression with size limits, the fast
 * protobuf scanner the ingest path uses (see `decode-fast.ts` for its contract), and the
 * protobufjs reference decoder it is tested against. Importing this index loads protobufjs
 * and parses `proto/` (~30 ms, once); start-up-sensitive code may import `decode-fast.js`
 * and `snappy.js` directly.
 */
export { snappyCompress, snappyDecompress, snappyDeclaredLength, SNAPPY_CORRUPT, MESSAGE_TOO_LARGE } from './snappy.js';
export { WriteRequestScanner, decodeWriteRequestFast, hashLabelBytes, encodeLabelBytes, PROTOBUF_INVALID, MAX_GROUP_DEPTH } from './decode-fast.js';
export { decodeWriteRequestReference, loadPrometheusProtos, protoDir, WriteRequestType } from './decode-reference.js';
export { MetricType, metricTypeName, STALE_NAN_HI, STALE_NAN_LO } from './types.js';
export type { Exemplar, Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from './types.js';
