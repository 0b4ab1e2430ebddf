/**
 * The practical limit of a Loki push endpoint in one Node.js process: fastify receiving the
 * body, snappy and protobuf (or JSON) decoding it with Cairn's decoders, and answering 204 —
 * no validation, no WAL, no store. bench/logs-ingest.bench.ts pushes the same bodies here
 * as to Cairn, in the same run. Prints `port <n>` once listening.
 */
import Fastify from 'fastify';
import { columnarPush } from '../../src/ingest/loki/columnar.js';
import { decodePushJson } from '../../src/ingest/loki/decode-json.js';
import { decodePushJsonFast } from '../../src/ingest/loki/decode-json-fast.js';
import { decodePushProto } from '../../src/ingest/loki/decode-proto.js';
import { snappyDecompress } from '../../src/ingest/remote-write/index.js';

const app = Fastify({ bodyLimit: 100 << 20 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
let lines = 0;
app.post('/loki/api/v1/push', async (req, reply) => {
  const body = req.body as Buffer;
  if (req.headers['content-type'] === 'application/json') {
    // As the push route decodes JSON: the common shape from its bytes, anything else
    // through JSON.parse, into the columns the push path reads.
    lines += columnarPush(decodePushJsonFast(body) ?? decodePushJson(body)).columns.count;
  } else {
    // The entries as the decoder leaves them (columns): reading `entries` would make an
    // object per entry, which the push path never does.
    lines += decodePushProto(snappyDecompress(body, 100 << 20)).columns.count;
  }
  return reply.code(204).send();
});
app.get('/lines', async () => ({ lines }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(`port ${typeof address === 'object' && address !== null ? address.port : 0}`);
