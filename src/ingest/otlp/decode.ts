/**
 * The OTLP/HTTP request body, from bytes on the wire to the plain shape of `types.ts`:
 * the format from `Content-Type`, decompression per `Content-Encoding` within the size
 * limit, then the protobuf or OTLP-JSON decoder. Shared by `/otlp/v1/metrics` and
 * `/otlp/v1/logs`.
 *
 * Errors (all CairnErrors): an unsupported content type or encoding is a 415 with
 * Mimir's text; a body over the limit, compressed or not, is a 413 naming the limit and
 * `distributor.max_otlp_request_size`; a body that does not decompress or decode is a 400.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CairnError } from '../../util/errors.js';
import { zstdContentSize, zstdDecompress, zstdDecompressFrames } from '../../logstore/chunk/zstd.js';
import { decodeLogsJson, decodeMetricsJson } from './decode-json.js';
import { decodeLogsProto, decodeMetricsProto } from './decode-proto.js';
import { Lz4TooLargeError, lz4DecompressFrames } from './lz4-frame.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, OtlpFormat } from './types.js';

const gunzipAsync = promisify(gunzip);

/**
 * The format of a `Content-Type` (parameters such as `charset` ignored, case-insensitive);
 * anything else is Mimir's 415.
 */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  throw new CairnError('unsupported_media_type', 'unsupported_content_type', `unsupported content type: ${contentType ?? ''}, supported: [application/json, application/x-protobuf]`);
}

/** Throws Mimir's 415 unless `encoding` is one we decode; returns it normalised. */
export function otlpEncodingOf(encoding: string | undefined): '' | 'gzip' | 'zstd' | 'lz4' {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return '';
  if (e === 'gzip' || e === 'zstd' || e === 'lz4') return e;
  throw new CairnError('unsupported_media_type', 'unsupported_compression', `unsupported compression: ${encoding ?? ''}. Only "gzip", "lz4", "zstd", or no compression supported`);
}

/** The 413 for a body over `limit` bytes (`actual` < 0: known only to be larger). */
export function otlpTooLarge(actual: number, limit: number, compressed: boolean): CairnError {
  const size = actual < 0 ? 'the message size' : `its message size of ${actual} bytes${compressed ? ' (compressed)' : ' (uncompressed)'}`;
  return new CairnError(
    'too_large',
    'request_too_large',
    `the incoming OTLP request has been rejected because ${size} is larger than the allowed limit of ${limit} bytes (err-mimir-distributor-max-otlp-request-size). To adjust the related limit, configure distributor.max_otlp_request_size, or contact your service administrator.`,
  );
}

/** Smallest output buffer tried for a zstd frame that does not state its size. */
const ZSTD_FIRST_GUESS_BYTES = 1 << 20;

function zstdBody(body: Uint8Array, max: number): Uint8Array {
  // The frames' declared sizes are read before anything is allocated, so a hostile
  // header is refused with 413 rather than tried.
  let declared: number | undefined;
  try {
    declared = zstdContentSize(body);
  } catch (err) {
    if (!/content size/.test((err as Error).message)) throw new CairnError('bad_data', 'invalid_body', `the zstd body could not be decompressed: ${(err as Error).message}`);
  }
  if (declared !== undefined) {
    if (declared > max) throw otlpTooLarge(declared, max, false);
    try {
      return zstdDecompressFrames(body);
    } catch (err) {
      throw new CairnError('bad_data', 'invalid_body', `the zstd body could not be decompressed: ${(err as Error).message}`);
    }
  }
  // A streamed frame (no content size): grow the output buffer up to the limit.
  for (let size = Math.min(ZSTD_FIRST_GUESS_BYTES, max); ; size = Math.min(size * 4, max)) {
    try {
      const out = zstdDecompress(body, size);
      if (out.length > max) throw otlpTooLarge(out.length, max, false);
      return out;
    } catch (err) {
      if (err instanceof CairnError) throw err;
      if (size >= max) throw new CairnError('bad_data', 'invalid_body', `the zstd body could not be decompressed within ${max} bytes: ${(err as Error).message}`);
    }
  }
}

/**
 * Decompresses `body` per `encoding` (from `otlpEncodingOf`), the output limited to
 * `max` bytes. The compressed size is checked first, as Mimir does.
 */
export async function decompressOtlpBody(body: Uint8Array, encoding: '' | 'gzip' | 'zstd' | 'lz4', max: number): Promise<Uint8Array> {
  if (body.length > max) throw otlpTooLarge(body.length, max, encoding !== '');
  switch (encoding) {
    case '':
      return body;
    case 'gzip':
      try {
        return await gunzipAsync(body, { maxOutputLength: max });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ERR_BUFFER_TOO_LARGE' || e.code === 'ERR_OUT_OF_RANGE') throw otlpTooLarge(-1, max, false);
        throw new CairnError('bad_data', 'invalid_body', `the gzip body could not be decompressed: ${e.message}`);
      }
    case 'zstd':
      return zstdBody(body, max);
    case 'lz4':
      try {
        return lz4DecompressFrames(body, max);
      } catch (err) {
        if (err instanceof Lz4TooLargeError) throw otlpTooLarge(-1, max, false);
        throw new CairnError('bad_data', 'invalid_body', `the lz4 body could not be decompressed: ${(err as Error).message}`);
      }
  }
}

/** Decodes an uncompressed `ExportMetricsServiceRequest` body. Throws a 400. */
export function decodeMetricsRequest(body: Uint8Array, format: OtlpFormat): ExportMetricsServiceRequest {
  return format === 'protobuf' ? decodeMetricsProto(body) : decodeMetricsJson(body);
}

/** Decodes an uncompressed `ExportLogsServiceRequest` body. Throws a 400. */
export function decodeLogsRequest(body: Uint8Array, format: OtlpFormat): ExportLogsServiceRequest {
  return format === 'protobuf' ? decodeLogsProto(body) : decodeLogsJson(body);
}
