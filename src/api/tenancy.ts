/**
 * Tenancy and auth at the edge, for every route family. A route declares what it needs
 * in its options (`config: { auth: { kind: 'tenant', scope: 'write_metrics' } }` or
 * `{ kind: 'admin' }`); routes without a declaration are public (`/ready`, `/metrics`,
 * buildinfo). The check runs in `onRequest`, before the body is read, so a refused
 * client never makes the server buffer a large body. Unknown paths get fastify's 404
 * without auth, as the routes do not exist.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Authorizer, Principal, Requirement } from '../auth/authorize.js';
import { assert } from '../util/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route requires; absent = public. */
    auth?: Requirement;
  }
  interface FastifyRequest {
    /** Set by the tenancy hook on routes that declare `auth`; null elsewhere. */
    principal: Principal | null;
    /** The matched route's pattern (`/prometheus/api/v1/label/:name/values`); null when no route matched. */
    routeUrl: string | null;
  }
}

/**
 * Installs the tenancy hook: each route gets its own `onRequest` hook, built when the route
 * is added, that names the route on the request and checks the route's requirement. Built
 * per route rather than one hook reading `request.routeOptions` (a getter that builds a
 * dozen-field object on every read), so a small request does no more than it must.
 */
export function installTenancy(app: FastifyInstance, authorizer: Authorizer): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('routeUrl', null);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    const requirement = route.config?.auth;
    const hook: onRequestHookHandler =
      requirement === undefined
        ? (request, _reply, done) => {
            request.routeUrl = url;
            done();
          }
        : (request, _reply, done) => {
            request.routeUrl = url;
            const orgId = request.headers['x-scope-orgid'];
            // Thrown errors go to the error handler as from any hook.
            request.principal = authorizer.authorize({ orgId: Array.isArray(orgId) ? orgId.join('|') : orgId, authorization: request.headers.authorization }, requirement);
            done();
          };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : [hook, ...(Array.isArray(existing) ? existing : [existing])];
  });
}

/** The tenant of a request on a tenant route. A route without `auth` calling this is a bug. */
export function tenantOf(request: FastifyRequest): string {
  const tenant = request.principal?.tenant;
  assert(typeof tenant === 'string', `route ${request.routeUrl ?? 'unmatched'} reads a tenant but declares no tenant auth`);
  return tenant;
}
