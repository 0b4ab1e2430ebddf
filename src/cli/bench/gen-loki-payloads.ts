/**
 * Loki push bodies from a log corpus, batched the way Promtail and Alloy batch: entries in
 * time order across streams, a request closed once it holds `batchBytes` of lines
 * (Promtail's `batchsize`, 1 MiB), each request's entries grouped by stream, encoded as
 * protobuf and snappy-compressed (`logproto.PushRequest`, what Promtail sends) or as
 * Loki's v1 JSON.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { protoDir, snappyCompress } from '../../ingest/remote-write/index.js';
import type { Corpus } from './gen-log-corpus.js';

/** The push body encodings Loki accepts. */
export type PushFormat = 'proto' | 'json';

/** One encoded push request and what it carries. */
export interface PushBody {
  readonly body: Buffer;
  readonly lines: number;
  /** UTF-8 bytes of the request's lines. */
  readonly rawBytes: number;
}

/** A corpus's push requests in send order, with totals. */
export interface LokiPayloads {
  readonly bodies: Buffer[];
  /** Per body, in the same order: its lines and line bytes. */
  readonly batches: PushBody[];
  readonly contentType: string;
  readonly rawBytes: number;
  readonly lines: number;
}

let pushRequestType: protobuf.Type | undefined;

/** `logproto.PushRequest` from `proto/loki/push.proto`, loaded once on first use. */
function pushRequest(): protobuf.Type {
  pushRequestType ??= protobuf.loadSync(join(protoDir(), 'loki', 'push.proto')).lookupType('logproto.PushRequest');
  return pushRequestType;
}

/** A stream's labels as the protobuf body carries them: a LogQL selector. */
function selector(labels: Record<string, string>): string {
  return '{' + Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') + '}';
}

/** The Content-Type of a push body format. */
export function pushContentType(format: PushFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

/** Encodes all of `corpus` as push bodies of about `batchBytes` of lines each. */
export function buildPayloads(corpus: Corpus, format: PushFormat, batchBytes = 1 << 20): LokiPayloads {
  // Time-ordered merge of every stream's entries (by their ns strings, equal length).
  const all: { s: number; i: number }[] = [];
  corpus.streams.forEach((st, s) => st.entries.forEach((_, i) => all.push({ s, i })));
  all.sort((a, b) => {
    const x = corpus.streams[a.s]!.entries[a.i]!.tsNs;
    const y = corpus.streams[b.s]!.entries[b.i]!.tsNs;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const batches: PushBody[] = [];
  let batch = new Map<number, number[]>();
  let bytes = 0;
  let lines = 0;
  const emit = () => {
    if (batch.size === 0) return;
    const streams = [...batch].map(([s, idx]) => ({ st: corpus.streams[s]!, idx }));
    let body: Buffer;
    if (format === 'json') {
      body = Buffer.from(JSON.stringify({ streams: streams.map(({ st, idx }) => ({ stream: st.labels, values: idx.map((i) => [st.entries[i]!.tsNs, st.entries[i]!.line]) })) }));
    } else {
      const type = pushRequest();
      const msg = type.fromObject({
        streams: streams.map(({ st, idx }) => ({
          labels: selector(st.labels),
          entries: idx.map((i) => {
            const e = st.entries[i]!;
            const n = BigInt(e.tsNs);
            return { timestamp: { seconds: String(n / 1_000_000_000n), nanos: Number(n % 1_000_000_000n) }, line: e.line };
          }),
        })),
      });
      body = Buffer.from(snappyCompress(type.encode(msg).finish()));
    }
    batches.push({ body, lines, rawBytes: bytes });
    batch = new Map();
    bytes = 0;
    lines = 0;
  };
  for (const { s, i } of all) {
    let list = batch.get(s);
    if (list === undefined) batch.set(s, (list = []));
    list.push(i);
    lines++;
    bytes += Buffer.byteLength(corpus.streams[s]!.entries[i]!.line);
    if (bytes >= batchBytes) emit();
  }
  emit();
  return { bodies: batches.map((b) => b.body), batches, contentType: pushContentType(format), rawBytes: corpus.rawBytes, lines: corpus.lines };
}
