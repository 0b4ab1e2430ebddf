/**
 * Builds Loki push bodies as clients send them: protobuf (Promtail, Alloy; snappy block
 * compressed) with protobufjs from proto/loki/push.proto, and Loki's v1 JSON.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { snappyCompress } from '../../src/ingest/remote-write/index.js';

export interface TestLogStream {
  /** A selector string for protobuf; a label map for JSON. */
  labels: string | Record<string, string>;
  /** [ns as a decimal string, line, structured metadata?] */
  entries: [string, string, Record<string, string>?][];
}

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/loki/push.proto', import.meta.url)));
const PushRequest = root.lookupType('logproto.PushRequest');

function selector(labels: string | Record<string, string>): string {
  if (typeof labels === 'string') return labels;
  return '{' + Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') + '}';
}

/** The uncompressed protobuf bytes of a PushRequest. */
export function encodeLokiPush(streams: TestLogStream[]): Uint8Array {
  const msg = PushRequest.fromObject({
    streams: streams.map((s) => ({
      labels: selector(s.labels),
      entries: s.entries.map(([ns, line, md]) => {
        const n = BigInt(ns);
        return {
          timestamp: { seconds: String(n / 1_000_000_000n), nanos: Number(n % 1_000_000_000n) },
          line,
          structuredMetadata: Object.entries(md ?? {}).map(([name, value]) => ({ name, value })),
        };
      }),
    })),
  });
  return PushRequest.encode(msg).finish();
}

/** A protobuf push body as Promtail sends it (snappy block format). */
export function lokiProtoBody(streams: TestLogStream[]): Buffer {
  return Buffer.from(snappyCompress(encodeLokiPush(streams)));
}

/** A v1 JSON push body. */
export function lokiJsonBody(streams: TestLogStream[]): string {
  return JSON.stringify({
    streams: streams.map((s) => ({
      stream: typeof s.labels === 'string' ? {} : s.labels,
      values: s.entries.map(([ns, line, md]) => (md === undefined ? [ns, line] : [ns, line, md])),
    })),
  });
}

/** Nanoseconds of a ms time as a decimal string. */
export function ns(ms: number, extra = 0): string {
  return (BigInt(ms) * 1_000_000n + BigInt(extra)).toString();
}
