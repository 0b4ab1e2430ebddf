/**
 * Request bodies as the log store's WAL keeps them (RawPushSource in
 * src/logstore/interface.ts): a format id and the body, decoded again at replay by the same
 * decoders the push route used. Ids are stored in WAL records: never change or reuse one.
 */
import { snappyDecompress } from '../remote-write/snappy.js';
import { decodeLegacyPushJson, decodePushJson } from './decode-json.js';
import { decodePushJsonFast } from './decode-json-fast.js';
import { decodePushProto } from './decode-proto.js';
import type { PushStream } from './types.js';
import { CairnError } from '../../util/errors.js';

/** Snappy block-compressed protobuf PushRequest, as received. */
export const RAW_PROTO_SNAPPY = 1;
/** Loki v1 JSON, decompressed. */
export const RAW_JSON = 2;
/** Legacy (`/api/prom/push`) JSON, decompressed. */
export const RAW_LEGACY_JSON = 3;

/** Decodes a kept body into its streams, in body order. */
export function decodeRawPush(format: number, body: Uint8Array): readonly PushStream[] {
  switch (format) {
    case RAW_PROTO_SNAPPY:
      // The body was accepted under the size limit once; the limit does not apply again.
      return decodePushProto(snappyDecompress(body, Number.MAX_SAFE_INTEGER)).streams;
    case RAW_JSON: {
      const json = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return (decodePushJsonFast(json) ?? decodePushJson(json)).streams;
    }
    case RAW_LEGACY_JSON:
      return decodeLegacyPushJson(Buffer.from(body.buffer, body.byteOffset, body.byteLength)).streams;
    default:
      throw new CairnError('internal', 'corrupt_record', `corrupt record: unknown kept body format ${format}`);
  }
}
