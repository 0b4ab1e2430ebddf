/**
 * `POST /api/v1/push`: Prometheus remote write 1.0 (snappy block format, protobuf), as
 * Mimir serves it. The body is taken as raw bytes whatever its content type (Mimir does
 * not check it), decompressed under `distributor.max_recv_msg_size`, decoded, and handed
 * to the distributor. 200 with an empty body when everything was stored; otherwise the
 * first error's status, after the valid part was stored.
 */
import type { FastifyInstance } from 'fastify';
import type { DistributorDeps } from '../../ingest/distributor.js';
import { RemoteWriteIngester } from '../../ingest/remote-write-ingest.js';
import { snappyDecompress } from '../../ingest/remote-write/snappy.js';
import { tenantOf } from '../tenancy.js';

export interface PushDeps extends DistributorDeps {
  readonly maxRecvMsgSize: number;
}

const EMPTY = new Uint8Array(0);

export function registerPushRoutes(app: FastifyInstance, deps: PushDeps): void {
  const ingester = new RemoteWriteIngester(deps);
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/push', { config: { auth: { kind: 'tenant', scope: 'write_metrics' }, push: true } }, async (req, reply) => {
      const body = (req.body as Buffer | undefined) ?? EMPTY;
      const raw = snappyDecompress(body, deps.maxRecvMsgSize);
      await ingester.push(tenantOf(req), raw);
      return reply.code(200).send();
    });
  });
}
