/**
 * The bodies an OTLP/HTTP endpoint answers with, in the request's format (OTLP/HTTP
 * spec, "OTLP/HTTP Response"): `Export{Metrics,Logs}ServiceResponse` on success — empty,
 * or with a `partial_success` — and a `google.rpc.Status {code, message}` on failure.
 * Hand-encoded: each message has at most two scalar fields.
 */
import type { OtlpFormat } from './types.js';

/** Content types of the two formats. */
export const CONTENT_TYPE: Readonly<Record<OtlpFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

function varint(n: bigint | number, out: number[]): void {
  let v = BigInt.asUintN(64, BigInt(n));
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function lenField(field: number, bytes: Uint8Array, out: number[]): void {
  out.push((field << 3) | 2);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/** What a partial success reports; `rejected` counts data points (metrics) or log records. */
export interface PartialSuccess {
  readonly rejected: number;
  readonly errorMessage: string;
}

/**
 * Encodes an `ExportMetricsServiceResponse` (`rejectedKey` `rejectedDataPoints`) or an
 * `ExportLogsServiceResponse` (`rejectedLogRecords`): both are `{partial_success = 1
 * {int64 rejected = 1; string error_message = 2}}`. No partial success: the empty message.
 */
export function encodeExportResponse(format: OtlpFormat, rejectedKey: 'rejectedDataPoints' | 'rejectedLogRecords', partial?: PartialSuccess): Buffer {
  if (format === 'json') {
    if (partial === undefined) return Buffer.from('{}');
    // int64 is a decimal string in OTLP-JSON (proto3 JSON mapping).
    return Buffer.from(JSON.stringify({ partialSuccess: { [rejectedKey]: String(partial.rejected), errorMessage: partial.errorMessage } }));
  }
  if (partial === undefined) return Buffer.alloc(0);
  const inner: number[] = [];
  if (partial.rejected !== 0) {
    inner.push(1 << 3);
    varint(partial.rejected, inner);
  }
  if (partial.errorMessage !== '') lenField(2, Buffer.from(partial.errorMessage), inner);
  const out: number[] = [];
  lenField(1, Uint8Array.from(inner), out);
  return Buffer.from(out);
}

/** Encodes a `google.rpc.Status {int32 code = 1; string message = 2}` (no details). */
export function encodeRpcStatus(format: OtlpFormat, code: number, message: string): Buffer {
  if (format === 'json') return Buffer.from(JSON.stringify({ code, message }));
  const out: number[] = [];
  if (code !== 0) {
    out.push(1 << 3);
    varint(code, out);
  }
  if (message !== '') lenField(2, Buffer.from(message), out);
  return Buffer.from(out);
}
