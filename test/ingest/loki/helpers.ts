// Shared by the Loki push decoder tests: the protobufjs schema loaded from proto/loki, a
// tiny hand encoder for bytes protobufjs would never write, and error capture.
import { isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { protoDir } from '../../../src/ingest/remote-write/decode-reference.js';
import type { PushRequest } from '../../../src/ingest/loki/types.js';
import type { LogEntry } from '../../../src/logstore/entry.js';
import type { Label } from '../../../src/model/labels.js';

/** `logproto.PushRequest` reflected from proto/loki/push.proto. */
export const PushRequestType: protobuf.Type = (() => {
  const dir = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => (isAbsolute(target) ? target : join(dir, target));
  root.loadSync('loki/push.proto');
  root.resolveAll();
  return root.lookupType('logproto.PushRequest');
})();

export interface TestStream {
  labels: string;
  entries: { seconds: number; nanos: number; line: string; metadata?: Label[]; parsed?: Label[] }[];
}

/** Encodes a push request with protobufjs (the independent reference encoder). */
export function encodePush(streams: TestStream[], format = ''): Uint8Array {
  const msg = PushRequestType.fromObject({
    format,
    streams: streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({ timestamp: { seconds: e.seconds, nanos: e.nanos }, line: e.line, structuredMetadata: e.metadata ?? [], parsed: e.parsed ?? [] })),
    })),
  });
  return PushRequestType.encode(msg).finish();
}

// ---------------------------------------------------------------------------------------
// Hand encoder.

export type Bytes = number[];
export const WT = { varint: 0, i64: 1, len: 2, sgroup: 3, egroup: 4, i32: 5 } as const;

/** Unsigned LEB128 of the 64-bit two's complement of `n`. */
export function vi(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
export const tg = (field: number, wt: number): Bytes => vi(field * 8 + wt);
export const fLen = (field: number, body: Bytes): Bytes => [...tg(field, WT.len), ...vi(body.length), ...body];
export const fVar = (field: number, n: number | bigint): Bytes => [...tg(field, WT.varint), ...vi(n)];
export const fI64 = (field: number, n: bigint): Bytes => [...tg(field, WT.i64), ...Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))];
export const fI32 = (field: number, n: number): Bytes => [...tg(field, WT.i32), n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
export const fGroup = (field: number, body: Bytes): Bytes => [...tg(field, WT.sgroup), ...body, ...tg(field, WT.egroup)];
export const str = (s: string): Bytes => [...new TextEncoder().encode(s)];
export const body = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

/** Message builders for PushRequest pieces (fields as numbered in push.proto). */
export const pStream = (...parts: Bytes[]): Bytes => fLen(1, parts.flat());
export const pLabels = (s: string): Bytes => fLen(1, str(s));
export const pEntry = (...parts: Bytes[]): Bytes => fLen(2, parts.flat());
export const pTs = (seconds: number | bigint, nanos: number | bigint): Bytes => fLen(1, [...fVar(1, seconds), ...fVar(2, nanos)]);
export const pLine = (s: string): Bytes => fLen(2, str(s));
export const pMeta = (name: string, value: string): Bytes => fLen(3, [...fLen(1, str(name)), ...fLen(2, str(value))]);

/** One unknown field of every wire type (a group with nested content) from field number `f` up. */
export const unknownFields = (f: number): Bytes => [
  ...fVar(f, 300),
  ...fVar(f, -1), // a 10-byte varint
  ...fI64(f + 1, 0x0102030405060708n),
  ...fLen(f + 2, [1, 2, 3, 0xff]),
  ...fGroup(f + 3, [...fVar(1, 5), ...fGroup(2, [...fLen(3, [9, 9]), ...fI32(4, 1)]), ...fI64(5, 1n)]),
  ...fI32(f + 4, 7),
];

// ---------------------------------------------------------------------------------------

export function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

export const L = (name: string, value: string): Label => ({ name, value });
export const E = (tMs: number, tNs: number, line: string, metadata: Label[] = []): LogEntry => ({ tMs, tNs, line, metadata });

/**
 * A decoded request with every entry as a plain object with a string line (the protobuf
 * decoder's entries name their line's bytes and decode it on read), for `toEqual`.
 */
export function withStringLines(req: PushRequest): PushRequest {
  return {
    streams: req.streams.map((s) => ({
      labels: s.labels,
      labelsText: s.labelsText,
      ...(s.labelsError === undefined ? {} : { labelsError: s.labelsError }),
      entries: s.entries.map((e) => E(e.tMs, e.tNs, e.line, [...e.metadata])),
    })),
  };
}
