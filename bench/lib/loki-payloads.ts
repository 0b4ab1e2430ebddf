/**
 * Pre-encoded Loki push bodies from a corpus, batched the way Promtail and Alloy batch:
 * entries in time order across streams, a request closed once it holds `batchBytes` of
 * lines (Promtail's `batchsize`, 1 MiB), each request's entries grouped by stream, encoded
 * as protobuf and snappy-compressed (or as Loki's v1 JSON).
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { snappyCompress } from '../../src/ingest/remote-write/index.js';
import type { Corpus } from './log-corpus.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/loki/push.proto', import.meta.url)));
const PushRequest = root.lookupType('logproto.PushRequest');

export interface LokiPayloads {
  readonly bodies: Buffer[];
  readonly contentType: string;
  readonly rawBytes: number;
  readonly lines: number;
}

function selector(labels: Record<string, string>): string {
  return '{' + Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') + '}';
}

export function buildPayloads(corpus: Corpus, format: 'proto' | 'json', batchBytes = 1 << 20): LokiPayloads {
  // Time-ordered merge of every stream's entries (by their ns strings, equal length).
  const all: { s: number; i: number }[] = [];
  corpus.streams.forEach((st, s) => st.entries.forEach((_, i) => all.push({ s, i })));
  all.sort((a, b) => {
    const x = corpus.streams[a.s]!.entries[a.i]!.tsNs;
    const y = corpus.streams[b.s]!.entries[b.i]!.tsNs;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const bodies: Buffer[] = [];
  let batch = new Map<number, number[]>();
  let bytes = 0;
  const emit = () => {
    if (batch.size === 0) return;
    const streams = [...batch].map(([s, idx]) => ({ st: corpus.streams[s]!, idx }));
    if (format === 'json') {
      bodies.push(Buffer.from(JSON.stringify({ streams: streams.map(({ st, idx }) => ({ stream: st.labels, values: idx.map((i) => [st.entries[i]!.tsNs, st.entries[i]!.line]) })) })));
    } else {
      const msg = PushRequest.fromObject({
        streams: streams.map(({ st, idx }) => ({
          labels: selector(st.labels),
          entries: idx.map((i) => {
            const e = st.entries[i]!;
            const n = BigInt(e.tsNs);
            return { timestamp: { seconds: String(n / 1_000_000_000n), nanos: Number(n % 1_000_000_000n) }, line: e.line };
          }),
        })),
      });
      bodies.push(Buffer.from(snappyCompress(PushRequest.encode(msg).finish())));
    }
    batch = new Map();
    bytes = 0;
  };
  for (const { s, i } of all) {
    let list = batch.get(s);
    if (list === undefined) batch.set(s, (list = []));
    list.push(i);
    bytes += Buffer.byteLength(corpus.streams[s]!.entries[i]!.line);
    if (bytes >= batchBytes) emit();
  }
  emit();
  return { bodies, contentType: format === 'json' ? 'application/json' : 'application/x-protobuf', rawBytes: corpus.rawBytes, lines: corpus.lines };
}
