/**
 * The in-flight limits of push routes at the edge (ingest/inflight.ts): a route that
 * declares `config: { push: true }` gets an `onRequest` hook, after the tenancy check, that
 * opens a slot for the request with its Content-Length before the body is read (so a
 * refused request is never buffered) and frees it when the answer is done or the client
 * goes away. A body sent without a Content-Length is counted once it has been read.
 */
import type { FastifyInstance, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { InflightPushLimiter, type InflightLimits, type InflightSlot } from '../ingest/inflight.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A push route (remote write, OTLP, Loki push): counted by the in-flight limits. */
    push?: true;
  }
  interface FastifyRequest {
    /** The request's in-flight slot on push routes whose body length was not declared; null elsewhere. */
    pushSlot: InflightSlot | null;
  }
}

/** A declared body length, or 0 when absent or unreadable (the body is counted once read). */
function declaredLength(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * Installs the limits on `app`'s push routes, with their self-metrics on `registry`
 * (Mimir's names with `cairn_` for `cortex_`); returns the limiter.
 */
export function installPushInflight(app: FastifyInstance, limits: InflightLimits, registry: Registry): InflightPushLimiter {
  const rejected = new Counter({
    name: 'cairn_distributor_instance_rejected_requests_total',
    help: 'Push requests refused by an instance limit, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const limiter = new InflightPushLimiter(limits, { rejected: (reason) => rejected.inc({ reason }) });
  // Read at scrape time: nothing per request.
  new Gauge({
    name: 'cairn_distributor_inflight_push_requests',
    help: 'Push requests (remote write, OTLP, Loki push) being handled now.',
    registers: [registry],
    collect() {
      this.set(limiter.inflight.requests);
    },
  });
  new Gauge({
    name: 'cairn_distributor_inflight_push_requests_bytes',
    help: 'Body bytes (as sent) of the push requests being handled now.',
    registers: [registry],
    collect() {
      this.set(limiter.inflight.bytes);
    },
  });
  app.decorateRequest('pushSlot', null);
  const onRequest: onRequestHookHandler = (request, reply, done) => {
    const declared = declaredLength(request.headers['content-length']);
    // Thrown errors go to the error handler as from any hook.
    const slot = limiter.open(declared);
    reply.raw.once('close', slot.close);
    if (declared === 0) request.pushSlot = slot;
    done();
  };
  const preHandler: preHandlerHookHandler = (request, _reply, done) => {
    const slot = request.pushSlot;
    if (slot !== null && Buffer.isBuffer(request.body)) slot.addBytes(request.body.length);
    done();
  };
  app.addHook('onRoute', (route) => {
    if (route.config?.push !== true) return;
    // Appended: the tenancy hook (prepended) runs first, so an unauthenticated client takes no slot.
    const add = <T>(existing: T | T[] | undefined, hook: T): T[] => (existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook]);
    route.onRequest = add(route.onRequest, onRequest);
    route.preHandler = add(route.preHandler, preHandler);
  });
  return limiter;
}
