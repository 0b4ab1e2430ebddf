/**
 * Tenancy and auth at the edge, for every route family. A route declares what it needs
 * in its options (`config: { auth: { kind: 'tenant', scope: 'write_metrics' } }` or
 * `{ kind: 'admin' }`); routes without a declaration are public (`/ready`, `/metrics`,
 * buildinfo). The check runs in `onRequest`, before the body is read, so a refused
 * client never makes the server buffer a large body. Unknown paths get fastify's 404
 * without auth, as the routes do not exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
  }
}

/** Installs the tenancy hook on the root instance. */
export function installTenancy(app: FastifyInstance, authorizer: Authorizer): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const requirement = request.routeOptions.config?.auth;
    if (requirement === undefined) return;
    const orgId = request.headers['x-scope-orgid'];
    request.principal = authorizer.authorize(
      { orgId: Array.isArray(orgId) ? orgId.join('|') : orgId, authorization: request.headers.authorization },
      requirement,
    );
  });
}

/** The tenant of a request on a tenant route. A route without `auth` calling this is a bug. */
export function tenantOf(request: FastifyRequest): string {
  const tenant = request.principal?.tenant;
  assert(typeof tenant === 'string', `route ${request.routeOptions.url} reads a tenant but declares no tenant auth`);
  return tenant;
}
